// SearchIndex, interpretation: what a query searched for, told to this node's analysts, with
// the words no lesson here holds and the spellings this index suggests for them. Suggestions
// come from this node's own index, never a peer's: a peer's words would tell of lessons the
// asker may not see. The class's other jobs are in the files search_index_internal.h lists.
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_text.h"
#include "node/search/posting.h"
#include "node/search/query_plan.h"
#include "node/search/search_index.h"
#include "node/search/search_index_internal.h"
#include "node/search/spelling.h"
#include "node/storage/doc_block.h"

namespace cairn::search {
namespace {

// How long the index's list of its terms is used before it is read again: suggestions may miss
// a word first written within that time.
constexpr absl::Duration kTermsLifetime = absl::Minutes(1);
// Unknown words of one query respelt, and equally near candidates weighed for each: bounds on
// what a suggestion costs.
constexpr size_t kMaxRespelt = 3;
constexpr size_t kMaxCandidates = 8;

}  // namespace

absl::StatusOr<std::optional<uint32_t>> SearchIndex::FirstDocHolding(
    const std::string& term) const {
  std::optional<uint32_t> first;
  CAIRN_RETURN_IF_ERROR(
      store_->ScanPostings(TermPrefix(term), [&](absl::string_view, absl::string_view block) {
        DocBlockSummary summary;
        absl::string_view entries;
        DocEntry entry;
        DocBlockReader reader(ReadStoredDocBlock(block, &summary, &entries) ? entries : "");
        if (reader.Next(&entry)) first = entry.doc;
        return !first.has_value();  // an emptied block says nothing; the next may
      }));
  return first;
}

absl::StatusOr<std::shared_ptr<const std::vector<std::string>>> SearchIndex::KnownTerms() const {
  auto fresh = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(terms_mu_) {
    return known_terms_ != nullptr && absl::Now() - terms_read_ < kTermsLifetime;
  };
  {
    absl::MutexLock lock(&terms_mu_);
    if (fresh()) return known_terms_;
  }
  // One query reads the terms again; others wanting them meanwhile wait for its reading.
  absl::MutexLock reading(&terms_reading_mu_);
  {
    absl::MutexLock lock(&terms_mu_);
    if (fresh()) return known_terms_;
  }
  auto terms = std::make_shared<std::vector<std::string>>();
  CAIRN_RETURN_IF_ERROR(store_->SkipThroughPostingsKeys("", [&](absl::string_view key) {
    absl::string_view term = key.substr(0, key.find('\0'));
    terms->emplace_back(term);
    return absl::StrCat(term, std::string(1, '\1'));  // past every block of this term
  }));
  absl::MutexLock lock(&terms_mu_);
  known_terms_ = std::move(terms);
  terms_read_ = absl::Now();
  return known_terms_;
}

absl::StatusOr<std::string> SearchIndex::WordAsWritten(const std::string& term) const {
  CAIRN_ASSIGN_OR_RETURN(std::optional<uint32_t> doc, FirstDocHolding(term));
  std::string id;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (!doc || *doc >= docs_.size() || docs_[*doc] == nullptr) return term;
    id = docs_[*doc]->id;
  }
  absl::StatusOr<v1::Lesson> lesson = store_->GetLesson(id);
  if (absl::IsNotFound(lesson.status())) return term;  // deleted a moment ago
  CAIRN_RETURN_IF_ERROR(lesson.status());
  const std::string text = SearchableText(*lesson);
  std::string written = term;
  bool seen = false;
  Analyzer& analyzer = Analyzer::ForThisThread();
  analyzer.ForEachToken(text, 0, [&](absl::string_view stem, uint32_t, uint32_t begin,
                                     uint32_t end) {
    if (seen || stem != term) return;
    seen = true;
    written = absl::AsciiStrToLower(absl::string_view(text).substr(begin, end - begin));
  });
  return written;
}

absl::StatusOr<v1::QueryInterpretation> SearchIndex::Interpret(const PlannedSearch& search,
                                                               bool respell) const {
  const Query& query = search.query;
  const QueryPlan& plan = search.plan;
  v1::QueryInterpretation interpretation;
  if (search.like) {
    v1::LikeLesson& like = *interpretation.mutable_like();
    like.set_lesson_id(search.like->id());
    like.set_title(search.like->title());
    like.set_origin_sector(search.like->origin_sector());
  }
  interpretation.set_all_words(plan.all_words);
  for (const v1::Equivalent& equivalent : plan.equivalents) {
    *interpretation.add_equivalents() = equivalent;
  }
  Analyzer& analyzer = Analyzer::ForThisThread();
  // A word the vocabulary widened is a word, even if no lesson here holds it: not respelt.
  absl::flat_hash_set<std::string> widened;
  for (const v1::Equivalent& equivalent : plan.equivalents) {
    for (Token& token : analyzer.Analyze(equivalent.words())) widened.insert(token.term);
  }
  std::string did_you_mean(query.text);
  bool suggested = false;
  // Replaced from the end, so the positions of earlier words stay true.
  struct Replacement {
    size_t position;
    size_t length;
    std::string with;
  };
  std::vector<Replacement> replacements;
  size_t attempts = 0;  // unknown words respelt, or tried
  for (const Clause& clause : query.clauses) {
    if (clause.excluded) continue;
    for (const TextTerm& typed : clause.alternatives) {
      std::vector<Token> tokens = analyzer.Analyze(typed.text);
      if (tokens.empty()) {
        interpretation.add_ignored(typed.text);
        continue;
      }
      interpretation.add_words(typed.text);
      if (clause.required || plan.all_words) interpretation.add_required(typed.text);
      bool unknown = false;
      for (const Token& token : tokens) {
        CAIRN_ASSIGN_OR_RETURN(std::optional<uint32_t> holding, FirstDocHolding(token.term));
        unknown |= !holding.has_value();
      }
      if (!unknown) continue;
      interpretation.add_unknown(typed.text);
      // Only a single word is respelt.
      if (!respell || attempts >= kMaxRespelt || typed.quoted ||
          tokens.size() != 1 || widened.contains(tokens[0].term)) {
        continue;
      }
      ++attempts;
      CAIRN_ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<std::string>> known, KnownTerms());
      std::vector<std::string> nearest =
          NearestWords({absl::AsciiStrToLower(typed.text), tokens[0].term}, *known);
      // Of several as near, the one most lessons hold.
      std::string best;
      size_t most = 0;
      if (nearest.size() > kMaxCandidates) nearest.resize(kMaxCandidates);
      for (const std::string& candidate : nearest) {
        CAIRN_ASSIGN_OR_RETURN(Postings postings, ReadPostings(candidate, false));
        size_t holding = 0;  // as the blocks count them: not decoded
        for (const Postings::Block& block : postings.blocks) holding += block.summary.entries;
        if (holding > most) {
          most = holding;
          best = candidate;
        }
      }
      if (best.empty()) continue;
      CAIRN_ASSIGN_OR_RETURN(std::string written, WordAsWritten(best));
      replacements.push_back({typed.position - 1, typed.text.size(), std::move(written)});
    }
  }
  for (auto it = replacements.rbegin(); it != replacements.rend(); ++it) {
    did_you_mean.replace(it->position, it->length, it->with);
    suggested = true;
  }
  if (suggested) interpretation.set_did_you_mean(did_you_mean);
  return interpretation;
}

}  // namespace cairn::search
