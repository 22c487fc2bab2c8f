#include "node/crypto/provenance.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "node/identity/principal.h"

namespace cairn {
namespace {

constexpr absl::Duration kCacheLifetime = absl::Minutes(10);
constexpr size_t kMaxCachedKeys = 4096;
constexpr int kMaxChainLength = 5;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return text;
}

// Every certificate in a PEM file, in order.
absl::StatusOr<std::vector<X509Ptr>> ReadCertificates(const std::string& file,
                                                      absl::string_view what) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(file.c_str(), "r"));
  if (bio == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read ", what, " ", file));
  }
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  ERR_clear_error();  // the read that ended the loop
  if (certs.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " ", file, " holds no PEM certificate"));
  }
  return certs;
}

std::string ToDer(X509* cert) {
  unsigned char* der = nullptr;
  int length = i2d_X509(cert, &der);
  std::string out(reinterpret_cast<char*>(der), length > 0 ? length : 0);
  OPENSSL_free(der);
  return out;
}

X509Ptr FromDer(const std::string& der) {
  const unsigned char* data = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &data, static_cast<long>(der.size())));
}

// The certificate's URI subject alternative names.
std::vector<std::string> UriNames(X509* cert) {
  std::vector<std::string> uris;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return uris;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    uris.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      ASN1_STRING_length(uri));
  }
  GENERAL_NAMES_free(names);
  return uris;
}

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

// `time` as RFC 3339 in UTC, or as OpenSSL prints it when it will not convert.
std::string FormatAsn1Time(const ASN1_TIME* time) {
  struct tm parts {};
  if (ASN1_TIME_to_tm(time, &parts) != 1) {
    ERR_clear_error();
    return "an unreadable time";
  }
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromTimeT(timegm(&parts)),
                          absl::UTCTimeZone());
}

}  // namespace

absl::Status CheckNodeCertificate(const std::string& cert_file, absl::string_view federation,
                                  absl::string_view org_id, absl::Time now) {
  absl::StatusOr<std::vector<X509Ptr>> chain = ReadCertificates(cert_file, "certificate file");
  if (!chain.ok()) return chain.status();
  X509* leaf = (*chain)[0].get();
  const std::string expected = FormatSpiffeId({std::string(federation), std::string(org_id), ""});
  std::vector<std::string> uris = UriNames(leaf);
  if (std::find(uris.begin(), uris.end(), expected) == uris.end()) {
    for (const std::string& uri : uris) {
      absl::StatusOr<SpiffeId> id = ParseSpiffeId(uri);
      if (id.ok() && !id->user.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat(cert_file, " is a user certificate (", uri,
                         "); a node serves with its node certificate, ", expected));
      }
    }
    return absl::FailedPreconditionError(absl::StrCat(
        cert_file, " names ", uris.empty() ? std::string("no SPIFFE id") : uris[0],
        ", not this node's ", expected, " (federation and org_id)"));
  }
  time_t seconds = absl::ToTimeT(now);
  int after_end = X509_cmp_time(X509_get0_notAfter(leaf), &seconds);
  int before_start = X509_cmp_time(X509_get0_notBefore(leaf), &seconds);
  if (after_end == 0 || before_start == 0) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat(cert_file, " has a validity period that does not parse"));
  }
  if (after_end < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        cert_file, " expired at ", FormatAsn1Time(X509_get0_notAfter(leaf))));
  }
  if (before_start > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        cert_file, " is not valid until ", FormatAsn1Time(X509_get0_notBefore(leaf))));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> CertificateNotAfter(const std::string& cert_file) {
  absl::StatusOr<std::vector<X509Ptr>> chain = ReadCertificates(cert_file, "certificate file");
  if (!chain.ok()) return chain.status();
  struct tm not_after = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter((*chain)[0].get()), &not_after) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat(cert_file, " has a validity period that does not parse"));
  }
  return absl::FromTM(not_after, absl::UTCTimeZone());
}

std::string CanonicalEncoding(const v1::Lesson& lesson) {
  v1::Lesson bare = lesson;
  bare.clear_provenance();
  bare.clear_local();
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  bare.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

struct LessonSigner::Key {
  KeyPtr key;
};

LessonSigner::LessonSigner(std::unique_ptr<Key> key, std::vector<std::string> chain)
    : key_(std::move(key)), chain_der_(std::move(chain)) {}

LessonSigner::~LessonSigner() = default;

absl::StatusOr<std::unique_ptr<LessonSigner>> LessonSigner::Load(const std::string& cert_file,
                                                               const std::string& key_file) {
  absl::StatusOr<std::vector<X509Ptr>> chain = ReadCertificates(cert_file, "certificate file");
  if (!chain.ok()) return chain.status();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(key_file.c_str(), "r"));
  if (bio == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read key file ", key_file));
  }
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(key_file, " holds no PEM private key"));
  }
  if (X509_check_private_key((*chain)[0].get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat(key_file, " is not the key of ", cert_file));
  }
  std::vector<std::string> der;
  for (const X509Ptr& cert : *chain) der.push_back(ToDer(cert.get()));
  return std::unique_ptr<LessonSigner>(
      new LessonSigner(std::make_unique<Key>(Key{std::move(key)}), std::move(der)));
}

