// Whether one lesson answers a query, decided from the lesson alone. The index decides the same
// for every lesson at once from its postings; a node asking its peers decides it for each lesson
// an answer brings, so a peer cannot pass off a lesson that does not answer the query.
#ifndef CAIRN_NODE_SEARCH_LESSON_MATCH_H_
#define CAIRN_NODE_SEARCH_LESSON_MATCH_H_

#include <array>
#include <cstdint>

#include "cairn/v1/lesson.pb.h"
#include "cairn/v1/storage.pb.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_text.h"
#include "node/search/query.h"

namespace cairn::search {

// What filters and facets read of a lesson, as the index keeps it (document number `doc`, with
// `words` in each field).
v1::IndexedDoc RecordOf(const v1::Lesson& lesson, uint32_t doc,
                        const std::array<uint32_t, kFields>& words);

// Whether a lesson with `record` passes `filters`; with no status filter, retracted lessons do not.
bool PassesFilters(const Filters& filters, const v1::IndexedDoc& record);

// Whether the query has any filter.
bool HasFilters(const Filters& filters);

// Whether `lesson` is among what `query` matches: every clause that is not an exclusion has an
// alternative whose words it holds (a phrase's words adjacent, in order, in one field), no
// exclusion matches, and the filters pass. Exactly what the index answers for the same lesson.
bool MatchesQuery(const Query& query, const v1::Lesson& lesson, Analyzer* analyzer);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_LESSON_MATCH_H_
