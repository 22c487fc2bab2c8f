// More like this: which words of a lesson it searches by, the query they make, that the index
// leaves the lesson out and ranks other sectors kOtherSectorBoost higher exactly as a node
// checking an answer scores it, and to which peers a lesson's words may go.
#include "node/search/more_like_this.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/search/lesson_match.h"
#include "node/search/query.h"
#include "node/search/query_plan.h"
#include "node/search/search_index.h"
#include "tests/support/temp_dir.h"

namespace cairn::search {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

v1::Lesson Lesson(const std::string& ulid_tail, const std::string& sector, const std::string& title,
                  const std::string& summary) {
  v1::Lesson lesson;
  lesson.set_id(absl::StrCat("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5F", ulid_tail));
  lesson.set_origin_org("leeds-council");
  lesson.set_origin_sector(sector);
  lesson.set_version(1);
  lesson.set_title(title);
  lesson.set_summary(summary);
  lesson.set_marking(v1::TLP_CLEAR);
  lesson.set_status(v1::LESSON_LEARNED);
  return lesson;
}

TEST(DistinctiveWordsTest, RareWordsFirstChosenInTheLessonsOrderAsWritten) {
  v1::Lesson lesson = Lesson("10", "policing", "Radio Batteries failed in 2019",
                             "The batteries of the radio were common; handsets overheated");
  // "radio" and "common" are in every lesson, "batteri" and "handset" in few.
  std::map<std::string, double> idf = {{"radio", 0.1},   {"common", 0.1}, {"batteri", 2.0},
                                       {"handset", 3.0}, {"fail", 1.0},   {"overh", 1.0}};
  Analyzer analyzer;
  std::vector<std::string> words = DistinctiveWords(
      lesson,
      [&](const std::string& term) {
        auto it = idf.find(term);
        return it == idf.end() ? 1.0 : it->second;
      },
      3, &analyzer);
  // Batteries (title and summary) and handsets beat "failed" (title only, idf 1) and the
  // common words; digits are never chosen; in the order the lesson writes them.
  EXPECT_THAT(words, ElementsAre("batteries", "failed", "handsets"));
  for (const std::string& word : words) {
    ASSERT_EQ(analyzer.Analyze(word).size(), 1u) << word;
  }
  EXPECT_TRUE(DistinctiveWords(
                  lesson, [](const std::string&) { return 1.0; }, 0, &analyzer)
                  .empty());
}

TEST(LikeQueryTextTest, NarrowingFirstThenTheWordsWithinTheQueryLimits) {
  EXPECT_EQ(*LikeQueryText("", {"battery", "radio"}), "battery radio");
  EXPECT_EQ(*LikeQueryText("sector:health +charger", {"battery"}),
            "sector:health +charger battery");
  std::vector<std::string> many;
  for (size_t i = 0; i < kMaxClauses + 5; ++i) many.push_back(absl::StrCat("word", i, "x"));
  absl::StatusOr<std::string> text = LikeQueryText("+radio", many);
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<Query> query = ParseQuery(*text);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->clauses.size(), kMaxClauses);
  absl::StatusOr<std::string> malformed = LikeQueryText("\"unclosed", {"radio"});
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(malformed.status().message(), HasSubstr("query position 1"));
}

class MoreLikeThisIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *Store::Open(dir_.path() + "/db");
    index_ = *SearchIndex::Open(store_.get());
    source_ = Lesson("10", "policing", "Radio batteries overheated on night shifts",
                     "Handset chargers in the van overheated the radio batteries");
    // The same content in two sectors: the other sector's must rank first.
    same_sector_ = Lesson("11", "policing", "Radio batteries overheated in the van",
                          "Chargers overheated the batteries");
    other_sector_ = Lesson("12", "health", "Radio batteries overheated in the van",
                           "Chargers overheated the batteries");
    unrelated_ = Lesson("13", "health", "Ward rotas published late", "Staff missed shifts");
    for (const v1::Lesson* lesson : {&source_, &same_sector_, &other_sector_, &unrelated_}) {
      ASSERT_TRUE(store_->Commit({LessonWrite{*lesson, 0}}).ok());
    }
  }

  absl::StatusOr<v1::SearchResponse> Like(const std::string& id, const std::string& query = "") {
    v1::SearchRequest request;
    request.set_like_lesson_id(id);
    request.set_query(query);
    return index_->Search(request);
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SearchIndex> index_;
  v1::Lesson source_, same_sector_, other_sector_, unrelated_;
};

