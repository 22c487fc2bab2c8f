#include "node/crypto/trust.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
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
                             absl::flat_hash_map<std::string, Revocation> revoked,
                             absl::Time crl_next_update, uint64_t generation)
    : store_(std::move(store)),
      revoked_(std::move(revoked)),
      crl_next_update_(crl_next_update),
      generation_(generation) {}

std::optional<Revocation> TrustSnapshot::Find(const X509* cert) const {
  if (revoked_.empty()) return std::nullopt;
  auto it = revoked_.find(crypto::RevocationKey(cert));
  if (it == revoked_.end()) return std::nullopt;
  return it->second;
}

FederationTrust::FederationTrust(Files files, Clock* clock)
    : files_(std::move(files)),
      watch_({files_.trust_bundle_file, files_.crl_file}, files_.refresh_interval, clock) {}

absl::StatusOr<std::shared_ptr<FederationTrust>> FederationTrust::Load(Files files, Clock* clock) {
  std::shared_ptr<FederationTrust> trust(new FederationTrust(std::move(files), clock));
  std::string look = trust->watch_.Look();
  absl::StatusOr<std::shared_ptr<const TrustSnapshot>> first = Read(trust->files_, 1);
  if (!first.ok()) return first.status();
  trust->watch_.Accept(std::move(look));
  absl::MutexLock lock(&trust->mu_);
  trust->current_ = *std::move(first);
  return trust;
}

absl::StatusOr<std::shared_ptr<const TrustSnapshot>> FederationTrust::Read(const Files& files,
                                                                           uint64_t generation) {
  absl::StatusOr<std::vector<crypto::X509Ptr>> cas =
      crypto::ReadCertificates(files.trust_bundle_file, "trust bundle");
  if (!cas.ok()) return cas.status();
  std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
  for (const crypto::X509Ptr& ca : *cas) {
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
        revocation.serial = absl::AsciiStrToUpper(absl::BytesToHexString(
            absl::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)),
                              ASN1_STRING_length(serial))));
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
  return std::make_shared<const TrustSnapshot>(std::move(store), std::move(revoked), next_update,
                                               generation);
}

std::shared_ptr<const TrustSnapshot> FederationTrust::Current() const {
  if (std::optional<std::string> look = watch_.Changed()) {
    uint64_t generation;
    {
      absl::MutexLock lock(&mu_);
      generation = current_->generation() + 1;
    }
    absl::StatusOr<std::shared_ptr<const TrustSnapshot>> read = Read(files_, generation);
    absl::MutexLock lock(&mu_);
    if (read.ok()) {
      current_ = *std::move(read);
      last_error_.clear();
      watch_.Accept(*std::move(look));
    } else {
      last_error_ = std::string(read.status().message());
    }
  }
  absl::MutexLock lock(&mu_);
  return current_;
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

std::string FederationTrust::last_error() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

}  // namespace cairn
