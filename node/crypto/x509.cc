#include "node/crypto/x509.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace cairn::crypto {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr OpenFile(const std::string& file) { return BioPtr(BIO_new_file(file.c_str(), "r")); }

}  // namespace

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return text;
}

absl::StatusOr<std::vector<X509Ptr>> ReadCertificates(const std::string& file,
                                                      absl::string_view what) {
  BioPtr bio = OpenFile(file);
  if (bio == nullptr) {
    ERR_clear_error();
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

absl::StatusOr<std::vector<X509CrlPtr>> ReadCrls(const std::string& file) {
  BioPtr bio = OpenFile(file);
  if (bio == nullptr) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat("cannot read CRL file ", file));
  }
  std::vector<X509CrlPtr> crls;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    crls.emplace_back(crl);
  }
  ERR_clear_error();
  if (crls.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("CRL file ", file, " holds no PEM certificate revocation list"));
  }
  return crls;
}

absl::StatusOr<KeyPtr> ReadPrivateKey(const std::string& file) {
  BioPtr bio = OpenFile(file);
  if (bio == nullptr) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat("cannot read key file ", file));
  }
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(file, " holds no PEM private key"));
  }
  return key;
}

absl::StatusOr<KeyPair> ReadKeyPair(const std::string& cert_file, const std::string& key_file) {
  absl::StatusOr<std::vector<X509Ptr>> chain = ReadCertificates(cert_file, "certificate file");
  if (!chain.ok()) return chain.status();
  absl::StatusOr<KeyPtr> key = ReadPrivateKey(key_file);
  if (!key.ok()) return key.status();
  if (X509_check_private_key((*chain)[0].get(), key->get()) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat(key_file, " is not the key of ", cert_file));
  }
  return KeyPair{*std::move(chain), *std::move(key)};
}

std::string ToDer(X509* cert) {
  unsigned char* der = nullptr;
  int length = i2d_X509(cert, &der);
  std::string out(reinterpret_cast<char*>(der), length > 0 ? length : 0);
  OPENSSL_free(der);
  return out;
}

X509Ptr FromDer(absl::string_view der) {
  const unsigned char* data = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &data, static_cast<long>(der.size())));
  ERR_clear_error();
  return cert;
}

X509Ptr FromPem(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return nullptr;
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return cert;
}

std::vector<std::string> UriNames(X509* cert) {
  std::vector<std::string> uris;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
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

absl::Time ToTime(const ASN1_TIME* time) {
  struct tm parts {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    ERR_clear_error();
    return absl::InfinitePast();
  }
  return absl::FromTimeT(timegm(&parts));
}

std::string FormatTime(absl::Time time) {
  if (time == absl::InfinitePast()) return "an unreadable time";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

std::string SerialHex(const ASN1_INTEGER* serial) {
  return absl::AsciiStrToUpper(absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)), ASN1_STRING_length(serial))));
}

std::string RevocationKey(const X509* cert) {
  return RevocationKey(X509_get_issuer_name(cert), X509_get0_serialNumber(cert));
}

std::string RevocationKey(const X509_NAME* issuer, const ASN1_INTEGER* serial) {
  const unsigned char* der = nullptr;
  size_t length = 0;
  X509_NAME_get0_der(const_cast<X509_NAME*>(issuer), &der, &length);
  return absl::StrCat(
      absl::string_view(reinterpret_cast<const char*>(der), length), "\n",
      absl::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)),
                        ASN1_STRING_length(serial)));
}

std::string Sha256Hex(absl::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace cairn::crypto
