// The sending side of replication: what one peer may receive from this node, batch by batch, from
// its cursor in our change log. SPEC sections 3 and 4.
#ifndef CAIRN_NODE_REPLICATION_CHANGE_FEED_H_
#define CAIRN_NODE_REPLICATION_CHANGE_FEED_H_

#include <atomic>
#include <string>

#include "absl/status/statusor.h"
#include "cairn/v1/replication.pb.h"
#include "node/common/clock.h"
#include "node/crypto/provenance.h"
#include "node/policy/peer_directory.h"
#include "node/storage/store.h"

namespace cairn {

struct FeedLimits {
  static constexpr size_t kMaxScan = 10'000;  // lessons a resynchronisation batch examines
  static constexpr size_t kMaxLessons = 2000;
  // Encoded changes; a batch may pass it by one change (a lesson of at most 256 KiB, with its
  // signature, certificates and relay path), which stays under a puller's 8 MiB message cap.
  static constexpr size_t kMaxBytes = 6 * 1024 * 1024;
  size_t max_lessons = 500;
  size_t max_bytes = 2 * 1024 * 1024;
};

// Where a receiver says it is in our feed (from its PullRequest).
struct PullPosition {
  uint64_t cursor = 0;               // the last of our changes it applied
  uint64_t completed_resync_id = 0;  // the last resynchronisation from us it finished
  std::vector<uint64_t> holdings_digest;  // see holdings_digest.h; empty when not sent
  // Our incarnation that `cursor` belongs to (Store::Incarnation); 0 when the receiver does not
  // know it. Any other value means we were restored from a backup since: the cursor may name
  // sequence numbers our log went back over and gave to other changes.
  uint64_t sender_incarnation = 0;
};

// Whether, after a batch (or heartbeat), the receiver's cursor belongs to the incarnation the
// batch names: on every message but a resynchronisation's batches before its last, whose cursor
// is still the one the receiver had before. Senders and receivers both keep to this.
inline bool CursorFollowsIncarnation(const v1::ReplicationBatch& batch) {
  return !batch.resync() || batch.ends_resync();
}

// Where a resynchronisation has got to, across the batches of one stream. A stream that breaks
// mid-way starts a new one: the receiver's cursor only moves at the end.
struct ResyncProgress {
  bool active = false;
  uint64_t resync_id = 0;      // unique: tells this resync's copies apart from an earlier one's
  uint64_t end_cursor = 0;     // the cursor the receiver holds when it ends
  std::string after_lesson;    // lessons are sent in id order
  // The resync this stream sent to the end: not needed again on this stream, though it stays
  // outstanding until the peer confirms it on its next Pull.
  uint64_t sent_to_end = 0;
  // Buckets where the peer's digest of its copies matched ours: not sent again.
  std::vector<bool> confirmed_buckets;
  // The peer's cursor belonged to an earlier incarnation of ours: every batch says so
  // (restored_origin), and nothing is taken as confirmed by digest.
  bool restored = false;
};

// Builds the batches. Every lesson goes through the export view for the peer (markings, policy,
// redaction) and is signed; a lesson the peer may no longer have becomes a retraction if the
// ledger says the peer was ever sent it. The ledger is written, durably, before the batch is
// returned, so it never under-states what a peer holds. Thread-safe; everything it uses must
// outlive it.
class ChangeFeed {
 public:
  ChangeFeed(Store* store, const PeerDirectory* directory, const LessonSigner* signer,
             std::string self_org, Clock* clock);

  // The next batch for `peer_org`, whose receiver has applied our feed up to position.cursor.
  // Normally the changes after the cursor; a full resynchronisation instead when the peer's policy
  // or settings changed since it was last reconciled, when it never finished the last one, or when
  // our change log no longer reaches back to its cursor. A batch with no changes and no resync
  // flag means the peer is up to date to batch.cursor(). One call examines a bounded number of
  // lessons. A peer that may not pull is sent only retractions. NOT_FOUND for an unknown peer.
  // With a holdings digest, a resynchronisation sends only the lessons in buckets where the
  // peer's copies differ from what it should hold. When position.sender_incarnation names an
  // earlier incarnation of this node (it was restored from a backup), a full resynchronisation
  // whose batches are marked restored_origin, ignoring the digest: the peer's copies may hold
  // versions this node lost, whose numbers it may give again to other content. Every batch
  // carries our incarnation.
  absl::StatusOr<v1::ReplicationBatch> Next(absl::string_view peer_org,
                                            const PullPosition& position, const FeedLimits& limits,
                                            ResyncProgress* resync);

  // Full resynchronisations started, since this object was made, because a peer's cursor
  // belonged to an earlier incarnation of this node (for metrics).
  uint64_t restored_resyncs() const { return restored_resyncs_; }

 private:
  // The lesson as the peer would receive it (unsigned) and the path it would take; nullopt when
  // the peer may not have it.
  struct Outgoing {
    v1::Lesson view;
    std::vector<std::string> path;
  };
  absl::StatusOr<std::optional<Outgoing>> Route(const PeerDirectory::PeerSnapshot& target,
                                                const v1::Lesson& lesson) const;
  // The buckets where `peer_digest` matches what the peer should hold.
  absl::StatusOr<std::vector<bool>> MatchingBuckets(const PeerDirectory::PeerSnapshot& target,
                                                    const std::vector<uint64_t>& peer_digest) const;
  // Adds the peer's view of `lesson` to `batch` (true), or nothing when it may not have it.
  absl::StatusOr<bool> AddLesson(const PeerDirectory::PeerSnapshot& target,
                                 const v1::Lesson& lesson, v1::ReplicationBatch* batch,
                                 size_t* bytes, StoreBatch* ledger) const;
  absl::StatusOr<bool> NeedsResync(const PeerDirectory::PeerSnapshot& target, uint64_t cursor,
                                   uint64_t completed_resync_id, uint64_t sent_to_end);
  absl::StatusOr<v1::ReplicationBatch> NextResyncBatch(const PeerDirectory::PeerSnapshot& target,
                                                       uint64_t cursor, const FeedLimits& limits,
                                                       ResyncProgress* resync);
  absl::StatusOr<v1::ReplicationBatch> NextChangesBatch(const PeerDirectory::PeerSnapshot& target,
                                                        uint64_t cursor, const FeedLimits& limits);

  Store* const store_;
  const PeerDirectory* const directory_;
  const LessonSigner* const signer_;
  const std::string self_org_;
  Clock* const clock_;
  std::atomic<uint64_t> restored_resyncs_{0};
};

}  // namespace cairn

#endif  // CAIRN_NODE_REPLICATION_CHANGE_FEED_H_
