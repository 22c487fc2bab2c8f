// The groups of equivalent terms a node's admins add to the shipped cross-sector vocabulary,
// against a real cairnd: over gRPC, the web console's API and the CLI; only admins; audited;
// kept across restarts and crashes.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cairn/v1/console.pb.h"
#include "client/admin_client.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "node/search/node_vocabulary.h"
#include "node/storage/store.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/console_client.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace cairn {
namespace {

using testing::CairndProcess;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::NodeSpec;

constexpr char kGroups[] =
    "# Leeds: words our partners use\n"
    "jesip, joint emergency services interoperability\n"
    "llpg, local land and property gazetteer, address gazetteer\n";
// The second group has one term only.
constexpr char kBadGroups[] =
    "jesip, joint working\n"
    "\n"
    "gazetteer\n";

class VocabularyAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_.EnableConsole();
    ASSERT_TRUE(node_.Start().ok()) << node_.log();
    admin_ = Admin("ada");
  }

  std::unique_ptr<client::AdminClient> Admin(const std::string& user) {
    auto admin = client::AdminClient::Connect(node_.ConnectionFor(user));
    EXPECT_TRUE(admin.ok()) << admin.status();
    return *std::move(admin);
  }

  // Runs `cairn` as `user`, with `stdin_file` (if any) as its standard input.
  testing::CommandResult Cairn(const std::string& user, std::vector<std::string> args,
                               const std::string& stdin_file = "") {
    return node_.RunCli(user, std::move(args), stdin_file);
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::vector<v1::AuditEvent> VocabularyEvents() {
    v1::ListAuditRequest request;
    request.set_action("vocabulary.set");
    auto events = admin_->ListAudit(request);
    EXPECT_TRUE(events.ok()) << events.status();
    return {events->events().begin(), events->events().end()};
  }

  testing::TempDir dir_;
  CairndProcess node_{NodeSpec{}};
  std::unique_ptr<client::AdminClient> admin_;
};

TEST_F(VocabularyAdminTest, AnAdminsGroupsAreReadBackAndOutliveARestartAndACrash) {
  auto fresh = admin_->GetVocabulary();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_THAT(fresh->admin_text(), IsEmpty());
  EXPECT_EQ(fresh->admin_group_count(), 0u);
  EXPECT_GE(fresh->shipped_group_count(), 100u);
  EXPECT_THAT(fresh->shipped_text(), HasSubstr("tablet, mobile data terminal"));
  EXPECT_FALSE(fresh->has_problem());

  auto set = admin_->SetVocabulary(kGroups);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->admin_group_count(), 2u);
  EXPECT_EQ(set->shipped_group_count(), fresh->shipped_group_count());
  auto got = admin_->GetVocabulary();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->admin_text(), kGroups);
  EXPECT_EQ(got->admin_group_count(), 2u);

  admin_.reset();
  ASSERT_TRUE(node_.Stop().ok()) << node_.log();
  ASSERT_TRUE(node_.Start().ok()) << node_.log();
  admin_ = Admin("ada");
  got = admin_->GetVocabulary();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->admin_text(), kGroups);
  EXPECT_EQ(got->admin_group_count(), 2u);

  // Acknowledged means durable: a set just before a SIGKILL is there after it.
  ASSERT_TRUE(admin_->SetVocabulary("mdt, slate\n").ok());
  admin_.reset();
  node_.Kill();
  ASSERT_TRUE(node_.Start().ok()) << node_.log();
  admin_ = Admin("ada");
  got = admin_->GetVocabulary();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->admin_text(), "mdt, slate\n");
  EXPECT_EQ(got->admin_group_count(), 1u);
}

TEST_F(VocabularyAdminTest, OnlyAdminsReadOrChangeTheVocabulary) {
  for (const auto& [user, role] : {std::pair{"alice", "editor"}, std::pair{"bob", "analyst"}}) {
    auto client = Admin(user);
    auto set = client->SetVocabulary(kGroups);
    EXPECT_EQ(set.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(set.status().message(), absl::StrCat("user ", user, " has role ", role,
                                                   "; setting the vocabulary needs admin"));
    auto get = client->GetVocabulary();
    EXPECT_EQ(get.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_THAT(get.status().message(), HasSubstr("reading the vocabulary needs admin"));
  }
  EXPECT_EQ(admin_->GetVocabulary()->admin_group_count(), 0u);
  EXPECT_THAT(VocabularyEvents(), IsEmpty());
}

TEST_F(VocabularyAdminTest, ABadLineOrAnOversizedTextIsNamedAndChangesNothing) {
  ASSERT_TRUE(admin_->SetVocabulary(kGroups).ok());
  auto bad = admin_->SetVocabulary(kBadGroups);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "vocabulary line 3: a group needs two or more different terms");

  std::string huge;
  while (huge.size() <= 1024 * 1024) huge += "tablet, slate\n";
  auto oversized = admin_->SetVocabulary(huge);
  EXPECT_EQ(oversized.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(oversized.status().message(),
              HasSubstr(absl::StrCat("text: ", huge.size(), " bytes is over the limit")));

  auto got = admin_->GetVocabulary();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->admin_text(), kGroups);
  EXPECT_EQ(got->admin_group_count(), 2u);
  EXPECT_EQ(VocabularyEvents().size(), 1u);
}

TEST_F(VocabularyAdminTest, EachSetIsAuditedWithTheAdminAsActor) {
  ASSERT_TRUE(admin_->SetVocabulary(kGroups).ok());
  ASSERT_TRUE(admin_->SetVocabulary("").ok());  // removes the admins' groups
  std::vector<v1::AuditEvent> events = VocabularyEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].actor(), "user ada");
  EXPECT_EQ(events[0].detail(), "0 groups, 0 bytes");
  EXPECT_EQ(events[1].actor(), "user ada");
  EXPECT_EQ(events[1].detail(), absl::StrCat("2 groups, ", sizeof(kGroups) - 1, " bytes"));
  EXPECT_EQ(admin_->GetVocabulary()->admin_group_count(), 0u);
}

