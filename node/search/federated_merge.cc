#include "node/search/federated_merge.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "node/lessons/validation.h"
#include "node/policy/sharing.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_match.h"
#include "node/search/lesson_text.h"

namespace cairn::search {
namespace {

constexpr size_t kFacetValues = 10;
constexpr size_t kMaxFacetValueBytes = 128;
constexpr size_t kMaxLessonIdBytes = 128;  // an org id (63) and a ULID (26) fit well within it  // a topic's limit; sectors and orgs are shorter
constexpr const char* kFacetFields[] = {"sector", "org", "topic", "status"};

// Why `lesson` from `peer`'s answer may not be believed; empty when it may.
// Its analysis against the plan goes to `match`.
std::string WhyNotBelieved(const QueryPlan& plan, const std::string& peer, const v1::Lesson& lesson,
                           const KnownSectors& sectors, const LessonVerifier& verifier,
                           Analyzer* analyzer, LessonMatch* match) {
  if (absl::Status offered = CheckOfferedLesson(lesson, peer, sectors); !offered.ok()) {
    return absl::StrCat("lesson ", lesson.id(), ": ", offered.message());
  }
  if (absl::Status signature = verifier.Verify(lesson); !signature.ok()) {
    return std::string(signature.message());  // names the lesson
  }
  *match = MatchLesson(plan, lesson, analyzer);
  if (!match->matches) {
    return absl::StrCat("lesson ", lesson.id(), ": does not match the query");
  }
  return "";
}

// The facets of a peer's answer that can be believed of any answer: known fields, short valid
// values, counts no larger than its total.
google::protobuf::RepeatedPtrField<v1::Facet> BoundedFacets(
    const google::protobuf::RepeatedPtrField<v1::Facet>& facets, uint64_t total) {
  google::protobuf::RepeatedPtrField<v1::Facet> bounded;
  absl::flat_hash_set<std::string> fields;
  for (const v1::Facet& facet : facets) {
    bool known = std::find(std::begin(kFacetFields), std::end(kFacetFields), facet.field()) !=
                 std::end(kFacetFields);
    if (!known || !fields.insert(facet.field()).second) continue;
    v1::Facet* kept = bounded.Add();
    kept->set_field(facet.field());
    absl::flat_hash_set<std::string> values;
    for (const v1::FacetValue& value : facet.values()) {
      if (static_cast<size_t>(kept->values_size()) >= kFacetValues) break;
      if (value.value().empty() || value.value().size() > kMaxFacetValueBytes ||
          !IsValidUtf8(value.value()) || value.count() == 0 || !values.insert(value.value()).second) {
        continue;
      }
      v1::FacetValue* counted = kept->add_values();
      counted->set_value(value.value());
      counted->set_count(std::min(value.count(), total));
    }
  }
  return bounded;
}

void MergeFacets(const std::vector<NodeAnswer>& answers, v1::FederatedSearchResult* result) {
  std::map<std::string, absl::flat_hash_map<std::string, uint64_t>> counts;
  for (const NodeAnswer& answer : answers) {
    for (const v1::Facet& facet : answer.facets) {
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

CheckedAnswer CheckPeerAnswer(const QueryPlan& plan, const std::string& peer, size_t max_results,
                              v1::PeerQueryResponse response, const KnownSectors& sectors,
                              const LessonVerifier& verifier) {
  CheckedAnswer checked;
  NodeAnswer& answer = checked.answer;
  answer.org = peer;
  Analyzer& analyzer = Analyzer::ForThisThread();
  absl::flat_hash_set<std::string> seen;
  uint64_t left_out = 0;  // the plan's leave_out, once at most in an honest answer
  const size_t sent = static_cast<size_t>(response.lessons_size());
  for (size_t i = 0; i < sent && i < max_results; ++i) {
    v1::Lesson& lesson = *response.mutable_lessons(static_cast<int>(i));
    if (lesson.id().size() > kMaxLessonIdBytes) {
      // Not echoed: the reasons go to the audit log and the analyst's screen.
      checked.rejections.push_back({"", lesson.version(),
                                    absl::StrCat("a lesson id of ", lesson.id().size(),
                                                 " bytes, over the ", kMaxLessonIdBytes,
                                                 " any lesson id has")});
      continue;
    }
    // More like this: the lesson it starts from is no answer, and a peer holding a copy could
    // not know to leave it out (it is never told which lesson the words came from).
    if (!plan.leave_out.empty() && lesson.id() == plan.leave_out) {
      ++left_out;
      continue;
    }
    LessonMatch match;
    std::string why = seen.contains(lesson.id())
                          ? absl::StrCat("lesson ", lesson.id(), ": returned more than once")
                          : WhyNotBelieved(plan, peer, lesson, sectors, verifier, &analyzer, &match);
    if (!why.empty()) {
      checked.rejections.push_back({lesson.id(), lesson.version(), std::move(why)});
      continue;
    }
    seen.insert(lesson.id());
    double score = i < static_cast<size_t>(response.scores_size()) ? response.scores(i) : 0;
    answer.scores.push_back(std::isfinite(score) && score > 0 ? score : 0);
    answer.lessons.push_back(std::move(lesson));
    answer.matches.push_back(std::move(match));
  }
  checked.rejected = checked.rejections.size();
  if (sent > max_results) {
    checked.rejected += sent - max_results;
    checked.rejections.push_back({"", 0, absl::StrCat("sent ", sent, " lessons where at most ",
                                                      max_results, " were asked for")});
  }
  uint64_t claimed = response.total_hits();
  uint64_t total = claimed - std::min(claimed, checked.rejected + left_out);
  answer.total_hits = std::max<uint64_t>(std::min(total, kMaxReportedHits), answer.lessons.size());
  answer.facets = BoundedFacets(response.facets(), answer.total_hits);
  return checked;
}

NodeAnswer OwnAnswer(const QueryPlan& plan, std::string org, v1::PeerQueryResponse response) {
  NodeAnswer answer;
  answer.org = std::move(org);
  answer.lessons.assign(std::make_move_iterator(response.mutable_lessons()->begin()),
                        std::make_move_iterator(response.mutable_lessons()->end()));
  answer.scores.assign(response.scores().begin(), response.scores().end());
  answer.total_hits = response.total_hits();
  answer.facets = std::move(*response.mutable_facets());
  Analyzer& analyzer = Analyzer::ForThisThread();
  for (const v1::Lesson& lesson : answer.lessons) {
    answer.matches.push_back(MatchLesson(plan, lesson, &analyzer));
  }
  return answer;
}

v1::FederatedSearchResult MergeAnswers(const QueryPlan& plan, const std::string& self_org,
                                       const QueryStatistics& here,
                                       const HeldVersions& held_here,
                                       const std::vector<NodeAnswer>& answers, size_t page_size) {
  // Which answer's copy of a lesson to show, among equal versions: the origin's, then ours.
  auto rank = [&self_org](const v1::Lesson& lesson, const std::string& from) {
    return from == lesson.origin_org() ? 0 : from == self_org ? 1 : 2;
  };
  struct Entry {
    const v1::Lesson* best = nullptr;
    const LessonMatch* match = nullptr;  // the best copy's
    int rank = 0;
    std::vector<std::string> holders;
  };
  std::map<std::string, Entry> lessons;
  uint64_t total = 0;
  for (const NodeAnswer& answer : answers) {
    total += answer.total_hits;
    for (size_t i = 0; i < answer.lessons.size(); ++i) {
      const v1::Lesson& lesson = answer.lessons[i];
      Entry& entry = lessons[lesson.id()];
      int from = rank(lesson, answer.org);
      if (entry.best == nullptr || lesson.version() > entry.best->version() ||
          (lesson.version() == entry.best->version() && from < entry.rank)) {
        entry.best = &lesson;
        entry.match = &answer.matches[i];
        entry.rank = from;
      }
      entry.holders.push_back(answer.org);
    }
  }
  // A version older than the one we hold, which our own answer did not return, is out of date.
  std::erase_if(lessons, [&held_here](const auto& id_entry) {
    auto held = held_here.find(id_entry.first);
    return held != held_here.end() && held->second > id_entry.second.best->version();
  });
  v1::FederatedSearchResult result;
  result.set_total_hits(total);
  const std::vector<std::string> terms = plan.Terms();

  // The statistics every hit is scored by: ours, and each lesson brought that we do not hold.
  QueryStatistics statistics = here;
  for (auto& [id, entry] : lessons) {
    const LessonMatch& match = *entry.match;
    if (held_here.contains(id)) continue;
    statistics.corpus.documents += 1;
    for (int field = 0; field < kFields; ++field) {
      statistics.corpus.words[field] += match.words[field];
    }
    for (const auto& [term, counts] : match.counts) statistics.containing[term] += 1;
  }
  std::vector<std::pair<double, v1::FederatedHit>> scored;
  for (auto& [id, entry] : lessons) {
    double score = ScoreLesson(plan, *entry.match, statistics);
    v1::FederatedHit hit;
    hit.mutable_hit()->set_lesson_id(id);
    hit.mutable_hit()->set_score(score);
    for (std::string& holder : entry.holders) hit.add_holders(std::move(holder));
    scored.emplace_back(score, std::move(hit));
  }
  size_t shown = std::min(page_size, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + shown, scored.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second.hit().lesson_id() < b.second.hit().lesson_id();
  });
  for (size_t i = 0; i < shown; ++i) {
    v1::FederatedHit& hit = scored[i].second;
    const std::string& id = hit.hit().lesson_id();
    DescribeHit(*lessons[id].best, terms, hit.mutable_hit());
    for (v1::Equivalent& via : ViaVocabulary(plan, *lessons[id].match)) {
      *hit.mutable_hit()->add_via_vocabulary() = std::move(via);
    }
    *result.add_hits() = std::move(hit);
  }
  MergeFacets(answers, &result);
  return result;
}

}  // namespace cairn::search