TEST_F(MoreLikeThisIndexTest, OtherSectorsFirstTheLessonItselfLeftOut) {
  absl::StatusOr<v1::SearchResponse> response = Like(source_.id());
  ASSERT_TRUE(response.ok()) << response.status();
  std::vector<std::string> ids;
  for (const v1::SearchHit& hit : response->hits()) ids.push_back(hit.lesson_id());
  // The unrelated lesson shares "shifts".
  EXPECT_THAT(ids, ElementsAre(other_sector_.id(), same_sector_.id(), unrelated_.id()));
  EXPECT_EQ(response->total_hits(), 3u);
  EXPECT_NEAR(response->hits(0).score(), kOtherSectorBoost * response->hits(1).score(), 1e-9);
  const v1::QueryInterpretation& interpretation = response->interpretation();
  EXPECT_EQ(interpretation.like().lesson_id(), source_.id());
  EXPECT_EQ(interpretation.like().title(), source_.title());
  EXPECT_EQ(interpretation.like().origin_sector(), "policing");
  EXPECT_THAT(interpretation.words(), ::testing::Contains("batteries"));
  EXPECT_THAT(interpretation.words(), Not(::testing::Contains("the")));
}

TEST_F(MoreLikeThisIndexTest, AQueryNarrowsIt) {
  absl::StatusOr<v1::SearchResponse> response = Like(source_.id(), "sector:policing");
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->hits_size(), 1);
  EXPECT_EQ(response->hits(0).lesson_id(), same_sector_.id());
  response = Like(source_.id(), "+rotas");
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->hits_size(), 1);
  EXPECT_EQ(response->hits(0).lesson_id(), unrelated_.id());
}

TEST_F(MoreLikeThisIndexTest, PagesFollowOnAndBelongToTheLessonTheyStartedFrom) {
  v1::SearchRequest request;
  request.set_like_lesson_id(source_.id());
  request.set_page_size(2);
  absl::StatusOr<v1::SearchResponse> first = index_->Search(request);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->hits_size(), 2);
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  absl::StatusOr<v1::SearchResponse> second = index_->Search(request);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->hits_size(), 1);
  EXPECT_EQ(second->hits(0).lesson_id(), unrelated_.id());
  // The same token for more like another lesson is another query's.
  request.set_like_lesson_id(same_sector_.id());
  absl::StatusOr<v1::SearchResponse> other = index_->Search(request);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(), HasSubstr("page_token"));
}

