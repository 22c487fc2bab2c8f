// Local search through a real cairnd: relevance on the NASA LLIS lessons, the query language,
// filters, facets, snippets, paging, errors, and an index that always answers as a rebuild would.
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "client/admin_client.h"
#include "client/lesson_import.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/files.h"
#include "tests/support/shared_data.h"

namespace cairn {
namespace {

using testing::CairndProcess;
using testing::NodeSpec;
using ::testing::HasSubstr;

uint64_t Seed() {
  const char* seed = std::getenv("CAIRN_RANDOM_SEED");
  return seed != nullptr ? std::strtoull(seed, nullptr, 10) : 20261126;
}

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(node_.Start().ok()) << node_.log();
    editor_ = node_.ClientFor("alice");
    reader_ = node_.ClientFor("bob");
  }

  v1::Lesson Create(const std::string& title, const std::string& summary,
                    std::vector<std::string> topics = {},
                    v1::TlpMarking marking = v1::TLP_GREEN) {
    v1::Lesson draft;
    draft.set_title(title);
    draft.set_summary(summary);
    draft.set_marking(marking);
    for (const std::string& topic : topics) draft.add_topics(topic);
    absl::StatusOr<v1::Lesson> created = editor_->Create(draft);
    EXPECT_TRUE(created.ok()) << created.status();
    return *created;
  }

  absl::StatusOr<v1::SearchResponse> Search(const std::string& query, uint32_t page_size = 10) {
    v1::SearchRequest request;
    request.set_query(query);
    request.set_page_size(page_size);
    return reader_->Search(request);
  }

  // The ids of every hit of `query`, best first.
  std::vector<std::string> Ids(const std::string& query) {
    absl::StatusOr<v1::SearchResponse> response = Search(query, 100);
    EXPECT_TRUE(response.ok()) << query << ": " << response.status();
    std::vector<std::string> ids;
    if (response.ok()) {
      for (const v1::SearchHit& hit : response->hits()) ids.push_back(hit.lesson_id());
    }
    return ids;
  }

  CairndProcess node_{NodeSpec{}};
  std::unique_ptr<client::LessonClient> editor_;
  std::unique_ptr<client::LessonClient> reader_;
};

TEST_F(SearchTest, WordsPhrasesOrAndExclusions) {
  v1::Lesson batteries = Create("Battery management on mobile devices",
                                "Officers' tablets ran flat mid-shift; charging docks in vans fixed it.",
                                {"mobile-working"});
  v1::Lesson wireless = Create("Wireless security for mobile working",
                               "Lock down Wi-Fi profiles before handing out devices.",
                               {"mobile-working", "security"});
  v1::Lesson kit = Create("Staff looking after their kit",
                          "Managing battery wear: staff who charge devices overnight extend their life.");
  EXPECT_THAT(Ids("battery"), ::testing::UnorderedElementsAre(batteries.id(), kit.id()));
  EXPECT_EQ(Ids("battery")[0], batteries.id()) << "a title match outranks a summary match";
  EXPECT_THAT(Ids("batteries managed"), ::testing::UnorderedElementsAre(batteries.id(), kit.id()))
      << "stems: batteries/battery, managed/management/managing";
  EXPECT_THAT(Ids("\"battery management\""), ::testing::ElementsAre(batteries.id()));
  EXPECT_THAT(Ids("\"management battery\""), ::testing::ElementsAre(kit.id()))
      << "\"Managing battery wear\" has the same stems in that order";
  EXPECT_THAT(Ids("\"mobile battery\""), ::testing::IsEmpty());
  EXPECT_THAT(Ids("\"looking after their kit\""), ::testing::ElementsAre(kit.id()))
      << "a phrase of stop words and words";
  EXPECT_THAT(Ids("wireless OR battery"),
              ::testing::UnorderedElementsAre(batteries.id(), wireless.id(), kit.id()));
  EXPECT_THAT(Ids("mobile -wireless"), ::testing::ElementsAre(batteries.id()));
  EXPECT_THAT(Ids("wi-fi"), ::testing::ElementsAre(wireless.id()));
  EXPECT_THAT(Ids("devices topic:security"), ::testing::ElementsAre(wireless.id()));
  EXPECT_THAT(Ids("topic:mobile-working"),
              ::testing::UnorderedElementsAre(batteries.id(), wireless.id()));
  EXPECT_THAT(Ids("the of and"), ::testing::IsEmpty()) << "stop words alone match nothing";
  EXPECT_THAT(Ids("zeppelin"), ::testing::IsEmpty());
}

