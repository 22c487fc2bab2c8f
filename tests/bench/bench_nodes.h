// What the benchmarks that run real cairnd processes share: an admin's client, and a link over
// which one node pulls another's CLEAR and GREEN lessons.
#ifndef CAIRN_TESTS_BENCH_BENCH_NODES_H_
#define CAIRN_TESTS_BENCH_BENCH_NODES_H_

#include <memory>

#include "client/admin_client.h"
#include "tests/support/cairnd_process.h"

namespace cairn::bench {

inline std::unique_ptr<client::AdminClient> Admin(const testing::CairndProcess& node) {
  return *client::AdminClient::Connect(node.ConnectionFor("ada"));
}

// `receiver` pulls CLEAR and GREEN lessons from `sender`.
inline void Link(const testing::CairndProcess& sender, const testing::CairndProcess& receiver) {
  v1::Peer allowed;
  allowed.set_org_id(receiver.spec().org_id);
  allowed.set_may_pull(true);
  auto sender_admin = Admin(sender);
  (void)sender_admin->PutPeer(allowed);
  (void)sender_admin->SetPolicyText(receiver.spec().org_id,
                                    "export { markings: [TLP_GREEN, TLP_CLEAR] }");
  v1::Peer source;
  source.set_org_id(sender.spec().org_id);
  source.set_address(sender.address());
  source.set_pull_from(true);
  (void)Admin(receiver)->PutPeer(source);
}

}  // namespace cairn::bench

#endif  // CAIRN_TESTS_BENCH_BENCH_NODES_H_
