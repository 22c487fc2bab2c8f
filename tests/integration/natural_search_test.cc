// Searching in analysts' own words across real cairnd processes: natural queries, the
// cross-sector vocabulary (shipped and an admin's), and what a search says it tried. SPEC
// section 6.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/federation.h"

namespace cairn {
namespace {

using testing::Federation;

constexpr char kCouncil[] = "leeds-council";
constexpr char kPolice[] = "west-yorkshire-police";
constexpr char kNhs[] = "leeds-nhs-trust";

v1::Lesson Draft(const std::string& title, const std::string& summary) {
  v1::Lesson draft;
  draft.set_title(title);
  draft.set_summary(summary);
  draft.set_marking(v1::TLP_GREEN);
  return draft;
}

v1::SearchResponse Search(testing::CairndProcess& node, const std::string& query,
                          bool all_words = false) {
  v1::SearchRequest request;
  request.set_query(query);
  request.set_all_words(all_words);
  absl::StatusOr<v1::SearchResponse> response = node.ClientFor("bob")->Search(request);
  EXPECT_TRUE(response.ok()) << query << ": " << response.status();
  return response.ok() ? *response : v1::SearchResponse();
}

std::vector<std::string> Titles(const v1::SearchResponse& response) {
  std::vector<std::string> titles;
  for (const v1::SearchHit& hit : response.hits()) titles.push_back(hit.title());
  return titles;
}

// What one hit matched through the vocabulary, as "words -> phrase".
std::vector<std::string> Via(const v1::SearchHit& hit) {
  std::vector<std::string> via;
  for (const v1::Equivalent& equivalent : hit.via_vocabulary()) {
    via.push_back(absl::StrCat(equivalent.words(), " -> ", equivalent.phrase()));
  }
  return via;
}

// The demo's lessons: each sector writes about its devices in its own words.
TEST(NaturalSearchTest, ACouncilTabletQuestionFindsThePolicesMobileDataTerminalLesson) {
  Federation federation({kCouncil, kPolice, kNhs});
  const std::string mdt = "Lock down wireless on mobile data terminals before rollout";
  ASSERT_TRUE(federation.Editor(kPolice)
                  ->Create(Draft(mdt, "Officers' terminals joined open cafe Wi-Fi; we enforced "
                                      "an always-on VPN and certificate-based Wi-Fi."))
                  .ok());
  ASSERT_TRUE(federation.Editor(kCouncil)
                  ->Create(Draft("Social workers did not report lost or damaged tablets",
                                 "Staff feared blame, so lost devices went unreported for days."))
                  .ok());
  const std::string handheld = "Community nurses keep kit working with a weekly device check";
  ASSERT_TRUE(federation.Editor(kNhs)
                  ->Create(Draft(handheld, "A five-minute weekly check of each handheld device "
                                           "(charge, updates, case, screen) cut faults by a third."))
                  .ok());
  // The council holds the police's lessons and may ask the NHS trust.
  federation.Link(kPolice, kCouncil, "export { markings: [TLP_GREEN] }");
  ASSERT_TRUE(federation.Settles(kCouncil, kPolice, federation.Held(kPolice, kPolice)));
  federation.AllowQueries(kNhs, kCouncil, "export { markings: [TLP_GREEN] }");

  // On the council's own node: its own lesson says "tablets", the police's copy only
  // "mobile data terminals", and the CLI and console say so.
  v1::SearchResponse local = Search(federation.node(kCouncil), "tablet");
  ASSERT_EQ(local.hits_size(), 2) << local.DebugString();
  EXPECT_EQ(local.hits(0).title(), "Social workers did not report lost or damaged tablets")
      << "the word typed ranks above its equivalent";
  EXPECT_THAT(Via(local.hits(0)), ::testing::IsEmpty());
  EXPECT_EQ(local.hits(1).title(), mdt);
  EXPECT_THAT(Via(local.hits(1)), ::testing::ElementsAre("tablet -> mobile data terminal"));
  EXPECT_THAT(local.interpretation().equivalents(), ::testing::Not(::testing::IsEmpty()));

  // Strict: only the word typed.
  EXPECT_THAT(Titles(Search(federation.node(kCouncil), "tablet", /*all_words=*/true)),
              ::testing::ElementsAre("Social workers did not report lost or damaged tablets"));

  // Across the federation: the NHS trust's "handheld device" answers the council's "tablet".
  v1::FederatedSearchRequest request;
  request.set_query("tablet");
  request.set_deadline_ms(5000);
  v1::FederatedSearchResult result;
  absl::Status finished = federation.node(kCouncil).ClientFor("bob")->FederatedSearch(
      request, [&](const v1::FederatedSearchEvent& event) {
        if (event.has_result()) result = event.result();
      });
  ASSERT_TRUE(finished.ok()) << finished;
  for (const v1::PeerOutcome& outcome : result.peers()) {
    if (outcome.org() == kPolice) continue;  // lets the council pull, not query
    EXPECT_EQ(outcome.state(), v1::PeerOutcome::OK) << outcome.DebugString();
    EXPECT_EQ(outcome.rejected(), 0u) << outcome.DebugString();
  }
  std::map<std::string, std::vector<std::string>> via;
  for (const v1::FederatedHit& hit : result.hits()) via[hit.hit().title()] = Via(hit.hit());
  EXPECT_THAT(via, ::testing::Contains(::testing::Pair(
                       handheld, ::testing::ElementsAre("tablet -> handheld device"))));
  EXPECT_THAT(via, ::testing::Contains(::testing::Pair(
                       mdt, ::testing::ElementsAre("tablet -> mobile data terminal"))));
  EXPECT_EQ(via.size(), 3u);
}

// An admin's group widens the next query, and the words a lesson holds still come first.
TEST(NaturalSearchTest, AnAdminsVocabularyGroupWidensQueriesAtOnce) {
  Federation federation({kCouncil});
  auto editor = federation.Editor(kCouncil);
  ASSERT_TRUE(editor->Create(Draft("Safe and well visits by fire crews find frail residents",
                                   "Crews visiting homes spot falls risks and cold homes."))
                  .ok());
  ASSERT_TRUE(editor->Create(Draft("Welfare check rota for the winter",
                                   "A welfare check rota for tenants in cold spells."))
                  .ok());
  EXPECT_THAT(Titles(Search(federation.node(kCouncil), "welfare check")),
              ::testing::ElementsAre("Welfare check rota for the winter"));

  ASSERT_TRUE(
      federation.Admin(kCouncil)->SetVocabulary("welfare check, safe and well visit\n").ok());
  v1::SearchResponse widened = Search(federation.node(kCouncil), "welfare check");
  EXPECT_THAT(Titles(widened),
              ::testing::ElementsAre("Welfare check rota for the winter",
                                     "Safe and well visits by fire crews find frail residents"));
  ASSERT_EQ(widened.hits_size(), 2);
  EXPECT_THAT(Via(widened.hits(1)), ::testing::ElementsAre("welfare check -> safe and well visit"));
}

// Plain words never dead-end; +word, AND and quotes are strict; a misspelt word is respelt from
// the node's own words, and a search that finds nothing says what it tried.
TEST(NaturalSearchTest, PlainWordsRankByHowManyTheyHoldAndStrictFormsRequire) {
  Federation federation({kCouncil});
  auto editor = federation.Editor(kCouncil);
  for (const char* title :
       {"Wireless interference with radios at the depot", "Radio interference near the substation",
        "Wireless network rollout in libraries", "Gritting routes on the bus line"}) {
    ASSERT_TRUE(editor->Create(Draft(title, "What we learned.")).ok());
  }
  testing::CairndProcess& node = federation.node(kCouncil);
  v1::SearchResponse natural = Search(node, "wireless interference radios");
  EXPECT_EQ(natural.total_hits(), 3u);
  ASSERT_GE(natural.hits_size(), 1);
  EXPECT_EQ(natural.hits(0).title(), "Wireless interference with radios at the depot");
  EXPECT_EQ(Search(node, "wireless interference radios", /*all_words=*/true).total_hits(), 1u);
  EXPECT_THAT(Titles(Search(node, "+wireless interference")),
              ::testing::ElementsAre("Wireless interference with radios at the depot",
                                     "Wireless network rollout in libraries"));
  EXPECT_THAT(Titles(Search(node, "wireless AND interference radios")),
              ::testing::ElementsAre("Wireless interference with radios at the depot"));
  EXPECT_THAT(Titles(Search(node, "\"radio interference\" wireless")),
              ::testing::ElementsAre("Radio interference near the substation"));

  // A word no lesson holds leaves the others to answer, and is named.
  v1::SearchResponse unknown = Search(node, "+wireless zorblax");
  EXPECT_EQ(unknown.total_hits(), 2u);
  EXPECT_THAT(unknown.interpretation().unknown(), ::testing::ElementsAre("zorblax"));
  EXPECT_THAT(unknown.interpretation().required(), ::testing::ElementsAre("wireless"));
  // "lone" is one edit from "line", but the vocabulary knows "lone worker": it is not respelt.
  v1::SearchResponse known = Search(node, "lone worker");
  EXPECT_THAT(known.interpretation().unknown(), ::testing::ElementsAre("lone", "worker"));
  EXPECT_EQ(known.interpretation().did_you_mean(), "");
  EXPECT_EQ(Search(node, "lone").interpretation().did_you_mean(), "line");

  v1::SearchResponse misspelt = Search(node, "the wireles intreference");
  EXPECT_EQ(misspelt.total_hits(), 0u);
  EXPECT_EQ(misspelt.interpretation().did_you_mean(), "the wireless interference");
  EXPECT_THAT(misspelt.interpretation().words(),
              ::testing::ElementsAre("wireles", "intreference"));
  EXPECT_THAT(misspelt.interpretation().ignored(), ::testing::ElementsAre("the"));
  EXPECT_THAT(misspelt.interpretation().unknown(),
              ::testing::ElementsAre("wireles", "intreference"));
}

}  // namespace
}  // namespace cairn
