// Federated search across real cairnd processes: what each peer lets the asking node see, how
// each peer's outcome is reported, and one ranking across nodes.
#include <map>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cairn/v1/federation.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/security.h"
#include "absl/strings/match.h"
#include "tests/support/fake_peer.h"
#include "tests/support/federation.h"
#include "tests/support/nasa_centres.h"
#include "tests/support/shared_data.h"

namespace cairn {
namespace {

using testing::Federation;
using ::testing::UnorderedElementsAreArray;

constexpr char kAsker[] = "leeds-council";

v1::Lesson Draft(const std::string& title, v1::TlpMarking marking, const std::string& lesson = "") {
  v1::Lesson draft;
  draft.set_title(title);
  draft.set_marking(marking);
  if (!lesson.empty()) draft.set_lesson(lesson);
  return draft;
}

struct FederatedAnswer {
  std::vector<v1::PeerAnswered> live;  // as they streamed in
  v1::FederatedSearchResult result;
  absl::Duration took;
};

FederatedAnswer AskFederation(Federation& federation, const std::string& query,
                              uint32_t deadline_ms = 1500, uint32_t page_size = 100,
                              const std::string& asker = kAsker) {
  FederatedAnswer answer;
  v1::FederatedSearchRequest request;
  request.set_query(query);
  request.set_deadline_ms(deadline_ms);
  request.set_page_size(page_size);
  auto analyst = federation.node(asker).ClientFor("bob");
  absl::Time start = absl::Now();
  absl::Status finished = analyst->FederatedSearch(request, [&](const v1::FederatedSearchEvent& event) {
    if (event.has_peer()) answer.live.push_back(event.peer());
    if (event.has_result()) answer.result = event.result();
  });
  answer.took = absl::Now() - start;
  EXPECT_TRUE(finished.ok()) << finished;
  return answer;
}

std::map<std::string, v1::PeerOutcome::State> States(const v1::FederatedSearchResult& result) {
  std::map<std::string, v1::PeerOutcome::State> states;
  for (const v1::PeerOutcome& outcome : result.peers()) states[outcome.org()] = outcome.state();
  return states;
}

// The error of each node that did not answer, to say why a state was not the one expected.
std::string Errors(const v1::FederatedSearchResult& result) {
  std::string errors;
  for (const v1::PeerOutcome& outcome : result.peers()) {
    if (outcome.state() != v1::PeerOutcome::OK) {
      absl::StrAppend(&errors, outcome.org(), ": ", outcome.error(), "\n");
    }
  }
  return errors;
}

TEST(FederationTest, EachPeerAnswersWithWhatItAllowsAndEveryOutcomeIsReported) {
  Federation federation({kAsker, "west-police", "leeds-nhs", "west-ambulance", "york-fire"});
  federation.AllowQueries("west-police", kAsker,
                          "export { markings: [TLP_GREEN, TLP_CLEAR] redact_fields: [\"lesson\"] }");
  federation.AllowQueries("leeds-nhs", kAsker, "export { markings: [TLP_CLEAR] }");
  federation.Introduce(kAsker, "west-ambulance");  // which never lets the council query it
  federation.Introduce(kAsker, "york-fire");       // which will be down
  // A peer that stalls past the deadline.
  testing::StalledPeer stalled;
  testing::FakePeer stalled_server = testing::StartFakePeer("slow-coastguard", &stalled);
  ASSERT_NE(stalled_server.server, nullptr);
  v1::Peer coastguard;
  coastguard.set_org_id("slow-coastguard");
  coastguard.set_address(stalled_server.address);
  ASSERT_TRUE(federation.Admin(kAsker)->PutPeer(coastguard).ok());

  auto police = federation.Editor("west-police");
  v1::Lesson police_green = *police->Create(Draft("Radio battery swaps at briefing", v1::TLP_GREEN,
                                                  "Sergeants keep the spare battery log"));
  v1::Lesson police_amber = *police->Create(Draft("Radio battery thefts from vans", v1::TLP_AMBER));
  v1::Lesson police_red = *police->Create(Draft("Battery supplier dispute", v1::TLP_RED));
  // Matches "battery" only in its lesson field, which the council's view redacts.
  v1::Lesson police_hidden_match = *police->Create(
      Draft("Vehicle chargers", v1::TLP_GREEN, "Fit chargers so the battery never runs flat"));
  auto nhs = federation.Editor("leeds-nhs");
  v1::Lesson nhs_clear = *nhs->Create(Draft("Battery management on wards", v1::TLP_CLEAR));
  v1::Lesson nhs_green = *nhs->Create(Draft("Battery chargers in clinics", v1::TLP_GREEN));
  v1::Lesson council_own = *federation.Editor(kAsker)->Create(
      Draft("Tablet battery life on home visits", v1::TLP_RED));
  federation.node("york-fire").Kill();

  FederatedAnswer answer = AskFederation(federation, "battery");
  std::vector<std::string> ids;
  for (const v1::FederatedHit& hit : answer.result.hits()) ids.push_back(hit.hit().lesson_id());
  EXPECT_THAT(ids, UnorderedElementsAreArray({police_green.id(), nhs_clear.id(), council_own.id()}));
  EXPECT_EQ(States(answer.result),
            (std::map<std::string, v1::PeerOutcome::State>{
                {kAsker, v1::PeerOutcome::OK},
                {"west-police", v1::PeerOutcome::OK},
                {"leeds-nhs", v1::PeerOutcome::OK},
                {"west-ambulance", v1::PeerOutcome::REFUSED},
                {"york-fire", v1::PeerOutcome::UNREACHABLE},
                {"slow-coastguard", v1::PeerOutcome::TIMED_OUT}}))
      << Errors(answer.result) << federation.node(kAsker).log();
  EXPECT_EQ(answer.live.size(), 6u) << "a live answer per node";
  for (const v1::PeerAnswered& live : answer.live) {
    if (live.outcome().org() != "west-police") continue;
    ASSERT_EQ(live.hits_size(), 1) << "the police's own hits stream as they answer";
    EXPECT_EQ(live.hits(0).lesson_id(), police_green.id());
  }
  // Each peer counts only what the council may see: not the AMBER, RED or GREEN-at-the-NHS
  // lessons, nor the one that matched only in a redacted field.
  for (const v1::PeerOutcome& outcome : answer.result.peers()) {
    if (outcome.org() == "west-police" || outcome.org() == "leeds-nhs") {
      EXPECT_EQ(outcome.hits(), 1u) << outcome.org();
    }
  }
  EXPECT_EQ(answer.result.total_hits(), 3u);
  EXPECT_LT(answer.took, absl::Milliseconds(1500 + 1000)) << "nobody held the answer past the deadline";
  for (const v1::FederatedHit& hit : answer.result.hits()) {
    if (hit.hit().lesson_id() == police_green.id()) {
      EXPECT_THAT(hit.holders(), ::testing::ElementsAre("west-police"));
      EXPECT_EQ(hit.hit().origin_org(), "west-police");
      EXPECT_EQ(hit.hit().snippet().find("spare battery log"), std::string::npos)
          << "the redacted field never reaches the council";
    }
  }
  // The police audit the query they answered.
  v1::ListAuditRequest audit;
  audit.set_action("query.answered");
  auto events = federation.Admin("west-police")->ListAudit(audit);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_GE(events->events_size(), 1);
  EXPECT_EQ(events->events(0).actor(), "peer leeds-council");
  EXPECT_EQ(events->events(0).target(), "battery");
  // (police_amber, police_red, police_hidden_match and nhs_green are the ones left out.)
  (void)police_amber, (void)police_red, (void)police_hidden_match, (void)nhs_green;
}

// A peer asking faster than a node allows gets RESOURCE_EXHAUSTED naming the limit, and one the
// node does not let query gets PERMISSION_DENIED.
TEST(FederationTest, PeersOverTheirQueryLimitsAreRefusedWithTheLimitNamed) {
  Federation federation({kAsker, "west-police"});
  federation.AllowQueries("west-police", kAsker, "export { markings: [TLP_CLEAR] }");
  v1::TlsConfig tls = testing::NodeTls(testing::TestPki::Shared(), kAsker);
  auto police = v1::FederationService::NewStub(grpc::CreateChannel(
      federation.node("west-police").address(), server::MakePeerChannelCredentials(tls)));
  v1::PeerQueryRequest request;
  request.set_query("radio");
  int answered = 0;
  std::string refusal;
  for (int i = 0; i < 200 && refusal.empty(); ++i) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::PeerQueryResponse response;
    grpc::Status status = police->Query(&context, request, &response);
    if (status.ok()) {
      ++answered;
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
      refusal = status.error_message();
    }
  }
  EXPECT_GE(answered, 50) << "a burst of 50 is allowed";
  EXPECT_THAT(refusal, ::testing::HasSubstr("over the limit of 50 queries a second"));

