// Provenance: the origin signs each lesson version it sends with its node key; every receiver
// verifies that signature against the federation trust bundle before storing, so a relaying node
// cannot alter a lesson unnoticed. Signatures carry their signing time, so they outlive the
// signer's certificate's renewal and expiry, and revocation voids them as SPEC section 5 says.
#ifndef CAIRN_NODE_CRYPTO_PROVENANCE_H_
#define CAIRN_NODE_CRYPTO_PROVENANCE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cairn/v1/feedback.pb.h"
#include "cairn/v1/lesson.pb.h"
#include "node/common/clock.h"
#include "node/crypto/file_watch.h"
#include "node/crypto/sealing.h"
#include "node/crypto/trust.h"

namespace cairn {

// A lesson's content: the lesson with provenance and local-only fields cleared, in protobuf's
// deterministic encoding. Two versions with the same encoding say the same thing.
std::string CanonicalEncoding(const v1::Lesson& lesson);

// The bytes a signature covers: the content and, when the provenance has one, the signing time.
std::string SignedContent(const v1::Lesson& lesson);
// The same for adoption feedback (always signed with its time).
std::string SignedContent(const v1::Feedback& feedback);

// OK when the first certificate in `cert_file` is the node certificate of `org_id` in
// `federation` (SPIFFE id spiffe://<federation>/org/<org_id>) and is valid at `now`. Otherwise
// FAILED_PRECONDITION naming the file and the problem: it cannot be read or holds no certificate;
// it is a user's certificate, or another organisation's or federation's; it expired, or is not
// yet valid.
absl::Status CheckNodeCertificate(const std::string& cert_file, absl::string_view federation,
                                  absl::string_view org_id, absl::Time now);

// When the first certificate in `cert_file` expires (its notAfter), for metrics; the file is read
// on every call, so a rotated certificate counts at once. FAILED_PRECONDITION naming the file
// when it cannot be read, holds no certificate or its notAfter does not parse.
absl::StatusOr<absl::Time> CertificateNotAfter(const std::string& cert_file);

// How long a signer or verifier may go before it looks at its files again (zero: never, they are
// read once), and its source of time.
struct CryptoOptions {
  absl::Duration refresh_interval = absl::ZeroDuration();
  Clock* clock = Clock::Real();
};

// A signature's signing time may be this far ahead of the verifier's clock.
inline constexpr absl::Duration kClockSkewAllowance = absl::Minutes(5);

// Signs with this node's private key, attaching its certificate chain and the time of signing.
// It follows the certificate and key files as they rotate: when they change (looked at once per
// refresh interval) and the new key is the new certificate's, it signs with them from then on; a
// pair caught half-written is retried at the next look. It signs the node's adoption feedback
// too, and opens feedback sealed for its key. Thread-safe.
class LessonSigner {
 public:
  // Reads the node's certificate chain and key (PEM). FAILED_PRECONDITION naming the file when
  // either cannot be read or the key is not the certificate's.
  static absl::StatusOr<std::unique_ptr<LessonSigner>> Load(const std::string& cert_file,
                                                            const std::string& key_file,
                                                            CryptoOptions options = {});
  ~LessonSigner();

  // Sets lesson->provenance: algorithm, signing time, signature over SignedContent, certificate
  // chain (DER, leaf first). INTERNAL if OpenSSL fails.
  absl::Status Sign(v1::Lesson* lesson) const;
  // Sets feedback->provenance likewise.
  absl::Status Sign(v1::Feedback* feedback) const;
  // Opens what was sealed for this node's current certificate. FAILED_PRECONDITION when it was
  // sealed for another certificate; UNAUTHENTICATED when it does not open.
  absl::StatusOr<std::string> Unseal(const crypto::Sealed& sealed) const;

  // SHA-256 (hex) of the certificate it signs with now, after looking at the files.
  std::string CertificateFingerprint() const;
  // When that certificate expires.
  absl::Time CertificateNotAfter() const;
  // Why the files, changed, could not be used (yet); empty when they could.
  std::string last_error() const;

