#include "node/search/vocabulary.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/search/analyzer.h"

namespace cairn::search {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// The query's words as the index analyses them.
std::vector<std::string> StemsOf(absl::string_view query) {
  Analyzer analyzer;
  std::vector<std::string> stems;
  for (Token& token : analyzer.Analyze(query)) stems.push_back(std::move(token.term));
  return stems;
}

Vocabulary MustParse(absl::string_view text) {
  absl::StatusOr<Vocabulary> parsed = Vocabulary::Parse(text, "test.txt");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.value_or(Vocabulary());
}

TEST(VocabularyTest, AWordOrPhraseOfAGroupWidensToTheGroupsOtherTerms) {
  Vocabulary vocabulary = MustParse(
      "# devices\n"
      "tablet, mobile data terminal, handheld device\n"
      "\n"
      "lone worker, single crewed\n");
  EXPECT_EQ(vocabulary.group_count(), 2u);
  // Matched as the index sees words: "Tablets" is "tablet".
  auto widened = vocabulary.Widen(StemsOf("Tablets losing charge"));
  ASSERT_EQ(widened.size(), 1u);
  EXPECT_EQ(widened[0].first, 0u);
  EXPECT_EQ(widened[0].length, 1u);
  EXPECT_THAT(widened[0].equivalents, ElementsAre("mobile data terminal", "handheld device"));
  // A phrase of the group, inside a longer question with stop words.
  widened = vocabulary.Widen(StemsOf("problems with the mobile data terminals for a lone worker"));
  ASSERT_EQ(widened.size(), 2u);
  EXPECT_EQ(widened[0].first, 1u);
  EXPECT_EQ(widened[0].length, 3u);
  EXPECT_THAT(widened[0].equivalents, ElementsAre("tablet", "handheld device"));
  EXPECT_EQ(widened[1].length, 2u);
  EXPECT_THAT(widened[1].equivalents, ElementsAre("single crewed"));
  // Part of a phrase is not the phrase.
  EXPECT_TRUE(vocabulary.Widen(StemsOf("mobile data")).empty());
}

TEST(VocabularyTest, TheLongestTermWinsAndATermInTwoGroupsGetsBoth) {
  Vocabulary vocabulary = MustParse(
      "station, fire station, depot\n"
      "ward, custody suite, station\n");
  auto widened = vocabulary.Widen(StemsOf("fire station alarms"));
  ASSERT_EQ(widened.size(), 1u);
  EXPECT_EQ(widened[0].length, 2u);
  EXPECT_THAT(widened[0].equivalents, UnorderedElementsAre("station", "depot"));
  widened = vocabulary.Widen(StemsOf("station"));
  ASSERT_EQ(widened.size(), 1u);
  EXPECT_THAT(widened[0].equivalents,
              UnorderedElementsAre("fire station", "depot", "ward", "custody suite"));
}

TEST(VocabularyTest, MergedGroupsWidenToo) {
  Vocabulary admin = MustParse("kit, equipment\n");
  Vocabulary merged = MustParse("tablet, handheld device\n").MergedWith(admin);
  EXPECT_EQ(merged.group_count(), 2u);
  EXPECT_EQ(merged.Widen(StemsOf("kit checks")).size(), 1u);
  EXPECT_EQ(merged.Widen(StemsOf("tablet")).size(), 1u);
}

TEST(VocabularyTest, ATermInManyGroupsWidensToABoundedNumberOfEquivalents) {
  std::string text;
  for (int i = 0; i < 1000; ++i) absl::StrAppend(&text, "station, depot", i, ", base", i, "\n");
  Vocabulary vocabulary = MustParse(text);
  auto widened = vocabulary.Widen(StemsOf("station"));
  ASSERT_EQ(widened.size(), 1u);
  EXPECT_EQ(widened[0].equivalents.size(), kMaxEquivalents);
}

TEST(VocabularyTest, BadGroupsAreRefusedNamingTheLine) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c :
       {Case{"tablet\n", "test.txt line 1: a group needs two or more"},
        Case{"# ok\ntablet, tablets\n", "line 2: a group needs two or more different"},
        Case{"kit, equipment\ntablet,, pda\n", "line 2: an empty term"},
        Case{"tablet, pda,\n", "line 1: an empty term"},
        Case{"the of, tablet\n", "\"the of\" is only stop words"},
        Case{"one two three four five six seven, x\n", "is over 6 words"},
        Case{"tablet, mobile                                                           "
             "                                                                     data\n",
             "line 1: a term of 138 bytes; the limit is 128"}}) {
    absl::StatusOr<Vocabulary> parsed = Vocabulary::Parse(c.text, "test.txt");
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.error)) << c.text;
  }
  std::string many = "t0";
  for (int i = 1; i <= 16; ++i) absl::StrAppend(&many, ", t", i);
  EXPECT_THAT(Vocabulary::Parse(many, "test.txt").status().message(),
              HasSubstr("more than 16 terms"));
}

TEST(VocabularyTest, TheShippedVocabularyBridgesTheSectors) {
  const Vocabulary& shipped = Vocabulary::Shipped();
  EXPECT_GE(shipped.group_count(), 100u);
  auto widened = shipped.Widen(StemsOf("tablet"));
  ASSERT_EQ(widened.size(), 1u);
  EXPECT_THAT(widened[0].equivalents, ::testing::Contains("mobile data terminal"));
  widened = shipped.Widen(StemsOf("single crewed ambulance"));
  ASSERT_FALSE(widened.empty());
  EXPECT_THAT(widened[0].equivalents, ::testing::Contains("lone worker"));
}

}  // namespace
}  // namespace cairn::search
