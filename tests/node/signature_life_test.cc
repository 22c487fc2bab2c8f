// Signatures across a node's life: signing times, renewal and expiry of the signer's certificate,
// a CA added to the trust bundle, and revocation (SPEC section 5, "A node's life").
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/common/time_proto.h"
#include "node/crypto/provenance.h"
#include "node/crypto/trust.h"
#include "tests/support/fakes.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using testing::ReadFileToString;
using testing::ReplaceFile;

constexpr absl::Duration kRefresh = absl::Seconds(1);

// When the certificate in `file` expires.
absl::Time NotAfter(const std::string& file) {
  FILE* in = fopen(file.c_str(), "r");
  X509* cert = PEM_read_X509(in, nullptr, nullptr, nullptr);
  fclose(in);
  struct tm parts {};
  ASN1_TIME_to_tm(X509_get0_notAfter(cert), &parts);
  X509_free(cert);
  return absl::FromTimeT(timegm(&parts));
}

v1::Lesson LessonOf(const std::string& org) {
  v1::Lesson lesson;
  lesson.set_id(org + ":01ARZ3NDEKTSV4RRFFQ69G5FAV");
  lesson.set_origin_org(org);
  lesson.set_version(1);
  lesson.set_title("Charge radios overnight in the station, not in the vans");
  lesson.set_marking(v1::TLP_GREEN);
  return lesson;
}

class SignatureLifeTest : public ::testing::Test {
 protected:
  // Time starts after the CA was made (its validity starts then).
  SignatureLifeTest() : clock_(absl::Now()) {}

  // The fake clock moves on to the real time, after certificates made since.
  void CatchUp() { clock_.Advance(absl::Now() - clock_.Now()); }

  // A signer of `org`'s node certificate that looks at its files every kRefresh of clock_.
  std::unique_ptr<LessonSigner> Signer(const std::string& org) {
    testing::CertPaths node = pki_.Node(org);
    auto signer = LessonSigner::Load(node.cert, node.key, {kRefresh, &clock_});
    EXPECT_TRUE(signer.ok()) << signer.status();
    return signer.ok() ? *std::move(signer) : nullptr;
  }

  // A verifier of the trust bundle (and CRL file, when given), re-read every kRefresh of clock_.
  std::unique_ptr<LessonVerifier> Verifier(const std::string& bundle, const std::string& crl = "") {
    auto trust = FederationTrust::Load({bundle, crl, kRefresh}, &clock_);
    EXPECT_TRUE(trust.ok()) << trust.status();
    return std::make_unique<LessonVerifier>(*trust, pki_.federation(), &clock_);
  }

  testing::TestPki pki_;
  testing::FakeClock clock_;
};

TEST_F(SignatureLifeTest, ASignatureMadeWhileTheCertificateWasValidOutlivesItsExpiry) {
  auto signer = Signer("leeds-council");
  auto verifier = Verifier(pki_.ca_file());
  v1::Lesson lesson = LessonOf("leeds-council");
  ASSERT_TRUE(signer->Sign(&lesson).ok());
  EXPECT_EQ(FromTimestamp(lesson.provenance().signed_at()), clock_.Now());

  clock_.Advance(NotAfter(pki_.Node("leeds-council").cert) - clock_.Now() + absl::Hours(24));
  EXPECT_TRUE(verifier->Verify(lesson).ok()) << verifier->Verify(lesson);
}

TEST_F(SignatureLifeTest, ASignatureMadeAfterTheCertificateExpiredIsRefused) {
  auto signer = Signer("leeds-council");
  auto verifier = Verifier(pki_.ca_file());
  clock_.Advance(NotAfter(pki_.Node("leeds-council").cert) - clock_.Now() + absl::Hours(1));
  v1::Lesson lesson = LessonOf("leeds-council");
  ASSERT_TRUE(signer->Sign(&lesson).ok());
  absl::Status status = verifier->Verify(lesson);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(status.message(), HasSubstr("certificate has expired"));
}

TEST_F(SignatureLifeTest, TheSigningTimeIsSignedAndMayNotLieInTheFuture) {
  auto signer = Signer("leeds-council");
  auto verifier = Verifier(pki_.ca_file());
  v1::Lesson lesson = LessonOf("leeds-council");
  ASSERT_TRUE(signer->Sign(&lesson).ok());
  v1::Lesson redated = lesson;
  *redated.mutable_provenance()->mutable_signed_at() = ToTimestamp(clock_.Now() + absl::Seconds(1));
  EXPECT_THAT(std::string(verifier->Verify(redated).message()),
              HasSubstr("does not match its content"));

  clock_.Advance(-absl::Minutes(4));  // the verifier's clock is a little behind: allowed
  EXPECT_TRUE(verifier->Verify(lesson).ok());
  clock_.Advance(-absl::Minutes(2));  // too far behind
  absl::Status status = verifier->Verify(lesson);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(status.message(), HasSubstr("later than this node's clock"));
}

