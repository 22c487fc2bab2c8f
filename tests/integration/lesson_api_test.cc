// LessonService through the client library against a real cairnd over mTLS.
#include <fstream>

#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "node/storage/store.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/files.h"
#include "tests/support/health_check.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::CairndProcess;
using testing::NodeSpec;

v1::Lesson Draft(const std::string& title) {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.set_summary("Frontline staff lost connectivity on shared Wi-Fi");
  lesson.add_topics("wireless");
  lesson.set_marking(v1::TLP_AMBER);
  return lesson;
}

class LessonApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(node_.Start().ok()) << node_.log(); }

  // The number of changes the node has stored, read from its data directory after it stops.
  // Callers drop their clients first: an open client connection holds a graceful shutdown for
  // its whole grace period.
  uint64_t StoredChanges() {
    EXPECT_TRUE(node_.Stop().ok());
    auto store = Store::Open(node_.data_dir());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? (*store)->LastSequence() : 0;
  }

  CairndProcess node_{NodeSpec{}};
};

TEST_F(LessonApiTest, CreateGetUpdateListRetract) {
  auto alice = node_.ClientFor("alice");
  auto created = alice->Create(Draft("Secure the wireless before rollout"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->version(), 1u);
  EXPECT_EQ(created->origin_org(), "leeds-council");

  auto fetched = alice->Get(created->id());
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->title(), "Secure the wireless before rollout");

  fetched->set_status(v1::LESSON_LEARNED);
  fetched->add_recommendations("Use WPA2-Enterprise with per-device certificates");
  auto updated = alice->Update(*fetched);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->version(), 2u);
  EXPECT_EQ(updated->status(), v1::LESSON_LEARNED);

  auto second = alice->Create(Draft("Charge radios between shifts"));
  ASSERT_TRUE(second.ok());
  v1::ListLessonsRequest list;
  auto page = node_.ClientFor("bob")->List(list);  // an analyst reads
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->lessons_size(), 2);

  auto retracted = alice->Retract(created->id(), "replaced by national guidance");
  ASSERT_TRUE(retracted.ok()) << retracted.status();
  EXPECT_EQ(retracted->status(), v1::RETRACTED);
  EXPECT_EQ(retracted->version(), 3u);
  page = alice->List(list);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->lessons_size(), 1);
  EXPECT_EQ(page->lessons(0).id(), second->id());
  alice.reset();
  EXPECT_EQ(StoredChanges(), 4u);
}

