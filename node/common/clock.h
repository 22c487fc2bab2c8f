// Time and randomness, injected so tests can control them.
#ifndef CAIRN_NODE_COMMON_CLOCK_H_
#define CAIRN_NODE_COMMON_CLOCK_H_

#include <cstdint>

#include "absl/time/time.h"

namespace cairn {

// Thread-safe source of the current time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
  // The process-wide real clock; never deleted.
  static Clock* Real();
};

// Thread-safe source of random 64-bit words.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual uint64_t Next64() = 0;
  // A cryptographically seeded generator shared by the process; never deleted.
  static RandomSource* Real();
};

}  // namespace cairn

#endif  // CAIRN_NODE_COMMON_CLOCK_H_
