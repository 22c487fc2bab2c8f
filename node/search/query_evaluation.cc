// SearchIndex, query evaluation: the postings a query needs (read off the lock), the documents it
// matches (words, phrases, alternatives, exclusions, filters), their BM25F scores (ranking.h)
// against the index as stored or as a peer sees it, their facet counts, and the best first. The
// class's other jobs are in the files search_index_internal.h lists.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_match.h"
#include "node/search/posting.h"
#include "node/search/query.h"
#include "node/search/ranking.h"
#include "node/search/search_index.h"
#include "node/search/search_index_internal.h"
#include "node/storage/doc_block.h"

namespace cairn::search {
namespace {

constexpr size_t kFacetValues = 10;
constexpr size_t kMaxQueryTerms = 64;  // terms of a query after analysis

// Documents in both, scores added.
void Intersect(const std::vector<uint32_t>& a_docs, const std::vector<double>& a_scores,
               const std::vector<uint32_t>& b_docs, const std::vector<double>& b_scores,
               std::vector<uint32_t>* docs, std::vector<double>* scores) {
  size_t i = 0, j = 0;
  while (i < a_docs.size() && j < b_docs.size()) {
    if (a_docs[i] < b_docs[j]) {
      ++i;
    } else if (b_docs[j] < a_docs[i]) {
      ++j;
    } else {
      docs->push_back(a_docs[i]);
      scores->push_back(a_scores[i] + b_scores[j]);
      ++i;
      ++j;
    }
  }
}

// Documents in either, scores added.
void Unite(const std::vector<uint32_t>& a_docs, const std::vector<double>& a_scores,
           const std::vector<uint32_t>& b_docs, const std::vector<double>& b_scores,
           std::vector<uint32_t>* docs, std::vector<double>* scores) {
  size_t i = 0, j = 0;
  while (i < a_docs.size() || j < b_docs.size()) {
    if (j == b_docs.size() || (i < a_docs.size() && a_docs[i] < b_docs[j])) {
      docs->push_back(a_docs[i]);
      scores->push_back(a_scores[i++]);
    } else if (i == a_docs.size() || b_docs[j] < a_docs[i]) {
      docs->push_back(b_docs[j]);
      scores->push_back(b_scores[j++]);
    } else {
      docs->push_back(a_docs[i]);
      scores->push_back(a_scores[i++] + b_scores[j++]);
    }
  }
}

}  // namespace

struct SearchIndex::Matches {
  std::vector<uint32_t> docs;  // sorted
  std::vector<double> scores;
};

absl::StatusOr<SearchIndex::Postings> SearchIndex::ReadPostings(const std::string& term,
                                                                bool with_positions) const {
  Postings postings;
  bool corrupt = false;
  CAIRN_RETURN_IF_ERROR(
      store_->ScanPostings(TermPrefix(term), [&](absl::string_view, absl::string_view block) {
        DocBlockReader reader(block);
        DocEntry entry;
        while (reader.Next(&entry)) {
          absl::string_view payload = entry.payload;
          std::array<uint32_t, kFields> counts;
          if (!DecodeCounts(&payload, &counts)) {
            corrupt = true;
            return false;
          }
          postings.docs.push_back(entry.doc);
          postings.counts.push_back(counts);
          if (with_positions) {
            postings.payload_bytes.append(entry.payload.data(), entry.payload.size());
            postings.payload_ends.push_back(static_cast<uint32_t>(postings.payload_bytes.size()));
          }
        }
        corrupt |= reader.corrupt();
        return !corrupt;
      }));
  if (corrupt) {
    return absl::DataLossError(absl::StrCat("the search index's postings of '", term,
                                            "' are corrupt; run `cairn index rebuild`"));
  }
  return postings;
}

void SearchIndex::Admit(Postings* postings, const Corpus& corpus) const {
  if (postings->admitted) return;
  postings->admitted = true;
  // Postings of a document the table does not know yet (written a moment ago) wait.
  size_t kept = 0;
  for (size_t i = 0; i < postings->docs.size(); ++i) {
    uint32_t doc = postings->docs[i];
    if (doc >= docs_.size() || docs_[doc] == nullptr) continue;
    postings->docs[kept] = doc;
    postings->counts[kept] = postings->counts[i];
    if (!postings->payload_ends.empty()) postings->kept_payloads.push_back(i);
    ++kept;
  }
  postings->docs.resize(kept);
  postings->counts.resize(kept);
  postings->idf = Idf(corpus.stats.documents, static_cast<double>(kept));
}

double SearchIndex::Score(const Postings& postings, size_t i, const Corpus& corpus) const {
  uint32_t doc = postings.docs[i];
  const std::array<uint32_t, kFields>& words =
      corpus.view == nullptr ? field_words_[doc] : corpus.view->WordsOf(doc, field_words_[doc]);
  return Bm25f(postings.idf, postings.counts[i], words, corpus.stats);
}

SearchIndex::Corpus SearchIndex::Stored() const {
  return Corpus{CorpusStats{static_cast<double>(live_docs_), total_words_}, nullptr};
}

absl::StatusOr<SearchIndex::Matches> SearchIndex::MatchText(const std::vector<std::string>& terms,
                                                            const std::vector<uint32_t>& offsets,
                                                            bool needs_positions,
                                                            std::map<std::string, Postings>* cache,
                                                            const Corpus& corpus) const {
  std::vector<const Postings*> lists;
  for (const std::string& term : terms) {
    // Cached by term and by whether positions were read.
    std::string key = absl::StrCat(needs_positions ? "p" : "c", term);
    auto it = cache->find(key);
    if (it == cache->end()) {
      return absl::InternalError(absl::StrCat("postings of ", term, " not read"));
    }
    Admit(&it->second, corpus);
    lists.push_back(&it->second);
  }
  Matches matches;
  if (lists.size() == 1 && !needs_positions) {
    matches.docs = lists[0]->docs;
    for (size_t i = 0; i < lists[0]->docs.size(); ++i) {
      matches.scores.push_back(Score(*lists[0], i, corpus));
    }
    return matches;
  }
  // A phrase: every term in one field, at the same distances as in the query.
  std::vector<size_t> at(lists.size(), 0);
  std::vector<Occurrences> positions(lists.size());
  for (size_t first = 0; first < lists[0]->docs.size(); ++first) {
    uint32_t doc = lists[0]->docs[first];
    bool everywhere = true;
    for (size_t j = 1; j < lists.size() && everywhere; ++j) {
      const std::vector<uint32_t>& docs = lists[j]->docs;
      at[j] = std::lower_bound(docs.begin() + at[j], docs.end(), doc) - docs.begin();
      everywhere = at[j] < docs.size() && docs[at[j]] == doc;
    }
    if (!everywhere) continue;
    at[0] = first;
    for (size_t j = 0; j < lists.size(); ++j) {
      if (!DecodePositions(lists[j]->payload(at[j]), &positions[j])) {
        return absl::DataLossError(
            "the search index's positions are corrupt; run `cairn index rebuild`");
      }
    }
    bool found = false;
    for (int field = 0; field < kFields && !found; ++field) {
      for (uint32_t start : positions[0][field]) {
        bool all = true;
        for (size_t j = 1; j < lists.size() && all; ++j) {
          const auto& field_positions = positions[j][field];
          all = std::binary_search(field_positions.begin(), field_positions.end(),
                                   start + offsets[j] - offsets[0]);
        }
        if (all) {
          found = true;
          break;
        }
      }
    }
    if (!found) continue;
    double score = 0;
    for (size_t j = 0; j < lists.size(); ++j) score += Score(*lists[j], at[j], corpus);
    matches.docs.push_back(doc);
    matches.scores.push_back(score);
  }
  return matches;
}

absl::StatusOr<SearchIndex::PostingsCache> SearchIndex::ReadQueryPostings(
    const Query& query) const {
  Analyzer& analyzer = Analyzer::ForThisThread();
  PostingsCache cache;
  size_t analysed_terms = 0;
  for (const Clause& clause : query.clauses) {
    for (const TextTerm& alternative : clause.alternatives) {
      std::vector<Token> tokens = analyzer.Analyze(alternative.text);
      analysed_terms += tokens.size();
      if (analysed_terms > kMaxQueryTerms) {
        // "wi-fi-…" is one word to the parser but many terms, each a postings scan.
        return absl::InvalidArgumentError(absl::StrCat(
            "query position ", alternative.position, ": the query has over ", kMaxQueryTerms,
            " words once split at hyphens and other punctuation (the limit)"));
      }
      bool phrase = tokens.size() > 1;
      for (const Token& token : tokens) {
        std::string key = absl::StrCat(phrase ? "p" : "c", token.term);
        if (cache.contains(key)) continue;
        CAIRN_ASSIGN_OR_RETURN(Postings postings, ReadPostings(token.term, phrase));
        cache.emplace(std::move(key), std::move(postings));
      }
    }
  }
  return cache;
}

absl::Status SearchIndex::Evaluate(const Query& query, PostingsCache* cache, const Corpus& corpus,
                                   Evaluation* out) const {
  Analyzer& analyzer = Analyzer::ForThisThread();
  std::optional<Matches> required;
  std::vector<Matches> excluded;
  bool text_asked = false;
  for (const Clause& clause : query.clauses) {
    Matches any;
    bool has_terms = false;
    for (const TextTerm& alternative : clause.alternatives) {
      std::vector<Token> tokens = analyzer.Analyze(alternative.text);
      if (tokens.empty()) continue;  // stop words only
      has_terms = true;
      std::vector<std::string> terms;
      std::vector<uint32_t> offsets;
      for (Token& token : tokens) {
        if (!clause.excluded) out->terms.push_back(token.term);
        terms.push_back(std::move(token.term));
        offsets.push_back(token.position);
      }
      CAIRN_ASSIGN_OR_RETURN(Matches matches,
                             MatchText(terms, offsets, terms.size() > 1, cache, corpus));
      Matches united;
      Unite(any.docs, any.scores, matches.docs, matches.scores, &united.docs, &united.scores);
      any = std::move(united);
    }
    text_asked |= !clause.excluded;  // even if only stop words: then it matches nothing
    if (!has_terms) continue;
    if (clause.excluded) {
      excluded.push_back(std::move(any));
    } else if (!required) {
      required = std::move(any);
    } else {
      Matches both;
      Intersect(required->docs, required->scores, any.docs, any.scores, &both.docs, &both.scores);
      required = std::move(both);
    }
  }
  for (auto& [key, postings] : *cache) {
    Admit(&postings, corpus);
    out->term_docs[key.substr(1)] = std::move(postings.docs);
  }
  if (!required && text_asked && !HasFilters(query.filters)) {
    required.emplace();  // stop words alone match nothing
  }
  if (!required) {
    required.emplace();
    for (uint32_t doc = 0; doc < docs_.size(); ++doc) {
      if (docs_[doc] == nullptr) continue;
      required->docs.push_back(doc);
      required->scores.push_back(0);
    }
  }
  absl::flat_hash_set<uint32_t> left_out;
  for (const Matches& matches : excluded) left_out.insert(matches.docs.begin(), matches.docs.end());
  for (size_t i = 0; i < required->docs.size(); ++i) {
    uint32_t number = required->docs[i];
    if (left_out.contains(number) || !PassesFilters(query.filters, docs_[number]->record)) continue;
    out->docs.push_back(number);
    out->scores.push_back(required->scores[i]);
  }
  return absl::OkStatus();
}

void SearchIndex::AddFacets(const std::vector<uint32_t>& docs,
                            google::protobuf::RepeatedPtrField<v1::Facet>* facets) const {
  // Counted by views into the records, which the lock keeps alive.
  constexpr std::array<absl::string_view, 4> kFacetFields = {"sector", "org", "topic", "status"};
  std::array<absl::flat_hash_map<absl::string_view, uint64_t>, kFacetFields.size()> counts;
  for (uint32_t number : docs) {
    if (number >= docs_.size() || docs_[number] == nullptr) continue;  // gone a moment ago
    const v1::IndexedDoc& doc = docs_[number]->record;
    if (!doc.sector().empty()) ++counts[0][doc.sector()];
    if (!doc.org().empty()) ++counts[1][doc.org()];
    for (const std::string& topic : doc.topics()) ++counts[2][topic];
    ++counts[3][StatusName(doc.status())];
  }
  for (size_t field = 0; field < kFacetFields.size(); ++field) {
    if (counts[field].empty()) continue;
    std::vector<std::pair<absl::string_view, uint64_t>> values(counts[field].begin(),
                                                               counts[field].end());
    std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    v1::Facet* facet = facets->Add();
    facet->set_field(std::string(kFacetFields[field]));
    for (size_t i = 0; i < values.size() && i < kFacetValues; ++i) {
      v1::FacetValue* value = facet->add_values();
      value->set_value(std::string(values[i].first));
      value->set_count(values[i].second);
    }
  }
}

std::vector<size_t> SearchIndex::Evaluation::BestFirst(size_t count) const {
  std::vector<size_t> order(docs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  count = std::min(count, order.size());
  // Best first; among equals, the most recently indexed.
  std::partial_sort(order.begin(), order.begin() + count, order.end(), [&](size_t a, size_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : docs[a] > docs[b];
  });
  order.resize(count);
  return order;
}

}  // namespace cairn::search
