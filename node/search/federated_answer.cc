// SearchIndex, answers to federated queries: a peer's (Answer) evaluated over exactly what its
// policy lets it see (its view decided as queries need it, the postings read through the view);
// this node's own (AnswerHere) over everything it holds, with the statistics the merge needs. The
// class's other jobs are in the files search_index_internal.h lists.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/crypto/provenance.h"
#include "node/policy/sharing.h"
#include "node/search/analyzer.h"
#include "node/search/peer_view.h"
#include "node/search/posting.h"
#include "node/search/query.h"
#include "node/search/query_plan.h"
#include "node/search/ranking.h"
#include "node/search/search_index.h"
#include "node/search/search_index_internal.h"

namespace cairn::search {
namespace {

absl::StatusOr<size_t> MaxResults(const v1::PeerQueryRequest& request) {
  size_t max_results = request.has_max_results() ? request.max_results() : kDefaultPageSize;
  if (max_results == 0 || max_results > SearchIndex::kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_results: must be 1 to ", SearchIndex::kMaxPageSize, ", not ", max_results));
  }
  return max_results;
}

// Longer than any sector a node records.
constexpr size_t kMaxSectorBytes = 128;

// The plan of a federated query, as the asker widened it and with its sector preference.
absl::StatusOr<QueryPlan> PlanOf(const v1::PeerQueryRequest& request) {
  CAIRN_ASSIGN_OR_RETURN(Query query, ParseQuery(request.query()));
  CAIRN_ASSIGN_OR_RETURN(QueryPlan plan,
                         PlanQuery(query, request.all_words(),
                                   {request.equivalents().begin(), request.equivalents().end()},
                                   &Analyzer::ForThisThread()));
  if (request.prefer_other_than_sector().size() > kMaxSectorBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefer_other_than_sector: over ", kMaxSectorBytes, " bytes"));
  }
  plan.other_than_sector = absl::AsciiStrToLower(request.prefer_other_than_sector());
  return plan;
}

}  // namespace

absl::StatusOr<v1::PeerQueryResponse> SearchIndex::AnswerHere(const v1::PeerQueryRequest& request,
                                                              QueryStatistics* statistics,
                                                              const std::string& leave_out) const {
  CAIRN_ASSIGN_OR_RETURN(QueryPlan plan, PlanOf(request));
  plan.leave_out = leave_out;
  CAIRN_ASSIGN_OR_RETURN(size_t max_results, MaxResults(request));
  size_t docs_read = 0;
  CAIRN_ASSIGN_OR_RETURN(PostingsCache postings, ReadQueryPostings(plan, &docs_read));
  v1::PeerQueryResponse response;
  std::vector<std::pair<std::string, double>> best;  // (lesson id, score), best first
  {
    absl::ReaderMutexLock lock(&mu_);
    Corpus corpus = Stored();
    corpus.docs_read = docs_read;
    Evaluation evaluation;
    CAIRN_RETURN_IF_ERROR(Evaluate(plan, &postings, corpus, &evaluation));
    statistics->corpus = corpus.stats;
    for (const auto& [term, containing] : evaluation.containing) {
      statistics->containing[term] = static_cast<double>(containing);
    }
    response.set_total_hits(evaluation.docs.size());
    AddFacets(evaluation.docs, response.mutable_facets());
    CAIRN_ASSIGN_OR_RETURN(std::vector<size_t> order,
                           Best(plan, postings, max_results, &evaluation));
    for (size_t i : order) best.emplace_back(docs_[evaluation.docs[i]]->id, evaluation.scores[i]);
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
  for (auto& [term_in_cache, stored] : *cache) {
    // A named reference: clang 14 cannot capture a structured binding in the lambdas below.
    const std::string& term = term_in_cache;
    const bool positions = stored.positions;
    Postings seen;
    seen.positions = positions;
    seen.decoded = true;
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
  CAIRN_ASSIGN_OR_RETURN(QueryPlan plan, PlanOf(request));
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
    size_t docs_read = 0;
    CAIRN_ASSIGN_OR_RETURN(PostingsCache postings, ReadQueryPostings(plan, &docs_read));
    absl::ReaderMutexLock lock(&mu_);
    absl::MutexLock view_lock(&view->mu);
    if (view->peer_version != audience.peer.version() || view->policy_version != policy_version ||
        resets_ != resets) {
      if (attempt < 3) continue;
      return absl::UnavailableError(
          absl::StrCat("the record or policy of peer ", audience.peer.org_id(),
                       " or the index changed during the query; ask again"));
    }
    CAIRN_RETURN_IF_ERROR(DecodePostings(&postings));
    SeeThrough(*view, &postings);
    const Corpus corpus{CorpusStats{static_cast<double>(view->visible), view->words}, view,
                        docs_read};
    if (!request.exact_counts() && RanksByText(plan)) {
      // Only what the peer may see is in the postings now, so bounds, counts and facets are of
      // its view alone.
      CAIRN_ASSIGN_OR_RETURN(Ranked ranked, BestByBounds(plan, &postings, corpus,
                                                         std::max(max_results, kFacetsOverBest)));
      response.set_total_hits(ranked.matches);
      response.set_total_hits_at_least(!ranked.every_match);
      AddFacetsOfBest(ranked, response.mutable_facets());
      response.set_facets_over_best(kFacetsOverBest);
      for (size_t i = 0; i < ranked.docs.size() && i < max_results; ++i) {
        best.emplace_back(docs_[ranked.docs[i]]->id, ranked.scores[i]);
      }
      break;
    }
    Evaluation evaluation;
    CAIRN_RETURN_IF_ERROR(Evaluate(plan, &postings, corpus, &evaluation));
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
    CAIRN_ASSIGN_OR_RETURN(std::vector<size_t> order, Best(plan, postings, max_results, &shown));
    for (size_t i : order) best.emplace_back(docs_[shown.docs[i]]->id, shown.scores[i]);
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

}  // namespace cairn::search
