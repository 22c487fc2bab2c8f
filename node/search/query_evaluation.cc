// SearchIndex, query evaluation: the postings a query's plan needs (read off the lock), the
// documents it matches (query_plan.h: required, optional and excluded clauses, filters), their
// scores (BM25F, ranking.h, combined by the plan) against the index as stored or as a peer sees
// it, their facet counts, and the best first with the proximity bonus. The
// class's other jobs are in the files search_index_internal.h lists.
#include <algorithm>
#include <array>
#include <iterator>
#include <map>
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
#include "node/search/query_plan.h"
#include "node/search/ranking.h"
#include "node/search/search_index.h"
#include "node/search/search_index_internal.h"
#include "node/storage/doc_block.h"

namespace cairn::search {
namespace {

constexpr size_t kFacetValues = 10;

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

bool PhraseFound(const PlannedText& text, const std::vector<Occurrences>& positions) {
  for (int field = 0; field < kFields; ++field) {
    for (uint32_t start : positions[0][field]) {
      bool all = true;
      for (size_t j = 1; j < text.terms.size() && all; ++j) {
        const auto& field_positions = positions[j][field];
        all = std::binary_search(field_positions.begin(), field_positions.end(),
                                 start + text.offsets[j] - text.offsets[0]);
      }
      if (all) return true;
    }
  }
  return false;
}

struct SearchIndex::Matches {
  std::vector<uint32_t> docs;  // sorted
  std::vector<double> scores;
};

absl::StatusOr<SearchIndex::Postings> SearchIndex::ReadPostings(const std::string& term,
                                                                bool with_positions,
                                                                const Store::ReadView* view) const {
  Postings postings;
  postings.positions = with_positions;
  bool corrupt = false;
  CAIRN_RETURN_IF_ERROR(
      store_->ScanPostings(TermPrefix(term), [&](absl::string_view key, absl::string_view block) {
        Postings::Block read;
        absl::string_view entries;
        if (key.size() < 4 || !ReadStoredDocBlock(block, &read.summary, &entries)) {
          corrupt = true;
          return false;
        }
        for (size_t i = key.size() - 4; i < key.size(); ++i) {
          read.range = read.range << 8 | static_cast<uint8_t>(key[i]);
        }
        if (read.summary.entries == 0) return true;
        read.entries.assign(entries.data(), entries.size());
        postings.blocks.push_back(std::move(read));
        return true;
      }, view));
  if (corrupt) {
    return absl::DataLossError(absl::StrCat("the search index's postings of '", term,
                                            "' are corrupt; run `cairn index rebuild`"));
  }
  return postings;
}

absl::Status SearchIndex::DecodePostings(PostingsCache* cache) const {
  for (auto& [term, postings] : *cache) {
    if (postings.decoded) continue;
    postings.decoded = true;
    for (const Postings::Block& block : postings.blocks) {
      DocBlockReader reader(block.entries);
      DocEntry entry;
      bool corrupt = false;
      while (!corrupt && reader.Next(&entry)) {
        absl::string_view payload = entry.payload;
        std::array<uint32_t, kFields> counts;
        corrupt = !DecodeCounts(&payload, &counts);
        postings.docs.push_back(entry.doc);
        postings.counts.push_back(counts);
        if (postings.positions) {
          postings.payload_bytes.append(entry.payload.data(), entry.payload.size());
          postings.payload_ends.push_back(static_cast<uint32_t>(postings.payload_bytes.size()));
        }
      }
      if (corrupt || reader.corrupt()) {
        return absl::DataLossError(absl::StrCat("the search index's postings of '", term,
                                                "' are corrupt; run `cairn index rebuild`"));
      }
    }
  }
  return absl::OkStatus();
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
    if (postings->positions) postings->kept_payloads.push_back(i);
    ++kept;
  }
  postings->docs.resize(kept);
  postings->counts.resize(kept);
  postings->idf = Idf(corpus.stats.documents, static_cast<double>(kept));
}

double SearchIndex::Score(const Postings& postings, size_t i, const Corpus& corpus) const {
  return Score(postings.idf, postings.counts[i], postings.docs[i], corpus);
}

double SearchIndex::Score(double idf, const std::array<uint32_t, kFields>& counts, uint32_t doc,
                          const Corpus& corpus) const {
  return Bm25f(idf, counts, WordsOf(doc, corpus), corpus.stats);
}

const std::array<uint32_t, kFields>& SearchIndex::WordsOf(uint32_t doc,
                                                          const Corpus& corpus) const {
  return corpus.view == nullptr ? field_words_[doc] : corpus.view->WordsOf(doc, field_words_[doc]);
}

std::optional<uint64_t> SearchIndex::SettledVersion() const {
  absl::ReaderMutexLock lock(&mu_);
  if (indexing_) return std::nullopt;
  return table_version_;
}

SearchIndex::Corpus SearchIndex::Stored() const {
  return Corpus{CorpusStats{static_cast<double>(live_docs_), total_words_}, nullptr};
}

absl::StatusOr<SearchIndex::Matches> SearchIndex::MatchText(const PlannedText& text,
                                                            PostingsCache* cache,
                                                            const Corpus& corpus) const {
  std::vector<const Postings*> lists;
  for (const std::string& term : text.terms) {
    auto it = cache->find(term);
    if (it == cache->end() || (text.phrase() && !it->second.positions)) {
      return absl::InternalError(absl::StrCat("postings of ", term, " not read"));
    }
    Admit(&it->second, corpus);
    lists.push_back(&it->second);
  }
  Matches matches;
  if (!text.phrase()) {
    matches.docs = lists[0]->docs;
    for (size_t i = 0; i < lists[0]->docs.size(); ++i) {
      matches.scores.push_back(text.weight * Score(*lists[0], i, corpus));
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
    if (!PhraseFound(text, positions)) continue;
    double score = 0;
    for (size_t j = 0; j < lists.size(); ++j) score += Score(*lists[j], at[j], corpus);
    matches.docs.push_back(doc);
    matches.scores.push_back(text.weight * score);
  }
  return matches;
}

absl::StatusOr<SearchIndex::PostingsCache> SearchIndex::ReadQueryPostings(
    const QueryPlan& plan, size_t* docs_read) const {
  // Positions only where they are read: a phrase's terms, and the words whose closeness counts.
  absl::flat_hash_set<std::string> positioned;
  for (const PlannedClause& clause : plan.clauses) {
    for (const PlannedText& text : clause.alternatives) {
      if (text.phrase()) positioned.insert(text.terms.begin(), text.terms.end());
    }
  }
  for (const auto& [first, second] : plan.ProximityPairs()) {
    positioned.insert(first);
    positioned.insert(second);
  }
  // Every term as of one moment: read one by one as lessons are committed, a lesson could show
  // in one term's postings and not yet in another's (and pass an exclusion it fails). Taken under
  // the lock, so that every document in the table then has its postings in the snapshot.
  std::unique_ptr<Store::ReadView> now;
  {
    absl::ReaderMutexLock lock(&mu_);
    now = store_->ViewNow();
    *docs_read = docs_.size();
  }
  PostingsCache cache;
  for (const PlannedClause& clause : plan.clauses) {
    for (const PlannedText& text : clause.alternatives) {
      for (const std::string& term : text.terms) {
        if (cache.contains(term)) continue;
        CAIRN_ASSIGN_OR_RETURN(Postings postings,
                               ReadPostings(term, positioned.contains(term), now.get()));
        cache.emplace(term, std::move(postings));
      }
    }
  }
  return cache;
}

absl::Status SearchIndex::Evaluate(const QueryPlan& plan, PostingsCache* cache,
                                   const Corpus& corpus, Evaluation* out) const {
  CAIRN_RETURN_IF_ERROR(DecodePostings(cache));
  const size_t clauses = plan.clauses.size();
  std::vector<Matches> matches(clauses);
  for (size_t c = 0; c < clauses; ++c) {
    for (const PlannedText& text : plan.clauses[c].alternatives) {
      CAIRN_ASSIGN_OR_RETURN(Matches one, MatchText(text, cache, corpus));
      Matches united;
      Unite(matches[c].docs, matches[c].scores, one.docs, one.scores, &united.docs,
            &united.scores);
      matches[c] = std::move(united);
    }
  }
  for (auto& [term, postings] : *cache) {
    Admit(&postings, corpus);
    out->containing[term] = postings.docs.size();
  }

  // The documents that may match: those holding every required clause; without one, those
  // holding any optional clause; without either (filters, exclusions), every document.
  std::vector<uint32_t> candidates;
  bool any_optional = false;
  for (const PlannedClause& clause : plan.clauses) {
    any_optional |= clause.role == PlannedClause::Role::kOptional;
  }
  if (plan.matches_nothing) {
    return absl::OkStatus();
  } else if (plan.has_required) {
    bool first = true;
    for (size_t c = 0; c < clauses; ++c) {
      if (plan.clauses[c].role != PlannedClause::Role::kRequired) continue;
      if (first) {
        candidates = matches[c].docs;
        first = false;
        continue;
      }
      std::vector<uint32_t> both;
      std::set_intersection(candidates.begin(), candidates.end(), matches[c].docs.begin(),
                            matches[c].docs.end(), std::back_inserter(both));
      candidates = std::move(both);
    }
  } else if (any_optional) {
    std::vector<uint64_t> held((docs_.size() + 63) / 64, 0);
    for (size_t c = 0; c < clauses; ++c) {
      if (plan.clauses[c].role != PlannedClause::Role::kOptional) continue;
      for (uint32_t doc : matches[c].docs) held[doc / 64] |= uint64_t{1} << (doc % 64);
    }
    for (size_t word = 0; word < held.size(); ++word) {
      for (uint64_t bits = held[word]; bits != 0; bits &= bits - 1) {
        candidates.push_back(static_cast<uint32_t>(word * 64 + __builtin_ctzll(bits)));
      }
    }
  } else {
    const size_t read = std::min(docs_.size(), corpus.docs_read);
    for (uint32_t doc = 0; doc < read; ++doc) {
      if (docs_[doc] != nullptr) candidates.push_back(doc);
    }
  }

  // Each candidate against every clause, walking the clauses' lists alongside.
  std::vector<size_t> at(clauses, 0);
  std::vector<bool> matched(clauses);
  std::vector<double> scores(clauses);
  for (uint32_t doc : candidates) {
    for (size_t c = 0; c < clauses; ++c) {
      const std::vector<uint32_t>& docs = matches[c].docs;
      while (at[c] < docs.size() && docs[at[c]] < doc) ++at[c];
      matched[c] = at[c] < docs.size() && docs[at[c]] == doc;
      scores[c] = matched[c] ? matches[c].scores[at[c]] : 0;
    }
    const Doc& record = *docs_[doc];
    if (!plan.Matches(matched) || !Passes(plan.filters, doc) || record.id == plan.leave_out) {
      continue;
    }
    out->docs.push_back(doc);
    out->scores.push_back(plan.Combine(scores, matched, 0, record.record.sector()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<size_t>> SearchIndex::Best(const QueryPlan& plan,
                                                      const PostingsCache& postings, size_t count,
                                                      Evaluation* evaluation) const {
  const std::vector<uint32_t>& docs = evaluation->docs;
  std::vector<double>& scores = evaluation->scores;
  // Best first; among equals, the most recently indexed.
  auto better = [&](size_t a, size_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : docs[a] > docs[b];
  };
  std::vector<size_t> order(docs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  count = std::min(count, order.size());
  if (count == 0) return std::vector<size_t>();
  const std::vector<std::pair<std::string, std::string>> pairs = plan.ProximityPairs();
  if (pairs.empty()) {
    std::partial_sort(order.begin(), order.begin() + count, order.end(), better);
    order.resize(count);
    return order;
  }
  // The proximity bonus, for documents in order of their score without it, until no document
  // left could reach the best `count` even with the whole bonus.
  auto worse_first = [&](size_t a, size_t b) { return better(b, a); };
  std::make_heap(order.begin(), order.end(), worse_first);
  std::vector<size_t> best;  // a heap, the worst of the best on top
  std::map<std::string, Occurrences> held;  // pointers into it must outlive insertions
  bool corrupt = false;
  for (auto end = order.end(); end != order.begin(); --end) {
    std::pop_heap(order.begin(), end, worse_first);
    const size_t next = *(end - 1);
    if (best.size() == count && plan.WithProximity(scores[next], 1) < scores[best.front()]) {
      break;
    }
    held.clear();
    double proximity = Proximity(pairs, [&](const std::string& term) -> const Occurrences* {
      auto list = postings.find(term);
      if (list == postings.end() || !list->second.positions) return nullptr;
      const std::vector<uint32_t>& holding = list->second.docs;
      auto it = std::lower_bound(holding.begin(), holding.end(), docs[next]);
      if (it == holding.end() || *it != docs[next]) return nullptr;
      Occurrences& occurrences = held[term];
      corrupt |= !DecodePositions(list->second.payload(it - holding.begin()), &occurrences);
      return &occurrences;
    });
    if (corrupt) {
      return absl::DataLossError(
          "the search index's positions are corrupt; run `cairn index rebuild`");
    }
    scores[next] = plan.WithProximity(scores[next], proximity);
    best.push_back(next);
    std::push_heap(best.begin(), best.end(), better);
    if (best.size() > count) {
      std::pop_heap(best.begin(), best.end(), better);
      best.pop_back();
    }
  }
  std::sort(best.begin(), best.end(), better);
  return best;
}

void SearchIndex::AddFacetsOfBest(const Ranked& ranked,
                                  google::protobuf::RepeatedPtrField<v1::Facet>* facets) const {
  const size_t counted = std::min(ranked.docs.size(), kFacetsOverBest);
  AddFacets({ranked.docs.begin(), ranked.docs.begin() + counted}, facets);
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

}  // namespace cairn::search
