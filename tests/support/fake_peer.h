// An in-process peer node for integration tests: a gRPC server with an organisation's node
// certificate from a test PKI, serving whatever service a test fakes (a hostile relay, a stalled
// node), on a loopback port the OS chooses or a set address.
#ifndef CAIRN_TESTS_SUPPORT_FAKE_PEER_H_
#define CAIRN_TESTS_SUPPORT_FAKE_PEER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "cairn/v1/federation.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/security.h"
#include "tests/support/test_pki.h"

namespace cairn::testing {

struct FakePeer {
  std::unique_ptr<grpc::Server> server;  // null when it could not start
  std::string address;
};

// A peer whose answers to federated searches never come in time: each query waits until the
// asker gives up (or 20 s pass, or Release()).
class StalledPeer final : public v1::FederationService::Service {
 public:
  grpc::Status Query(grpc::ServerContext* context, const v1::PeerQueryRequest*,
                     v1::PeerQueryResponse*) override {
    ++queries_;
    absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (!context->IsCancelled() && !released_ && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return grpc::Status(grpc::StatusCode::CANCELLED, "gave up");
  }
  // Queries received so far, answered or not.
  int queries() const { return queries_; }
  // Lets every waiting query, and every later one, end at once.
  void Release() { released_ = true; }

 private:
  std::atomic<int> queries_ = 0;
  std::atomic<bool> released_ = false;
};

// The TLS settings of `org`'s node certificate from `pki`.
inline v1::TlsConfig NodeTls(TestPki& pki, const std::string& org) {
  CertPaths cert = pki.Node(org);
  v1::TlsConfig tls;
  tls.set_cert_file(cert.cert);
  tls.set_key_file(cert.key);
  tls.set_trust_bundle_file(pki.ca_file());
  tls.set_refresh_interval_seconds(60);
  return tls;
}

// Listens on `address`, by default a port the OS chooses.
inline FakePeer StartFakePeer(const std::string& org, grpc::Service* service,
                              TestPki& pki = TestPki::Shared(),
                              const std::string& address = "127.0.0.1:0") {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, *server::MakeServerCredentials(NodeTls(pki, org), nullptr),
                           &port);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);  // as cairnd: the port is ours alone
  builder.RegisterService(service);
  FakePeer peer;
  peer.server = builder.BuildAndStart();
  if (port == 0) peer.server.reset();
  peer.address = "127.0.0.1:" + std::to_string(port);
  return peer;
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_FAKE_PEER_H_
