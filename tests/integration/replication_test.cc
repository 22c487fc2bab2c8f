// Replication between real cairnd processes over mTLS: what each node ends up holding is checked
// against an oracle computed here, from the markings and policies alone.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "absl/time/clock.h"
#include "client/admin_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/federation.h"

namespace cairn {
namespace {

using testing::CairndProcess;
using testing::Federation;
using testing::Holdings;
using testing::NodeSpec;


v1::Lesson Draft(const std::string& title, v1::TlpMarking marking,
                 const std::string& topic = "mobile-working") {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.add_topics(topic);
  lesson.set_marking(marking);
  lesson.mutable_local()->set_contact("never leaves");
  return lesson;
}

// The oracle for one sender and one receiver: the sender's own lessons that are not retracted and
// whose marking the policy allows (markings only; the tests' policies use nothing else).
Holdings Expected(const std::vector<v1::Lesson>& lessons, std::set<v1::TlpMarking> allowed) {
  Holdings expected;
  for (const v1::Lesson& lesson : lessons) {
    if (lesson.status() != v1::RETRACTED && allowed.contains(lesson.marking()) &&
        lesson.marking() != v1::TLP_RED) {
      expected[lesson.id()] = lesson.version();
    }
  }
  return expected;
}

constexpr char kGreenAndClear[] = "export { markings: [TLP_GREEN, TLP_CLEAR] }";

TEST(ReplicationTest, TwoNodesFollowEditsRetractionsRemarkingAndPolicyChanges) {
  Federation federation({"leeds-council", "west-police"});
  federation.Link("leeds-council", "west-police", kGreenAndClear);
  auto editor = federation.Editor("leeds-council");
  std::vector<v1::Lesson> lessons = {
      *editor->Create(Draft("Lock down tablet Wi-Fi", v1::TLP_GREEN)),
      *editor->Create(Draft("Radio batteries die on nights", v1::TLP_AMBER)),
      *editor->Create(Draft("Named teams", v1::TLP_RED)),
      *editor->Create(Draft("Weekly kit check", v1::TLP_CLEAR)),
  };
  auto expect = [&](std::set<v1::TlpMarking> allowed) {
    return federation.Settles("west-police", "leeds-council", Expected(lessons, allowed));
  };
  std::set<v1::TlpMarking> green_and_clear = {v1::TLP_GREEN, v1::TLP_CLEAR};
  ASSERT_TRUE(expect(green_and_clear));

  // The copy is signed by its origin and carries nothing local.
  auto copy = federation.node("west-police").ClientFor("bob")->Get(lessons[0].id());
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_FALSE(copy->has_local());
  EXPECT_FALSE(copy->provenance().signature().empty());

  // An edit arrives as the new version.
  lessons[0].set_summary("Use certificate-based Wi-Fi");
  lessons[0] = *editor->Update(lessons[0]);
  ASSERT_TRUE(expect(green_and_clear));

  // Re-marked RED: withdrawn.
  lessons[0].set_marking(v1::TLP_RED);
  lessons[0] = *editor->Update(lessons[0]);
  ASSERT_TRUE(expect(green_and_clear));

  // Retracted by its origin: withdrawn.
  lessons[3] = *editor->Retract(lessons[3].id(), "superseded");
  ASSERT_TRUE(expect(green_and_clear));

  // A loosened policy lets AMBER lessons flow without anyone re-saving them.
  lessons.push_back(*editor->Create(Draft("Label the chargers", v1::TLP_GREEN)));
  auto admin = federation.Admin("leeds-council");
  ASSERT_TRUE(admin->SetPolicyText("west-police",
                                   "export { markings: [TLP_AMBER, TLP_GREEN, TLP_CLEAR] }")
                  .ok());
  ASSERT_TRUE(expect({v1::TLP_AMBER, v1::TLP_GREEN, v1::TLP_CLEAR}));

  // Tightened: what it may no longer have is retracted.
  ASSERT_TRUE(admin->SetPolicyText("west-police", "export { markings: [TLP_AMBER] }").ok());
  ASSERT_TRUE(expect({v1::TLP_AMBER}));

  // The receiver reports where it is.
  auto status = federation.Admin("west-police")->ReplicationStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_EQ(status->peers_size(), 1);
  EXPECT_EQ(status->peers(0).peer_org(), "leeds-council");
  EXPECT_TRUE(status->peers(0).connected());
  EXPECT_GT(status->peers(0).retractions_applied(), 0u);

  // The sender's audit log records what it sent.
  v1::ListAuditRequest sent;
  sent.set_action("replication.sent");
  auto events = admin->ListAudit(sent);
  ASSERT_TRUE(events.ok());
  EXPECT_GT(events->events_size(), 0);
  EXPECT_EQ(events->events(0).target(), "west-police");
}

TEST(ReplicationTest, GreenAndClearRelayWithinCommunitiesAmberNeverPassesOn) {
  Federation federation({"leeds-council", "west-police", "leeds-nhs", "york-fire"});
  // council -> police -> nhs, and police -> fire; the police relay everything their policy
  // allows, including AMBER, which must still never leave them.
  federation.Link("leeds-council", "west-police",
                  "export { markings: [TLP_AMBER, TLP_GREEN, TLP_CLEAR] }");
  federation.Link("west-police", "leeds-nhs",
                  "export { markings: [TLP_AMBER, TLP_GREEN, TLP_CLEAR] }", {"mobile-working"});
  federation.Link("west-police", "york-fire",
                  "export { markings: [TLP_AMBER, TLP_GREEN, TLP_CLEAR] }");
  auto editor = federation.Editor("leeds-council");
  v1::Lesson community = Draft("Tablets on shared Wi-Fi", v1::TLP_GREEN);
  community.add_communities("mobile-working");
  community = *editor->Create(community);
  v1::Lesson federation_wide = *editor->Create(Draft("Charge radios at briefing", v1::TLP_GREEN));
  v1::Lesson amber = *editor->Create(Draft("Named supplier failed", v1::TLP_AMBER));
  v1::Lesson clear = *editor->Create(Draft("Weekly kit check", v1::TLP_CLEAR));

  ASSERT_TRUE(federation.Settles("west-police", "leeds-council",
                                 {{community.id(), 1}, {federation_wide.id(), 1},
                                  {amber.id(), 1}, {clear.id(), 1}}));
  // The NHS trust is in the lesson's community; the fire service is not.
  ASSERT_TRUE(federation.Settles("leeds-nhs", "leeds-council",
                                 {{community.id(), 1}, {federation_wide.id(), 1}, {clear.id(), 1}}));
  ASSERT_TRUE(federation.Settles("york-fire", "leeds-council",
                                 {{federation_wide.id(), 1}, {clear.id(), 1}}));
  // Relayed copies still carry the origin's signature.
  auto relayed = federation.node("york-fire").ClientFor("bob")->Get(clear.id());
  ASSERT_TRUE(relayed.ok());
  EXPECT_FALSE(relayed->provenance().signature().empty());

  // The origin retracts: the retraction travels the same two hops.
  ASSERT_TRUE(editor->Retract(clear.id(), "superseded").ok());
  ASSERT_TRUE(federation.Settles("york-fire", "leeds-council", {{federation_wide.id(), 1}}));
  ASSERT_TRUE(federation.Settles("leeds-nhs", "leeds-council",
                                 {{community.id(), 1}, {federation_wide.id(), 1}}));
}

TEST(ReplicationTest, APeerThatWasDownCatchesUpFromItsCursor) {
  Federation federation({"leeds-council", "west-police"});
  federation.Link("leeds-council", "west-police", kGreenAndClear);
  auto editor = federation.Editor("leeds-council");
  std::vector<v1::Lesson> lessons = {*editor->Create(Draft("Before the outage", v1::TLP_GREEN))};
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", Expected(lessons, {v1::TLP_GREEN})));

  federation.node("west-police").Kill();
  for (int i = 0; i < 20; ++i) {
    lessons.push_back(*editor->Create(Draft("During the outage " + std::to_string(i), v1::TLP_GREEN)));
  }
  lessons[0] = *editor->Retract(lessons[0].id(), "withdrawn while the police were down");
  ASSERT_TRUE(federation.node("west-police").Start().ok());
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", Expected(lessons, {v1::TLP_GREEN})));

  // The sender can be down too: the receiver retries until it is back.
  federation.node("leeds-council").Kill();
  absl::SleepFor(absl::Seconds(1));
  ASSERT_TRUE(federation.node("leeds-council").Start().ok());
  // It listens on a new port now; its admin tells the receiver.
  federation.Readdress("leeds-council", "west-police");
  editor = federation.Editor("leeds-council");
  lessons.push_back(*editor->Create(Draft("After the restart", v1::TLP_GREEN)));
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", Expected(lessons, {v1::TLP_GREEN})));
}

TEST(ReplicationTest, CopiesAreSearchableAndWithdrawnCopiesLeaveTheIndex) {
  Federation federation({"leeds-council", "west-police"});
  federation.Link("leeds-council", "west-police", kGreenAndClear);
  auto editor = federation.Editor("leeds-council");
  v1::Lesson lesson = *editor->Create(Draft("Body-worn camera docking", v1::TLP_GREEN));
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", {{lesson.id(), 1}}));
  auto analyst = federation.node("west-police").ClientFor("bob");
  v1::SearchRequest request;
  request.set_query("cameras org:leeds-council");
  absl::StatusOr<v1::SearchResponse> found = analyst->Search(request);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->hits_size(), 1);
  EXPECT_EQ(found->hits(0).lesson_id(), lesson.id());
  EXPECT_EQ(found->hits(0).origin_org(), "leeds-council");

