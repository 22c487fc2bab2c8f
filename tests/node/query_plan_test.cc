// Natural queries: which clauses the parser makes required, how a plan decides and ranks, how
// the vocabulary widens it and what an asker may send as equivalents, and spelling suggestions.
#include "node/search/query_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/search/analyzer.h"
#include "node/search/query.h"
#include "node/search/spelling.h"
#include "node/search/vocabulary.h"

namespace cairn::search {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<bool> Required(const std::string& text) {
  std::vector<bool> required;
  for (const Clause& clause : ParseQuery(text)->clauses) required.push_back(clause.required);
  return required;
}

TEST(NaturalQueryTest, PhrasesPlusWordsAndAndAreRequiredPlainWordsAreNot) {
  EXPECT_THAT(Required("battery management"), ElementsAre(false, false));
  EXPECT_THAT(Required("+battery management"), ElementsAre(true, false));
  EXPECT_THAT(Required("battery AND management radio"), ElementsAre(true, true, false));
  EXPECT_THAT(Required("\"battery management\" radio"), ElementsAre(true, false));
  EXPECT_THAT(Required("battery OR power AND charging"), ElementsAre(true, true));
  EXPECT_THAT(Required("battery OR +power"), ElementsAre(true));
  // Only the bare upper-case token is the operator.
  EXPECT_THAT(Required("battery and management"), ElementsAre(false, false, false));
  EXPECT_THAT(Required("+AND"), ElementsAre(true));
}

TEST(NaturalQueryTest, MisplacedPlusAndAndAreErrorsThatSayWhere) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"battery +", "query position 9: a lone \"+\" requires nothing"},
      {"+-radio", "query position 1: a clause cannot be both required (+) and excluded (-)"},
      {"+sector:police", "query position 1: a filter always applies; leave out the \"+\""},
      {"AND radio", "query position 1: AND needs a word or phrase before it"},
      {"radio AND", "query position 7: AND needs a word or phrase after it"},
      {"radio AND OR tablet", "query position 11: OR cannot follow AND"},
      {"radio OR AND tablet", "query position 10: AND cannot follow OR"},
      {"radio AND AND tablet", "query position 11: AND cannot follow another AND"},
      {"-radio AND tablet", "query position 8: AND cannot join an excluded word or phrase"},
      {"radio AND -tablet", "query position 7: AND cannot join an excluded word or phrase"},
      {"sector:police AND radio", "query position 15: AND cannot join a filter"},
      {"radio AND sector:police", "query position 7: AND cannot join a filter"},
  };
  for (const auto& [text, message] : cases) {
    absl::StatusOr<Query> query = ParseQuery(text);
    ASSERT_FALSE(query.ok()) << text;
    EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(query.status().message(), HasSubstr(message)) << text;
  }
}

QueryPlan Plan(const std::string& text, bool all_words = false,
               std::vector<v1::Equivalent> equivalents = {}) {
  Analyzer analyzer;
  absl::StatusOr<QueryPlan> plan =
      PlanQuery(*ParseQuery(text), all_words, std::move(equivalents), &analyzer);
  EXPECT_TRUE(plan.ok()) << text << ": " << plan.status();
  return plan.ok() ? *std::move(plan) : QueryPlan();
}

TEST(NaturalQueryTest, AnyOptionalWordMatchesUnlessSomeClauseIsRequired) {
  QueryPlan natural = Plan("wireless interference radios");
  EXPECT_TRUE(natural.Matches({true, false, false}));
  EXPECT_TRUE(natural.Matches({false, false, true}));
  EXPECT_FALSE(natural.Matches({false, false, false}));

  QueryPlan strict = Plan("wireless interference radios", /*all_words=*/true);
  EXPECT_FALSE(strict.Matches({true, true, false}));
  EXPECT_TRUE(strict.Matches({true, true, true}));

  QueryPlan required = Plan("+wireless interference -drone");
  EXPECT_TRUE(required.Matches({true, false, false}));
  EXPECT_FALSE(required.Matches({false, true, false}));
  EXPECT_FALSE(required.Matches({true, true, true}));  // the excluded word

  // Stop words alone ask for text that nothing holds, even beside an exclusion; with a filter,
  // the filter decides.
  EXPECT_TRUE(Plan("the of").matches_nothing);
  EXPECT_TRUE(Plan("the -radio").matches_nothing);
  EXPECT_FALSE(Plan("-radio").matches_nothing);
  EXPECT_FALSE(Plan("the of sector:police").matches_nothing);
}

