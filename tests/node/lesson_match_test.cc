// MatchesQuery decides of one lesson exactly what the index decides of all, and ScoreLesson scores
// it as the index does: the asking node of a federated search relies on the first to refuse
// lessons a peer passes off as answers, and on the second to rank what the answers bring.
#include "node/search/lesson_match.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "node/search/percolator.h"
#include "node/search/query_plan.h"
#include "node/search/search_index.h"
#include "node/search/vocabulary.h"
#include "tests/support/temp_dir.h"

namespace cairn::search {
namespace {

const std::vector<std::string> kWords = {"radio", "batteries", "battery", "tablet", "the",
                                         "wireless", "charger", "of", "shift", "handset"};
const std::vector<std::string> kTopics = {"mobile-working", "estates", "Device-Care"};
const std::vector<std::string> kSectors = {"policing", "health", "local-government"};

std::string Words(std::mt19937& random, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) absl::StrAppend(&text, i ? " " : "", kWords[random() % kWords.size()]);
  return text;
}

v1::Lesson RandomLesson(std::mt19937& random, int n) {
  v1::Lesson lesson;
  lesson.set_id(absl::StrCat("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5F", 10 + n));
  lesson.set_origin_org(random() % 2 ? "leeds-council" : "west-police");
  lesson.set_origin_sector(kSectors[random() % kSectors.size()]);
  lesson.set_version(1);
  lesson.set_title(Words(random, 1 + random() % 3));
  if (random() % 2) lesson.set_summary(Words(random, 1 + random() % 4));
  if (random() % 2) lesson.set_lesson(Words(random, random() % 6));
  if (random() % 3 == 0) lesson.add_recommendations(Words(random, 1 + random() % 3));
  if (random() % 2) lesson.add_topics(kTopics[random() % kTopics.size()]);
  lesson.set_marking(random() % 2 ? v1::TLP_GREEN : v1::TLP_CLEAR);
  lesson.set_status(random() % 4 == 0 ? v1::RETRACTED : v1::LESSON_LEARNED);
  lesson.set_polarity(random() % 2 ? v1::GOOD_PRACTICE : v1::AREA_FOR_IMPROVEMENT);
  if (random() % 2) lesson.mutable_occurred_at()->set_seconds(1500000000 + (random() % 200000000));
  return lesson;
}

std::string RandomQuery(std::mt19937& random) {
  std::string query;
  int clauses = random() % 5;
  for (int i = 0; i < clauses; ++i) {
    if (!query.empty()) {
      int join = random() % 6;
      absl::StrAppend(&query, join == 0 ? " OR " : join == 1 ? " AND " : " ");
    }
    switch (random() % 6) {
      case 0: absl::StrAppend(&query, "\"", Words(random, 2), "\""); break;
      case 1: absl::StrAppend(&query, "-", Words(random, 1)); break;
      case 2: absl::StrAppend(&query, "+", Words(random, 1)); break;
      default: absl::StrAppend(&query, Words(random, 1)); break;
    }
  }
  switch (random() % 6) {
    case 0: absl::StrAppend(&query, " topic:", kTopics[random() % kTopics.size()]); break;
    case 1: absl::StrAppend(&query, " sector:", kSectors[random() % kSectors.size()]); break;
    case 2: absl::StrAppend(&query, " status:retracted"); break;
    case 3: absl::StrAppend(&query, " after:2010-01-01 polarity:good"); break;
    default: break;
  }
  return query;
}

TEST(LessonMatchTest, AgreesWithTheIndexOnRandomLessonsAndQueries) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = *Store::Open(dir.path() + "/db");
  std::unique_ptr<SearchIndex> index = *SearchIndex::Open(store.get());
  std::mt19937 random(20261202);
  std::vector<v1::Lesson> lessons;
  for (int n = 0; n < 90; ++n) {
    lessons.push_back(RandomLesson(random, n));
    ASSERT_TRUE(store->Commit({LessonWrite{lessons.back(), 0}}).ok());
  }
  // Equivalents of the lessons' own words, so that some lessons match only through them.
  absl::StatusOr<Vocabulary> vocabulary = Vocabulary::Parse(
      "tablet, wireless charger, handset\nradio, shift\nbattery, charger\n", "test");
  ASSERT_TRUE(vocabulary.ok()) << vocabulary.status();
  Analyzer analyzer;
  int queries = 0, nonempty = 0, widened = 0, natural_beyond_strict = 0;
  while (queries < 800) {
    std::string text = RandomQuery(random);
    absl::StatusOr<Query> query = ParseQuery(text);
    if (!query.ok()) continue;  // e.g. OR next to an exclusion
    ++queries;
    const bool all_words = random() % 3 == 0;
    v1::SearchRequest request;
    request.set_query(text);
    request.set_page_size(100);
    request.set_skip_snippets(true);
    request.set_all_words(all_words);
    absl::StatusOr<v1::SearchResponse> response = index->Search(request, *vocabulary);
    ASSERT_TRUE(response.ok()) << text << ": " << response.status();
    absl::StatusOr<QueryPlan> plan =
        PlanQuery(*query, all_words, Widen(*query, all_words, *vocabulary, &analyzer), &analyzer);
    ASSERT_TRUE(plan.ok()) << text << ": " << plan.status();
    widened += !plan->equivalents.empty();

    // The statistics the index scored by, as a federated answer reports them.
    v1::PeerQueryRequest asked;
    asked.set_query(text);
    asked.set_max_results(100);
    asked.set_all_words(all_words);
    for (const v1::Equivalent& equivalent : plan->equivalents) *asked.add_equivalents() = equivalent;
    QueryStatistics statistics;
    ASSERT_TRUE(index->AnswerHere(asked, &statistics).ok()) << text;

    std::map<std::string, double> by_index, by_lesson;
    for (const v1::SearchHit& hit : response->hits()) by_index[hit.lesson_id()] = hit.score();
    for (const v1::Lesson& lesson : lessons) {
      LessonMatch match = MatchLesson(*plan, lesson, &analyzer);
      if (match.matches) by_lesson[lesson.id()] = ScoreLesson(*plan, match, statistics);
    }
    ASSERT_EQ(by_index.size(), by_lesson.size()) << text << (all_words ? " (all words)" : "");
    for (const auto& [id, score] : by_index) {
      ASSERT_TRUE(by_lesson.contains(id)) << text << ": " << id;
      EXPECT_NEAR(score, by_lesson[id], 1e-9 * std::max(1.0, score)) << text << ": " << id;
    }
    nonempty += !by_index.empty();
    if (!all_words && !by_index.empty()) {
      request.set_all_words(true);
      absl::StatusOr<v1::SearchResponse> strict = index->Search(request, *vocabulary);
      ASSERT_TRUE(strict.ok()) << text;
      natural_beyond_strict += strict->total_hits() < response->total_hits();
    }
  }
  EXPECT_GT(nonempty, 250) << "the queries must match something often enough to test anything";
  EXPECT_GT(widened, 100) << "the vocabulary must widen queries often enough to test it";
  EXPECT_GT(natural_beyond_strict, 50) << "natural queries must often find more than strict ones";
}

