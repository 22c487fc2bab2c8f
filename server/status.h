// absl::Status to grpc::Status, for the service classes.
#ifndef CAIRN_SERVER_STATUS_H_
#define CAIRN_SERVER_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace cairn::server {

// Abseil's canonical codes are gRPC's, number for number.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STATUS_H_
