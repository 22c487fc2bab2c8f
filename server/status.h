// absl::Status to grpc::Status, for the service classes, and back.
#ifndef CAIRN_SERVER_STATUS_H_
#define CAIRN_SERVER_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/support/status.h"

namespace cairn::server {

// Abseil's canonical codes are gRPC's, number for number.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// And back, for the calls a node makes to its peers.
inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// Sets *response from an OK result, and returns the result's status.
template <typename T>
absl::Status Fill(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

// Defines Class::Method, the gRPC face of a unary method, as a call to the method's
// transport-independent overload `absl::Status Method(const PresentedIdentity&, const Request&,
// Response*)`, which the web console calls too: one rule, two transports.
#define CAIRN_UNARY_OVER_GRPC(Class, Method, Request, Response)                    \
  grpc::Status Class::Method(grpc::ServerContext* context, const Request* request, \
                             Response* response) {                                 \
    return ToGrpcStatus(Method(PresentedBy(*context), *request, response));        \
  }

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STATUS_H_
