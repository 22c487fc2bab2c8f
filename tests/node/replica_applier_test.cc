#include "node/replication/replica_applier.h"

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

  v1::ReplicatedChange Signed(const std::string& ulid, const std::string& title) {
    v1::ReplicatedChange change;
    v1::Lesson* lesson = change.mutable_lesson();
    lesson->set_id("leeds-council:" + ulid);
    lesson->set_origin_org("leeds-council");
    lesson->set_version(1);
    lesson->set_title(title);
    lesson->set_marking(v1::TLP_GREEN);
    EXPECT_TRUE(signer_->Sign(lesson).ok());
    change.add_path("leeds-council");
    return change;
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

}  // namespace
}  // namespace cairn
