// A hostile relay: a fake node, trusted enough to be pulled from, that offers tampered, forged,
// unsigned, RED and AMBER lessons, an older version and an oversized batch. A real cairnd must
// reject each, store none of them, record why, and keep replicating from honest peers. And a
// hostile origin: a fake node that signs, with its own genuine key, lessons that break the rules
// local writes obey or claim a sector its peer record does not give it.
#include <functional>
#include <map>
#include <thread>

#include "absl/time/clock.h"
#include "cairn/v1/replication.grpc.pb.h"
#include "client/admin_client.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "node/crypto/provenance.h"
#include "server/security.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/fake_peer.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using testing::CairndProcess;
using testing::NodeSpec;

// Serves a fixed list of batches to whoever pulls, then heartbeats.
class FakeRelay final : public v1::ReplicationService::Service {
 public:
  explicit FakeRelay(std::vector<v1::ReplicationBatch> batches) : batches_(std::move(batches)) {}

  grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullResponse>* writer) override {
    uint64_t cursor = request->cursor();
    for (const v1::ReplicationBatch& batch : batches_) {
      if (batch.cursor() <= cursor) continue;
      v1::PullResponse response;
      *response.mutable_batch() = batch;
      if (!writer->Write(response)) return grpc::Status::OK;
      cursor = batch.cursor();
    }
    while (!context->IsCancelled()) {
      v1::PullResponse response;
      response.mutable_heartbeat()->set_cursor(cursor);
      response.mutable_heartbeat()->set_sender_sequence(cursor);
      if (!writer->Write(response)) break;
      absl::SleepFor(absl::Milliseconds(200));
    }
    return grpc::Status::OK;
  }

 private:
  std::vector<v1::ReplicationBatch> batches_;
};

v1::Lesson Lesson(const std::string& origin, const std::string& ulid, uint64_t version,
                  v1::TlpMarking marking, const std::string& title) {
  v1::Lesson lesson;
  lesson.set_id(origin + ":" + ulid);
  lesson.set_origin_org(origin);
  lesson.set_origin_sector("local-government");
  lesson.set_version(version);
  lesson.set_title(title);
  lesson.set_marking(marking);
  lesson.set_status(v1::LESSON_LEARNED);
  return lesson;
}

// Each lesson's relay path runs from its origin to `source`.
v1::ReplicationBatch Batch(uint64_t cursor, const std::vector<v1::Lesson>& lessons,
                           const std::string& source = "evil-relay") {
  v1::ReplicationBatch batch;
  batch.set_cursor(cursor);
  batch.set_sender_sequence(cursor);
  for (const v1::Lesson& lesson : lessons) {
    v1::ReplicatedChange* change = batch.add_changes();
    *change->mutable_lesson() = lesson;
    change->add_path(lesson.origin_org());
    if (lesson.origin_org() != source) change->add_path(source);
  }
  return batch;
}

// Every lesson `node` holds, retracted ones included (id -> version).
std::map<std::string, uint64_t> AllHeld(CairndProcess& node) {
  auto reader = node.ClientFor("bob");
  std::map<std::string, uint64_t> ids;
  for (v1::LessonStatus status : {v1::LESSON_STATUS_UNSPECIFIED, v1::RETRACTED}) {
    v1::ListLessonsRequest request;
    request.set_status(status);
    request.set_page_size(500);
    auto held = reader->List(request);
    EXPECT_TRUE(held.ok()) << held.status();
    if (!held.ok()) return {{"error", 0}};
    for (const v1::Lesson& lesson : held->lessons()) ids[lesson.id()] = lesson.version();
  }
  return ids;
}

