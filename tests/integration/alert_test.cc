// Saved searches against real cairnd processes: an analyst at the council watches for a subject;
// a lesson the police write reaches the council by replication and alerts the analyst, through
// `cairn watch`, which resumes after the last alert it printed so nothing is missed meanwhile.
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/federation.h"
#include "tests/support/files.h"
#include "tests/support/run_command.h"
#include "tests/support/webhook_receiver.h"

namespace cairn {
namespace {

using testing::CommandResult;
using testing::Federation;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCouncil[] = "leeds-council";
constexpr char kPolice[] = "west-police";

v1::Lesson Lesson(const std::string& title, v1::TlpMarking marking = v1::TLP_GREEN) {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.set_summary("Seen on night shifts across the force");
  lesson.set_marking(marking);
  lesson.set_status(v1::LESSON_LEARNED);
  return lesson;
}

TEST(AlertTest, APeersLessonAlertsTheWatcherWhoResumesWithoutMissingAny) {
  Federation federation({kCouncil, kPolice});
  federation.Link(kPolice, kCouncil, "export { markings: [TLP_GREEN] }");
  testing::CairndProcess& council = federation.node(kCouncil);
  CommandResult added = council.RunCli("bob", {"watch", "add", "radio", "batteries"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_THAT(added.out, HasSubstr("saved w"));
  EXPECT_THAT(council.RunCli("bob", {"watch", "list"}).out, HasSubstr("radio batteries"));
  // Contributors may not watch: they read nothing.
  EXPECT_THAT(council.RunCli("carol", {"watch", "add", "radio"}).err,
              HasSubstr("saving a search needs analyst"));

  auto police = federation.Editor(kPolice);
  ASSERT_TRUE(police->Create(Lesson("Radio batteries die in the cold")).ok());
  ASSERT_TRUE(police->Create(Lesson("Radio handsets kept at the station",
                                    v1::TLP_AMBER))
                  .ok());  // stays at the police
  ASSERT_TRUE(police->Create(Lesson("Canteen opening hours")).ok());
  const std::string cursor_file = council.data_dir() + "/../watch-cursor";
  CommandResult first =
      council.RunCli("bob", {"watch", "--limit", "1", "--cursor-file", cursor_file});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("Radio batteries die in the cold"));
  EXPECT_THAT(first.out, HasSubstr("west-police (local-government)"));

  // While nobody follows, more arrive; the next run starts after the last one printed.
  ASSERT_TRUE(police->Create(Lesson("Spare batteries for every radio")).ok());
  ASSERT_TRUE(police->Create(Lesson("Radio earpieces need cleaning")).ok());
  CommandResult second =
      council.RunCli("bob", {"watch", "--limit", "2", "--cursor-file", cursor_file});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, Not(HasSubstr("die in the cold")));
  EXPECT_THAT(second.out, HasSubstr("Spare batteries for every radio"));
  EXPECT_THAT(second.out, HasSubstr("Radio earpieces need cleaning"));
  EXPECT_THAT(second.out, Not(HasSubstr("kept at the station")));
  EXPECT_THAT(second.out, Not(HasSubstr("Canteen")));
  // Another analyst's alerts are their own.
  CommandResult others = council.RunCli("alice", {"watch", "list"});
  EXPECT_THAT(others.out, Not(HasSubstr("radio batteries")));
}

// The console's list: unread alerts newest first with their count, marked read up to a cursor,
// and the mark never runs ahead of what is stored.
TEST(AlertTest, UnreadAlertsAreListedNewestFirstAndMarkedRead) {
  Federation federation({kCouncil});
  testing::CairndProcess& council = federation.node(kCouncil);
  ASSERT_EQ(council.RunCli("bob", {"watch", "add", "radio"}).exit_code, 0);
  auto editor = federation.Editor(kCouncil);
  for (const char* title : {"Radio one", "Radio two", "Radio three"}) {
    ASSERT_TRUE(editor->Create(Lesson(title)).ok());
  }
  auto bob = council.ClientFor("bob");
  v1::ListAlertsResponse listed;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while ((listed = *bob->ListAlerts({})).unread_count() < 3 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));  // between polls of a condition, not a wait for it
  }
  ASSERT_EQ(listed.unread_count(), 3u);
  ASSERT_EQ(listed.alerts_size(), 3);
  EXPECT_EQ(listed.alerts(0).title(), "Radio three");
  EXPECT_TRUE(listed.alerts(0).unread());

