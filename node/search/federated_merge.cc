#include "node/search/federated_merge.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_text.h"

namespace cairn::search {
namespace {

constexpr size_t kFacetValues = 10;

// The distinct terms of the query's clauses that are not exclusions.
std::vector<std::string> QueryTerms(const Query& query, Analyzer* analyzer) {
  std::vector<std::string> terms;
  absl::flat_hash_set<std::string> seen;
  for (const Clause& clause : query.clauses) {
    if (clause.excluded) continue;
    for (const TextTerm& alternative : clause.alternatives) {
      for (Token& token : analyzer->Analyze(alternative.text)) {
        if (seen.insert(token.term).second) terms.push_back(std::move(token.term));
      }
    }
  }
  return terms;
}

void MergeFacets(const std::vector<NodeAnswer>& answers, v1::FederatedSearchResult* result) {
  std::map<std::string, absl::flat_hash_map<std::string, uint64_t>> counts;
  for (const NodeAnswer& answer : answers) {
    for (const v1::Facet& facet : answer.response.facets()) {
      for (const v1::FacetValue& value : facet.values()) counts[facet.field()][value.value()] += value.count();
    }
  }
  for (const auto& [field, values] : counts) {
    std::vector<std::pair<std::string, uint64_t>> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    v1::Facet* facet = result->add_facets();
    facet->set_field(field);
    for (size_t i = 0; i < sorted.size() && i < kFacetValues; ++i) {
      v1::FacetValue* value = facet->add_values();
      value->set_value(sorted[i].first);
      value->set_count(sorted[i].second);
    }
  }
}

}  // namespace

v1::FederatedSearchResult MergeAnswers(const Query& query, const std::vector<NodeAnswer>& answers,
                                       size_t page_size) {
  v1::FederatedSearchResult result;
  CorpusStats corpus;
  absl::flat_hash_map<std::string, double> containing;
  uint64_t total = 0;
  // The highest version of each lesson, and who returned it.
  std::map<std::string, std::pair<const v1::Lesson*, std::vector<std::string>>> lessons;
  for (const NodeAnswer& answer : answers) {
    const v1::PeerQueryResponse& response = answer.response;
    total += response.total_hits();
    corpus.documents += response.statistics().documents();
    for (int field = 0; field < kFields && field < response.statistics().field_words_size(); ++field) {
      corpus.words[field] += response.statistics().field_words(field);
    }
    for (const v1::TermDocuments& term : response.statistics().terms()) {
      containing[term.term()] += term.documents();
    }
    for (const v1::Lesson& lesson : response.lessons()) {
      auto& [best, holders] = lessons[lesson.id()];
      if (best == nullptr || lesson.version() > best->version()) best = &lesson;
      holders.push_back(answer.org);
    }
  }
  result.set_total_hits(total);
  Analyzer& analyzer = Analyzer::ForThisThread();
  std::vector<std::string> terms = QueryTerms(query, &analyzer);
  std::vector<std::pair<double, v1::FederatedHit>> scored;
  for (auto& [id, entry] : lessons) {
    const v1::Lesson& lesson = *entry.first;
    std::array<uint32_t, kFields> words{};
    TermCounts counts = CountTerms(lesson, terms, &analyzer, &words);
    double score = 0;
    for (const std::string& term : terms) {  // in query order, so every node's sums agree
      const std::array<uint32_t, kFields>& in_fields = counts[term];
      if (in_fields == std::array<uint32_t, kFields>{0, 0, 0}) continue;
      score += Bm25f(Idf(corpus.documents, containing[term]), in_fields, words, corpus);
    }
    v1::FederatedHit hit;
    hit.mutable_hit()->set_lesson_id(id);
    hit.mutable_hit()->set_score(score);
    for (std::string& holder : entry.second) hit.add_holders(std::move(holder));
    scored.emplace_back(score, std::move(hit));
  }
  size_t shown = std::min(page_size, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + shown, scored.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second.hit().lesson_id() < b.second.hit().lesson_id();
  });
  for (size_t i = 0; i < shown; ++i) {
    v1::FederatedHit& hit = scored[i].second;
    DescribeHit(*lessons[hit.hit().lesson_id()].first, terms, hit.mutable_hit());
    *result.add_hits() = std::move(hit);
  }
  MergeFacets(answers, &result);
  return result;
}

}  // namespace cairn::search
