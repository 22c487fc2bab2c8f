// Follows the store's health (see StoreHealth in store.h): what RocksDB reports about errors in
// its writes and background work, the store's recoveries, and damaged data found by reads.
#ifndef CAIRN_NODE_STORAGE_HEALTH_MONITOR_H_
#define CAIRN_NODE_STORAGE_HEALTH_MONITOR_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/storage/store.h"
#include "rocksdb/listener.h"

namespace cairn {

// Registered with RocksDB as an event listener. RocksDB calls it on its own threads, some with
// its locks held, so its callbacks only record and notify: they never call into the database.
// The store recovers from errors itself (see Store), so this turns RocksDB's own recovery off.
// Thread-safe. Health listeners are called outside its lock, one at a time, each change after
// the last; a listener must not call back into the store's write path.
class HealthMonitor : public rocksdb::EventListener {
 public:
  HealthMonitor() = default;

  // rocksdb::EventListener.
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override;
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status error,
                            bool* auto_recovery) override;
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override;

  StoreHealth Snapshot() const;
  void AddListener(std::function<void(const StoreHealth&)> listener);

  // A read or write found damaged data (a RocksDB Corruption status) in `context`.
  void NoteDamage(const rocksdb::Status& status, absl::string_view context);
  // DB::Resume succeeded: writes succeed again.
  void NoteRecovered();
  // The store cannot safely resume writing without reopening the database (see Store).
  void NoteNeedsRestart(const rocksdb::Status& status);

  // Whether writes are stopped (or background work is) by an error a DB::Resume may clear.
  bool NeedsResume() const;
  // Whether NoteNeedsRestart was called.
  bool NeedsRestart() const;
  // Blocks until NeedsResume() or Stop(); returns false once stopped.
  bool AwaitNeedsResume();
  // Waits `timeout`, or less when stopped; returns false once stopped.
  bool SleepUnlessStopped(absl::Duration timeout);
  // Wakes and ends the waits above, for good.
  void Stop();

 private:
  // Tells listeners of the current health if it changed since they last heard.
  void Notify();

  mutable absl::Mutex mu_;
  StoreHealth health_ ABSL_GUARDED_BY(mu_);
  // RocksDB's outstanding background error, when there is one it has not cleared.
  bool bg_error_ ABSL_GUARDED_BY(mu_) = false;
  bool recoverable_ ABSL_GUARDED_BY(mu_) = false;  // the outstanding error is at most a hard one
  bool needs_restart_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex notify_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::vector<std::function<void(const StoreHealth&)>> listeners_ ABSL_GUARDED_BY(notify_mu_);
  StoreHealth told_ ABSL_GUARDED_BY(notify_mu_);  // what listeners last heard
};

}  // namespace cairn

#endif  // CAIRN_NODE_STORAGE_HEALTH_MONITOR_H_
