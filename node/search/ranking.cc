#include "node/search/ranking.h"

#include <algorithm>
#include <cmath>

namespace cairn::search {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// The average words in `field` that length normalisation divides by.
double Average(const CorpusStats& corpus, int field) {
  return corpus.words[field] > 0 && corpus.documents > 0 ? corpus.words[field] / corpus.documents
                                                         : 1;
}

// BM25's saturation of a weighted count.
double Saturate(double idf, double weighted) {
  return idf * weighted * (kK1 + 1) / (weighted + kK1);
}

}  // namespace

double Idf(double documents, double containing) {
  return std::log(1 + (documents - containing + 0.5) / (containing + 0.5));
}

double Bm25f(double idf, const std::array<uint32_t, kFields>& counts,
             const std::array<uint32_t, kFields>& words, const CorpusStats& corpus) {
  double weighted = 0;
  for (int field = 0; field < kFields; ++field) {
    if (counts[field] == 0) continue;
    weighted += kFieldWeights[field] * counts[field] /
                (1 - kB + kB * words[field] / Average(corpus, field));
  }
  return Saturate(idf, weighted);
}

uint32_t DensityCeiling(uint32_t count, uint32_t words) {
  if (count == 0) return 0;
  if (words == 0) return UINT32_MAX;
  uint64_t scaled = (uint64_t{count} * kDensityScale + words - 1) / words;
  return static_cast<uint32_t>(std::min<uint64_t>(scaled, UINT32_MAX));
}

double Bm25fBound(double idf, const ScoreBound& bound, const CorpusStats& corpus) {
  double weighted = 0;
  for (int field = 0; field < kFields; ++field) {
    const double count = bound.counts[field];
    if (count == 0 || bound.densities[field] == 0) continue;
    // At most `count` / (1 - b) however short the field, which an unknown density leaves.
    double field_bound =
        bound.densities[field] == UINT32_MAX
            ? count / (1 - kB)
            : 1 / ((1 - kB) / count +
                   kB * kDensityScale / (bound.densities[field] * Average(corpus, field)));
    weighted += kFieldWeights[field] * field_bound;
  }
  return Saturate(idf, weighted) * (1 + 1e-9);
}

}  // namespace cairn::search
