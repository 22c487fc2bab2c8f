// Adoption feedback (SPEC section 10), the node's side. A user gives feedback on another
// organisation's lesson; the desk signs it with the node's key, seals it for the key that signed
// the lesson (the origin's), and keeps it, in one write, for the feedback sender
// (server/feedback_sender.h) to deliver. Deliveries arriving from other nodes are opened here when
// this node is the origin (their signature checked, the latest per organisation kept, refusals
// audited), and otherwise kept to be passed on towards the origin, still sealed.
#ifndef CAIRN_NODE_FEEDBACK_FEEDBACK_DESK_H_
#define CAIRN_NODE_FEEDBACK_FEEDBACK_DESK_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cairn/v1/feedback.pb.h"
#include "node/common/clock.h"
#include "node/crypto/provenance.h"
#include "node/feedback/seen_lessons.h"
#include "node/identity/principal.h"
#include "node/policy/peer_directory.h"
#include "node/storage/store.h"

namespace cairn {

class FeedbackDesk {
 public:
  static constexpr size_t kNoteBytes = 4 * 1024;
  // A sealed delivery: the feedback with its note, signature and certificate chain.
  static constexpr size_t kSealedBytes = 16 * 1024;
  // Deliveries kept to pass on, from all peers together (at most 320 MB); past it
  // RESOURCE_EXHAUSTED.
  static constexpr size_t kMaxPassingOn = 20'000;

  // Everything given must outlive it. `seen` (may be null): lessons federated searches showed.
  FeedbackDesk(Store* store, const LessonSigner* signer, const LessonVerifier* verifier,
               const PeerDirectory* directory, std::string org_id, std::string sector,
               Clock* clock, const SeenLessons* seen = nullptr);

  // Counts what waits to be passed on. Writes nothing.
  absl::Status Start();

  // `user`'s feedback for this organisation on another's lesson: one this node holds, one a
  // federated search showed here, or `request.lesson` (a hit given whole); the last two must
  // carry their origin's signature. INVALID_ARGUMENT naming the field;
  // NOT_FOUND for a lesson this node neither holds nor was given.
  absl::StatusOr<v1::GivenFeedback> Give(const Principal& user,
                                         const v1::GiveFeedbackRequest& request);
  // On this node's own lesson: every organisation's latest, and totals. On another's: this
  // organisation's own.
  absl::StatusOr<v1::GetFeedbackResponse> Get(absl::string_view lesson_id) const;

  // A delivery from peer node `from`. At the origin: UNAUTHENTICATED when it does not open or its
  // giver's signature does not verify; then PERMISSION_DENIED (audited) when the giver is
  // refused. Elsewhere:
  // NOT_FOUND when this node holds no copy to pass it on by. A revision no newer than the one kept
  // is accepted and changes nothing.
  absl::Status Receive(absl::string_view from, const v1::DeliverFeedbackRequest& request);

  // The organisation whose lesson it is.
  static std::string OriginOf(absl::string_view lesson_id);
  const std::string& org_id() const { return org_id_; }

  // For the sender: deliveries waiting; and what became of one (when a newer revision replaced it
  // meanwhile, the newer one stays).
  absl::StatusOr<std::vector<v1::PendingFeedback>> Pending(size_t max) const;
  absl::Status Delivered(const v1::PendingFeedback& pending, absl::string_view via);
  absl::Status Refused(const v1::PendingFeedback& pending, absl::string_view via,
                       absl::string_view why);
  absl::Status Failed(const v1::PendingFeedback& pending);

 private:
  // Ends `pending`, unless a newer revision replaced it; `given` (when it was given here) records
  // the outcome in the same write.
  absl::Status Finish(const v1::PendingFeedback& pending, v1::GivenFeedback::Delivery delivery,
                      absl::string_view via, absl::string_view detail);
  absl::Status ReceiveAsOrigin(absl::string_view from, const v1::DeliverFeedbackRequest& request);

  Store* const store_;
  const LessonSigner* const signer_;
  const LessonVerifier* const verifier_;
  const PeerDirectory* const directory_;
  const std::string org_id_;
  const std::string sector_;
  Clock* const clock_;
  const SeenLessons* const seen_;
  // Serialises the read-then-write of one (lesson, giver)'s records.
  absl::Mutex mu_;
  std::atomic<size_t> passing_on_{0};
};

}  // namespace cairn

#endif  // CAIRN_NODE_FEEDBACK_FEEDBACK_DESK_H_
