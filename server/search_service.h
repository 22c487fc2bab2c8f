// cairn.v1.SearchService: local search for this node's users.
#ifndef CAIRN_SERVER_SEARCH_SERVICE_H_
#define CAIRN_SERVER_SEARCH_SERVICE_H_

#include <functional>

#include "absl/time/time.h"
#include "cairn/v1/search_service.grpc.pb.h"
#include "node/identity/principal.h"
#include "node/search/node_vocabulary.h"
#include "node/search/search_index.h"
#include "server/federated_search.h"
#include "server/metrics.h"

namespace cairn::server {

// Thin and stateless: admits analysts (and above), asks the index, or for a federated search the
// federated searcher; times both when given metrics. Each method has a gRPC face and a
// transport-independent one (taking what the caller presented) that the web console calls.
// Everything it uses must outlive it. Thread-safe.
class SearchServiceImpl final : public v1::SearchService::Service {
 public:
  SearchServiceImpl(const search::SearchIndex* index, const search::NodeVocabulary* vocabulary,
                    FederatedSearcher* federated, const Authenticator* authenticator,
                    Metrics* metrics = nullptr)
      : index_(index),
        vocabulary_(vocabulary),
        federated_(federated),
        authenticator_(authenticator),
        metrics_(metrics) {}

  grpc::Status Search(grpc::ServerContext* context, const v1::SearchRequest* request,
                      v1::SearchResponse* response) override;
  grpc::Status FederatedSearch(grpc::ServerContext* context,
                               const v1::FederatedSearchRequest* request,
                               grpc::ServerWriter<v1::FederatedSearchEvent>* writer) override;

  absl::Status Search(const PresentedIdentity& presented, const v1::SearchRequest& request,
                      v1::SearchResponse* response);
  // Calls `emit` with each node's answer as it comes, then with the merged result.
  absl::Status FederatedSearch(const PresentedIdentity& presented,
                               const v1::FederatedSearchRequest& request, absl::Time deadline,
                               const std::function<void(const v1::FederatedSearchEvent&)>& emit);

 private:
  const search::SearchIndex* const index_;
  // The node's vocabulary (shipped and admins' groups), for widening queries.
  const search::NodeVocabulary* const vocabulary_;
  FederatedSearcher* const federated_;
  const Authenticator* const authenticator_;
  Metrics* const metrics_;  // null: not timed
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_SEARCH_SERVICE_H_
