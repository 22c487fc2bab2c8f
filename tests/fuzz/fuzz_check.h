// What the fuzz targets share: a check that aborts with a message, so libFuzzer records the input
// that broke an invariant as a crash.
#ifndef CAIRN_TESTS_FUZZ_FUZZ_CHECK_H_
#define CAIRN_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, ...)                                                           \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::fprintf(stderr, "" __VA_ARGS__);                                                  \
      std::fprintf(stderr, "\n");                                                            \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

#endif  // CAIRN_TESTS_FUZZ_FUZZ_CHECK_H_