  // Read up to the middle one: the newest stays unread.
  auto marked = bob->MarkAlertsRead(listed.alerts(1).cursor());
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_EQ(marked->unread_count(), 1u);
  v1::ListAlertsRequest unread_only;
  unread_only.set_unread_only(true);
  v1::ListAlertsResponse unread = *bob->ListAlerts(unread_only);
  ASSERT_EQ(unread.alerts_size(), 1);
  EXPECT_EQ(unread.alerts(0).title(), "Radio three");
  // Paging: one at a time, the next page below the last cursor shown.
  v1::ListAlertsRequest one;
  one.set_page_size(1);
  v1::ListAlertsResponse first = *bob->ListAlerts(one);
  ASSERT_EQ(first.alerts_size(), 1);
  one.set_before(first.next_before());
  v1::ListAlertsResponse second = *bob->ListAlerts(one);
  ASSERT_EQ(second.alerts_size(), 1);
  EXPECT_EQ(second.alerts(0).title(), "Radio two");
  EXPECT_FALSE(second.alerts(0).unread());

  // A mark past every alert stops at the last stored: the next one is unread.
  ASSERT_TRUE(bob->MarkAlertsRead(1'000'000).ok());
  ASSERT_TRUE(editor->Create(Lesson("Radio four")).ok());
  CommandResult cli;
  const absl::Time again = absl::Now() + absl::Seconds(60);
  while ((cli = council.RunCli("bob", {"watch", "alerts", "--unread"})).out.find("Radio four") ==
             std::string::npos &&
         absl::Now() < again) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_THAT(cli.out, HasSubstr("1 unread"));
  EXPECT_THAT(cli.out, HasSubstr("new "));
  EXPECT_THAT(council.RunCli("bob", {"watch", "read", "0"}).err, HasSubstr("through:"));
  // Alice has none of bob's.
  EXPECT_EQ(council.ClientFor("alice")->ListAlerts({})->alerts_size(), 0);
}

// A saved search with a webhook: each alert is posted as JSON to a real HTTPS receiver, retried
// when it fails, and survives the node's crash while the receiver is failing. A URL the admin
// does not allow is refused when the search is saved.
TEST(AlertTest, AlertsArePostedToAnAllowedWebhookAndRetriedUntilTaken) {
  testing::TestPki& pki = testing::TestPki::Shared();
  testing::WebhookReceiver receiver(pki.Node("hooks-example"), /*fail_first=*/2);
  Federation federation({kCouncil, kPolice}, &pki, [&](v1::NodeConfig* config) {
    config->mutable_alerts()->add_webhook_allowed_prefixes(receiver.url());
    config->mutable_alerts()->set_webhook_ca_file(pki.ca_file());
    config->mutable_alerts()->set_console_url("https://cairn.leeds.example:8443");
  });
  federation.Link(kPolice, kCouncil, "export { markings: [TLP_GREEN] }");
  testing::CairndProcess& council = federation.node(kCouncil);

  CommandResult refused = council.RunCli(
      "bob", {"watch", "add", "radio", "--webhook", "https://attacker.example/hooks/"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("webhook_url: https://attacker.example/hooks/ is not one"));
  CommandResult added = council.RunCli(
      "bob", {"watch", "add", "radio", "--webhook", receiver.url() + "teams"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_THAT(added.out, HasSubstr("posted to " + receiver.url() + "teams"));

  auto police = federation.Editor(kPolice);
  ASSERT_TRUE(police->Create(Lesson("Radio batteries die in the cold")).ok());
  // The first two posts fail; a retry delivers it.
  std::vector<std::string> taken = receiver.WaitFor(1);
  ASSERT_EQ(taken.size(), 1u) << council.log();
  EXPECT_EQ(receiver.failed(), 2);
  EXPECT_THAT(taken[0], HasSubstr("Cairn: \\\"radio\\\" matched \\\"Radio batteries die in the cold"));
  EXPECT_THAT(taken[0], HasSubstr("\"originOrg\":\"west-police\""));
  EXPECT_THAT(taken[0], HasSubstr("\"link\":\"https://cairn.leeds.example:8443/lesson?id=west-police"));

  // The receiver fails everything; once the next alert has failed, the node crashes. The alert
  // waits on disk and is posted after the restart.
  receiver.FailNext(1'000'000);
  ASSERT_TRUE(police->Create(Lesson("Radio earpieces need cleaning")).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (receiver.failed() < 3 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_GE(receiver.failed(), 3) << council.log();
  EXPECT_THAT(council.log(), HasSubstr("the server answered 503"));
  council.Kill();
  receiver.FailNext(0);
  ASSERT_TRUE(council.Start().ok()) << council.log();
  taken = receiver.WaitFor(2);
  ASSERT_EQ(taken.size(), 2u) << council.log();
  EXPECT_THAT(taken[1], HasSubstr("Radio earpieces need cleaning"));
}

}  // namespace
}  // namespace cairn
