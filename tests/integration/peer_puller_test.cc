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

// Heartbeats every 50 ms until the puller goes, or only once when `stalls`; counts the pulls.
class HeartbeatingSender final : public v1::ReplicationService::Service {
 public:
  explicit HeartbeatingSender(bool stalls = false) : stalls_(stalls) {}

  grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullResponse>* writer) override {
    ++pulls;
    bool spoke = false;
    while (!context->IsCancelled()) {
      if (!spoke || !stalls_) {
        v1::PullResponse response;
        response.mutable_heartbeat()->set_cursor(request->cursor());
        response.mutable_heartbeat()->set_sender_sequence(request->cursor());
        if (!writer->Write(response)) break;
        spoke = true;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return grpc::Status::OK;
  }

  std::atomic<int> pulls{0};

 private:
  const bool stalls_;
};

// A receiving node's replication state on disk, pulling from leeds-council at `address`.
class PeerPullerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *Store::Open(dir_.path());
    directory_ = *PeerDirectory::Open(store_.get(), "west-police", &clock_);
    verifier_ = *LessonVerifier::Load(pki_.ca_file(), pki_.federation());
    applier_ = std::make_unique<ReplicaApplier>(store_.get(), directory_.get(), verifier_.get(),
                                                "west-police", &clock_);
    options_.federation = pki_.federation();
  }

  std::unique_ptr<server::PeerPuller> StartPuller(const std::string& address) {
    v1::Peer peer;
    peer.set_org_id("leeds-council");
    peer.set_address(address);
    peer.set_pull_from(true);
    EXPECT_TRUE(directory_->PutPeer("user ada", peer).ok());
    return std::make_unique<server::PeerPuller>(
        peer, applier_.get(),
        server::MakePeerChannelCredentials(testing::NodeTls(pki_, "west-police")), options_,
        &wakeup_);
  }

  testing::TestPki& pki_ = testing::TestPki::Shared();
  server::PullerWakeup wakeup_;
  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<PeerDirectory> directory_;
  std::unique_ptr<LessonVerifier> verifier_;
  std::unique_ptr<ReplicaApplier> applier_;
  server::PullerOptions options_;
};

bool WaitForPulls(const HeartbeatingSender& sender, int pulls, absl::Duration timeout) {
  absl::Time give_up = absl::Now() + timeout;
  while (sender.pulls < pulls && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(10));
  return sender.pulls >= pulls;
}

// The puller ends each stream at its own deadline and reconnects from its cursor: a planned
// end, which must not show in `cairn peer status` as an error.
TEST_F(PeerPullerTest, AStreamEndingAtItsOwnDeadlineIsNoError) {
  HeartbeatingSender sender;
  testing::FakePeer council = testing::StartFakePeer("leeds-council", &sender);
  ASSERT_NE(council.server, nullptr);
  options_.stream_deadline = absl::Seconds(2);
  {
    std::unique_ptr<server::PeerPuller> puller = StartPuller(council.address);
    EXPECT_TRUE(WaitForPulls(sender, 3, absl::Seconds(30)))
        << "the puller reconnects after each stream's deadline";
  }
  std::vector<PullStatus> status = applier_->Status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].last_error, "");
  EXPECT_NE(status[0].last_success, absl::InfinitePast());
}

// A sender that said one thing and then nothing until the deadline had stalled: that is shown.
TEST_F(PeerPullerTest, ASenderQuietUntilTheDeadlineIsAnError) {
  HeartbeatingSender sender(/*stalls=*/true);
  testing::FakePeer council = testing::StartFakePeer("leeds-council", &sender);
  ASSERT_NE(council.server, nullptr);
  options_.stream_deadline = absl::Seconds(2);
  options_.quiet_sender = absl::Milliseconds(500);
  {
    std::unique_ptr<server::PeerPuller> puller = StartPuller(council.address);
    EXPECT_TRUE(WaitForPulls(sender, 2, absl::Seconds(30)));
  }
  std::vector<PullStatus> status = applier_->Status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].last_error, "DEADLINE_EXCEEDED: Deadline Exceeded");
}

// A sender that was down for a while and comes back on its address is pulled from at our next
// try, by our own backoff (here at most 200 ms), not after a connection backoff of gRPC's that
// grew while it was down.
TEST_F(PeerPullerTest, ASenderBackOnItsAddressIsPulledFromAtOurNextTry) {
  HeartbeatingSender sender;
  testing::FakePeer council = testing::StartFakePeer("leeds-council", &sender);
  ASSERT_NE(council.server, nullptr);
  const std::string address = council.address;
  council.server->Shutdown();
  council.server.reset();
  options_.retry_initial = absl::Milliseconds(50);
  options_.retry_max = absl::Milliseconds(200);
  std::unique_ptr<server::PeerPuller> puller = StartPuller(address);
  absl::SleepFor(absl::Seconds(8));  // failing all along
  ASSERT_EQ(sender.pulls, 0);
  council = testing::StartFakePeer("leeds-council", &sender, pki_, address);
  ASSERT_NE(council.server, nullptr);
  absl::Time back = absl::Now();
  EXPECT_TRUE(WaitForPulls(sender, 1, absl::Seconds(20)));
  EXPECT_LT(absl::Now() - back, absl::Seconds(2));
}

}  // namespace
}  // namespace cairn
