#include "node/config/config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/common/text_proto.h"
#include "node/crypto/provenance.h"
#include "node/identity/principal.h"
#include "node/policy/peer_directory.h"

namespace cairn {
namespace {

// Heartbeats at least this often: a receiver takes a sender silent for a minute at the end of a
// pull stream for a stalled one (PullerOptions::quiet_sender).
constexpr uint32_t kMaxHeartbeatMs = 30'000;

absl::Status Require(bool present, absl::string_view field) {
  if (present) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
}

// host:port, with a port of 0 (the OS chooses) to 65535; IPv6 hosts in brackets. `field` names
// the address in errors, and `example` shows one that would do.
absl::Status CheckListenAddress(absl::string_view field, absl::string_view address,
                                absl::string_view example) {
  size_t colon = address.rfind(':');
  absl::string_view port = colon == absl::string_view::npos ? "" : address.substr(colon + 1);
  if (port.empty() || !absl::c_all_of(port, absl::ascii_isdigit)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": '", address, "' has no port number; write host:port, e.g. ", example));
  }
  uint32_t number = 0;
  if (port.size() > 5 || !absl::SimpleAtoi(port, &number) || number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": port ", port, " is outside 1-65535 (0 lets the OS choose)"));
  }
  return absl::OkStatus();
}

// The metrics endpoint's HTTP server (civetweb) takes an IPv4 address or a host name, and reads
// ',' as a second address: a host it would misread is refused here, naming the field.
absl::Status CheckMetricsAddress(absl::string_view address) {
  constexpr absl::string_view kField = "metrics_address";
  CAIRN_RETURN_IF_ERROR(CheckListenAddress(kField, address, "127.0.0.1:9464"));
  absl::string_view host = address.substr(0, address.rfind(':'));
  bool host_ok = !host.empty() && absl::c_all_of(host, [](char c) {
    return absl::ascii_isalnum(c) || c == '.' || c == '-';
  });
  if (!host_ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(kField, ": '", address,
                     "' needs an IPv4 address or host name before the port, e.g. 127.0.0.1:9464"));
  }
  return absl::OkStatus();
}

// A webhook prefix names its host in full: "https://hooks.example.org/" allows that host's paths,
// where "https://hooks.example.org" would allow "https://hooks.example.org.attacker.net" too.
absl::Status CheckWebhookPrefix(absl::string_view field, absl::string_view prefix) {
  absl::string_view rest = prefix;
  const bool https = absl::ConsumePrefix(&rest, "https://");
  const size_t slash = rest.find('/');
  if (!https || slash == 0 || slash == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must be https://host[:port]/ followed by any path, not \"", prefix, "\""));
  }
  return absl::OkStatus();
}

void ResolveAgainst(const std::filesystem::path& base, std::string* path) {
  if (!path->empty() && std::filesystem::path(*path).is_relative()) {
    *path = (base / *path).lexically_normal().string();
  }
}

}  // namespace

absl::StatusOr<v1::NodeConfig> ParseNodeConfig(const std::string& text, const std::string& source) {
  v1::NodeConfig config;
  CAIRN_RETURN_IF_ERROR(ParseTextProto(text, source, &config));
  absl::Status valid = ValidateNodeConfig(config);
  if (!valid.ok()) return absl::InvalidArgumentError(absl::StrCat(source, ": ", valid.message()));
  return config;
}

absl::StatusOr<v1::NodeConfig> LoadNodeConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  std::stringstream text;
  text << in.rdbuf();
  CAIRN_ASSIGN_OR_RETURN(v1::NodeConfig config, ParseNodeConfig(text.str(), path));
  std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  ResolveAgainst(base, config.mutable_data_dir());
  ResolveAgainst(base, config.mutable_tls()->mutable_cert_file());
  ResolveAgainst(base, config.mutable_tls()->mutable_key_file());
  ResolveAgainst(base, config.mutable_tls()->mutable_trust_bundle_file());
  ResolveAgainst(base, config.mutable_tls()->mutable_crl_file());
  if (config.has_console()) ResolveAgainst(base, config.mutable_console()->mutable_assets_dir());
  if (config.has_alerts()) ResolveAgainst(base, config.mutable_alerts()->mutable_webhook_ca_file());
  return config;
}

