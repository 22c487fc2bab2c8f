// The feedback desk on its own: what a user may give (and each refusal naming its field), the
// revision each new word gets, feedback on a lesson given whole (a federated hit) only when its
// origin signed it, and deliveries: the origin keeps each organisation's latest, a node on the
// way keeps one delivery per organisation and lesson.
#include "node/feedback/feedback_desk.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

constexpr char kLessonId[] = "west-police:01ARZ3NDEKTSV4RRFFQ69G5FAV";

class FeedbackDeskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::CertPaths police = pki_.Node("west-police");
    testing::CertPaths council = pki_.Node("leeds-council");
    police_key_ = *LessonSigner::Load(police.cert, police.key);
    council_key_ = *LessonSigner::Load(council.cert, council.key);
    verifier_ = *LessonVerifier::Load(pki_.ca_file(), pki_.federation());
    council_store_ = *Store::Open(council_dir_.path());
    police_store_ = *Store::Open(police_dir_.path());
    council_directory_ = *PeerDirectory::Open(council_store_.get(), "leeds-council", &clock_);
    police_directory_ = *PeerDirectory::Open(police_store_.get(), "west-police", &clock_);
    council_ = std::make_unique<FeedbackDesk>(council_store_.get(), council_key_.get(),
                                              verifier_.get(), council_directory_.get(),
                                              "leeds-council", "local-government", &clock_);
    police_ =
        std::make_unique<FeedbackDesk>(police_store_.get(), police_key_.get(), verifier_.get(),
                                       police_directory_.get(), "west-police", "policing", &clock_);
    lesson_.set_id(kLessonId);
    lesson_.set_origin_org("west-police");
    lesson_.set_origin_sector("policing");
    lesson_.set_version(1);
    lesson_.set_title("Radio batteries die in the cold");
    lesson_.set_marking(v1::TLP_GREEN);
    lesson_.set_status(v1::LESSON_LEARNED);
    ASSERT_TRUE(police_key_->Sign(&lesson_).ok());
    ASSERT_TRUE(police_store_->Commit({LessonWrite{lesson_, 0}}).ok());
  }

  v1::GiveFeedbackRequest Request(v1::Adoption adoption = v1::ADOPTED) {
    v1::GiveFeedbackRequest request;
    request.set_lesson_id(kLessonId);
    request.set_adoption(adoption);
    return request;
  }

  testing::TestPki& pki_ = testing::TestPki::Shared();
  testing::FakeClock clock_;
  testing::TempDir council_dir_, police_dir_;
  std::unique_ptr<LessonSigner> police_key_, council_key_;
  std::unique_ptr<LessonVerifier> verifier_;
  std::unique_ptr<Store> council_store_, police_store_;
  std::unique_ptr<PeerDirectory> council_directory_, police_directory_;
  std::unique_ptr<FeedbackDesk> council_, police_;
  Principal bob_{Principal::Kind::kUser, "leeds-council", "bob", v1::ANALYST};
  v1::Lesson lesson_;
};

TEST_F(FeedbackDeskTest, BadFeedbackIsRefusedNamingTheFieldAndStoresNothing) {
  // Not held, and not given whole.
  EXPECT_THAT(council_->Give(bob_, Request()).status().message(),
              HasSubstr("lesson_id: this node holds no lesson"));
  ASSERT_TRUE(council_store_->Commit({LessonWrite{lesson_, 0}}).ok());
  EXPECT_THAT(council_->Give(bob_, Request(v1::ADOPTION_UNSPECIFIED)).status().message(),
              HasSubstr("adoption:"));
  v1::GiveFeedbackRequest long_note = Request();
  long_note.set_note(std::string(FeedbackDesk::kNoteBytes + 1, 'x'));
  EXPECT_THAT(council_->Give(bob_, long_note).status().message(), HasSubstr("note:"));
  v1::GiveFeedbackRequest not_ours = Request();
  not_ours.set_own_lesson_id(kLessonId);
  EXPECT_THAT(council_->Give(bob_, not_ours).status().message(), HasSubstr("own_lesson_id:"));
  Principal alice{Principal::Kind::kUser, "west-police", "alice", v1::ANALYST};
  EXPECT_THAT(police_->Give(alice, Request()).status().message(),
              HasSubstr("this organisation's own lesson"));
  EXPECT_FALSE(council_store_->GetGivenFeedback(kLessonId).ok());
  EXPECT_TRUE(council_store_->ReadPendingFeedback(10)->empty());
}

