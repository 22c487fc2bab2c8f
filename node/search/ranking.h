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

// What bounds one term's BM25F in any document of a set, whatever the collection's statistics:
// the largest count in each field, and the largest density ceiling (DensityCeiling) in each.
struct ScoreBound {
  std::array<uint32_t, kFields> counts{};
  std::array<uint32_t, kFields> densities{};
};

// Density ceilings are counts per word, scaled by this and rounded up.
inline constexpr uint32_t kDensityScale = 4096;

// `count` × kDensityScale ÷ `words`, rounded up (UINT32_MAX when it does not fit or `words` is 0).
uint32_t DensityCeiling(uint32_t count, uint32_t words);

// An upper bound of Bm25f(idf, counts, words, corpus) for every document `bound` covers, for any
// corpus: per field, count / (1 - b + b·words/average) = 1 / ((1 - b)/count + b·(words/count) /
// average), which grows with the count and with the density, so the largest of each bound it.
// Raised by a relative 1e-9 so that rounding never puts it below a score it bounds.
double Bm25fBound(double idf, const ScoreBound& bound, const CorpusStats& corpus);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_RANKING_H_
