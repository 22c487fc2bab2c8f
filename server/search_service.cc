#include "server/search_service.h"

#include "server/security.h"
#include "server/status.h"

namespace cairn::server {

grpc::Status SearchServiceImpl::Search(grpc::ServerContext* context,
                                       const v1::SearchRequest* request,
                                       v1::SearchResponse* response) {
  auto caller = AdmitUser(*context, *authenticator_, v1::ANALYST, "searching", *request);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return Reply(index_->Search(*request), response);
}

}  // namespace cairn::server