TEST_F(SignatureLifeTest, TheSignerFollowsARenewedCertificateAndKey) {
  auto signer = Signer("leeds-council");
  auto verifier = Verifier(pki_.ca_file());
  const std::string before = signer->CertificateFingerprint();
  pki_.RenewNode("leeds-council");
  EXPECT_EQ(signer->CertificateFingerprint(), before);  // not looked at again yet
  clock_.Advance(kRefresh);
  EXPECT_NE(signer->CertificateFingerprint(), before);
  v1::Lesson lesson = LessonOf("leeds-council");
  ASSERT_TRUE(signer->Sign(&lesson).ok());
  EXPECT_EQ(SignerFingerprint(lesson.provenance()), signer->CertificateFingerprint());
  EXPECT_TRUE(verifier->Verify(lesson).ok());
}

TEST_F(SignatureLifeTest, AHalfRenewedPairKeepsTheOldKeyUntilBothFilesAreNew) {
  testing::CertPaths node = pki_.Node("leeds-council");
  const std::string old_key = ReadFileToString(node.key);
  auto signer = Signer("leeds-council");
  auto verifier = Verifier(pki_.ca_file());
  const std::string before = signer->CertificateFingerprint();
  pki_.RenewNode("leeds-council");
  const std::string new_key = ReadFileToString(node.key);
  ReplaceFile(node.key, old_key);  // the new certificate arrived, its key not yet
  clock_.Advance(kRefresh);
  EXPECT_EQ(signer->CertificateFingerprint(), before);
  EXPECT_THAT(signer->last_error(), HasSubstr("is not the key of"));
  v1::Lesson lesson = LessonOf("leeds-council");
  ASSERT_TRUE(signer->Sign(&lesson).ok());
  EXPECT_TRUE(verifier->Verify(lesson).ok());

  ReplaceFile(node.key, new_key);
  clock_.Advance(kRefresh);
  EXPECT_NE(signer->CertificateFingerprint(), before);
  EXPECT_EQ(signer->last_error(), "");
}

TEST_F(SignatureLifeTest, TheVerifierTrustsACaAddedToTheBundle) {
  testing::TempDir dir;
  const std::string bundle = dir.path() + "/bundle.pem";
  ReplaceFile(bundle, ReadFileToString(pki_.ca_file()));
  auto verifier = Verifier(bundle);
  testing::TestPki health_ca(pki_.federation());  // a second CA, e.g. the health sector's
  testing::CertPaths nhs = health_ca.Node("north-nhs");
  CatchUp();
  auto signer = LessonSigner::Load(nhs.cert, nhs.key, {kRefresh, &clock_});
  ASSERT_TRUE(signer.ok());
  v1::Lesson lesson = LessonOf("north-nhs");
  ASSERT_TRUE((*signer)->Sign(&lesson).ok());
  EXPECT_THAT(verifier->Verify(lesson).message(), HasSubstr("unable to get local issuer"));

  ReplaceFile(bundle, ReadFileToString(pki_.ca_file()) + ReadFileToString(health_ca.ca_file()));
  clock_.Advance(kRefresh);
  EXPECT_TRUE(verifier->Verify(lesson).ok()) << verifier->Verify(lesson);
}

class RevocationRuleTest : public SignatureLifeTest,
                           public ::testing::WithParamInterface<const char*> {};

