// What a parsed query asks of a lesson's words, once analysed: which clauses must match, which
// only rank, what the vocabulary widened, and how the parts add up to a score. The one decision
// of the index (every lesson at once), of a node checking a peer's answer (one lesson at a time,
// lesson_match.h) and of the federated merge, so all three match and rank alike. SPEC section 6.
//
// Natural (the default): plain words are optional. A lesson matches when it holds every required
// clause (phrases, +words, AND), none of the excluded, passes the filters and, when no clause is
// required, holds at least one optional clause. Its score is the sum of its clauses' BM25F, so
// a lesson holding more of the words (the rarer the more) ranks higher, times a bonus for the
// query's words close together or in the title. Equivalents from the vocabulary stand in for the
// words they widen, at kVocabularyWeight, only in a lesson that lacks some of those words.
// all_words: every clause is required and nothing is widened, the strict behaviour from before
// natural queries. More like this (more_like_this.h) is a natural query of a lesson's words that
// leaves that lesson out and ranks lessons of other sectors than its own kOtherSectorBoost
// higher: the plan carries both, so every node and the merge apply them alike.
#ifndef CAIRN_NODE_SEARCH_QUERY_PLAN_H_
#define CAIRN_NODE_SEARCH_QUERY_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cairn/v1/search_service.pb.h"
#include "node/search/lesson_text.h"
#include "node/search/query.h"
#include "node/search/ranking.h"

namespace cairn::search {

class Analyzer;
class Vocabulary;

// An equivalent's words together weigh this share of one word typed.
inline constexpr double kVocabularyWeight = 0.5;
// Terms of a query once analysed: the words typed, and apart from those the equivalents' (a peer
// is asked with them, so they are bounded too). Each is a postings list to read.
inline constexpr size_t kMaxQueryTerms = 64;
inline constexpr size_t kMaxEquivalentTerms = 64;
// Equivalents one query may carry, and the bytes of each one's words and phrase.
inline constexpr size_t kMaxQueryEquivalents = 32;
inline constexpr size_t kMaxEquivalentBytes = 256;
// Two of the query's words are close when at most this many words apart in one field.
inline constexpr uint32_t kProximityWindow = 5;
// The score of a lesson whose every pair of consecutive query words is close is this much higher.
inline constexpr double kProximityBonus = 0.25;
// More like this: a lesson of another sector than the one the search starts from scores this many
// times what it would. So a lesson of another sector ranks above one of the same sector unless
// that one's content score is over 1.5 times its own: the bridge to what other sectors learned
// wins among the comparably related, but never lifts a barely related lesson over a close one.
inline constexpr double kOtherSectorBoost = 1.5;

// A word or phrase, analysed.
struct PlannedText {
  std::vector<std::string> terms;  // stems in order
  std::vector<uint32_t> offsets;   // each term's word number relative to the first
  double weight = 1;               // lower for an equivalent (kVocabularyWeight)
  int equivalent = -1;             // for an equivalent, its index in QueryPlan::equivalents
  bool phrase() const { return terms.size() > 1; }
};

struct PlannedClause {
  enum class Role { kRequired, kOptional, kExcluded };
  Role role = Role::kOptional;
  std::vector<PlannedText> alternatives;  // never empty
  // The typed clauses (indexes into QueryPlan::clauses) it stands for: itself, or for the
  // equivalents of some words, the clauses of those words.
  std::vector<size_t> covers;
  bool from_vocabulary = false;  // its alternatives are the equivalents of the same words
  // A single plain word, whose closeness to its neighbours counts for proximity.
  bool single_word = false;
};

struct QueryPlan {
  std::vector<PlannedClause> clauses;  // the typed clauses with words, then the equivalents'
  size_t typed = 0;                    // how many of `clauses` were typed
  std::vector<v1::Equivalent> equivalents;
  Filters filters;
  bool all_words = false;
  bool has_required = false;
  // Text was asked for but every word is a stop word, and no filter decides: nothing matches.
  bool matches_nothing = false;
  // More like this: the lesson it starts from, which never matches (empty: none).
  std::string leave_out;
  // More like this: lessons whose origin sector (lower-cased) is not this rank higher (empty: no
  // preference).
  std::string other_than_sector;

  // Every term of a clause that is not excluded, each once, in query order: to highlight and to
  // gather statistics for.
  std::vector<std::string> Terms() const;
  // Whether a lesson whose clauses matched as `matched` says (by index) is a match; filters and
  // leave_out apart.
  bool Matches(const std::vector<bool>& matched) const;
  // The score of a lesson of origin `sector` (lower-cased) from the BM25F of its clauses
  // (`clause_scores`, weights applied, summed over its alternatives that matched), which matched,
  // and its `proximity` (0 to 1); kOtherSectorBoost applied as other_than_sector says.
  double Combine(const std::vector<double>& clause_scores, const std::vector<bool>& matched,
                 double proximity, absl::string_view sector) const;
  // A score of Combine without proximity (0) as it is with `proximity`; never lower.
  double WithProximity(double score, double proximity) const;
  // The pairs of consecutive single-word clauses whose closeness counts, as term pairs.
  std::vector<std::pair<std::string, std::string>> ProximityPairs() const;
};

// The plan of `query`. `equivalents` (each `words` a run of the query's plain optional words, as
// Widen gives them) are ignored with all_words. INVALID_ARGUMENT "query position N: ..." for over
// kMaxQueryTerms terms ("wi-fi-..." is one word to the parser but many terms), and naming the
// equivalent for one whose words are not such a run, an empty or over-long phrase, over
// kMaxQueryEquivalents of them, or over kMaxEquivalentTerms terms in them all.
absl::StatusOr<QueryPlan> PlanQuery(const Query& query, bool all_words,
                                    std::vector<v1::Equivalent> equivalents, Analyzer* analyzer);

// The equivalents `vocabulary` offers for `query`'s runs of plain optional words (none for
// all_words), as a node asking the federation sends them: within the limits PlanQuery enforces,
// the first ones kept.
std::vector<v1::Equivalent> Widen(const Query& query, bool all_words, const Vocabulary& vocabulary,
                                  Analyzer* analyzer);

// Whether a lesson holds two terms, with positions `a` and `b` in it, close together (within
// kProximityWindow words in one field) or both in its title.
bool StandClose(const Occurrences& a, const Occurrences& b);

// The share of the plan's consecutive word pairs that a lesson holds close together or both in its
// title, given each term's positions in it (`positions_of`: null when it does not hold the term).
double Proximity(const std::vector<std::pair<std::string, std::string>>& pairs,
                 absl::FunctionRef<const Occurrences*(const std::string& term)> positions_of);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_QUERY_PLAN_H_
