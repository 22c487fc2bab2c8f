// Who is calling: certificate identities (SPIFFE ids) turned into principals with roles.
// SPEC section 5.
#ifndef CAIRN_NODE_IDENTITY_PRINCIPAL_H_
#define CAIRN_NODE_IDENTITY_PRINCIPAL_H_

#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cairn/v1/config.pb.h"

namespace cairn {

// An organisation id ("leeds-council"): 1 to 63 characters of a-z, 0-9 and '-', starting with a
// letter. Returns INVALID_ARGUMENT naming `field` when `value` is not one.
absl::Status ValidateOrgId(absl::string_view field, absl::string_view value);
// A user name or other short token: 1 to 63 characters of a-z, 0-9, '.', '_' and '-'.
absl::Status ValidateToken(absl::string_view field, absl::string_view value);

// The parts of "spiffe://<federation>/org/<org>[/user/<user>]".
struct SpiffeId {
  std::string federation;
  std::string org_id;
  std::string user;  // empty for a node's own certificate
};

// INVALID_ARGUMENT when `uri` is not of the form above.
absl::StatusOr<SpiffeId> ParseSpiffeId(absl::string_view uri);
std::string FormatSpiffeId(const SpiffeId& id);

// What a caller's TLS connection presented: the SPIFFE id (its certificate's one URI name; empty
// when it has none, or several) and the certificate itself (PEM).
struct PresentedIdentity {
  std::string spiffe_id;
  std::string certificate_pem;
};

// An authenticated caller.
struct Principal {
  enum class Kind { kUser, kPeer };
  Kind kind = Kind::kUser;
  std::string org_id;
  std::string user;                      // users only
  v1::Role role = v1::ROLE_UNSPECIFIED;  // users only

  // "user alice" or "peer west-police", for messages and the audit log.
  std::string Describe() const;
};

// Lower-case role name as users write it: "contributor", "analyst", "editor", "admin".
absl::string_view RoleName(v1::Role role);

// PERMISSION_DENIED unless `principal` is a local user whose role includes `needed`; the message
// reads "user alice has role analyst; <action> needs editor".
absl::Status RequireRole(const Principal& principal, v1::Role needed, absl::string_view action);

// Whether a certificate presented on a connection may still be used; FederationTrust (node/crypto)
// refuses revoked ones.
class PresentedCertificateCheck {
 public:
  virtual ~PresentedCertificateCheck() = default;
  // OK, or UNAUTHENTICATED saying why the certificate (PEM) may not be used.
  virtual absl::Status Check(absl::string_view pem) const = 0;
};

// Maps certificate identities to principals: users from the node's configuration, peers from
// SetPeers (the node's peer directory). Thread-safe; the peer set may be replaced while calls are
// in flight.
class Authenticator {
 public:
  // `certificates`, when not null, is asked about every presented certificate (it must outlive
  // the authenticator).
  explicit Authenticator(const v1::NodeConfig& config,
                         const PresentedCertificateCheck* certificates = nullptr);

  // `certificate_pem`: the certificate the caller presented, when known.
  // Outcomes: a user of this organisation listed in the config; a configured peer node;
  // UNAUTHENTICATED when there is no SPIFFE id, it names another federation, or the certificate
  // was revoked; PERMISSION_DENIED for a user of another organisation, an unlisted user, or an
  // organisation that is not a peer.
  absl::StatusOr<Principal> Authenticate(absl::string_view spiffe_uri,
                                         absl::string_view certificate_pem = {}) const;
  absl::StatusOr<Principal> Authenticate(const PresentedIdentity& presented) const {
    return Authenticate(presented.spiffe_id, presented.certificate_pem);
  }
  // The check on presented certificates alone (for long-lived streams): OK without one.
  absl::Status CheckCertificate(absl::string_view certificate_pem) const;

  void SetPeers(absl::flat_hash_set<std::string> peer_org_ids);

 private:
  const std::string federation_;
  const std::string org_id_;
  const PresentedCertificateCheck* const certificates_;
  absl::flat_hash_map<std::string, v1::Role> users_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> peers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn

#endif  // CAIRN_NODE_IDENTITY_PRINCIPAL_H_
