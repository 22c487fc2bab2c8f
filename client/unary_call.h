// Private to client/: one unary call with a deadline, its status as absl::Status.
#ifndef CAIRN_CLIENT_UNARY_CALL_H_
#define CAIRN_CLIENT_UNARY_CALL_H_

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace cairn::client {

inline absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// Calls `(stub->*method)(context, request, &response)` with a deadline `timeout` from now.
template <typename Response, typename Stub, typename Method, typename Request>
absl::StatusOr<Response> UnaryCall(Stub* stub, Method method, const Request& request,
                                   absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  Response response;
  grpc::Status status = (stub->*method)(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

}  // namespace cairn::client

#endif  // CAIRN_CLIENT_UNARY_CALL_H_
