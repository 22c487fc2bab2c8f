#include "node/search/ranking.h"

#include <cmath>

namespace cairn::search {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

}  // namespace

double Idf(double documents, double containing) {
  return std::log(1 + (documents - containing + 0.5) / (containing + 0.5));
}

double Bm25f(double idf, const std::array<uint32_t, kFields>& counts,
             const std::array<uint32_t, kFields>& words, const CorpusStats& corpus) {
  double weighted = 0;
  for (int field = 0; field < kFields; ++field) {
    if (counts[field] == 0) continue;
    double average = corpus.words[field] > 0 && corpus.documents > 0
                         ? corpus.words[field] / corpus.documents
                         : 1;
    weighted += kFieldWeights[field] * counts[field] / (1 - kB + kB * words[field] / average);
  }
  return idf * weighted * (kK1 + 1) / (weighted + kK1);
}

}  // namespace cairn::search
