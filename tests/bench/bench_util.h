// What every benchmark program shares: percentiles, integer flags, and the LLIS data.
#ifndef CAIRN_TESTS_BENCH_BENCH_UTIL_H_
#define CAIRN_TESTS_BENCH_BENCH_UTIL_H_

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "tests/support/shared_data.h"

namespace cairn::bench {

// The value at fraction `p` (0 to 1) of `values`; 0 when there are none.
inline double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * (values.size() - 1) + 0.5)];
}

// Sets each integer named in `flags` from "--name value" pairs in argv.
inline void ParseIntFlags(int argc, char** argv,
                          std::initializer_list<std::pair<const char*, int*>> flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    for (const auto& [name, value] : flags) {
      if (std::string("--") + name == argv[i]) (void)absl::SimpleAtoi(argv[i + 1], value);
    }
  }
}

// The LLIS data file; nullopt, having said why the benchmark skips, when it is not there.
inline std::optional<std::string> LlisOrSkip() {
  std::optional<std::string> path = testing::LlisDataFile();
  if (!path) {
    std::printf("SKIPPED: NASA LLIS data not found (set CAIRN_SHARED_DATA or put "
                "nasa-llis-2021.jsonl in ../shared/data)\n");
  }
  return path;
}

}  // namespace cairn::bench

#endif  // CAIRN_TESTS_BENCH_BENCH_UTIL_H_
