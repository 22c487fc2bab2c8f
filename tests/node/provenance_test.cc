#include "node/crypto/provenance.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_pki.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

class ProvenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::CertPaths leeds = pki_.Node("leeds-council");
    auto signer = LessonSigner::Load(leeds.cert, leeds.key);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = *std::move(signer);
    auto verifier = LessonVerifier::Load(pki_.ca_file(), pki_.federation());
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = *std::move(verifier);
    lesson_.set_id("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV");
    lesson_.set_origin_org("leeds-council");
    lesson_.set_version(3);
    lesson_.set_title("Lock down tablet Wi-Fi");
    lesson_.set_marking(v1::TLP_GREEN);
  }

  void ExpectRefused(const v1::Lesson& lesson, const std::string& mention) {
    absl::Status status = verifier_->Verify(lesson);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(mention));
  }

  testing::TestPki& pki_ = testing::TestPki::Shared();
  std::unique_ptr<LessonSigner> signer_;
  std::unique_ptr<LessonVerifier> verifier_;
  v1::Lesson lesson_;
};

TEST_F(ProvenanceTest, SignedLessonVerifies) {
  ASSERT_TRUE(signer_->Sign(&lesson_).ok());
  EXPECT_EQ(lesson_.provenance().algorithm(), "ecdsa-sha256");
  EXPECT_EQ(lesson_.provenance().certificate_chain_size(), 1);
  EXPECT_TRUE(verifier_->Verify(lesson_).ok());
  EXPECT_TRUE(verifier_->Verify(lesson_).ok());  // again, from the verified-key cache
}

TEST_F(ProvenanceTest, AnyChangeAfterSigningIsCaught) {
  ASSERT_TRUE(signer_->Sign(&lesson_).ok());
  v1::Lesson altered = lesson_;
  altered.set_title("Lock down tablet Wi-Fi (edited by a relay)");
  ExpectRefused(altered, "does not match its content");
  altered = lesson_;
  altered.set_version(4);
  ExpectRefused(altered, "does not match its content");
  altered = lesson_;
  altered.set_marking(v1::TLP_CLEAR);
  ExpectRefused(altered, "does not match its content");
}

TEST_F(ProvenanceTest, LocalFieldsAreNotSigned) {
  ASSERT_TRUE(signer_->Sign(&lesson_).ok());
  v1::Lesson with_local = lesson_;
  with_local.mutable_local()->set_contact("kept on the receiving node");
  EXPECT_TRUE(verifier_->Verify(with_local).ok());
}

TEST_F(ProvenanceTest, OriginMustBeTheSigner) {
  lesson_.set_origin_org("west-police");
  ASSERT_TRUE(signer_->Sign(&lesson_).ok());  // signed by leeds-council's key
  ExpectRefused(lesson_, "not by the lesson's origin spiffe://test-fed/org/west-police");
}

TEST_F(ProvenanceTest, UnsignedOrForeignCaLessonsAreRefused) {
  ExpectRefused(lesson_, "is not signed");
  testing::TestPki other_ca(pki_.federation());
  testing::CertPaths impostor = other_ca.Node("leeds-council");
  auto impostor_signer = LessonSigner::Load(impostor.cert, impostor.key);
  ASSERT_TRUE(impostor_signer.ok());
  ASSERT_TRUE((*impostor_signer)->Sign(&lesson_).ok());
  ExpectRefused(lesson_, "does not verify");
}

TEST_F(ProvenanceTest, SwappedChainIsCaught) {
  ASSERT_TRUE(signer_->Sign(&lesson_).ok());
  testing::CertPaths police = pki_.Node("west-police");
  auto police_signer = LessonSigner::Load(police.cert, police.key);
  v1::Lesson police_lesson = lesson_;
  police_lesson.set_origin_org("west-police");
  ASSERT_TRUE((*police_signer)->Sign(&police_lesson).ok());
  // Leeds's signature with the police certificate attached, claiming the police as origin.
  v1::Lesson forged = police_lesson;
  forged.mutable_provenance()->set_signature(lesson_.provenance().signature());
  ExpectRefused(forged, "does not match its content");
}

