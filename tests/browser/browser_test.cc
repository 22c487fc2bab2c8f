// The web console in a real browser: Debian's Chromium, driven by puppeteer-core, as a user
// presenting their certificate to a real cairnd. Each test starts a small federation, then runs
// one flow (tests/browser/<flow>.mjs) and fails with what the flow printed.
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/support/federation.h"
#include "tests/support/run_command.h"

namespace cairn {
namespace {

using testing::Federation;
using testing::TestPki;

constexpr char kCouncil[] = "leeds-council";
constexpr char kPolice[] = "west-police";
constexpr char kNhs[] = "leeds-nhs";
constexpr char kShareGreen[] = "export { markings: [TLP_GREEN, TLP_CLEAR] }";
// Lesson text from another organisation may hold markup; the console must show it as text.
constexpr char kHostileTitle[] = "<script>window.__xss = 'title'</script>Radio handsets overheat";
constexpr char kHostileSummary[] =
    "\"><img src=x onerror=\"window.__xss = 'summary'\">Charging cradles in vans overheat";
constexpr char kHostileTopic[] = "<b onmouseover=\"window.__xss = 'topic'\">radios</b>";

std::string SectorOf(const std::string& org) {
  if (org == kPolice) return "policing";
  if (org == kNhs) return "health";
  return "local-government";
}

v1::Lesson Lesson(const std::string& title, const std::string& summary,
                  std::vector<std::string> topics) {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.set_summary(summary);
  lesson.set_marking(v1::TLP_GREEN);
  lesson.set_status(v1::LESSON_IDENTIFIED);
  lesson.set_polarity(v1::AREA_FOR_IMPROVEMENT);
  for (std::string& topic : topics) lesson.add_topics(std::move(topic));
  return lesson;
}

// A council with the console on, a police force whose lessons it holds, and an NHS trust it may
// query.
class ConsoleInBrowserTest : public ::testing::Test {
 protected:
  ConsoleInBrowserTest()
      : federation_({kCouncil, kPolice, kNhs}, &pki_, [](v1::NodeConfig* config) {
          config->set_sector(SectorOf(config->org_id()));
          config->mutable_console()->set_listen_address("127.0.0.1:0");
        }) {}

  void SetUp() override {
    council_ids_ = Ids(federation_.Import(
        kCouncil,
        {Lesson("Tablets lose charge on long shifts",
                "Staff working away from the office found tablet batteries empty by midday.",
                {"mobile-working", "battery"}),
         Lesson("Shared tablets need wiping between users",
                "Tablets passed between carers kept the last user's session open.",
                {"mobile-working", "data-protection"})}));
    v1::Lesson terminals = Lesson("Mobile data terminals drain vehicle batteries",
                                  "Terminals left on overnight flattened patrol car batteries.",
                                  {"mobile-working", "battery"});
    terminals.mutable_local()->set_contact("Fleet desk, extension 2210");  // stays at the police
    police_ids_ = Ids(federation_.Import(
        kPolice, {terminals,
                  Lesson(kHostileTitle, kHostileSummary, {kHostileTopic})}));
    nhs_ids_ = Ids(federation_.Import(
        kNhs, {Lesson("Handheld devices run flat during night rounds",
                      "Nurses' handheld devices ran out of battery before the end of the shift.",
                      {"mobile-working", "battery"})}));
    federation_.Link(kPolice, kCouncil, kShareGreen);
    federation_.AllowQueries(kPolice, kCouncil, kShareGreen);
    federation_.AllowQueries(kNhs, kCouncil, kShareGreen);
    testing::Holdings expected;
    for (const std::string& id : police_ids_) expected[id] = 1;
    ASSERT_TRUE(federation_.Settles(kCouncil, kPolice, expected, absl::Seconds(60)));
  }

  static std::vector<std::string> Ids(const std::map<std::string, v1::Lesson>& stored) {
    std::vector<std::string> ids;
    for (const auto& [id, lesson] : stored) ids.push_back(id);
    return ids;
  }

  // Runs tests/browser/<flow>.mjs as `user` of `org` (the council unless given), telling it
  // `data` (JSON).
  void RunFlow(const std::string& flow, const std::string& user, const std::string& data,
               const std::string& org = kCouncil) {
    testing::CertPaths cert = pki_.User(org, user);
    testing::CommandResult result = testing::RunCommand(
        {CAIRN_NODE_PATH, absl::StrCat(CAIRN_SOURCE_DIR, "/tests/browser/", flow, ".mjs")},
        {"CAIRN_CONSOLE_URL=" + federation_.node(org).console_url(),
         "CAIRN_USER_CERT=" + cert.cert, "CAIRN_USER_KEY=" + cert.key,
         "CAIRN_CA=" + pki_.ca_file(), absl::StrCat("CAIRN_ARTIFACTS=", CAIRN_ARTIFACTS_DIR),
         "CAIRN_FLOW_DATA=" + data});
    EXPECT_EQ(result.exit_code, 0) << flow << " as " << user << " failed:\n"
                                   << result.out << result.err << "\n" << org << "'s log:\n"
                                   << federation_.node(org).log();
    std::cout << result.out;
  }

  std::string FlowData(const std::vector<std::pair<std::string, std::string>>& extra = {}) {
    std::vector<std::string> fields = {
        absl::StrCat("\"council\":\"", kCouncil, "\""), absl::StrCat("\"police\":\"", kPolice, "\""),
        absl::StrCat("\"nhs\":\"", kNhs, "\""),
        absl::StrCat("\"councilLessons\":[\"", absl::StrJoin(council_ids_, "\",\""), "\"]"),
        absl::StrCat("\"policeLessons\":[\"", absl::StrJoin(police_ids_, "\",\""), "\"]")};
    for (const auto& [name, json] : extra) fields.push_back(absl::StrCat("\"", name, "\":", json));
    return absl::StrCat("{", absl::StrJoin(fields, ","), "}");
  }

