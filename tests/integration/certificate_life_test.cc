// Certificates over a node's life, with real cairnd processes and certificates from deploy/pki.sh:
// renewal and expiry of a node's certificate, a CA added to a trust bundle, and revocation of
// users and peer nodes, all without a restart (SPEC section 5, "A node's life").
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "cairn/v1/federation.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "node/crypto/provenance.h"
#include "server/security.h"
#include "tests/support/fake_peer.h"
#include "tests/support/federation.h"
#include "tests/support/files.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/temp_dir.h"

namespace cairn {
namespace {

using testing::Federation;
using ::testing::HasSubstr;
using testing::Holdings;
using testing::ReadFileToString;
using testing::ReplaceFile;
using testing::TestPki;

constexpr char kEverything[] = "export { markings: [TLP_GREEN, TLP_CLEAR] }";
constexpr absl::Duration kDeadline = absl::Seconds(60);

// Nodes that look at their certificate files every second, retry pulls quickly and serve
// metrics.
void FastFollowing(v1::NodeConfig* config) {
  config->mutable_tls()->set_refresh_interval_seconds(1);
  config->mutable_replication()->set_retry_max_ms(500);
  config->set_metrics_address("127.0.0.1:0");
}

testing::Exposition Scrape(Federation& federation, const std::string& org) {
  absl::StatusOr<std::string> text =
      testing::HttpGet(federation.node(org).metrics_port(), "/metrics");
  EXPECT_TRUE(text.ok()) << text.status();
  absl::StatusOr<testing::Exposition> parsed = testing::Exposition::Parse(text.value_or(""));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.value_or(testing::Exposition());
}

// The first certificate in a PEM file: its SHA-256 (hex, as SignerFingerprint) and expiry.
struct CertificateFacts {
  std::string fingerprint;
  absl::Time not_after;
};
CertificateFacts FactsOf(const std::string& file) {
  FILE* in = fopen(file.c_str(), "r");
  X509* cert = PEM_read_X509(in, nullptr, nullptr, nullptr);
  fclose(in);
  unsigned char* der = nullptr;
  int length = i2d_X509(cert, &der);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, length, digest);
  OPENSSL_free(der);
  struct tm parts {};
  ASN1_TIME_to_tm(X509_get0_notAfter(cert), &parts);
  X509_free(cert);
  return {
      absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), sizeof(digest))),
      absl::FromTimeT(timegm(&parts))};
}

v1::Lesson Draft(const std::string& title) {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.set_marking(v1::TLP_GREEN);
  lesson.add_topics("mobile-working");
  return lesson;
}

// Waits for `condition`, polling; false if the deadline passed first.
bool WaitFor(const std::function<bool()>& condition, absl::Duration deadline = kDeadline) {
  absl::Time give_up = absl::Now() + deadline;
  while (absl::Now() < give_up) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return condition();
}

// Whether every lesson in `ids` at `org` is signed by the certificate with `fingerprint`; the
// reader trusts `trust_bundle` (empty: the federation's).
bool AllSignedBy(Federation& federation, const std::string& org,
                 const std::vector<std::string>& ids, const std::string& fingerprint,
                 const std::string& trust_bundle = "") {
  client::ConnectionOptions options = federation.node(org).ConnectionFor("bob");
  if (!trust_bundle.empty()) options.ca_file = trust_bundle;
  auto reader = client::LessonClient::Connect(options);
  if (!reader.ok()) return false;
  for (const std::string& id : ids) {
    absl::StatusOr<v1::Lesson> lesson = (*reader)->Get(id);
    if (!lesson.ok() || SignerFingerprint(lesson->provenance()) != fingerprint) return false;
  }
  return true;
}

