#include "node/crypto/mutual_tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/crypto/x509.h"

namespace cairn {
namespace {

struct StoreContextFree {
  void operator()(X509_STORE_CTX* ctx) const { X509_STORE_CTX_free(ctx); }
};

// The subject names of the bundle's CA certificates, which the server sends when it asks for a
// client certificate, so a browser offers only certificates those CAs issued.
STACK_OF(X509_NAME) * AcceptableIssuers(X509_STORE* store) {
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    X509* ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i));
    if (ca != nullptr) sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca)));
  }
  return names;
}

}  // namespace

MutualTlsServer::MutualTlsServer(const std::string& cert_file, const std::string& key_file,
                                 std::shared_ptr<const FederationTrust> trust,
                                 CryptoOptions options)
    : trust_(std::move(trust)),
      key_pair_({cert_file, key_file}, options.refresh_interval, options.clock,
                [cert_file, key_file]() -> absl::StatusOr<std::shared_ptr<const crypto::KeyPair>> {
                  absl::StatusOr<crypto::KeyPair> pair = crypto::ReadKeyPair(cert_file, key_file);
                  if (!pair.ok()) return pair.status();
                  return std::make_shared<const crypto::KeyPair>(*std::move(pair));
                }) {}

absl::StatusOr<std::unique_ptr<MutualTlsServer>> MutualTlsServer::Configure(
    SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file,
    std::shared_ptr<const FederationTrust> trust, CryptoOptions options) {
  std::unique_ptr<MutualTlsServer> server(
      new MutualTlsServer(cert_file, key_file, std::move(trust), options));
  if (absl::Status loaded = server->key_pair_.Load(); !loaded.ok()) return loaded;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Every connection makes a full handshake, so every one meets the certificate checks as the
  // trust files are then. (OpenSSL also refuses to resume a verified session without a session
  // id context, failing browsers' second connections.)
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_cert_cb(ctx, &MutualTlsServer::PresentCertificate, server.get());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, &MutualTlsServer::VerifyClient, server.get());
  SSL_CTX_set_client_CA_list(ctx, AcceptableIssuers(server->trust_->Current()->store()));
  return server;
}

int MutualTlsServer::PresentCertificate(SSL* ssl, void* self) {
  MutualTlsServer* server = static_cast<MutualTlsServer*>(self);
  // The CAs a browser may pick a certificate from, as the bundle is now: a CA added while the
  // node runs is offered from the next connection on.
  SSL_set_client_CA_list(ssl, AcceptableIssuers(server->trust_->Current()->store()));
  std::shared_ptr<const crypto::KeyPair> pair = server->key_pair_.Current();
  if (SSL_use_certificate(ssl, pair->chain[0].get()) != 1 ||
      SSL_use_PrivateKey(ssl, pair->key.get()) != 1 || SSL_clear_chain_certs(ssl) != 1) {
    return 0;
  }
  for (size_t i = 1; i < pair->chain.size(); ++i) {
    if (SSL_add1_chain_cert(ssl, pair->chain[i].get()) != 1) return 0;
  }
  return 1;
}

// Verifies against the trust files as they are now, rather than the store OpenSSL was given when
// the context was made, then refuses what a revocation list names.
int MutualTlsServer::VerifyClient(X509_STORE_CTX* presented, void* self) {
  std::shared_ptr<const TrustSnapshot> trust =
      static_cast<MutualTlsServer*>(self)->trust_->Current();
  X509* leaf = X509_STORE_CTX_get0_cert(presented);
  std::unique_ptr<X509_STORE_CTX, StoreContextFree> ctx(X509_STORE_CTX_new());
  if (leaf == nullptr || ctx == nullptr ||
      X509_STORE_CTX_init(ctx.get(), trust->store(), leaf,
                          X509_STORE_CTX_get0_untrusted(presented)) != 1) {
    X509_STORE_CTX_set_error(presented, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(ctx.get()) != 1) {
    X509_STORE_CTX_set_error(presented, X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return 0;
  }
  if (trust->Find(leaf).has_value()) {
    X509_STORE_CTX_set_error(presented, X509_V_ERR_CERT_REVOKED);
    return 0;
  }
  return 1;
}

PresentedIdentity ClientIdentity(const SSL* ssl) {
  PresentedIdentity presented;
  X509* cert = ssl == nullptr ? nullptr : SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return presented;
  // As gRPC does: the SPIFFE id is the certificate's one URI name, when it has only one.
  std::vector<std::string> uris = crypto::UriNames(cert);
  if (uris.size() == 1 && absl::StartsWith(uris[0], "spiffe://")) presented.spiffe_id = uris[0];
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr && PEM_write_bio_X509(bio, cert) == 1) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    presented.certificate_pem.assign(data, static_cast<size_t>(size));
  }
  BIO_free(bio);
  return presented;
}

}  // namespace cairn
