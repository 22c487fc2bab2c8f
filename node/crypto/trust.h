// The federation's trust as its files say now: the CA certificates of the trust bundle and the
// certificate revocation lists (CRLs), re-read as operators change them. SPEC section 5.
#ifndef CAIRN_NODE_CRYPTO_TRUST_H_
#define CAIRN_NODE_CRYPTO_TRUST_H_

#include <openssl/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/common/clock.h"
#include "node/crypto/file_watch.h"
#include "node/identity/principal.h"

namespace cairn {

// Why and when a revocation list says a certificate was revoked.
struct Revocation {
  // CRL reason codes (RFC 5280 section 5.3.1) that say the key itself can no longer be trusted.
  static constexpr int kKeyCompromise = 1;
  static constexpr int kCaCompromise = 2;
  static constexpr int kAaCompromise = 10;

  std::string serial;  // hex
  absl::Time revoked_at;
  int reason = -1;  // -1 when the list gives none

  // A compromised key may have signed anything at any claimed time, so nothing it signed stands;
  // after any other revocation (a leaver, a retired node) what it signed before still does.
  bool VoidsEverySignature() const;
  // "serial 1A2B revoked at 2026-12-02T10:00:00Z (keyCompromise)".
  std::string Describe() const;
};

// One reading of the trust files. Immutable.
class TrustSnapshot {
 public:
  TrustSnapshot(std::shared_ptr<X509_STORE> store, absl::flat_hash_set<std::string> cas,
                absl::flat_hash_map<std::string, Revocation> revoked, absl::Time crl_next_update,
                uint64_t generation, const TrustSnapshot* before);

  // The bundle's CA certificates, for chain verification.
  X509_STORE* store() const { return store_.get(); }
  // The revocation of `cert` (by its issuer and serial number), if a list names it.
  std::optional<Revocation> Find(const X509* cert) const;
  // The earliest nextUpdate of the lists (when a fresher list is due); InfiniteFuture without
  // lists.
  absl::Time crl_next_update() const { return crl_next_update_; }
  // Grows with every reading, so caches of verified chains know when to start again.
  uint64_t generation() const { return generation_; }
  // Grows only with a reading that may accept what an earlier one refused: a CA added, a
  // revocation lifted or softened. (A new CRL that only adds revocations does not grow it.)
  uint64_t widenings() const { return widenings_; }
  size_t revoked_count() const { return revoked_.size(); }

 private:
  std::shared_ptr<X509_STORE> store_;
  absl::flat_hash_set<std::string> cas_;  // SHA-256 of each CA certificate
  absl::flat_hash_map<std::string, Revocation> revoked_;
  absl::Time crl_next_update_;
  uint64_t generation_;
  uint64_t widenings_;
};

// Reads the trust bundle and CRL file, and reads them again when they change (looking at most
// once per refresh interval). A change that does not load (a half-written file, a CRL no CA of
// the bundle signed) leaves the last good reading in force and is reported by last_error().
// Thread-safe.
class FederationTrust : public PresentedCertificateCheck {
 public:
  struct Files {
    std::string trust_bundle_file;                           // PEM CA certificates
    std::string crl_file;                                    // PEM CRLs, concatenated; empty: none
    absl::Duration refresh_interval = absl::ZeroDuration();  // zero: read once
  };

  // FAILED_PRECONDITION naming the file when the bundle cannot be read or holds no certificate,
  // or the CRL file cannot be read, holds no CRL, or holds one that no CA of the bundle signed.
  static absl::StatusOr<std::shared_ptr<FederationTrust>> Load(Files files,
                                                               Clock* clock = Clock::Real());

  // The files as last read, after reading them again if they changed.
  std::shared_ptr<const TrustSnapshot> Current() const;

  // OK unless a list revokes the certificate in `pem` (a connection's client or server
  // certificate): then UNAUTHENTICATED saying so. A certificate that does not parse is the TLS
  // layer's business and passes.
  absl::Status Check(absl::string_view pem) const override;

  // Why the last attempt to read changed files failed; empty when it did not.
  std::string last_error() const;

 private:
  FederationTrust(Files files, Clock* clock);
  // A reading of `files`, compared with the last one (null: none yet).
  static absl::StatusOr<std::shared_ptr<const TrustSnapshot>> Read(const Files& files,
                                                                   uint64_t generation,
                                                                   const TrustSnapshot* before);

  std::atomic<uint64_t> readings_{0};
  // The last reading that loaded; touched only by the reader (Reloading reads one at a time).
  std::shared_ptr<const TrustSnapshot> last_read_;
  crypto::Reloading<TrustSnapshot> snapshot_;
};

}  // namespace cairn

#endif  // CAIRN_NODE_CRYPTO_TRUST_H_