TEST_F(LessonApiTest, AnalystCannotWrite) {
  auto bob = node_.ClientFor("bob");
  auto created = bob->Create(Draft("Analysts only read"));
  EXPECT_EQ(created.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(created.status().message(), "user bob has role analyst; creating a lesson needs editor");
  auto written = node_.ClientFor("alice")->Create(Draft("Editors write"));
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(bob->Retract(written->id(), "").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(bob->Update(*written).status().code(), absl::StatusCode::kPermissionDenied);
  bool sent = false;
  absl::Status imported = bob->Import(
      [&](v1::ImportLessonsRequest* request) {
        if (sent) return false;
        sent = true;
        *request->add_items()->mutable_lesson() = Draft("Imported by an analyst");
        return true;
      },
      [](const v1::ImportLessonsResponse&) {});
  EXPECT_EQ(imported.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(imported.message(), "user bob has role analyst; importing lessons needs editor");
  bob.reset();
  EXPECT_EQ(StoredChanges(), 1u);
}

TEST(LessonApiBadInputTest, EachBadInputGetsItsCodeNamesTheFieldAndChangesNothing) {
  CairndProcess node{NodeSpec{}};
  // A copy of another organisation's lesson, stored before the node starts.
  v1::Lesson foreign = Draft("Police radio battery swaps");
  foreign.set_id("west-police:01ARZ3NDEKTSV4RRFFQ69G5FAV");
  foreign.set_origin_org("west-police");
  foreign.set_version(3);
  {
    auto store = Store::Open(node.data_dir());
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Commit({{foreign, 0}}).ok());
  }
  ASSERT_TRUE(node.Start().ok()) << node.log();
  auto alice = node.ClientFor("alice");
  auto own = alice->Create(Draft("Our lesson"));
  ASSERT_TRUE(own.ok()) << own.status();
  const uint64_t changes_before = 2;

  struct Case {
    std::string name;
    absl::StatusOr<v1::Lesson> result;
    absl::StatusCode code;
    std::string mention;
  };
  std::vector<Case> cases;
  v1::Lesson lesson = Draft("");
  cases.push_back({"missing title", alice->Create(lesson), absl::StatusCode::kInvalidArgument,
                   "lesson.title: is empty"});
  lesson = Draft("Oversize summary");
  lesson.set_summary(std::string(9000, 's'));
  cases.push_back({"field over its cap", alice->Create(lesson), absl::StatusCode::kInvalidArgument,
                   "lesson.summary: 9000 bytes is over the limit of 8192 bytes"});
  lesson = Draft("Bad \xC3\x28 bytes");
  cases.push_back({"invalid UTF-8", alice->Create(lesson), absl::StatusCode::kInvalidArgument,
                   "lesson.title: is not valid UTF-8"});
  lesson = Draft("Unknown marking");
  lesson.clear_marking();
  lesson.GetReflection()->MutableUnknownFields(&lesson)->AddVarint(
      v1::Lesson::kMarkingFieldNumber, 9);
  cases.push_back({"unknown enum value", alice->Create(lesson),
                   absl::StatusCode::kInvalidArgument, "lesson.marking: unknown value 9"});
  v1::Lesson stale = *own;
  stale.set_version(0);
  cases.push_back({"version going backwards", alice->Update(stale),
                   absl::StatusCode::kFailedPrecondition, "is behind the stored version 1"});
  v1::Lesson hijack = foreign;
  hijack.set_title("Rewritten by the council");
  cases.push_back({"edit of another organisation's lesson", alice->Update(hijack),
                   absl::StatusCode::kPermissionDenied, "belongs to west-police"});
  cases.push_back({"retract of another organisation's lesson", alice->Retract(foreign.id(), ""),
                   absl::StatusCode::kPermissionDenied, "belongs to west-police"});
  lesson = Draft("Whole lesson over its cap");
  for (int i = 0; i < 5; ++i) lesson.add_recommendations(std::string(60 * 1024, 'r'));
  cases.push_back({"lesson over its total cap", alice->Create(lesson),
                   absl::StatusCode::kInvalidArgument, "over the limit of 262144 bytes"});
  lesson = Draft("Impossible date");
  lesson.mutable_occurred_at()->set_nanos(-5);
  cases.push_back({"timestamp out of range", alice->Create(lesson),
                   absl::StatusCode::kInvalidArgument, "lesson.occurred_at: is not a date"});
  v1::Lesson edited_badly = *own;
  edited_badly.set_title("\xFF");
  cases.push_back({"invalid UTF-8 in an edit", alice->Update(edited_badly),
                   absl::StatusCode::kInvalidArgument, "lesson.title: is not valid UTF-8"});
  lesson = Draft("Oversized message");
  lesson.set_lesson(std::string(5 * 1024 * 1024, 'x'));
  cases.push_back({"oversized message", alice->Create(lesson),
                   absl::StatusCode::kResourceExhausted, "larger than max"});

  for (const Case& c : cases) {
    EXPECT_EQ(c.result.status().code(), c.code) << c.name << ": " << c.result.status();
    EXPECT_THAT(c.result.status().message(), HasSubstr(c.mention)) << c.name;
  }

  v1::ListLessonsRequest bad_list;
  bad_list.GetReflection()->MutableUnknownFields(&bad_list)->AddVarint(
      v1::ListLessonsRequest::kStatusFieldNumber, 77);
  auto listed = alice->List(bad_list);
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(listed.status().message(), HasSubstr("status: unknown value 77"));

  EXPECT_EQ(alice->Get(foreign.id())->title(), "Police radio battery swaps");
  EXPECT_EQ(alice->Get(foreign.id())->version(), 3u);
  auto own_now = alice->Get(own->id());
  ASSERT_TRUE(own_now.ok());
  EXPECT_EQ(own_now->version(), 1u);
  EXPECT_EQ(own_now->title(), "Our lesson");
  alice.reset();
  ASSERT_TRUE(node.Stop().ok());
  auto store = Store::Open(node.data_dir());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->LastSequence(), changes_before);
}

TEST(LessonApiSecurityTest, CertificateFromAnotherCaIsRefusedAtTheHandshake) {
  CairndProcess node{NodeSpec{}};
  ASSERT_TRUE(node.Start().ok()) << node.log();
  // Same federation name and the same SPIFFE id, but issued by a CA the node does not trust.
  testing::TestPki impostor_ca(testing::TestPki::Shared().federation());
  client::ConnectionOptions options = node.ConnectionFor("alice");
  testing::CertPaths impostor = impostor_ca.User("leeds-council", "alice");
  options.cert_file = impostor.cert;
  options.key_file = impostor.key;
  auto client = client::LessonClient::Connect(options);
  ASSERT_TRUE(client.ok());
  auto created = (*client)->Create(Draft("Should never be stored"));
  EXPECT_EQ(created.status().code(), absl::StatusCode::kUnavailable) << created.status();
  // The genuine alice still works, and the impostor stored nothing.
  auto page = node.ClientFor("alice")->List({});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->lessons_size(), 0);
}

