// Saved searches and their alerts (SPEC section 10). An analyst saves a search; the alerter
// follows the node's change log, so every lesson the node stores (its own, or a peer's copy) is
// seen once, and matches each new or changed version against every saved search through the
// percolator. Each match becomes an alert for the search's owner, stored with the change-log
// position it got to in one atomic write: after a crash it goes on from there, so nothing is
// missed and nothing is alerted twice. A user keeps their newest max_alerts_per_user alerts, read
// or not; a reader resumes from the cursor of the last one it saw, and marks them read up to a
// cursor. An alert whose saved search has a webhook is also stored, in the same write, for the
// webhook sender (server/webhook_sender.h) to post.
#ifndef CAIRN_NODE_ALERTS_ALERTER_H_
#define CAIRN_NODE_ALERTS_ALERTER_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cairn/v1/alert_service.pb.h"
#include "node/common/clock.h"
#include "node/common/parallel_for.h"
#include "node/search/percolator.h"
#include "node/search/query_plan.h"
#include "node/storage/store.h"

namespace cairn {

struct AlerterOptions {
  // A saved search's webhook_url must start with one of these (none: no webhooks).
  std::vector<std::string> webhook_prefixes;
  size_t max_alerts_per_user = 10'000;  // kept; older ones are deleted
};

class Alerter {
 public:
  // Plans a saved query as a search would (the node's vocabulary widening it);
  // INVALID_ARGUMENT naming "query" for one that does not parse.
  using PlanQuery =
      std::function<absl::StatusOr<search::QueryPlan>(const std::string& query, bool all_words)>;

  static constexpr size_t kMaxWatchesPerUser = 100;
  static constexpr size_t kMaxWatches = 100'000;    // on the node, all users together
  static constexpr size_t kChangesPerCommit = 256;  // percolated, then stored in one write
  static constexpr size_t kMaxAlertsRead = 500;     // in one Read
  static constexpr size_t kMaxAlertsListed = 100;      // in one page of List

  // The store, planner, clock and random source must outlive it.
  Alerter(Store* store, PlanQuery plan, Clock* clock, RandomSource* random,
          AlerterOptions options = {});
  ~Alerter();  // stops following
  Alerter(const Alerter&) = delete;
  Alerter& operator=(const Alerter&) = delete;

  // Loads the saved searches and starts following the change log from where it stopped. Writes
  // nothing, so a node whose disk is full still starts.
  absl::Status Start();

  // Saves a search for `owner`. INVALID_ARGUMENT naming "query" for one that does not parse or
  // asks for nothing; PERMISSION_DENIED naming "webhook_url" for a webhook the admin does not
  // allow; RESOURCE_EXHAUSTED past kMaxWatchesPerUser (or kMaxWatches).
  absl::StatusOr<v1::Watch> Add(absl::string_view owner, const std::string& query, bool all_words,
                                const std::string& webhook_url = "");
  absl::StatusOr<std::vector<v1::Watch>> List(absl::string_view owner) const;
  // NOT_FOUND naming "id" when `owner` has no such saved search.
  absl::Status Remove(absl::string_view owner, absl::string_view id);

  // Up to `max` (at most kMaxAlertsRead) of `owner`'s alerts after cursor `after`, oldest first.
  absl::StatusOr<std::vector<v1::Alert>> Read(absl::string_view owner, uint64_t after,
                                              size_t max) const;
  // A page of `owner`'s alerts, newest first, each marked unread or not, with the unread count.
  absl::StatusOr<v1::ListAlertsResponse> List(absl::string_view owner,
                                              const v1::ListAlertsRequest& request) const;
  // Marks `owner`'s alerts up to `through` read. INVALID_ARGUMENT naming "through" for 0.
  absl::StatusOr<v1::MarkAlertsReadResponse> MarkRead(absl::string_view owner, uint64_t through);
  // Whether `url` is a webhook the admin allows.
  bool WebhookAllowed(absl::string_view url) const;

  // The change-log sequence every change up to which has been percolated.
  uint64_t percolated() const;
  size_t watches() const { return percolator_.size(); }
  // Alerts stored since the alerter started.
  uint64_t alerts_stored() const { return alerts_stored_; }

 private:
  static std::string Key(absl::string_view owner, absl::string_view id);
  void Follow();
  // Percolates the next changes; false when there were none.
  absl::StatusOr<bool> PercolateNext();
  // Deletes the oldest of `owner`'s alerts beyond max_alerts_per_user, now that `added` more are
  // stored. Called by the follower only.
  absl::Status KeepNewest(const std::string& owner, size_t added);
  absl::StatusOr<uint64_t> ReadThrough(absl::string_view owner) const;
  absl::StatusOr<uint64_t> CountAfter(absl::string_view owner, uint64_t after) const;

  Store* const store_;
  const PlanQuery plan_;
  Clock* const clock_;
  RandomSource* const random_;
  const AlerterOptions options_;
  search::Percolator percolator_;
  ParallelFor parallel_{1};  // percolates on the follower's thread and one more
  // The saved searches, by Key, as saved.
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, v1::Watch> saved_ ABSL_GUARDED_BY(mu_);
  uint64_t percolated_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_cursor_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<uint64_t> alerts_stored_{0};
  // Each owner's alerts kept, once counted, and the cursor up to which older ones were deleted.
  // Touched by the follower only.
  struct Kept {
    size_t count = 0;
    uint64_t deleted_through = 0;
  };
  absl::flat_hash_map<std::string, Kept> kept_;
  absl::Mutex mark_mu_;  // one MarkRead at a time, so the mark only moves forward
  std::thread follower_;
};

}  // namespace cairn

#endif  // CAIRN_NODE_ALERTS_ALERTER_H_
