// absl::Status to grpc::Status, for the service classes.
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
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// Sets *response from an OK result, and returns the result's status for the wire.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STATUS_H_
