#include "node/replication/replica_applier.h"

#include <functional>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace cairn {
namespace {

class ReplicaApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TestPki& pki = testing::TestPki::Shared();
    store_ = *Store::Open(dir_.path());
    directory_ = *PeerDirectory::Open(store_.get(), "west-police", &clock_);
    v1::Peer council;
    council.set_org_id("leeds-council");
    council.set_pull_from(true);
    ASSERT_TRUE(directory_->PutPeer("user ada", council).ok());
    testing::CertPaths cert = pki.Node("leeds-council");
    signer_ = *LessonSigner::Load(cert.cert, cert.key);
    verifier_ = *LessonVerifier::Load(pki.ca_file(), pki.federation());
    applier_ = std::make_unique<ReplicaApplier>(store_.get(), directory_.get(), verifier_.get(),
                                                "west-police", &clock_);
  }

  // A lesson of leeds-council, changed by `change` and then signed by it.
  v1::ReplicatedChange Signed(const std::string& ulid, const std::string& title,
                              const std::function<void(v1::Lesson*)>& change = {}) {
    v1::ReplicatedChange replicated;
    v1::Lesson* lesson = replicated.mutable_lesson();
    lesson->set_id("leeds-council:" + ulid);
    lesson->set_origin_org("leeds-council");
    lesson->set_version(1);
    lesson->set_title(title);
    lesson->set_marking(v1::TLP_GREEN);
    if (change) change(lesson);
    EXPECT_TRUE(signer_->Sign(lesson).ok());
    replicated.add_path("leeds-council");
    return replicated;
  }

  // Applies `changes` from leeds-council as one batch at `cursor`.
  void ApplyFromCouncil(uint64_t cursor, const std::vector<v1::ReplicatedChange>& changes) {
    v1::ReplicationBatch batch;
    for (const v1::ReplicatedChange& change : changes) *batch.add_changes() = change;
    batch.set_cursor(cursor);
    ASSERT_TRUE(applier_->Apply("leeds-council", batch).ok());
  }

  bool Holds(const v1::ReplicatedChange& change) {
    return store_->GetLesson(change.lesson().id()).ok();
  }

  PullStatus CouncilStatus() {
    for (const PullStatus& status : applier_->Status()) {
      if (status.peer == "leeds-council") return status;
    }
    return PullStatus();
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<PeerDirectory> directory_;
  std::unique_ptr<LessonSigner> signer_;
  std::unique_ptr<LessonVerifier> verifier_;
  std::unique_ptr<ReplicaApplier> applier_;
};

TEST_F(ReplicaApplierTest, ApplyingABatchTwiceChangesNothing) {
  v1::ReplicationBatch batch;
  *batch.add_changes() = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA1", "Kept");
  batch.set_cursor(5);
  ASSERT_TRUE(applier_->Apply("leeds-council", batch).ok());
  uint64_t sequence = store_->LastSequence();
  ASSERT_TRUE(applier_->Apply("leeds-council", batch).ok());
  EXPECT_EQ(store_->LastSequence(), sequence);
  EXPECT_EQ(applier_->State("leeds-council")->cursor(), 5u);
}

// Regression: a copy offered again in the last page of a resynchronisation but failing its checks
// was kept, while the same copy failing on an earlier page was swept.
TEST_F(ReplicaApplierTest, AResyncSweepsACopyItOfferedButThatFailedItsChecks) {
  v1::ReplicationBatch first;
  *first.add_changes() = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA1", "Honest");
  first.set_cursor(1);
  ASSERT_TRUE(applier_->Apply("leeds-council", first).ok());
  ASSERT_TRUE(store_->GetLesson("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FA1").ok());

  v1::ReplicationBatch resync;
  v1::ReplicatedChange tampered = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA1", "Honest");
  tampered.mutable_lesson()->set_title("Tampered");
  *resync.add_changes() = tampered;
  resync.set_resync(true);
  resync.set_resync_id(42);
  resync.set_ends_resync(true);
  resync.set_cursor(2);
  ASSERT_TRUE(applier_->Apply("leeds-council", resync).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->GetLesson("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FA1").status()));
  EXPECT_EQ(applier_->State("leeds-council")->completed_resync_id(), 42u);
}

// Regression: a peer's lesson with 201 topics, an invalid community name or an empty title was
// stored, though the peer's own users could not have written it.
TEST_F(ReplicaApplierTest, ALessonBreakingALocalWriteRuleIsRejectedAndTheRestApplied) {
  v1::ReplicatedChange valid = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA1", "Valid");
  v1::ReplicatedChange topics = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA2", "Topics", [](auto* lesson) {
    for (int i = 0; i < 201; ++i) lesson->add_topics("topic-" + std::to_string(i));
  });
  v1::ReplicatedChange community = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA3", "Community",
                                          [](auto* lesson) { lesson->add_communities("A B"); });
  v1::ReplicatedChange untitled = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA4", "");
  ApplyFromCouncil(1, {valid, topics, community, untitled});
  EXPECT_TRUE(Holds(valid));
  EXPECT_FALSE(Holds(topics));
  EXPECT_FALSE(Holds(community));
  EXPECT_FALSE(Holds(untitled));
  EXPECT_EQ(CouncilStatus().lessons_applied, 1u);
  EXPECT_EQ(CouncilStatus().rejected, 3u);
  EXPECT_EQ(CouncilStatus().last_rejection,
            "lesson leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FA4: lesson.title: is empty; every lesson "
            "needs a title");
}

