// How search ranks a lesson for a query: BM25F over the three weighted fields of lesson_text.h,
// relative to the statistics of a collection. The one scorer of local search, of each node's
// federated answer and of the merging of those answers, so all three rank alike. SPEC section 6.
#ifndef CAIRN_NODE_SEARCH_RANKING_H_
#define CAIRN_NODE_SEARCH_RANKING_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "node/search/lesson_text.h"

namespace cairn::search {

// Each field's weight: title, summary, body.
inline constexpr std::array<double, kFields> kFieldWeights = {3.0, 2.0, 1.0};

// What BM25 needs to know of the collection a score is relative to.
struct CorpusStats {
  double documents = 0;
  std::array<double, kFields> words = {0, 0, 0};  // summed over the documents
};

// A collection's statistics for the terms of one query: how many documents hold each term.
struct QueryStatistics {
  CorpusStats corpus;
  absl::flat_hash_map<std::string, double> containing;  // by analysed term
};

// The inverse document frequency of a term that `containing` of `documents` hold.
double Idf(double documents, double containing);

// The BM25F score of one term: `counts` occurrences in each field of a document with `words`
// words in each field.
double Bm25f(double idf, const std::array<uint32_t, kFields>& counts,
             const std::array<uint32_t, kFields>& words, const CorpusStats& corpus);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_RANKING_H_
