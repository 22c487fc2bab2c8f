// The receiving side of replication: checks every lesson a peer sends and applies each batch
// atomically with the cursor, so a crash at any point neither loses nor duplicates anything, and
// applying a batch twice is harmless. SPEC section 4.
#ifndef CAIRN_NODE_REPLICATION_REPLICA_APPLIER_H_
#define CAIRN_NODE_REPLICATION_REPLICA_APPLIER_H_

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cairn/v1/replication.pb.h"
#include "node/common/clock.h"
#include "node/common/parallel_for.h"
#include "node/crypto/provenance.h"
#include "node/policy/peer_directory.h"
#include "node/policy/sharing.h"
#include "node/storage/store.h"

namespace cairn {

// Why a lesson from a peer was rejected: a small fixed set, so that metrics can count by it
// whatever a peer sends (the audit log has the full reason).
enum class RejectReason {
  kRelayPath,          // its relay path does not run from its origin to the sender
  kContent,            // it breaks a rule of a local write, or of markings or origin sectors
  kImportRules,        // over import.max_lesson_bytes, or none of import.accepted_topics
  kSignature,          // its origin's signature or certificate chain does not verify
  kOriginConflict,     // it claims an id that another origin's lesson holds here
  kUnknownRetraction,  // it arrives RETRACTED, and this node never held it
};
inline constexpr int kRejectReasonCount = 6;
// A label for `reason`: "relay_path", "content", "import_rules", "signature", "origin_conflict",
// "unknown_retraction".
absl::string_view RejectReasonName(RejectReason reason);

// How replication from one peer is going.
struct PullStatus {
  std::string peer;
  uint64_t cursor = 0;            // how far we applied its feed
  uint64_t sender_sequence = 0;   // its newest change, as of its last message
  bool connected = false;
  absl::Time last_success;        // last batch or heartbeat (InfinitePast: never)
  absl::Time caught_up_at;        // last time cursor reached sender_sequence
  std::string last_error;
  absl::Time last_error_at;
  uint64_t lessons_applied = 0;   // since this node started
  uint64_t retractions_applied = 0;
  uint64_t rejected = 0;
  std::string last_rejection;
  // Since this node started, indexed by RejectReason; they sum to `rejected`.
  std::array<uint64_t, kRejectReasonCount> rejected_by_reason = {};
  uint64_t errors = 0;       // pull streams that ended in an error, since this node started
  absl::Time connected_at;   // the last stream's first message (InfinitePast: none yet)
  absl::Time tracked_since;  // when this node first pulled from it since it started

  // How many changes of the sender's feed we have yet to apply (0 when up to date).
  uint64_t LagChanges() const { return sender_sequence > cursor ? sender_sequence - cursor : 0; }
  // How long we have been behind at `now`: zero when up to date, else since we last were;
  // nullopt when we never were up to date since this node started.
  std::optional<absl::Duration> LagTime(absl::Time now) const;
};

// Thread-safe; batches are applied one at a time. Everything it uses must outlive it.
class ReplicaApplier {
 public:
  ReplicaApplier(Store* store, const PeerDirectory* directory, const LessonVerifier* verifier,
                 std::string self_org, Clock* clock);

  // How far we applied `source`'s feed (cursor 0: nothing yet), and the last resynchronisation
  // from it we finished.
  absl::StatusOr<v1::PullState> State(absl::string_view source) const;

  // A batch from one source whose lessons were checked (content, as local writes are; signature,
  // origin and its sector, marking, import rules). Checking needs no lock and is most of the
  // work, so a puller checks the next batch while the previous one is being written.
  class CheckedBatch {
   public:
    size_t size() const { return batch_.changes_size(); }

   private:
    friend class ReplicaApplier;
    std::string source_;
    uint64_t trust_widenings_ = 0;  // of the trust files its signatures were checked under
    v1::ReplicationBatch batch_;
    std::vector<absl::Status> checks_;  // one a change; OK for retractions and RETRACTED lessons
    std::vector<RejectReason> reasons_;  // one a change; what failed, where checks_ is not OK
    // Store::PrepareIndexing of each lesson that passed its checks; null for the rest.
    std::vector<std::shared_ptr<const PreparedIndexing>> prepared_;
  };

  // Checks every lesson of `batch` from `source`, and prepares those that pass for indexing, on
  // two threads. NOT_FOUND when `source` is not a known peer.
  absl::StatusOr<CheckedBatch> CheckBatch(absl::string_view source,
                                          v1::ReplicationBatch batch) const;

