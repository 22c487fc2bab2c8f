#include "server/search_service.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/security.h"
#include "server/status.h"

namespace cairn::server {

grpc::Status SearchServiceImpl::Search(grpc::ServerContext* context,
                                       const v1::SearchRequest* request,
                                       v1::SearchResponse* response) {
  auto caller = AdmitUser(*context, *authenticator_, v1::ANALYST, "searching", *request);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::SearchResponse> found = index_->Search(*request);
  if (metrics_ != nullptr) metrics_->ObserveSearch(absl::Now() - start);
  return Reply(std::move(found), response);
}

grpc::Status SearchServiceImpl::FederatedSearch(
    grpc::ServerContext* context, const v1::FederatedSearchRequest* request,
    grpc::ServerWriter<v1::FederatedSearchEvent>* writer) {
  auto caller = AdmitUser(*context, *authenticator_, v1::ANALYST, "searching the federation",
                          *request);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::FederatedSearchResult> result = federated_->Search(
      *request, absl::FromChrono(context->deadline()), [writer](const v1::PeerAnswered& answer) {
        v1::FederatedSearchEvent event;
        *event.mutable_peer() = answer;
        writer->Write(event);
      });
  if (!result.ok()) return ToGrpcStatus(result.status());
  if (metrics_ != nullptr) metrics_->ObserveFederatedSearch(*result, absl::Now() - start);
  v1::FederatedSearchEvent event;
  *event.mutable_result() = *std::move(result);
  writer->Write(event);
  return grpc::Status::OK;
}

}  // namespace cairn::server
