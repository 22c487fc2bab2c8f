// An in-process peer node for integration tests: a gRPC server with an organisation's node
// certificate from a test PKI, serving whatever service a test fakes (a hostile relay, a stalled
// node), on a loopback port the OS chooses or a set address.
#ifndef CAIRN_TESTS_SUPPORT_FAKE_PEER_H_
#define CAIRN_TESTS_SUPPORT_FAKE_PEER_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "server/security.h"
#include "tests/support/test_pki.h"

namespace cairn::testing {

struct FakePeer {
  std::unique_ptr<grpc::Server> server;  // null when it could not start
  std::string address;
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
