#include "node/feedback/feedback_desk.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "node/audit/audit_log.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"
#include "node/lessons/lesson_id.h"
#include "node/lessons/validation.h"

namespace cairn {
namespace {

v1::SealedFeedback ToProto(crypto::Sealed sealed) {
  v1::SealedFeedback proto;
  proto.set_ephemeral_key(std::move(sealed.ephemeral_key));
  proto.set_nonce(std::move(sealed.nonce));
  proto.set_ciphertext(std::move(sealed.ciphertext));
  proto.set_recipient(std::move(sealed.recipient));
  return proto;
}

crypto::Sealed FromProto(const v1::SealedFeedback& proto) {
  return {proto.ephemeral_key(), proto.nonce(), proto.ciphertext(), proto.recipient()};
}

absl::Status CheckEnvelope(const v1::DeliverFeedbackRequest& request) {
  CAIRN_RETURN_IF_ERROR(ParseLessonId("lesson_id", request.lesson_id()).status());
  CAIRN_RETURN_IF_ERROR(ValidateText("giver_org", request.giver_org(), 128));
  if (request.giver_org().empty()) return absl::InvalidArgumentError("giver_org: is empty");
  if (request.revision() == 0) return absl::InvalidArgumentError("revision: must be 1 or more");
  const v1::SealedFeedback& sealed = request.sealed();
  if (sealed.ciphertext().empty() || sealed.ByteSizeLong() > FeedbackDesk::kSealedBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("sealed: must hold the sealed feedback, of at most ",
                     FeedbackDesk::kSealedBytes, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

FeedbackDesk::FeedbackDesk(Store* store, const LessonSigner* signer, const LessonVerifier* verifier,
                           const PeerDirectory* directory, std::string org_id, std::string sector,
                           Clock* clock, const SeenLessons* seen)
    : store_(store),
      signer_(signer),
      verifier_(verifier),
      directory_(directory),
      org_id_(std::move(org_id)),
      sector_(std::move(sector)),
      clock_(clock),
      seen_(seen) {}

std::string FeedbackDesk::OriginOf(absl::string_view lesson_id) {
  return std::string(lesson_id.substr(0, lesson_id.find(':')));
}

absl::Status FeedbackDesk::Start() {
  CAIRN_ASSIGN_OR_RETURN(passing_on_, store_->CountPendingFeedbackNotFrom(org_id_));
  return absl::OkStatus();
}

absl::StatusOr<v1::GivenFeedback> FeedbackDesk::Give(const Principal& user,
                                                     const v1::GiveFeedbackRequest& request) {
  CAIRN_RETURN_IF_ERROR(ParseLessonId("lesson_id", request.lesson_id()).status());
  if (OriginOf(request.lesson_id()) == org_id_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lesson_id: ", request.lesson_id(),
        " is this organisation's own lesson; feedback is for other organisations' lessons"));
  }
  if (request.adoption() == v1::ADOPTION_UNSPECIFIED || !v1::Adoption_IsValid(request.adoption())) {
    return absl::InvalidArgumentError(
        "adoption: say ADOPTED, PLANNING_TO_ADOPT, HELPFUL or NOT_APPLICABLE");
  }
  CAIRN_RETURN_IF_ERROR(ValidateText("note", request.note(), kNoteBytes));
  if (!v1::TlpMarking_IsValid(request.marking())) {
    return absl::InvalidArgumentError("marking: is not a TLP marking");
  }
  if (!request.own_lesson_id().empty()) {
    absl::StatusOr<v1::Lesson> own = store_->GetLesson(request.own_lesson_id());
    if (!own.ok() || own->origin_org() != org_id_) {
      return absl::InvalidArgumentError(
          absl::StrCat("own_lesson_id: ", request.own_lesson_id(), " is no lesson of ", org_id_));
    }
  }
  // The lesson, signed by its origin: its signer's certificate is who the feedback is sealed for.
  v1::Lesson lesson;
  absl::StatusOr<v1::Lesson> held = store_->GetLesson(request.lesson_id());
  std::optional<v1::Lesson> seen =
      seen_ == nullptr ? std::nullopt : seen_->Find(request.lesson_id());
  if (held.ok()) {
    lesson = *std::move(held);
  } else if (!absl::IsNotFound(held.status())) {
    return held.status();
  } else if ((request.has_lesson() && request.lesson().id() == request.lesson_id()) || seen) {
    lesson = request.has_lesson() ? request.lesson() : *std::move(seen);
    absl::Status verified = verifier_->Verify(lesson);
    if (!verified.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("lesson: ", verified.message()));
    }
  } else {
    return absl::NotFoundError(
        absl::StrCat("lesson_id: this node holds no lesson ", request.lesson_id(),
                     " (a federated search's hit can be given feedback once it was shown here)"));
  }
  if (lesson.provenance().certificate_chain_size() == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "lesson ", lesson.id(), " carries no signature to seal the feedback for its origin by"));
  }