// Regression: lessons created after a renewal were signed with the old certificate, and once it
// expired a peer that connected for the first time rejected every one.
TEST(RotationTest, APeerThatFirstConnectsAfterTheOldCertificateExpiredReceivesEveryLesson) {
  TestPki pki;
  // The council's first certificate runs out a little after it has started and written.
  const std::string cert_file = pki.RenewNode("leeds-council", "now + 45 seconds").cert;
  const CertificateFacts first = FactsOf(cert_file);
  Federation federation({"leeds-council"}, &pki, FastFollowing);
  auto editor = federation.Editor("leeds-council");
  std::vector<std::string> ids;
  for (const char* title : {"Lock down tablet Wi-Fi", "Charge radios in the station",
                            "Label the chargers", "Weekly kit check"}) {
    absl::StatusOr<v1::Lesson> created = editor->Create(Draft(title));
    ASSERT_TRUE(created.ok()) << created.status();
    ids.push_back(created->id());
  }
  EXPECT_TRUE(AllSignedBy(federation, "leeds-council", ids, first.fingerprint));

  pki.RenewNode("leeds-council");  // renewed before the first one expires
  const CertificateFacts renewed = FactsOf(cert_file);
  // The node re-signs what it signed with the old certificate, in the background.
  EXPECT_TRUE(WaitFor([&] {
    return AllSignedBy(federation, "leeds-council", ids, renewed.fingerprint);
  })) << "the council's lessons were not re-signed with its renewed certificate";
  std::vector<std::string> later;
  for (const char* title : {"Spare batteries in every van", "Report lost kit the same day"}) {
    absl::StatusOr<v1::Lesson> created = editor->Create(Draft(title));
    ASSERT_TRUE(created.ok()) << created.status();
    later.push_back(created->id());
  }
  EXPECT_TRUE(AllSignedBy(federation, "leeds-council", later, renewed.fingerprint));
  ids.insert(ids.end(), later.begin(), later.end());
  // Re-signing shows in the metrics, and so does the renewed certificate's expiry.
  testing::Exposition metrics = Scrape(federation, "leeds-council");
  EXPECT_EQ(metrics.Sum("cairn_resign_lessons_total"), 4);
  EXPECT_EQ(metrics.Sum("cairn_resign_walk_complete_state"), 1);
  EXPECT_GT(metrics.Sum("cairn_node_certificate_expiry_seconds"), 300 * 86400);

  ASSERT_TRUE(WaitFor([&] { return absl::Now() > first.not_after + absl::Seconds(1); },
                      first.not_after - absl::Now() + kDeadline));
  federation.AddNode("west-police");
  federation.Link("leeds-council", "west-police", kEverything);
  Holdings expected;
  for (const std::string& id : ids) expected[id] = 1;
  EXPECT_TRUE(federation.Settles("west-police", "leeds-council", expected, kDeadline));
}

