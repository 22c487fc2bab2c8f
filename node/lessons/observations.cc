#include "node/lessons/observations.h"

#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/audit/audit_log.h"
#include "node/common/page_token.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"
#include "node/lessons/lesson_id.h"
#include "node/lessons/validation.h"

namespace cairn {
namespace {

// The catalog names a lesson's fields "lesson.…"; a submission's are "observation.…".
absl::Status AsObservationField(const absl::Status& status) {
  if (status.ok() || !absl::StartsWith(status.message(), "lesson.")) return status;
  return absl::Status(status.code(),
                      absl::StrCat("observation.", status.message().substr(strlen("lesson."))));
}

absl::string_view StateName(v1::Submission::State state) {
  switch (state) {
    case v1::Submission::PROMOTED:
      return "promoted";
    case v1::Submission::MERGED:
      return "merged";
    case v1::Submission::DECLINED:
      return "declined";
    default:
      return "pending";
  }
}

}  // namespace

absl::StatusOr<v1::Submission> ObservationDesk::Submit(absl::string_view user,
                                                       v1::Lesson observation, bool confidential) {
  if (observation.status() != v1::LESSON_STATUS_UNSPECIFIED &&
      observation.status() != v1::OBSERVATION) {
    return absl::InvalidArgumentError(
        "observation.status: leave it empty; an observation is reviewed by an editor, who decides "
        "whether it becomes a lesson identified or learned");
  }
  if (observation.marking() != v1::TLP_UNSPECIFIED && observation.marking() != v1::TLP_RED) {
    return absl::InvalidArgumentError(
        "observation.marking: leave it empty; an observation stays RED (on this node only) until "
        "an editor reviews it and chooses its marking");
  }
  observation.set_status(v1::OBSERVATION);
  observation.set_marking(v1::TLP_RED);
  v1::StoredSubmission stored;
  v1::Submission& submission = *stored.mutable_submission();
  submission.set_state(v1::Submission::PENDING);
  submission.set_confidential(confidential);
  if (confidential) {
    stored.set_sealed_submitter(std::string(user));
  } else {
    submission.set_submitter(std::string(user));
  }
  *submission.mutable_submitted_at() = ToTimestamp(clock_->Now());
  const std::string actor =
      confidential ? std::string(kSealedSubmitter) : absl::StrCat("user ", user);
  absl::StatusOr<v1::Lesson> lesson = catalog_->Create(
      actor, std::move(observation), [&](const v1::Lesson& created, StoreBatch* batch) {
        submission.set_lesson_id(created.id());
        submission.set_title(created.title());
        batch->PutSubmission(stored);
        return absl::OkStatus();
      });
  CAIRN_RETURN_IF_ERROR(AsObservationField(lesson.status()));
  return submission;
}

absl::StatusOr<v1::ListSubmissionsResponse> ObservationDesk::Page(
    const v1::ListSubmissionsRequest& request, bool newest_first,
    const std::function<bool(const v1::StoredSubmission&)>& wanted) const {
  uint32_t page_size = request.has_page_size() ? request.page_size() : kDefaultPageSize;
  if (page_size == 0 || page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be 1 to ", kMaxPageSize, ", not ", page_size));
  }
  std::string after;
  if (!request.page_token().empty()) {
    CAIRN_ASSIGN_OR_RETURN(after, DecodePageToken("observations", request.page_token()));
  }
  v1::ListSubmissionsResponse response;
  size_t examined = 0;
  std::string last;
  bool more = false;
  CAIRN_RETURN_IF_ERROR(
      store_->ScanSubmissions(after, newest_first, [&](const v1::StoredSubmission& stored) {
        if (response.submissions_size() == static_cast<int>(page_size) || examined == kMaxScan) {
          more = true;
          return false;
        }
        ++examined;
        last = stored.submission().lesson_id();
        if (wanted(stored)) *response.add_submissions() = stored.submission();
        return true;
      }));
  if (more) response.set_next_page_token(EncodePageToken("observations", last));
  return response;
}

absl::StatusOr<v1::ListSubmissionsResponse> ObservationDesk::Mine(
    absl::string_view user, const v1::ListSubmissionsRequest& request) const {
  return Page(request, /*newest_first=*/true, [&](const v1::StoredSubmission& stored) {
    return stored.submission().submitter() == user || stored.sealed_submitter() == user;
  });
}

absl::StatusOr<v1::ListSubmissionsResponse> ObservationDesk::Queue(
    const v1::ListSubmissionsRequest& request) const {
  return Page(request, /*newest_first=*/false, [](const v1::StoredSubmission& stored) {
    return stored.submission().state() == v1::Submission::PENDING;
  });
}

absl::StatusOr<v1::StoredSubmission> ObservationDesk::Pending(absl::string_view lesson_id) const {
  CAIRN_RETURN_IF_ERROR(ParseLessonId("lesson_id", lesson_id).status());
  absl::StatusOr<v1::StoredSubmission> stored = store_->GetSubmission(lesson_id);
  if (absl::IsNotFound(stored.status())) {
    return absl::NotFoundError(
        absl::StrCat("lesson_id: ", lesson_id, " is not an observation submitted here"));
  }
  CAIRN_RETURN_IF_ERROR(stored.status());
  const v1::Submission& submission = stored->submission();
  if (submission.state() != v1::Submission::PENDING) {
    return absl::FailedPreconditionError(absl::StrCat("observation ", lesson_id, ": was already ",
                                                      StateName(submission.state()), " by ",
                                                      submission.reviewed_by()));
  }
  return stored;
}

absl::StatusOr<v1::Submission> ObservationDesk::Review(
    absl::string_view editor, const v1::ReviewObservationRequest& request) {
  CAIRN_ASSIGN_OR_RETURN(v1::StoredSubmission stored, Pending(request.lesson_id()));
  v1::Submission& submission = *stored.mutable_submission();
  submission.set_reviewed_by(std::string(editor));
  *submission.mutable_reviewed_at() = ToTimestamp(clock_->Now());
  auto record = [&](const v1::Lesson&, StoreBatch* batch) {
    batch->PutSubmission(stored);
    return absl::OkStatus();
  };
  const std::string actor = absl::StrCat("user ", editor);
  const std::string& id = request.lesson_id();
  switch (request.decision_case()) {
    case v1::ReviewObservationRequest::kPromote: {
      const auto& promote = request.promote();
      if (promote.status() != v1::LESSON_IDENTIFIED && promote.status() != v1::LESSON_LEARNED) {
        return absl::InvalidArgumentError(
            "promote.status: must be LESSON_IDENTIFIED or LESSON_LEARNED");
      }
      if (promote.marking() == v1::TLP_UNSPECIFIED) {
        return absl::InvalidArgumentError(
            "promote.marking: choose the marking the lesson is shared under");
      }
      CAIRN_ASSIGN_OR_RETURN(v1::Lesson lesson, store_->GetLesson(id));
      lesson.set_status(promote.status());
      lesson.set_marking(promote.marking());
      if (promote.topics_size() > 0) *lesson.mutable_topics() = promote.topics();
      submission.set_state(v1::Submission::PROMOTED);
      CAIRN_RETURN_IF_ERROR(catalog_->Update(actor, std::move(lesson), record).status());
      break;
    }
    case v1::ReviewObservationRequest::kMerge: {
      const std::string& into = request.merge().into();
      CAIRN_RETURN_IF_ERROR(ParseLessonId("merge.into", into).status());
      if (into == id) {
        return absl::InvalidArgumentError("merge.into: an observation cannot merge into itself");
      }
      absl::StatusOr<v1::Lesson> target = store_->GetLesson(into);
      if (absl::IsNotFound(target.status())) {
        return absl::NotFoundError(absl::StrCat("merge.into: this node holds no lesson ", into));
      }
      CAIRN_RETURN_IF_ERROR(target.status());
      if (target->status() == v1::RETRACTED) {
        return absl::FailedPreconditionError(
            absl::StrCat("merge.into: lesson ", into, " is retracted"));
      }
      submission.set_state(v1::Submission::MERGED);
      submission.set_merged_into(into);
      CAIRN_RETURN_IF_ERROR(
          catalog_->Retract(actor, id, absl::StrCat("merged into ", into), record).status());
      break;
    }
    case v1::ReviewObservationRequest::kDecline: {
      const std::string& reason = request.decline().reason();
      if (reason.empty()) {
        return absl::InvalidArgumentError(
            "decline.reason: say why, for the member of staff who submitted it");
      }
      CAIRN_RETURN_IF_ERROR(ValidateText("decline.reason", reason, LessonLimits::kShortTextBytes));
      submission.set_state(v1::Submission::DECLINED);
      submission.set_decline_reason(reason);
      CAIRN_RETURN_IF_ERROR(
          catalog_->Retract(actor, id, absl::StrCat("declined: ", reason), record).status());
      break;
    }
    default:
      return absl::InvalidArgumentError("decision: promote, merge or decline the observation");
  }
  return submission;
}

absl::StatusOr<std::string> ObservationDesk::RevealSubmitter(absl::string_view actor,
                                                             absl::string_view lesson_id,
                                                             absl::string_view reason) {
  CAIRN_RETURN_IF_ERROR(ParseLessonId("lesson_id", lesson_id).status());
  if (reason.empty()) {
    return absl::InvalidArgumentError("reason: say why you need to know; it is audited");
  }
  CAIRN_RETURN_IF_ERROR(ValidateText("reason", reason, LessonLimits::kShortTextBytes));
  absl::StatusOr<v1::StoredSubmission> stored = store_->GetSubmission(lesson_id);
  if (absl::IsNotFound(stored.status())) {
    return absl::NotFoundError(
        absl::StrCat("lesson_id: ", lesson_id, " is not an observation submitted here"));
  }
  CAIRN_RETURN_IF_ERROR(stored.status());
  // Audited before it is told: a reveal that cannot be recorded does not happen.
  StoreBatch batch;
  batch.Audit(
      NewAuditEvent(clock_->Now(), actor, "observation.reveal_submitter", lesson_id, 0, 0, reason));
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  return stored->submission().confidential() ? stored->sealed_submitter()
                                             : stored->submission().submitter();
}

}  // namespace cairn
