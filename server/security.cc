#include "server/security.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server_context.h"

namespace cairn::server {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsConfig& tls) {
  // The file watcher only logs unreadable files; check up front so a typo fails the start.
  for (const std::string* file : {&tls.cert_file(), &tls.key_file(), &tls.trust_bundle_file()}) {
    if (!std::ifstream(*file)) {
      return absl::FailedPreconditionError(absl::StrCat("cannot read TLS file ", *file));
    }
  }
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

}  // namespace cairn::server