TEST_F(FeedbackDeskTest, AFederatedHitGivenWholeMustBeSignedByItsOrigin) {
  v1::GiveFeedbackRequest request = Request();
  *request.mutable_lesson() = lesson_;
  request.mutable_lesson()->set_title("Altered on the way");
  EXPECT_THAT(council_->Give(bob_, request).status().message(), HasSubstr("lesson: "));
  *request.mutable_lesson() = lesson_;
  absl::StatusOr<v1::GivenFeedback> given = council_->Give(bob_, request);
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_EQ(given->feedback().revision(), 1u);
  EXPECT_EQ(given->feedback().marking(), v1::TLP_RED);  // the origin only, unless chosen
  EXPECT_EQ(council_->Give(bob_, request)->feedback().revision(), 2u);
}

TEST_F(FeedbackDeskTest, TheOriginKeepsTheLatestAndANodeOnTheWayKeepsOneDelivery) {
  ASSERT_TRUE(council_store_->Commit({LessonWrite{lesson_, 0}}).ok());
  v1::GiveFeedbackRequest first = Request(v1::PLANNING_TO_ADOPT);
  first.set_note("Trying it in two depots");
  ASSERT_TRUE(council_->Give(bob_, first).ok());
  ASSERT_TRUE(council_->Give(bob_, Request(v1::ADOPTED)).ok());
  std::vector<v1::PendingFeedback> pending = *council_->Pending(10);
  ASSERT_EQ(pending.size(), 1u);  // the second replaced the first
  EXPECT_EQ(pending[0].request().revision(), 2u);

  // Delivered to the origin; then the older one arrives late, and the same one again.
  ASSERT_TRUE(police_->Receive("leeds-council", pending[0].request()).ok());
  v1::PendingFeedback older = pending[0];
  older.mutable_request()->set_revision(1);
  EXPECT_FALSE(police_->Receive("leeds-council", older.request()).ok());  // sealed inside says 2
  ASSERT_TRUE(police_->Receive("leeds-council", pending[0].request()).ok());
  v1::GetFeedbackResponse seen = *police_->Get(kLessonId);
  ASSERT_EQ(seen.feedback_size(), 1);
  EXPECT_EQ(seen.feedback(0).adoption(), v1::ADOPTED);
  EXPECT_EQ(seen.totals().adopted(), 1u);
  EXPECT_EQ(seen.totals().adopting_sectors(), 1u);

  // The delivery ends at the giver, which records it.
  ASSERT_TRUE(council_->Delivered(pending[0], "west-police").ok());
  EXPECT_TRUE(council_->Pending(10)->empty());
  EXPECT_EQ(council_->Get(kLessonId)->given().delivery(), v1::GivenFeedback::DELIVERED);

  // A node that holds no copy cannot pass feedback on.
  testing::TempDir other_dir;
  auto other_store = *Store::Open(other_dir.path());
  auto other_directory = *PeerDirectory::Open(other_store.get(), "leeds-nhs", &clock_);
  FeedbackDesk other(other_store.get(), council_key_.get(), verifier_.get(), other_directory.get(),
                     "leeds-nhs", "health", &clock_);
  EXPECT_EQ(other.Receive("leeds-council", pending[0].request()).code(),
            absl::StatusCode::kNotFound);
  // One that does keeps one delivery per organisation and lesson, the newest.
  ASSERT_TRUE(other_store->Commit({LessonWrite{lesson_, 0}}).ok());
  ASSERT_TRUE(other.Start().ok());
  ASSERT_TRUE(other.Receive("leeds-council", pending[0].request()).ok());
  ASSERT_TRUE(other.Receive("leeds-council", older.request()).ok());
  std::vector<v1::PendingFeedback> kept = *other.Pending(10);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].request().revision(), 2u);
  EXPECT_FALSE(kept[0].given_here());
}

TEST(SeenLessonsTest, KeepsTheNewestWithinItsBounds) {
  SeenLessons seen;
  for (size_t i = 0; i <= SeenLessons::kMaxLessons; ++i) {
    v1::Lesson lesson;
    lesson.set_id(absl::StrCat("west-police:", i));
    lesson.set_title(absl::StrCat("Lesson ", i));
    seen.Remember(lesson);
  }
  EXPECT_FALSE(seen.Find("west-police:0").has_value());  // the oldest went
  EXPECT_EQ(seen.Find("west-police:1")->title(), "Lesson 1");
  v1::Lesson big;
  big.set_id("west-police:big");
  big.set_summary(std::string(SeenLessons::kMaxBytes / 2, 'x'));
  seen.Remember(big);
  big.set_id("west-police:big2");
  seen.Remember(big);  // the first big one, and everything older, made room
  EXPECT_FALSE(seen.Find("west-police:big").has_value());
  EXPECT_TRUE(seen.Find("west-police:big2").has_value());
}

}  // namespace
}  // namespace cairn
