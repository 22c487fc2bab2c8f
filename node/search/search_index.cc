#include "node/search/search_index.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "node/common/page_token.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"
#include "node/crypto/provenance.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_match.h"
#include "node/search/lesson_text.h"
#include "node/search/posting.h"
#include "node/policy/sharing.h"
#include "node/search/query.h"
#include "node/search/ranking.h"
#include "node/storage/doc_block.h"

namespace cairn::search {
namespace {

// Bump when the postings or record format changes, or the analyzer does (its stop words or
// stemmer: removals re-analyse the stored lesson): nodes then rebuild the index on start.
constexpr absl::string_view kFormatKey = "search/format";
constexpr absl::string_view kFormat = "4";

constexpr size_t kDefaultPageSize = 10;
constexpr size_t kFacetValues = 10;
constexpr size_t kMaxCheckProblems = 20;
constexpr size_t kMaxQueryTerms = 64;  // terms of a query after analysis

// FNV-1a: a fingerprint of the query that is the same in every process, for page tokens.
uint64_t Fingerprint(absl::string_view text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

absl::string_view StatusName(v1::LessonStatus status) {
  switch (status) {
    case v1::OBSERVATION: return "observation";
    case v1::LESSON_IDENTIFIED: return "identified";
    case v1::LESSON_LEARNED: return "learned";
    case v1::SUPERSEDED: return "superseded";
    case v1::RETRACTED: return "retracted";
    default: return "unspecified";
  }
}

}  // namespace

struct SearchIndex::Doc {
  v1::IndexedDoc record;
  std::string id;
};

struct SearchIndex::Postings {
  bool admitted = false;  // filtered by the document table, idf set (see Admit)
  double idf = 0;
  std::vector<uint32_t> docs;
  std::vector<std::array<uint32_t, kFields>> counts;
  // Every posting's payload as read, one after another, when positions were asked for, and for
  // each posting kept by Admit, the index of its payload.
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

struct SearchIndex::Matches {
  std::vector<uint32_t> docs;  // sorted
  std::vector<double> scores;
};

namespace {

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

SearchIndex::SearchIndex(Store* store) : store_(store), indexing_analyzer_(std::make_unique<Analyzer>()) {}

SearchIndex::~SearchIndex() { store_->SetIndexer(nullptr); }

absl::StatusOr<std::unique_ptr<SearchIndex>> SearchIndex::Open(Store* store) {
  std::unique_ptr<SearchIndex> index(new SearchIndex(store));
  absl::StatusOr<std::string> format = store->GetMeta(kFormatKey);
  if (!format.ok() && !absl::IsNotFound(format.status())) return format.status();
  // An index of another format (or none, or a rebuild cut short) is not read: it is rebuilt.
  // So is one with a record that does not parse.
  bool usable = format.ok() && *format == kFormat;
  if (usable) {
    absl::Status loaded = index->Load();
    if (absl::IsDataLoss(loaded)) {
      index->Reset();
      usable = false;
    } else if (!loaded.ok()) {
      return loaded;
    }
  }
  store->SetIndexer(index.get());
  if (!usable) CAIRN_RETURN_IF_ERROR(index->Rebuild());
  return index;
}

absl::Status SearchIndex::Load() {
  absl::MutexLock lock(&mu_);
  absl::Status failed;
  CAIRN_RETURN_IF_ERROR(store_->ScanSearchDocs([&](absl::string_view id, absl::string_view bytes) {
    auto doc = std::make_unique<Doc>();
    doc->id = std::string(id);
    if (!doc->record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        doc->record.field_words_size() != kFields) {
      failed = absl::DataLossError(absl::StrCat("search index record of ", id, " is corrupt"));
      return false;
    }
    AddToTable(std::move(doc));
    return true;
  }));
  next_doc_ = static_cast<uint32_t>(docs_.size());
  return failed;
}

// A lesson as Index writes it: each term's posting payload, and the words in each field.
struct SearchIndex::Analysis final : PreparedIndexing {
  Analysis(const v1::Lesson& lesson, Analyzer* analyzer)
      : lesson_id(lesson.id()), version(lesson.version()) {
    TermOccurrences terms = AnalyzeLesson(lesson, analyzer, &words);
    postings.reserve(terms.size());
    for (auto& [term, occurrences] : terms) {
      postings.emplace_back(std::move(term), EncodePosting(occurrences));
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

std::shared_ptr<const PreparedIndexing> SearchIndex::Prepare(const v1::Lesson& lesson) const {
  return std::make_shared<const Analysis>(lesson, &Analyzer::ForThisThread());
}

void SearchIndex::Index(const v1::Lesson* before, const v1::Lesson* after,
                        const PreparedIndexing* prepared_after, StoreBatch* writes) {
  if (before == nullptr && after == nullptr) return;  // removing what was never there
  const std::string& id = after != nullptr ? after->id() : before->id();
  std::optional<uint32_t> existing;
  {
    absl::MutexLock lock(&mu_);
    auto it = doc_numbers_.find(id);
    if (it != doc_numbers_.end()) {
      existing = it->second;
      // Its new postings may be read before Finish updates the table: until then no peer's view
      // may count it by what was decided of the old version.
      changing_.insert(*existing);
      Forget(*existing);
    }
  }
  std::optional<Analysis> old;
  std::string key;  // each posting's block key in turn
  if (existing && before != nullptr) old.emplace(*before, indexing_analyzer_.get());
  if (after == nullptr) {
    if (!existing) return;
    if (old) {
      for (const auto& [term, ignored] : old->postings) {
        SetPostingsKey(term, *existing, &key);
        writes->UpdatePosting(key, *existing, std::nullopt);
      }
    }
    writes->DeleteSearchDoc(id);
    pending_.emplace_back(id, nullptr);
    return;
  }
  uint32_t number = existing ? *existing : next_doc_++;
  std::optional<Analysis> analysed_here;
  auto* analysis = dynamic_cast<const Analysis*>(prepared_after);
  if (analysis == nullptr || analysis->lesson_id != after->id() ||
      analysis->version != after->version()) {
    analysis = &analysed_here.emplace(*after, indexing_analyzer_.get());
  }
  absl::flat_hash_map<absl::string_view, absl::string_view> old_payloads;
  if (old) {
    old_payloads = old->ByTerm();
    auto new_payloads = analysis->ByTerm();
    for (const auto& [term, ignored] : old->postings) {
      if (new_payloads.contains(term)) continue;
      SetPostingsKey(term, number, &key);
      writes->UpdatePosting(key, number, std::nullopt);
    }
  }
  for (const auto& [term, payload] : analysis->postings) {
    auto unchanged = old_payloads.find(term);
    if (unchanged != old_payloads.end() && unchanged->second == payload) continue;
    SetPostingsKey(term, number, &key);
    writes->UpdatePosting(key, number, payload);
  }
  auto doc = std::make_unique<Doc>();
  doc->id = id;
  doc->record = RecordOf(*after, number, analysis->words);
  writes->PutSearchDoc(id, doc->record.SerializeAsString());
  pending_.emplace_back(id, std::move(doc));
}

void SearchIndex::Finish(bool written) {
  if (pending_.empty()) return;  // a commit with no lessons (audit events, peers)
  absl::MutexLock lock(&mu_);
  if (written) {
    for (auto& [id, doc] : pending_) {
      RemoveFromTable(id);
      if (doc != nullptr) AddToTable(std::move(doc));
    }
  }
  changing_.clear();
  pending_.clear();
}

void SearchIndex::AddToTable(std::unique_ptr<Doc> doc) {
  uint32_t number = doc->record.doc();
  if (number >= docs_.size()) {
    docs_.resize(number + 1);
    field_words_.resize(number + 1);
  }
  for (int field = 0; field < kFields; ++field) {
    field_words_[number][field] = doc->record.field_words(field);
    total_words_[field] += field_words_[number][field];
  }
  ++live_docs_;
  doc_numbers_[doc->id] = number;
  docs_[number] = std::move(doc);
}

void SearchIndex::Forget(uint32_t doc) {
  views_.ForEach([&](PeerView& view) { view.Forget(doc, field_words_[doc]); });
}

void SearchIndex::RemoveFromTable(const std::string& id) {
  auto it = doc_numbers_.find(id);
  if (it == doc_numbers_.end()) return;
  Forget(it->second);
  for (int field = 0; field < kFields; ++field) total_words_[field] -= field_words_[it->second][field];
  --live_docs_;
  docs_[it->second].reset();
  doc_numbers_.erase(it);
}

void SearchIndex::Reset() {
  absl::MutexLock lock(&mu_);
  views_.Clear();
  ++resets_;
  changing_.clear();
  docs_.clear();
  field_words_.clear();
  doc_numbers_.clear();
  total_words_ = {0, 0, 0};
  live_docs_ = 0;
  pending_.clear();
  next_doc_ = 0;
}

absl::Status SearchIndex::Rebuild() { return store_->RebuildIndex(kFormatKey, kFormat); }

absl::StatusOr<SearchIndex::Postings> SearchIndex::ReadPostings(const std::string& term,
                                                                bool with_positions) const {
  Postings postings;
  bool corrupt = false;
  CAIRN_RETURN_IF_ERROR(store_->ScanPostings(TermPrefix(term), [&](absl::string_view,
                                                                   absl::string_view block) {
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

absl::StatusOr<SearchIndex::Matches> SearchIndex::MatchText(
    const std::vector<std::string>& terms, const std::vector<uint32_t>& offsets,
    bool needs_positions, std::map<std::string, Postings>* cache, const Corpus& corpus) const {
  std::vector<const Postings*> lists;
  for (const std::string& term : terms) {
    // Cached by term and by whether positions were read.
    std::string key = absl::StrCat(needs_positions ? "p" : "c", term);
    auto it = cache->find(key);
    if (it == cache->end()) return absl::InternalError(absl::StrCat("postings of ", term, " not read"));
    Admit(&it->second, corpus);
    lists.push_back(&it->second);
  }
  Matches matches;
  if (lists.size() == 1 && !needs_positions) {
    matches.docs = lists[0]->docs;
    for (size_t i = 0; i < lists[0]->docs.size(); ++i) matches.scores.push_back(Score(*lists[0], i, corpus));
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
        return absl::DataLossError("the search index's positions are corrupt; run `cairn index rebuild`");
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

absl::StatusOr<v1::SearchResponse> SearchIndex::Search(const v1::SearchRequest& request) const {
  CAIRN_ASSIGN_OR_RETURN(Query query, ParseQuery(request.query()));
  size_t page_size = request.has_page_size() ? request.page_size() : kDefaultPageSize;
  if (page_size == 0 || page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be 1 to ", kMaxPageSize, ", not ", page_size));
  }
  const std::string fingerprint = absl::StrCat(Fingerprint(request.query()));
  size_t offset = 0;
  if (!request.page_token().empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string position, DecodePageToken("search", request.page_token()));
    std::pair<std::string, std::string> parts = absl::StrSplit(position, absl::MaxSplits('/', 1));
    if (parts.first != fingerprint || !absl::SimpleAtoi(parts.second, &offset)) {
      return absl::InvalidArgumentError("page_token: it belongs to a different query");
    }
  }
  if (offset > kMaxResultOffset - page_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token: results beyond the first ", kMaxResultOffset, " are not served; refine the query"));
  }

  v1::SearchResponse response;
  Evaluation evaluation;
  // Postings are read before taking the lock, so a slow read never holds up writers.
  CAIRN_ASSIGN_OR_RETURN(PostingsCache postings, ReadQueryPostings(query));
  {
    absl::ReaderMutexLock lock(&mu_);
    CAIRN_RETURN_IF_ERROR(Evaluate(query, &postings, Stored(), &evaluation));
    if (!request.skip_facets()) AddFacets(evaluation.docs, response.mutable_facets());
    std::vector<size_t> order = evaluation.BestFirst(offset + page_size);
    for (size_t i = offset; i < order.size(); ++i) {
      v1::SearchHit* hit = response.add_hits();
      hit->set_lesson_id(docs_[evaluation.docs[order[i]]]->id);
      hit->set_score(evaluation.scores[order[i]]);
    }
  }
  response.set_total_hits(evaluation.docs.size());
  if (offset + page_size < evaluation.docs.size()) {
    response.set_next_page_token(
        EncodePageToken("search", absl::StrCat(fingerprint, "/", offset + page_size)));
  }
  if (!request.skip_snippets()) {
    for (v1::SearchHit& hit : *response.mutable_hits()) {
      absl::StatusOr<v1::Lesson> lesson = store_->GetLesson(hit.lesson_id());
      if (absl::IsNotFound(lesson.status())) continue;  // deleted a moment ago
      CAIRN_RETURN_IF_ERROR(lesson.status());
      DescribeHit(*lesson, evaluation.terms, &hit);
    }
  }
  return response;
}

namespace {

absl::StatusOr<size_t> MaxResults(const v1::PeerQueryRequest& request) {
  size_t max_results = request.has_max_results() ? request.max_results() : kDefaultPageSize;
  if (max_results == 0 || max_results > SearchIndex::kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat("max_results: must be 1 to ",
                                                   SearchIndex::kMaxPageSize, ", not ", max_results));
  }
  return max_results;
}

}  // namespace

absl::StatusOr<v1::PeerQueryResponse> SearchIndex::AnswerHere(
    const v1::PeerQueryRequest& request, QueryStatistics* statistics) const {
  CAIRN_ASSIGN_OR_RETURN(Query query, ParseQuery(request.query()));
  CAIRN_ASSIGN_OR_RETURN(size_t max_results, MaxResults(request));
  CAIRN_ASSIGN_OR_RETURN(PostingsCache postings, ReadQueryPostings(query));
  v1::PeerQueryResponse response;
  std::vector<std::pair<std::string, double>> best;  // (lesson id, score), best first
  {
    absl::ReaderMutexLock lock(&mu_);
    const Corpus corpus = Stored();
    Evaluation evaluation;
    CAIRN_RETURN_IF_ERROR(Evaluate(query, &postings, corpus, &evaluation));
    statistics->corpus = corpus.stats;
    for (const auto& [term, docs] : evaluation.term_docs) {
      statistics->containing[term] = static_cast<double>(docs.size());
    }
    response.set_total_hits(evaluation.docs.size());
    AddFacets(evaluation.docs, response.mutable_facets());
    for (size_t i : evaluation.BestFirst(max_results)) {
      best.emplace_back(docs_[evaluation.docs[i]]->id, evaluation.scores[i]);
    }
  }
  for (const auto& [id, score] : best) {
    absl::StatusOr<v1::Lesson> lesson = store_->GetLesson(id);
    if (absl::IsNotFound(lesson.status())) continue;  // deleted a moment ago
    CAIRN_RETURN_IF_ERROR(lesson.status());
    *response.add_lessons() = *std::move(lesson);
    response.add_scores(score);
  }
  return response;
}

HeldVersions SearchIndex::VersionsHeld(const std::vector<std::string>& ids) const {
  HeldVersions held;
  absl::ReaderMutexLock lock(&mu_);
  for (const std::string& id : ids) {
    auto it = doc_numbers_.find(id);
    if (it != doc_numbers_.end()) held[id] = docs_[it->second]->record.version();
  }
  return held;
}

absl::Status SearchIndex::DecideUndecided(const Audience& audience, PeerView* view) const {
  absl::MutexLock deciding(&view->deciding);
  std::vector<Undecided> undecided;
  uint64_t epoch = 0;
  {
    absl::ReaderMutexLock lock(&mu_);
    absl::MutexLock view_lock(&view->mu);
    view->MatchVersions(audience.peer.version(), audience.policy ? audience.policy->version() : 0);
    view->Resize(docs_.size());
    epoch = view->epoch;
    for (uint32_t doc = 0; doc < docs_.size(); ++doc) {
      if (docs_[doc] == nullptr || view->seen[doc] != Seen::kUnknown || changing_.contains(doc)) {
        continue;  // gone, decided, or being written: decided at a later query
      }
      undecided.push_back({doc, view->generation[doc], docs_[doc]->id, field_words_[doc]});
    }
  }
  if (undecided.empty()) return absl::OkStatus();
  return DecideView(audience, *store_, undecided, epoch, view);
}

void SearchIndex::SeeThrough(const PeerView& view, PostingsCache* cache) const {
  // The documents whose views were altered, in number order, so each list stays sorted.
  std::vector<std::pair<uint32_t, const AlteredText*>> altered;
  altered.reserve(view.altered.size());
  for (const auto& [doc, text] : view.altered) altered.emplace_back(doc, text.get());
  std::sort(altered.begin(), altered.end());
  for (auto& [key, stored] : *cache) {
    const bool positions = key[0] == 'p';
    const absl::string_view term = absl::string_view(key).substr(1);
    Postings seen;
    auto add = [&](uint32_t doc, const std::array<uint32_t, kFields>& counts,
                   absl::string_view payload) {
      seen.docs.push_back(doc);
      seen.counts.push_back(counts);
      if (!positions) return;
      seen.payload_bytes.append(payload.data(), payload.size());
      seen.payload_ends.push_back(static_cast<uint32_t>(seen.payload_bytes.size()));
    };
    size_t next_altered = 0;
    auto add_altered_below = [&](uint64_t limit) {
      for (; next_altered < altered.size() && altered[next_altered].first < limit; ++next_altered) {
        const std::string* payload = altered[next_altered].second->Find(term);
        if (payload == nullptr) continue;
        // A view of the payload itself: `cond ? "" : *payload` would copy it into a temporary
        // that is gone before the counts are read.
        absl::string_view rest = *payload;
        std::array<uint32_t, kFields> counts;
        if (DecodeCounts(&rest, &counts)) add(altered[next_altered].first, counts, *payload);
      }
    };
    for (size_t i = 0; i < stored.docs.size(); ++i) {
      const uint32_t doc = stored.docs[i];
      add_altered_below(doc);
      if (doc >= view.seen.size() || view.seen[doc] != Seen::kAsStored) continue;
      add(doc, stored.counts[i], positions ? stored.read_payload(i) : absl::string_view());
    }
    add_altered_below(UINT64_MAX);
    stored = std::move(seen);
  }
}

absl::StatusOr<v1::PeerQueryResponse> SearchIndex::Answer(const v1::PeerQueryRequest& request,
                                                          const Audience& audience) const {
  CAIRN_ASSIGN_OR_RETURN(Query query, ParseQuery(request.query()));
  CAIRN_ASSIGN_OR_RETURN(size_t max_results, MaxResults(request));
  PeerView* view = views_.For(audience.peer.org_id());
  const uint64_t policy_version = audience.policy ? audience.policy->version() : 0;
  v1::PeerQueryResponse response;
  std::vector<std::pair<std::string, double>> best;  // (lesson id, score), best first
  // Another query from the same peer under a newer record or policy may reset the view between
  // deciding and evaluating: decide again.
  for (int attempt = 0;; ++attempt) {
    CAIRN_RETURN_IF_ERROR(DecideUndecided(audience, view));
    uint64_t resets = 0;  // postings read across a rebuild would be of other document numbers
    {
      absl::ReaderMutexLock lock(&mu_);
      resets = resets_;
    }
    CAIRN_ASSIGN_OR_RETURN(PostingsCache postings, ReadQueryPostings(query));
    absl::ReaderMutexLock lock(&mu_);
    absl::MutexLock view_lock(&view->mu);
    if (view->peer_version != audience.peer.version() || view->policy_version != policy_version ||
        resets_ != resets) {
      if (attempt < 3) continue;
      return absl::UnavailableError(absl::StrCat("the record or policy of peer ",
                                                 audience.peer.org_id(),
                                                 " or the index changed during the query; ask again"));
    }
    SeeThrough(*view, &postings);
    const Corpus corpus{CorpusStats{static_cast<double>(view->visible), view->words}, view};
    Evaluation evaluation;
    CAIRN_RETURN_IF_ERROR(Evaluate(query, &postings, corpus, &evaluation));
    Evaluation shown;  // a query of filters alone matched every document: keep the visible
    for (size_t i = 0; i < evaluation.docs.size(); ++i) {
      const uint32_t doc = evaluation.docs[i];
      if (doc >= view->seen.size() ||
          (view->seen[doc] != Seen::kAsStored && view->seen[doc] != Seen::kAltered)) {
        continue;
      }
      shown.docs.push_back(doc);
      shown.scores.push_back(evaluation.scores[i]);
    }
    response.set_total_hits(shown.docs.size());
    AddFacets(shown.docs, response.mutable_facets());
    for (size_t i : shown.BestFirst(max_results)) {
      best.emplace_back(docs_[shown.docs[i]]->id, shown.scores[i]);
    }
    break;
  }
  const v1::PeerPolicy* policy = audience.policy ? &*audience.policy : nullptr;
  for (const auto& [id, score] : best) {
    absl::StatusOr<v1::Lesson> lesson = store_->GetLesson(id);
    if (absl::IsNotFound(lesson.status())) continue;  // deleted a moment ago
    CAIRN_RETURN_IF_ERROR(lesson.status());
    std::optional<v1::Lesson> shown =
        ExportView(*lesson, audience.holder_org, audience.peer, policy, SharingChannel::kQuery);
    if (!shown) continue;  // changed a moment ago
    if (shown->origin_org() == audience.holder_org) {
      // Our own lesson: the view must carry a signature of ours that covers it.
      CAIRN_RETURN_IF_ERROR(SignIfAltered(*lesson, &*shown, *audience.signer));
    }
    *response.add_lessons() = *std::move(shown);
    response.add_scores(score);
  }
  return response;
}
absl::StatusOr<IndexCheck> SearchIndex::Check() const {
  IndexCheck check;
  auto problem = [&check](std::string text) {
    if (check.problems.size() < kMaxCheckProblems) check.problems.push_back(std::move(text));
  };
  // What a rebuild would write: (term, lesson id) -> posting, and each lesson's record.
  std::map<std::pair<std::string, std::string>, std::string> expected;
  std::map<std::string, v1::IndexedDoc> expected_records;
  Analyzer& analyzer = Analyzer::ForThisThread();
  CAIRN_RETURN_IF_ERROR(store_->ScanLessons("", [&](const v1::Lesson& lesson) {
    ++check.lessons;
    Analysis analysis(lesson, &analyzer);
    for (auto& [term, payload] : analysis.postings) {
      expected[{term, lesson.id()}] = std::move(payload);
    }
    expected_records[lesson.id()] = RecordOf(lesson, 0, analysis.words);
    return true;
  }));
  check.postings = expected.size();

  std::map<uint32_t, std::string> id_of;
  CAIRN_RETURN_IF_ERROR(store_->ScanSearchDocs([&](absl::string_view id, absl::string_view bytes) {
    v1::IndexedDoc record;
    if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      problem(absl::StrCat("the record of ", id, " does not parse"));
      return true;
    }
    id_of[record.doc()] = std::string(id);
    auto it = expected_records.find(std::string(id));
    if (it == expected_records.end()) {
      problem(absl::StrCat("the index holds ", id, ", which is not stored"));
      return true;
    }
    it->second.set_doc(record.doc());
    if (it->second.SerializeAsString() != record.SerializeAsString()) {
      problem(absl::StrCat("the record of ", id, " is out of date"));
    }
    expected_records.erase(it);
    return true;
  }));
  for (const auto& [id, record] : expected_records) problem(absl::StrCat(id, " is not indexed"));
  {
    absl::ReaderMutexLock lock(&mu_);
    if (doc_numbers_.size() != id_of.size()) {
      problem(absl::StrCat("the index has ", id_of.size(), " records on disk but ",
                           doc_numbers_.size(), " in memory"));
    }
    for (const auto& [number, id] : id_of) {
      auto it = doc_numbers_.find(id);
      if (it == doc_numbers_.end() || it->second != number) {
        problem(absl::StrCat("the in-memory table disagrees about ", id));
      }
    }
  }
  CAIRN_RETURN_IF_ERROR(store_->ScanPostings("", [&](absl::string_view key, absl::string_view block) {
    size_t nul = key.find('\0');
    std::string term(key.substr(0, nul));
    DocBlockReader reader(block);
    DocEntry entry;
    while (reader.Next(&entry)) {
      auto id = id_of.find(entry.doc);
      if (id == id_of.end()) {
        problem(absl::StrCat("'", term, "' lists document ", entry.doc, ", which has no record"));
        continue;
      }
      auto it = expected.find({term, id->second});
      if (it == expected.end()) {
        problem(absl::StrCat("'", term, "' lists ", id->second, ", which does not contain it"));
      } else {
        if (it->second != entry.payload) {
          problem(absl::StrCat("'", term, "' in ", id->second, ": positions are out of date"));
        }
        expected.erase(it);
      }
    }
    if (reader.corrupt()) problem(absl::StrCat("a postings block of '", term, "' is corrupt"));
    return true;
  }));
  for (const auto& [key, payload] : expected) {
    problem(absl::StrCat("'", key.first, "' is missing from the postings of ", key.second));
  }
  return check;
}

}  // namespace cairn::search
