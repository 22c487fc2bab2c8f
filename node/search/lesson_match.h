// Whether one lesson answers a query, decided from the lesson alone. The index decides the same
// for every lesson at once from its postings; a node asking its peers decides it for each lesson
// an answer brings, so a peer cannot pass off a lesson that does not answer the query.
#ifndef CAIRN_NODE_SEARCH_LESSON_MATCH_H_
#define CAIRN_NODE_SEARCH_LESSON_MATCH_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "cairn/v1/lesson.pb.h"
#include "cairn/v1/storage.pb.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_text.h"
#include "node/search/query.h"
#include "node/search/query_plan.h"
#include "node/search/ranking.h"

namespace cairn::search {

// What filters and facets read of a lesson, as the index keeps it (document number `doc`, with
// `words` in each field).
v1::IndexedDoc RecordOf(const v1::Lesson& lesson, uint32_t doc,
                        const std::array<uint32_t, kFields>& words);

// Whether a lesson with `record` passes `filters`; with no status filter, retracted lessons do not.
bool PassesFilters(const Filters& filters, const v1::IndexedDoc& record);

// How one lesson meets a query's plan.
struct LessonMatch {
  std::array<uint32_t, kFields> words{};  // in each field
  TermCounts counts;                       // of each of the plan's terms the lesson holds
  std::vector<bool> matched;               // by clause: an alternative's words are in the lesson
  std::vector<std::vector<bool>> held;     // by clause and alternative: its words are
  std::vector<int> equivalents;            // of the plan's equivalents, those the lesson holds
  double proximity = 0;                    // Proximity() of the plan's word pairs
  std::string sector;                      // its origin sector, lower-cased
  // QueryPlan::Matches and the filters pass, and it is not the plan's leave_out
  bool matches = false;
};

// A lesson's text analysed once, to be matched against any number of plans (the percolator of
// saved searches matches each new lesson against many). Movable, not copyable: `by_term` points
// into `terms`.
struct AnalysedLesson {
  AnalysedLesson() = default;
  AnalysedLesson(AnalysedLesson&&) = default;
  AnalysedLesson& operator=(AnalysedLesson&&) = default;
  AnalysedLesson(const AnalysedLesson&) = delete;
  AnalysedLesson& operator=(const AnalysedLesson&) = delete;

  std::string id;
  std::array<uint32_t, kFields> words{};  // in each field
  TermOccurrences terms;
  absl::flat_hash_map<std::string, const Occurrences*> by_term;
  v1::IndexedDoc record;
};

// `lesson` analysed: every term, or only those in `only` when given.
AnalysedLesson AnalyseLesson(const v1::Lesson& lesson, Analyzer* analyzer,
                             const absl::flat_hash_set<std::string>* only = nullptr);

// Analyses `lesson` against `plan`: a clause matches when the lesson holds an alternative's words
// (a phrase's adjacent, in order, in one field). Exactly what the index decides for the lesson.
LessonMatch MatchLesson(const QueryPlan& plan, const v1::Lesson& lesson, Analyzer* analyzer);
// The same, for a lesson analysed already (with every term of the plan's clauses at least).
LessonMatch MatchAnalysed(const QueryPlan& plan, const AnalysedLesson& lesson);
// Only whether it matches: MatchAnalysed(plan, lesson).matches, without what ranking needs.
bool MatchesAnalysed(const QueryPlan& plan, const AnalysedLesson& lesson);

// Whether `lesson` is among what `plan` matches.
inline bool MatchesQuery(const QueryPlan& plan, const v1::Lesson& lesson, Analyzer* analyzer) {
  return MatchLesson(plan, lesson, analyzer).matches;
}

// The equivalents through which `match` met words it does not hold itself: for each clause of
// equivalents it matched whose words it does not all hold, the equivalents it holds.
std::vector<v1::Equivalent> ViaVocabulary(const QueryPlan& plan, const LessonMatch& match);

// The score of a lesson, as QueryPlan::Combine gives it from BM25F by `statistics`.
double ScoreLesson(const QueryPlan& plan, const LessonMatch& match,
                   const QueryStatistics& statistics);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_LESSON_MATCH_H_
