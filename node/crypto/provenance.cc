#include "node/crypto/provenance.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"
#include "node/crypto/x509.h"
#include "node/identity/principal.h"

namespace cairn {
namespace {

using crypto::KeyPtr;
using crypto::X509Ptr;

constexpr size_t kMaxCachedKeys = 4096;
constexpr int kMaxChainLength = 5;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// SHA-256 for EC and RSA keys; none (the algorithm's own) for Ed25519.
const EVP_MD* DigestFor(EVP_PKEY* key) {
  return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
}

std::string AlgorithmName(EVP_PKEY* key) {
  switch (EVP_PKEY_get_id(key)) {
    case EVP_PKEY_EC:
      return "ecdsa-sha256";
    case EVP_PKEY_RSA:
      return "rsa-pkcs1-sha256";
    case EVP_PKEY_ED25519:
      return "ed25519";
    default:
      return "unknown";
  }
}

std::string Deterministic(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

const unsigned char* Bytes(const std::string& text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

absl::Status CheckNodeCertificate(const std::string& cert_file, absl::string_view federation,
                                  absl::string_view org_id, absl::Time now) {
  absl::StatusOr<std::vector<X509Ptr>> chain =
      crypto::ReadCertificates(cert_file, "certificate file");
  if (!chain.ok()) return chain.status();
  X509* leaf = (*chain)[0].get();
  const std::string expected = FormatSpiffeId({std::string(federation), std::string(org_id), ""});
  std::vector<std::string> uris = crypto::UriNames(leaf);
  if (std::find(uris.begin(), uris.end(), expected) == uris.end()) {
    for (const std::string& uri : uris) {
      absl::StatusOr<SpiffeId> id = ParseSpiffeId(uri);
      if (id.ok() && !id->user.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat(cert_file, " is a user certificate (", uri,
                         "); a node serves with its node certificate, ", expected));
      }
    }
    return absl::FailedPreconditionError(
        absl::StrCat(cert_file, " names ", uris.empty() ? std::string("no SPIFFE id") : uris[0],
                     ", not this node's ", expected, " (federation and org_id)"));
  }
  absl::Time not_after = crypto::ToTime(X509_get0_notAfter(leaf));
  absl::Time not_before = crypto::ToTime(X509_get0_notBefore(leaf));
  if (not_after == absl::InfinitePast() || not_before == absl::InfinitePast()) {
    return absl::FailedPreconditionError(
        absl::StrCat(cert_file, " has a validity period that does not parse"));
  }
  if (now > not_after) {
    return absl::FailedPreconditionError(
        absl::StrCat(cert_file, " expired at ", crypto::FormatTime(not_after)));
  }
  if (now < not_before) {
    return absl::FailedPreconditionError(
        absl::StrCat(cert_file, " is not valid until ", crypto::FormatTime(not_before)));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> CertificateNotAfter(const std::string& cert_file) {
  absl::StatusOr<std::vector<X509Ptr>> chain =
      crypto::ReadCertificates(cert_file, "certificate file");
  if (!chain.ok()) return chain.status();
  absl::Time not_after = crypto::ToTime(X509_get0_notAfter((*chain)[0].get()));
  if (not_after == absl::InfinitePast()) {
    return absl::FailedPreconditionError(
        absl::StrCat(cert_file, " has a validity period that does not parse"));
  }
  return not_after;
}

std::string CanonicalEncoding(const v1::Lesson& lesson) {
  v1::Lesson bare = lesson;
  bare.clear_provenance();
  bare.clear_local();
  return Deterministic(bare);
}

std::string SignedContent(const v1::Lesson& lesson) {
  v1::Lesson bare = lesson;
  bare.clear_local();
  bare.clear_provenance();
  // Signatures made before signing times were recorded cover the content alone, and still
  // verify.
  if (lesson.provenance().has_signed_at()) {
    *bare.mutable_provenance()->mutable_signed_at() = lesson.provenance().signed_at();
  }
  return Deterministic(bare);
}

std::string SignedContent(const v1::Feedback& feedback) {
  v1::Feedback bare = feedback;
  bare.clear_provenance();
  *bare.mutable_provenance()->mutable_signed_at() = feedback.provenance().signed_at();
  return Deterministic(bare);
}

struct LessonSigner::Identity {
  KeyPtr key;
  std::vector<std::string> chain_der;
  std::string fingerprint;
  absl::Time not_after;
};

LessonSigner::LessonSigner(std::string cert_file, std::string key_file, CryptoOptions options)
    : clock_(options.clock),
      identity_({cert_file, key_file}, options.refresh_interval, options.clock,
                [cert_file, key_file] { return Read(cert_file, key_file); }) {}

LessonSigner::~LessonSigner() = default;

absl::StatusOr<std::shared_ptr<const LessonSigner::Identity>> LessonSigner::Read(
    const std::string& cert_file, const std::string& key_file) {
  absl::StatusOr<crypto::KeyPair> pair = crypto::ReadKeyPair(cert_file, key_file);
  if (!pair.ok()) return pair.status();
  auto identity = std::make_shared<Identity>();
  identity->key = std::move(pair->key);
  for (const X509Ptr& cert : pair->chain) identity->chain_der.push_back(crypto::ToDer(cert.get()));
  identity->fingerprint = crypto::Sha256Hex(identity->chain_der[0]);
  identity->not_after = crypto::ToTime(X509_get0_notAfter(pair->chain[0].get()));
  return identity;
}

absl::StatusOr<std::unique_ptr<LessonSigner>> LessonSigner::Load(const std::string& cert_file,
                                                               const std::string& key_file,
                                                               CryptoOptions options) {
  std::unique_ptr<LessonSigner> signer(new LessonSigner(cert_file, key_file, options));
  CAIRN_RETURN_IF_ERROR(signer->identity_.Load());
  return signer;
}

std::string LessonSigner::CertificateFingerprint() const {
  return identity_.Current()->fingerprint;
}

absl::Time LessonSigner::CertificateNotAfter() const { return identity_.Current()->not_after; }

std::string LessonSigner::last_error() const { return identity_.last_error(); }

absl::Status LessonSigner::Sign(v1::Lesson* lesson) const {
  return SignInto(absl::StrCat("lesson ", lesson->id()), lesson->mutable_provenance(),
                  [lesson] { return SignedContent(*lesson); });
}

absl::Status LessonSigner::Sign(v1::Feedback* feedback) const {
  return SignInto(absl::StrCat("feedback on ", feedback->lesson_id()),
                  feedback->mutable_provenance(), [feedback] { return SignedContent(*feedback); });
}

absl::Status LessonSigner::SignInto(absl::string_view what, v1::Provenance* provenance,
                                    const std::function<std::string()>& content) const {
  std::shared_ptr<const Identity> identity = identity_.Current();
  EVP_PKEY* key = identity->key.get();
  provenance->Clear();
  *provenance->mutable_signed_at() = ToTimestamp(clock_->Now());
  std::string message = content();
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t length = 0;
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(key), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, Bytes(message), message.size()) != 1) {
    return absl::InternalError(absl::StrCat("signing ", what, ": ", crypto::OpenSslError()));
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     Bytes(message), message.size()) != 1) {
    return absl::InternalError(absl::StrCat("signing ", what, ": ", crypto::OpenSslError()));
  }
  signature.resize(length);
  provenance->set_algorithm(AlgorithmName(key));
  provenance->set_signature(std::move(signature));
  for (const std::string& der : identity->chain_der) provenance->add_certificate_chain(der);
  return absl::OkStatus();
}

absl::StatusOr<std::string> LessonSigner::Unseal(const crypto::Sealed& sealed) const {
  std::shared_ptr<const Identity> identity = identity_.Current();
  if (identity->chain_der.empty() ||
      crypto::Sha256Hex(identity->chain_der.front()) != sealed.recipient) {
    return absl::FailedPreconditionError(
        "it was sealed for a certificate this node no longer signs with (renewed since?)");
  }
  return crypto::Unseal(sealed, identity->key.get());
}

std::string SignerFingerprint(const v1::Provenance& provenance) {
  if (provenance.certificate_chain_size() == 0) return "";
  return crypto::Sha256Hex(provenance.certificate_chain(0));
}

bool IsFresherSignature(const v1::Lesson& offered, const v1::Lesson& stored) {
  const v1::Provenance& fresh = offered.provenance();
  const v1::Provenance& old = stored.provenance();
  if (offered.version() != stored.version() || !fresh.has_signed_at()) return false;
  if (old.has_signed_at()) {
    if (FromTimestamp(fresh.signed_at()) <= FromTimestamp(old.signed_at())) return false;
    if (SignerFingerprint(fresh) == SignerFingerprint(old)) return false;
  }
  return CanonicalEncoding(offered) == CanonicalEncoding(stored);
}

absl::Status SignIfAltered(const v1::Lesson& stored, v1::Lesson* view, const LessonSigner& signer) {
  if (stored.has_provenance() && CanonicalEncoding(*view) == CanonicalEncoding(stored)) {
    *view->mutable_provenance() = stored.provenance();
    return absl::OkStatus();
  }
  return signer.Sign(view);
}

// A verified chain: the leaf's key, when the whole chain is valid, and the revocation (the
// gravest, else the earliest) of any certificate in it, as of one reading of the trust files.
struct LessonVerifier::CachedKey {
  KeyPtr key;
  absl::Time valid_from;
  absl::Time valid_until;
  std::optional<Revocation> revocation;
  uint64_t generation = 0;
};

LessonVerifier::LessonVerifier(std::shared_ptr<const FederationTrust> trust, std::string federation,
                               Clock* clock)
    : trust_(std::move(trust)), federation_(std::move(federation)), clock_(clock) {}

LessonVerifier::~LessonVerifier() = default;

absl::StatusOr<std::unique_ptr<LessonVerifier>> LessonVerifier::Load(
    const std::string& trust_bundle_file, std::string federation) {
  absl::StatusOr<std::shared_ptr<FederationTrust>> trust =
      FederationTrust::Load({trust_bundle_file, "", absl::ZeroDuration()});
  if (!trust.ok()) return trust.status();
  return std::make_unique<LessonVerifier>(*std::move(trust), std::move(federation));
}

absl::StatusOr<std::shared_ptr<const LessonVerifier::CachedKey>> LessonVerifier::KeyFor(
    const v1::Provenance& provenance, const std::string& org_id, absl::Time at) const {
  if (provenance.certificate_chain_size() == 0 ||
      provenance.certificate_chain_size() > kMaxChainLength) {
    return absl::UnauthenticatedError("provenance: no usable certificate chain");
  }
  std::shared_ptr<const TrustSnapshot> trust = trust_->Current();
  const std::string& leaf_der = provenance.certificate_chain(0);
  std::string cache_key = absl::StrCat(org_id, "\n", leaf_der);
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && it->second->generation == trust->generation() &&
        at >= it->second->valid_from && at <= it->second->valid_until) {
      return it->second;
    }
  }
  X509Ptr leaf = crypto::FromDer(leaf_der);
  if (leaf == nullptr) return absl::UnauthenticatedError("provenance: certificate does not parse");
  std::string expected = absl::StrCat("spiffe://", federation_, "/org/", org_id);
  std::vector<std::string> uris = crypto::UriNames(leaf.get());
  if (std::find(uris.begin(), uris.end(), expected) == uris.end()) {
    return absl::UnauthenticatedError(
        absl::StrCat("provenance: signed by ",
                     uris.empty() ? std::string("a certificate with no SPIFFE id") : uris[0],
                     ", not by the lesson's origin ", expected));
  }
  STACK_OF(X509)* intermediates = sk_X509_new_null();
  std::vector<X509Ptr> owned;
  for (int i = 1; i < provenance.certificate_chain_size(); ++i) {
    owned.push_back(crypto::FromDer(provenance.certificate_chain(i)));
    if (owned.back() != nullptr) sk_X509_push(intermediates, owned.back().get());
  }
  auto cached = std::make_shared<CachedKey>();
  cached->generation = trust->generation();
  cached->valid_from = absl::InfinitePast();
  cached->valid_until = absl::InfiniteFuture();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  bool verified = false;
  std::string why;
  if (ctx != nullptr && X509_STORE_CTX_init(ctx, trust->store(), leaf.get(), intermediates) == 1) {
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), absl::ToTimeT(at));
    verified = X509_verify_cert(ctx) == 1;
    if (verified) {
      // The chain stays valid for any signing time inside every certificate's validity.
      STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
      for (int i = 0; i < sk_X509_num(chain); ++i) {
        X509* cert = sk_X509_value(chain, i);
        cached->valid_from =
            std::max(cached->valid_from, crypto::ToTime(X509_get0_notBefore(cert)));
        cached->valid_until =
            std::min(cached->valid_until, crypto::ToTime(X509_get0_notAfter(cert)));
        std::optional<Revocation> revoked = trust->Find(cert);
        if (!revoked) continue;
        if (!cached->revocation || revoked->VoidsEverySignature() ||
            (!cached->revocation->VoidsEverySignature() &&
             revoked->revoked_at < cached->revocation->revoked_at)) {
          cached->revocation = revoked;
        }
      }
    } else {
      why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    }
  }
  X509_STORE_CTX_free(ctx);
  sk_X509_free(intermediates);
  ERR_clear_error();
  if (!verified) {
    return absl::UnauthenticatedError(
        absl::StrCat("provenance: the signer's certificate does not verify at the signing time ",
                     crypto::FormatTime(at), ": ", why));
  }
  cached->key.reset(X509_get_pubkey(leaf.get()));
  if (cached->key == nullptr) return absl::UnauthenticatedError("provenance: no public key");
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCachedKeys) cache_.clear();
  cache_[cache_key] = cached;
  return cached;
}