  lesson.set_marking(v1::TLP_AMBER);  // no longer allowed for the police: their copy goes
  lesson = *editor->Update(lesson);
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", {}));
  found = analyst->Search(request);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->total_hits(), 0u);
  auto check = federation.Admin("west-police")->CheckSearchIndex(absl::Minutes(1));
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->consistent()) << ::testing::PrintToString(check->problems());
}

TEST(ReplicationTest, APeerBehindATrimmedChangeLogResynchronises) {
  Federation federation({"leeds-council", "west-police"});
  federation.Link("leeds-council", "west-police", kGreenAndClear);
  auto editor = federation.Editor("leeds-council");
  std::vector<v1::Lesson> lessons;
  for (int i = 0; i < 5; ++i) {
    lessons.push_back(*editor->Create(Draft("Lesson " + std::to_string(i), v1::TLP_GREEN)));
  }
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", Expected(lessons, {v1::TLP_GREEN})));

  federation.node("west-police").Kill();
  lessons[1] = *editor->Retract(lessons[1].id(), "gone");
  lessons[2].set_marking(v1::TLP_RED);
  lessons[2] = *editor->Update(lessons[2]);
  for (int i = 5; i < 8; ++i) {
    lessons.push_back(*editor->Create(Draft("Lesson " + std::to_string(i), v1::TLP_GREEN)));
  }
  // Forget all history: the police's cursor now points before the start of the log.
  auto trimmed = federation.Admin("leeds-council")->TrimChangeLog(0);
  ASSERT_TRUE(trimmed.ok()) << trimmed.status();
  ASSERT_TRUE(federation.node("west-police").Start().ok());
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", Expected(lessons, {v1::TLP_GREEN})));
}