// Metrics count rejections by a fixed set of reasons, whatever the peer sent.
TEST_F(ReplicaApplierTest, RejectionsAreCountedByTheKindOfCheckThatFailed) {
  v1::ReplicatedChange valid = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA1", "Valid");
  v1::ReplicatedChange untitled = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA2", "");
  v1::ReplicatedChange tampered = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA3", "Signed");
  tampered.mutable_lesson()->set_title("Altered after signing");
  v1::ReplicatedChange detour = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA4", "Detour");
  detour.clear_path();
  detour.add_path("leeds-nhs");
  detour.add_path("leeds-council");
  v1::ReplicatedChange retracted = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA5", "Gone",
                                          [](auto* lesson) { lesson->set_status(v1::RETRACTED); });
  v1::ReplicatedChange untitled_too = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA6", "");
  ApplyFromCouncil(1, {valid, untitled, tampered, detour, retracted, untitled_too});
  PullStatus status = CouncilStatus();
  EXPECT_EQ(status.lessons_applied, 1u);
  EXPECT_EQ(status.rejected, 5u);
  std::map<std::string, uint64_t> by_reason;
  for (int reason = 0; reason < kRejectReasonCount; ++reason) {
    by_reason[std::string(RejectReasonName(static_cast<RejectReason>(reason)))] =
        status.rejected_by_reason[reason];
  }
  EXPECT_EQ(by_reason, (std::map<std::string, uint64_t>{{"content", 2},
                                                        {"import_rules", 0},
                                                        {"origin_conflict", 0},
                                                        {"relay_path", 1},
                                                        {"signature", 1},
                                                        {"unknown_retraction", 1}}));
}

// Regression: a lesson that arrived RETRACTED, of which this node held no version, was stored.
TEST_F(ReplicaApplierTest, ARetractedLessonNeverHeldIsNotStored) {
  v1::ReplicatedChange retracted = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA1", "Gone",
                                          [](auto* lesson) { lesson->set_status(v1::RETRACTED); });
  ApplyFromCouncil(1, {retracted});
  EXPECT_FALSE(Holds(retracted));
  EXPECT_EQ(CouncilStatus().rejected, 1u);
  EXPECT_THAT(CouncilStatus().last_rejection, ::testing::HasSubstr("holds no earlier version"));
}

// A RETRACTED version of a copy we hold withdraws it, as a retraction would: copies of retracted
// lessons are deleted, not kept as tombstones.
TEST_F(ReplicaApplierTest, ARetractedVersionOfAHeldCopyWithdrawsIt) {
  v1::ReplicatedChange held = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA1", "Held");
  ApplyFromCouncil(1, {held});
  ASSERT_TRUE(Holds(held));
  ApplyFromCouncil(2, {Signed("01ARZ3NDEKTSV4RRFFQ69G5FA1", "Held", [](auto* lesson) {
    lesson->set_version(2);
    lesson->set_status(v1::RETRACTED);
  })});
  EXPECT_FALSE(Holds(held));
  EXPECT_EQ(CouncilStatus().retractions_applied, 1u);
  EXPECT_EQ(CouncilStatus().rejected, 0u);
}

// Regression: a peer recorded as local-government could store its lessons as health.
TEST_F(ReplicaApplierTest, AKnownOriginsSectorMustBeTheOneOnItsPeerRecord) {
  v1::Peer council = *directory_->GetPeer("leeds-council");
  council.set_sector("local-government");
  ASSERT_TRUE(directory_->PutPeer("user ada", council).ok());
  v1::ReplicatedChange truthful = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA1", "True", [](auto* lesson) {
    lesson->set_origin_sector("local-government");
  });
  v1::ReplicatedChange claims_health = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA2", "False", [](auto* lesson) {
    lesson->set_origin_sector("health");
  });
  v1::ReplicatedChange no_sector = Signed("01ARZ3NDEKTSV4RRFFQ69G5FA3", "None");
  // An origin this node has no record of: its own signed claim stands.
  testing::CertPaths fire_cert = testing::TestPki::Shared().Node("far-fire");
  auto fire_signer = *LessonSigner::Load(fire_cert.cert, fire_cert.key);
  v1::ReplicatedChange from_afar;
  v1::Lesson* far = from_afar.mutable_lesson();
  far->set_id("far-fire:01ARZ3NDEKTSV4RRFFQ69G5FA4");
  far->set_origin_org("far-fire");
  far->set_origin_sector("fire");
  far->set_version(1);
  far->set_title("From afar");
  far->set_marking(v1::TLP_CLEAR);
  ASSERT_TRUE(fire_signer->Sign(far).ok());
  from_afar.add_path("far-fire");
  from_afar.add_path("leeds-council");

  ApplyFromCouncil(1, {truthful, claims_health, no_sector, from_afar});
  EXPECT_TRUE(Holds(truthful));
  EXPECT_FALSE(Holds(claims_health));
  EXPECT_FALSE(Holds(no_sector));
  EXPECT_TRUE(Holds(from_afar));
  EXPECT_EQ(CouncilStatus().rejected, 2u);
  EXPECT_EQ(CouncilStatus().last_rejection,
            "lesson leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FA3: lesson.origin_sector: \"\" is not "
            "\"local-government\", the sector this node records for peer leeds-council");
}

