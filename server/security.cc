#include "server/security.h"


#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server_context.h"
#include "node/common/status_macros.h"
#include "node/lessons/validation.h"
#include "openssl/bio.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

namespace cairn::server {

namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

absl::StatusOr<std::unique_ptr<BIO, BioDeleter>> OpenPem(const std::string& file) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_file(file.c_str(), "r"));
  if (bio == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read TLS file ", file));
  }
  return bio;
}

// The certificate provider only logs files it cannot use, and keeps serving with none; check them
// at start so a wrong path, a damaged file or a key of another certificate stops cairnd with a
// message naming the file.
absl::Status CheckTlsFiles(const v1::TlsConfig& tls) {
  auto cert_bio = OpenPem(tls.cert_file());
  if (!cert_bio.ok()) return cert_bio.status();
  std::unique_ptr<X509, X509Deleter> cert(
      PEM_read_bio_X509(cert_bio->get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("tls.cert_file ", tls.cert_file(), " holds no PEM certificate"));
  }
  auto key_bio = OpenPem(tls.key_file());
  if (!key_bio.ok()) return key_bio.status();
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      PEM_read_bio_PrivateKey(key_bio->get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("tls.key_file ", tls.key_file(), " holds no PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tls.key_file ", tls.key_file(), " is not the key of ", tls.cert_file()));
  }
  auto bundle_bio = OpenPem(tls.trust_bundle_file());
  if (!bundle_bio.ok()) return bundle_bio.status();
  std::unique_ptr<X509, X509Deleter> ca(
      PEM_read_bio_X509(bundle_bio->get(), nullptr, nullptr, nullptr));
  if (ca == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tls.trust_bundle_file ", tls.trust_bundle_file(), " holds no PEM certificate"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsConfig& tls) {
  if (absl::Status files = CheckTlsFiles(tls); !files.ok()) return files;
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key_file(), tls.cert_file(), tls.trust_bundle_file(), tls.refresh_interval_seconds());
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<Principal> IdentifyCaller(const grpc::ServerContextBase& context,
                                         const Authenticator& authenticator) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  std::string spiffe_id;
  if (auth != nullptr) {
    std::vector<grpc::string_ref> values =
        auth->FindPropertyValues(GRPC_PEER_SPIFFE_ID_PROPERTY_NAME);
    if (values.size() == 1) spiffe_id.assign(values[0].data(), values[0].size());
  }
  return authenticator.Authenticate(spiffe_id);
}

absl::StatusOr<Principal> AdmitUser(const grpc::ServerContextBase& context,
                                    const Authenticator& authenticator, v1::Role needed,
                                    absl::string_view action,
                                    const google::protobuf::Message& request) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, IdentifyCaller(context, authenticator));
  CAIRN_RETURN_IF_ERROR(RequireRole(caller, needed, action));
  CAIRN_RETURN_IF_ERROR(ValidateWellFormed(request, ""));
  return caller;
}

}  // namespace cairn::server
