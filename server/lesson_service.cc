#include "server/lesson_service.h"

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/lessons/validation.h"
#include "server/security.h"
#include "server/status.h"

namespace cairn::server {
namespace {

void SetError(const absl::Status& error, v1::ImportLessonsResponse::Result* result) {
  result->set_error_code(static_cast<int>(error.code()));
  result->set_error_message(std::string(error.message()));
}

}  // namespace

CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, CreateLesson, v1::CreateLessonRequest, v1::Lesson)
CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, UpdateLesson, v1::UpdateLessonRequest, v1::Lesson)
CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, GetLesson, v1::GetLessonRequest, v1::Lesson)
CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, ListLessons, v1::ListLessonsRequest,
                      v1::ListLessonsResponse)
CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, RetractLesson, v1::RetractLessonRequest, v1::Lesson)
CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, GetLessonHistory, v1::GetLessonHistoryRequest,
                      v1::LessonHistory)
CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, SubmitObservation, v1::SubmitObservationRequest,
                      v1::Submission)
CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, ListMySubmissions, v1::ListSubmissionsRequest,
                      v1::ListSubmissionsResponse)
CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, ListObservationQueue, v1::ListSubmissionsRequest,
                      v1::ListSubmissionsResponse)
CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, ReviewObservation, v1::ReviewObservationRequest,
                      v1::Submission)
CAIRN_UNARY_OVER_GRPC(LessonServiceImpl, RevealSubmitter, v1::RevealSubmitterRequest,
                      v1::RevealSubmitterResponse)

absl::StatusOr<Principal> LessonServiceImpl::Admit(const PresentedIdentity& presented,
                                                   v1::Role needed, absl::string_view action,
                                                   const google::protobuf::Message& request) const {
  return AdmitUser(presented, *authenticator_, needed, action, request);
}

absl::Status LessonServiceImpl::CreateLesson(const PresentedIdentity& presented,
                                             const v1::CreateLessonRequest& request,
                                             v1::Lesson* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller,
                         Admit(presented, v1::EDITOR, "creating a lesson", request));
  return Fill(catalog_->Create(caller.Describe(), request.lesson()), response);
}

absl::Status LessonServiceImpl::UpdateLesson(const PresentedIdentity& presented,
                                             const v1::UpdateLessonRequest& request,
                                             v1::Lesson* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller,
                         Admit(presented, v1::EDITOR, "editing a lesson", request));
  return Fill(catalog_->Update(caller.Describe(), request.lesson()), response);
}

absl::Status LessonServiceImpl::GetLesson(const PresentedIdentity& presented,
                                          const v1::GetLessonRequest& request,
                                          v1::Lesson* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, v1::ANALYST, "reading a lesson", request).status());
  return Fill(catalog_->Get(request.id()), response);
}

absl::Status LessonServiceImpl::GetLessonHistory(const PresentedIdentity& presented,
                                                 const v1::GetLessonHistoryRequest& request,
                                                 v1::LessonHistory* response) {
  CAIRN_RETURN_IF_ERROR(
      Admit(presented, v1::ANALYST, "reading a lesson's history", request).status());
  return Fill(catalog_->History(request.id()), response);
}

absl::Status LessonServiceImpl::ListLessons(const PresentedIdentity& presented,
                                            const v1::ListLessonsRequest& request,
                                            v1::ListLessonsResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, v1::ANALYST, "listing lessons", request).status());
  ListQuery query;
  query.status = request.status();
  query.marking = request.marking();
  query.topic = request.topic();
  query.origin_org = request.origin_org();
  query.page_size = request.page_size();
  query.page_token = request.page_token();
  absl::StatusOr<ListPage> page = catalog_->List(query);
  if (!page.ok()) return page.status();
  for (v1::Lesson& lesson : page->lessons) *response->add_lessons() = std::move(lesson);
  response->set_next_page_token(page->next_page_token);
  return absl::OkStatus();
}

absl::Status LessonServiceImpl::RetractLesson(const PresentedIdentity& presented,
                                              const v1::RetractLessonRequest& request,
                                              v1::Lesson* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller,
                         Admit(presented, v1::EDITOR, "retracting a lesson", request));
  return Fill(catalog_->Retract(caller.Describe(), request.id(), request.reason()), response);
}