TEST_F(SearchTest, SnippetsFacetsAndPages) {
  for (int i = 0; i < 25; ++i) {
    Create("Radio handover lesson " + std::to_string(i),
           "Handsets lost the radio link in the tunnel; the fix was a repeater on every platform.",
           {i % 2 == 0 ? "radio" : "transport"});
  }
  absl::StatusOr<v1::SearchResponse> page = Search("repeater", 10);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total_hits(), 25u);
  ASSERT_EQ(page->hits_size(), 10);
  const v1::SearchHit& hit = page->hits(0);
  EXPECT_EQ(hit.snippet_field(), "summary");
  ASSERT_EQ(hit.highlights_size(), 1);
  EXPECT_EQ(hit.snippet().substr(hit.highlights(0).begin(),
                                 hit.highlights(0).end() - hit.highlights(0).begin()),
            "repeater");
  EXPECT_THAT(hit.title(), HasSubstr("Radio handover"));
  EXPECT_EQ(hit.origin_org(), node_.spec().org_id);
  std::map<std::string, std::map<std::string, uint64_t>> facets;
  for (const v1::Facet& facet : page->facets()) {
    for (const v1::FacetValue& value : facet.values()) facets[facet.field()][value.value()] = value.count();
  }
  EXPECT_EQ(facets["topic"]["radio"], 13u);
  EXPECT_EQ(facets["topic"]["transport"], 12u);
  EXPECT_EQ(facets["status"]["observation"] + facets["status"]["unspecified"], 25u);

  // Three pages cover every hit exactly once.
  std::set<std::string> seen;
  v1::SearchRequest request;
  request.set_query("repeater");
  request.set_page_size(10);
  for (int pages = 0; pages < 3; ++pages) {
    absl::StatusOr<v1::SearchResponse> response = reader_->Search(request);
    ASSERT_TRUE(response.ok()) << response.status();
    for (const v1::SearchHit& each : response->hits()) EXPECT_TRUE(seen.insert(each.lesson_id()).second);
    request.set_page_token(response->next_page_token());
    EXPECT_EQ(response->next_page_token().empty(), pages == 2) << "page " << pages;
  }
  EXPECT_EQ(seen.size(), 25u);

  // A token belongs to its query.
  request.set_query("tunnel");
  request.set_page_token(page->next_page_token());
  absl::StatusOr<v1::SearchResponse> other = reader_->Search(request);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(), HasSubstr("page_token"));
}

TEST_F(SearchTest, MalformedQueriesNameThePosition) {
  struct Case {
    std::string query;
    std::string mention;
  };
  for (const Case& bad : std::vector<Case>{{"battery \"unclosed", "query position 9"},
                                           {"OR battery", "query position 1"},
                                           {"sector:", "query position 1"},
                                           {"flavour:vanilla", "query position 1"},
                                           {"status:dreaming", "query position 8"},
                                           {"after:2021-02-30", "query position 7"},
                                           {"", "query"}}) {
    absl::StatusOr<v1::SearchResponse> response = Search(bad.query);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument) << bad.query;
    EXPECT_THAT(response.status().message(), HasSubstr(bad.mention)) << bad.query;
  }
  absl::StatusOr<v1::SearchResponse> huge = Search("battery", 101);
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(huge.status().message(), HasSubstr("page_size"));
}

TEST_F(SearchTest, RetractedLessonsLeaveResultsUnlessAskedFor) {
  v1::Lesson lesson = Create("Body-worn camera docking", "Cameras left undocked lose footage.");
  ASSERT_THAT(Ids("camera"), ::testing::ElementsAre(lesson.id()));
  ASSERT_TRUE(editor_->Retract(lesson.id(), "superseded by guidance").ok());
  EXPECT_THAT(Ids("camera"), ::testing::IsEmpty());
  EXPECT_THAT(Ids("camera status:retracted"), ::testing::ElementsAre(lesson.id()));
}

