// Feedback sealed for one node: only that node's key opens it, nothing altered opens, and the
// signature inside names its giver.
#include "node/crypto/sealing.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/crypto/provenance.h"
#include "node/crypto/x509.h"
#include "tests/support/test_pki.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

class SealingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::CertPaths police = pki_.Node("west-police");
    testing::CertPaths council = pki_.Node("leeds-council");
    police_ = *LessonSigner::Load(police.cert, police.key);
    council_ = *LessonSigner::Load(council.cert, council.key);
    verifier_ = *LessonVerifier::Load(pki_.ca_file(), pki_.federation());
    // The police's certificate, as a lesson they signed carries it.
    v1::Lesson lesson;
    lesson.set_id("west-police:01ARZ3NDEKTSV4RRFFQ69G5FAV");
    lesson.set_origin_org("west-police");
    ASSERT_TRUE(police_->Sign(&lesson).ok());
    police_cert_ = lesson.provenance().certificate_chain(0);
  }

  testing::TestPki& pki_ = testing::TestPki::Shared();
  std::unique_ptr<LessonSigner> police_, council_;
  std::unique_ptr<LessonVerifier> verifier_;
  std::string police_cert_;
};

TEST_F(SealingTest, OnlyTheRecipientOpensItAndNothingAlteredOpens) {
  absl::StatusOr<crypto::Sealed> sealed = crypto::Seal(police_cert_, "adopted, with thanks");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->ciphertext.find("adopted"), std::string::npos);
  absl::StatusOr<std::string> opened = police_->Unseal(*sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "adopted, with thanks");
  // Another node: not its certificate, and its key opens nothing even when it says it is.
  EXPECT_EQ(council_->Unseal(*sealed).status().code(), absl::StatusCode::kFailedPrecondition);
  crypto::Sealed relabelled = *sealed;
  v1::Lesson council_lesson;
  council_lesson.set_id("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV");
  ASSERT_TRUE(council_->Sign(&council_lesson).ok());
  relabelled.recipient = crypto::Sha256Hex(council_lesson.provenance().certificate_chain(0));
  EXPECT_EQ(council_->Unseal(relabelled).status().code(), absl::StatusCode::kUnauthenticated);
  for (std::string crypto::Sealed::*part :
       {&crypto::Sealed::ciphertext, &crypto::Sealed::nonce, &crypto::Sealed::ephemeral_key}) {
    crypto::Sealed altered = *sealed;
    std::string& bytes = altered.*part;
    bytes[bytes.size() / 2] ^= 1;
    EXPECT_EQ(police_->Unseal(altered).status().code(), absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(crypto::Seal("not a certificate", "x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SealingTest, FeedbackIsSignedByItsGiverAndAnotherNodeCannotClaimIt) {
  v1::Feedback feedback;
  feedback.set_lesson_id("west-police:01ARZ3NDEKTSV4RRFFQ69G5FAV");
  feedback.set_giver_org("leeds-council");
  feedback.set_adoption(v1::ADOPTED);
  feedback.set_revision(1);
  ASSERT_TRUE(council_->Sign(&feedback).ok());
  EXPECT_TRUE(verifier_->Verify(feedback).ok());
  v1::Feedback altered = feedback;
  altered.set_adoption(v1::NOT_APPLICABLE);
  EXPECT_THAT(verifier_->Verify(altered).message(), HasSubstr("does not match its content"));
  // The police sign feedback claiming to be the council's.
  v1::Feedback forged = feedback;
  ASSERT_TRUE(police_->Sign(&forged).ok());
  EXPECT_EQ(verifier_->Verify(forged).code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace cairn