  // The NHS trust knows the council but never let it query.
  Federation other({"leeds-nhs"});
  v1::Peer known;
  known.set_org_id(kAsker);
  ASSERT_TRUE(other.Admin("leeds-nhs")->PutPeer(known).ok());
  auto nhs = v1::FederationService::NewStub(grpc::CreateChannel(
      other.node("leeds-nhs").address(), server::MakePeerChannelCredentials(tls)));
  grpc::ClientContext context;
  v1::PeerQueryResponse response;
  grpc::Status refused = nhs->Query(&context, request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("may not query this node"));
}

// A peer that was down for a while and comes back on its address answers the next query a
// second later: the asking node does not wait out a reconnection backoff that grew while the
// peer was down.
TEST(FederationTest, APeerBackOnItsAddressAnswersTheNextQuery) {
  Federation federation({kAsker, "west-police"});
  federation.AllowQueries("west-police", kAsker, "export { markings: [TLP_CLEAR] }");
  ASSERT_TRUE(federation.Editor("west-police")->Create(Draft("Radio battery swaps", v1::TLP_CLEAR)).ok());
  testing::CairndProcess& police = federation.node("west-police");
  const std::string address = police.address();
  police.Kill();
  // Queries while it is down, over long enough for gRPC's reconnection backoff to grow past
  // the time the restart takes (its retries come about 1, 2.6, 5.2, 9.3 and 16 s after the
  // first failure).
  absl::Time down_until = absl::Now() + absl::Seconds(12);
  while (absl::Now() < down_until) {
    FederatedAnswer answer = AskFederation(federation, "battery");
    EXPECT_EQ(States(answer.result)["west-police"], v1::PeerOutcome::UNREACHABLE)
        << Errors(answer.result);
    absl::SleepFor(absl::Milliseconds(300));
  }
  police.ListenOn(address);
  ASSERT_TRUE(police.Start().ok()) << police.log();
  absl::SleepFor(absl::Seconds(1));  // the asker connects afresh at most once a second
  FederatedAnswer answer = AskFederation(federation, "battery");
  EXPECT_EQ(States(answer.result)["west-police"], v1::PeerOutcome::OK)
      << Errors(answer.result) << federation.node(kAsker).log();
  EXPECT_EQ(answer.result.total_hits(), 1u);
}

// Whatever is asked, a peer's answer holds only lessons its export view gives the asking node,
// exactly as that view shows them: checked against the admin's own export view of random
// lessons under a random policy.
TEST(FederationTest, NoAnswerHoldsWhatThePolicyHides) {
  std::mt19937 random(20261126);
  Federation federation({kAsker, "west-police"});
  const std::vector<v1::TlpMarking> markings = {v1::TLP_RED, v1::TLP_AMBER_STRICT, v1::TLP_AMBER,
                                                v1::TLP_GREEN, v1::TLP_CLEAR};
  const std::vector<std::string> words = {"radio", "battery", "tablet", "wireless", "vehicle"};
  auto police = federation.Editor("west-police");
  for (int i = 0; i < 40; ++i) {
    v1::Lesson draft = Draft(words[random() % words.size()] + " " + words[random() % words.size()],
                             markings[random() % markings.size()],
                             words[random() % words.size()] + " notes, call 0113 496 0000");
    draft.set_summary(words[random() % words.size()] + " summary");
    draft.add_topics(random() % 2 ? "mobile-working" : "estates");
    draft.set_status(random() % 3 == 0 ? v1::LESSON_LEARNED : v1::OBSERVATION);
    ASSERT_TRUE(police->Create(draft).ok());
  }
  federation.AllowQueries(
      "west-police", kAsker,
      "export { markings: [TLP_GREEN, TLP_CLEAR, TLP_AMBER] exclude_topics: [\"estates\"] "
      "redact_fields: [\"summary\"] scrub_personal_data: true }");
  // The view as the police admin sees it for the council (both channels open, so they agree).
  v1::Peer both = federation.Known("west-police", kAsker);
  both.set_may_pull(true);
  ASSERT_TRUE(federation.Admin("west-police")->PutPeer(both).ok());
  v1::ListExportViewRequest view_request;
  view_request.set_peer_org(kAsker);
  view_request.set_page_size(500);
  auto view = federation.Admin("west-police")->ListExportView(view_request);
  ASSERT_TRUE(view.ok()) << view.status();
  std::map<std::string, v1::Lesson> allowed;
  for (const v1::Lesson& lesson : view->lessons()) allowed[lesson.id()] = lesson;
  ASSERT_GT(allowed.size(), 3u);

  for (const char* query : {"radio", "battery OR tablet", "summary", "notes", "0113",
                                   "vehicle -radio", "topic:estates", "marking:red", "wireless"}) {
    FederatedAnswer answer = AskFederation(federation, query);
    for (const v1::FederatedHit& hit : answer.result.hits()) {
      const std::string& id = hit.hit().lesson_id();
      auto it = allowed.find(id);
      ASSERT_NE(it, allowed.end()) << query << ": " << id << " is hidden from the council";
      EXPECT_EQ(hit.hit().title(), it->second.title());
      EXPECT_EQ(hit.hit().version(), it->second.version());
      EXPECT_EQ(hit.hit().snippet().find("0113"), std::string::npos) << query << ": scrubbed";
      EXPECT_EQ(hit.hit().snippet().find("summary"), std::string::npos) << query << ": redacted";
    }
  }
}

// Lessons spread over several nodes rank as they do when all sit on one: the asking node scores
// every lesson it is given with one set of statistics, wherever the lesson came from.
TEST(FederationTest, LessonsSpreadOverNodesRankAsOnOneNode) {
  const std::vector<std::string> titles = {
      "battery", "battery battery charger", "radio battery", "radio", "radio handset battery life",
      "tablet battery swap", "wireless radio battery", "battery charger fault", "spare battery log",
      "battery radio tablet wireless"};
  auto ranking = [&](Federation& federation, const std::vector<std::string>& holders) {
    for (size_t i = 0; i < titles.size(); ++i) {
      EXPECT_TRUE(federation.Editor(holders[i % holders.size()])
                      ->Create(Draft(titles[i], v1::TLP_CLEAR))
                      .ok());
    }
    std::vector<std::pair<std::string, double>> ranked;
    FederatedAnswer answer = AskFederation(federation, "battery radio OR charger");
    EXPECT_EQ(Errors(answer.result), "") << "every node answers\n" << federation.node(kAsker).log();
    for (const v1::FederatedHit& hit : answer.result.hits()) {
      ranked.emplace_back(hit.hit().title(), hit.hit().score());
    }
    return ranked;
  };
  Federation one({kAsker, "west-police"});
  one.AllowQueries("west-police", kAsker, "export { markings: [TLP_CLEAR] }");
  auto alone = ranking(one, {"west-police"});
  Federation three({kAsker, "west-police", "leeds-nhs", "york-fire"});
  for (const char* org : {"west-police", "leeds-nhs", "york-fire"}) {
    three.AllowQueries(org, kAsker, "export { markings: [TLP_CLEAR] }");
  }
  auto spread = ranking(three, {"west-police", "leeds-nhs", "york-fire"});
  ASSERT_EQ(alone.size(), spread.size());
  ASSERT_GE(alone.size(), 5u);
  for (size_t i = 0; i < alone.size(); ++i) {
    EXPECT_NEAR(alone[i].second, spread[i].second, 1e-9) << i;
    // Equal scores may come in either order; different ones may not.
    if (i + 1 < alone.size() && alone[i].second != alone[i + 1].second &&
        (i == 0 || alone[i - 1].second != alone[i].second)) {
      EXPECT_EQ(alone[i].first, spread[i].first) << i;
    }
  }
}

// Twelve nodes, one per NASA centre, each holding its centre's LLIS lessons (marked CLEAR,
// GREEN, AMBER or RED by lesson number) and letting headquarters query it under one of three
// policies; the JSC node also holds copies of KSC's CLEAR lessons. A federated query from
// headquarters returns exactly the lessons each centre's policy allows, each once.
TEST(FederationTest, TwelveNasaCentresAnswerWithExactlyWhatEachAllows) {
  CAIRN_SKIP_WITHOUT_LLIS(llis);
  const std::vector<std::string> orgs = testing::NasaCentres();
  const std::string asker = "nasa-hq";
  Federation federation(orgs);
  const std::vector<std::string> policies = {
      "export { markings: [TLP_CLEAR] }",
      "export { markings: [TLP_GREEN, TLP_CLEAR] exclude_topics: [\"Hardware\"] }",
      "export { markings: [TLP_AMBER, TLP_GREEN, TLP_CLEAR] }"};
  std::map<std::string, size_t> policy_of;  // org -> index into policies
  for (size_t i = 0, n = 0; i < orgs.size(); ++i) {
    if (orgs[i] == asker) continue;
    policy_of[orgs[i]] = n % policies.size();
    federation.AllowQueries(orgs[i], asker, policies[n++ % policies.size()]);
  }
  // Each centre imports its lessons; remember every stored lesson by id, with its holder.
  struct Stored {
    std::string org;
    v1::Lesson lesson;
  };
  std::map<std::string, Stored> stored;
  std::map<std::string, std::vector<v1::Lesson>> by_org = testing::NasaCentreLessons(*llis);
  for (const auto& [org, lessons] : by_org) {
    for (auto& [id, lesson] : federation.Import(org, lessons)) stored[id] = {org, lesson};
  }
  // JSC pulls KSC's CLEAR lessons: those copies sit on two nodes.
  federation.Link("nasa-ksc", "nasa-jsc", "export { markings: [TLP_CLEAR] }");
  size_t ksc_clear = 0;
  for (const v1::Lesson& lesson : by_org["nasa-ksc"]) ksc_clear += lesson.marking() == v1::TLP_CLEAR;
  absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (federation.Held("nasa-jsc", "nasa-ksc").size() < ksc_clear && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(federation.Held("nasa-jsc", "nasa-ksc").size(), ksc_clear);

  for (const std::string topic : {"Payloads", "Ground Operations"}) {
    // The oracle: the asker's own lessons with the topic, and every other centre's that its
    // policy for the asker allows; copies held elsewhere add holders, not entries.
    std::map<std::string, std::set<std::string>> expected;  // id -> holders
    for (const auto& [id, entry] : stored) {
      const v1::Lesson& lesson = entry.lesson;
      bool has_topic = std::any_of(lesson.topics().begin(), lesson.topics().end(),
                                   [&](const std::string& t) { return absl::EqualsIgnoreCase(t, topic); });
      if (!has_topic) continue;
      bool allowed = entry.org == asker;
      if (!allowed) {
        size_t policy = policy_of[entry.org];
        v1::TlpMarking marking = lesson.marking();
        bool hardware = std::any_of(lesson.topics().begin(), lesson.topics().end(),
                                    [](const std::string& t) { return absl::EqualsIgnoreCase(t, "Hardware"); });
        allowed = marking == v1::TLP_CLEAR || (policy >= 1 && marking == v1::TLP_GREEN) ||
                  (policy == 2 && marking == v1::TLP_AMBER);
        if (policy == 1 && hardware) allowed = false;
      }
      if (!allowed) continue;
      expected[id].insert(entry.org);
      if (entry.org == "nasa-ksc" && lesson.marking() == v1::TLP_CLEAR) expected[id].insert("nasa-jsc");
    }
    ASSERT_LE(expected.size(), 100u);
    ASSERT_GE(expected.size(), 10u);
    FederatedAnswer answer =
        AskFederation(federation, "topic:\"" + topic + "\"", 10'000, 100, asker);
    std::map<std::string, std::set<std::string>> found;
    for (const v1::FederatedHit& hit : answer.result.hits()) {
      EXPECT_TRUE(found.emplace(hit.hit().lesson_id(), std::set<std::string>(hit.holders().begin(),
                                                                            hit.holders().end()))
                      .second)
          << hit.hit().lesson_id() << " appears twice";
    }
    EXPECT_EQ(found, expected) << topic;
    for (const v1::PeerOutcome& outcome : answer.result.peers()) {
      EXPECT_EQ(outcome.state(), v1::PeerOutcome::OK) << outcome.org() << ": " << outcome.error();
    }
  }
}

}  // namespace
}  // namespace cairn
