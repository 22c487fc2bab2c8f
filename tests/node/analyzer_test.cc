#include "node/search/analyzer.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace cairn::search {
namespace {

TEST(AnalyzerTest, StemsLowerCasesAndSkipsStopWordsKeepingPositions) {
  Analyzer analyzer;
  std::vector<Token> tokens = analyzer.Analyze("Managing the Batteries of Wi-Fi tablets");
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].term, "manag");
  EXPECT_EQ(tokens[0].position, 0u);
  EXPECT_EQ(tokens[1].term, "batteri");
  EXPECT_EQ(tokens[1].position, 2u) << "'the' takes position 1";
  EXPECT_EQ(tokens[2].term, "wi");
  EXPECT_EQ(tokens[2].position, 4u);
  EXPECT_EQ(tokens[3].term, "fi");
  EXPECT_EQ(tokens[4].term, "tablet");
  EXPECT_EQ(tokens[4].begin, 32u);
  EXPECT_EQ(tokens[4].end, 39u);
  EXPECT_EQ(analyzer.ForEachToken("Managing the Batteries of Wi-Fi tablets", 0,
                                  [](absl::string_view, uint32_t, uint32_t, uint32_t) {}),
            7u) << "words counted, stop words included";
}

TEST(AnalyzerTest, KeepsMultiByteWordsWholeAndDropsOverlongOnes) {
  Analyzer analyzer;
  std::vector<Token> tokens =
      analyzer.Analyze("caf\xC3\xA9 " + std::string(Analyzer::kMaxWordBytes + 1, 'x') + " radio", 10);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].term, "caf\xC3\xA9");
  EXPECT_EQ(tokens[0].position, 10u);
  EXPECT_EQ(tokens[1].term, "radio");
  EXPECT_EQ(tokens[1].position, 12u);
}

TEST(AnalyzerTest, TermIdsNameStemsAlikeForWordsThatStemAlike) {
  Analyzer analyzer;
  std::vector<std::pair<uint32_t, uint32_t>> seen;  // (term id, position)
  uint32_t words = analyzer.ForEachTermId("Radio radios, the RADIO of batteries", 3,
                                          [&](uint32_t term_id, uint32_t position) {
                                            seen.emplace_back(term_id, position);
                                          });
  EXPECT_EQ(words, 6u);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].first, seen[1].first);
  EXPECT_EQ(seen[0].first, seen[2].first);
  EXPECT_NE(seen[0].first, seen[3].first);
  EXPECT_EQ(analyzer.Term(seen[0].first), "radio");
  EXPECT_EQ(analyzer.Term(seen[3].first), "batteri");
  EXPECT_EQ(seen[2].second, 6u) << "'the' takes position 5";
  EXPECT_EQ(seen[3].second, 8u);
  // The same words through the string form give the same stems.
  std::vector<Token> tokens = analyzer.Analyze("Radio radios, the RADIO of batteries", 3);
  ASSERT_EQ(tokens.size(), 4u);
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(tokens[i].term, analyzer.Term(seen[i].first));
    EXPECT_EQ(tokens[i].position, seen[i].second);
  }
}

TEST(AnalyzerTest, StemsStayRightAcrossManyDistinctWords) {
  // Far more distinct words than the cache keeps: it starts afresh between texts, never wrong.
  Analyzer analyzer;
  for (int i = 0; i < 70'000; ++i) {
    std::vector<Token> tokens = analyzer.Analyze("w" + std::to_string(i) + " batteries");
    ASSERT_EQ(tokens.size(), 2u);
    ASSERT_EQ(tokens[0].term, "w" + std::to_string(i));
    ASSERT_EQ(tokens[1].term, "batteri");
  }
}

}  // namespace
}  // namespace cairn::search
