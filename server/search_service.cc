#include "server/search_service.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "node/common/status_macros.h"
#include "server/security.h"
#include "server/status.h"

namespace cairn::server {

CAIRN_UNARY_OVER_GRPC(SearchServiceImpl, Search, v1::SearchRequest, v1::SearchResponse)

absl::Status SearchServiceImpl::Search(const PresentedIdentity& presented,
                                       const v1::SearchRequest& request,
                                       v1::SearchResponse* response) {
  CAIRN_RETURN_IF_ERROR(
      AdmitUser(presented, *authenticator_, v1::ANALYST, "searching", request).status());
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::SearchResponse> found = index_->Search(request, *vocabulary_->Current());
  if (metrics_ != nullptr) metrics_->ObserveSearch(absl::Now() - start);
  return Fill(std::move(found), response);
}

grpc::Status SearchServiceImpl::FederatedSearch(
    grpc::ServerContext* context, const v1::FederatedSearchRequest* request,
    grpc::ServerWriter<v1::FederatedSearchEvent>* writer) {
  return ToGrpcStatus(
      FederatedSearch(PresentedBy(*context), *request, absl::FromChrono(context->deadline()),
                      [writer](const v1::FederatedSearchEvent& event) { writer->Write(event); }));
}

absl::Status SearchServiceImpl::FederatedSearch(
    const PresentedIdentity& presented, const v1::FederatedSearchRequest& request,
    absl::Time deadline, const std::function<void(const v1::FederatedSearchEvent&)>& emit) {
  CAIRN_RETURN_IF_ERROR(
      AdmitUser(presented, *authenticator_, v1::ANALYST, "searching the federation", request)
          .status());
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::FederatedSearchResult> result =
      federated_->Search(request, deadline, [&emit](const v1::PeerAnswered& answer) {
        v1::FederatedSearchEvent event;
        *event.mutable_peer() = answer;
        emit(event);
      });
  if (!result.ok()) return result.status();
  if (metrics_ != nullptr) metrics_->ObserveFederatedSearch(*result, absl::Now() - start);
  v1::FederatedSearchEvent event;
  *event.mutable_result() = *std::move(result);
  emit(event);
  return absl::OkStatus();
}

}  // namespace cairn::server
