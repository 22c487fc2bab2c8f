// AdminService and the admin CLI against a real cairnd: peers, sharing policy, explain, preview,
// the export view and the audit log.
#include <fstream>

#include "client/admin_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/run_command.h"

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::CairndProcess;
using testing::NodeSpec;

constexpr char kGreenWirelessPolicy[] = R"(
export {
  markings: [TLP_GREEN, TLP_CLEAR]
  include_topics: ["wireless"]
  scrub_personal_data: true
}
)";

v1::Lesson Draft(const std::string& title, v1::TlpMarking marking, const std::string& topic) {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.set_summary("Ask it-security@leeds.example for the VPN profile");
  lesson.add_topics(topic);
  lesson.set_marking(marking);
  lesson.mutable_local()->set_contact("Amira, ext 4021");
  return lesson;
}

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(node_.Start().ok()) << node_.log();
    admin_ = Admin("ada");
    auto alice = node_.ClientFor("alice");
    green_ = *alice->Create(Draft("Lock down tablet Wi-Fi", v1::TLP_GREEN, "wireless"));
    amber_ = *alice->Create(Draft("Radio batteries die on nights", v1::TLP_AMBER, "wireless"));
    red_ = *alice->Create(Draft("Internal: named teams", v1::TLP_RED, "wireless"));
    other_ = *alice->Create(Draft("Label the chargers", v1::TLP_GREEN, "device-care"));
  }

  std::unique_ptr<client::AdminClient> Admin(const std::string& user) {
    auto admin = client::AdminClient::Connect(node_.ConnectionFor(user));
    EXPECT_TRUE(admin.ok());
    return *std::move(admin);
  }

  // Lets west-police pull, so the policy is what decides.
  void OpenToPolice() {
    v1::Peer peer;
    peer.set_org_id("west-police");
    peer.set_sector("policing");
    peer.set_may_pull(true);
    ASSERT_TRUE(admin_->PutPeer(peer).ok());
  }

  CairndProcess node_{NodeSpec{.peers = {"west-police"}}};
  std::unique_ptr<client::AdminClient> admin_;
  v1::Lesson green_, amber_, red_, other_;
};

