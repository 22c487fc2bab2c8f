#include "server/security.h"

#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server_context.h"
#include "node/common/status_macros.h"
#include "node/crypto/provenance.h"
#include "node/crypto/trust.h"
#include "node/lessons/validation.h"

namespace cairn::server {

std::shared_ptr<grpc::ChannelCredentials> MakePeerChannelCredentials(const v1::TlsConfig& tls) {
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key_file(), tls.cert_file(), tls.trust_bundle_file(), tls.refresh_interval_seconds());
  grpc::experimental::TlsChannelCredentialsOptions credentials;
  credentials.set_certificate_provider(provider);
  credentials.watch_root_certs();
  credentials.watch_identity_key_cert_pairs();
  return grpc::experimental::TlsCredentials(credentials);
}

std::shared_ptr<grpc::Channel> NewPeerChannel(
    const std::string& address, const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    grpc::ChannelArguments args) {
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, credentials, args);
}

namespace {

// The one value of `property` in `auth`; empty when it has none, or several.
std::string SingleProperty(const std::shared_ptr<const grpc::AuthContext>& auth,
                           const char* property) {
  if (auth == nullptr) return "";
  std::vector<grpc::string_ref> values = auth->FindPropertyValues(property);
  return values.size() == 1 ? std::string(values[0].data(), values[0].size()) : "";
}

}  // namespace

absl::Status CheckAnsweringPeer(const grpc::ClientContext& context, absl::string_view federation,
                                absl::string_view org_id, absl::string_view address,
                                const PresentedCertificateCheck* certificates) {
  std::string expected = absl::StrCat("spiffe://", federation, "/org/", org_id);
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (SingleProperty(auth, GRPC_PEER_SPIFFE_ID_PROPERTY_NAME) != expected) {
    return absl::PermissionDeniedError(absl::StrCat("the node at ", address, " is not ", expected));
  }
  if (certificates == nullptr) return absl::OkStatus();
  absl::Status usable = certificates->Check(SingleProperty(auth, GRPC_X509_PEM_CERT_PROPERTY_NAME));
  if (!usable.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the node at ", address, ": ", usable.message()));
  }
  return absl::OkStatus();
}

namespace {

// Refuses, at the handshake, a certificate that chains to the trust bundle but was revoked.
// (gRPC's own CRL directory is read when its TLS context is made, and that is made again only
// when the node's certificate changes; this follows the CRL file as it is re-read.)
class RevocationVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit RevocationVerifier(std::shared_ptr<const PresentedCertificateCheck> certificates)
      : certificates_(std::move(certificates)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) override {
    grpc::string_ref pem = request->peer_cert();
    absl::Status usable = certificates_->Check(absl::string_view(pem.data(), pem.size()));
    *sync_status = usable.ok() ? grpc::Status::OK
                               : grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                              std::string(usable.message()));
    return true;  // done synchronously
  }

  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest* /*request*/) override {}

 private:
  std::shared_ptr<const PresentedCertificateCheck> certificates_;
};

}  // namespace

PresentedIdentity PresentedBy(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  return {SingleProperty(auth, GRPC_PEER_SPIFFE_ID_PROPERTY_NAME),
          SingleProperty(auth, GRPC_X509_PEM_CERT_PROPERTY_NAME)};
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsConfig& tls, std::shared_ptr<const PresentedCertificateCheck> certificates) {
  // The certificate provider only logs files it cannot use, and keeps serving with none: check
  // them now, with the loaders that name the file and the problem.
  CAIRN_RETURN_IF_ERROR(LessonSigner::Load(tls.cert_file(), tls.key_file()).status());
  CAIRN_RETURN_IF_ERROR(
      FederationTrust::Load({tls.trust_bundle_file(), tls.crl_file(), absl::ZeroDuration()})
          .status());
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key_file(), tls.cert_file(), tls.trust_bundle_file(), tls.refresh_interval_seconds());
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (certificates != nullptr) {
    options.set_certificate_verifier(
        grpc::experimental::ExternalCertificateVerifier::Create<RevocationVerifier>(
            std::move(certificates)));
  }
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<Principal> IdentifyCaller(const grpc::ServerContextBase& context,
                                         const Authenticator& authenticator) {
  return authenticator.Authenticate(PresentedBy(context));
}

absl::StatusOr<Principal> AdmitUser(const PresentedIdentity& presented,
                                    const Authenticator& authenticator, v1::Role needed,
                                    absl::string_view action,
                                    const google::protobuf::Message& request) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, authenticator.Authenticate(presented));
  CAIRN_RETURN_IF_ERROR(RequireRole(caller, needed, action));
  CAIRN_RETURN_IF_ERROR(ValidateWellFormed(request, ""));
  return caller;
}

}  // namespace cairn::server