TEST(LessonApiSecurityTest, CertificatesOfOtherOrganisationsAreRefused) {
  CairndProcess node{NodeSpec{.peers = {"west-police"}}};
  ASSERT_TRUE(node.Start().ok()) << node.log();
  auto as = [&](testing::CertPaths paths) {
    client::ConnectionOptions options = node.ConnectionFor("alice");
    options.cert_file = paths.cert;
    options.key_file = paths.key;
    return *client::LessonClient::Connect(options);
  };
  testing::TestPki& pki = testing::TestPki::Shared();
  auto unconfigured = as(pki.Node("north-nhs"))->List({});
  EXPECT_EQ(unconfigured.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(unconfigured.status().message(), HasSubstr("north-nhs is not a configured peer"));
  auto foreign_user = as(pki.User("west-police", "carol"))->Create(Draft("x"));
  EXPECT_EQ(foreign_user.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(foreign_user.status().message(), HasSubstr("belongs to organisation west-police"));
  // A configured peer is a node, not a user: the local lessons API is not for it.
  auto peer = as(pki.Node("west-police"))->List({});
  EXPECT_EQ(peer.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(peer.status().message(), HasSubstr("peer west-police is a peer node"));
  // Nor may it learn a lesson's history: which other peers it was sent to.
  auto history = as(pki.Node("west-police"))->History("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV");
  EXPECT_EQ(history.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(history.status().message(), HasSubstr("peer west-police is a peer node"));
  auto unlisted_user = as(pki.User("leeds-council", "mallory"))->List({});
  EXPECT_EQ(unlisted_user.status().code(), absl::StatusCode::kPermissionDenied);
}

// A configured peer holds a real node certificate; observations, who sent them, saved searches
// and alerts are for this organisation's own users only.
TEST(LessonApiSecurityTest, APeerGetsNoObservationsSubmittersSavedSearchesOrAlerts) {
  CairndProcess node{NodeSpec{.peers = {"west-police"}}};
  ASSERT_TRUE(node.Start().ok()) << node.log();
  v1::SubmitObservationRequest observation;
  observation.mutable_observation()->set_title("Handover checklist skipped");
  observation.set_confidential(true);
  auto submitted = node.ClientFor("carol")->SubmitObservation(observation);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  client::ConnectionOptions options = node.ConnectionFor("alice");
  testing::CertPaths peer_node = testing::TestPki::Shared().Node("west-police");
  options.cert_file = peer_node.cert;
  options.key_file = peer_node.key;
  auto peer = *client::LessonClient::Connect(options);
  std::vector<absl::Status> refused = {
      peer->SubmitObservation(observation).status(),
      peer->ListMySubmissions({}).status(),
      peer->ListObservationQueue({}).status(),
      peer->ReviewObservation([&] {
            v1::ReviewObservationRequest decline;
            decline.set_lesson_id(submitted->lesson_id());
            decline.mutable_decline()->set_reason("peer says no");
            return decline;
          }())
          .status(),
      peer->RevealSubmitter([&] {
            v1::RevealSubmitterRequest reveal;
            reveal.set_lesson_id(submitted->lesson_id());
            reveal.set_reason("curious");
            return reveal;
          }())
          .status(),
      peer->AddWatch([] {
            v1::AddWatchRequest watch;
            watch.set_query("handover");
            return watch;
          }())
          .status(),
      peer->ListWatches().status(),
      peer->StreamAlerts(0, [](const v1::AlertEvent&) { return false; }),
  };
  for (const absl::Status& status : refused) {
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
    EXPECT_THAT(status.message(), HasSubstr("peer west-police is a peer node")) << status;
    EXPECT_THAT(status.message(), Not(HasSubstr("carol")));
  }
  // Nothing changed: the observation still awaits review, and its sender is still sealed.
  auto queue = node.ClientFor("alice")->ListObservationQueue({});
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->submissions_size(), 1);
  EXPECT_EQ(queue->submissions(0).submitter(), "");
}

TEST(LessonApiOperationsTest, ImportStoresGoodItemsAndReportsEachBadOne) {
  CairndProcess node{NodeSpec{}};
  ASSERT_TRUE(node.Start().ok()) << node.log();
  auto alice = node.ClientFor("alice");
  bool sent = false;
  v1::ImportLessonsResponse answer;
  absl::Status imported = alice->Import(
      [&](v1::ImportLessonsRequest* request) {
        if (sent) return false;
        sent = true;
        auto add = [&](uint64_t ref, v1::Lesson lesson) {
          auto* item = request->add_items();
          item->set_client_ref(ref);
          *item->mutable_lesson() = std::move(lesson);
        };
        add(10, Draft("Good one"));
        add(11, Draft(""));
        v1::Lesson bad_utf8 = Draft("Bad \xFF");
        add(12, bad_utf8);
        add(13, Draft("Good two"));
        return true;
      },
      [&](const v1::ImportLessonsResponse& response) { answer = response; });
  ASSERT_TRUE(imported.ok()) << imported;
  ASSERT_EQ(answer.results_size(), 4);
  EXPECT_EQ(answer.results(0).client_ref(), 10u);
  EXPECT_TRUE(answer.results(0).has_id());
  EXPECT_EQ(answer.results(1).error_code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(answer.results(1).error_message(), HasSubstr("lesson.title: is empty"));
  EXPECT_THAT(answer.results(2).error_message(), HasSubstr("items[2].lesson.title: is not valid UTF-8"));
  EXPECT_TRUE(answer.results(3).has_id());
  auto page = alice->List({});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->lessons_size(), 2);
}

TEST(LessonApiOperationsTest, AKeyThatDoesNotMatchTheCertificateStopsTheStart) {
  CairndProcess node{NodeSpec{}};
  std::string config = testing::ReadFileToString(node.config_path());
  testing::CertPaths other = testing::TestPki::Shared().Node("someone-else");
  std::string own_key = testing::TestPki::Shared().Node("leeds-council").key;
  config.replace(config.find(own_key), own_key.size(), other.key);
  std::ofstream(node.config_path()) << config;
  absl::Status started = node.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(node.log(), HasSubstr("is not the key of"));
}

// A second node on a port already in use (a copy left running, a mistyped config) must not start
// and quietly share the port, taking half the connections: it stops with the address named.
TEST(LessonApiOperationsTest, APortInUseStopsTheStart) {
  CairndProcess first{NodeSpec{}};
  ASSERT_TRUE(first.Start().ok()) << first.log();
  CairndProcess second{NodeSpec{}};
  second.ListenOn(first.address());
  absl::Status started = second.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kFailedPrecondition) << started;
  EXPECT_THAT(second.log(), HasSubstr("cannot listen on " + first.address()));
}

TEST(LessonApiOperationsTest, HealthCheckAnswersServingAndSigtermStopsCleanly) {
  CairndProcess node{NodeSpec{}};
  ASSERT_TRUE(node.Start().ok()) << node.log();
  absl::StatusOr<testing::Serving> serving = testing::CheckHealth(node.ConnectionFor("bob"));
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_EQ(*serving, testing::Serving::kServing);
  EXPECT_TRUE(node.Stop().ok());
  EXPECT_THAT(node.log(), HasSubstr("msg=\"stopped\""));
}

}  // namespace
}  // namespace cairn
