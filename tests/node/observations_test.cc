#include "node/lessons/observations.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/audit/audit_log.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::Lesson Noticed(const std::string& title) {
  v1::Lesson observation;
  observation.set_title(title);
  observation.set_summary("Tablets left on charge in the van overnight were flat by the morning");
  return observation;
}

class ObservationsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    desk_.reset();
    catalog_.reset();
    store_.reset();
    auto store = Store::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    catalog_ = std::make_unique<LessonCatalog>(
        store_.get(), LessonCatalog::Identity{"leeds-council", "local-government"}, &clock_,
        &random_);
    desk_ = std::make_unique<ObservationDesk>(store_.get(), catalog_.get(), &clock_);
  }

  v1::Submission MustSubmit(const std::string& user, const std::string& title,
                            bool confidential = false) {
    auto submitted = desk_->Submit(user, Noticed(title), confidential);
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    return submitted.value_or(v1::Submission());
  }

  std::vector<v1::AuditEvent> AuditLog() {
    std::vector<v1::AuditEvent> events;
    EXPECT_TRUE(store_
                    ->ScanAuditNewestFirst(0,
                                           [&](const v1::AuditEvent& event) {
                                             events.push_back(event);
                                             return true;
                                           })
                    .ok());
    return events;
  }

  std::vector<std::string> QueueIds() {
    auto queue = desk_->Queue({});
    EXPECT_TRUE(queue.ok()) << queue.status();
    std::vector<std::string> ids;
    for (const v1::Submission& submission : queue->submissions()) {
      ids.push_back(submission.lesson_id());
    }
    return ids;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::CountingRandom random_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<LessonCatalog> catalog_;
  std::unique_ptr<ObservationDesk> desk_;
};

TEST_F(ObservationsTest, AnObservationIsARedLessonAwaitingReviewThatSurvivesARestart) {
  v1::Submission submission = MustSubmit("carol", "Tablets flat after a night in the van");
  EXPECT_EQ(submission.state(), v1::Submission::PENDING);
  EXPECT_EQ(submission.submitter(), "carol");
  EXPECT_FALSE(submission.confidential());
  Open();  // acknowledged means stored
  auto lesson = store_->GetLesson(submission.lesson_id());
  ASSERT_TRUE(lesson.ok()) << lesson.status();
  EXPECT_EQ(lesson->status(), v1::OBSERVATION);
  EXPECT_EQ(lesson->marking(), v1::TLP_RED);
  EXPECT_EQ(lesson->origin_org(), "leeds-council");
  EXPECT_THAT(QueueIds(), ::testing::ElementsAre(submission.lesson_id()));
  EXPECT_EQ(AuditLog().front().actor(), "user carol");
}

TEST_F(ObservationsTest, BadSubmissionsNameTheFieldAndStoreNothing) {
  v1::Lesson shared = Noticed("Already shared");
  shared.set_marking(v1::TLP_GREEN);
  auto refused = desk_->Submit("carol", shared, false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("observation.marking: leave it empty"));
  v1::Lesson learned = Noticed("Already learned");
  learned.set_status(v1::LESSON_LEARNED);
  refused = desk_->Submit("carol", learned, false);
  EXPECT_THAT(refused.status().message(), HasSubstr("observation.status:"));
  refused = desk_->Submit("carol", Noticed(""), false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("observation.title: is empty"));
  v1::Lesson with_id = Noticed("Chose my own id");
  with_id.set_id("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV");
  refused = desk_->Submit("carol", with_id, false);
  EXPECT_THAT(refused.status().message(), HasSubstr("observation.id"));
  EXPECT_EQ(store_->LastSequence(), 0u);
  EXPECT_TRUE(QueueIds().empty());
}