TEST_F(VocabularyAdminTest, StoredGroupsALaterCairndRefusesLeaveItServingAndSayWhy) {
  admin_.reset();
  ASSERT_TRUE(node_.Stop().ok()) << node_.log();
  {
    // As a cairnd with looser limits might have stored them.
    auto store = Store::Open(node_.data_dir());
    ASSERT_TRUE(store.ok()) << store.status();
    StoreBatch batch;
    batch.PutMeta(std::string(search::kVocabularyMetaKey), "jesip, joint working\nlonely\n");
    ASSERT_TRUE((*store)->Commit(batch).ok());
  }
  ASSERT_TRUE(node_.Start().ok()) << node_.log();
  EXPECT_THAT(node_.log(), HasSubstr("level=warning msg=\"the stored vocabulary no longer parses"));
  admin_ = Admin("ada");
  auto got = admin_->GetVocabulary();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT(got->problem(), HasSubstr("vocabulary line 2: a group needs two or more"));
  EXPECT_EQ(got->admin_text(), "jesip, joint working\nlonely\n");
  EXPECT_EQ(got->admin_group_count(), 0u);
  auto warned = Cairn("ada", {"vocabulary", "get"});
  ASSERT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_THAT(warned.err, HasSubstr("cairn: warning: the stored vocabulary no longer parses"));
  // Setting good groups clears it.
  ASSERT_TRUE(admin_->SetVocabulary("jesip, joint working\n").ok());
  EXPECT_FALSE(admin_->GetVocabulary()->has_problem());
}

TEST_F(VocabularyAdminTest, TheConsoleApiIsTheGrpcApi) {
  testing::TestPki& pki = testing::TestPki::Shared();
  testing::ConsoleClient ada(node_.console_url(), pki.User("leeds-council", "ada"), pki.ca_file());
  testing::HttpReply set =
      ada.Call("cairn.v1.AdminService/SetVocabulary", R"({"text":"jesip, joint working\n"})");
  ASSERT_EQ(set.status, 200) << set.error << set.body;
  testing::HttpReply got = ada.Call("cairn.v1.AdminService/GetVocabulary", "{}");
  ASSERT_EQ(got.status, 200) << got.error << got.body;
  v1::GetVocabularyResponse vocabulary;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(got.body, &vocabulary).ok()) << got.body;
  EXPECT_EQ(vocabulary.admin_text(), "jesip, joint working\n");
  EXPECT_EQ(vocabulary.admin_group_count(), 1u);

  testing::HttpReply bad = ada.Call("cairn.v1.AdminService/SetVocabulary", R"({"text":"jesip\n"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("vocabulary line 1"));
  testing::ConsoleClient bob(node_.console_url(), pki.User("leeds-council", "bob"), pki.ca_file());
  testing::HttpReply refused = bob.Call("cairn.v1.AdminService/GetVocabulary", "{}");
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(refused.body, HasSubstr("reading the vocabulary needs admin"));
}

TEST_F(VocabularyAdminTest, CliSetsFromAFileOrStdinAndGetsWhatCanBeSetAgain) {
  auto set = Cairn("ada", {"vocabulary", "set", WriteFile("groups.txt", kGroups)});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  uint64_t shipped = admin_->GetVocabulary()->shipped_group_count();
  EXPECT_EQ(set.out,
            absl::StrCat("the vocabulary now has 2 groups added by this node's admins, and ",
                         shipped, " shipped\n"));

  auto got = Cairn("ada", {"vocabulary", "get"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(got.out, kGroups);
  EXPECT_EQ(got.err, absl::StrCat("cairn: 2 groups added by this node's admins, searched with the ",
                                  shipped, " shipped ones (cairn vocabulary get --shipped)\n"));
  // What get prints is a file set takes again, from standard input, unchanged.
  auto again = Cairn("ada", {"vocabulary", "set", "-"}, WriteFile("got.txt", got.out));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("now has 2 groups"));
  EXPECT_EQ(admin_->GetVocabulary()->admin_text(), kGroups);

  auto shipped_out = Cairn("ada", {"vocabulary", "get", "--shipped"});
  ASSERT_EQ(shipped_out.exit_code, 0) << shipped_out.err;
  EXPECT_EQ(shipped_out.out, admin_->GetVocabulary()->shipped_text());
  EXPECT_THAT(shipped_out.out, HasSubstr("\ntablet, mobile data terminal, mdt"));
  EXPECT_EQ(shipped_out.err, absl::StrCat("cairn: the shipped vocabulary: ", shipped,
                                          " groups, built into cairnd\n"));

  auto bad = Cairn("ada", {"vocabulary", "set", "-"}, WriteFile("bad.txt", kBadGroups));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err,
            "cairn: invalid argument: vocabulary line 3: a group needs two or more different "
            "terms\n");
  auto missing = Cairn("ada", {"vocabulary", "set", dir_.path() + "/no-such-file"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("cannot read " + dir_.path() + "/no-such-file"));
  auto refused = Cairn("bob", {"vocabulary", "get"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("cairn: permission denied: user bob has role analyst"));
  auto no_file = Cairn("ada", {"vocabulary", "set"});
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_EQ(VocabularyEvents().size(), 2u);  // the two sets that succeeded
}

}  // namespace
}  // namespace cairn
