#include "node/common/clock.h"

#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace cairn {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
};

class RealRandom final : public RandomSource {
 public:
  RealRandom() : engine_(std::random_device{}()) {}
  uint64_t Next64() override {
    absl::MutexLock lock(&mu_);
    return engine_();
  }

 private:
  absl::Mutex mu_;
  std::mt19937_64 engine_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

Clock* Clock::Real() {
  static Clock* clock = new RealClock();
  return clock;
}

RandomSource* RandomSource::Real() {
  static RandomSource* random = new RealRandom();
  return random;
}

}  // namespace cairn