// One page of a resynchronisation from leeds-council after it was restored from a backup.
v1::ReplicationBatch RestoredResyncPage(const std::vector<v1::ReplicatedChange>& changes,
                                        uint64_t cursor, bool last, uint64_t incarnation) {
  v1::ReplicationBatch batch;
  for (const v1::ReplicatedChange& change : changes) *batch.add_changes() = change;
  batch.set_cursor(cursor);
  batch.set_resync(true);
  batch.set_resync_id(77);
  batch.set_ends_resync(last);
  batch.set_restored_origin(true);
  batch.set_incarnation(incarnation);
  return batch;
}

// After its origin was restored from a backup, a copy edited after the backup must give way to
// the origin's older version, and to a new edit that reuses the lost version number.
TEST_F(ReplicaApplierTest, ARestoredOriginsOwnLessonReplacesACopyAtAnyVersion) {
  const std::string ulid = "01ARZ3NDEKTSV4RRFFQ69G5FA1";
  const std::string id = "leeds-council:" + ulid;
  auto version = [](uint64_t v) { return [v](v1::Lesson* lesson) { lesson->set_version(v); }; };
  v1::ReplicationBatch normal;
  *normal.add_changes() = Signed(ulid, "Edited after the backup", version(3));
  normal.set_cursor(9);
  normal.set_incarnation(1001);
  ASSERT_TRUE(applier_->Apply("leeds-council", normal).ok());
  EXPECT_EQ(applier_->State("leeds-council")->sender_incarnation(), 1001u);

  // Outside a restore, an older version is ignored, as always.
  ApplyFromCouncil(10, {Signed(ulid, "As backed up", version(2))});
  EXPECT_EQ(store_->GetLesson(id)->title(), "Edited after the backup");

  // The restored origin's resync: the first page does not yet move the incarnation...
  ASSERT_TRUE(applier_->Apply("leeds-council", RestoredResyncPage({}, 9, false, 2002)).ok());
  EXPECT_EQ(applier_->State("leeds-council")->sender_incarnation(), 1001u);
  // ...the last one does, and the origin's version 2 replaces our version 3.
  ASSERT_TRUE(applier_->Apply("leeds-council",
                              RestoredResyncPage({Signed(ulid, "As backed up", version(2))}, 4,
                                                 true, 2002))
                  .ok());
  auto copy = store_->GetLesson(id);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->version(), 2u);
  EXPECT_EQ(copy->title(), "As backed up");
  EXPECT_EQ(applier_->State("leeds-council")->sender_incarnation(), 2002u);
  EXPECT_EQ(applier_->State("leeds-council")->cursor(), 4u);

  // The origin edits it again as version 3, a number the lost edit had: it is stored.
  ApplyFromCouncil(5, {Signed(ulid, "Edited after the restore", version(3))});
  EXPECT_EQ(store_->GetLesson(id)->title(), "Edited after the restore");
}

// Only the origin can rewind its own lessons: a relaying source's restore leaves other origins'
// copies to their versions.
TEST_F(ReplicaApplierTest, ARestoredRelayCannotRewindAnotherOriginsLesson) {
  testing::CertPaths fire_cert = testing::TestPki::Shared().Node("far-fire");
  auto fire_signer = *LessonSigner::Load(fire_cert.cert, fire_cert.key);
  auto relayed = [&](uint64_t version, const std::string& title) {
    v1::ReplicatedChange change;
    v1::Lesson* lesson = change.mutable_lesson();
    lesson->set_id("far-fire:01ARZ3NDEKTSV4RRFFQ69G5FA4");
    lesson->set_origin_org("far-fire");
    lesson->set_origin_sector("fire");
    lesson->set_version(version);
    lesson->set_title(title);
    lesson->set_marking(v1::TLP_CLEAR);
    EXPECT_TRUE(fire_signer->Sign(lesson).ok());
    change.add_path("far-fire");
    change.add_path("leeds-council");
    return change;
  };
  ApplyFromCouncil(1, {relayed(2, "Newer")});
  ASSERT_TRUE(applier_
                  ->Apply("leeds-council",
                          RestoredResyncPage({relayed(1, "Older")}, 1, true, 2002))
                  .ok());
  auto copy = store_->GetLesson("far-fire:01ARZ3NDEKTSV4RRFFQ69G5FA4");
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->version(), 2u);
  EXPECT_EQ(copy->title(), "Newer");
}

}  // namespace
}  // namespace cairn