TEST_P(RevocationRuleTest, SignaturesFromBeforeARevocationStandUnlessTheKeyWasCompromised) {
  const std::string reason = GetParam();
  pki_.WriteCrl();
  auto signer = Signer("leeds-council");
  auto verifier = Verifier(pki_.ca_file(), pki_.crl_file());
  v1::Lesson before = LessonOf("leeds-council");
  CatchUp();
  ASSERT_TRUE(signer->Sign(&before).ok());
  ASSERT_TRUE(verifier->Verify(before).ok());
  // A revocation is dated to the second: let the second of signing pass first.
  const absl::Time signed_at = clock_.Now();
  while (absl::ToUnixSeconds(absl::Now()) == absl::ToUnixSeconds(signed_at)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  pki_.Revoke("leeds-council", reason);
  pki_.WriteCrl();
  clock_.Advance(absl::Now() - clock_.Now() + absl::Seconds(2));
  v1::Lesson after = LessonOf("leeds-council");
  after.set_version(2);
  ASSERT_TRUE(signer->Sign(&after).ok());

  absl::Status late = verifier->Verify(after);
  EXPECT_EQ(late.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(late.message(), HasSubstr(reason == std::string("keyCompromise")
                                            ? "nothing signed with that key stands"
                                            : "after its signer's certificate was"));
  absl::Status early = verifier->Verify(before);
  if (reason == std::string("keyCompromise")) {
    EXPECT_EQ(early.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(early.message(), HasSubstr("keyCompromise"));
  } else {
    EXPECT_TRUE(early.ok()) << early;
  }
}

INSTANTIATE_TEST_SUITE_P(Reasons, RevocationRuleTest,
                         ::testing::Values("superseded", "cessationOfOperation", "keyCompromise"));

TEST_F(SignatureLifeTest, APresentedCertificateIsRefusedOnceRevoked) {
  pki_.WriteCrl();
  auto trust = FederationTrust::Load({pki_.ca_file(), pki_.crl_file(), kRefresh}, &clock_);
  ASSERT_TRUE(trust.ok()) << trust.status();
  const std::string amira = ReadFileToString(pki_.User("leeds-council", "amira").cert);
  const std::string omar = ReadFileToString(pki_.User("leeds-council", "omar").cert);
  EXPECT_TRUE((*trust)->Check(amira).ok());
  pki_.Revoke("leeds-council/amira", "affiliationChanged");
  pki_.WriteCrl();
  clock_.Advance(kRefresh);
  absl::Status refused = (*trust)->Check(amira);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(refused.message(), HasSubstr("revoked"));
  EXPECT_THAT(refused.message(), HasSubstr("affiliationChanged"));
  EXPECT_TRUE((*trust)->Check(omar).ok());
}

TEST_F(SignatureLifeTest, ACrlNoBundleCaSignedIsRefusedAndABadReloadKeepsTheLastGoodOne) {
  testing::TestPki stranger(pki_.federation());
  stranger.WriteCrl();
  auto refused = FederationTrust::Load({pki_.ca_file(), stranger.crl_file(), kRefresh}, &clock_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("is not signed by a CA of the trust bundle"));

  testing::TempDir dir;
  const std::string crl = dir.path() + "/crl.pem";
  const std::string amira = ReadFileToString(pki_.User("leeds-council", "amira").cert);
  pki_.Revoke("leeds-council/amira", "superseded");
  pki_.WriteCrl();
  ReplaceFile(crl, ReadFileToString(pki_.crl_file()));
  auto trust = FederationTrust::Load({pki_.ca_file(), crl, kRefresh}, &clock_);
  ASSERT_TRUE(trust.ok()) << trust.status();
  ReplaceFile(crl, ReadFileToString(stranger.crl_file()));
  clock_.Advance(kRefresh);
  EXPECT_THAT(std::string((*trust)->Check(amira).message()), HasSubstr("revoked"));
  EXPECT_THAT((*trust)->last_error(), HasSubstr("is not signed by a CA"));
}

TEST_F(SignatureLifeTest, OnlyACaAddedOrARevocationLiftedWidensTrust) {
  testing::TempDir dir;
  const std::string bundle = dir.path() + "/bundle.pem";
  const std::string crl = dir.path() + "/crl.pem";
  pki_.WriteCrl();
  const std::string empty_crl = ReadFileToString(pki_.crl_file());
  ReplaceFile(bundle, ReadFileToString(pki_.ca_file()));
  ReplaceFile(crl, empty_crl);
  auto trust = FederationTrust::Load({bundle, crl, kRefresh}, &clock_);
  ASSERT_TRUE(trust.ok()) << trust.status();
  EXPECT_EQ((*trust)->Current()->widenings(), 0u);

  pki_.User("leeds-council", "amira");
  pki_.Revoke("leeds-council/amira", "affiliationChanged");
  pki_.WriteCrl();
  ReplaceFile(crl, ReadFileToString(pki_.crl_file()));  // a revocation added: narrower
  clock_.Advance(kRefresh);
  EXPECT_EQ((*trust)->Current()->revoked_count(), 1u);
  EXPECT_EQ((*trust)->Current()->widenings(), 0u);

  testing::TestPki health_ca(pki_.federation());
  ReplaceFile(bundle, ReadFileToString(pki_.ca_file()) + ReadFileToString(health_ca.ca_file()));
  clock_.Advance(kRefresh);
  EXPECT_EQ((*trust)->Current()->widenings(), 1u);  // a CA added

  ReplaceFile(crl, empty_crl);
  clock_.Advance(kRefresh);
  EXPECT_EQ((*trust)->Current()->revoked_count(), 0u);
  EXPECT_EQ((*trust)->Current()->widenings(), 2u);  // the revocation lifted
}

}  // namespace
}  // namespace cairn