absl::Status ValidateNodeConfig(const v1::NodeConfig& config) {
  CAIRN_RETURN_IF_ERROR(Require(config.has_federation(), "federation"));
  CAIRN_RETURN_IF_ERROR(ValidateToken("federation", config.federation()));
  CAIRN_RETURN_IF_ERROR(Require(config.has_org_id(), "org_id"));
  CAIRN_RETURN_IF_ERROR(ValidateOrgId("org_id", config.org_id()));
  CAIRN_RETURN_IF_ERROR(Require(config.has_sector(), "sector"));
  CAIRN_RETURN_IF_ERROR(ValidateOrgId("sector", config.sector()));
  CAIRN_RETURN_IF_ERROR(
      CheckListenAddress("listen_address", config.listen_address(), "0.0.0.0:7400"));
  if (!config.metrics_address().empty()) {
    CAIRN_RETURN_IF_ERROR(CheckMetricsAddress(config.metrics_address()));
  }
  if (config.has_console()) {
    CAIRN_RETURN_IF_ERROR(CheckListenAddress("console.listen_address",
                                             config.console().listen_address(),
                                             "127.0.0.1:8443"));
  }
  for (int i = 0; i < config.alerts().webhook_allowed_prefixes_size(); ++i) {
    CAIRN_RETURN_IF_ERROR(
        CheckWebhookPrefix(absl::StrCat("alerts.webhook_allowed_prefixes[", i, "]"),
                           config.alerts().webhook_allowed_prefixes(i)));
  }
  if (!config.alerts().console_url().empty() &&
      !absl::StartsWith(config.alerts().console_url(), "https://")) {
    return absl::InvalidArgumentError(absl::StrCat("alerts.console_url: must start https://, not ",
                                                   config.alerts().console_url()));
  }
  CAIRN_RETURN_IF_ERROR(Require(!config.data_dir().empty(), "data_dir"));
  CAIRN_RETURN_IF_ERROR(Require(!config.tls().cert_file().empty(), "tls.cert_file"));
  CAIRN_RETURN_IF_ERROR(Require(!config.tls().key_file().empty(), "tls.key_file"));
  CAIRN_RETURN_IF_ERROR(
      Require(!config.tls().trust_bundle_file().empty(), "tls.trust_bundle_file"));
  if (config.tls().refresh_interval_seconds() == 0) {
    return absl::InvalidArgumentError("tls.refresh_interval_seconds: must be at least 1");
  }
  const v1::ReplicationConfig& replication = config.replication();
  if (replication.heartbeat_ms() == 0 || replication.retry_initial_ms() == 0 ||
      replication.retry_max_ms() < replication.retry_initial_ms()) {
    return absl::InvalidArgumentError(
        "replication: heartbeat_ms and retry_initial_ms must be at least 1, and retry_max_ms at "
        "least retry_initial_ms");
  }
  if (replication.heartbeat_ms() > kMaxHeartbeatMs) {
    return absl::InvalidArgumentError(absl::StrCat("replication.heartbeat_ms: must be at most ",
                                                   kMaxHeartbeatMs, ", not ",
                                                   replication.heartbeat_ms()));
  }
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < config.users_size(); ++i) {
    const v1::UserConfig& user = config.users(i);
    std::string field = absl::StrCat("users[", i, "]");
    CAIRN_RETURN_IF_ERROR(ValidateToken(absl::StrCat(field, ".name"), user.name()));
    if (user.role() == v1::ROLE_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".role: is required (ANALYST, EDITOR or ADMIN)"));
    }
    if (!seen.insert(user.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".name: user ", user.name(), " is listed twice"));
    }
  }
  seen.clear();
  for (int i = 0; i < config.peers_size(); ++i) {
    const v1::Peer& peer = config.peers(i);
    std::string field = absl::StrCat("peers[", i, "]");
    if (absl::Status valid = ValidatePeer(peer); !valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", valid.message()));
    }
    if (peer.org_id() == config.org_id()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".org_id: a node cannot be its own peer"));
    }
    if (!seen.insert(peer.org_id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".org_id: peer ", peer.org_id(), " is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOwnCertificate(const v1::NodeConfig& config, absl::Time now) {
  absl::Status own = CheckNodeCertificate(config.tls().cert_file(), config.federation(),
                                          config.org_id(), now);
  if (own.ok()) return own;
  return absl::Status(own.code(), absl::StrCat("tls.cert_file: ", own.message()));
}

}  // namespace cairn
