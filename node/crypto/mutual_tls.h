// Mutual TLS with OpenSSL for listeners gRPC does not serve (the web console): the same rules as
// the gRPC listener, following the same files. SPEC section 5.
#ifndef CAIRN_NODE_CRYPTO_MUTUAL_TLS_H_
#define CAIRN_NODE_CRYPTO_MUTUAL_TLS_H_

#include <openssl/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "node/crypto/file_watch.h"
#include "node/crypto/provenance.h"
#include "node/crypto/trust.h"
#include "node/identity/principal.h"

namespace cairn {
namespace crypto {
struct KeyPair;
}  // namespace crypto

// Makes an OpenSSL server context present this node's certificate chain and key, re-read as they
// rotate (a pair caught half-written keeps the last good one), and require a client certificate
// that chains to the federation's trust bundle as it is now and is not revoked. Thread-safe.
class MutualTlsServer {
 public:
  // Configures `ctx`, which must not outlive the returned object. FAILED_PRECONDITION naming the
  // file when the certificate or key cannot be used now.
  static absl::StatusOr<std::unique_ptr<MutualTlsServer>> Configure(
      SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file,
      std::shared_ptr<const FederationTrust> trust, CryptoOptions options = {});

 private:
  MutualTlsServer(const std::string& cert_file, const std::string& key_file,
                  std::shared_ptr<const FederationTrust> trust, CryptoOptions options);
  // OpenSSL callbacks; `self` is this object.
  static int PresentCertificate(SSL* ssl, void* self);
  static int VerifyClient(X509_STORE_CTX* presented, void* self);

  std::shared_ptr<const FederationTrust> trust_;
  crypto::Reloading<crypto::KeyPair> key_pair_;
};

// What the client of an established connection presented (empty when nothing).
PresentedIdentity ClientIdentity(const SSL* ssl);

}  // namespace cairn

#endif  // CAIRN_NODE_CRYPTO_MUTUAL_TLS_H_
