#include "node/alerts/alerter.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/search/analyzer.h"
#include "node/search/query.h"
#include "cairn/v1/alert_service.pb.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<search::QueryPlan> Plan(const std::string& text, bool all_words) {
  absl::StatusOr<search::Query> query = search::ParseQuery(text);
  if (!query.ok()) return query.status();
  return search::PlanQuery(*query, all_words, {}, &search::Analyzer::ForThisThread());
}

v1::Lesson Lesson(int n, const std::string& title, const std::string& org = "west-police") {
  v1::Lesson lesson;
  lesson.set_id(absl::StrCat(org, ":01ARZ3NDEKTSV4RRFFQ69G5F", 10 + n));
  lesson.set_origin_org(org);
  lesson.set_origin_sector(org == "west-police" ? "policing" : "local-government");
  lesson.set_version(1);
  lesson.set_title(title);
  lesson.set_marking(v1::TLP_GREEN);
  lesson.set_status(v1::LESSON_LEARNED);
  return lesson;
}

class AlerterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *Store::Open(dir_.path());
    StartAlerter();
  }

  void StartAlerter() {
    alerter_ = std::make_unique<Alerter>(store_.get(), Plan, &clock_, &random_, options_);
    ASSERT_TRUE(alerter_->Start().ok());
  }

  void Put(const v1::Lesson& lesson, uint64_t stored_version = 0) {
    ASSERT_TRUE(store_->Commit({LessonWrite{lesson, stored_version}}).ok());
  }

  // Waits (generously) until the alerter has seen every change stored so far.
  void Settle() {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (alerter_->percolated() < store_->LastSequence() && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    ASSERT_GE(alerter_->percolated(), store_->LastSequence());
  }

  std::vector<std::string> AlertedLessons(const std::string& owner, uint64_t after = 0) {
    auto alerts = alerter_->Read(owner, after, 500);
    EXPECT_TRUE(alerts.ok()) << alerts.status();
    std::vector<std::string> ids;
    uint64_t last = after;
    for (const v1::Alert& alert : *alerts) {
      EXPECT_GT(alert.cursor(), last);
      last = alert.cursor();
      ids.push_back(absl::StrCat(alert.lesson_id().substr(alert.lesson_id().size() - 2), " v",
                                 alert.version()));
    }
    return ids;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::CountingRandom random_;
  std::unique_ptr<Store> store_;
  AlerterOptions options_;
  std::unique_ptr<Alerter> alerter_;
};

TEST_F(AlerterTest, EachNewOrChangedLessonAlertsTheOwnersOfTheSearchesItMatches) {
  Put(Lesson(0, "Radio batteries fail in the cold"));  // before any search: never alerted
  ASSERT_TRUE(alerter_->Add("bob", "radio batteries", false).ok());
  ASSERT_TRUE(alerter_->Add("eve", "\"tablet charger\"", false).ok());
  Put(Lesson(1, "Tablet charger melts in vans"));
  Put(Lesson(2, "Spare radio for each shift"));
  Put(Lesson(3, "Nothing to do with either"));
  v1::Lesson changed = Lesson(3, "Charge the radio between shifts");
  changed.set_version(2);
  Put(changed, 1);
  Settle();
  EXPECT_THAT(AlertedLessons("bob"), ElementsAre("12 v1", "13 v2"));
  EXPECT_THAT(AlertedLessons("eve"), ElementsAre("11 v1"));
  auto alerts = alerter_->Read("bob", 0, 10);
  ASSERT_EQ(alerts->size(), 2u);
  EXPECT_EQ((*alerts)[0].query(), "radio batteries");
  EXPECT_EQ((*alerts)[0].title(), "Spare radio for each shift");
  EXPECT_EQ((*alerts)[0].origin_org(), "west-police");
  // A reader resumes after the last cursor it saw.
  EXPECT_THAT(AlertedLessons("bob", (*alerts)[0].cursor()), ElementsAre("13 v2"));
}

TEST_F(AlerterTest, AfterARestartNothingStoredMeanwhileIsMissedAndNothingIsAlertedTwice) {
  ASSERT_TRUE(alerter_->Add("bob", "radio", false).ok());
  Put(Lesson(1, "Radio one"));
  Settle();
  alerter_.reset();  // the node stops
  Put(Lesson(2, "Radio two"));
  Put(Lesson(3, "Radio three"));
  StartAlerter();
  Settle();
  EXPECT_THAT(AlertedLessons("bob"), ElementsAre("11 v1", "12 v1", "13 v1"));
  ASSERT_EQ(alerter_->List("bob")->size(), 1u);  // saved searches survive too
}

TEST_F(AlerterTest, ARemovedSearchAlertsNoMore) {
  absl::StatusOr<v1::Watch> watch = alerter_->Add("bob", "radio", false);
  ASSERT_TRUE(watch.ok());
  Put(Lesson(1, "Radio one"));
  Settle();
  EXPECT_EQ(alerter_->Remove("eve", watch->id()).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(alerter_->Remove("bob", watch->id()).ok());
  Put(Lesson(2, "Radio two"));
  Settle();
  EXPECT_THAT(AlertedLessons("bob"), ElementsAre("11 v1"));
  EXPECT_TRUE(alerter_->List("bob")->empty());
}

TEST_F(AlerterTest, BadSearchesAreRefusedNamingTheQueryAndEachUserKeepsABoundedNumber) {
  EXPECT_THAT(alerter_->Add("bob", "  ", false).status().message(), HasSubstr("query: is empty"));
  EXPECT_EQ(alerter_->Add("bob", "\"unclosed", false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(alerter_->Add("bob", "the of what", false).status().message(),
              HasSubstr("too common"));
  for (size_t i = 0; i < Alerter::kMaxWatchesPerUser; ++i) {
    ASSERT_TRUE(alerter_->Add("bob", absl::StrCat("radio", i), false).ok());
  }
  absl::StatusOr<v1::Watch> over = alerter_->Add("bob", "one more", false);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("100 saved searches"));
  EXPECT_TRUE(alerter_->Add("eve", "one more", false).ok());
}

TEST_F(AlerterTest, EachUserKeepsTheirNewestAlertsAndOthersAreUntouched) {
  alerter_.reset();
  options_.max_alerts_per_user = 64;
  StartAlerter();
  ASSERT_TRUE(alerter_->Add("bob", "radio", false).ok());
  ASSERT_TRUE(alerter_->Add("eve", "\"radio 7\"", false).ok());
  for (int i = 0; i < 150; ++i) Put(Lesson(i, absl::StrCat("Radio ", i)));
  Settle();
  std::vector<std::string> kept = AlertedLessons("bob");
  // Trimmed a batch at a time: never fewer than the newest 64, never more than 64 + 64/32.
  EXPECT_GE(kept.size(), 64u);
  EXPECT_LE(kept.size(), 66u);
  auto newest = alerter_->Read("bob", 0, 500);
  EXPECT_EQ(newest->back().title(), "Radio 149");
  EXPECT_THAT(AlertedLessons("eve"), ElementsAre("17 v1"));  // "Radio 7" only
}

TEST_F(AlerterTest, UnreadAlertsAreCountedUntilMarkedRead) {
  ASSERT_TRUE(alerter_->Add("bob", "radio", false).ok());
  for (int i = 1; i <= 3; ++i) Put(Lesson(i, absl::StrCat("Radio ", i)));
  Settle();
  absl::StatusOr<v1::ListAlertsResponse> listed = alerter_->List("bob", {});
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->unread_count(), 3u);
  ASSERT_EQ(listed->alerts_size(), 3);
  EXPECT_EQ(listed->alerts(0).title(), "Radio 3");  // newest first
  absl::StatusOr<v1::MarkAlertsReadResponse> marked =
      alerter_->MarkRead("bob", listed->alerts(1).cursor());
  ASSERT_TRUE(marked.ok());
  EXPECT_EQ(marked->unread_count(), 1u);
  // The mark never moves back.
  EXPECT_EQ(alerter_->MarkRead("bob", 1)->read_through(), listed->alerts(1).cursor());
  listed = alerter_->List("bob", {});
  EXPECT_TRUE(listed->alerts(0).unread());
  EXPECT_FALSE(listed->alerts(1).unread());
  EXPECT_THAT(alerter_->MarkRead("bob", 0).status().message(), HasSubstr("through:"));
  alerter_.reset();  // the mark survives a restart
  StartAlerter();
  EXPECT_EQ(alerter_->List("bob", {})->unread_count(), 1u);
}

TEST_F(AlerterTest, OnlyAllowedWebhooksAreSavedAndTheirAlertsWaitForTheSender) {
  EXPECT_EQ(alerter_->Add("bob", "radio", false, "https://hooks.example.org/a").status().code(),
            absl::StatusCode::kFailedPrecondition);  // no webhooks allowed at all
  alerter_.reset();
  options_.webhook_prefixes = {"https://hooks.example.org/"};
  StartAlerter();
  for (const char* bad : {"https://hooks.example.org.attacker.net/a", "http://hooks.example.org/a",
                          "https://hooks.example.org/a b"}) {
    absl::StatusOr<v1::Watch> refused = alerter_->Add("bob", "radio", false, bad);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << bad;
    EXPECT_THAT(refused.status().message(), HasSubstr("webhook_url:"));
  }
  ASSERT_TRUE(alerter_->Add("bob", "radio", false, "https://hooks.example.org/teams").ok());
  ASSERT_TRUE(alerter_->Add("eve", "radio", false).ok());
  Put(Lesson(1, "Radio one"));
  Settle();
  // Only bob's alert waits for the webhook sender, in the same write as the alert.
  auto pending = store_->ReadPendingWebhooks(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].url(), "https://hooks.example.org/teams");
  EXPECT_EQ((*pending)[0].alert().owner(), "bob");
  EXPECT_EQ((*pending)[0].alert().title(), "Radio one");
}

}  // namespace
}  // namespace cairn