  TestPki pki_;
  Federation federation_;
  std::vector<std::string> council_ids_, police_ids_, nhs_ids_;
};

TEST_F(ConsoleInBrowserTest, AnAnalystSearchesLocallyAndAcrossTheFederationAndReadsALesson) {
  // The NHS trust is down: the federated search shows it unreachable.
  ASSERT_TRUE(federation_.node(kNhs).Stop().ok());
  RunFlow("analyst", "bob", FlowData());
}

TEST_F(ConsoleInBrowserTest, HostileLessonTextFromAPeerIsShownAsText) {
  RunFlow("hostile_text", "bob", FlowData({{"hostileLesson", absl::StrCat("\"", police_ids_[1], "\"")}}));
}

TEST_F(ConsoleInBrowserTest, AnEditorRecordsEditsRetractsAndImportsLessons) {
  RunFlow("editor", "alice", FlowData());
}

// alice's browser presents her certificate to whatever page sends it there; the console's CSRF
// and framing defences are what stop another site acting as her.
TEST_F(ConsoleInBrowserTest, AnotherSiteCannotActAsTheSignedInEditor) {
  RunFlow("cross_site", "alice", FlowData());
}

// The council's policy for the police allows GREEN lessons (version 1), though the police may not
// pull yet; ada, its admin, works from there.
TEST_F(ConsoleInBrowserTest, AnAdminAddsAPeerSetsAPolicyExplainsPreviewsAndReadsTheAudit) {
  ASSERT_TRUE(
      federation_.Admin(kCouncil)->SetPolicyText(kPolice, "export { markings: [TLP_GREEN] }").ok());
  RunFlow("admin", "ada", FlowData());
}

TEST_F(ConsoleInBrowserTest, AnAnalystOrEditorCannotAdministerTheNode) {
  RunFlow("admin_refused", "bob", FlowData({{"user", "\"bob\""}, {"role", "\"analyst\""}}));
  RunFlow("admin_refused", "alice", FlowData({{"user", "\"alice\""}, {"role", "\"editor\""}}));
}

// Every node up: the NHS trust's lesson, which the council may search but does not hold, comes
// back from the federated search without a link to a lesson page the council cannot show.
TEST_F(ConsoleInBrowserTest, AFederatedHitOnlyAPeerHoldsIsShownWithoutALink) {
  RunFlow("federated_hits", "bob", FlowData());
}

// carol, a contributor, speaks up in confidence; alice, an editor, makes it a lesson without
// learning who sent it; carol then reads what became of it.
TEST_F(ConsoleInBrowserTest, StaffSpeakUpInConfidenceAndAnEditorMakesItALesson) {
  const std::string data =
      FlowData({{"title", "\"Night shift skips the handover checklist\""}});
  RunFlow("speak_up", "carol", data);
  RunFlow("review", "alice", data);
  RunFlow("speak_up", "carol",
          FlowData({{"title", "\"Night shift skips the handover checklist\""},
                    {"phase", "\"follow\""}}));
}

// bob, an analyst, saves a search in the console; a matching lesson written at the council and
// one written at the police (reaching the council by replication) alert him, one that does not
// match does not; he reads them and marks them read.
TEST_F(ConsoleInBrowserTest, AnAnalystSavesASearchAndReadsItsAlerts) {
  RunFlow("alerts", "bob", FlowData({{"query", "\"lose charge\""}}));
  ASSERT_TRUE(federation_.Editor(kCouncil)
                  ->Create(Lesson("Council tablets lose charge in the cold",
                                  "Seen across three depots.", {"battery"}))
                  .ok());
  auto police = federation_.Editor(kPolice);
  ASSERT_TRUE(police->Create(Lesson("Canteen opening hours", "Unrelated.", {"facilities"})).ok());
  ASSERT_TRUE(police->Create(Lesson("Police radios lose charge on night shifts",
                                    "Spare batteries are now issued.", {"battery"}))
                  .ok());
  // Both reach the council's alerts before the flow reads them.
  auto bob = federation_.node(kCouncil).ClientFor("bob");
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (bob->ListAlerts({})->unread_count() < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(bob->ListAlerts({})->unread_count(), 2u);
  RunFlow("alerts", "bob", FlowData({{"query", "\"lose charge\""}, {"phase", "\"read\""}}));
}

// bob, an analyst at the council, tells the police the council adopted one of their lessons;
// alice, at the police, reads it on the lesson's page.
TEST_F(ConsoleInBrowserTest, AnAnalystTellsTheOriginItAdoptedALessonAndTheOriginSeesIt) {
  const std::string note = "\"Terminals now switch off with the ignition\"";
  RunFlow("feedback", "bob", FlowData({{"note", note}}));
  auto alice = federation_.node(kPolice).ClientFor("alice");
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (alice->GetFeedback(police_ids_[0])->feedback_size() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(alice->GetFeedback(police_ids_[0])->feedback_size(), 1);
  RunFlow("feedback", "alice", FlowData({{"note", note}, {"phase", "\"origin\""}}), kPolice);
}

// bob, an analyst at the council, makes the lessons report for today; it renders in Chromium.
TEST_F(ConsoleInBrowserTest, AnAnalystMakesTheLessonsReportAndItRenders) {
  const absl::Time now = absl::Now();
  auto day = [](absl::Time at) {
    return absl::StrCat("\"", absl::FormatTime("%Y-%m-%d", at, absl::UTCTimeZone()), "\"");
  };
  RunFlow("report", "bob",
          FlowData({{"today", day(now)}, {"tomorrow", day(now + absl::Hours(24))}}));
}

}  // namespace
}  // namespace cairn