TEST_F(MoreLikeThisIndexTest, BadInputNamesTheField) {
  absl::StatusOr<v1::SearchResponse> unknown = Like("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5F99");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("like_lesson_id"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("01ARZ3NDEKTSV4RRFFQ69G5F99"));
  v1::SearchRequest strict;
  strict.set_like_lesson_id(source_.id());
  strict.set_all_words(true);
  absl::StatusOr<v1::SearchResponse> all_words = index_->Search(strict);
  EXPECT_EQ(all_words.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(all_words.status().message(), HasSubstr("all_words"));
  v1::SearchRequest big_page;
  big_page.set_like_lesson_id(source_.id());
  big_page.set_page_size(SearchIndex::kMaxPageSize + 1);
  absl::StatusOr<v1::SearchResponse> page = index_->Search(big_page);
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(page.status().message(), HasSubstr("page_size"));
  absl::StatusOr<v1::SearchResponse> malformed = Like(source_.id(), "sector:");
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(malformed.status().message(), HasSubstr("query position 1"));
}

// A node checking a peer's answer and merging must match and score as the index does.
TEST_F(MoreLikeThisIndexTest, TheIndexAndOneLessonAtATimeAgree) {
  absl::StatusOr<SearchIndex::PlannedSearch> planned =
      index_->Plan("", false, source_.id(), Vocabulary::Shipped());
  ASSERT_TRUE(planned.ok()) << planned.status();
  v1::PeerQueryRequest asked;
  asked.set_query(planned->query.text);
  asked.set_all_words(false);
  asked.set_prefer_other_than_sector("Policing");  // as the lesson writes it, any case
  asked.set_max_results(10);
  QueryStatistics statistics;
  absl::StatusOr<v1::PeerQueryResponse> answer =
      index_->AnswerHere(asked, &statistics, source_.id());
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_EQ(answer->lessons_size(), 3);
  Analyzer analyzer;
  for (int i = 0; i < answer->lessons_size(); ++i) {
    LessonMatch match = MatchLesson(planned->plan, answer->lessons(i), &analyzer);
    EXPECT_TRUE(match.matches) << answer->lessons(i).id();
    EXPECT_NEAR(ScoreLesson(planned->plan, match, statistics), answer->scores(i), 1e-9)
        << answer->lessons(i).id();
  }
  EXPECT_FALSE(MatchesQuery(planned->plan, source_, &analyzer));
  // Without the preference, the two sectors' copies of the same content tie.
  asked.clear_prefer_other_than_sector();
  answer = index_->AnswerHere(asked, &statistics, source_.id());
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_GE(answer->scores_size(), 2);
  EXPECT_NEAR(answer->scores(0), answer->scores(1), 1e-9);
  // An asker's sector is bounded like any other field it sends.
  asked.set_prefer_other_than_sector(std::string(129, 'x'));
  answer = index_->AnswerHere(asked, &statistics);
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(answer.status().message(), HasSubstr("prefer_other_than_sector"));
}

TEST(WordsMayGoToTest, OnlyToAPeerThatMaySeeTheLessonAsItIsOrWroteIt) {
  v1::Lesson lesson = Lesson("10", "local-government", "Tablets lost on home visits",
                             "Officers left tablets in cars; ring 0113 496 0000");
  v1::Peer peer;
  peer.set_org_id("west-police");
  peer.set_may_query(true);
  v1::PeerPolicy policy;
  policy.set_peer_org("west-police");
  policy.mutable_export_()->add_markings(v1::TLP_CLEAR);
  policy.mutable_export_()->add_markings(v1::TLP_AMBER);
  EXPECT_TRUE(WordsMayGoTo(lesson, "leeds-council", peer, &policy));
  EXPECT_FALSE(WordsMayGoTo(lesson, "leeds-council", peer, nullptr));  // no policy: nothing
  v1::Lesson red = lesson;
  red.set_marking(v1::TLP_RED);
  EXPECT_FALSE(WordsMayGoTo(red, "leeds-council", peer, &policy));
  // A view with personal data scrubbed holds other words than the lesson.
  v1::PeerPolicy scrubbing = policy;
  scrubbing.mutable_export_()->set_scrub_personal_data(true);
  EXPECT_FALSE(WordsMayGoTo(lesson, "leeds-council", peer, &scrubbing));
  v1::PeerPolicy redacting = policy;
  redacting.mutable_export_()->add_redact_fields("summary");
  EXPECT_FALSE(WordsMayGoTo(lesson, "leeds-council", peer, &redacting));
  // A lesson's origin wrote its words: a copy's words may go back to it, whatever the marking.
  v1::Lesson copy = red;
  copy.set_origin_org("west-police");
  EXPECT_TRUE(WordsMayGoTo(copy, "leeds-council", peer, nullptr));
}

}  // namespace
}  // namespace cairn::search
