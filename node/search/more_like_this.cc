// More like this: choosing a lesson's words, the query they make, to whom they may go, and
// (SearchIndex::Plan, in search_index.h) planning a search of them from this node's index.
#include "node/search/more_like_this.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/policy/sharing.h"
#include "node/search/lesson_text.h"
#include "node/search/query.h"
#include "node/search/ranking.h"
#include "node/search/search_index.h"
#include "node/search/search_index_internal.h"

namespace cairn::search {

std::vector<std::string> DistinctiveWords(const v1::Lesson& lesson,
                                          absl::FunctionRef<double(const std::string& term)> idf_of,
                                          size_t count, Analyzer* analyzer) {
  struct Word {
    std::string written;   // first as written, lower-cased
    size_t first = 0;      // its order of first appearance
    double frequency = 0;  // field-weighted
  };
  absl::flat_hash_map<std::string, Word> words;  // by term
  ForEachLessonWord(lesson, analyzer,
                    [&](int field, absl::string_view term, absl::string_view written) {
                      if (std::all_of(written.begin(), written.end(), absl::ascii_isdigit)) return;
                      auto [it, added] = words.try_emplace(term);
                      if (added) {
                        it->second.written = absl::AsciiStrToLower(written);
                        it->second.first = words.size();
                      }
                      it->second.frequency += kFieldWeights[field];
                    });
  std::vector<std::pair<double, const Word*>> scored;
  scored.reserve(words.size());
  for (const auto& [term, word] : words) {
    scored.emplace_back(std::log1p(word.frequency) * idf_of(term), &word);
  }
  // Best first; among equals, the one written first, so the choice never depends on hashing.
  auto better = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second->first < b.second->first;
  };
  count = std::min(count, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + count, scored.end(), better);
  scored.resize(count);
  std::sort(scored.begin(), scored.end(),
            [](const auto& a, const auto& b) { return a.second->first < b.second->first; });
  std::vector<std::string> chosen;
  for (const auto& [score, word] : scored) chosen.push_back(word->written);
  return chosen;
}

absl::StatusOr<std::string> LikeQueryText(absl::string_view narrowing,
                                          const std::vector<std::string>& words) {
  std::string text(narrowing);
  size_t clauses = 0;
  if (!absl::StripAsciiWhitespace(narrowing).empty()) {
    CAIRN_ASSIGN_OR_RETURN(Query query, ParseQuery(narrowing));
    for (const Clause& clause : query.clauses) clauses += clause.alternatives.size();
  }
  for (const std::string& word : words) {
    if (clauses == kMaxClauses || text.size() + 1 + word.size() > kMaxQueryBytes) break;
    if (!text.empty()) text += ' ';
    text += word;
    ++clauses;
  }
  return text;
}

bool WordsMayGoTo(const v1::Lesson& lesson, absl::string_view holder_org, const v1::Peer& peer,
                  const v1::PeerPolicy* policy) {
  if (peer.org_id() == lesson.origin_org()) return true;  // its own words
  const std::string text = SearchableText(lesson);
  for (SharingChannel channel : {SharingChannel::kQuery, SharingChannel::kReplication}) {
    std::optional<v1::Lesson> view = ExportView(lesson, holder_org, peer, policy, channel);
    if (view && SearchableText(*view) == text) return true;
  }
  return false;
}

absl::StatusOr<SearchIndex::PlannedSearch> SearchIndex::Plan(absl::string_view text, bool all_words,
                                                             const std::string& like_lesson_id,
                                                             const Vocabulary& vocabulary) const {
  PlannedSearch search;
  Analyzer& analyzer = Analyzer::ForThisThread();
  std::string query_text(text);
  if (!like_lesson_id.empty()) {
    if (all_words) {
      return absl::InvalidArgumentError(
          "all_words: more like this finds lessons holding any of a lesson's words, not all");
    }
    absl::StatusOr<v1::Lesson> lesson = store_->GetLesson(like_lesson_id);
    if (absl::IsNotFound(lesson.status())) {
      return absl::NotFoundError(
          absl::StrCat("like_lesson_id: this node holds no lesson ", like_lesson_id));
    }
    CAIRN_RETURN_IF_ERROR(lesson.status());
    search.like = *std::move(lesson);
    // How many lessons here hold each of the lesson's terms, each read once.
    double documents = 0;
    {
      absl::ReaderMutexLock lock(&mu_);
      documents = static_cast<double>(live_docs_);
    }
    absl::flat_hash_map<std::string, double> idf;
    absl::Status read = absl::OkStatus();
    std::vector<std::string> words = DistinctiveWords(
        *search.like,
        [&](const std::string& term) {
          auto [it, added] = idf.try_emplace(term, 0);
          if (!added || !read.ok()) return it->second;
          absl::StatusOr<Postings> postings = ReadPostings(term, /*with_positions=*/false);
          if (!postings.ok()) {
            read = postings.status();
            return 0.0;
          }
          it->second = Idf(documents, static_cast<double>(postings->docs.size()));
          return it->second;
        },
        kLikeWords, &analyzer);
    CAIRN_RETURN_IF_ERROR(read);
    if (words.empty() && absl::StripAsciiWhitespace(text).empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("like_lesson_id: lesson ", like_lesson_id, " has no words to search by"));
    }
    CAIRN_ASSIGN_OR_RETURN(query_text, LikeQueryText(text, words));
  }
  CAIRN_ASSIGN_OR_RETURN(search.query, ParseQuery(query_text));
  search.equivalents = Widen(search.query, all_words, vocabulary, &analyzer);
  CAIRN_ASSIGN_OR_RETURN(search.plan,
                         PlanQuery(search.query, all_words, search.equivalents, &analyzer));
  if (search.like) {
    search.plan.leave_out = search.like->id();
    search.plan.other_than_sector = absl::AsciiStrToLower(search.like->origin_sector());
  }
  return search;
}

}  // namespace cairn::search
