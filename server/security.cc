#include "server/security.h"

#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server_context.h"
#include "node/common/status_macros.h"
#include "node/crypto/provenance.h"
#include "node/lessons/validation.h"

namespace cairn::server {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsConfig& tls) {
  // The certificate provider only logs files it cannot use, and keeps serving with none: check
  // them now, with the loaders that name the file and the problem.
  CAIRN_RETURN_IF_ERROR(LessonSigner::Load(tls.cert_file(), tls.key_file()).status());
  CAIRN_RETURN_IF_ERROR(LessonVerifier::Load(tls.trust_bundle_file(), "").status());
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
