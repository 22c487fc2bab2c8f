// Splits a loop over the calling thread and a few long-lived helper threads. Helpers live as long
// as the object, so per-thread state (such as a search analyzer's stem cache) stays warm between
// calls, and no thread is started per call.
#ifndef CAIRN_NODE_COMMON_PARALLEL_FOR_H_
#define CAIRN_NODE_COMMON_PARALLEL_FOR_H_

#include <cstdint>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"

namespace cairn {

// Thread-safe. One loop runs at a time; a loop started while another runs is done on its caller's
// thread alone rather than waiting.
class ParallelFor {
 public:
  explicit ParallelFor(int helpers);
  ~ParallelFor();
  ParallelFor(const ParallelFor&) = delete;
  ParallelFor& operator=(const ParallelFor&) = delete;

  // Calls `work(begin, end)` on disjoint ranges covering [0, count), one range a thread, and
  // returns when every call has returned. Counts below `min_parallel` run on the caller's thread.
  void Run(int count, int min_parallel, absl::FunctionRef<void(int begin, int end)> work);

 private:
  void Help(int helper);

  const int parts_;  // helpers and the caller

  absl::Mutex run_mu_;  // held for a whole loop
  absl::Mutex mu_;
  // The loop in progress: helpers run ranges of `work_` for `generation_`.
  const absl::FunctionRef<void(int, int)>* work_ ABSL_GUARDED_BY(mu_) = nullptr;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  int unfinished_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> helpers_;
};

}  // namespace cairn

#endif  // CAIRN_NODE_COMMON_PARALLEL_FOR_H_