TEST(ReplicationTest, CopiesGoWhenEitherSideStopsTheLink) {
  Federation federation({"leeds-council", "west-police"});
  federation.Link("leeds-council", "west-police", kGreenAndClear);
  auto editor = federation.Editor("leeds-council");
  std::vector<v1::Lesson> lessons = {*editor->Create(Draft("Shared", v1::TLP_GREEN)),
                                     *editor->Create(Draft("Also shared", v1::TLP_CLEAR))};
  Holdings all = Expected(lessons, {v1::TLP_GREEN, v1::TLP_CLEAR});
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", all));

  // The sender revokes the receiver's right to pull: everything it sent is withdrawn.
  v1::Peer revoked = federation.Known("leeds-council", "west-police");
  revoked.set_may_pull(false);
  ASSERT_TRUE(federation.Admin("leeds-council")->PutPeer(revoked).ok());
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", {}));

  // Allowed again, the receiver gets them back; then it stops pulling, and drops them itself.
  revoked.set_may_pull(true);
  ASSERT_TRUE(federation.Admin("leeds-council")->PutPeer(revoked).ok());
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", all));
  v1::Peer stopped = federation.Known("west-police", "leeds-council");
  stopped.set_pull_from(false);
  ASSERT_TRUE(federation.Admin("west-police")->PutPeer(stopped).ok());
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", {}));
}