  absl::MutexLock lock(&mu_);
  absl::StatusOr<v1::GivenFeedback> before = store_->GetGivenFeedback(request.lesson_id());
  if (!before.ok() && !absl::IsNotFound(before.status())) return before.status();
  v1::Feedback feedback;
  feedback.set_lesson_id(request.lesson_id());
  feedback.set_giver_org(org_id_);
  feedback.set_giver_sector(sector_);
  feedback.set_adoption(request.adoption());
  if (!request.note().empty()) feedback.set_note(request.note());
  if (!request.own_lesson_id().empty()) feedback.set_own_lesson_id(request.own_lesson_id());
  feedback.set_marking(request.marking() == v1::TLP_UNSPECIFIED ? v1::TLP_RED : request.marking());
  *feedback.mutable_given_at() = ToTimestamp(clock_->Now());
  feedback.set_revision(before.ok() ? before->feedback().revision() + 1 : 1);
  CAIRN_RETURN_IF_ERROR(signer_->Sign(&feedback));
  CAIRN_ASSIGN_OR_RETURN(
      crypto::Sealed sealed,
      crypto::Seal(lesson.provenance().certificate_chain(0), feedback.SerializeAsString()));

  v1::GivenFeedback given;
  *given.mutable_feedback() = feedback;
  given.set_delivery(v1::GivenFeedback::PENDING);
  v1::PendingFeedback pending;
  v1::DeliverFeedbackRequest& delivery = *pending.mutable_request();
  delivery.set_lesson_id(feedback.lesson_id());
  delivery.set_giver_org(org_id_);
  delivery.set_revision(feedback.revision());
  *delivery.mutable_sealed() = ToProto(std::move(sealed));
  pending.set_given_here(true);
  StoreBatch batch;
  batch.PutGivenFeedback(given);
  batch.PutPendingFeedback(pending);
  batch.Audit(NewAuditEvent(clock_->Now(), user.Describe(), "feedback.give", feedback.lesson_id(),
                            0, feedback.revision(), v1::Adoption_Name(feedback.adoption())));
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  return given;
}