// The best k, proximity bonus and all, are the first k of the whole ranking, for every k: Best
// stops early only when no document left could reach them.
TEST(LessonMatchTest, TheBestKAreTheFirstKOfTheWholeRanking) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = *Store::Open(dir.path() + "/db");
  std::unique_ptr<SearchIndex> index = *SearchIndex::Open(store.get());
  std::mt19937 random(7);
  for (int n = 0; n < 300; ++n) {
    v1::Lesson lesson = RandomLesson(random, n);
    lesson.set_id(absl::StrCat("leeds-council:01ARZ3NDEKTSV4RRFFQ6", 100000 + n));
    lesson.set_summary(Words(random, 1 + random() % 8));
    lesson.set_lesson(Words(random, random() % 12));
    ASSERT_TRUE(store->Commit({LessonWrite{lesson, 0}}).ok());
  }
  int compared = 0;
  for (int q = 0; q < 150; ++q) {
    v1::SearchRequest whole;
    whole.set_query(Words(random, 2 + random() % 3));
    whole.set_page_size(100);
    whole.set_skip_snippets(true);
    whole.set_skip_facets(true);
    absl::StatusOr<v1::SearchResponse> all = index->Search(whole);
    ASSERT_TRUE(all.ok()) << all.status();
    for (int k : {1, 2, 3, 5, 10, 20}) {
      v1::SearchRequest some = whole;
      some.set_page_size(k);
      absl::StatusOr<v1::SearchResponse> top = index->Search(some);
      ASSERT_TRUE(top.ok());
      for (int i = 0; i < top->hits_size(); ++i, ++compared) {
        ASSERT_EQ(top->hits(i).lesson_id(), all->hits(i).lesson_id()) << whole.query() << " k=" << k;
        ASSERT_EQ(top->hits(i).score(), all->hits(i).score()) << whole.query() << " k=" << k;
      }
    }
  }
  EXPECT_GT(compared, 3000);
}


