// How search reads a lesson: its three fields, their terms, and the snippet a hit shows. Used by
// the index and by the merging of federated answers, so both read lessons alike (ranking.h scores
// them). SPEC section 6.
#ifndef CAIRN_NODE_SEARCH_LESSON_TEXT_H_
#define CAIRN_NODE_SEARCH_LESSON_TEXT_H_

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "cairn/v1/lesson.pb.h"
#include "cairn/v1/search_service.pb.h"
#include "node/search/analyzer.h"

namespace cairn::search {

// Title, summary, and the body: every other text field (driving event, lesson, recommendations,
// evidence, project, lifecycle phase, topics, tags), in parts no phrase spans.
inline constexpr int kFields = 3;

// A term's word positions in each field of one lesson (most terms occur a few times: inline).
using Occurrences = std::array<absl::InlinedVector<uint32_t, 4>, kFields>;
using TermOccurrences = std::vector<std::pair<std::string, Occurrences>>;

// Every term of `lesson` once (or only those in `only`, when given), with its occurrences, in no
// particular order; sets `words` to the number of words in each field, for length normalisation.
TermOccurrences AnalyzeLesson(const v1::Lesson& lesson, Analyzer* analyzer,
                              std::array<uint32_t, kFields>* words,
                              const absl::flat_hash_set<std::string>* only = nullptr);

// Calls visit(field, term, word) for every word search reads in `lesson` but stop words, field
// by field and in order: `word` as written (a view into `lesson`), `term` its stem.
void ForEachLessonWord(
    const v1::Lesson& lesson, Analyzer* analyzer,
    absl::FunctionRef<void(int field, absl::string_view term, absl::string_view word)> visit);

// Every text search reads in `lesson`, one part a line: two lessons search alike when equal.
std::string SearchableText(const v1::Lesson& lesson);

// How often each of `wanted` occurs in each field of `lesson` (zeros when it does not); sets
// `words` as AnalyzeLesson does. Cheaper than AnalyzeLesson when only a few terms matter.
using TermCounts = absl::flat_hash_map<std::string, std::array<uint32_t, kFields>>;
TermCounts CountTerms(const v1::Lesson& lesson, const std::vector<std::string>& wanted,
                      Analyzer* analyzer, std::array<uint32_t, kFields>* words);

// Fills `hit` from `lesson`: id, title, origin, version, marking, status, topics, when it occurred.
void SummarizeHit(const v1::Lesson& lesson, v1::SearchHit* hit);

// SummarizeHit, and a snippet of the lesson's best passage with the words whose terms are in
// `terms` highlighted.
void DescribeHit(const v1::Lesson& lesson, const std::vector<std::string>& terms,
                 v1::SearchHit* hit);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_LESSON_TEXT_H_