TEST_F(ObservationsTest, AConfidentialSubmitterIsNamedNowhereButToAnAdminWhoAsks) {
  v1::Submission submission =
      MustSubmit("whistler", "Night shift told to skip the handover checklist", true);
  EXPECT_TRUE(submission.confidential());
  EXPECT_EQ(submission.submitter(), "");
  // Not in the lesson, the queue, the submission a reviewer gets, or the audit log.
  auto lesson = store_->GetLesson(submission.lesson_id());
  ASSERT_TRUE(lesson.ok());
  EXPECT_THAT(lesson->DebugString(), Not(HasSubstr("whistler")));
  auto queue = desk_->Queue({});
  ASSERT_TRUE(queue.ok());
  EXPECT_THAT(queue->DebugString(), Not(HasSubstr("whistler")));
  v1::ReviewObservationRequest promote;
  promote.set_lesson_id(submission.lesson_id());
  promote.mutable_promote()->set_status(v1::LESSON_IDENTIFIED);
  promote.mutable_promote()->set_marking(v1::TLP_AMBER);
  auto reviewed = desk_->Review("alice", promote);
  ASSERT_TRUE(reviewed.ok()) << reviewed.status();
  EXPECT_THAT(reviewed->DebugString(), Not(HasSubstr("whistler")));
  for (const v1::AuditEvent& event : AuditLog()) {
    EXPECT_THAT(event.DebugString(), Not(HasSubstr("whistler")));
  }
  EXPECT_EQ(AuditLog().back().actor(), kSealedSubmitter);
  // The submitter still follows it.
  auto mine = desk_->Mine("whistler", {});
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->submissions_size(), 1);
  EXPECT_EQ(mine->submissions(0).state(), v1::Submission::PROMOTED);
  EXPECT_EQ(desk_->Mine("carol", {})->submissions_size(), 0);
  // An admin may ask, with a reason, and the asking is audited before the answer.
  EXPECT_EQ(desk_->RevealSubmitter("user ada", submission.lesson_id(), "").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto revealed =
      desk_->RevealSubmitter("user ada", submission.lesson_id(), "grievance hearing 2026-114");
  ASSERT_TRUE(revealed.ok()) << revealed.status();
  EXPECT_EQ(*revealed, "whistler");
  v1::AuditEvent read = AuditLog().front();
  EXPECT_EQ(read.action(), "observation.reveal_submitter");
  EXPECT_EQ(read.actor(), "user ada");
  EXPECT_EQ(read.target(), submission.lesson_id());
  EXPECT_EQ(read.detail(), "grievance hearing 2026-114");
}

TEST_F(ObservationsTest, PromotingMakesItALessonWithTheEditorsMarkingAndTopics) {
  v1::Submission submission = MustSubmit("carol", "Tablets flat after a night in the van");
  v1::ReviewObservationRequest request;
  request.set_lesson_id(submission.lesson_id());
  request.mutable_promote()->set_status(v1::OBSERVATION);
  request.mutable_promote()->set_marking(v1::TLP_GREEN);
  auto refused = desk_->Review("alice", request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("promote.status"));
  request.mutable_promote()->set_status(v1::LESSON_LEARNED);
  request.mutable_promote()->clear_marking();
  refused = desk_->Review("alice", request);
  EXPECT_THAT(refused.status().message(), HasSubstr("promote.marking"));
  EXPECT_EQ(store_->GetLesson(submission.lesson_id())->version(), 1u);  // nothing changed

  request.mutable_promote()->set_marking(v1::TLP_GREEN);
  request.mutable_promote()->add_topics("battery-management");
  auto promoted = desk_->Review("alice", request);
  ASSERT_TRUE(promoted.ok()) << promoted.status();
  EXPECT_EQ(promoted->state(), v1::Submission::PROMOTED);
  EXPECT_EQ(promoted->reviewed_by(), "alice");
  auto lesson = store_->GetLesson(submission.lesson_id());
  EXPECT_EQ(lesson->version(), 2u);
  EXPECT_EQ(lesson->status(), v1::LESSON_LEARNED);
  EXPECT_EQ(lesson->marking(), v1::TLP_GREEN);
  EXPECT_THAT(lesson->topics(), ::testing::ElementsAre("battery-management"));
  EXPECT_TRUE(QueueIds().empty());
  // Reviewed once only.
  auto again = desk_->Review("bob", request);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.status().message(), HasSubstr("already promoted by alice"));
}

