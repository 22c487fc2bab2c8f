// What every benchmark program shares: percentiles, integer flags, and the LLIS data.
#ifndef CAIRN_TESTS_BENCH_BENCH_UTIL_H_
#define CAIRN_TESTS_BENCH_BENCH_UTIL_H_

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

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

// CPU time (user and system, all threads) that process `pid` has used so far; 0 if unreadable.
inline double CpuSeconds(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  size_t end_of_name = line.rfind(')');
  if (end_of_name == std::string::npos) return 0;
  std::istringstream fields(line.substr(end_of_name + 2));
  std::string field;
  double ticks = 0;
  for (int number = 3; number <= 15 && fields >> field; ++number) {
    if (number >= 14) ticks += std::stod(field);
  }
  return ticks / sysconf(_SC_CLK_TCK);
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
