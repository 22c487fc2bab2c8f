// MatchesQuery decides of one lesson exactly what the index decides of all: the asking node of a
// federated search relies on it to refuse lessons a peer passes off as answers.
#include "node/search/lesson_match.h"

#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "node/search/search_index.h"
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
  int clauses = random() % 4;
  for (int i = 0; i < clauses; ++i) {
    if (!query.empty()) absl::StrAppend(&query, random() % 3 == 0 ? " OR " : " ");
    switch (random() % 4) {
      case 0: absl::StrAppend(&query, "\"", Words(random, 2), "\""); break;
      case 1: absl::StrAppend(&query, "-", Words(random, 1)); break;
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
  Analyzer analyzer;
  int queries = 0, nonempty = 0;
  while (queries < 600) {
    std::string text = RandomQuery(random);
    absl::StatusOr<Query> query = ParseQuery(text);
    if (!query.ok()) continue;  // e.g. OR next to an exclusion
    ++queries;
    v1::SearchRequest request;
    request.set_query(text);
    request.set_page_size(100);
    request.set_skip_snippets(true);
    absl::StatusOr<v1::SearchResponse> response = index->Search(request);
    ASSERT_TRUE(response.ok()) << text << ": " << response.status();
    std::set<std::string> by_index, by_lesson;
    for (const v1::SearchHit& hit : response->hits()) by_index.insert(hit.lesson_id());
    for (const v1::Lesson& lesson : lessons) {
      if (MatchesQuery(*query, lesson, &analyzer)) by_lesson.insert(lesson.id());
    }
    ASSERT_EQ(by_index, by_lesson) << text;
    nonempty += !by_index.empty();
  }
  EXPECT_GT(nonempty, 200) << "the queries must match something often enough to test anything";
}

}  // namespace
}  // namespace cairn::search