TEST(HostileRelayTest, ForgedTamperedAndForbiddenLessonsAreRejectedAndHonestOnesFlow) {
  testing::TestPki& pki = testing::TestPki::Shared();
  testing::CertPaths council_cert = pki.Node("leeds-council");
  auto council_key = *LessonSigner::Load(council_cert.cert, council_cert.key);
  auto signed_by_council = [&](v1::Lesson lesson) {
    EXPECT_TRUE(council_key->Sign(&lesson).ok());
    return lesson;
  };

  v1::Lesson honest = signed_by_council(
      Lesson("leeds-council", "01ARZ3NDEKTSV4RRFFQ69G5FA1", 2, v1::TLP_GREEN, "Honest copy"));
  v1::Lesson tampered = signed_by_council(
      Lesson("leeds-council", "01ARZ3NDEKTSV4RRFFQ69G5FA2", 1, v1::TLP_GREEN, "Original"));
  tampered.set_title("Altered by the relay");
  v1::Lesson forged = signed_by_council(
      Lesson("west-police", "01ARZ3NDEKTSV4RRFFQ69G5FA3", 1, v1::TLP_GREEN, "Not the police's"));
  v1::Lesson amber = signed_by_council(
      Lesson("leeds-council", "01ARZ3NDEKTSV4RRFFQ69G5FA4", 1, v1::TLP_AMBER, "Amber via relay"));
  v1::Lesson unsigned_lesson =
      Lesson("leeds-council", "01ARZ3NDEKTSV4RRFFQ69G5FA5", 1, v1::TLP_CLEAR, "Unsigned");
  v1::Lesson red = signed_by_council(
      Lesson("leeds-council", "01ARZ3NDEKTSV4RRFFQ69G5FA6", 1, v1::TLP_RED, "Red via relay"));
  v1::Lesson older = signed_by_council(
      Lesson("leeds-council", "01ARZ3NDEKTSV4RRFFQ69G5FA1", 1, v1::TLP_GREEN, "Older version"));
  // The id claims the police's namespace while the council signs as origin.
  v1::Lesson squatter = Lesson("leeds-council", "01ARZ3NDEKTSV4RRFFQ69G5FA8", 1, v1::TLP_GREEN,
                               "Squatting another org's id");
  squatter.set_id("west-police:01ARZ3NDEKTSV4RRFFQ69G5FA8");
  squatter = signed_by_council(squatter);
  v1::Lesson huge = signed_by_council(
      Lesson("leeds-council", "01ARZ3NDEKTSV4RRFFQ69G5FA7", 1, v1::TLP_GREEN, "Huge"));
  for (int i = 0; i < 40; ++i) huge.add_recommendations(std::string(250 * 1024, 'h'));

  FakeRelay relay({Batch(1, {honest, tampered, forged, amber, unsigned_lesson, red, squatter}),
                   Batch(2, {older}), Batch(3, {huge})});
  testing::FakePeer relay_server = testing::StartFakePeer("evil-relay", &relay, pki);
  ASSERT_NE(relay_server.server, nullptr);

  // The NHS trust pulls from the hostile relay and from the real council.
  NodeSpec nhs_spec;
  nhs_spec.org_id = "leeds-nhs";
  nhs_spec.sector = "health";
  CairndProcess nhs{nhs_spec};
  CairndProcess council{NodeSpec{}};
  ASSERT_TRUE(nhs.Start().ok()) << nhs.log();
  ASSERT_TRUE(council.Start().ok()) << council.log();
  auto nhs_admin = *client::AdminClient::Connect(nhs.ConnectionFor("ada"));
  auto council_admin = *client::AdminClient::Connect(council.ConnectionFor("ada"));
  v1::Peer relay_peer;
  relay_peer.set_org_id("evil-relay");
  relay_peer.set_address(relay_server.address);
  relay_peer.set_pull_from(true);
  ASSERT_TRUE(nhs_admin->PutPeer(relay_peer).ok());
  v1::Peer nhs_peer;
  nhs_peer.set_org_id("leeds-nhs");
  nhs_peer.set_may_pull(true);
  ASSERT_TRUE(council_admin->PutPeer(nhs_peer).ok());
  ASSERT_TRUE(council_admin->SetPolicyText("leeds-nhs", "export { markings: [TLP_GREEN] }").ok());
  v1::Peer council_peer;
  council_peer.set_org_id("leeds-council");
  council_peer.set_address(council.address());
  council_peer.set_pull_from(true);
  ASSERT_TRUE(nhs_admin->PutPeer(council_peer).ok());
  v1::Lesson draft;
  draft.set_title("Straight from the council");
  draft.set_marking(v1::TLP_GREEN);
  auto direct = council.ClientFor("alice")->Create(draft);
  ASSERT_TRUE(direct.ok());

  // Settled: the honest copy (at version 2, not the older one) and the council's own lesson.
  auto reader = nhs.ClientFor("bob");
  absl::Time give_up = absl::Now() + absl::Seconds(20);
  v1::GetReplicationStatusResponse status;
  while (absl::Now() < give_up) {
    status = *nhs_admin->ReplicationStatus();
    bool relay_done = false, council_done = false;
    for (const auto& peer : status.peers()) {
      if (peer.peer_org() == "evil-relay") {
        relay_done = peer.cursor() >= 2 && !peer.last_error().empty();
      }
      if (peer.peer_org() == "leeds-council") council_done = peer.lessons_applied() >= 1;
    }
    if (relay_done && council_done) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  v1::ListLessonsRequest everything;
  auto held = reader->List(everything);
  ASSERT_TRUE(held.ok());
  std::map<std::string, uint64_t> ids;
  for (const v1::Lesson& lesson : held->lessons()) ids[lesson.id()] = lesson.version();
  EXPECT_EQ(ids, (std::map<std::string, uint64_t>{{honest.id(), 2}, {direct->id(), 1}}));

  for (const auto& peer : status.peers()) {
    if (peer.peer_org() != "evil-relay") continue;
    EXPECT_EQ(peer.rejected(), 6u);  // tampered, forged, AMBER, unsigned, RED, squatter
    EXPECT_THAT(peer.last_error(), HasSubstr("larger than max"));  // the oversized batch
  }
  v1::ListAuditRequest rejected;
  rejected.set_action("replication.rejected");
  auto events = nhs_admin->ListAudit(rejected);
  ASSERT_TRUE(events.ok());
  std::map<std::string, std::string> why;
  for (const v1::AuditEvent& event : events->events()) why[event.target()] = event.detail();
  EXPECT_THAT(why[tampered.id()], HasSubstr("does not match its content"));
  EXPECT_THAT(why[forged.id()], HasSubstr("not by the lesson's origin"));
  EXPECT_THAT(why[amber.id()], HasSubstr("AMBER lesson of leeds-council offered by the relay"));
  EXPECT_THAT(why[unsigned_lesson.id()], HasSubstr("is not signed"));
  EXPECT_THAT(why[red.id()], HasSubstr("TLP:RED"));
  EXPECT_THAT(why[squatter.id()], HasSubstr("lesson.id: names west-police"));
  EXPECT_EQ(events->events(0).actor(), "peer evil-relay");
  relay_server.server->Shutdown(std::chrono::system_clock::now());
}

// Regression: a peer's own lesson with 201 topics, an invalid community name, an empty title or
// status RETRACTED on first sight was stored, and so was a lesson of a peer recorded as policing
// that claimed origin_sector "health" (so export.sectors rules downstream saw a false sector).
TEST(HostileRelayTest, APeersLessonsObeyLocalWriteRulesAndTheSectorOnItsPeerRecord) {
  testing::TestPki& pki = testing::TestPki::Shared();
  auto key_of = [&](const std::string& org) {
    testing::CertPaths cert = pki.Node(org);
    return *LessonSigner::Load(cert.cert, cert.key);
  };
  auto police_key = key_of("west-police");
  auto council_key = key_of("leeds-council");
  auto fire_key = key_of("far-fire");  // known to no one here
  auto sign = [](const std::unique_ptr<LessonSigner>& key, v1::Lesson lesson,
                 const std::string& sector) {
    lesson.set_origin_sector(sector);
    EXPECT_TRUE(key->Sign(&lesson).ok());
    return lesson;
  };
  auto police = [&](const std::string& ulid, uint64_t version, const std::string& title,
                    const std::function<void(v1::Lesson*)>& change = {},
                    const std::string& sector = "policing") {
    v1::Lesson lesson = Lesson("west-police", ulid, version, v1::TLP_GREEN, title);
    if (change) change(&lesson);
    return sign(police_key, lesson, sector);
  };

  v1::Lesson valid = police("01ARZ3NDEKTSV4RRFFQ69G5FB1", 1, "Valid police lesson");
  v1::Lesson many_topics = police("01ARZ3NDEKTSV4RRFFQ69G5FB2", 1, "201 topics", [](auto* l) {
    for (int i = 0; i < 201; ++i) l->add_topics("topic-" + std::to_string(i));
  });
  v1::Lesson bad_community = police("01ARZ3NDEKTSV4RRFFQ69G5FB3", 1, "Bad community",
                                    [](auto* l) { l->add_communities("Not A Community!"); });
  v1::Lesson no_title = police("01ARZ3NDEKTSV4RRFFQ69G5FB4", 1, "  ");
  v1::Lesson retracted_unseen = police("01ARZ3NDEKTSV4RRFFQ69G5FB5", 3, "Retracted, never held",
                                       [](auto* l) { l->set_status(v1::RETRACTED); });
  v1::Lesson false_sector = police("01ARZ3NDEKTSV4RRFFQ69G5FB6", 1, "Claims to be health", {},
                                   "health");
  v1::Lesson to_retract = police("01ARZ3NDEKTSV4RRFFQ69G5FB7", 1, "Held, then retracted");
  v1::Lesson retracted_held = police("01ARZ3NDEKTSV4RRFFQ69G5FB7", 2, "Held, then retracted",
                                     [](auto* l) { l->set_status(v1::RETRACTED); });
  // Relayed GREEN copies: a known peer's own sector is checked too; an unknown origin's stands.
  v1::Lesson council_true = sign(
      council_key,
      Lesson("leeds-council", "01ARZ3NDEKTSV4RRFFQ69G5FB8", 1, v1::TLP_GREEN, "Council, true"),
      "local-government");
  v1::Lesson council_false = sign(
      council_key,
      Lesson("leeds-council", "01ARZ3NDEKTSV4RRFFQ69G5FB9", 1, v1::TLP_GREEN, "Council as NHS"),
      "health");
  v1::Lesson far_fire = sign(
      fire_key, Lesson("far-fire", "01ARZ3NDEKTSV4RRFFQ69G5FBA", 1, v1::TLP_CLEAR, "From afar"),
      "fire");

  FakeRelay hostile(
      {Batch(1,
             {valid, many_topics, bad_community, no_title, retracted_unseen, false_sector,
              to_retract, council_true, council_false, far_fire},
             "west-police"),
       Batch(2, {retracted_held}, "west-police")});
  testing::FakePeer hostile_server = testing::StartFakePeer("west-police", &hostile, pki);
  ASSERT_NE(hostile_server.server, nullptr);

  NodeSpec nhs_spec;
  nhs_spec.org_id = "leeds-nhs";
  nhs_spec.sector = "health";
  CairndProcess nhs{nhs_spec};
  ASSERT_TRUE(nhs.Start().ok()) << nhs.log();
  auto nhs_admin = *client::AdminClient::Connect(nhs.ConnectionFor("ada"));
  v1::Peer council_peer;  // known, with its sector, though not pulled from
  council_peer.set_org_id("leeds-council");
  council_peer.set_sector("local-government");
  ASSERT_TRUE(nhs_admin->PutPeer(council_peer).ok());
  v1::Peer police_peer;
  police_peer.set_org_id("west-police");
  police_peer.set_sector("policing");
  police_peer.set_address(hostile_server.address);
  police_peer.set_pull_from(true);
  ASSERT_TRUE(nhs_admin->PutPeer(police_peer).ok());

  // Both batches applied (generously: the machine may be busy).
  absl::Time give_up = absl::Now() + absl::Seconds(60);
  v1::PeerReplicationStatus police_status;
  while (absl::Now() < give_up) {
    auto status = nhs_admin->ReplicationStatus();
    ASSERT_TRUE(status.ok()) << status.status();
    for (const auto& peer : status->peers()) {
      if (peer.peer_org() == "west-police") police_status = peer;
    }
    if (police_status.cursor() >= 2) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_GE(police_status.cursor(), 2u) << police_status.DebugString();

  EXPECT_EQ(AllHeld(nhs), (std::map<std::string, uint64_t>{
                              {valid.id(), 1}, {council_true.id(), 1}, {far_fire.id(), 1}}));
  // to_retract was stored, then withdrawn by its RETRACTED version; that is no rejection.
  EXPECT_EQ(police_status.lessons_applied(), 4u);
  EXPECT_EQ(police_status.retractions_applied(), 1u);
  EXPECT_EQ(police_status.rejected(), 6u);

  v1::ListAuditRequest rejected;
  rejected.set_action("replication.rejected");
  auto events = nhs_admin->ListAudit(rejected);
  ASSERT_TRUE(events.ok()) << events.status();
  std::map<std::string, std::string> why;
  for (const v1::AuditEvent& event : events->events()) {
    EXPECT_EQ(event.actor(), "peer west-police");
    why[event.target()] = event.detail();
  }
  EXPECT_EQ(why.size(), 6u);
  EXPECT_THAT(why[many_topics.id()], HasSubstr("lesson.topics: 201 entries is over the limit"));
  EXPECT_THAT(why[bad_community.id()], HasSubstr("lesson.communities[0]"));
  EXPECT_THAT(why[no_title.id()], HasSubstr("lesson.title: is empty"));
  EXPECT_THAT(why[retracted_unseen.id()], HasSubstr("RETRACTED"));
  EXPECT_THAT(why[retracted_unseen.id()], HasSubstr("holds no earlier version"));
  EXPECT_THAT(why[false_sector.id()], HasSubstr("\"health\""));
  EXPECT_THAT(why[false_sector.id()], HasSubstr("\"policing\""));
  EXPECT_THAT(why[council_false.id()], HasSubstr("\"local-government\""));
  hostile_server.server->Shutdown(std::chrono::system_clock::now());
}

}  // namespace
}  // namespace cairn
