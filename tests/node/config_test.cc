#include "node/config/config.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

constexpr char kValid[] = R"(
federation: "uk-fed"
org_id: "leeds-council"
sector: "local-government"
listen_address: "127.0.0.1:0"
data_dir: "data"
tls { cert_file: "certs/node.crt" key_file: "certs/node.key" trust_bundle_file: "/etc/cairn/ca.crt" }
users { name: "alice" role: EDITOR }
peers { org_id: "west-police" address: "127.0.0.1:7401" sector: "policing" }
)";

TEST(ConfigTest, ParsesAValidConfig) {
  auto config = ParseNodeConfig(kValid, "test");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->org_id(), "leeds-council");
  EXPECT_EQ(config->users(0).role(), v1::EDITOR);
  EXPECT_EQ(config->tls().refresh_interval_seconds(), 60u);
}

TEST(ConfigTest, UnknownFieldNamesTheLine) {
  std::string text = std::string(kValid) + "colour: \"blue\"\n";
  auto config = ParseNodeConfig(text, "node.textproto");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("node.textproto: line 10"));
  EXPECT_THAT(config.status().message(), HasSubstr("colour"));
}

TEST(ConfigTest, UnknownRoleIsAnError) {
  std::string text = std::string(kValid) + "users { name: \"bob\" role: BOSS }\n";
  auto config = ParseNodeConfig(text, "node.textproto");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("BOSS"));
}

TEST(ConfigTest, SemanticProblemsNameTheField) {
  struct Case {
    std::string append;
    std::string mention;
  };
  for (const Case& c : {Case{"org_id: \"Leeds Council\"", "org_id"},
                        Case{"users { name: \"alice\" role: ANALYST }", "users[1].name"},
                        Case{"users { name: \"carl\" }", "users[1].role: is required"},
                        Case{"peers { org_id: \"\" }", "peers[1]: peer.org_id: is empty"},
                        Case{"peers { org_id: \"leeds-council\" }", "its own peer"},
                        Case{"replication { heartbeat_ms: 60000 }",
                             "replication.heartbeat_ms: must be at most 30000, not 60000"}}) {
    auto config = ParseNodeConfig(std::string(kValid) + c.append, "node.textproto");
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.append;
    EXPECT_THAT(config.status().message(), HasSubstr(c.mention)) << c.append;
  }
  auto missing = ParseNodeConfig("federation: \"uk-fed\"", "node.textproto");
  EXPECT_THAT(missing.status().message(), HasSubstr("org_id: is required"));
}

// kValid listening on `address`.
absl::StatusOr<v1::NodeConfig> ParseListeningOn(const std::string& address) {
  return ParseNodeConfig(absl::StrReplaceAll(kValid, {{"127.0.0.1:0", address}}),
                         "node.textproto");
}

// Regression: a listen port of 99999 listened on a port the OS chose.
TEST(ConfigTest, ListenPortMustBeAPort) {
  for (const char* address :
       {"127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:http", "127.0.0.1",
        "127.0.0.1:", "[::1]:70000", "localhost:123456789012345678901"}) {
    auto config = ParseListeningOn(address);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << address;
    EXPECT_THAT(config.status().message(), HasSubstr("node.textproto: listen_address: "))
        << address;
  }
  auto out_of_range = ParseListeningOn("0.0.0.0:99999");
  EXPECT_EQ(out_of_range.status().message(),
            "node.textproto: listen_address: port 99999 is outside 1-65535 (0 lets the OS choose)");
  for (const char* address : {"127.0.0.1:0", "127.0.0.1:1", "0.0.0.0:65535", "[::1]:7400",
                                     "localhost:7400", "[::]:0"}) {
    auto config = ParseListeningOn(address);
    EXPECT_TRUE(config.ok()) << address << ": " << config.status();
  }
}

// The metrics endpoint is off unless an address is given; a bad one names metrics_address.
TEST(ConfigTest, MetricsAddressIsOffByDefaultAndMustBeHostAndPort) {
  auto plain = ParseNodeConfig(kValid, "node.textproto");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->has_metrics_address());
  for (const char* address : {"127.0.0.1:9464", "127.0.0.1:0", "localhost:9464", "0.0.0.0:1"}) {
    auto config = ParseNodeConfig(absl::StrCat(kValid, "metrics_address: \"", address, "\"\n"),
                                  "node.textproto");
    EXPECT_TRUE(config.ok()) << address << ": " << config.status();
  }
  struct Case {
    std::string address;
    std::string message;
  };
  for (const Case& c :
       {Case{"127.0.0.1:99999",
             "metrics_address: port 99999 is outside 1-65535 (0 lets the OS choose)"},
        Case{"127.0.0.1",
             "metrics_address: '127.0.0.1' has no port number; write host:port, e.g. "
             "127.0.0.1:9464"},
        Case{":9464",
             "metrics_address: ':9464' needs an IPv4 address or host name before the port, e.g. "
             "127.0.0.1:9464"},
        Case{"127.0.0.1:1,0.0.0.0:2",
             "metrics_address: '127.0.0.1:1,0.0.0.0:2' needs an IPv4 address or host name "
             "before the port, e.g. 127.0.0.1:9464"}}) {
    auto config = ParseNodeConfig(absl::StrCat(kValid, "metrics_address: \"", c.address, "\"\n"),
                                  "node.textproto");
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.address;
    EXPECT_EQ(config.status().message(), "node.textproto: " + c.message) << c.address;
  }
}

// The checks themselves are CheckNodeCertificate's (provenance_test); this names the field.
TEST(ConfigTest, OwnCertificateMustBeThisNodesNodeCertificate) {
  testing::TestPki& pki = testing::TestPki::Shared();
  v1::NodeConfig config;
  config.set_federation(pki.federation());
  config.set_org_id("leeds-council");
  config.mutable_tls()->set_cert_file(pki.Node("leeds-council").cert);
  EXPECT_TRUE(CheckOwnCertificate(config, absl::Now()).ok());
  config.set_org_id("west-police");
  absl::Status other = CheckOwnCertificate(config, absl::Now());
  EXPECT_EQ(other.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(other.message()),
              ::testing::StartsWith("tls.cert_file: " + config.tls().cert_file() + " names "));
}

TEST(ConfigTest, RelativePathsAreResolvedAgainstTheConfigFile) {
  testing::TempDir dir;
  std::string path = dir.path() + "/node.textproto";
  std::ofstream(path) << kValid;
  auto config = LoadNodeConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data_dir(), dir.path() + "/data");
  EXPECT_EQ(config->tls().cert_file(), dir.path() + "/certs/node.crt");
  EXPECT_EQ(config->tls().trust_bundle_file(), "/etc/cairn/ca.crt");
}

TEST(ConfigTest, ShippedExampleConfigIsValid) {
  auto config = LoadNodeConfig(std::string(CAIRN_SOURCE_DIR) + "/deploy/cairnd.textproto");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->peers(0).org_id(), "west-yorkshire-police");
}

TEST(ConfigTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadNodeConfig("/nonexistent/cairnd.textproto").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cairn
