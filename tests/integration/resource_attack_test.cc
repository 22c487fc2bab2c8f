// One peer must not be able to exhaust a node. A test client holding a peer's real node
// certificate opens many replication streams against a real cairnd: from a peer that may not
// pull, never-reading streams from one that may, and link tests. The node's threads and memory
// stay bounded and its health check answers throughout. (attack_bench runs the full-size attacks
// and prints the figures.)
#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cairn/v1/replication.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/security.h"
#include "tests/support/attack.h"
#include "tests/support/fake_peer.h"
#include "tests/support/federation.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using testing::Federation;

constexpr char kNode[] = "leeds-council";
constexpr char kPeer[] = "west-police";
// What a node may cost, whatever one peer does (README, "What a peer can cost").
constexpr long kMaxThreads = 64;
constexpr long kMaxRssMb = 512;

class ResourceAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto channel = client::OpenChannel(federation_.node(kNode).ConnectionFor("bob"));
    ASSERT_TRUE(channel.ok()) << channel.status();
    health_ = std::make_unique<testing::HealthProbe>(*channel);
    credentials_ =
        server::MakePeerChannelCredentials(testing::NodeTls(testing::TestPki::Shared(), kPeer));
  }

  std::shared_ptr<grpc::Channel> PeerChannel() {
    return testing::PullStreams::Connect(federation_.node(kNode).address(), credentials_);
  }

  // Opens `count` Pull streams as the peer, reading nothing, noting the node's peak threads.
  void OpenPulls(int count, testing::PullStreams* streams) {
    streams->Open(federation_.node(kNode).address(), credentials_, count, [this] {
      peak_threads_ =
          std::max(peak_threads_, testing::ProcessThreads(federation_.node(kNode).pid()));
    });
  }

  void ExpectHealthyThroughout() {
    health_->Stop();
    EXPECT_EQ(health_->failures(), 0) << "health checks that did not answer SERVING";
    EXPECT_GT(health_->latencies().size(), 0u);
  }

  Federation federation_{{kNode}};
  std::unique_ptr<testing::HealthProbe> health_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  long peak_threads_ = 0;
};

TEST_F(ResourceAttackTest, PullsFromAPeerThatMayNotPullAreRefusedHoldingNoThread) {
  v1::Peer peer;
  peer.set_org_id(kPeer);  // known, but may not pull
  ASSERT_TRUE(federation_.Admin(kNode)->PutPeer(peer).ok());
  testing::PullStreams streams;
  OpenPulls(1000, &streams);
  int refused = 0;
  for (auto& reader : streams.readers) {
    v1::PullResponse response;
    EXPECT_FALSE(reader->Read(&response)) << "a refused peer is sent nothing";
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
    refused += status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
  }
  EXPECT_EQ(refused, 1000);
  EXPECT_LT(peak_threads_, kMaxThreads);
  ExpectHealthyThroughout();
}

TEST_F(ResourceAttackTest, NeverReadingStreamsOfAPeerAreCappedAtTwoAndMemoryStaysBounded) {
  // Enough to fill several large batches: 3,000 lessons of about 4 KB each.
  std::vector<v1::Lesson> lessons;
  for (int i = 0; i < 3000; ++i) {
    v1::Lesson lesson;
    lesson.set_title(absl::StrCat("Radio battery lesson ", i));
    lesson.set_lesson(std::string(4000, 'a' + i % 26));
    lesson.set_marking(v1::TLP_CLEAR);
    lessons.push_back(lesson);
  }
  ASSERT_EQ(federation_.Import(kNode, lessons).size(), lessons.size());
  v1::Peer peer;
  peer.set_org_id(kPeer);
  peer.set_may_pull(true);
  ASSERT_TRUE(federation_.Admin(kNode)->PutPeer(peer).ok());
  ASSERT_TRUE(federation_.Admin(kNode)->SetPolicyText(kPeer, "export { markings: [TLP_CLEAR] }").ok());

  testing::PullStreams streams;
  OpenPulls(200, &streams);
  peak_threads_ = std::max(peak_threads_, testing::ProcessThreads(federation_.node(kNode).pid()));
  const long rss_mb = testing::ProcessRssMb(federation_.node(kNode).pid());
  // Two are served (each with a batch in flight that is never read); the rest are refused.
  int served = 0, refused = 0;
  for (auto& reader : streams.readers) {
    v1::PullResponse response;
    if (reader->Read(&response)) {
      EXPECT_GT(response.batch().changes_size(), 0);
      ++served;
      continue;
    }
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("pulls open here already (the limit)"));
    ++refused;
  }
  EXPECT_EQ(served, 2);
  EXPECT_EQ(refused, 198);
  EXPECT_LT(peak_threads_, kMaxThreads);
  EXPECT_LT(rss_mb, kMaxRssMb);
  for (auto& context : streams.contexts) context->TryCancel();
  ExpectHealthyThroughout();
}

TEST_F(ResourceAttackTest, LinkTestsRunOneAtATimeWithinAnHourlyAllowance) {
  v1::Peer peer;
  peer.set_org_id(kPeer);
  peer.set_may_pull(true);
  ASSERT_TRUE(federation_.Admin(kNode)->PutPeer(peer).ok());
  auto stub = v1::ReplicationService::NewStub(PeerChannel());
  v1::PullRawRequest request;
  request.set_total_bytes(1ull << 30);
  request.set_chunk_bytes(1 << 20);
  auto start = [&](grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return stub->PullRaw(context, request);
  };
  // A first test runs (never read); a second at the same time is refused.
  grpc::ClientContext first_context;
  auto first = start(&first_context);
  v1::RawChunk chunk;
  ASSERT_TRUE(first->Read(&chunk));
  grpc::ClientContext second_context;
  grpc::Status second = start(&second_context)->Finish();
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(second.error_message(), HasSubstr("already running (one at a time)"));
  first_context.TryCancel();
  (void)first->Finish();
  // Once it ended, another may run: the second GiB of the hour's 2 GiB.
  grpc::Status third;
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  do {
    grpc::ClientContext context;
    auto reader = start(&context);
    if (reader->Read(&chunk)) {
      context.TryCancel();
      (void)reader->Finish();
      third = grpc::Status::OK;
      break;
    }
    third = reader->Finish();
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < give_up && absl::StrContains(third.error_message(), "already running"));
  ASSERT_TRUE(third.ok()) << third.error_message();
  // The hour's allowance is spent.
  grpc::Status spent;
  give_up = absl::Now() + absl::Seconds(30);
  do {
    grpc::ClientContext context;
    spent = start(&context)->Finish();
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < give_up && absl::StrContains(spent.error_message(), "already running"));
  EXPECT_EQ(spent.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(spent.error_message(), HasSubstr("link-test allowance of 2048 MiB an hour"));
  ExpectHealthyThroughout();
}

}  // namespace
}  // namespace cairn
