#include "server/lesson_service.h"

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/lessons/validation.h"
#include "server/security.h"
#include "server/status.h"

namespace cairn::server {
namespace {

// Sets *response from an OK result, and returns the result's status for the wire.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

absl::Status LessonServiceImpl::Admit(grpc::ServerContext* context, v1::Role needed,
                                      absl::string_view action,
                                      const google::protobuf::Message& request) const {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, IdentifyCaller(*context, *authenticator_));
  CAIRN_RETURN_IF_ERROR(RequireRole(caller, needed, action));
  return ValidateWellFormed(request, "");
}

grpc::Status LessonServiceImpl::CreateLesson(grpc::ServerContext* context,
                                             const v1::CreateLessonRequest* request,
                                             v1::Lesson* response) {
  absl::Status admitted = Admit(context, v1::EDITOR, "creating a lesson", *request);
  if (!admitted.ok()) return ToGrpcStatus(admitted);
  return Reply(catalog_->Create(request->lesson()), response);
}

grpc::Status LessonServiceImpl::UpdateLesson(grpc::ServerContext* context,
                                             const v1::UpdateLessonRequest* request,
                                             v1::Lesson* response) {
  absl::Status admitted = Admit(context, v1::EDITOR, "editing a lesson", *request);
  if (!admitted.ok()) return ToGrpcStatus(admitted);
  return Reply(catalog_->Update(request->lesson()), response);
}

grpc::Status LessonServiceImpl::GetLesson(grpc::ServerContext* context,
                                          const v1::GetLessonRequest* request,
                                          v1::Lesson* response) {
  absl::Status admitted = Admit(context, v1::ANALYST, "reading a lesson", *request);
  if (!admitted.ok()) return ToGrpcStatus(admitted);
  return Reply(catalog_->Get(request->id()), response);
}

grpc::Status LessonServiceImpl::ListLessons(grpc::ServerContext* context,
                                            const v1::ListLessonsRequest* request,
                                            v1::ListLessonsResponse* response) {
  absl::Status admitted = Admit(context, v1::ANALYST, "listing lessons", *request);
  if (!admitted.ok()) return ToGrpcStatus(admitted);
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
  absl::Status admitted = Admit(context, v1::EDITOR, "retracting a lesson", *request);
  if (!admitted.ok()) return ToGrpcStatus(admitted);
  return Reply(catalog_->Retract(request->id(), request->reason()), response);
}

grpc::Status LessonServiceImpl::ImportLessons(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::ImportLessonsResponse, v1::ImportLessonsRequest>* stream) {
  absl::Status admitted =
      Admit(context, v1::EDITOR, "importing lessons", v1::ImportLessonsRequest());
  if (!admitted.ok()) return ToGrpcStatus(admitted);
  v1::ImportLessonsRequest request;
  while (stream->Read(&request)) {
    std::vector<v1::Lesson> drafts;
    drafts.reserve(request.items_size());
    for (v1::ImportLessonsRequest::Item& item : *request.mutable_items()) {
      drafts.push_back(std::move(*item.mutable_lesson()));
    }
    auto results = catalog_->CreateMany(std::move(drafts));
    if (!results.ok()) return ToGrpcStatus(results.status());
    v1::ImportLessonsResponse response;
    for (int i = 0; i < request.items_size(); ++i) {
      v1::ImportLessonsResponse::Result* out = response.add_results();
      out->set_client_ref(request.items(i).client_ref());
      const absl::StatusOr<v1::Lesson>& result = (*results)[i];
      if (result.ok()) {
        out->set_id(result->id());
      } else {
        out->set_error_code(static_cast<int>(result.status().code()));
        out->set_error_message(std::string(result.status().message()));
      }
    }
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

}  // namespace cairn::server
