#include "client/lesson_client.h"

#include "absl/strings/str_cat.h"
#include "cairn/v1/alert_service.grpc.pb.h"
#include "cairn/v1/feedback.grpc.pb.h"
#include "cairn/v1/report.grpc.pb.h"
#include "cairn/v1/lesson_service.grpc.pb.h"
#include "cairn/v1/search_service.grpc.pb.h"
#include "client/unary_call.h"
#include "grpcpp/grpcpp.h"

namespace cairn::client {

struct LessonClient::Stub {
  std::unique_ptr<v1::LessonService::Stub> service;
  std::unique_ptr<v1::SearchService::Stub> search;
  std::unique_ptr<v1::AlertService::Stub> alerts;
  std::unique_ptr<v1::FeedbackService::Stub> feedback;
  std::unique_ptr<v1::ReportService::Stub> reports;
};

absl::StatusOr<std::unique_ptr<LessonClient>> LessonClient::Connect(
    const ConnectionOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  if (!channel.ok()) return channel.status();
  return std::unique_ptr<LessonClient>(new LessonClient(options, *std::move(channel)));
}

LessonClient::LessonClient(ConnectionOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      stub_(new Stub{v1::LessonService::NewStub(channel), v1::SearchService::NewStub(channel),
                     v1::AlertService::NewStub(channel), v1::FeedbackService::NewStub(channel),
                     v1::ReportService::NewStub(channel)}) {}

LessonClient::~LessonClient() = default;

absl::StatusOr<v1::Lesson> LessonClient::Create(const v1::Lesson& draft) {
  v1::CreateLessonRequest request;
  *request.mutable_lesson() = draft;
  return UnaryCall<v1::Lesson>(
      stub_->service.get(), &v1::LessonService::Stub::CreateLesson, request, options_.timeout);
}

absl::StatusOr<v1::Lesson> LessonClient::Update(const v1::Lesson& edit) {
  v1::UpdateLessonRequest request;
  *request.mutable_lesson() = edit;
  return UnaryCall<v1::Lesson>(
      stub_->service.get(), &v1::LessonService::Stub::UpdateLesson, request, options_.timeout);
}

absl::StatusOr<v1::Lesson> LessonClient::Get(const std::string& id) {
  v1::GetLessonRequest request;
  request.set_id(id);
  return UnaryCall<v1::Lesson>(
      stub_->service.get(), &v1::LessonService::Stub::GetLesson, request, options_.timeout);
}

absl::StatusOr<v1::LessonHistory> LessonClient::History(const std::string& id) {
  v1::GetLessonHistoryRequest request;
  request.set_id(id);
  return UnaryCall<v1::LessonHistory>(stub_->service.get(),
                                      &v1::LessonService::Stub::GetLessonHistory, request,
                                      options_.timeout);
}

absl::StatusOr<v1::Submission> LessonClient::SubmitObservation(
    const v1::SubmitObservationRequest& request) {
  return UnaryCall<v1::Submission>(stub_->service.get(),
                                   &v1::LessonService::Stub::SubmitObservation, request,
                                   options_.timeout);
}

absl::StatusOr<v1::ListSubmissionsResponse> LessonClient::ListMySubmissions(
    const v1::ListSubmissionsRequest& request) {
  return UnaryCall<v1::ListSubmissionsResponse>(stub_->service.get(),
                                                &v1::LessonService::Stub::ListMySubmissions,
                                                request, options_.timeout);
}

absl::StatusOr<v1::ListSubmissionsResponse> LessonClient::ListObservationQueue(
    const v1::ListSubmissionsRequest& request) {
  return UnaryCall<v1::ListSubmissionsResponse>(stub_->service.get(),
                                                &v1::LessonService::Stub::ListObservationQueue,
                                                request, options_.timeout);
}

absl::StatusOr<v1::Submission> LessonClient::ReviewObservation(
    const v1::ReviewObservationRequest& request) {
  return UnaryCall<v1::Submission>(stub_->service.get(),
                                   &v1::LessonService::Stub::ReviewObservation, request,
                                   options_.timeout);
}

absl::StatusOr<v1::RevealSubmitterResponse> LessonClient::RevealSubmitter(
    const v1::RevealSubmitterRequest& request) {
  return UnaryCall<v1::RevealSubmitterResponse>(stub_->service.get(),
                                                &v1::LessonService::Stub::RevealSubmitter,
                                                request, options_.timeout);
}

absl::StatusOr<v1::ListLessonsResponse> LessonClient::List(const v1::ListLessonsRequest& request) {
  return UnaryCall<v1::ListLessonsResponse>(
      stub_->service.get(), &v1::LessonService::Stub::ListLessons, request, options_.timeout);
}

absl::StatusOr<v1::Lesson> LessonClient::Retract(const std::string& id, const std::string& reason) {
  v1::RetractLessonRequest request;
  request.set_id(id);
  if (!reason.empty()) request.set_reason(reason);
  return UnaryCall<v1::Lesson>(
      stub_->service.get(), &v1::LessonService::Stub::RetractLesson, request, options_.timeout);
}

absl::StatusOr<v1::SearchResponse> LessonClient::Search(const v1::SearchRequest& request) {
  return UnaryCall<v1::SearchResponse>(stub_->search.get(), &v1::SearchService::Stub::Search,
                                       request, options_.timeout);
}

absl::Status LessonClient::FederatedSearch(
    const v1::FederatedSearchRequest& request,
    const std::function<void(const v1::FederatedSearchEvent&)>& on_event) {
  grpc::ClientContext context;
  absl::Duration answers = request.has_deadline_ms() ? absl::Milliseconds(request.deadline_ms())
                                                     : absl::Seconds(2);
  context.set_deadline(absl::ToChronoTime(absl::Now() + answers + options_.timeout));
  auto reader = stub_->search->FederatedSearch(&context, request);
  v1::FederatedSearchEvent event;
  while (reader->Read(&event)) on_event(event);
  return FromGrpc(reader->Finish());
}

absl::StatusOr<v1::Watch> LessonClient::AddWatch(const v1::AddWatchRequest& request) {
  return UnaryCall<v1::Watch>(stub_->alerts.get(), &v1::AlertService::Stub::AddWatch, request,
                              options_.timeout);
}

absl::StatusOr<v1::ListWatchesResponse> LessonClient::ListWatches() {
  return UnaryCall<v1::ListWatchesResponse>(stub_->alerts.get(),
                                            &v1::AlertService::Stub::ListWatches,
                                            v1::ListWatchesRequest(), options_.timeout);
}

absl::Status LessonClient::RemoveWatch(const std::string& id) {
  v1::RemoveWatchRequest request;
  request.set_id(id);
  return UnaryCall<v1::RemoveWatchResponse>(stub_->alerts.get(),
                                            &v1::AlertService::Stub::RemoveWatch, request,
                                            options_.timeout)
      .status();
}

absl::StatusOr<v1::ListAlertsResponse> LessonClient::ListAlerts(
    const v1::ListAlertsRequest& request) {
  return UnaryCall<v1::ListAlertsResponse>(stub_->alerts.get(),
                                           &v1::AlertService::Stub::ListAlerts, request,
                                           options_.timeout);
}

absl::StatusOr<v1::MarkAlertsReadResponse> LessonClient::MarkAlertsRead(uint64_t through) {
  v1::MarkAlertsReadRequest request;
  request.set_through(through);
  return UnaryCall<v1::MarkAlertsReadResponse>(stub_->alerts.get(),
                                               &v1::AlertService::Stub::MarkAlertsRead, request,
                                               options_.timeout);
}

absl::StatusOr<v1::GivenFeedback> LessonClient::GiveFeedback(
    const v1::GiveFeedbackRequest& request) {
  return UnaryCall<v1::GivenFeedback>(stub_->feedback.get(),
                                      &v1::FeedbackService::Stub::GiveFeedback, request,
                                      options_.timeout);
}

absl::StatusOr<v1::GetFeedbackResponse> LessonClient::GetFeedback(const std::string& lesson_id) {
  v1::GetFeedbackRequest request;
  request.set_lesson_id(lesson_id);
  return UnaryCall<v1::GetFeedbackResponse>(stub_->feedback.get(),
                                            &v1::FeedbackService::Stub::GetFeedback, request,
                                            options_.timeout);
}

absl::StatusOr<v1::Report> LessonClient::BuildReport(const v1::ReportRequest& request) {
  return UnaryCall<v1::Report>(stub_->reports.get(), &v1::ReportService::Stub::BuildReport,
                               request, options_.timeout);
}

absl::Status LessonClient::StreamAlerts(
    uint64_t after, const std::function<bool(const v1::AlertEvent&)>& on_event) {
  grpc::ClientContext context;
  v1::StreamAlertsRequest request;
  request.set_after(after);
  auto reader = stub_->alerts->StreamAlerts(&context, request);
  v1::AlertEvent event;
  while (reader->Read(&event)) {
    if (!on_event(event)) {
      context.TryCancel();
      while (reader->Read(&event)) {
      }
      (void)reader->Finish();
      return absl::OkStatus();
    }
  }
  return FromGrpc(reader->Finish());
}

absl::Status LessonClient::Import(
    const std::function<bool(v1::ImportLessonsRequest*)>& next,
    const std::function<void(const v1::ImportLessonsResponse&)>& on_results) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.import_timeout));
  auto stream = stub_->service->ImportLessons(&context);
  v1::ImportLessonsRequest request;
  v1::ImportLessonsResponse response;
  while (true) {
    request.Clear();
    if (!next(&request)) break;
    if (!stream->Write(request)) break;  // the node ended the call; Finish says why
    if (!stream->Read(&response)) break;
    on_results(response);
  }
  stream->WritesDone();
  return FromGrpc(stream->Finish());
}

}  // namespace cairn::client
