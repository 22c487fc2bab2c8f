// The answer of a callback service's unary method that does its work at once: `status`, finished
// on the context's default reactor.
#ifndef CAIRN_SERVER_UNARY_REACTOR_H_
#define CAIRN_SERVER_UNARY_REACTOR_H_

#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "server/status.h"

namespace cairn::server {

inline grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                             const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace cairn::server

#endif  // CAIRN_SERVER_UNARY_REACTOR_H_
