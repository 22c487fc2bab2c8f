#include "node/crypto/trust.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/crypto/x509.h"

namespace cairn {
namespace {

absl::string_view ReasonName(int reason) {
  switch (reason) {
    case 0:
      return "unspecified";
    case 1:
      return "keyCompromise";
    case 2:
      return "CACompromise";
    case 3:
      return "affiliationChanged";
    case 4:
      return "superseded";
    case 5:
      return "cessationOfOperation";
    case 6:
      return "certificateHold";
    case 8:
      return "removeFromCRL";
    case 9:
      return "privilegeWithdrawn";
    case 10:
      return "AACompromise";
    default:
      return "no reason given";
  }
}

int ReasonOf(X509_REVOKED* entry) {
  auto* reason = static_cast<ASN1_ENUMERATED*>(
      X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr));
  if (reason == nullptr) return -1;
  int code = static_cast<int>(ASN1_ENUMERATED_get(reason));
  ASN1_ENUMERATED_free(reason);
  return code;
}

// The bundle CA that signed `crl`, or null.
X509* SignerOf(X509_CRL* crl, const std::vector<crypto::X509Ptr>& cas) {
  for (const crypto::X509Ptr& ca : cas) {
    if (X509_NAME_cmp(X509_get_subject_name(ca.get()), X509_CRL_get_issuer(crl)) != 0) continue;
    EVP_PKEY* key = X509_get0_pubkey(ca.get());
    if (key != nullptr && X509_CRL_verify(crl, key) == 1) return ca.get();
  }
  ERR_clear_error();
  return nullptr;
}

}  // namespace

bool Revocation::VoidsEverySignature() const {
  return reason == kKeyCompromise || reason == kCaCompromise || reason == kAaCompromise;
}

std::string Revocation::Describe() const {
  return absl::StrCat("serial ", serial, " revoked at ", crypto::FormatTime(revoked_at), " (",
                      ReasonName(reason), ")");
}

TrustSnapshot::TrustSnapshot(std::shared_ptr<X509_STORE> store,
                             absl::flat_hash_set<std::string> cas,
                             absl::flat_hash_map<std::string, Revocation> revoked,
                             absl::Time crl_next_update, uint64_t generation,
                             const TrustSnapshot* before)
    : store_(std::move(store)),
      cas_(std::move(cas)),
      revoked_(std::move(revoked)),
      crl_next_update_(crl_next_update),
      generation_(generation),
      widenings_(before == nullptr ? 0 : before->widenings_) {
  if (before == nullptr) return;
  bool wider = false;
  for (const std::string& ca : cas_) wider |= !before->cas_.contains(ca);
  for (const auto& [key, was] : before->revoked_) {
    auto now = revoked_.find(key);
    wider |= now == revoked_.end() || now->second.revoked_at > was.revoked_at ||
             (was.VoidsEverySignature() && !now->second.VoidsEverySignature());
  }
  if (wider) ++widenings_;
}

std::optional<Revocation> TrustSnapshot::Find(const X509* cert) const {
  if (revoked_.empty()) return std::nullopt;
  auto it = revoked_.find(crypto::RevocationKey(cert));
  if (it == revoked_.end()) return std::nullopt;
  return it->second;
}

FederationTrust::FederationTrust(Files files, Clock* clock)
    : snapshot_({files.trust_bundle_file, files.crl_file}, files.refresh_interval, clock,
                [this, files]() -> absl::StatusOr<std::shared_ptr<const TrustSnapshot>> {
                  auto read = Read(files, ++readings_, last_read_.get());
                  if (read.ok()) last_read_ = *read;
                  return read;
                }) {}

absl::StatusOr<std::shared_ptr<FederationTrust>> FederationTrust::Load(Files files, Clock* clock) {
  std::shared_ptr<FederationTrust> trust(new FederationTrust(std::move(files), clock));
  CAIRN_RETURN_IF_ERROR(trust->snapshot_.Load());
  return trust;
}

absl::StatusOr<std::shared_ptr<const TrustSnapshot>> FederationTrust::Read(
    const Files& files, uint64_t generation, const TrustSnapshot* before) {
  absl::StatusOr<std::vector<crypto::X509Ptr>> cas =
      crypto::ReadCertificates(files.trust_bundle_file, "trust bundle");
  if (!cas.ok()) return cas.status();
  std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
  absl::flat_hash_set<std::string> fingerprints;
  for (const crypto::X509Ptr& ca : *cas) {
    fingerprints.insert(crypto::Sha256Hex(crypto::ToDer(ca.get())));
    if (X509_STORE_add_cert(store.get(), ca.get()) != 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("trust bundle ", files.trust_bundle_file, ": ", crypto::OpenSslError()));
    }
  }
  absl::flat_hash_map<std::string, Revocation> revoked;
  absl::Time next_update = absl::InfiniteFuture();
  if (!files.crl_file.empty()) {
    absl::StatusOr<std::vector<crypto::X509CrlPtr>> crls = crypto::ReadCrls(files.crl_file);
    if (!crls.ok()) return crls.status();
    for (const crypto::X509CrlPtr& crl : *crls) {
      if (SignerOf(crl.get(), *cas) == nullptr) {
        char issuer[256];
        X509_NAME_oneline(X509_CRL_get_issuer(crl.get()), issuer, sizeof(issuer));
        return absl::FailedPreconditionError(
            absl::StrCat("CRL file ", files.crl_file, ": the list issued by ", issuer,
                         " is not signed by a CA of the trust bundle ", files.trust_bundle_file));
      }
      if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get())) {
        next_update = std::min(next_update, crypto::ToTime(next));
      }
      STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl.get());
      for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i) {
        X509_REVOKED* entry = sk_X509_REVOKED_value(entries, i);
        const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(entry);
        Revocation revocation;
        revocation.serial = crypto::SerialHex(serial);
        revocation.revoked_at = crypto::ToTime(X509_REVOKED_get0_revocationDate(entry));
        revocation.reason = ReasonOf(entry);
        std::string key = crypto::RevocationKey(X509_CRL_get_issuer(crl.get()), serial);
        auto [it, inserted] = revoked.emplace(key, revocation);
        // Two lists naming one certificate: the earlier revocation, and a compromise, stand.
        if (!inserted) {
          if (revocation.revoked_at < it->second.revoked_at)
            it->second.revoked_at = revocation.revoked_at;
          if (revocation.VoidsEverySignature()) it->second.reason = revocation.reason;
        }
      }
    }
  }
  return std::make_shared<const TrustSnapshot>(std::move(store), std::move(fingerprints),
                                               std::move(revoked), next_update, generation, before);
}

std::shared_ptr<const TrustSnapshot> FederationTrust::Current() const {
  return snapshot_.Current();
}

absl::Status FederationTrust::Check(absl::string_view pem) const {
  if (pem.empty()) return absl::OkStatus();
  std::shared_ptr<const TrustSnapshot> trust = Current();
  if (trust->revoked_count() == 0) return absl::OkStatus();
  crypto::X509Ptr cert = crypto::FromPem(pem);
  if (cert == nullptr) return absl::OkStatus();
  std::optional<Revocation> revoked = trust->Find(cert.get());
  if (!revoked) return absl::OkStatus();
  return absl::UnauthenticatedError(
      absl::StrCat("the certificate presented was revoked: ", revoked->Describe()));
}

std::string FederationTrust::last_error() const { return snapshot_.last_error(); }

}  // namespace cairn