// The percolator, which tests each lesson only against the saved searches its words could
// match, finds for every lesson exactly the saved searches that match it one by one.
TEST(PercolatorTest, FindsExactlyTheSavedSearchesEachLessonMatches) {
  std::mt19937 random(20261203);
  absl::StatusOr<Vocabulary> vocabulary = Vocabulary::Parse(
      "tablet, wireless charger, handset\nradio, shift\nbattery, charger\n", "test");
  ASSERT_TRUE(vocabulary.ok()) << vocabulary.status();
  Analyzer analyzer;
  Percolator percolator;
  std::map<std::string, QueryPlan> saved;
  while (saved.size() < 400) {
    std::string text = RandomQuery(random);
    absl::StatusOr<Query> query = ParseQuery(text);
    if (!query.ok()) continue;
    const bool all_words = random() % 3 == 0;
    absl::StatusOr<QueryPlan> plan =
        PlanQuery(*query, all_words, Widen(*query, all_words, *vocabulary, &analyzer), &analyzer);
    ASSERT_TRUE(plan.ok()) << text;
    const std::string key = absl::StrCat("search ", saved.size(), ": ", text);
    percolator.Add(key, *plan);
    saved.emplace(key, *std::move(plan));
  }
  // Removed ones match nothing.
  for (int i = 0; i < 40; ++i) {
    auto it = std::next(saved.begin(), random() % saved.size());
    percolator.Remove(it->first);
    saved.erase(it);
  }
  ASSERT_EQ(percolator.size(), saved.size());
  int matched = 0, tested_fewer = 0;
  // Past 256 and 512 lessons, the searches are listed again under the terms fewest lessons held.
  for (int n = 0; n < 600; ++n) {
    v1::Lesson lesson = RandomLesson(random, n);
    std::vector<std::string> expected;
    for (const auto& [key, plan] : saved) {
      if (MatchesQuery(plan, lesson, &analyzer)) expected.push_back(key);
    }
    AnalysedLesson analysed = AnalyseLesson(lesson, &analyzer);
    ASSERT_EQ(percolator.Match(analysed), expected) << lesson.DebugString();
    matched += !expected.empty();
    size_t anchored = 0;
    for (const auto& [key, plan] : saved) {
      std::vector<std::string> anchors = Percolator::Anchors(plan);
      anchored += anchors.empty() || std::any_of(anchors.begin(), anchors.end(), [&](auto& term) {
                    return analysed.by_term.contains(term);
                  });
    }
    tested_fewer += anchored < saved.size();
  }
  EXPECT_GT(matched, 400) << "lessons must match saved searches often enough to test anything";
  EXPECT_GT(tested_fewer, 400) << "the anchors must leave most lessons fewer searches to test";
}

}  // namespace
}  // namespace cairn::search
