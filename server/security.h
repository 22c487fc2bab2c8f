// Transport security: mTLS server credentials and turning a TLS peer into a principal.
#ifndef CAIRN_SERVER_SECURITY_H_
#define CAIRN_SERVER_SECURITY_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cairn/v1/config.pb.h"
#include "google/protobuf/message.h"
#include "node/identity/principal.h"

namespace grpc {
class Channel;
class ChannelArguments;
class ChannelCredentials;
class ClientContext;
class ServerContextBase;
class ServerCredentials;
}  // namespace grpc

namespace cairn::server {

// mTLS credentials that require a client certificate chaining to the trust bundle and re-read the
// certificate, key and bundle every refresh interval, so they rotate without a restart; a client
// certificate `certificates` refuses (revoked) fails the handshake.
// FAILED_PRECONDITION naming the file when one cannot be read now, holds no PEM certificate or
// key, or when the key does not belong to the certificate.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsConfig& tls, std::shared_ptr<const PresentedCertificateCheck> certificates);

// mTLS credentials for calling peer nodes with this node's certificate, re-read like the server's.
std::shared_ptr<grpc::ChannelCredentials> MakePeerChannelCredentials(const v1::TlsConfig& tls);

// A channel of its own to a peer node: it shares no connection with other channels, so a new one
// tries to connect at once. (Shared connections that failed wait out gRPC's backoff, which grows
// to two minutes while a peer is down, before trying again, and fail every call meanwhile.)
std::shared_ptr<grpc::Channel> NewPeerChannel(
    const std::string& address, const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    grpc::ChannelArguments args);

// Whether the node that answered the call in `context` is `org_id` of `federation` by the SPIFFE
// id of its certificate, and (with `certificates`) that certificate is not revoked:
// PERMISSION_DENIED naming the address when it is another node (the peer's address may now
// belong to another node), UNAUTHENTICATED when its certificate was revoked.
absl::Status CheckAnsweringPeer(const grpc::ClientContext& context, absl::string_view federation,
                                absl::string_view org_id, absl::string_view address,
                                const PresentedCertificateCheck* certificates = nullptr);

// What the caller of the current RPC presented.
PresentedIdentity PresentedBy(const grpc::ServerContextBase& context);

// The caller of the current RPC, from the SPIFFE id of its verified certificate, which must not
// have been revoked since the connection was made.
// UNAUTHENTICATED or PERMISSION_DENIED as Authenticator::Authenticate says.
absl::StatusOr<Principal> IdentifyCaller(const grpc::ServerContextBase& context,
                                         const Authenticator& authenticator);

// The caller (by what it presented), when it is a local user with at least the role `needed` for
// `action` (e.g. "creating a lesson") and `request` is well-formed; otherwise why not.
absl::StatusOr<Principal> AdmitUser(const PresentedIdentity& presented,
                                    const Authenticator& authenticator, v1::Role needed,
                                    absl::string_view action,
                                    const google::protobuf::Message& request);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_SECURITY_H_
