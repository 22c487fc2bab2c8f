// cairn.v1.SearchService: local search for this node's users.
#ifndef CAIRN_SERVER_SEARCH_SERVICE_H_
#define CAIRN_SERVER_SEARCH_SERVICE_H_

#include "cairn/v1/search_service.grpc.pb.h"
#include "node/identity/principal.h"
#include "node/search/search_index.h"

namespace cairn::server {

// Thin and stateless: admits analysts (and above), asks the index. The index and authenticator
// must outlive the service. Thread-safe.
class SearchServiceImpl final : public v1::SearchService::Service {
 public:
  SearchServiceImpl(const search::SearchIndex* index, const Authenticator* authenticator)
      : index_(index), authenticator_(authenticator) {}

  grpc::Status Search(grpc::ServerContext* context, const v1::SearchRequest* request,
                      v1::SearchResponse* response) override;

 private:
  const search::SearchIndex* const index_;
  const Authenticator* const authenticator_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_SEARCH_SERVICE_H_