absl::Status LessonSigner::Sign(v1::Lesson* lesson) const {
  std::string message = CanonicalEncoding(*lesson);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t length = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(key_->key.get()), nullptr,
                         key_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return absl::InternalError(absl::StrCat("signing lesson ", lesson->id(), ": ", OpenSslError()));
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return absl::InternalError(absl::StrCat("signing lesson ", lesson->id(), ": ", OpenSslError()));
  }
  signature.resize(length);
  v1::Provenance* provenance = lesson->mutable_provenance();
  provenance->Clear();
  provenance->set_algorithm(AlgorithmName(key_->key.get()));
  provenance->set_signature(std::move(signature));
  for (const std::string& der : chain_der_) provenance->add_certificate_chain(der);
  return absl::OkStatus();
}

struct LessonVerifier::TrustStore {
  ~TrustStore() { X509_STORE_free(store); }
  X509_STORE* store = nullptr;
};

struct LessonVerifier::CachedKey {
  KeyPtr key;
  absl::Time verified_at;
};

LessonVerifier::LessonVerifier(std::unique_ptr<TrustStore> trust, std::string federation)
    : trust_(std::move(trust)), federation_(std::move(federation)) {}

LessonVerifier::~LessonVerifier() = default;

absl::StatusOr<std::unique_ptr<LessonVerifier>> LessonVerifier::Load(
    const std::string& trust_bundle_file, std::string federation) {
  absl::StatusOr<std::vector<X509Ptr>> cas = ReadCertificates(trust_bundle_file, "trust bundle");
  if (!cas.ok()) return cas.status();
  auto trust = std::make_unique<TrustStore>();
  trust->store = X509_STORE_new();
  for (const X509Ptr& ca : *cas) {
    if (X509_STORE_add_cert(trust->store, ca.get()) != 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("trust bundle ", trust_bundle_file, ": ", OpenSslError()));
    }
  }
  return std::unique_ptr<LessonVerifier>(new LessonVerifier(std::move(trust), std::move(federation)));
}

absl::StatusOr<std::shared_ptr<LessonVerifier::CachedKey>> LessonVerifier::KeyFor(
    const v1::Provenance& provenance, const std::string& org_id) const {
  if (provenance.certificate_chain_size() == 0 ||
      provenance.certificate_chain_size() > kMaxChainLength) {
    return absl::UnauthenticatedError("provenance: no usable certificate chain");
  }
  const std::string& leaf_der = provenance.certificate_chain(0);
  std::string cache_key = absl::StrCat(org_id, "\n", leaf_der);
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && absl::Now() - it->second->verified_at < kCacheLifetime) {
      return it->second;
    }
  }
  X509Ptr leaf = FromDer(leaf_der);
  if (leaf == nullptr) return absl::UnauthenticatedError("provenance: certificate does not parse");
  std::string expected = absl::StrCat("spiffe://", federation_, "/org/", org_id);
  std::vector<std::string> uris = UriNames(leaf.get());
  if (std::find(uris.begin(), uris.end(), expected) == uris.end()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "provenance: signed by ", uris.empty() ? std::string("a certificate with no SPIFFE id") : uris[0],
        ", not by the lesson's origin ", expected));
  }
  STACK_OF(X509)* intermediates = sk_X509_new_null();
  std::vector<X509Ptr> owned;
  for (int i = 1; i < provenance.certificate_chain_size(); ++i) {
    owned.push_back(FromDer(provenance.certificate_chain(i)));
    if (owned.back() != nullptr) sk_X509_push(intermediates, owned.back().get());
  }
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  bool verified = ctx != nullptr &&
                  X509_STORE_CTX_init(ctx, trust_->store, leaf.get(), intermediates) == 1 &&
                  X509_verify_cert(ctx) == 1;
  std::string why = verified || ctx == nullptr
                        ? ""
                        : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_free(intermediates);
  ERR_clear_error();
  if (!verified) {
    return absl::UnauthenticatedError(
        absl::StrCat("provenance: the signer's certificate does not verify: ", why));
  }
  auto cached = std::make_shared<CachedKey>();
  cached->key.reset(X509_get_pubkey(leaf.get()));
  cached->verified_at = absl::Now();
  if (cached->key == nullptr) return absl::UnauthenticatedError("provenance: no public key");
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCachedKeys) cache_.clear();
  cache_[cache_key] = cached;
  return cached;
}

absl::Status SignIfAltered(const v1::Lesson& stored, v1::Lesson* view, const LessonSigner& signer) {
  if (stored.has_provenance() && CanonicalEncoding(*view) == CanonicalEncoding(stored)) {
    *view->mutable_provenance() = stored.provenance();
    return absl::OkStatus();
  }
  return signer.Sign(view);
}

absl::Status LessonVerifier::Verify(const v1::Lesson& lesson) const {
  if (!lesson.has_provenance() || lesson.provenance().signature().empty()) {
    return absl::UnauthenticatedError(absl::StrCat("lesson ", lesson.id(), ": is not signed"));
  }
  absl::StatusOr<std::shared_ptr<CachedKey>> key = KeyFor(lesson.provenance(), lesson.origin_org());
  if (!key.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("lesson ", lesson.id(), ": ", key.status().message()));
  }
  std::string message = CanonicalEncoding(lesson);
  const std::string& signature = lesson.provenance().signature();
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  bool valid = ctx != nullptr &&
               EVP_DigestVerifyInit(ctx.get(), nullptr, DigestFor((*key)->key.get()), nullptr,
                                    (*key)->key.get()) == 1 &&
               EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                signature.size(),
                                reinterpret_cast<const unsigned char*>(message.data()),
                                message.size()) == 1;
  ERR_clear_error();
  if (!valid) {
    return absl::UnauthenticatedError(absl::StrCat(
        "lesson ", lesson.id(), ": the signature does not match its content (altered on the way?)"));
  }
  return absl::OkStatus();
}

}  // namespace cairn