absl::StatusOr<v1::GetFeedbackResponse> FeedbackDesk::Get(absl::string_view lesson_id) const {
  CAIRN_RETURN_IF_ERROR(ParseLessonId("lesson_id", lesson_id).status());
  v1::GetFeedbackResponse response;
  if (OriginOf(lesson_id) != org_id_) {
    absl::StatusOr<v1::GivenFeedback> given = store_->GetGivenFeedback(lesson_id);
    if (given.ok()) {
      *response.mutable_given() = *std::move(given);
    } else if (!absl::IsNotFound(given.status())) {
      return given.status();
    }
    return response;
  }
  std::vector<v1::Feedback> all;
  CAIRN_RETURN_IF_ERROR(store_->ScanFeedback(lesson_id, [&](const v1::Feedback& feedback) {
    all.push_back(feedback);
    return true;
  }));
  std::sort(all.begin(), all.end(), [](const v1::Feedback& a, const v1::Feedback& b) {
    return FromTimestamp(a.given_at()) > FromTimestamp(b.given_at());
  });
  v1::FeedbackTotals& totals = *response.mutable_totals();
  absl::flat_hash_set<std::string> sectors;
  for (v1::Feedback& feedback : all) {
    switch (feedback.adoption()) {
      case v1::ADOPTED:
        totals.set_adopted(totals.adopted() + 1);
        sectors.insert(feedback.giver_sector());
        break;
      case v1::PLANNING_TO_ADOPT:
        totals.set_planning_to_adopt(totals.planning_to_adopt() + 1);
        break;
      case v1::HELPFUL:
        totals.set_helpful(totals.helpful() + 1);
        break;
      case v1::NOT_APPLICABLE:
        totals.set_not_applicable(totals.not_applicable() + 1);
        break;
      default:
        break;
    }
    *response.add_feedback() = std::move(feedback);
  }
  totals.set_adopting_sectors(sectors.size());
  return response;
}

absl::Status FeedbackDesk::Receive(absl::string_view from,
                                   const v1::DeliverFeedbackRequest& request) {
  CAIRN_RETURN_IF_ERROR(CheckEnvelope(request));
  if (OriginOf(request.lesson_id()) == org_id_) return ReceiveAsOrigin(from, request);
  // Passed on towards the origin, still sealed, by the route this node's copy came.
  absl::StatusOr<v1::Lesson> held = store_->GetLesson(request.lesson_id());
  if (absl::IsNotFound(held.status())) {
    return absl::NotFoundError(absl::StrCat("this node holds no copy of ", request.lesson_id(),
                                            " to pass feedback on by"));
  }
  CAIRN_RETURN_IF_ERROR(held.status());
  absl::MutexLock lock(&mu_);
  absl::StatusOr<v1::PendingFeedback> kept =
      store_->GetPendingFeedback(request.lesson_id(), request.giver_org());
  if (kept.ok() && kept->request().revision() >= request.revision()) return absl::OkStatus();
  if (!kept.ok() && !absl::IsNotFound(kept.status())) return kept.status();
  if (!kept.ok() && passing_on_ >= kMaxPassingOn) {
    return absl::ResourceExhaustedError(absl::StrCat("this node is passing on ", kMaxPassingOn,
                                                     " deliveries of feedback already; try later"));
  }
  v1::PendingFeedback pending;
  *pending.mutable_request() = request;
  StoreBatch batch;
  batch.PutPendingFeedback(pending);
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  if (!kept.ok()) ++passing_on_;
  return absl::OkStatus();
}

