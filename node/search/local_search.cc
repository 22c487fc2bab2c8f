// SearchIndex, local search: a page of results for this node's own analysts, with page tokens,
// facets and snippets. The class's other jobs are in the files search_index_internal.h lists.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "node/common/page_token.h"
#include "node/common/status_macros.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_match.h"
#include "node/search/lesson_text.h"
#include "node/search/query.h"
#include "node/search/query_plan.h"
#include "node/search/search_index.h"
#include "node/search/search_index_internal.h"
#include "node/search/stable_hash.h"

namespace cairn::search {

absl::StatusOr<v1::SearchResponse> SearchIndex::Search(const v1::SearchRequest& request,
                                                       const Vocabulary& vocabulary) const {
  CAIRN_ASSIGN_OR_RETURN(PlannedSearch search, Plan(request.query(), request.all_words(),
                                                    request.like_lesson_id(), vocabulary));
  const QueryPlan& plan = search.plan;
  Analyzer& analyzer = Analyzer::ForThisThread();
  size_t page_size = request.has_page_size() ? request.page_size() : kDefaultPageSize;
  if (page_size == 0 || page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be 1 to ", kMaxPageSize, ", not ", page_size));
  }
  // A page token names its query (and how its words match) by a fingerprint that any process of
  // this node would compute.
  const std::string fingerprint = absl::StrCat(StableHash(absl::StrCat(
      request.all_words() ? "all:" : "",
      request.has_like_lesson_id() ? absl::StrCat("like:", request.like_lesson_id(), ":") : "",
      request.query())));
  size_t offset = 0;
  if (!request.page_token().empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string position, DecodePageToken("search", request.page_token()));
    std::pair<std::string, std::string> parts = absl::StrSplit(position, absl::MaxSplits('/', 1));
    if (parts.first != fingerprint || !absl::SimpleAtoi(parts.second, &offset)) {
      return absl::InvalidArgumentError("page_token: it belongs to a different query");
    }
  }
  if (offset > kMaxResultOffset - page_size) {
    return absl::InvalidArgumentError(absl::StrCat("page_token: results beyond the first ",
                                                   kMaxResultOffset,
                                                   " are not served; refine the query"));
  }

  v1::SearchResponse response;
  // Postings are read before taking the lock, so a slow read never holds up writers.
  const std::optional<uint64_t> settled = SettledVersion();
  size_t docs_read = 0;
  CAIRN_ASSIGN_OR_RETURN(PostingsCache postings, ReadQueryPostings(plan, &docs_read));
  uint64_t total_hits = 0;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (!request.exact_counts() && RanksByText(plan) && settled == table_version_) {
      // The best results, one more to know whether there is a next page, and as many as facets
      // count.
      const size_t wanted = offset + page_size + 1;
      CAIRN_ASSIGN_OR_RETURN(
          Ranked ranked,
          BestByBounds(plan, &postings, Stored(),
                       request.skip_facets() ? wanted : std::max(wanted, kFacetsOverBest)));
      for (size_t i = offset; i < ranked.docs.size() && i < offset + page_size; ++i) {
        v1::SearchHit* hit = response.add_hits();
        hit->set_lesson_id(docs_[ranked.docs[i]]->id);
        hit->set_score(ranked.scores[i]);
      }
      total_hits = ranked.matches;
      response.set_total_hits_at_least(!ranked.every_match);
      if (!request.skip_facets()) {
        AddFacetsOfBest(ranked, response.mutable_facets());
        response.set_facets_over_best(kFacetsOverBest);
      }
    } else {
      Evaluation evaluation;
      Corpus corpus = Stored();
      corpus.docs_read = docs_read;
      CAIRN_RETURN_IF_ERROR(Evaluate(plan, &postings, corpus, &evaluation));
      if (!request.skip_facets()) AddFacets(evaluation.docs, response.mutable_facets());
      CAIRN_ASSIGN_OR_RETURN(std::vector<size_t> order,
                             Best(plan, postings, offset + page_size, &evaluation));
      for (size_t i = offset; i < order.size(); ++i) {
        v1::SearchHit* hit = response.add_hits();
        hit->set_lesson_id(docs_[evaluation.docs[order[i]]]->id);
        hit->set_score(evaluation.scores[order[i]]);
      }
      total_hits = evaluation.docs.size();
    }
  }
  response.set_total_hits(total_hits);
  if (offset + page_size < total_hits) {
    response.set_next_page_token(
        EncodePageToken("search", absl::StrCat(fingerprint, "/", offset + page_size)));
  }
  if (!request.skip_snippets()) {
    const std::vector<std::string> terms = plan.Terms();
    for (v1::SearchHit& hit : *response.mutable_hits()) {
      absl::StatusOr<v1::Lesson> lesson = store_->GetLesson(hit.lesson_id());
      if (absl::IsNotFound(lesson.status())) continue;  // deleted a moment ago
      CAIRN_RETURN_IF_ERROR(lesson.status());
      DescribeHit(*lesson, terms, &hit);
      if (plan.equivalents.empty()) continue;
      for (v1::Equivalent& via : ViaVocabulary(plan, MatchLesson(plan, *lesson, &analyzer))) {
        *hit.add_via_vocabulary() = std::move(via);
      }
    }
  }
  // Respelling reads a lesson, which "ids and scores only" promises not to.
  CAIRN_ASSIGN_OR_RETURN(*response.mutable_interpretation(),
                         Interpret(search, !request.skip_snippets()));
  return response;
}

}  // namespace cairn::search
