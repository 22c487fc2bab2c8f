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

absl::StatusOr<Principal> LessonServiceImpl::Admit(grpc::ServerContext* context, v1::Role needed,
                                                   absl::string_view action,
                                                   const google::protobuf::Message& request) const {
  return AdmitUser(*context, *authenticator_, needed, action, request);
}

grpc::Status LessonServiceImpl::CreateLesson(grpc::ServerContext* context,
                                             const v1::CreateLessonRequest* request,
                                             v1::Lesson* response) {
  auto caller = Admit(context, v1::EDITOR, "creating a lesson", *request);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return Reply(catalog_->Create(caller->Describe(), request->lesson()), response);
}

grpc::Status LessonServiceImpl::UpdateLesson(grpc::ServerContext* context,
                                             const v1::UpdateLessonRequest* request,
                                             v1::Lesson* response) {
  auto caller = Admit(context, v1::EDITOR, "editing a lesson", *request);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return Reply(catalog_->Update(caller->Describe(), request->lesson()), response);
}

grpc::Status LessonServiceImpl::GetLesson(grpc::ServerContext* context,
                                          const v1::GetLessonRequest* request,
                                          v1::Lesson* response) {
  auto caller = Admit(context, v1::ANALYST, "reading a lesson", *request);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return Reply(catalog_->Get(request->id()), response);
}

grpc::Status LessonServiceImpl::ListLessons(grpc::ServerContext* context,
                                            const v1::ListLessonsRequest* request,
                                            v1::ListLessonsResponse* response) {
  auto caller = Admit(context, v1::ANALYST, "listing lessons", *request);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  ListQuery query;
  query.status = request->status();
  query.marking = request->marking();
  query.topic = request->topic();
  query.origin_org = request->origin_org();
  query.page_size = request->page_size();
  query.page_token = request->page_token();
  absl::StatusOr<ListPage> page = catalog_->List(query);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (v1::Lesson& lesson : page->lessons) *response->add_lessons() = std::move(lesson);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status LessonServiceImpl::RetractLesson(grpc::ServerContext* context,
                                              const v1::RetractLessonRequest* request,
                                              v1::Lesson* response) {
  auto caller = Admit(context, v1::EDITOR, "retracting a lesson", *request);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return Reply(catalog_->Retract(caller->Describe(), request->id(), request->reason()), response);
}

grpc::Status LessonServiceImpl::ImportLessons(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::ImportLessonsResponse, v1::ImportLessonsRequest>* stream) {
  auto caller = Admit(context, v1::EDITOR, "importing lessons", v1::ImportLessonsRequest());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  v1::ImportLessonsRequest request;
  while (stream->Read(&request)) {
    if (absl::Status envelope = CheckUnknownFields(request, "request"); !envelope.ok()) {
      return ToGrpcStatus(envelope);
    }
    // Each item stands alone: a malformed one gets its own error and the rest are stored.
    v1::ImportLessonsResponse response;
    std::vector<v1::Lesson> drafts;
    std::vector<v1::ImportLessonsResponse::Result*> pending;
    for (int i = 0; i < request.items_size(); ++i) {
      v1::ImportLessonsRequest::Item& item = *request.mutable_items(i);
      v1::ImportLessonsResponse::Result* result = response.add_results();
      result->set_client_ref(item.client_ref());
      if (absl::Status ok = ValidateWellFormed(item, absl::StrCat("items[", i, "]")); !ok.ok()) {
        SetError(ok, result);
        continue;
      }
      drafts.push_back(std::move(*item.mutable_lesson()));
      pending.push_back(result);
    }
    auto stored = catalog_->CreateMany(caller->Describe(), std::move(drafts));
    if (!stored.ok()) return ToGrpcStatus(stored.status());
    for (size_t i = 0; i < pending.size(); ++i) {
      const absl::StatusOr<v1::Lesson>& lesson = (*stored)[i];
      if (lesson.ok()) {
        pending[i]->set_id(lesson->id());
      } else {
        SetError(lesson.status(), pending[i]);
      }
    }
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

}  // namespace cairn::server
