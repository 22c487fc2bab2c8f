#include "node/common/parallel_for.h"

namespace cairn {
namespace {

// The range thread `part` of `parts` takes of [0, count).
std::pair<int, int> Range(int count, int part, int parts) {
  auto bound = [&](int p) { return static_cast<int>(static_cast<int64_t>(count) * p / parts); };
  return {bound(part), bound(part + 1)};
}

}  // namespace

ParallelFor::ParallelFor(int helpers) : parts_(helpers + 1) {
  for (int helper = 0; helper < helpers; ++helper) {
    helpers_.emplace_back([this, helper] { Help(helper); });
  }
}

ParallelFor::~ParallelFor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& helper : helpers_) helper.join();
}

void ParallelFor::Run(int count, int min_parallel,
                      absl::FunctionRef<void(int begin, int end)> work) {
  if (count <= 0) return;
  if (helpers_.empty() || count < min_parallel || !run_mu_.TryLock()) {
    work(0, count);
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    work_ = &work;
    count_ = count;
    unfinished_ = parts_ - 1;
    ++generation_;
  }
  auto [begin, end] = Range(count, 0, parts_);
  work(begin, end);
  {
    absl::MutexLock lock(&mu_);
    auto finished = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return unfinished_ == 0; };
    mu_.Await(absl::Condition(&finished));
    work_ = nullptr;
  }
  run_mu_.Unlock();
}

void ParallelFor::Help(int helper) {
  uint64_t done = 0;
  while (true) {
    const absl::FunctionRef<void(int, int)>* work;
    int count;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || generation_ != done;
      };
      mu_.Await(absl::Condition(&ready));
      if (generation_ == done) return;  // stopping, with no loop left to help with
      done = generation_;
      work = work_;
      count = count_;
    }
    auto [begin, end] = Range(count, helper + 1, parts_);
    (*work)(begin, end);
    absl::MutexLock lock(&mu_);
    --unfinished_;
  }
}

}  // namespace cairn
