// Controllable time and randomness for unit tests.
#ifndef CAIRN_TESTS_SUPPORT_FAKES_H_
#define CAIRN_TESTS_SUPPORT_FAKES_H_

#include <atomic>

#include "absl/synchronization/mutex.h"
#include "node/common/clock.h"

namespace cairn::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'780'000'000)) : now_(start) {}
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// Returns 1, 2, 3, ...: deterministic, and distinct.
class CountingRandom final : public RandomSource {
 public:
  uint64_t Next64() override { return ++next_; }

 private:
  std::atomic<uint64_t> next_{0};
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_FAKES_H_
