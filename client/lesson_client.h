// A small client library for a Cairn node's LessonService: mTLS with the user's certificate, a
// deadline on every call, errors as absl::Status with the node's code and message.
#ifndef CAIRN_CLIENT_LESSON_CLIENT_H_
#define CAIRN_CLIENT_LESSON_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cairn/v1/alert_service.pb.h"
#include "cairn/v1/feedback.pb.h"
#include "cairn/v1/report.pb.h"
#include "cairn/v1/lesson_service.pb.h"
#include "cairn/v1/search_service.pb.h"
#include "client/connection.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace cairn::client {

// Thread-safe; one instance shares one channel. Speaks LessonService, SearchService,
// AlertService, FeedbackService and ReportService.
class LessonClient {
 public:
  // Reads the certificate files and prepares a channel (see OpenChannel).
  static absl::StatusOr<std::unique_ptr<LessonClient>> Connect(const ConnectionOptions& options);
  ~LessonClient();

  absl::StatusOr<v1::Lesson> Create(const v1::Lesson& draft);
  absl::StatusOr<v1::Lesson> Update(const v1::Lesson& edit);
  absl::StatusOr<v1::Lesson> Get(const std::string& id);
  absl::StatusOr<v1::LessonHistory> History(const std::string& id);
  absl::StatusOr<v1::ListLessonsResponse> List(const v1::ListLessonsRequest& request);
  absl::StatusOr<v1::Lesson> Retract(const std::string& id, const std::string& reason);
  absl::StatusOr<v1::SearchResponse> Search(const v1::SearchRequest& request);
  // Speak up: observations from any member of staff, and their review.
  absl::StatusOr<v1::Submission> SubmitObservation(const v1::SubmitObservationRequest& request);
  absl::StatusOr<v1::ListSubmissionsResponse> ListMySubmissions(
      const v1::ListSubmissionsRequest& request);
  absl::StatusOr<v1::ListSubmissionsResponse> ListObservationQueue(
      const v1::ListSubmissionsRequest& request);
  absl::StatusOr<v1::Submission> ReviewObservation(const v1::ReviewObservationRequest& request);
  absl::StatusOr<v1::RevealSubmitterResponse> RevealSubmitter(
      const v1::RevealSubmitterRequest& request);
  // Calls `on_event` with each event of a federated search as it arrives; returns the call's
  // status. The call's deadline is the request's (or the node's default) plus the usual timeout.
  absl::Status FederatedSearch(const v1::FederatedSearchRequest& request,
                               const std::function<void(const v1::FederatedSearchEvent&)>& on_event);

  // Saved searches and their alerts (AlertService).
  absl::StatusOr<v1::Watch> AddWatch(const v1::AddWatchRequest& request);
  absl::StatusOr<v1::ListWatchesResponse> ListWatches();
  absl::Status RemoveWatch(const std::string& id);
  absl::StatusOr<v1::ListAlertsResponse> ListAlerts(const v1::ListAlertsRequest& request);
  // Adoption feedback (FeedbackService).
  absl::StatusOr<v1::GivenFeedback> GiveFeedback(const v1::GiveFeedbackRequest& request);
  absl::StatusOr<v1::GetFeedbackResponse> GetFeedback(const std::string& lesson_id);
  // The lessons report (ReportService).
  absl::StatusOr<v1::Report> BuildReport(const v1::ReportRequest& request);
  absl::StatusOr<v1::MarkAlertsReadResponse> MarkAlertsRead(uint64_t through);
  // Calls `on_event` with each alert after `after`, then each new one and each heartbeat, until
  // `on_event` returns false or the node ends the stream; no deadline. Returns the stream's
  // status (OK when `on_event` stopped it).
  absl::Status StreamAlerts(uint64_t after,
                            const std::function<bool(const v1::AlertEvent&)>& on_event);

  // Streams batches to ImportLessons: calls `next` to fill each request until it returns false,
  // and `on_results` with the node's answer to each before sending the next. Returns the stream's
  // final status.
  absl::Status Import(const std::function<bool(v1::ImportLessonsRequest*)>& next,
                      const std::function<void(const v1::ImportLessonsResponse&)>& on_results);

 private:
  struct Stub;
  LessonClient(ConnectionOptions options, std::shared_ptr<grpc::Channel> channel);

  const ConnectionOptions options_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace cairn::client

#endif  // CAIRN_CLIENT_LESSON_CLIENT_H_
