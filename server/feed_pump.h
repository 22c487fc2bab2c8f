// The threads that serve every open replication stream, so a stream holds no thread of its own.
#ifndef CAIRN_SERVER_FEED_PUMP_H_
#define CAIRN_SERVER_FEED_PUMP_H_

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/storage/store.h"

namespace cairn::server {

// Runs the work of open streams on a few threads of its own: building a stream's next batch
// reads the store, so it stays off gRPC's callback threads, and a stream with nothing to send
// waits here (parked), holding no thread, until the store commits or its heartbeat is due. One
// more thread watches the store's commits for the parked. Thread-safe; `store` must outlive it.
class FeedPump {
 public:
  static constexpr int kWorkers = 2;
  // How late a parked stream's deadline may be noticed: the watcher looks at least this often.
  static constexpr absl::Duration kTick = absl::Milliseconds(100);

  explicit FeedPump(const Store* store);
  ~FeedPump();  // runs what is queued, then joins
  FeedPump(const FeedPump&) = delete;
  FeedPump& operator=(const FeedPump&) = delete;

  // Runs `task` soon on a worker.
  void Run(std::function<void()> task);

  // Runs `wake` once on a worker, after the store's first commit past `seen` or at `until`,
  // whichever comes first; at once if `*woken` is already set. `key` names the parked stream
  // (at most one parking each).
  void Park(const void* key, uint64_t seen, absl::Time until, const std::atomic<bool>* woken,
            std::function<void()> wake);

  // Sets `*woken` and, if `key` is parked, runs its `wake` now.
  void Wake(const void* key, std::atomic<bool>* woken);

  // Runs every parked `wake` now (shutting down).
  void WakeAll();

 private:
  struct Parked {
    uint64_t seen;
    absl::Time until;
    std::function<void()> wake;
  };
  void Work();
  void Watch();
  // Moves parked streams that are due to the queue.
  void WakeDue(uint64_t commits, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Store* const store_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::function<void()>> ready_ ABSL_GUARDED_BY(mu_);
  std::map<const void*, Parked> parked_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_FEED_PUMP_H_
