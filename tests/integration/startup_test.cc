// cairnd refuses to start with a config it could not serve as it says: its own certificate must be
// this organisation's node certificate, valid now, and its listen port a real port.
#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"

namespace cairn {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::CairndProcess;
using testing::NodeSpec;

// Starts `node` and expects it to exit at start, logging `problem`.
void ExpectRefused(CairndProcess& node, const ::testing::Matcher<std::string>& problem) {
  absl::Status started = node.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kFailedPrecondition) << started;  // it exited
  EXPECT_THAT(node.log(), AllOf(HasSubstr("cairnd cannot start"), problem));
}

// Regression: cairnd served with another organisation's node certificate.
TEST(StartupTest, RefusesAnotherOrganisationsNodeCertificate) {
  testing::TestPki& pki = testing::TestPki::Shared();
  testing::CertPaths police = pki.Node("west-police");
  CairndProcess node{NodeSpec{}};
  node.EditConfig([&](v1::NodeConfig* config) {
    config->mutable_tls()->set_cert_file(police.cert);
    config->mutable_tls()->set_key_file(police.key);
  });
  ExpectRefused(node, AllOf(HasSubstr("tls.cert_file"), HasSubstr(police.cert),
                            HasSubstr("spiffe://test-fed/org/west-police"),
                            HasSubstr("spiffe://test-fed/org/leeds-council")));
}

// Regression: cairnd served with a user's certificate as its own.
TEST(StartupTest, RefusesAUserCertificateAsTheNodes) {
  testing::TestPki& pki = testing::TestPki::Shared();
  testing::CertPaths alice = pki.User("leeds-council", "alice");
  CairndProcess node{NodeSpec{}};
  node.EditConfig([&](v1::NodeConfig* config) {
    config->mutable_tls()->set_cert_file(alice.cert);
    config->mutable_tls()->set_key_file(alice.key);
  });
  ExpectRefused(node, AllOf(HasSubstr("tls.cert_file"), HasSubstr("user certificate"),
                            HasSubstr("spiffe://test-fed/org/leeds-council/user/alice")));
}

// Regression: cairnd served with an expired certificate (every handshake then fails).
TEST(StartupTest, RefusesAnExpiredCertificate) {
  testing::TestPki pki;  // its own, so no other test gets the expired certificate
  pki.RenewNode("leeds-council", "now - 1 minute");
  CairndProcess node{NodeSpec{}, &pki};
  ExpectRefused(node, AllOf(HasSubstr("tls.cert_file"), HasSubstr("expired")));
}

// Regression: a listen port of 99999 listened on a port the OS chose.
TEST(StartupTest, RefusesAListenPortOutsideTheRange) {
  CairndProcess node{NodeSpec{}};
  node.ListenOn("127.0.0.1:99999");
  ExpectRefused(node, AllOf(HasSubstr("listen_address"), HasSubstr("99999"),
                            HasSubstr("1-65535")));
}

}  // namespace
}  // namespace cairn
