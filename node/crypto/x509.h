// OpenSSL helpers shared by node/crypto: owning pointers, PEM and DER reading, names and times.
// Private to node/crypto.
#ifndef CAIRN_NODE_CRYPTO_X509_H_
#define CAIRN_NODE_CRYPTO_X509_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace cairn::crypto {

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct X509CrlFree {
  void operator()(X509_CRL* crl) const { X509_CRL_free(crl); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509StoreFree {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlFree>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreFree>;

// The oldest queued OpenSSL error as text (and the queue cleared).
std::string OpenSslError();

// Every certificate in a PEM file, in order. FAILED_PRECONDITION naming `what` and the file when
// it cannot be read or holds none.
absl::StatusOr<std::vector<X509Ptr>> ReadCertificates(const std::string& file,
                                                      absl::string_view what);
// Every CRL in a PEM file, in order. FAILED_PRECONDITION naming the file when it cannot be read
// or holds none.
absl::StatusOr<std::vector<X509CrlPtr>> ReadCrls(const std::string& file);
// The private key in a PEM file. FAILED_PRECONDITION naming the file.
absl::StatusOr<KeyPtr> ReadPrivateKey(const std::string& file);

// A certificate chain (leaf first) and the leaf's private key.
struct KeyPair {
  std::vector<X509Ptr> chain;
  KeyPtr key;
};
// FAILED_PRECONDITION naming the file when either file cannot be read, or the key is not the
// certificate's (as when a rotation is caught half-written).
absl::StatusOr<KeyPair> ReadKeyPair(const std::string& cert_file, const std::string& key_file);

std::string ToDer(X509* cert);
X509Ptr FromDer(absl::string_view der);
// The first certificate of a PEM text, or null.
X509Ptr FromPem(absl::string_view pem);

// The certificate's URI subject alternative names.
std::vector<std::string> UriNames(X509* cert);

// An ASN.1 time as absl::Time; InfinitePast when it does not parse.
absl::Time ToTime(const ASN1_TIME* time);
// RFC 3339 in UTC, e.g. "2027-01-31T12:00:00Z".
std::string FormatTime(absl::Time time);

// A serial number in hex, as `openssl x509 -serial` and `openssl crl` print it.
std::string SerialHex(const ASN1_INTEGER* serial);
// The key under which a revocation list names a certificate: its issuer's name and its serial
// number.
std::string RevocationKey(const X509_NAME* issuer, const ASN1_INTEGER* serial);
std::string RevocationKey(const X509* cert);

// SHA-256 of the bytes, in lower-case hex.
std::string Sha256Hex(absl::string_view bytes);

}  // namespace cairn::crypto

#endif  // CAIRN_NODE_CRYPTO_X509_H_
