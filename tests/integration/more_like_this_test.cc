// More like this on real cairnd processes: related lessons, other sectors first and the lesson
// itself left out, locally and across the federation; and the words of a lesson a peer may not
// see never reach that peer, whether a real node or a fake one that records what it is sent.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "cairn/v1/federation.grpc.pb.h"
#include "client/admin_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/search/query_plan.h"
#include "tests/support/fake_peer.h"
#include "tests/support/federation.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Federation;

constexpr char kCouncil[] = "leeds-council";
constexpr char kPolice[] = "west-police";
constexpr char kCouncilSector[] = "local-government";
constexpr char kClearOnly[] = "export { markings: [TLP_CLEAR] }";

v1::Lesson Draft(const std::string& title, const std::string& summary, v1::TlpMarking marking) {
  v1::Lesson draft;
  draft.set_title(title);
  draft.set_summary(summary);
  draft.set_marking(marking);
  return draft;
}

// The source: what a council learned about tablets on home visits.
v1::Lesson Source() {
  v1::Lesson draft = Draft("Tablets left in parked cars on home visits",
                           "Social workers left encrypted tablets in parked cars during home "
                           "visits, and two were stolen",
                           v1::TLP_CLEAR);
  draft.set_lesson("Lock tablets in the boot and log each visit");
  return draft;
}

// Related content, written alike by the council and by the police.
v1::Lesson Related() {
  return Draft("Tablets stolen from parked cars",
               "Encrypted tablets left in parked cars on visits were stolen", v1::TLP_CLEAR);
}

// A RED lesson whose words are its own: "depot", "quartermaster" appear in no other lesson.
v1::Lesson Red() {
  return Draft("Tablets stolen from the quartermaster depot",
               "Tablets stolen from the depot cage overnight; quartermaster keys copied",
               v1::TLP_RED);
}

struct Asked {
  v1::FederatedSearchResult result;
  absl::Status status;
};

Asked AskLike(Federation& federation, const std::string& id, uint32_t page_size = 20) {
  Asked asked;
  v1::FederatedSearchRequest request;
  request.set_like_lesson_id(id);
  request.set_deadline_ms(5000);
  request.set_page_size(page_size);
  asked.status = federation.node(kCouncil).ClientFor("bob")->FederatedSearch(
      request, [&](const v1::FederatedSearchEvent& event) {
        if (event.has_result()) asked.result = event.result();
      });
  return asked;
}

const v1::PeerOutcome* OutcomeOf(const v1::FederatedSearchResult& result, const std::string& org) {
  for (const v1::PeerOutcome& outcome : result.peers()) {
    if (outcome.org() == org) return &outcome;
  }
  return nullptr;
}

std::vector<std::string> Ids(const v1::FederatedSearchResult& result) {
  std::vector<std::string> ids;
  for (const v1::FederatedHit& hit : result.hits()) ids.push_back(hit.hit().lesson_id());
  return ids;
}

int AnsweredQueries(Federation& federation, const std::string& org) {
  v1::ListAuditRequest audit;
  audit.set_action("query.answered");
  auto events = federation.Admin(org)->ListAudit(audit);
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? events->events_size() : -1;
}

class MoreLikeThisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    federation_.AddNode(kCouncil, kCouncilSector);
    federation_.AddNode(kPolice, "policing");
    // Each lets the other query it and see its CLEAR lessons.
    federation_.AllowQueries(kPolice, kCouncil, kClearOnly);
    federation_.AllowQueries(kCouncil, kPolice, kClearOnly);
    auto council = federation_.Editor(kCouncil);
    source_ = *council->Create(Source());
    council_related_ = *council->Create(Related());
    red_ = *council->Create(Red());
    police_related_ = *federation_.Editor(kPolice)->Create(Related());
  }

  Federation federation_{{}};
  v1::Lesson source_, council_related_, red_, police_related_;
};

TEST_F(MoreLikeThisTest, LocallyTheLessonItselfIsLeftOutAndItsWordsShown) {
  v1::SearchRequest request;
  request.set_like_lesson_id(source_.id());
  auto response = federation_.node(kCouncil).ClientFor("bob")->Search(request);
  ASSERT_TRUE(response.ok()) << response.status();
  std::vector<std::string> ids;
  for (const v1::SearchHit& hit : response->hits()) ids.push_back(hit.lesson_id());
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre(council_related_.id(), red_.id()));
  EXPECT_EQ(response->interpretation().like().lesson_id(), source_.id());
  EXPECT_EQ(response->interpretation().like().origin_sector(), kCouncilSector);
  EXPECT_THAT(response->interpretation().words(), ::testing::Contains("tablets"));

  // A filter narrows it.
  request.set_query("marking:clear");
  response = federation_.node(kCouncil).ClientFor("bob")->Search(request);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->hits_size(), 1);
  EXPECT_EQ(response->hits(0).lesson_id(), council_related_.id());
}

TEST_F(MoreLikeThisTest, AcrossTheFederationOtherSectorsComeFirst) {
  Asked asked = AskLike(federation_, source_.id());
  ASSERT_TRUE(asked.status.ok()) << asked.status;
  const v1::PeerOutcome* police = OutcomeOf(asked.result, kPolice);
  ASSERT_NE(police, nullptr);
  ASSERT_EQ(police->state(), v1::PeerOutcome::OK) << police->error();
  EXPECT_EQ(police->rejected(), 0u) << "the police's answer held nothing to reject";
  std::vector<std::string> ids = Ids(asked.result);
  EXPECT_THAT(ids, Not(::testing::Contains(source_.id())));
  // The same words in two sectors: the police's, of another sector than the source, first,
  // scored exactly kOtherSectorBoost higher.
  auto at = [&](const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) - ids.begin();
  };
  ASSERT_LT(at(police_related_.id()), static_cast<long>(ids.size()));
  ASSERT_LT(at(council_related_.id()), static_cast<long>(ids.size()));
  EXPECT_EQ(ids[0], police_related_.id());
  EXPECT_NEAR(asked.result.hits(at(police_related_.id())).hit().score(),
              search::kOtherSectorBoost *
                  asked.result.hits(at(council_related_.id())).hit().score(),
              1e-6);
  EXPECT_EQ(asked.result.interpretation().like().lesson_id(), source_.id());

  // The police were sent words, not the lesson: its id is in no query they answered.
  v1::ListAuditRequest audit;
  audit.set_action("query.answered");
  auto events = federation_.Admin(kPolice)->ListAudit(audit);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->events_size(), 1);
  EXPECT_THAT(events->events(0).target(), HasSubstr("tablets"));
  EXPECT_THAT(events->events(0).target(), Not(HasSubstr(source_.id())));
}

TEST_F(MoreLikeThisTest, ARedLessonsWordsNeverReachARealPeer) {
  const int before = AnsweredQueries(federation_, kPolice);
  Asked asked = AskLike(federation_, red_.id());
  ASSERT_TRUE(asked.status.ok()) << asked.status;
  const v1::PeerOutcome* police = OutcomeOf(asked.result, kPolice);
  ASSERT_NE(police, nullptr);
  EXPECT_EQ(police->state(), v1::PeerOutcome::NOT_ASKED);
  EXPECT_THAT(police->error(), HasSubstr(red_.id()));
  EXPECT_EQ(AnsweredQueries(federation_, kPolice), before) << "the police were asked nothing";
  // This node's own answer still finds what is like it.
  EXPECT_THAT(Ids(asked.result), ::testing::Contains(council_related_.id()));
  EXPECT_THAT(Ids(asked.result), Not(::testing::Contains(police_related_.id())));
}

TEST_F(MoreLikeThisTest, BadInputGetsTheRightCodeNamingTheField) {
  const std::string unknown = absl::StrCat(kCouncil, ":01ARZ3NDEKTSV4RRFFQ69G5FAV");
  Asked federated = AskLike(federation_, unknown);
  EXPECT_EQ(federated.status.code(), absl::StatusCode::kNotFound) << federated.status;
  EXPECT_THAT(federated.status.message(), HasSubstr("like_lesson_id"));
  EXPECT_THAT(federated.status.message(), HasSubstr(unknown));
  v1::SearchRequest request;
  request.set_like_lesson_id(unknown);
  auto local = federation_.node(kCouncil).ClientFor("bob")->Search(request);
  EXPECT_EQ(local.status().code(), absl::StatusCode::kNotFound) << local.status();
  EXPECT_THAT(local.status().message(), HasSubstr("like_lesson_id"));
  request.set_like_lesson_id(source_.id());
  request.set_page_size(0);
  local = federation_.node(kCouncil).ClientFor("bob")->Search(request);
  EXPECT_EQ(local.status().code(), absl::StatusCode::kInvalidArgument) << local.status();
  EXPECT_THAT(local.status().message(), HasSubstr("page_size"));
  Asked too_many = AskLike(federation_, source_.id(), 1000);
  EXPECT_EQ(too_many.status.code(), absl::StatusCode::kInvalidArgument) << too_many.status;
  EXPECT_THAT(too_many.status.message(), HasSubstr("page_size"));
}

// Records every query it is sent, and answers each with the same prepared answer.
class RecordingPeer final : public v1::FederationService::Service {
 public:
  grpc::Status Query(grpc::ServerContext*, const v1::PeerQueryRequest* request,
                     v1::PeerQueryResponse* response) override {
    absl::MutexLock lock(&mu_);
    received_.push_back(*request);
    *response = answer_;
    return grpc::Status::OK;
  }
  void Answer(v1::PeerQueryResponse answer) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(answer);
  }
  std::vector<v1::PeerQueryRequest> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::PeerQueryRequest> received_ ABSL_GUARDED_BY(mu_);
  v1::PeerQueryResponse answer_ ABSL_GUARDED_BY(mu_);
};

TEST(MoreLikeThisFakePeerTest, APeerGetsOnlyTheWordsOfALessonItMaySee) {
  Federation federation({});
  federation.AddNode(kCouncil, kCouncilSector);
  RecordingPeer recorder;
  testing::FakePeer fake = testing::StartFakePeer(kPolice, &recorder);
  ASSERT_NE(fake.server, nullptr);
  // The council asks the (fake) police, and would let them see its CLEAR lessons.
  v1::Peer police;
  police.set_org_id(kPolice);
  police.set_address(fake.address);
  police.set_may_query(true);
  ASSERT_TRUE(federation.Admin(kCouncil)->PutPeer(police).ok());
  ASSERT_TRUE(federation.Admin(kCouncil)->SetPolicyText(kPolice, kClearOnly).ok());
  auto council = federation.Editor(kCouncil);
  v1::Lesson source = *council->Create(Source());
  v1::Lesson red = *council->Create(Red());
  ASSERT_TRUE(council->Create(Related()).ok());

  Asked from_red = AskLike(federation, red.id());
  ASSERT_TRUE(from_red.status.ok()) << from_red.status;
  ASSERT_NE(OutcomeOf(from_red.result, kPolice), nullptr);
  EXPECT_EQ(OutcomeOf(from_red.result, kPolice)->state(), v1::PeerOutcome::NOT_ASKED);
  EXPECT_TRUE(recorder.received().empty()) << recorder.received()[0].DebugString();

  // The police hold a genuine copy of the source and return it, as an honest node would: it is
  // left out, neither shown nor counted, and not called a rejection.
  auto stored = council->Get(source.id());
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_TRUE(stored->has_provenance());
  v1::PeerQueryResponse answer;
  *answer.add_lessons() = *stored;
  answer.add_scores(5);
  answer.set_total_hits(1);
  recorder.Answer(answer);

  Asked from_clear = AskLike(federation, source.id());
  ASSERT_TRUE(from_clear.status.ok()) << from_clear.status;
  const v1::PeerOutcome* outcome = OutcomeOf(from_clear.result, kPolice);
  ASSERT_NE(outcome, nullptr);
  EXPECT_EQ(outcome->state(), v1::PeerOutcome::OK) << outcome->error();
  EXPECT_EQ(outcome->rejected(), 0u);
  EXPECT_EQ(outcome->hits(), 0u);
  EXPECT_THAT(Ids(from_clear.result), Not(::testing::Contains(source.id())));
  std::vector<v1::PeerQueryRequest> received = recorder.received();
  ASSERT_EQ(received.size(), 1u);
  const v1::PeerQueryRequest& sent = received[0];
  EXPECT_THAT(sent.query(), HasSubstr("tablets"));
  EXPECT_FALSE(sent.all_words());
  EXPECT_EQ(sent.prefer_other_than_sector(), kCouncilSector);
  // Neither the lesson nor its id, in any field; nor a word only the RED lesson holds.
  const std::string bytes = sent.SerializeAsString();
  EXPECT_EQ(bytes.find(source.id()), std::string::npos) << sent.DebugString();
  EXPECT_EQ(bytes.find(source.id().substr(source.id().find(':') + 1)), std::string::npos);
  EXPECT_EQ(bytes.find("quartermaster"), std::string::npos) << sent.DebugString();
  EXPECT_EQ(bytes.find("depot"), std::string::npos) << sent.DebugString();
}

}  // namespace
}  // namespace cairn