TEST(NaturalQueryTest, MoreOfTheWordsAndCloserTogetherRankHigher) {
  QueryPlan plan = Plan("radio battery");
  EXPECT_GT(plan.Combine({1.0, 1.0}, {true, true}, 0, ""),
            plan.Combine({1.5, 0}, {true, false}, 0, ""));
  EXPECT_GT(plan.Combine({1.0, 1.0}, {true, true}, 1, ""),
            plan.Combine({1.0, 1.0}, {true, true}, 0, ""));
  EXPECT_DOUBLE_EQ(plan.WithProximity(2.0, 1), 2.0 * (1 + kProximityBonus));

  auto positions = [](std::vector<uint32_t> title, std::vector<uint32_t> body) {
    Occurrences occurrences;
    occurrences[0].assign(title.begin(), title.end());
    occurrences[2].assign(body.begin(), body.end());
    return occurrences;
  };
  const std::vector<std::pair<std::string, std::string>> pairs = plan.ProximityPairs();
  ASSERT_THAT(pairs, ElementsAre(std::pair<std::string, std::string>("radio", "batteri")));
  auto proximity = [&](const Occurrences& radio, const Occurrences& battery) {
    return Proximity(pairs, [&](const std::string& term) -> const Occurrences* {
      return term == "radio" ? &radio : &battery;
    });
  };
  EXPECT_EQ(proximity(positions({}, {3}), positions({}, {8})), 1.0);    // 5 apart
  EXPECT_EQ(proximity(positions({}, {3}), positions({}, {9})), 0.0);    // 6 apart
  EXPECT_EQ(proximity(positions({0}, {}), positions({7}, {})), 1.0);    // both in the title
  EXPECT_EQ(proximity(positions({0}, {}), positions({}, {1})), 0.0);    // different fields
  EXPECT_EQ(proximity(positions({}, {40, 90}), positions({}, {12, 94})), 1.0);
}

v1::Equivalent Equivalent(const std::string& words, const std::string& phrase) {
  v1::Equivalent equivalent;
  equivalent.set_words(words);
  equivalent.set_phrase(phrase);
  return equivalent;
}

TEST(NaturalQueryTest, TheVocabularyWidensPlainWordsOnly) {
  Analyzer analyzer;
  auto widened = [&](const std::string& text, bool all_words = false) {
    std::vector<std::string> phrases;
    for (const v1::Equivalent& equivalent :
         Widen(*ParseQuery(text), all_words, Vocabulary::Shipped(), &analyzer)) {
      phrases.push_back(equivalent.words() + " -> " + equivalent.phrase());
    }
    return phrases;
  };
  EXPECT_THAT(widened("Tablets for the lone worker"),
              ::testing::IsSupersetOf({"Tablets -> mobile data terminal",
                                       "lone worker -> single crewed"}));
  EXPECT_THAT(widened("tablet", /*all_words=*/true), ElementsAre());
  EXPECT_THAT(widened("\"tablet\""), ElementsAre());
  EXPECT_THAT(widened("+tablet"), ElementsAre());
  EXPECT_THAT(widened("-tablet radio OR pager"), ElementsAre());

  // Each equivalent stands for the clauses of its words, and only where a lesson lacks them.
  QueryPlan plan = Plan("lone worker safety", false, {Equivalent("lone worker", "single crewed")});
  ASSERT_EQ(plan.clauses.size(), 4u);
  EXPECT_TRUE(plan.clauses[3].from_vocabulary);
  EXPECT_THAT(plan.clauses[3].covers, ElementsAre(0, 1));
  EXPECT_TRUE(plan.Matches({false, false, false, true}));
  EXPECT_EQ(plan.Combine({1, 1, 0, 1}, {true, true, false, true}, 0, ""), 2.0);
  EXPECT_EQ(plan.Combine({0, 1, 0, 1}, {false, true, false, true}, 0, ""), 2.0);
  // Its words together weigh half a word typed, however many words it stands for.
  EXPECT_DOUBLE_EQ(plan.clauses[3].alternatives[0].weight, kVocabularyWeight);
  QueryPlan three = Plan("mobile data terminal", false, {Equivalent("mobile data terminal", "tablet")});
  EXPECT_DOUBLE_EQ(three.clauses[3].alternatives[0].weight, kVocabularyWeight);
  QueryPlan one = Plan("tablet", false, {Equivalent("tablet", "mobile data terminal")});
  EXPECT_DOUBLE_EQ(one.clauses[1].alternatives[0].weight, kVocabularyWeight / 3);

  // A word typed twice widens once, and a word too long to send is not widened: the query
  // still works.
  EXPECT_EQ(widened("tablet tablet"), widened("tablet"));
  const std::string long_word = "tablet" + std::string(260, '!');
  EXPECT_THAT(widened(long_word), ElementsAre());
  EXPECT_TRUE(PlanQuery(*ParseQuery(long_word), false,
                        Widen(*ParseQuery(long_word), false, Vocabulary::Shipped(), &analyzer),
                        &analyzer)
                  .ok());
}