grpc::Status LessonServiceImpl::ImportLessons(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::ImportLessonsResponse, v1::ImportLessonsRequest>* stream) {
  auto caller =
      Admit(PresentedBy(*context), v1::EDITOR, "importing lessons", v1::ImportLessonsRequest());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  v1::ImportLessonsRequest request;
  while (stream->Read(&request)) {
    v1::ImportLessonsResponse response;
    if (absl::Status imported = Import(*caller, std::move(request), &response); !imported.ok()) {
      return ToGrpcStatus(imported);
    }
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

absl::Status LessonServiceImpl::ImportLessons(const PresentedIdentity& presented,
                                              const v1::ImportLessonsRequest& request,
                                              v1::ImportLessonsResponse* response) {
  CAIRN_ASSIGN_OR_RETURN(
      Principal caller,
      Admit(presented, v1::EDITOR, "importing lessons", v1::ImportLessonsRequest()));
  return Import(caller, request, response);
}

absl::Status LessonServiceImpl::Import(const Principal& caller, v1::ImportLessonsRequest request,
                                       v1::ImportLessonsResponse* response) const {
  CAIRN_RETURN_IF_ERROR(CheckUnknownFields(request, "request"));
  // Each item stands alone: a malformed one gets its own error and the rest are stored.
  std::vector<v1::Lesson> drafts;
  std::vector<v1::ImportLessonsResponse::Result*> pending;
  for (int i = 0; i < request.items_size(); ++i) {
    v1::ImportLessonsRequest::Item& item = *request.mutable_items(i);
    v1::ImportLessonsResponse::Result* result = response->add_results();
    result->set_client_ref(item.client_ref());
    if (absl::Status ok = ValidateWellFormed(item, absl::StrCat("items[", i, "]")); !ok.ok()) {
      SetError(ok, result);
      continue;
    }
    drafts.push_back(std::move(*item.mutable_lesson()));
    pending.push_back(result);
  }
  auto stored = catalog_->CreateMany(caller.Describe(), std::move(drafts));
  if (!stored.ok()) return stored.status();
  for (size_t i = 0; i < pending.size(); ++i) {
    const absl::StatusOr<v1::Lesson>& lesson = (*stored)[i];
    if (lesson.ok()) {
      pending[i]->set_id(lesson->id());
    } else {
      SetError(lesson.status(), pending[i]);
    }
  }
  return absl::OkStatus();
}

absl::Status LessonServiceImpl::SubmitObservation(const PresentedIdentity& presented,
                                                  const v1::SubmitObservationRequest& request,
                                                  v1::Submission* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, v1::CONTRIBUTOR,
                                                 "submitting an observation", request));
  return Fill(observations_->Submit(caller.user, request.observation(), request.confidential()),
              response);
}

absl::Status LessonServiceImpl::ListMySubmissions(const PresentedIdentity& presented,
                                                  const v1::ListSubmissionsRequest& request,
                                                  v1::ListSubmissionsResponse* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, v1::CONTRIBUTOR,
                                                 "listing your observations", request));
  return Fill(observations_->Mine(caller.user, request), response);
}

absl::Status LessonServiceImpl::ListObservationQueue(const PresentedIdentity& presented,
                                                     const v1::ListSubmissionsRequest& request,
                                                     v1::ListSubmissionsResponse* response) {
  CAIRN_RETURN_IF_ERROR(
      Admit(presented, v1::EDITOR, "reading the observations awaiting review", request).status());
  return Fill(observations_->Queue(request), response);
}

absl::Status LessonServiceImpl::ReviewObservation(const PresentedIdentity& presented,
                                                  const v1::ReviewObservationRequest& request,
                                                  v1::Submission* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller,
                         Admit(presented, v1::EDITOR, "reviewing an observation", request));
  return Fill(observations_->Review(caller.user, request), response);
}

absl::Status LessonServiceImpl::RevealSubmitter(const PresentedIdentity& presented,
                                                const v1::RevealSubmitterRequest& request,
                                                v1::RevealSubmitterResponse* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, v1::ADMIN,
                                                 "revealing who submitted an observation", request));
  CAIRN_ASSIGN_OR_RETURN(
      *response->mutable_submitter(),
      observations_->RevealSubmitter(caller.Describe(), request.lesson_id(), request.reason()));
  return absl::OkStatus();
}

}  // namespace cairn::server
