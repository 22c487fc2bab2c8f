// Speak up (SPEC section 10): any member of staff submits an observation; editors review a queue
// and promote, merge or decline each; the submitter follows what became of theirs. An observation
// is a lesson of this organisation with status OBSERVATION and marking RED (so it never leaves
// the node) until reviewed, plus a record of who submitted it and its review, stored with the
// lesson in one atomic write. A confidential submitter is sealed: no one but an admin, through
// RevealSubmitter (audited with a reason), can learn who it was; the lesson, the audit log and
// every listing say "a verified member of staff".
#ifndef CAIRN_NODE_LESSONS_OBSERVATIONS_H_
#define CAIRN_NODE_LESSONS_OBSERVATIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cairn/v1/lesson.pb.h"
#include "cairn/v1/lesson_service.pb.h"
#include "node/common/clock.h"
#include "node/lessons/catalog.h"
#include "node/storage/store.h"

namespace cairn {

// Who a confidential submitter is to everyone but an admin who asks.
inline constexpr absl::string_view kSealedSubmitter = "a verified member of staff";

// Thread-safe; the store, catalog and clock must outlive it.
class ObservationDesk {
 public:
  static constexpr uint32_t kDefaultPageSize = 50;
  static constexpr uint32_t kMaxPageSize = 500;
  static constexpr size_t kMaxScan = 10'000;  // observations examined for one page

  ObservationDesk(Store* store, LessonCatalog* catalog, Clock* clock)
      : store_(store), catalog_(catalog), clock_(clock) {}

  // Stores `observation` from user `user` as a pending observation. INVALID_ARGUMENT naming the
  // field (observation.…) for bad content, identity fields, or a status or marking other than
  // OBSERVATION and RED.
  absl::StatusOr<v1::Submission> Submit(absl::string_view user, v1::Lesson observation,
                                        bool confidential);

  // `user`'s own submissions, newest first. INVALID_ARGUMENT for a bad page size or token.
  absl::StatusOr<v1::ListSubmissionsResponse> Mine(absl::string_view user,
                                                   const v1::ListSubmissionsRequest& request) const;

  // The submissions awaiting review, oldest first.
  absl::StatusOr<v1::ListSubmissionsResponse> Queue(
      const v1::ListSubmissionsRequest& request) const;

  // Applies an editor's decision. NOT_FOUND for an id that is not a submitted observation (or a
  // merge target this node does not hold); FAILED_PRECONDITION when it was already reviewed or
  // the merge target is retracted; INVALID_ARGUMENT naming the field for a missing decision, a
  // promotion to a status other than identified or learned, a marking left out, a reason left
  // out, or a merge into itself.
  absl::StatusOr<v1::Submission> Review(absl::string_view editor,
                                        const v1::ReviewObservationRequest& request);

  // Who submitted observation `lesson_id`, for admin `actor` (e.g. "user root"); audited with
  // `reason`, which must be given. NOT_FOUND when it is not a submitted observation.
  absl::StatusOr<std::string> RevealSubmitter(absl::string_view actor, absl::string_view lesson_id,
                                              absl::string_view reason);

 private:
  // One page of submissions for which `wanted` holds, in the direction given.
  absl::StatusOr<v1::ListSubmissionsResponse> Page(
      const v1::ListSubmissionsRequest& request, bool newest_first,
      const std::function<bool(const v1::StoredSubmission&)>& wanted) const;
  // The submission and its lesson, which must still await review.
  absl::StatusOr<v1::StoredSubmission> Pending(absl::string_view lesson_id) const;

  Store* const store_;
  LessonCatalog* const catalog_;
  Clock* const clock_;
};

}  // namespace cairn

#endif  // CAIRN_NODE_LESSONS_OBSERVATIONS_H_
