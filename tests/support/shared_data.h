// Where the shared NASA LLIS data set is: $CAIRN_SHARED_DATA if set, else ../shared/data beside
// the project root.
#ifndef CAIRN_TESTS_SUPPORT_SHARED_DATA_H_
#define CAIRN_TESTS_SUPPORT_SHARED_DATA_H_

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace cairn::testing {

// The path of nasa-llis-2021.jsonl, or nullopt when it is not there (tests then skip).
inline std::optional<std::string> LlisDataFile() {
  const char* dir = std::getenv("CAIRN_SHARED_DATA");
  std::string base = dir != nullptr ? dir : std::string(CAIRN_SOURCE_DIR) + "/../shared/data";
  std::string path = base + "/nasa-llis-2021.jsonl";
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path;
}

#define CAIRN_SKIP_WITHOUT_LLIS(path_var)                                                  \
  std::optional<std::string> path_var = ::cairn::testing::LlisDataFile();                  \
  if (!path_var) {                                                                         \
    GTEST_SKIP() << "NASA LLIS data not found: set CAIRN_SHARED_DATA or put "              \
                    "nasa-llis-2021.jsonl in ../shared/data beside the project root";      \
  }

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_SHARED_DATA_H_