TEST(ProvenanceLoadTest, MissingFilesAreNamed) {
  auto signer = LessonSigner::Load("/nonexistent/node.crt", "/nonexistent/node.key");
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(signer.status().message()), HasSubstr("/nonexistent/node.crt"));
  auto verifier = LessonVerifier::Load("/nonexistent/ca.crt", "fed");
  EXPECT_THAT(std::string(verifier.status().message()), HasSubstr("/nonexistent/ca.crt"));
}

// cairnd serves and signs with its node certificate only when it is this node's, and valid now.
TEST(NodeCertificateTest, OnlyThisNodesValidNodeCertificatePasses) {
  testing::TestPki& pki = testing::TestPki::Shared();
  const std::string fed = pki.federation();
  const std::string leeds = pki.Node("leeds-council").cert;
  const absl::Time now = absl::Now();
  EXPECT_TRUE(CheckNodeCertificate(leeds, fed, "leeds-council", now).ok());

  auto expect_refused = [](const absl::Status& status, const std::string& message) {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_EQ(status.message(), message);
  };
  expect_refused(CheckNodeCertificate(leeds, fed, "west-police", now),
                 leeds + " names spiffe://" + fed +
                     "/org/leeds-council, not this node's spiffe://" + fed +
                     "/org/west-police (federation and org_id)");
  expect_refused(CheckNodeCertificate(leeds, "other-fed", "leeds-council", now),
                 leeds + " names spiffe://" + fed +
                     "/org/leeds-council, not this node's spiffe://other-fed/org/leeds-council "
                     "(federation and org_id)");
  const std::string alice = pki.User("leeds-council", "alice").cert;
  expect_refused(CheckNodeCertificate(alice, fed, "leeds-council", now),
                 alice + " is a user certificate (spiffe://" + fed +
                     "/org/leeds-council/user/alice); a node serves with its node certificate, "
                     "spiffe://" + fed + "/org/leeds-council");
  // deploy/pki.sh certificates are valid for a year from when they were made.
  absl::Status expired =
      CheckNodeCertificate(leeds, fed, "leeds-council", now + absl::Hours(24 * 400));
  EXPECT_EQ(expired.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(expired.message()), HasSubstr(leeds + " expired at 20"));
  absl::Status early = CheckNodeCertificate(leeds, fed, "leeds-council", now - absl::Hours(48));
  EXPECT_EQ(early.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(early.message()), HasSubstr(leeds + " is not valid until 20"));
  absl::Status missing = CheckNodeCertificate("/nonexistent/node.crt", fed, "leeds-council", now);
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.message()),
              HasSubstr("cannot read certificate file /nonexistent/node.crt"));
}

// The expiry metrics read: the exact second CheckNodeCertificate starts refusing the certificate.
TEST(NodeCertificateTest, NotAfterIsWhenTheCertificateStopsBeingValid) {
  testing::TestPki& pki = testing::TestPki::Shared();
  const std::string leeds = pki.Node("leeds-council").cert;
  absl::StatusOr<absl::Time> not_after = CertificateNotAfter(leeds);
  ASSERT_TRUE(not_after.ok()) << not_after.status();
  // deploy/pki.sh certificates are valid for a year from when they were made.
  EXPECT_GT(*not_after, absl::Now() + absl::Hours(24 * 300));
  EXPECT_TRUE(
      CheckNodeCertificate(leeds, pki.federation(), "leeds-council", *not_after - absl::Seconds(1))
          .ok());
  EXPECT_EQ(
      CheckNodeCertificate(leeds, pki.federation(), "leeds-council", *not_after + absl::Seconds(1))
          .code(),
      absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<absl::Time> missing = CertificateNotAfter("/nonexistent/node.crt");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(missing.status().message(), "cannot read certificate file /nonexistent/node.crt");
}

}  // namespace
}  // namespace cairn