  // Applies a checked batch and stores its cursor, in one atomic write. A lesson that failed its
  // checks is rejected, counted and audited, and the rest are applied. A copy is replaced only by
  // a higher version. A retraction removes the source as a supplier of the copy, and the copy
  // itself when no supplier is left. A lesson that arrives RETRACTED is taken as such a
  // retraction when this node holds a version of it, and rejected when it holds none: copies of
  // retracted lessons are deleted, never kept (senders send a retraction instead). The last
  // batch of a resynchronisation also removes every copy the source supplied that the
  // resynchronisation did not confirm (copies in the buckets whose digests matched count as
  // confirmed). A copy whose relay path holds this node is taken as a withdrawal by the source;
  // when the shortest path to a copy changes, a ROUTE entry tells our own peers. In a
  // resynchronisation marked restored_origin (the source was restored from a backup), the
  // source's own lessons replace our copies whenever they differ, even at a lower or the same
  // version. The cursor is stored with the source's incarnation (see CursorFollowsIncarnation).
  // Batches must be applied in the order the source sent them.
  absl::Status Apply(CheckedBatch checked);

  // CheckBatch, then Apply.
  absl::Status Apply(absl::string_view source, v1::ReplicationBatch batch);

  // The digest of the copies `source` supplied (see holdings_digest.h), for a PullRequest.
  absl::StatusOr<std::vector<uint64_t>> HoldingsDigestFor(absl::string_view source) const;

  // Lessons from `source` that failed their signature check may pass now that this node's trust
  // files widened (a CA added to the bundle, a revocation lifted); a cursor moved past them would
  // never see them again. Whether that is so for `source` (only the operator's changes to the
  // trust files cause it, never a peer):
  bool TrustChangedSinceRejection(absl::string_view source) const;
  // If so, moves the cursor back to before the first such batch (0 for a resynchronisation's),
  // so the next pull sends them again; versions already held are skipped as usual.
  absl::Status ReplayIfTrustChanged(absl::string_view source);

  // Withdraws `source` as the supplier of every copy it supplied (deleting those it alone
  // supplied) and forgets its cursor: we stopped pulling from it, so its copies would go stale.
  absl::Status ForgetSource(absl::string_view source);

  // Stores the heartbeat's cursor (the sender had nothing for us up to there), and the
  // sender's incarnation when it is new to us.
  absl::Status Heartbeat(absl::string_view source, const v1::Heartbeat& heartbeat);

  // How long to wait before asking `source` for more, after it sent `lessons` lessons, to keep
  // within its import rule max_lessons_per_minute.
  absl::Duration Pace(absl::string_view source, size_t lessons);

  void SetConnected(absl::string_view source, bool connected);
  void RecordError(absl::string_view source, const absl::Status& error);
  std::vector<PullStatus> Status() const;

 private:
  // The sector this node's peer record gives each origin in a batch that has one.
  KnownSectors SectorsOfOrigins(const v1::ReplicationBatch& batch) const;
  // Why `lesson` from `source` must not be stored, or OK.
  // On failure `reason` says which kind of check failed.
  absl::Status Check(absl::string_view source, const v1::Lesson& lesson,
                     const v1::ImportRules& rules, const KnownSectors& sectors,
                     RejectReason* reason) const;
  class BatchWrite;
  // Adds to `write` the removal of `source` as a supplier of `lesson_id`, and of the copy when
  // `source` was its last supplier.
  absl::Status Withdraw(absl::string_view source, absl::string_view lesson_id, BatchWrite* write,
                        uint64_t* removed) const;
  PullStatus& StatusFor(absl::string_view source) ABSL_EXCLUSIVE_LOCKS_REQUIRED(status_mu_);

  Store* const store_;
  const PeerDirectory* const directory_;
  const LessonVerifier* const verifier_;
  const std::string self_org_;
  Clock* const clock_;
  mutable ParallelFor check_threads_{1};  // the caller and one helper
  absl::Mutex apply_mu_;  // one batch at a time, so compare-and-set writes never race
  mutable absl::Mutex status_mu_;
  std::map<std::string, PullStatus, std::less<>> status_ ABSL_GUARDED_BY(status_mu_);
  std::map<std::string, absl::Time, std::less<>> next_allowed_ ABSL_GUARDED_BY(status_mu_);
};

}  // namespace cairn

#endif  // CAIRN_NODE_REPLICATION_REPLICA_APPLIER_H_
