// One puller against a fake sender in this process: how the end of a pull stream shows in the
// peer's replication status.
#include <atomic>

#include "absl/time/clock.h"
#include "cairn/v1/replication.grpc.pb.h"
#include "gtest/gtest.h"
#include "grpcpp/grpcpp.h"
#include "node/replication/replica_applier.h"
#include "server/peer_puller.h"
#include "server/security.h"
#include "tests/support/fake_peer.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"

namespace cairn {
namespace {

// Heartbeats every 50 ms until the puller goes; counts the pulls.
class HeartbeatingSender final : public v1::ReplicationService::Service {
 public:
  grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullResponse>* writer) override {
    ++pulls;
    while (!context->IsCancelled()) {
      v1::PullResponse response;
      response.mutable_heartbeat()->set_cursor(request->cursor());
      response.mutable_heartbeat()->set_sender_sequence(request->cursor());
      if (!writer->Write(response)) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return grpc::Status::OK;
  }

  std::atomic<int> pulls{0};
};

// The puller ends each stream at its own deadline and reconnects from its cursor: a planned
// end, which must not show in `cairn peer status` as an error.
TEST(PeerPullerTest, AStreamEndingAtItsOwnDeadlineIsNoError) {
  testing::TestPki& pki = testing::TestPki::Shared();
  HeartbeatingSender sender;
  testing::FakePeer council = testing::StartFakePeer("leeds-council", &sender);
  ASSERT_NE(council.server, nullptr);

  testing::TempDir dir;
  testing::FakeClock clock;
  std::unique_ptr<Store> store = *Store::Open(dir.path());
  std::unique_ptr<PeerDirectory> directory = *PeerDirectory::Open(store.get(), "west-police", &clock);
  v1::Peer peer;
  peer.set_org_id("leeds-council");
  peer.set_address(council.address);
  peer.set_pull_from(true);
  ASSERT_TRUE(directory->PutPeer("user ada", peer).ok());
  std::unique_ptr<LessonVerifier> verifier = *LessonVerifier::Load(pki.ca_file(), pki.federation());
  ReplicaApplier applier(store.get(), directory.get(), verifier.get(), "west-police", &clock);

  server::PullerOptions options;
  options.federation = pki.federation();
  options.stream_deadline = absl::Seconds(1);
  {
    server::PeerPuller puller(peer, &applier,
                              server::MakePeerChannelCredentials(testing::NodeTls(pki, "west-police")),
                              options);
    absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (sender.pulls < 3 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_GE(sender.pulls, 3) << "the puller reconnects after each stream's deadline";
  std::vector<PullStatus> status = applier.Status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].last_error, "");
  EXPECT_NE(status[0].last_success, absl::InfinitePast());
}

}  // namespace
}  // namespace cairn