uint64_t LessonVerifier::TrustWidenings() const { return trust_->Current()->widenings(); }

absl::Status LessonVerifier::Verify(const v1::Lesson& lesson) const {
  return VerifySigned(absl::StrCat("lesson ", lesson.id()), lesson.provenance(),
                      lesson.origin_org(), [&lesson] { return SignedContent(lesson); });
}

absl::Status LessonVerifier::Verify(const v1::Feedback& feedback) const {
  return VerifySigned(absl::StrCat("feedback on ", feedback.lesson_id(), " from ",
                                   feedback.giver_org()),
                      feedback.provenance(), feedback.giver_org(),
                      [&feedback] { return SignedContent(feedback); });
}

absl::Status LessonVerifier::VerifySigned(absl::string_view what,
                                          const v1::Provenance& provenance,
                                          const std::string& org_id,
                                          const std::function<std::string()>& content) const {
  if (provenance.signature().empty()) {
    return absl::UnauthenticatedError(absl::StrCat(what, ": is not signed"));
  }
  const absl::Time now = clock_->Now();
  absl::Time at = now;
  if (provenance.has_signed_at()) {
    at = FromTimestamp(provenance.signed_at());
    if (at > now + kClockSkewAllowance) {
      return absl::UnauthenticatedError(
          absl::StrCat(what, ": signed at ", crypto::FormatTime(at),
                       ", later than this node's clock (", crypto::FormatTime(now), ") allows"));
    }
  }
  absl::StatusOr<std::shared_ptr<const CachedKey>> key =
      KeyFor(provenance, org_id, at);
  if (!key.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat(what, ": ", key.status().message()));
  }
  if (const std::optional<Revocation>& revoked = (*key)->revocation) {
    if (revoked->VoidsEverySignature()) {
      return absl::UnauthenticatedError(
          absl::StrCat(what, ": its signer's certificate was ",
                       revoked->Describe(), "; nothing signed with that key stands"));
    }
    if (at >= revoked->revoked_at) {
      return absl::UnauthenticatedError(
          absl::StrCat(what, ": signed at ", crypto::FormatTime(at),
                       ", after its signer's certificate was ", revoked->Describe()));
    }
  }
  std::string message = content();
  const std::string& signature = provenance.signature();
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY* public_key = (*key)->key.get();
  bool valid =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, DigestFor(public_key), nullptr, public_key) == 1 &&
      EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                       message.size()) == 1;
  ERR_clear_error();
  if (!valid) {
    return absl::UnauthenticatedError(
        absl::StrCat(what, ": the signature does not match its content (altered on the way?)"));
  }
  return absl::OkStatus();
}

}  // namespace cairn