TEST_F(AdminApiTest, ExplainNamesTheRuleThatDecides) {
  // Seeded from the config: known, but not yet allowed to pull.
  auto decision = admin_->Explain(green_.id(), "west-police");
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_FALSE(decision->allowed());
  EXPECT_EQ(decision->rule(), "peer.may_pull");

  OpenToPolice();
  decision = admin_->Explain(green_.id(), "west-police");
  EXPECT_EQ(decision->rule(), "policy");  // default deny: no policy yet

  ASSERT_TRUE(admin_->SetPolicyText("west-police", kGreenWirelessPolicy).ok());
  decision = admin_->Explain(green_.id(), "west-police");
  EXPECT_TRUE(decision->allowed());
  EXPECT_EQ(decision->rule(), "export.markings");
  EXPECT_THAT(decision->explanation(), HasSubstr("topic 'wireless' is in export.include_topics"));

  EXPECT_EQ(admin_->Explain(amber_.id(), "west-police")->rule(), "export.markings");
  EXPECT_EQ(admin_->Explain(red_.id(), "west-police")->rule(), "marking");
  EXPECT_EQ(admin_->Explain(other_.id(), "west-police")->rule(), "export.include_topics");
  EXPECT_EQ(admin_->Explain(green_.id(), "north-nhs").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AdminApiTest, PreviewComparesTheDraftWithTheCurrentPolicy) {
  OpenToPolice();
  ASSERT_TRUE(admin_->SetPolicyText("west-police", kGreenWirelessPolicy).ok());
  auto wider = admin_->PreviewText(
      "west-police", "export { markings: [TLP_AMBER, TLP_GREEN] include_topics: [\"wireless\"] }", 5);
  ASSERT_TRUE(wider.ok()) << wider.status();
  EXPECT_EQ(wider->current_count(), 1u);
  EXPECT_EQ(wider->lesson_count(), 2u);
  EXPECT_THAT(wider->added_ids(), ElementsAre(amber_.id()));
  EXPECT_EQ(wider->withdrawn_count(), 0u);
  ASSERT_EQ(wider->sample_size(), 2);
  for (const v1::Lesson& lesson : wider->sample()) EXPECT_FALSE(lesson.has_local());

  auto narrower = admin_->PreviewText("west-police", "export { markings: [TLP_CLEAR] }", 5);
  ASSERT_TRUE(narrower.ok()) << narrower.status();
  EXPECT_EQ(narrower->lesson_count(), 0u);
  EXPECT_THAT(narrower->withdrawn_ids(), ElementsAre(green_.id()));
  // A preview changes nothing.
  EXPECT_EQ(admin_->GetPolicy("west-police", 0)->version(), 1u);
}

TEST_F(AdminApiTest, ExportViewIsWhatThePeerWouldReceive) {
  OpenToPolice();
  ASSERT_TRUE(admin_->SetPolicyText("west-police", kGreenWirelessPolicy).ok());
  v1::ListExportViewRequest request;
  request.set_peer_org("west-police");
  auto view = admin_->ListExportView(request);
  ASSERT_TRUE(view.ok()) << view.status();
  ASSERT_EQ(view->lessons_size(), 1);
  const v1::Lesson& sent = view->lessons(0);
  EXPECT_EQ(sent.id(), green_.id());
  EXPECT_FALSE(sent.has_local());
  EXPECT_EQ(sent.summary(), "Ask [email removed] for the VPN profile");
}

TEST_F(AdminApiTest, BadPoliciesAndPeersNameTheProblemAndChangeNothing) {
  OpenToPolice();
  ASSERT_TRUE(admin_->SetPolicyText("west-police", kGreenWirelessPolicy).ok());
  struct Case {
    std::string text;
    std::string mention;
  };
  for (const Case& c : {
           Case{"export {\n  markings: [TLP_GREEN]\n  colour: \"blue\"\n}", "line 3"},
           Case{"export { markings: [TLP_PURPLE] }", "TLP_PURPLE"},
           Case{"export { markings: [TLP_RED] }", "policy.export.markings[0]"},
           Case{"export { markings: [TLP_GREEN] redact_fields: [\"title\"] }",
                "policy.export.redact_fields[0]"},
           Case{"export { markings: [TLP_GREEN] include_topics: [\"" + std::string(200, 'x') +
                    "\"] }",
                "policy.export.include_topics[0]"},
       }) {
    auto set = admin_->SetPolicyText("west-police", c.text);
    EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(set.status().message(), HasSubstr(c.mention)) << c.text;
  }
  std::string many = "export { markings: [TLP_GREEN] exclude_tags: [";
  for (int i = 0; i < 300; ++i) many += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
  auto huge = admin_->SetPolicyText("west-police", many + "] }");
  EXPECT_THAT(huge.status().message(), HasSubstr("policy.export.exclude_tags: 300 entries"));
  EXPECT_EQ(admin_->GetPolicy("west-police", 0)->version(), 1u);

  v1::Peer nameless;
  EXPECT_THAT(admin_->PutPeer(nameless).status().message(), HasSubstr("peer.org_id: is empty"));
  v1::Peer bad_id;
  bad_id.set_org_id("West Police");
  EXPECT_EQ(admin_->PutPeer(bad_id).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(admin_->SetPolicyText("north-nhs", kGreenWirelessPolicy).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(admin_->ListPeers()->peers_size(), 1);
}

TEST_F(AdminApiTest, OnlyAdminsChangeOrReadPeersAndPolicies) {
  for (const auto& [user, role] : {std::pair{"alice", "editor"}, std::pair{"bob", "analyst"}}) {
    auto client = Admin(user);
    v1::Peer peer;
    peer.set_org_id("north-nhs");
    auto put = client->PutPeer(peer);
    EXPECT_EQ(put.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(put.status().message(),
              absl::StrCat("user ", user, " has role ", role, "; adding a peer needs admin"));
    EXPECT_EQ(client->SetPolicyText("west-police", kGreenWirelessPolicy).status().code(),
              absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(client->RemovePeer("west-police").code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(client->ListAudit({}).status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(client->Explain(green_.id(), "west-police").status().code(),
              absl::StatusCode::kPermissionDenied);
  }
  EXPECT_EQ(admin_->ListPeers()->peers_size(), 1);
  EXPECT_EQ(admin_->GetPolicy("west-police", 0).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AdminApiTest, AuditRecordsWhoChangedWhatWithVersions) {
  OpenToPolice();
  ASSERT_TRUE(admin_->SetPolicyText("west-police", kGreenWirelessPolicy).ok());
  ASSERT_TRUE(admin_->SetPolicyText("west-police", "export { markings: [TLP_CLEAR] }").ok());
  v1::ListAuditRequest policy_changes;
  policy_changes.set_action("policy.set");
  auto events = admin_->ListAudit(policy_changes);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->events_size(), 2);
  EXPECT_EQ(events->events(0).actor(), "user ada");
  EXPECT_EQ(events->events(0).target(), "west-police");
  EXPECT_EQ(events->events(0).old_version(), 1u);
  EXPECT_EQ(events->events(0).new_version(), 2u);

  v1::ListAuditRequest by_alice;
  by_alice.set_actor("user alice");
  auto lessons = admin_->ListAudit(by_alice);
  ASSERT_EQ(lessons->events_size(), 4);
  for (const v1::AuditEvent& event : lessons->events()) EXPECT_EQ(event.action(), "lesson.create");

  v1::ListAuditRequest peers;
  peers.set_action("peer.");
  auto peer_events = admin_->ListAudit(peers);
  ASSERT_EQ(peer_events->events_size(), 2);
  EXPECT_EQ(peer_events->events(0).action(), "peer.update");
  EXPECT_EQ(peer_events->events(1).action(), "peer.add");
  EXPECT_EQ(peer_events->events(1).actor(), "config");
}

TEST_F(AdminApiTest, RemovedPeerIsRefusedAndStaysRemovedAcrossRestarts) {
  OpenToPolice();
  ASSERT_TRUE(admin_->SetPolicyText("west-police", kGreenWirelessPolicy).ok());
  ASSERT_TRUE(admin_->RemovePeer("west-police").ok());
  auto history = admin_->PolicyHistory("west-police");
  ASSERT_EQ(history->versions_size(), 2);
  EXPECT_EQ(history->versions(1).export_().markings_size(), 0);  // deny-all

  // Its node certificate is no longer accepted.
  client::ConnectionOptions as_peer = node_.ConnectionFor("bob");
  testing::CertPaths police = testing::TestPki::Shared().Node("west-police");
  as_peer.cert_file = police.cert;
  as_peer.key_file = police.key;
  auto peer_client = client::LessonClient::Connect(as_peer);
  auto refused = (*peer_client)->List({});
  EXPECT_THAT(refused.status().message(), HasSubstr("west-police is not a configured peer"));

  // The config still names it, but the store is the truth after the first start.
  admin_.reset();
  peer_client->reset();
  ASSERT_TRUE(node_.Stop().ok());
  ASSERT_TRUE(node_.Start().ok()) << node_.log();
  admin_ = Admin("ada");
  EXPECT_EQ(admin_->ListPeers()->peers_size(), 0);
  v1::Peer again;
  again.set_org_id("west-police");
  again.set_may_pull(true);
  ASSERT_TRUE(admin_->PutPeer(again).ok());
  // It starts from the deny-all policy its removal left.
  auto decision = admin_->Explain(green_.id(), "west-police");
  EXPECT_EQ(decision->rule(), "export.markings");
  EXPECT_THAT(decision->explanation(), HasSubstr("export.markings: none"));
}

TEST_F(AdminApiTest, CliShowsPolicyErrorsExplanationsAndAudit) {
  testing::TempDir dir;
  auto cairn = [&](std::vector<std::string> args) { return node_.RunCli("ada", std::move(args)); };
  auto added = cairn({"peer", "add", "west-police", "--may-pull", "yes", "--sector", "policing"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_THAT(added.out, HasSubstr("it may pull from us: yes"));

  std::string bad = dir.path() + "/bad.textproto";
  std::ofstream(bad) << "export {\n  markings: [TLP_GREEN]\n  colour: \"blue\"\n}\n";
  auto refused = cairn({"policy", "set", "--peer", "west-police", "--file", bad});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("invalid argument: policy: line 3, column 9"));

  std::string good = dir.path() + "/good.textproto";
  std::ofstream(good) << kGreenWirelessPolicy;
  auto set = cairn({"policy", "set", "--peer", "west-police", "--file", good});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(set.out, "policy for west-police is now version 1\n");

  auto explained = cairn({"policy", "explain", red_.id(), "--peer", "west-police"});
  ASSERT_EQ(explained.exit_code, 0) << explained.err;
  EXPECT_THAT(explained.out, HasSubstr("deny: lesson " + red_.id() + " would not go to west-police"));
  EXPECT_THAT(explained.out, HasSubstr("rule: marking"));

  auto shown = cairn({"policy", "show", "--peer", "west-police"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("# policy v1 for west-police, set by user ada"));
  EXPECT_THAT(shown.out, HasSubstr("markings: TLP_GREEN"));

  auto preview = cairn({"policy", "preview", "--peer", "west-police", "--file", good});
  ASSERT_EQ(preview.exit_code, 0) << preview.err;
  EXPECT_THAT(preview.out, HasSubstr("would receive 1 lessons (now 1): 0 added, 0 withdrawn"));

  auto audit = cairn({"audit", "--actor", "user ada"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("policy.set"));
  EXPECT_THAT(audit.out, HasSubstr("peer.update"));
  EXPECT_THAT(audit.out, ::testing::Not(HasSubstr("lesson.create")));
}

}  // namespace
}  // namespace cairn
