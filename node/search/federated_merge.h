// Checking each node's answer to one federated query, then merging the answers into one ranked
// page. SPEC sections 5 (every peer may be hostile) and 6.
#ifndef CAIRN_NODE_SEARCH_FEDERATED_MERGE_H_
#define CAIRN_NODE_SEARCH_FEDERATED_MERGE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "cairn/v1/federation.pb.h"
#include "cairn/v1/search_service.pb.h"
#include "node/crypto/provenance.h"
#include "node/policy/sharing.h"
#include "node/search/lesson_match.h"
#include "node/search/query_plan.h"
#include "node/search/ranking.h"

namespace cairn::search {

// The most hits any node's answer counts for: as deep as any node pages (SearchIndex).
inline constexpr uint64_t kMaxReportedHits = 10'000;
// Reasons kept in a peer's outcome (every rejection is counted, and audited by the caller).
inline constexpr size_t kMaxRejectionsShown = 10;

// One node's answer, as far as it may be believed.
struct NodeAnswer {
  std::string org;
  std::vector<v1::Lesson> lessons;  // best first by the node's own ranking
  std::vector<double> scores;       // the node's own score of each (finite, not negative)
  // How each lesson matched the plan, as the asker analysed it once (MatchLesson): the merge
  // scores by it rather than analysing every lesson again once the last answer is in.
  std::vector<LessonMatch> matches;
  uint64_t total_hits = 0;
  google::protobuf::RepeatedPtrField<v1::Facet> facets;
};

// A lesson a peer's answer held that was dropped.
struct Rejection {
  std::string lesson_id;
  uint64_t version = 0;
  std::string reason;  // "lesson ID: why"
};

struct CheckedAnswer {
  NodeAnswer answer;
  std::vector<Rejection> rejections;
  uint64_t rejected = 0;  // lessons dropped, including any beyond max_results
};

// What of `response`, the answer `peer` gave to the query of `plan` (asked for at most
// `max_results`), may be shown, merged or counted. A lesson stays only if it appears once, it
// passes what every receiver checks (CheckOfferedLesson: content rules, id, its origin's sector as
// `sectors` records it, marking), `verifier` proves its origin signed exactly this content, and it
// matches the plan (MatchLesson, kept in NodeAnswer::matches); the plan's leave_out is dropped
// without counting as a rejection; lessons beyond max_results are dropped unread. Scores that are not finite or negative become 0.
// total_hits loses the rejected lessons and the leave_out and is bounded by kMaxReportedHits (and
// at least the lessons kept); facets keep only the four known fields, at most 10 values each of
// valid UTF-8 up to 128 bytes, each count at most total_hits.
CheckedAnswer CheckPeerAnswer(const QueryPlan& plan, const std::string& peer, size_t max_results,
                              v1::PeerQueryResponse response, const KnownSectors& sectors,
                              const LessonVerifier& verifier);

// The version this node holds of each lesson id it holds, among those the answers returned.
using HeldVersions = absl::flat_hash_map<std::string, uint64_t>;

// This node's own answer, which needs no checking; its lessons analysed against `plan`.
NodeAnswer OwnAnswer(const QueryPlan& plan, std::string org, v1::PeerQueryResponse response);

// One hit per lesson id: the highest version any node returned, and for the same version the
// origin's own answer, then this node's (`self_org`), then any other; every node that returned
// the lesson is a holder. Every hit is scored here, by BM25F over one set of statistics: this
// node's own index (`here`) plus each lesson the answers brought that this node does not hold
// (`held_here` lists those it does, with their versions), combined as the plan says (ScoreLesson). So scores compare across nodes, and a
// peer's influence on the ranking of what others returned is the lessons it returned and proved,
// nothing it merely claims. A lesson this node holds at a higher version than any answer returned
// (so its own answer did not match it) is left out: the answers' copies are out of date. Best first (ties by lesson id), at most `page_size`, with snippets. Facet counts and
// totals are summed.
v1::FederatedSearchResult MergeAnswers(const QueryPlan& plan, const std::string& self_org,
                                       const QueryStatistics& here,
                                       const HeldVersions& held_here,
                                       const std::vector<NodeAnswer>& answers, size_t page_size);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_FEDERATED_MERGE_H_