TEST(ReplicationTest, ASenderThatRefusesUsSaysWhyInPeerStatus) {
  Federation federation({"leeds-council", "west-police"});
  // The police pull from the council, which has never heard of them.
  v1::Peer source = federation.Known("west-police", "leeds-council");
  source.set_address(federation.node("leeds-council").address());
  source.set_pull_from(true);
  ASSERT_TRUE(federation.Admin("west-police")->PutPeer(source).ok());
  std::string last_error;
  absl::Time give_up = absl::Now() + absl::Seconds(20);
  auto admin = federation.Admin("west-police");
  while (last_error.empty() && absl::Now() < give_up) {
    absl::StatusOr<v1::GetReplicationStatusResponse> status = admin->ReplicationStatus();
    ASSERT_TRUE(status.ok()) << status.status();
    for (const auto& peer : status->peers()) {
      if (peer.peer_org() == "leeds-council") last_error = peer.last_error();
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(last_error, ::testing::HasSubstr("west-police is not a configured peer"));
}

TEST(ReplicationTest, TheReceiversImportRulesDecideWhatItStores) {
  Federation federation({"leeds-council", "west-police"});
  federation.Link("leeds-council", "west-police", kGreenAndClear);
  ASSERT_TRUE(federation.Admin("west-police")
                  ->SetPolicyText("leeds-council",
                                  "import { accepted_topics: [\"wireless\"] max_lesson_bytes: 2000 }")
                  .ok());
  auto editor = federation.Editor("leeds-council");
  v1::Lesson wanted = *editor->Create(Draft("Wireless lesson", v1::TLP_GREEN, "wireless"));
  v1::Lesson off_topic = *editor->Create(Draft("Charger labels", v1::TLP_GREEN, "device-care"));
  v1::Lesson big = Draft("Wireless essay", v1::TLP_GREEN, "wireless");
  big.set_summary(std::string(3000, 'w'));
  big = *editor->Create(big);
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", {{wanted.id(), 1}}));
  absl::Time give_up = absl::Now() + absl::Seconds(10);
  v1::ListAuditRequest rejected;
  rejected.set_action("replication.rejected");
  std::map<std::string, std::string> why;
  while (why.size() < 2 && absl::Now() < give_up) {
    absl::StatusOr<v1::ListAuditResponse> events =
        federation.Admin("west-police")->ListAudit(rejected);
    ASSERT_TRUE(events.ok()) << events.status();
    for (const auto& event : events->events()) why[event.target()] = event.detail();
  }
  EXPECT_THAT(why[off_topic.id()], ::testing::HasSubstr("import.accepted_topics"));
  EXPECT_THAT(why[big.id()], ::testing::HasSubstr("import.max_lesson_bytes"));
}

// Imports `count` GREEN lessons at `org` in batches; returns them as stored.
std::vector<v1::Lesson> ImportMany(client::LessonClient& editor, int count, const std::string& tag) {
  std::vector<v1::Lesson> drafts;
  for (int i = 0; i < count; ++i) {
    v1::Lesson draft = Draft(tag + " lesson " + std::to_string(i), v1::TLP_GREEN);
    draft.set_summary(std::string(400, 's'));  // enough bytes for the transfer to take a while
    drafts.push_back(std::move(draft));
  }
  std::vector<v1::Lesson> stored;
  size_t next = 0;
  absl::Status imported = editor.Import(
      [&](v1::ImportLessonsRequest* request) {
        for (int i = 0; i < 250 && next < drafts.size(); ++i) {
          *request->add_items()->mutable_lesson() = drafts[next++];
        }
        return request->items_size() > 0;
      },
      [&](const v1::ImportLessonsResponse&) {});
  EXPECT_TRUE(imported.ok()) << imported;
  return stored;
}

// How many lessons `receiver` has applied from `sender` since it started.
uint64_t Applied(Federation& federation, const std::string& receiver) {
  auto status = federation.Admin(receiver)->ReplicationStatus();
  return status.ok() && status->peers_size() == 1 ? status->peers(0).lessons_applied() : 0;
}

TEST(ReplicationTest, KillNineOfReceiverAndSenderMidTransferLosesAndDuplicatesNothing) {
  Federation federation({"leeds-council", "west-police"});
  auto editor = federation.Editor("leeds-council");
  ImportMany(*editor, 4000, "first");
  Holdings all = federation.Held("leeds-council", "leeds-council");
  ASSERT_EQ(all.size(), 4000u);
  federation.Link("leeds-council", "west-police", kGreenAndClear);

  // The receiver dies part-way through.
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (Applied(federation, "west-police") < 300 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(2));
  }
  uint64_t before_kill = Applied(federation, "west-police");
  federation.node("west-police").Kill();
  ASSERT_GE(before_kill, 300u);
  ASSERT_TRUE(federation.node("west-police").Start().ok());
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", all, absl::Seconds(60)));

  // Then the sender dies part-way through a second transfer.
  ImportMany(*editor, 4000, "second");
  give_up = absl::Now() + absl::Seconds(30);
  while (Applied(federation, "west-police") < 300 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(2));
  }
  federation.node("leeds-council").Kill();
  ASSERT_TRUE(federation.node("leeds-council").Start().ok());
  federation.Readdress("leeds-council", "west-police");
  all = federation.Held("leeds-council", "leeds-council");
  ASSERT_EQ(all.size(), 8000u);
  ASSERT_TRUE(federation.Settles("west-police", "leeds-council", all, absl::Seconds(60)));

  // Each copy was stored exactly once: the receiver's change log has one entry per lesson.
  auto status = federation.Admin("west-police")->ReplicationStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->last_sequence(), 8000u);
}

