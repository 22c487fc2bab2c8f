#include "node/identity/principal.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cairn {
namespace {

constexpr size_t kMaxTokenLength = 63;
constexpr absl::string_view kSpiffeScheme = "spiffe://";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

absl::Status CheckToken(absl::string_view field, absl::string_view value, absl::string_view extra,
                        bool letter_first) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": is empty"));
  if (value.size() > kMaxTokenLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", value, "' is longer than ", kMaxTokenLength, " characters"));
  }
  if (letter_first && !(value[0] >= 'a' && value[0] <= 'z')) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", value, "' must start with a lower-case letter"));
  }
  for (char c : value) {
    if (!IsLowerAlnum(c) && extra.find(c) == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": '", value,
                                                     "' may hold only a-z, 0-9 and '", extra,
                                                     "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateOrgId(absl::string_view field, absl::string_view value) {
  return CheckToken(field, value, "-", /*letter_first=*/true);
}

absl::Status ValidateToken(absl::string_view field, absl::string_view value) {
  return CheckToken(field, value, "._-", /*letter_first=*/false);
}

absl::StatusOr<SpiffeId> ParseSpiffeId(absl::string_view uri) {
  auto malformed = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", uri, "' is not spiffe://<federation>/org/<org>[/user/<name>]"));
  };
  if (!absl::StartsWith(uri, kSpiffeScheme)) return malformed();
  std::vector<absl::string_view> parts =
      absl::StrSplit(uri.substr(kSpiffeScheme.size()), '/');
  if ((parts.size() != 3 && parts.size() != 5) || parts[1] != "org") return malformed();
  if (parts.size() == 5 && parts[3] != "user") return malformed();
  SpiffeId id;
  id.federation = std::string(parts[0]);
  id.org_id = std::string(parts[2]);
  if (parts.size() == 5) id.user = std::string(parts[4]);
  if (!ValidateToken("federation", id.federation).ok() ||
      !ValidateOrgId("org", id.org_id).ok() ||
      (parts.size() == 5 && !ValidateToken("user", id.user).ok())) {
    return malformed();
  }
  return id;
}

std::string FormatSpiffeId(const SpiffeId& id) {
  std::string uri = absl::StrCat(kSpiffeScheme, id.federation, "/org/", id.org_id);
  if (!id.user.empty()) absl::StrAppend(&uri, "/user/", id.user);
  return uri;
}

std::string Principal::Describe() const {
  return kind == Kind::kUser ? absl::StrCat("user ", user) : absl::StrCat("peer ", org_id);
}

absl::string_view RoleName(v1::Role role) {
  switch (role) {
    case v1::CONTRIBUTOR:
      return "contributor";
    case v1::ANALYST:
      return "analyst";
    case v1::EDITOR:
      return "editor";
    case v1::ADMIN:
      return "admin";
    default:
      return "none";
  }
}

absl::Status RequireRole(const Principal& principal, v1::Role needed, absl::string_view action) {
  if (principal.kind != Principal::Kind::kUser) {
    return absl::PermissionDeniedError(absl::StrCat(
        principal.Describe(), " is a peer node; ", action, " is for this node's own users"));
  }
  // Roles are ordered: each includes the ones below it.
  auto rank = [](v1::Role role) {
    switch (role) {
      case v1::CONTRIBUTOR:
        return 1;
      case v1::ANALYST:
        return 2;
      case v1::EDITOR:
        return 3;
      case v1::ADMIN:
        return 4;
      default:
        return 0;
    }
  };
  if (rank(principal.role) < rank(needed)) {
    return absl::PermissionDeniedError(absl::StrCat(principal.Describe(), " has role ",
                                                    RoleName(principal.role), "; ", action,
                                                    " needs ", RoleName(needed)));
  }
  return absl::OkStatus();
}

Authenticator::Authenticator(const v1::NodeConfig& config,
                             const PresentedCertificateCheck* certificates)
    : federation_(config.federation()), org_id_(config.org_id()), certificates_(certificates) {
  for (const v1::UserConfig& user : config.users()) users_[user.name()] = user.role();
}

void Authenticator::SetPeers(absl::flat_hash_set<std::string> peer_org_ids) {
  absl::MutexLock lock(&mu_);
  peers_ = std::move(peer_org_ids);
}

absl::Status Authenticator::CheckCertificate(absl::string_view certificate_pem) const {
  if (certificates_ == nullptr || certificate_pem.empty()) return absl::OkStatus();
  return certificates_->Check(certificate_pem);
}

absl::StatusOr<Principal> Authenticator::Authenticate(absl::string_view spiffe_uri,
                                                      absl::string_view certificate_pem) const {
  if (spiffe_uri.empty()) {
    return absl::UnauthenticatedError("the client certificate carries no SPIFFE id (URI SAN)");
  }
  if (absl::Status usable = CheckCertificate(certificate_pem); !usable.ok()) return usable;
  absl::StatusOr<SpiffeId> id = ParseSpiffeId(spiffe_uri);
  if (!id.ok()) return absl::UnauthenticatedError(id.status().message());
  if (id->federation != federation_) {
    return absl::UnauthenticatedError(absl::StrCat("certificate is for federation '",
                                                   id->federation, "'; this node is in '",
                                                   federation_, "'"));
  }
  Principal principal;
  principal.org_id = id->org_id;
  if (!id->user.empty()) {
    if (id->org_id != org_id_) {
      return absl::PermissionDeniedError(
          absl::StrCat("user ", id->user, " belongs to organisation ", id->org_id,
                       "; only users of ", org_id_, " may use this node directly"));
    }
    auto it = users_.find(id->user);
    if (it == users_.end()) {
      return absl::PermissionDeniedError(
          absl::StrCat("user ", id->user, " is not configured on this node"));
    }
    principal.kind = Principal::Kind::kUser;
    principal.user = id->user;
    principal.role = it->second;
    return principal;
  }
  absl::MutexLock lock(&mu_);
  if (!peers_.contains(id->org_id)) {
    return absl::PermissionDeniedError(
        absl::StrCat("organisation ", id->org_id, " is not a configured peer of ", org_id_));
  }
  principal.kind = Principal::Kind::kPeer;
  return principal;
}

}  // namespace cairn
