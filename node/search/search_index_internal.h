// The parts of SearchIndex (search_index.h) that the files defining it share and nothing else
// reads. Include only from those files, which split the class by job:
//   search_index.cc      opening the index; the in-memory table of document records
//   interpretation.cc    what a query searched for, and "did you mean" from the index's words
//   index_writer.cc      analysing a lesson and writing its postings and record in its commit
//   query_evaluation.cc  which documents a query matches, scored (ranking.h), and facet counts
//   more_like_this.cc    planning a search, more like this from a lesson among them
//   best_by_bounds.cc    the best k without scoring every match: block-max MaxScore
//   local_search.cc      a page of results for this node's analysts, with snippets
//   federated_answer.cc  answers to federated queries, a peer's through what it may see
//   index_check.cc       comparing the index with what indexing every lesson afresh gives
#ifndef CAIRN_NODE_SEARCH_SEARCH_INDEX_INTERNAL_H_
#define CAIRN_NODE_SEARCH_SEARCH_INDEX_INTERNAL_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "cairn/v1/lesson.pb.h"
#include "cairn/v1/storage.pb.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_text.h"
#include "node/search/posting.h"
#include "node/search/query_plan.h"
#include "node/search/search_index.h"
#include "node/storage/doc_block.h"

namespace cairn::search {

// Results a page or an answer holds when the request does not say.
inline constexpr size_t kDefaultPageSize = 10;
// Without exact counts, facets count the best this many matches.
inline constexpr size_t kFacetsOverBest = 100;

// Whether `plan` has a word or phrase to rank by, which BestByBounds needs. More like this
// (a lesson left out, other sectors ranked higher) is evaluated in full: its bounds do not allow
// for the sector boost.
inline bool RanksByText(const QueryPlan& plan) {
  if (plan.matches_nothing || !plan.leave_out.empty() || !plan.other_than_sector.empty()) {
    return false;
  }
  for (const PlannedClause& clause : plan.clauses) {
    if (clause.role != PlannedClause::Role::kExcluded) return true;
  }
  return false;
}

struct SearchIndex::Doc {
  v1::IndexedDoc record;
  std::string id;
};

struct SearchIndex::Postings {
  // One stored block as read: the postings of one range of 1,024 document numbers.
  struct Block {
    uint32_t range = 0;
    DocBlockSummary summary;
    std::string entries;  // as read: one copy, never moved as more blocks are read
  };
  bool positions = false;  // whether the payloads are kept
  bool decoded = false;    // the blocks are decoded into the lists below (DecodePostings)
  bool admitted = false;   // filtered by the document table, idf set (see Admit)
  double idf = 0;
  std::vector<Block> blocks;
  std::vector<uint32_t> docs;
  std::vector<std::array<uint32_t, kFields>> counts;
  // Every posting's payload as read, one after another, when positions were read, and for each
  // posting kept by Admit, the index of its payload.
  std::string payload_bytes;
  std::vector<uint32_t> payload_ends;  // where each ends in payload_bytes
  std::vector<size_t> kept_payloads;

  // The payload of the i-th posting as read (before Admit).
  absl::string_view read_payload(size_t i) const {
    uint32_t begin = i == 0 ? 0 : payload_ends[i - 1];
    return absl::string_view(payload_bytes).substr(begin, payload_ends[i] - begin);
  }
  // The payload of the i-th posting kept by Admit.
  absl::string_view payload(size_t i) const {
    size_t read = kept_payloads[i];
    uint32_t begin = read == 0 ? 0 : payload_ends[read - 1];
    return absl::string_view(payload_bytes).substr(begin, payload_ends[read] - begin);
  }
};

// Whether `text`, a phrase, occurs in a document where its terms have `positions` (in the order
// of text.terms): every term in one field, at the same distances as in the query.
bool PhraseFound(const PlannedText& text, const std::vector<Occurrences>& positions);

// A lesson as Index writes it: each term's posting payload, and the words in each field.
struct SearchIndex::Analysis final : PreparedIndexing {
  Analysis(const v1::Lesson& lesson, Analyzer* analyzer)
      : lesson_id(lesson.id()), version(lesson.version()) {
    TermOccurrences terms = AnalyzeLesson(lesson, analyzer, &words);
    postings.reserve(terms.size());
    for (auto& [term, occurrences] : terms) {
      postings.emplace_back(std::move(term), EncodePosting(occurrences, words));
    }
  }

  // Each term's payload, for comparing two versions of a lesson.
  absl::flat_hash_map<absl::string_view, absl::string_view> ByTerm() const {
    return absl::flat_hash_map<absl::string_view, absl::string_view>(postings.begin(),
                                                                     postings.end());
  }

  // Which version of which lesson this is, so that a mismatched preparation is never used.
  std::string lesson_id;
  uint64_t version = 0;
  std::array<uint32_t, kFields> words{};
  std::vector<std::pair<std::string, std::string>> postings;  // (term, payload), each term once
};

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_SEARCH_INDEX_INTERNAL_H_