// A randomized run: three nodes that all pull from each other, and a seeded sequence of creates,
// edits, re-markings, retractions and policy changes. When it settles, every node's holdings must
// equal the oracle's: direct sharing by the origin's policy, closed under relaying of GREEN and
// CLEAR copies by each relay's own policy.
TEST(ReplicationTest, RandomOperationsSettleToTheOracle) {
  const std::vector<std::string> orgs = {"north-council", "east-police", "south-nhs"};
  Federation federation(orgs);
  std::map<std::pair<std::string, std::string>, std::set<v1::TlpMarking>> allowed;  // sender, receiver
  auto set_policy = [&](const std::string& sender, const std::string& receiver,
                        std::set<v1::TlpMarking> markings) {
    std::string text = "export { markings: [";
    for (v1::TlpMarking marking : markings) {
      text += (text.back() == '[' ? "" : ", ") + v1::TlpMarking_Name(marking);
    }
    ASSERT_TRUE(federation.Admin(sender)->SetPolicyText(receiver, text + "] }").ok()) << text;
    allowed[{sender, receiver}] = markings;
  };
  for (const std::string& sender : orgs) {
    for (const std::string& receiver : orgs) {
      if (sender != receiver) federation.Link(sender, receiver, "export { markings: [] }");
    }
  }
  const std::vector<v1::TlpMarking> shareable = {v1::TLP_AMBER_STRICT, v1::TLP_AMBER,
                                                 v1::TLP_GREEN, v1::TLP_CLEAR};
  const std::vector<v1::TlpMarking> markings = {v1::TLP_RED, v1::TLP_AMBER_STRICT, v1::TLP_AMBER,
                                                v1::TLP_GREEN, v1::TLP_CLEAR};
  // CAIRN_RANDOM_SEED explores other sequences; the default one runs in CI.
  const char* seed_text = std::getenv("CAIRN_RANDOM_SEED");
  const uint64_t seed = seed_text != nullptr ? std::strtoull(seed_text, nullptr, 10) : 20261126;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  std::map<std::string, std::vector<v1::Lesson>> lessons;  // by origin, as last written
  for (int op = 0; op < 60; ++op) {
    const std::string& org = orgs[pick(orgs.size())];
    auto editor = federation.Editor(org);
    std::vector<v1::Lesson>& own = lessons[org];
    int kind = own.empty() ? 0 : static_cast<int>(pick(5));
    if (kind == 0) {
      own.push_back(*editor->Create(Draft(org + " lesson " + std::to_string(op),
                                          markings[pick(markings.size())])));
    } else if (kind == 4) {
      std::set<v1::TlpMarking> chosen;
      for (v1::TlpMarking marking : shareable) {
        if (pick(2)) chosen.insert(marking);
      }
      const std::string& receiver = orgs[(std::find(orgs.begin(), orgs.end(), org) - orgs.begin() +
                                          1 + pick(2)) % orgs.size()];
      set_policy(org, receiver, chosen);
    } else {
      v1::Lesson& lesson = own[pick(own.size())];
      if (lesson.status() == v1::RETRACTED) continue;
      absl::StatusOr<v1::Lesson> changed;
      if (kind == 1) {
        lesson.set_title(lesson.title() + " (edited)");
        changed = editor->Update(lesson);
      } else if (kind == 2) {
        lesson.set_marking(markings[pick(markings.size())]);
        changed = editor->Update(lesson);
      } else {
        changed = editor->Retract(lesson.id(), "random retraction");
      }
      ASSERT_TRUE(changed.ok()) << changed.status();
      lesson = *changed;
    }
    if (pick(3) == 0) absl::SleepFor(absl::Milliseconds(pick(50)));
  }

  // The oracle: holds[node] = lesson id -> version.
  std::map<std::string, Holdings> holds;
  std::map<std::string, v1::Lesson> by_id;
  for (const auto& [origin, own] : lessons) {
    for (const v1::Lesson& lesson : own) by_id[lesson.id()] = lesson;
  }
  auto allows = [&](const std::string& sender, const std::string& receiver, v1::TlpMarking m) {
    auto it = allowed.find({sender, receiver});
    return it != allowed.end() && it->second.contains(m);
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, lesson] : by_id) {
      if (lesson.status() == v1::RETRACTED || lesson.marking() == v1::TLP_RED) continue;
      for (const std::string& receiver : orgs) {
        if (receiver == lesson.origin_org() || holds[receiver].contains(id)) continue;
        bool reaches = allows(lesson.origin_org(), receiver, lesson.marking());
        bool relayable = lesson.marking() == v1::TLP_GREEN || lesson.marking() == v1::TLP_CLEAR;
        for (const std::string& relay : orgs) {
          if (reaches || !relayable) break;
          reaches = relay != receiver && relay != lesson.origin_org() &&
                    holds[relay].contains(id) && allows(relay, receiver, lesson.marking());
        }
        if (reaches) {
          holds[receiver][id] = lesson.version();
          changed = true;
        }
      }
    }
  }
  for (const std::string& holder : orgs) {
    for (const std::string& origin : orgs) {
      if (holder == origin) continue;
      Holdings expected;
      for (const auto& [id, version] : holds[holder]) {
        if (by_id[id].origin_org() == origin) expected[id] = version;
      }
      EXPECT_TRUE(federation.Settles(holder, origin, expected, absl::Seconds(30)));
      if (getenv("CAIRN_DEBUG_RANDOM") == nullptr) continue;
      for (const auto& [id, version] : federation.Held(holder, origin)) {
        if (expected.contains(id)) continue;
        std::cerr << holder << " holds " << id << "@" << version << " marking "
                  << v1::TlpMarking_Name(by_id[id].marking()) << " status "
                  << v1::LessonStatus_Name(by_id[id].status()) << "\n";
        for (const std::string& relay : orgs) {
          if (relay == holder) continue;
          auto why = federation.Admin(relay)->Explain(id, holder);
          std::cerr << "  explain at " << relay << ": "
                    << (why.ok() ? why->ShortDebugString() : why.status().ToString()) << "\n";
        }
      }
    }
  }
}

