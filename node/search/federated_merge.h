// Merging the answers of several nodes to one federated query into one ranked page. SPEC section 6.
#ifndef CAIRN_NODE_SEARCH_FEDERATED_MERGE_H_
#define CAIRN_NODE_SEARCH_FEDERATED_MERGE_H_

#include <string>
#include <vector>

#include "cairn/v1/federation.pb.h"
#include "cairn/v1/search_service.pb.h"
#include "node/search/query.h"

namespace cairn::search {

// One node's answer.
struct NodeAnswer {
  std::string org;
  v1::PeerQueryResponse response;
};

// One hit per lesson id: the highest version returned, with every node that returned it as a
// holder. Every hit is scored again here, by BM25F over the statistics of all the answers summed,
// so scores from different nodes compare; best first (ties by lesson id), at most `page_size`, with
// snippets. Facet counts and totals are summed.
v1::FederatedSearchResult MergeAnswers(const Query& query, const std::vector<NodeAnswer>& answers,
                                       size_t page_size);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_FEDERATED_MERGE_H_
