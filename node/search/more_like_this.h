// More like this: the lessons related to one lesson, found by its most distinctive words, other
// sectors' lessons first (the "not like us" bridge). SPEC section 6. The search itself is a
// natural query of those words whose plan (query_plan.h) leaves the lesson out and prefers other
// sectors, so the index, a peer's answer and the federated merge rank it alike.
#ifndef CAIRN_NODE_SEARCH_MORE_LIKE_THIS_H_
#define CAIRN_NODE_SEARCH_MORE_LIKE_THIS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cairn/v1/lesson.pb.h"
#include "cairn/v1/policy.pb.h"
#include "node/search/analyzer.h"

namespace cairn::search {

// The words of a lesson that a more-like-this search asks for: enough to find what shares its
// subject rather than a stray word, few enough to leave room for a narrowing query within
// query.h's kMaxClauses (fewer are used when the narrowing takes more).
inline constexpr size_t kLikeWords = 20;

// The `count` words of `lesson` that best tell it apart: by its field-weighted frequency
// (ranking.h's kFieldWeights), damped by a logarithm, times `idf_of(term)`; words of digits
// alone (dates, reference numbers) are left out. In the order the lesson first writes them, so
// runs the vocabulary knows ("mobile data terminal") stay together; each lower-cased as written
// there, so the query's analysis gives the lesson's own term.
std::vector<std::string> DistinctiveWords(const v1::Lesson& lesson,
                                          absl::FunctionRef<double(const std::string& term)> idf_of,
                                          size_t count, Analyzer* analyzer);

// The query text of a more-like-this search: `narrowing` as typed (its filters, +words and
// phrases narrow; its plain words join the lesson's), then as many of `words` as query.h's
// limits leave room for. INVALID_ARGUMENT as ParseQuery gives for a malformed `narrowing`.
absl::StatusOr<std::string> LikeQueryText(absl::string_view narrowing,
                                          const std::vector<std::string>& words);

// Whether a peer may be sent the words of `lesson`, which this node (`holder_org`) holds: when
// it is the lesson's origin, or it may see the lesson itself with exactly this searchable text
// (sharing.h's ExportView over queries or replication, under `policy`; null: none). Any other
// peer would learn words of text it may not see: of a RED lesson, a redacted field, scrubbed
// personal data. Every word sent is one the peer may read in the lesson; which of them are chosen
// still follows this node's statistics over all it holds (a weak signal of how common each is
// here), which choosing by the statistics of the peer's own view would remove.
bool WordsMayGoTo(const v1::Lesson& lesson, absl::string_view holder_org, const v1::Peer& peer,
                  const v1::PeerPolicy* policy);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_MORE_LIKE_THIS_H_