 private:
  struct Identity;
  LessonSigner(std::string cert_file, std::string key_file, CryptoOptions options);
  // Sets `provenance` to a signature over content(), which may read the signing time it sets.
  absl::Status SignInto(absl::string_view what, v1::Provenance* provenance,
                        const std::function<std::string()>& content) const;
  static absl::StatusOr<std::shared_ptr<const Identity>> Read(const std::string& cert_file,
                                                              const std::string& key_file);

  Clock* const clock_;
  crypto::Reloading<Identity> identity_;
};

// SHA-256 (hex) of the certificate that made the signature in `provenance`; empty when none.
std::string SignerFingerprint(const v1::Provenance& provenance);

// Whether `offered` is the version `stored` holds, with the same content, signed afresh by a
// certificate other than the one that signed `stored` (or `stored` carries no signing time): a
// copy worth keeping instead, so holders do not depend on an old certificate. Does not verify.
bool IsFresherSignature(const v1::Lesson& offered, const v1::Lesson& stored);

// Makes `view`, a view of `stored` (a lesson of this node's own) as a peer may have it, carry a
// signature that covers it: the stored one when the view's canonical encoding is the stored
// lesson's (a view keeps the stored provenance), a new one by `signer` when the view was altered
// (redacted, scrubbed) or the stored lesson was never signed. INTERNAL if OpenSSL fails.
absl::Status SignIfAltered(const v1::Lesson& stored, v1::Lesson* view, const LessonSigner& signer);

// Verifies origins' signatures against the federation's trust (CA certificates and revocation
// lists, followed as they change). A chain verified once is remembered until the trust files
// change, so a batch of lessons from one origin costs one chain verification. Thread-safe.
class LessonVerifier {
 public:
  // Reads the trust bundle (PEM, one or more CA certificates), once. FAILED_PRECONDITION naming
  // the file when it holds none.
  static absl::StatusOr<std::unique_ptr<LessonVerifier>> Load(const std::string& trust_bundle_file,
                                                              std::string federation);
  // Verifies against `trust`, shared with the TLS layer.
  LessonVerifier(std::shared_ptr<const FederationTrust> trust, std::string federation,
                 Clock* clock = Clock::Real());
  ~LessonVerifier();

  // OK when lesson.provenance holds a certificate chain that verifies against the trust bundle,
  // whose leaf is spiffe://<federation>/org/<lesson.origin_org>, and a valid signature over the
  // lesson's SignedContent. The chain must have been valid at the signing time (now, for a
  // signature without one), which may not be later than now + kClockSkewAllowance; no
  // certificate of it may be revoked for key compromise, nor revoked otherwise before the
  // signing time. UNAUTHENTICATED saying which check failed otherwise.
  absl::Status Verify(const v1::Lesson& lesson) const;
  // The same for feedback: its leaf must name feedback.giver_org.
  absl::Status Verify(const v1::Feedback& feedback) const;

  // How often the trust files have widened (TrustSnapshot::widenings) in the reading Verify
  // uses now: a signature refused under a lower count may pass now.
  uint64_t TrustWidenings() const;

 private:
  struct CachedKey;

  // `what` is signed by `org_id` over content() as `provenance` says.
  absl::Status VerifySigned(absl::string_view what, const v1::Provenance& provenance,
                            const std::string& org_id,
                            const std::function<std::string()>& content) const;

  // The public key of a leaf certificate whose chain verifies at `at` and which names `org_id`.
  absl::StatusOr<std::shared_ptr<const CachedKey>> KeyFor(const v1::Provenance& provenance,
                                                          const std::string& org_id,
                                                          absl::Time at) const;

  const std::shared_ptr<const FederationTrust> trust_;
  const std::string federation_;
  Clock* const clock_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const CachedKey>> cache_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn

#endif  // CAIRN_NODE_CRYPTO_PROVENANCE_H_