absl::Status FeedbackDesk::ReceiveAsOrigin(absl::string_view from,
                                           const v1::DeliverFeedbackRequest& request) {
  // Opened and proved the giver's before anything else is looked at: a peer that cannot present
  // real feedback learns nothing here (which lessons this node has, whom it refuses) and leaves
  // nothing in the audit log.
  CAIRN_ASSIGN_OR_RETURN(std::string opened, signer_->Unseal(FromProto(request.sealed())));
  v1::Feedback feedback;
  if (!feedback.ParseFromString(opened)) {
    return absl::InvalidArgumentError("sealed: does not hold feedback");
  }
  if (feedback.lesson_id() != request.lesson_id() || feedback.giver_org() != request.giver_org() ||
      feedback.revision() != request.revision()) {
    return absl::InvalidArgumentError(
        "sealed: the feedback inside names another lesson, giver or revision than its envelope");
  }
  CAIRN_RETURN_IF_ERROR(ValidateText("note", feedback.note(), kNoteBytes));
  CAIRN_RETURN_IF_ERROR(verifier_->Verify(feedback));
  absl::StatusOr<v1::Lesson> lesson = store_->GetLesson(request.lesson_id());
  if (absl::IsNotFound(lesson.status())) {
    return absl::NotFoundError(absl::StrCat(org_id_, " has no lesson ", request.lesson_id()));
  }
  CAIRN_RETURN_IF_ERROR(lesson.status());
  absl::StatusOr<v1::Peer> giver = directory_->GetPeer(request.giver_org());
  if (giver.ok() && giver->refuse_feedback()) {
    StoreBatch batch;
    batch.Audit(NewAuditEvent(clock_->Now(), absl::StrCat("peer ", from), "feedback.refuse",
                              request.lesson_id(), 0, request.revision(),
                              absl::StrCat("from ", request.giver_org())));
    CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
    return absl::PermissionDeniedError(
        absl::StrCat(org_id_, " does not accept feedback from ", request.giver_org()));
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<v1::Feedback> kept =
      store_->GetFeedback(feedback.lesson_id(), feedback.giver_org());
  if (kept.ok() && kept->revision() >= feedback.revision()) return absl::OkStatus();
  if (!kept.ok() && !absl::IsNotFound(kept.status())) return kept.status();
  StoreBatch batch;
  batch.PutFeedback(feedback);
  batch.Audit(NewAuditEvent(
      clock_->Now(), absl::StrCat("peer ", from), "feedback.receive", feedback.lesson_id(),
      kept.ok() ? kept->revision() : 0, feedback.revision(),
      absl::StrCat(feedback.giver_org(), ": ", v1::Adoption_Name(feedback.adoption()))));
  return store_->Commit(batch).status();
}

absl::StatusOr<std::vector<v1::PendingFeedback>> FeedbackDesk::Pending(size_t max) const {
  return store_->ReadPendingFeedback(max);
}

absl::Status FeedbackDesk::Delivered(const v1::PendingFeedback& pending, absl::string_view via) {
  return Finish(pending, v1::GivenFeedback::DELIVERED, via, "");
}

absl::Status FeedbackDesk::Refused(const v1::PendingFeedback& pending, absl::string_view via,
                                   absl::string_view why) {
  return Finish(pending, v1::GivenFeedback::REFUSED, via, why);
}

absl::Status FeedbackDesk::Failed(const v1::PendingFeedback& pending) {
  absl::MutexLock lock(&mu_);
  const v1::DeliverFeedbackRequest& request = pending.request();
  absl::StatusOr<v1::PendingFeedback> kept =
      store_->GetPendingFeedback(request.lesson_id(), request.giver_org());
  if (!kept.ok() || kept->request().revision() != request.revision()) return absl::OkStatus();
  kept->set_attempts(kept->attempts() + 1);
  StoreBatch batch;
  batch.PutPendingFeedback(*kept);
  return store_->Commit(batch).status();
}

absl::Status FeedbackDesk::Finish(const v1::PendingFeedback& pending,
                                  v1::GivenFeedback::Delivery delivery, absl::string_view via,
                                  absl::string_view detail) {
  absl::MutexLock lock(&mu_);
  const v1::DeliverFeedbackRequest& request = pending.request();
  absl::StatusOr<v1::PendingFeedback> kept =
      store_->GetPendingFeedback(request.lesson_id(), request.giver_org());
  // A newer revision replaced it meanwhile: that one is still to deliver.
  if (!kept.ok() || kept->request().revision() != request.revision()) return absl::OkStatus();
  StoreBatch batch;
  batch.DeletePendingFeedback(request.lesson_id(), request.giver_org());
  if (pending.given_here()) {
    absl::StatusOr<v1::GivenFeedback> given = store_->GetGivenFeedback(request.lesson_id());
    if (given.ok() && given->feedback().revision() == request.revision()) {
      given->set_delivery(delivery);
      given->set_via(std::string(via));
      if (!detail.empty()) given->set_detail(std::string(detail));
      batch.PutGivenFeedback(*given);
    }
  }
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  if (!pending.given_here() && passing_on_ > 0) --passing_on_;
  return absl::OkStatus();
}

}  // namespace cairn