TEST_F(ObservationsTest, MergingAndDecliningRetractTheObservationAndTellTheSubmitter) {
  auto existing = catalog_->Create("user alice", [] {
    v1::Lesson lesson = Noticed("Charge tablets at the depot, not in vans");
    lesson.set_marking(v1::TLP_GREEN);
    return lesson;
  }());
  ASSERT_TRUE(existing.ok());
  v1::Submission duplicate = MustSubmit("carol", "Van tablets flat again");
  v1::Submission off_topic = MustSubmit("carol", "The canteen coffee is cold");

  v1::ReviewObservationRequest merge;
  merge.set_lesson_id(duplicate.lesson_id());
  merge.mutable_merge()->set_into(duplicate.lesson_id());
  EXPECT_THAT(desk_->Review("alice", merge).status().message(), HasSubstr("merge.into"));
  merge.mutable_merge()->set_into("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV");
  EXPECT_EQ(desk_->Review("alice", merge).status().code(), absl::StatusCode::kNotFound);
  merge.mutable_merge()->set_into(existing->id());
  auto merged = desk_->Review("alice", merge);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->merged_into(), existing->id());
  auto retracted = store_->GetLesson(duplicate.lesson_id());
  EXPECT_EQ(retracted->status(), v1::RETRACTED);
  EXPECT_EQ(retracted->retraction_reason(), absl::StrCat("merged into ", existing->id()));

  v1::ReviewObservationRequest decline;
  decline.set_lesson_id(off_topic.lesson_id());
  decline.mutable_decline();
  EXPECT_THAT(desk_->Review("alice", decline).status().message(), HasSubstr("decline.reason"));
  decline.mutable_decline()->set_reason("Not a lesson for the service; passed to facilities");
  ASSERT_TRUE(desk_->Review("alice", decline).ok());
  EXPECT_EQ(store_->GetLesson(off_topic.lesson_id())->status(), v1::RETRACTED);

  auto mine = desk_->Mine("carol", {});
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->submissions_size(), 2);  // newest first
  EXPECT_EQ(mine->submissions(0).state(), v1::Submission::DECLINED);
  EXPECT_EQ(mine->submissions(0).decline_reason(),
            "Not a lesson for the service; passed to facilities");
  EXPECT_EQ(mine->submissions(1).state(), v1::Submission::MERGED);
  v1::ReviewObservationRequest none;
  none.set_lesson_id(existing->id());
  none.mutable_decline()->set_reason("x");
  EXPECT_EQ(desk_->Review("alice", none).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ObservationsTest, OnlyAReviewDecidesAPendingObservationsMarkingAndStatus) {
  v1::Submission submission = MustSubmit("carol", "Tablets flat after a night in the van");
  v1::Lesson lesson = *store_->GetLesson(submission.lesson_id());
  lesson.set_marking(v1::TLP_CLEAR);
  auto edited = catalog_->Update("user alice", lesson);
  EXPECT_EQ(edited.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(edited.status().message(), HasSubstr("awaiting review"));
  EXPECT_EQ(catalog_->Retract("user alice", submission.lesson_id(), "").status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Its words may be tidied before review.
  lesson.set_marking(v1::TLP_RED);
  lesson.set_summary("Tablets left in vans overnight were flat by the morning shift");
  ASSERT_TRUE(catalog_->Update("user alice", lesson).ok());
  EXPECT_EQ(QueueIds().size(), 1u);
}

TEST_F(ObservationsTest, TheQueueComesInPagesOldestFirst) {
  std::vector<std::string> submitted;
  for (int i = 0; i < 5; ++i) {
    submitted.push_back(MustSubmit("carol", absl::StrCat("Observation ", i)).lesson_id());
  }
  std::vector<std::string> seen;
  v1::ListSubmissionsRequest request;
  request.set_page_size(2);
  for (int pages = 0; pages < 10; ++pages) {
    auto page = desk_->Queue(request);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const v1::Submission& submission : page->submissions()) {
      seen.push_back(submission.lesson_id());
    }
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  EXPECT_EQ(seen, submitted);
  request.set_page_size(501);
  EXPECT_THAT(desk_->Queue(request).status().message(), HasSubstr("page_size"));
  request.set_page_size(2);
  request.set_page_token("not a token");
  EXPECT_EQ(desk_->Queue(request).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn
