// Hostile peers in federated search. A fake node holding a real node certificate of the
// federation answers the council's queries with forged, re-signed, replayed, forbidden and
// off-query lessons and inflated numbers: the asking node must show, merge and count only what
// each lesson's origin signed, prefer the origin's own answer, and bound what the peer claims.
// And a hostile asker probes for words hidden from it: its answers must not tell them apart
// from words found nowhere.
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "cairn/v1/federation.grpc.pb.h"
#include "client/admin_client.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "node/crypto/provenance.h"
#include "server/security.h"
#include "tests/support/fake_peer.h"
#include "tests/support/federation.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using testing::Federation;

constexpr char kAsker[] = "leeds-council";
constexpr char kHonest[] = "leeds-nhs";
constexpr char kHostile[] = "west-police";  // a real node certificate, a hostile node

// Answers every query with the same prepared answer.
class ScriptedAnswerer final : public v1::FederationService::Service {
 public:
  void Set(v1::PeerQueryResponse answer) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(answer);
  }
  grpc::Status Query(grpc::ServerContext*, const v1::PeerQueryRequest*,
                     v1::PeerQueryResponse* response) override {
    absl::MutexLock lock(&mu_);
    *response = answer_;
    return grpc::Status::OK;
  }

 private:
  absl::Mutex mu_;
  v1::PeerQueryResponse answer_ ABSL_GUARDED_BY(mu_);
};

v1::Lesson Draft(const std::string& title, v1::TlpMarking marking) {
  v1::Lesson draft;
  draft.set_title(title);
  draft.set_summary("What the radio team found");
  draft.set_evidence("Radio battery faults logged by the duty sergeant, ring 0113 496 0000");
  draft.set_marking(marking);
  return draft;
}

// A lesson of the hostile node's own, signed with its real node key.
v1::Lesson OwnLesson(const LessonSigner& signer, const std::string& ulid, const std::string& title,
                     v1::TlpMarking marking) {
  v1::Lesson lesson;
  lesson.set_id(absl::StrCat(kHostile, ":", ulid));
  lesson.set_origin_org(kHostile);
  lesson.set_origin_sector("policing");
  lesson.set_version(1);
  lesson.set_title(title);
  lesson.set_marking(marking);
  lesson.set_status(v1::LESSON_LEARNED);
  EXPECT_TRUE(signer.Sign(&lesson).ok());
  return lesson;
}

struct Asked {
  std::vector<v1::PeerAnswered> live;
  v1::FederatedSearchResult result;
};

Asked Ask(Federation& federation, const std::string& query) {
  Asked asked;
  v1::FederatedSearchRequest request;
  request.set_query(query);
  request.set_deadline_ms(5000);
  request.set_page_size(50);
  absl::Status finished = federation.node(kAsker).ClientFor("bob")->FederatedSearch(
      request, [&](const v1::FederatedSearchEvent& event) {
        if (event.has_peer()) asked.live.push_back(event.peer());
        if (event.has_result()) asked.result = event.result();
      });
  EXPECT_TRUE(finished.ok()) << finished;
  return asked;
}

// The hostile node's client of a real node's FederationService, with its real certificate.
std::unique_ptr<v1::FederationService::Stub> QueryAsHostile(const std::string& address) {
  v1::TlsConfig tls = testing::NodeTls(testing::TestPki::Shared(), kHostile);
  return v1::FederationService::NewStub(server::NewPeerChannel(
      address, server::MakePeerChannelCredentials(tls), grpc::ChannelArguments()));
}

// `node` lets the hostile node query it under `policy_text`.
void LetHostileQuery(Federation& federation, const std::string& node,
                     const std::string& policy_text) {
  v1::Peer hostile = federation.Known(node, kHostile);
  hostile.set_may_query(true);
  ASSERT_TRUE(federation.Admin(node)->PutPeer(hostile).ok());
  ASSERT_TRUE(federation.Admin(node)->SetPolicyText(kHostile, policy_text).ok());
}

const v1::PeerOutcome* OutcomeOf(const v1::FederatedSearchResult& result, const std::string& org) {
  for (const v1::PeerOutcome& outcome : result.peers()) {
    if (outcome.org() == org) return &outcome;
  }
  return nullptr;
}

class HostileAnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TestPki& pki = testing::TestPki::Shared();
    hostile_ = testing::StartFakePeer(kHostile, &answerer_, pki);
    ASSERT_NE(hostile_.server, nullptr);
    testing::CertPaths cert = pki.Node(kHostile);
    auto signer = LessonSigner::Load(cert.cert, cert.key);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = *std::move(signer);

    // The honest NHS node holds one CLEAR lesson and lets the council query it in full.
    auto created = federation_.Editor(kHonest)->Create(Draft("Radio battery swaps", v1::TLP_CLEAR));
    ASSERT_TRUE(created.ok()) << created.status();
    auto stored = federation_.Editor(kHonest)->Get(created->id());
    ASSERT_TRUE(stored.ok()) << stored.status();
    genuine_ = *stored;
    ASSERT_TRUE(genuine_.has_provenance());
    federation_.AllowQueries(kHonest, kAsker, "export { markings: [TLP_CLEAR] }");
    // The council asks the hostile node too.
    v1::Peer hostile;
    hostile.set_org_id(kHostile);
    hostile.set_address(hostile_.address);
    hostile.set_sector("policing");
    ASSERT_TRUE(federation_.Admin(kAsker)->PutPeer(hostile).ok());
  }

  Federation federation_{{kAsker, kHonest}};
  ScriptedAnswerer answerer_;
  testing::FakePeer hostile_;
  std::unique_ptr<LessonSigner> signer_;
  v1::Lesson genuine_;  // the NHS lesson as its origin stored it, signed
};

TEST_F(HostileAnswerTest, ForgedAndForbiddenLessonsAreDroppedCountedAndAudited) {
  v1::PeerQueryResponse answer;
  // 1. The NHS lesson, "edited" by the hostile node: a higher version and a new title.
  v1::Lesson forged = genuine_;
  forged.set_version(999999);
  forged.set_title("FORGED by west-police radio battery");
  *answer.add_lessons() = forged;
  // 2. The same forgery signed with the hostile node's own (valid) key.
  v1::Lesson resigned = forged;
  ASSERT_TRUE(signer_->Sign(&resigned).ok());
  *answer.add_lessons() = resigned;
  // 3. Unsigned.
  v1::Lesson unsigned_lesson = forged;
  unsigned_lesson.clear_provenance();
  *answer.add_lessons() = unsigned_lesson;
  // 4. Its own lesson, genuinely signed, but with none of the query's words.
  *answer.add_lessons() = OwnLesson(*signer_, "01JBZZZZZZZZZZZZZZZZZZZZZ1", "Estates parking permits",
                                    v1::TLP_CLEAR);
  // 5. Its own TLP:RED lesson, which must never leave its origin.
  *answer.add_lessons() = OwnLesson(*signer_, "01JBZZZZZZZZZZZZZZZZZZZZZ2", "Radio battery secrets",
                                    v1::TLP_RED);
  // 6. Its own matching lesson, claiming a sector the council does not record for it.
  v1::Lesson false_sector =
      OwnLesson(*signer_, "01JBZZZZZZZZZZZZZZZZZZZZZ4", "Radio battery ward", v1::TLP_CLEAR);
  false_sector.set_origin_sector("health");
  ASSERT_TRUE(signer_->Sign(&false_sector).ok());
  *answer.add_lessons() = false_sector;
  // 7. An id of 200,000 bytes, which the reasons must not repeat.
  v1::Lesson huge_id = OwnLesson(*signer_, "01JBZZZZZZZZZZZZZZZZZZZZZ5", "Radio battery", v1::TLP_CLEAR);
  huge_id.set_id(std::string(200'000, 'x'));
  *answer.add_lessons() = huge_id;
  // 8. Its own genuine, matching lesson: the one thing it may add.
  v1::Lesson own = OwnLesson(*signer_, "01JBZZZZZZZZZZZZZZZZZZZZZ3", "Radio battery log",
                             v1::TLP_CLEAR);
  *answer.add_lessons() = own;
  for (int i = 0; i < answer.lessons_size(); ++i) answer.add_scores(1e300);
  answer.set_total_hits(1'000'001);
  v1::Facet* claimed = answer.add_facets();
  claimed->set_field("sector");
  v1::FacetValue* health = claimed->add_values();
  health->set_value("health");
  health->set_count(5'000'000);
  answerer_.Set(answer);

  Asked asked = Ask(federation_, "radio battery");

  std::map<std::string, v1::FederatedHit> hits;
  for (const v1::FederatedHit& hit : asked.result.hits()) hits[hit.hit().lesson_id()] = hit;
  ASSERT_EQ(hits.size(), 2u);
  ASSERT_TRUE(hits.contains(genuine_.id()));
  const v1::FederatedHit& nhs = hits[genuine_.id()];
  EXPECT_EQ(nhs.hit().title(), "Radio battery swaps");
  EXPECT_EQ(nhs.hit().version(), genuine_.version());
  EXPECT_THAT(std::vector<std::string>(nhs.holders().begin(), nhs.holders().end()),
              ::testing::ElementsAre(kHonest));
  ASSERT_TRUE(hits.contains(own.id()));
  EXPECT_EQ(hits[own.id()].hit().title(), "Radio battery log");

  const v1::PeerOutcome* outcome = OutcomeOf(asked.result, kHostile);
  ASSERT_NE(outcome, nullptr);
  EXPECT_EQ(outcome->state(), v1::PeerOutcome::OK) << outcome->error();
  EXPECT_EQ(outcome->rejected(), 7u);
  std::string reasons;
  for (const std::string& reason : outcome->rejections()) absl::StrAppend(&reasons, reason, "\n");
  EXPECT_THAT(reasons, HasSubstr("signature"));
  EXPECT_THAT(reasons, HasSubstr("/org/west-police, not by the lesson's origin"));
  EXPECT_THAT(reasons, HasSubstr("does not match the query"));
  EXPECT_THAT(reasons, HasSubstr("TLP:RED"));
  EXPECT_THAT(reasons, HasSubstr("the sector this node records for peer west-police"));
  EXPECT_THAT(reasons, HasSubstr("a lesson id of 200000 bytes"));
  EXPECT_LT(reasons.size(), 4000u) << "no reason repeats what the peer sent at length";
  // What it claims is bounded by what any node may report.
  EXPECT_LE(outcome->hits(), 10'000u);
  EXPECT_LE(asked.result.total_hits(), 10'001u);
  for (const v1::Facet& facet : asked.result.facets()) {
    for (const v1::FacetValue& value : facet.values()) EXPECT_LE(value.count(), 10'001u);
  }
  // The merged scores are the asker's own, whatever the peer said of its lessons.
  for (const v1::FederatedHit& hit : asked.result.hits()) EXPECT_LT(hit.hit().score(), 100);

  // The answer streamed as it arrived holds only what verified.
  bool streamed = false;
  for (const v1::PeerAnswered& live : asked.live) {
    if (live.outcome().org() != kHostile) continue;
    streamed = true;
    ASSERT_EQ(live.hits_size(), 1);
    EXPECT_EQ(live.hits(0).lesson_id(), own.id());
    EXPECT_EQ(live.outcome().rejected(), 7u);
  }
  EXPECT_TRUE(streamed);

  // The council's audit log says what was rejected, from whom and why.
  v1::ListAuditRequest audit_request;
  audit_request.set_action("federation.rejected");
  audit_request.set_page_size(50);
  auto audit = federation_.Admin(kAsker)->ListAudit(audit_request);
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->events_size(), 7);
  std::set<std::string> targets;
  for (const v1::AuditEvent& event : audit->events()) {
    EXPECT_EQ(event.actor(), absl::StrCat("peer ", kHostile));
    EXPECT_FALSE(event.detail().empty());
    EXPECT_LT(event.target().size() + event.detail().size(), 1000u);
    targets.insert(event.target());
  }
  EXPECT_TRUE(targets.contains(genuine_.id()));
}

// A relay may hold a genuine but redacted view of a lesson (its origin signed the view it sent
// the relay). For the same version, the origin's own answer is what the asker shows.
TEST_F(HostileAnswerTest, TheOriginsOwnAnswerWinsOverARelaysForTheSameVersion) {
  Asked alone = Ask(federation_, "radio battery");  // the hostile node answers nothing yet
  ASSERT_EQ(alone.result.hits_size(), 1);

  // The NHS node lets the hostile node query it with the evidence and summary redacted: what it
  // sends back is a view signed by the NHS node, so it verifies.
  LetHostileQuery(federation_, kHonest,
                  "export { markings: [TLP_CLEAR] redact_fields: [\"evidence\", \"summary\"] }");
  auto stub = QueryAsHostile(federation_.node(kHonest).address());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::PeerQueryRequest request;
  request.set_query("radio battery");
  v1::PeerQueryResponse redacted;
  grpc::Status status = stub->Query(&context, request, &redacted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(redacted.lessons_size(), 1);
  ASSERT_EQ(redacted.lessons(0).summary(), "[redacted]");
  ASSERT_EQ(redacted.lessons(0).version(), genuine_.version());
  answerer_.Set(redacted);

  Asked asked = Ask(federation_, "radio battery");
  ASSERT_EQ(asked.result.hits_size(), 1);
  const v1::FederatedHit& hit = asked.result.hits(0);
  EXPECT_EQ(hit.hit().lesson_id(), genuine_.id());
  EXPECT_THAT(std::vector<std::string>(hit.holders().begin(), hit.holders().end()),
              ::testing::UnorderedElementsAre(kHonest, kHostile));
  // Shown and scored from the origin's full text, not the relay's redacted view.
  EXPECT_THAT(hit.hit().snippet(), ::testing::Not(HasSubstr("[redacted]")));
  EXPECT_DOUBLE_EQ(hit.hit().score(), alone.result.hits(0).hit().score());
  const v1::PeerOutcome* outcome = OutcomeOf(asked.result, kHostile);
  ASSERT_NE(outcome, nullptr);
  EXPECT_EQ(outcome->state(), v1::PeerOutcome::OK) << outcome->error();
  EXPECT_EQ(outcome->rejected(), 0u) << "a view its origin signed verifies";
}

// The attack as the issue found it: the council redacts evidence and scrubs personal data for the
// police, who query for words found only there. Every answer must be the one a word found nowhere
// gets, byte for byte (but for signatures, which ECDSA makes afresh each time).
TEST(HostileAskerTest, WordsOnlyInHiddenTextAreAnsweredAsWordsFoundNowhere) {
  Federation federation({kAsker});
  auto editor = federation.Editor(kAsker);
  for (const char* title : {"Radio battery swaps", "Radio handset care", "Tablet charging"}) {
    v1::Lesson draft = Draft(title, v1::TLP_GREEN);
    draft.set_evidence("Zebracorn quirkium radio faults, reported by jane.doe@leeds.example.gov.uk");
    draft.set_lesson("Ask jane.doe@leeds.example.gov.uk about radio spares");
    ASSERT_TRUE(editor->Create(draft).ok());
  }
  ASSERT_TRUE(editor->Create(Draft("Radio mast survey", v1::TLP_GREEN)).ok());
  LetHostileQuery(federation, kAsker,
                  "export { markings: [TLP_GREEN] redact_fields: [\"evidence\"] "
                  "scrub_personal_data: true }");

  auto stub = QueryAsHostile(federation.node(kAsker).address());
  // Strict, natural, or natural with the hidden word as the vocabulary's equivalent of "radio".
  auto ask = [&](const std::string& query, bool all_words = true,
                 const std::string& equivalent_of_radio = "") {
    v1::PeerQueryRequest request;
    request.set_query(query);
    request.set_max_results(10);
    request.set_all_words(all_words);
    if (!equivalent_of_radio.empty()) {
      v1::Equivalent* equivalent = request.add_equivalents();
      equivalent->set_words("radio");
      equivalent->set_phrase(equivalent_of_radio);
    }
    v1::PeerQueryResponse response;
    // So many questions outrun the node's limit of queries a second: wait for its allowance.
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    grpc::Status status;
    do {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      response.Clear();
      status = stub->Query(&context, request, &response);
      if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        absl::SleepFor(absl::Milliseconds(50));
      }
    } while (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && absl::Now() < give_up);
    EXPECT_TRUE(status.ok()) << query << ": " << status.error_message();
    for (v1::Lesson& lesson : *response.mutable_lessons()) {
      lesson.mutable_provenance()->clear_signature();  // fresh randomness and time each answer
      lesson.mutable_provenance()->clear_signed_at();
    }
    return response;
  };
  for (bool all_words : {true, false}) {
    for (const char* shape : {"%s", "radio %s", "radio OR %s", "radio -%s", "\"radio %s\"",
                              "%s OR handset", "tablet OR radio OR %s", "+radio %s",
                              "radio AND %s"}) {
      v1::PeerQueryResponse nowhere =
          ask(absl::StrReplaceAll(shape, {{"%s", "nowherex"}}), all_words);
      for (const char* hidden : {"zebracorn", "quirkium", "jane", "doe", "leeds"}) {
        const std::string query = absl::StrReplaceAll(shape, {{"%s", hidden}});
        v1::PeerQueryResponse answer = ask(query, all_words);
        EXPECT_EQ(answer.SerializeAsString(), nowhere.SerializeAsString())
            << query << (all_words ? "" : " (natural)") << ":\n" << answer.ShortDebugString()
            << "\nnowhere:\n" << nowhere.ShortDebugString();
      }
    }
  }
  // Nor does a hidden word asked as the vocabulary's equivalent of a word.
  v1::PeerQueryResponse nowhere = ask("radio mast", false, "nowherex");
  for (const char* hidden : {"zebracorn", "quirkium", "jane doe"}) {
    v1::PeerQueryResponse answer = ask("radio mast", false, hidden);
    EXPECT_EQ(answer.SerializeAsString(), nowhere.SerializeAsString())
        << hidden << ":\n" << answer.ShortDebugString() << "\nnowhere:\n"
        << nowhere.ShortDebugString();
  }
  // The police still find what they may see.
  v1::PeerQueryResponse radio = ask("radio");
  EXPECT_EQ(radio.total_hits(), 4u);
  EXPECT_EQ(radio.lessons_size(), 4);
}

// Equivalents come from the asker, so their cost is bounded by the answerer, and they must widen
// the query's own words: an asker cannot smuggle in a second query through them.
TEST(HostileAskerTest, EquivalentsAreBoundedAndMustWidenTheQuerysWords) {
  Federation federation({kAsker});
  ASSERT_TRUE(federation.Editor(kAsker)->Create(Draft("Radio battery swaps", v1::TLP_GREEN)).ok());
  LetHostileQuery(federation, kAsker, "export { markings: [TLP_GREEN] }");
  auto stub = QueryAsHostile(federation.node(kAsker).address());
  auto ask = [&](const v1::PeerQueryRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::PeerQueryResponse response;
    return stub->Query(&context, request, &response);
  };
  v1::PeerQueryRequest request;
  request.set_query("tablet charging");
  request.set_all_words(false);
  // Each equivalent a phrase of six words: eleven of them are over the 64 words all may have.
  for (int i = 0; i < 11; ++i) {
    v1::Equivalent* equivalent = request.add_equivalents();
    equivalent->set_words("tablet");
    equivalent->set_phrase(absl::StrCat("radio battery swap mast handset x", i));
  }
  grpc::Status status = ask(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("equivalents[10]: the equivalents have "
                                                           "over 64 words together"));

  v1::PeerQueryRequest smuggled;
  smuggled.set_query("tablet charging");
  smuggled.set_all_words(false);
  v1::Equivalent* equivalent = smuggled.add_equivalents();
  equivalent->set_words("radio");  // not a word of the query
  equivalent->set_phrase("battery");
  status = ask(smuggled);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr("equivalents[0].words: not a run of the query's plain words"));

  v1::PeerQueryRequest too_many;
  too_many.set_query("tablet");
  too_many.set_all_words(false);
  for (int i = 0; i < 33; ++i) {
    v1::Equivalent* more = too_many.add_equivalents();
    more->set_words("tablet");
    more->set_phrase(absl::StrCat("pad", i));
  }
  status = ask(too_many);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("equivalents: 33 given; the limit is 32"));
}

}  // namespace
}  // namespace cairn
