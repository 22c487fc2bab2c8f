// How the client reaches a node: address, the user's certificate, and deadlines.
#ifndef CAIRN_CLIENT_CONNECTION_H_
#define CAIRN_CLIENT_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace cairn::client {

struct ConnectionOptions {
  std::string address;    // host:port of the node
  std::string ca_file;    // the federation trust bundle (PEM)
  std::string cert_file;  // the user's certificate (PEM)
  std::string key_file;   // the user's private key (PEM)
  absl::Duration timeout = absl::Seconds(10);         // deadline of each unary call
  absl::Duration import_timeout = absl::Minutes(60);  // deadline of a whole import stream
};

// An mTLS channel to the node with the user's certificate (connecting lazily).
// INVALID_ARGUMENT naming a missing setting; NOT_FOUND naming an unreadable file.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ConnectionOptions& options);

}  // namespace cairn::client

#endif  // CAIRN_CLIENT_CONNECTION_H_