TEST(NaturalQueryTest, AnAskersEquivalentsAreCheckedAndBounded) {
  Analyzer analyzer;
  auto plan = [&](const std::string& text, std::vector<v1::Equivalent> equivalents) {
    return PlanQuery(*ParseQuery(text), false, std::move(equivalents), &analyzer);
  };
  EXPECT_TRUE(plan("tablet charging", {Equivalent("tablet", "mobile data terminal")}).ok());
  EXPECT_THAT(plan("tablet charging", {Equivalent("radio", "x")}).status().message(),
              HasSubstr("equivalents[0].words: not a run of the query's plain words"));
  EXPECT_THAT(plan("\"tablet\" charging", {Equivalent("tablet", "x")}).status().message(),
              HasSubstr("equivalents[0].words: not a run"));
  EXPECT_THAT(plan("tablet charging", {Equivalent("charging tablet", "x")}).status().message(),
              HasSubstr("equivalents[0].words: not a run"));
  EXPECT_THAT(plan("tablet", {Equivalent("tablet", "the of")}).status().message(),
              HasSubstr("equivalents[0].phrase: must have 1 to 6 words"));
  EXPECT_THAT(plan("tablet", {Equivalent("tablet", "b c d e f g h")}).status().message(),
              HasSubstr("equivalents[0].phrase: must have 1 to 6 words"));
  EXPECT_THAT(plan("tablet", {Equivalent("tablet", std::string(300, 'x'))}).status().message(),
              HasSubstr("equivalents[0].phrase: over 256 bytes"));
  // All words, the equivalents are ignored.
  absl::StatusOr<QueryPlan> strict =
      PlanQuery(*ParseQuery("tablet"), true, {Equivalent("radio", "x")}, &analyzer);
  ASSERT_TRUE(strict.ok());
  EXPECT_TRUE(strict->equivalents.empty());
}

TEST(SpellingTest, EditDistanceCountsSwapsAsOneAndStopsAtTheLimit) {
  EXPECT_EQ(EditDistance("kitten", "sitting", 3), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting", 2), 3u);  // over the limit: limit + 1
  EXPECT_EQ(EditDistance("recieve", "receive", 2), 1u);
  EXPECT_EQ(EditDistance("", "abc", 5), 3u);
  EXPECT_EQ(EditDistance("same", "same", 0), 0u);
  EXPECT_EQ(EditDistance("a", "abcdef", 2), 3u);
}

TEST(SpellingTest, NearestWordsAreTheClosestWithinWhatTheLengthAllows) {
  const std::vector<std::string> known = {"batteri", "bolt", "bolts", "rollout", "wireless"};
  EXPECT_THAT(NearestWords({"wireles", "wirel"}, known), ElementsAre("wireless"));
  EXPECT_THAT(NearestWords({"rolout", "rolout"}, known), ElementsAre("rollout"));
  EXPECT_THAT(NearestWords({"baterry", "baterri"}, known), ElementsAre("batteri"));
  EXPECT_THAT(NearestWords({"boltz"}, known), ElementsAre("bolt", "bolts"));
  EXPECT_THAT(NearestWords({"xq"}, known), ElementsAre());
  EXPECT_THAT(NearestWords({"cat"}, known), ElementsAre());  // short words allow one edit
}

}  // namespace
}  // namespace cairn::search