// After random creates, edits, re-markings and retractions, the index is what a rebuild gives,
// and every query answers the same before and after a rebuild.
TEST_F(SearchTest, IndexAfterRandomChangesEqualsARebuild) {
  std::mt19937_64 random(Seed());
  const std::vector<std::string> words = {"battery", "wireless", "tablet", "radio", "charging",
                                          "security", "training", "vehicle", "the", "of",
                                          "dock", "shift", "handover", "camera", "patrol"};
  auto text = [&](int count) {
    std::string out;
    for (int i = 0; i < count; ++i) out += words[random() % words.size()] + " ";
    return out;
  };
  std::vector<v1::Lesson> lessons;
  for (int step = 0; step < 150; ++step) {
    int action = lessons.empty() ? 0 : static_cast<int>(random() % 4);
    if (action <= 1) {
      lessons.push_back(Create(text(3), text(12), {words[random() % 4]}));
      continue;
    }
    v1::Lesson& lesson = lessons[random() % lessons.size()];
    if (lesson.status() == v1::RETRACTED) continue;
    if (action == 2) {
      lesson.set_title(text(3));
      lesson.set_summary(text(10));
      lesson.set_marking(random() % 2 ? v1::TLP_CLEAR : v1::TLP_AMBER);
      absl::StatusOr<v1::Lesson> edited = editor_->Update(lesson);
      ASSERT_TRUE(edited.ok()) << edited.status();
      lesson = *edited;
    } else {
      absl::StatusOr<v1::Lesson> retracted = editor_->Retract(lesson.id(), "withdrawn");
      ASSERT_TRUE(retracted.ok()) << retracted.status();
      lesson = *retracted;
    }
  }
  auto admin = *client::AdminClient::Connect(node_.ConnectionFor("ada"));
  absl::StatusOr<v1::CheckSearchIndexResponse> check = admin->CheckSearchIndex(absl::Minutes(1));
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->consistent()) << ::testing::PrintToString(check->problems());
  EXPECT_EQ(check->lessons(), lessons.size());

  const std::vector<std::string> queries = {
      "battery", "wireless radio", "\"battery wireless\"", "tablet OR camera", "patrol -dock",
      "status:retracted", "topic:battery", "marking:amber charging", "security training vehicle"};
  std::map<std::string, std::vector<std::pair<std::string, double>>> before;
  for (const std::string& query : queries) {
    absl::StatusOr<v1::SearchResponse> response = Search(query, 100);
    ASSERT_TRUE(response.ok()) << query << ": " << response.status();
    for (const v1::SearchHit& hit : response->hits()) before[query].push_back({hit.lesson_id(), hit.score()});
  }
  ASSERT_TRUE(admin->RebuildSearchIndex(absl::Minutes(1)).ok());
  for (const std::string& query : queries) {
    absl::StatusOr<v1::SearchResponse> response = Search(query, 100);
    ASSERT_TRUE(response.ok()) << query << ": " << response.status();
    std::map<std::string, double> after;
    for (const v1::SearchHit& hit : response->hits()) after[hit.lesson_id()] = hit.score();
    ASSERT_EQ(after.size(), before[query].size()) << query;
    for (const auto& [id, score] : before[query]) {
      ASSERT_TRUE(after.contains(id)) << query << ": " << id;
      EXPECT_NEAR(after[id], score, 1e-9) << query << ": " << id;
    }
  }
  // And after a restart, which loads the index from disk.
  ASSERT_TRUE(node_.Stop().ok()) << node_.log();
  ASSERT_TRUE(node_.Start().ok()) << node_.log();
  admin = *client::AdminClient::Connect(node_.ConnectionFor("ada"));
  check = admin->CheckSearchIndex(absl::Minutes(1));
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->consistent()) << ::testing::PrintToString(check->problems());
}

// Relevance on real lessons: queries whose right answers the lessons' own titles justify.
TEST_F(SearchTest, FindsTheRightNasaLessons) {
  CAIRN_SKIP_WITHOUT_LLIS(llis);
  std::istringstream in(testing::ReadFileToString(*llis));
  client::ImportOptions options;
  options.format = client::ImportFormat::kLlis;
  absl::StatusOr<client::ImportSummary> summary = client::ImportJsonLines(*editor_, in, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->imported, 2102u);
  // The LLIS number of each of the first `n` hits.
  auto top = [&](const std::string& query, int n) {
    std::vector<std::string> refs;
    std::vector<std::string> ids = Ids(query);
    for (int i = 0; i < n && i < static_cast<int>(ids.size()); ++i) {
      refs.push_back(reader_->Get(ids[i])->external_ref());
    }
    return refs;
  };
  // "Lithium-Ion Battery Fire" is the one lesson with all three words in its title.
  EXPECT_EQ(top("lithium battery fire", 1), std::vector<std::string>{"llis-3516"});
  // Exactly two lessons are about tin whiskers; both say so in the title.
  EXPECT_THAT(top("\"tin whiskers\"", 2), ::testing::UnorderedElementsAre("llis-6956", "llis-924"));
  // The lesson on the probable scenario for the Mars Polar Lander's loss.
  EXPECT_THAT(top("Mars Polar Lander loss", 3), ::testing::Contains("llis-938"));
  // Hubble servicing-mission training has its own lesson.
  EXPECT_EQ(top("Hubble servicing training", 1), std::vector<std::string>{"llis-898"});
  // The only lesson on reusing analysis software.
  EXPECT_EQ(top("reuse analysis software", 1), std::vector<std::string>{"llis-2158"});
  // Three LLIS titles name parachutes: at least those are found.
  absl::StatusOr<v1::SearchResponse> parachutes = Search("parachute", 100);
  ASSERT_TRUE(parachutes.ok());
  EXPECT_GE(parachutes->total_hits(), 3u);
}

}  // namespace
}  // namespace cairn