TEST(ReplicationTest, AFourNodeCycleConvergesAndGoesQuiet) {
  std::vector<std::string> ring = {"north-council", "east-police", "south-nhs", "west-fire"};
  Federation federation(ring);
  for (size_t i = 0; i < ring.size(); ++i) {
    federation.Link(ring[i], ring[(i + 1) % ring.size()], kGreenAndClear);
  }
  std::map<std::string, v1::Lesson> written;
  for (const std::string& org : ring) {
    written[org] = *federation.Editor(org)->Create(Draft("From " + org, v1::TLP_CLEAR));
  }
  for (const std::string& holder : ring) {
    for (const std::string& origin : ring) {
      if (holder == origin) continue;
      ASSERT_TRUE(federation.Settles(holder, origin, {{written[origin].id(), 1}}));
    }
  }
  // Quiet: no node sends anything more, however long we wait (heartbeats are not audited). The
  // newest "replication.sent" event of each node must stay the same.
  auto sent_events = [&] {
    std::vector<uint64_t> newest;
    for (const std::string& org : ring) {
      v1::ListAuditRequest sent;
      sent.set_action("replication.sent");
      sent.set_page_size(1);
      auto events = federation.Admin(org)->ListAudit(sent);
      newest.push_back(events.ok() && events->events_size() > 0 ? events->events(0).sequence() : 0);
    }
    return newest;
  };
  absl::SleepFor(absl::Seconds(1));
  std::vector<uint64_t> settled = sent_events();
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(sent_events(), settled);
  for (const std::string& org : ring) {
    auto status = federation.Admin(org)->ReplicationStatus();
    ASSERT_EQ(status->peers_size(), 1);
    EXPECT_EQ(status->peers(0).lag_changes(), 0u) << org;
  }
}

}  // namespace
}  // namespace cairn
