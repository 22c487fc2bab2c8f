#include "node/search/analyzer.h"

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

}  // namespace
}  // namespace cairn::search
