// Provenance: the origin signs each lesson version it sends with its node key; every receiver
// verifies that signature against the federation trust bundle before storing, so a relaying node
// cannot alter a lesson unnoticed. SPEC section 5.
#ifndef CAIRN_NODE_CRYPTO_PROVENANCE_H_
#define CAIRN_NODE_CRYPTO_PROVENANCE_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cairn/v1/lesson.pb.h"

namespace cairn {

// The bytes a signature covers: the lesson with provenance and local-only fields cleared, in
// protobuf's deterministic encoding.
std::string CanonicalEncoding(const v1::Lesson& lesson);

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

// Signs with this node's private key and attaches its certificate chain. Thread-safe.
class LessonSigner {
 public:
  // Reads the node's certificate chain and key (PEM). FAILED_PRECONDITION naming the file when
  // either cannot be read or the key is not the certificate's.
  static absl::StatusOr<std::unique_ptr<LessonSigner>> Load(const std::string& cert_file,
                                                           const std::string& key_file);
  ~LessonSigner();

  // Sets lesson->provenance: algorithm, signature over CanonicalEncoding, certificate chain (DER,
  // leaf first). INTERNAL if OpenSSL fails.
  absl::Status Sign(v1::Lesson* lesson) const;

 private:
  struct Key;
  LessonSigner(std::unique_ptr<Key> key, std::vector<std::string> chain);

  std::unique_ptr<Key> key_;
  std::vector<std::string> chain_der_;
};

// Makes `view`, a view of `stored` (a lesson of this node's own) as a peer may have it, carry a
// signature that covers it: the stored one when the view's canonical encoding is the stored
// lesson's (a view keeps the stored provenance), a new one by `signer` when the view was altered
// (redacted, scrubbed) or the stored lesson was never signed. INTERNAL if OpenSSL fails.
absl::Status SignIfAltered(const v1::Lesson& stored, v1::Lesson* view, const LessonSigner& signer);

// Verifies origins' signatures. Certificates already verified are remembered (for ten minutes),
// so a batch of lessons from one origin costs one chain verification. Thread-safe.
class LessonVerifier {
 public:
  // Reads the trust bundle (PEM, one or more CA certificates). FAILED_PRECONDITION naming the
  // file when it holds none.
  static absl::StatusOr<std::unique_ptr<LessonVerifier>> Load(const std::string& trust_bundle_file,
                                                             std::string federation);
  ~LessonVerifier();

  // OK when lesson.provenance holds a certificate chain that verifies against the trust bundle,
  // whose leaf is spiffe://<federation>/org/<lesson.origin_org>, and a valid signature over the
  // lesson's canonical encoding. UNAUTHENTICATED saying which check failed otherwise.
  absl::Status Verify(const v1::Lesson& lesson) const;

 private:
  struct TrustStore;
  struct CachedKey;
  LessonVerifier(std::unique_ptr<TrustStore> trust, std::string federation);

  // The public key of a leaf certificate whose chain verifies and which names `org_id`.
  absl::StatusOr<std::shared_ptr<CachedKey>> KeyFor(const v1::Provenance& provenance,
                                                    const std::string& org_id) const;

  std::unique_ptr<TrustStore> trust_;
  const std::string federation_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<CachedKey>> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn

#endif  // CAIRN_NODE_CRYPTO_PROVENANCE_H_