// Regression: a CA added to the trust bundle was trusted for TLS but not for signatures until a
// restart.
TEST(RotationTest, ACaAddedToAPeersTrustBundleIsTrustedForSignaturesWithoutARestart) {
  TestPki pki;
  TestPki health_ca(pki.federation());  // the council moves to a certificate from a second CA
  testing::TempDir dir;
  const std::string council_bundle = dir.path() + "/council-bundle.pem";
  const std::string police_bundle = dir.path() + "/police-bundle.pem";
  ReplaceFile(council_bundle,
              ReadFileToString(pki.ca_file()) + ReadFileToString(health_ca.ca_file()));
  ReplaceFile(police_bundle, ReadFileToString(pki.ca_file()));
  Federation federation({"leeds-council", "west-police"}, &pki, [&](v1::NodeConfig* config) {
    FastFollowing(config);
    config->mutable_tls()->set_trust_bundle_file(
        config->org_id() == "leeds-council" ? council_bundle : police_bundle);
  });
  federation.Link("leeds-council", "west-police", kEverything);
  auto editor = federation.Editor("leeds-council");
  absl::StatusOr<v1::Lesson> first = editor->Create(Draft("Lock down tablet Wi-Fi"));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", {{first->id(), 1}}));

  testing::CertPaths council = pki.Node("leeds-council");
  testing::CertPaths moved = health_ca.Node("leeds-council");
  ReplaceFile(council.key, ReadFileToString(moved.key));
  ReplaceFile(council.cert, ReadFileToString(moved.cert));
  const std::string fingerprint = FactsOf(moved.cert).fingerprint;
  // The council's own users trust the new CA too.
  ASSERT_TRUE(WaitFor([&] {
    return AllSignedBy(federation, "leeds-council", {first->id()}, fingerprint, council_bundle);
  }));
  client::ConnectionOptions alice = federation.node("leeds-council").ConnectionFor("alice");
  alice.ca_file = council_bundle;
  absl::StatusOr<v1::Lesson> second =
      (*client::LessonClient::Connect(alice))->Create(Draft("Charge radios in the station"));
  ASSERT_TRUE(second.ok()) << second.status();

  ReplaceFile(police_bundle,
              ReadFileToString(pki.ca_file()) + ReadFileToString(health_ca.ca_file()));
  EXPECT_TRUE(federation.Settles("west-police", "leeds-council",
                                 {{first->id(), 1}, {second->id(), 1}}, kDeadline));
  // The re-signed first lesson, refused while the police did not trust the new CA, comes again.
  EXPECT_TRUE(WaitFor([&] {
    return AllSignedBy(federation, "west-police", {first->id(), second->id()}, fingerprint);
  })) << "the police copies still depend on the council's old certificate: "
      << federation.Admin("west-police")->ReplicationStatus()->DebugString();
}

// Nodes that also follow the CA's revocation list.
std::function<void(v1::NodeConfig*)> FollowingCrl(TestPki& pki) {
  pki.WriteCrl();
  return [&pki](v1::NodeConfig* config) {
    FastFollowing(config);
    config->mutable_tls()->set_crl_file(pki.crl_file());
  };
}

TEST(RevocationTest, ARevokedUserIsRefusedOnTheirNextCallWithoutARestart) {
  TestPki pki;
  Federation federation({"leeds-council"}, &pki, FollowingCrl(pki));
  auto alice = federation.Editor("leeds-council");
  ASSERT_TRUE(alice->Create(Draft("Lock down tablet Wi-Fi")).ok());

  pki.Revoke("leeds-council/alice", "affiliationChanged");  // she left the council
  pki.WriteCrl();
  absl::Status refused;
  EXPECT_TRUE(WaitFor([&] {
    refused = alice->Create(Draft("Charge radios in the station")).status();
    return !refused.ok();
  }));
  // On the connection she already had: refused by the call's own check.
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnauthenticated) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("revoked"));
  EXPECT_THAT(refused.message(), HasSubstr("affiliationChanged"));
  // On a new connection: refused at the TLS handshake.
  absl::Status again =
      federation.Editor("leeds-council")->Create(Draft("Label the chargers")).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kUnavailable) << again;
  // Nobody else is affected.
  auto bob = federation.node("leeds-council").ClientFor("bob");
  EXPECT_TRUE(bob->List(v1::ListLessonsRequest()).ok());
}

class PeerRevocationTest : public ::testing::TestWithParam<const char*> {};

// The status of `org`'s pulling from `peer`, once `condition` holds of it (or the last seen).
v1::PeerReplicationStatus PullingOnce(Federation& federation, const std::string& org,
                                      const std::string& peer,
                                      const std::function<bool(const v1::PeerReplicationStatus&)>&
                                          condition) {
  auto admin = federation.Admin(org);
  v1::PeerReplicationStatus seen;
  WaitFor([&] {
    auto status = admin->ReplicationStatus();
    if (!status.ok()) return false;
    for (const v1::PeerReplicationStatus& each : status->peers()) {
      if (each.peer_org() == peer) seen = each;
    }
    return condition(seen);
  });
  return seen;
}

