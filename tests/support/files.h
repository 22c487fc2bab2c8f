// Whole-file reads for tests.
#ifndef CAIRN_TESTS_SUPPORT_FILES_H_
#define CAIRN_TESTS_SUPPORT_FILES_H_

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace cairn::testing {

// The file's contents; empty when it cannot be read.
inline std::string ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Replaces `path` with `text` in one step (a rename), as an operator's `mv` would, so a process
// watching the file never reads half of it.
inline void ReplaceFile(const std::string& path, const std::string& text) {
  std::ofstream(path + ".tmp", std::ios::binary) << text;
  std::filesystem::rename(path + ".tmp", path);
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_FILES_H_