TEST_P(PeerRevocationTest, ARevokedPeerCannotPullOrQueryAndItsSignaturesAreJudgedByTheRule) {
  const std::string reason = GetParam();
  const bool compromised = reason == "keyCompromise";
  TestPki pki;
  Federation federation({"leeds-council", "west-police"}, &pki, FollowingCrl(pki));
  federation.Link("west-police", "leeds-council", kEverything);
  federation.Link("leeds-council", "west-police", kEverything);
  federation.AllowQueries("leeds-council", "west-police", kEverything);
  absl::StatusOr<v1::Lesson> before =
      federation.Editor("west-police")->Create(Draft("Radio batteries die on night shifts"));
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(federation.Settles("leeds-council", "west-police", {{before->id(), 1}}));
  // A revocation is dated to the second: let the second of signing pass first.
  const absl::Time signed_at = absl::Now();
  ASSERT_TRUE(WaitFor(
      [&] { return absl::ToUnixSeconds(absl::Now()) > absl::ToUnixSeconds(signed_at); }));

  pki.Revoke("west-police", reason);
  pki.WriteCrl();
  // The CRL deploy/pki.sh makes is due again in 7 days.
  double crl_days =
      Scrape(federation, "leeds-council").Sum("cairn_tls_crl_next_update_seconds") / 86400;
  EXPECT_GT(crl_days, 6);
  EXPECT_LE(crl_days, 7);

  // Its pulls: the open stream ends, and a new one fails at the handshake.
  v1::PeerReplicationStatus police_pulling =
      PullingOnce(federation, "west-police", "leeds-council",
                  [](const auto& peer) { return !peer.connected() && !peer.last_error().empty(); });
  EXPECT_FALSE(police_pulling.connected()) << police_pulling.DebugString();
  // Its queries.
  v1::TlsConfig police_tls = testing::NodeTls(pki, "west-police");
  auto stub = v1::FederationService::NewStub(server::NewPeerChannel(
      federation.node("leeds-council").address(), server::MakePeerChannelCredentials(police_tls),
      grpc::ChannelArguments()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::PeerQueryRequest query;
  query.set_query("radio");
  v1::PeerQueryResponse answer;
  grpc::Status queried = stub->Query(&context, query, &answer);
  EXPECT_EQ(queried.error_code(), grpc::StatusCode::UNAVAILABLE) << queried.error_message();
  // Nor does the council pull from it any more.
  v1::PeerReplicationStatus council_pulling =
      PullingOnce(federation, "leeds-council", "west-police", [](const auto& peer) {
        return absl::StrContains(peer.last_error(), "revoked");
      });
  EXPECT_THAT(council_pulling.last_error(), HasSubstr("revoked")) << council_pulling.DebugString();

  // What it signed before the revocation stands unless its key was compromised: a node that
  // first receives it afterwards, through the council, judges it so.
  federation.AddNode("leeds-nhs");
  federation.Link("leeds-council", "leeds-nhs", kEverything);
  if (compromised) {
    v1::PeerReplicationStatus nhs_pulling =
        PullingOnce(federation, "leeds-nhs", "leeds-council",
                    [](const auto& peer) { return !peer.last_rejection().empty(); });
    EXPECT_THAT(nhs_pulling.last_rejection(), HasSubstr(before->id()));
    EXPECT_THAT(nhs_pulling.last_rejection(), HasSubstr("nothing signed with that key stands"));
    EXPECT_EQ(federation.Held("leeds-nhs", "west-police"), Holdings());
  } else {
    EXPECT_TRUE(federation.Settles("leeds-nhs", "west-police", {{before->id(), 1}}, kDeadline));
  }
}

INSTANTIATE_TEST_SUITE_P(Reasons, PeerRevocationTest,
                         ::testing::Values("cessationOfOperation", "keyCompromise"));

}  // namespace
}  // namespace cairn
