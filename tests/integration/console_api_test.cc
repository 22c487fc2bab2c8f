// The web console's HTTPS side against a real cairnd: who gets a page, the JSON API being the
// gRPC API (same rules, same errors), and the defences a browser needs (CSP, CSRF).
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cairn/v1/console.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/console_client.h"
#include "tests/support/fake_peer.h"
#include "tests/support/federation.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace cairn {
namespace {

using testing::ConsoleClient;
using testing::Federation;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::HttpReply;
using ::testing::StartsWith;
using testing::TestPki;

constexpr char kCreate[] = "cairn.v1.LessonService/CreateLesson";
constexpr char kDraftJson[] =
    R"({"lesson":{"title":"Lock down tablet Wi-Fi","marking":"TLP_GREEN","topics":["wifi"]}})";

// Councils with the console on.
void WithConsole(v1::NodeConfig* config) {
  config->mutable_console()->set_listen_address("127.0.0.1:0");
  config->mutable_tls()->set_refresh_interval_seconds(1);
}

class ConsoleApiTest : public ::testing::Test {
 protected:
  ConsoleApiTest() : federation_({"leeds-council"}, &pki_, WithConsole) {}

  ConsoleClient As(const std::string& user) {
    return ConsoleClient(url(), pki_.User("leeds-council", user), pki_.ca_file());
  }
  std::string url() { return federation_.node("leeds-council").console_url(); }
  // The lessons the council holds, by gRPC.
  int LessonCount() {
    auto listed = federation_.node("leeds-council").ClientFor("bob")->List({});
    return listed.ok() ? listed->lessons_size() : -1;
  }

  TestPki pki_;
  Federation federation_;
};

template <typename Message>
Message FromJson(const std::string& json) {
  Message message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &message).ok()) << json;
  return message;
}

TEST_F(ConsoleApiTest, AUserGetsPagesAndTheJsonApiIsTheGrpcApi) {
  ConsoleClient alice = As("alice");
  HttpReply page = alice.Get("/");
  ASSERT_EQ(page.status, 200) << page.error << page.body;
  EXPECT_THAT(page.headers["content-type"], StartsWith("text/html"));
  EXPECT_EQ(alice.Get("/assets/cairn.css").status, 200);

  HttpReply created = alice.Call(kCreate, kDraftJson);
  ASSERT_EQ(created.status, 200) << created.body;
  v1::Lesson lesson = FromJson<v1::Lesson>(created.body);
  EXPECT_EQ(lesson.origin_org(), "leeds-council");
  // What the console stored is what gRPC reads.
  auto read = federation_.node("leeds-council").ClientFor("bob")->Get(lesson.id());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->title(), "Lock down tablet Wi-Fi");

  HttpReply got = As("bob").Call("cairn.v1.LessonService/GetLesson",
                                 absl::StrCat(R"({"id":")", lesson.id(), R"("})"));
  ASSERT_EQ(got.status, 200) << got.body;
  v1::Lesson fetched = FromJson<v1::Lesson>(got.body);
  EXPECT_EQ(fetched.version(), 1u);
  EXPECT_EQ(fetched.provenance().signature(), read->provenance().signature());

  // The lesson's history, read by the console and by gRPC alike.
  HttpReply history = As("bob").Call("cairn.v1.LessonService/GetLessonHistory",
                                     absl::StrCat(R"({"id":")", lesson.id(), R"("})"));
  ASSERT_EQ(history.status, 200) << history.body;
  v1::LessonHistory events = FromJson<v1::LessonHistory>(history.body);
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).version(), 1u);
  EXPECT_EQ(events.events(0).kind(), v1::Change::UPSERT);
  auto by_grpc = federation_.node("leeds-council").ClientFor("bob")->History(lesson.id());
  ASSERT_TRUE(by_grpc.ok()) << by_grpc.status();
  EXPECT_EQ(by_grpc->SerializeAsString(), events.SerializeAsString());

  HttpReply session = As("bob").Call("console/Session", "{}");
  ASSERT_EQ(session.status, 200) << session.body;
  v1::ConsoleSession who = FromJson<v1::ConsoleSession>(session.body);
  EXPECT_EQ(who.user(), "bob");
  EXPECT_EQ(who.role(), v1::ANALYST);
  EXPECT_EQ(who.org_id(), "leeds-council");
}

TEST_F(ConsoleApiTest, ErrorsAreTheGrpcApisWithTheirFieldAndAnHttpStatus) {
  // A lesson with no title: the same message as over gRPC, naming the field.
  v1::Lesson untitled;
  untitled.set_summary("Batteries run down");
  absl::Status grpc_error = federation_.Editor("leeds-council")->Create(untitled).status();
  HttpReply refused = As("alice").Call(kCreate, R"({"lesson":{"summary":"Batteries run down"}})");
  EXPECT_EQ(refused.status, 400);
  auto error = FromJson<v1::ConsoleError>(refused.body);
  EXPECT_EQ(error.code(), "INVALID_ARGUMENT");
  EXPECT_EQ(error.message(), grpc_error.message());
  EXPECT_EQ(error.field(), "lesson.title");

  // Roles as in gRPC: an analyst may not record or administer.
  HttpReply not_editor = As("bob").Call(kCreate, kDraftJson);
  EXPECT_EQ(not_editor.status, 403);
  EXPECT_THAT(not_editor.body, HasSubstr("creating a lesson needs editor"));
  HttpReply not_admin = As("alice").Call("cairn.v1.AdminService/ListPeers", "{}");
  EXPECT_EQ(not_admin.status, 403);
  EXPECT_THAT(not_admin.body, HasSubstr("needs admin"));

  // An edit based on an old version.
  HttpReply created = As("alice").Call(kCreate, kDraftJson);
  v1::Lesson lesson = FromJson<v1::Lesson>(created.body);
  v1::UpdateLessonRequest edit;
  *edit.mutable_lesson() = lesson;
  edit.mutable_lesson()->set_summary("first edit");
  std::string edit_json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(edit, &edit_json).ok());
  EXPECT_EQ(As("alice").Call("cairn.v1.LessonService/UpdateLesson", edit_json).status, 200);
  HttpReply conflict = As("alice").Call("cairn.v1.LessonService/UpdateLesson", edit_json);
  EXPECT_EQ(conflict.status, 412) << conflict.body;
  EXPECT_EQ(FromJson<v1::ConsoleError>(conflict.body).code(), "FAILED_PRECONDITION");

  // Bodies that are not the request message.
  HttpReply garbled = As("alice").Call(kCreate, "{\"lesson\":");
  EXPECT_EQ(garbled.status, 400);
  EXPECT_THAT(garbled.body, HasSubstr("request body"));
  HttpReply unknown = As("alice").Call(kCreate, R"({"lesson":{"title":"x","colour":"red"}})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(As("alice").Call("cairn.v1.LessonService/DropEverything", "{}").status, 404);
  EXPECT_EQ(LessonCount(), 1);
}

TEST_F(ConsoleApiTest, FederatedSearchStreamsEachAnswerThenTheMergedResult) {
  ASSERT_EQ(As("alice").Call(kCreate, kDraftJson).status, 200);
  HttpReply streamed =
      As("bob").Call("cairn.v1.SearchService/FederatedSearch", R"({"query":"tablet"})");
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_THAT(streamed.headers["content-type"], StartsWith("application/x-ndjson"));
  std::vector<std::string> lines = absl::StrSplit(streamed.body, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << streamed.body;
  auto answer = FromJson<v1::FederatedSearchEvent>(lines[0]);
  EXPECT_EQ(answer.peer().outcome().state(), v1::PeerOutcome::OK);
  auto merged = FromJson<v1::FederatedSearchEvent>(lines[1]);
  ASSERT_EQ(merged.result().hits_size(), 1);
  EXPECT_EQ(merged.result().hits(0).hit().title(), "Lock down tablet Wi-Fi");

  HttpReply bad = As("bob").Call("cairn.v1.SearchService/FederatedSearch",
                                 R"({"query":"tablet","deadlineMs":99999999})");
  std::vector<std::string> error_lines = absl::StrSplit(bad.body, '\n', absl::SkipEmpty());
  ASSERT_EQ(error_lines.size(), 1u) << bad.body;
  EXPECT_THAT(error_lines[0], HasSubstr(R"("code":"INVALID_ARGUMENT")"));
}

TEST_F(ConsoleApiTest, AssetsAreRevalidatedNotResent) {
  ConsoleClient bob = As("bob");
  HttpReply css = bob.Get("/assets/cairn.css");
  ASSERT_EQ(css.status, 200) << css.error;
  EXPECT_THAT(css.headers["content-type"], StartsWith("text/css"));
  EXPECT_EQ(css.headers["cache-control"], "no-cache");
  const std::string etag = css.headers["etag"];
  ASSERT_FALSE(etag.empty());
  HttpReply current = bob.Get("/assets/cairn.css", {{"If-None-Match", etag}});
  EXPECT_EQ(current.status, 304);
  EXPECT_TRUE(current.body.empty());
  EXPECT_EQ(bob.Get("/assets/cairn.css", {{"If-None-Match", "\"0-0\""}}).status, 200);
  EXPECT_THAT(bob.Get("/assets/js/search.js").headers["content-type"],
              StartsWith("text/javascript"));
  // What the API answers is lessons: never kept in the browser's cache.
  EXPECT_EQ(bob.Call("console/Session", "{}").headers["cache-control"], "no-store");
  // No one else gets them.
  ConsoleClient stranger(url(), {}, pki_.ca_file());
  EXPECT_EQ(stranger.Get("/assets/cairn.css").status, 0);
}

// A console whose assets are a copy, beside a file the console must never serve.
TEST(ConsoleAssetsTest, NothingOutsideTheAssetsIsServed) {
  TestPki pki;
  testing::TempDir dir;
  std::filesystem::copy(CAIRN_CONSOLE_DIR, dir.path() + "/console",
                        std::filesystem::copy_options::recursive);
  testing::ReplaceFile(dir.path() + "/outside.css", "body { --secret: outside; }");
  testing::ReplaceFile(dir.path() + "/console/outside.css", "body { --secret: beside; }");
  Federation federation({"leeds-council"}, &pki, [&dir](v1::NodeConfig* config) {
    WithConsole(config);
    config->mutable_console()->set_assets_dir(dir.path() + "/console");
  });
  ConsoleClient bob(federation.node("leeds-council").console_url(),
                    pki.User("leeds-council", "bob"), pki.ca_file());
  ASSERT_EQ(bob.Get("/assets/cairn.css").status, 200);
  for (const std::string& path :
       {std::string("/assets/../outside.css"), std::string("/assets/../../outside.css"),
        std::string("/assets/%2e%2e/outside.css"), std::string("/assets/js/../../outside.css"),
        std::string("/assets/%2e%2e/%2e%2e/outside.css"), "/assets/" + dir.path() + "/outside.css",
        "/assets/%2f" + dir.path().substr(1) + "/outside.css", std::string("/assets/no-such.js"),
        std::string("/assets/js")}) {
    HttpReply reply = bob.Get(path);
    EXPECT_NE(reply.status, 200) << path;
    EXPECT_THAT(reply.body, Not(HasSubstr("--secret"))) << path;
  }
}

// Federated searches hold a console thread until every node answers or the deadline passes: a
// stalled peer must not let them take every thread.
TEST_F(ConsoleApiTest, FederatedSearchesTakeAtMostHalfTheConsolesThreads) {
  testing::StalledPeer stalled;
  testing::FakePeer stalled_server = testing::StartFakePeer("slow-coastguard", &stalled, pki_);
  ASSERT_NE(stalled_server.server, nullptr);
  v1::Peer coastguard;
  coastguard.set_org_id("slow-coastguard");
  coastguard.set_address(stalled_server.address);
  ASSERT_TRUE(federation_.Admin("leeds-council")->PutPeer(coastguard).ok());
  constexpr char kSlowSearch[] = R"({"query":"battery","deadlineMs":20000})";
  constexpr int kHeld = 4;  // half the console's 8 threads
  std::vector<ConsoleClient> browsers;  // made here: TestPki is for one thread
  for (int i = 0; i < kHeld; ++i) browsers.push_back(As("bob"));
  std::vector<std::thread> searches;
  std::vector<int> statuses(kHeld);
  for (int i = 0; i < kHeld; ++i) {
    searches.emplace_back([&, i] {
      statuses[i] =
          browsers[i].Call("cairn.v1.SearchService/FederatedSearch", kSlowSearch).status;
    });
  }
  absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (absl::Now() < give_up && stalled.queries() < kHeld) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(stalled.queries(), kHeld);
  HttpReply refused = As("bob").Call("cairn.v1.SearchService/FederatedSearch", kSlowSearch);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("already answering 4 federated searches"));
  // The rest of the console still serves.
  EXPECT_EQ(As("bob").Call("cairn.v1.SearchService/Search", R"({"query":"battery"})").status,
            200);
  stalled.Release();
  for (std::thread& search : searches) search.join();
  EXPECT_THAT(statuses, ::testing::Each(200));
  // Each finished search gave its place back.
  EXPECT_EQ(As("bob").Call("cairn.v1.SearchService/FederatedSearch", kSlowSearch).status, 200);
}

TEST_F(ConsoleApiTest, EveryResponseCarriesAStrictContentSecurityPolicy) {
  ConsoleClient bob = As("bob");
  for (const HttpReply& reply :
       {bob.Get("/"), bob.Get("/lesson"), bob.Get("/assets/cairn.css"), bob.Get("/no-such-page"),
        bob.Call("console/Session", "{}"), bob.Call(kCreate, kDraftJson)}) {
    const std::string& csp = reply.headers.at("content-security-policy");
    EXPECT_THAT(csp, HasSubstr("default-src 'none'"));
    EXPECT_THAT(csp, HasSubstr("script-src 'self'"));
    EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
    EXPECT_EQ(reply.headers.at("x-content-type-options"), "nosniff");
  }
}

// Browsers send client certificates on cross-site requests too: a page elsewhere could make an
// editor's browser post to the console. Such requests change nothing.
TEST_F(ConsoleApiTest, ACrossSiteRequestIsRefusedAndChangesNothing) {
  ConsoleClient alice = As("alice");
  const std::string path = absl::StrCat("/api/", kCreate);
  // What a cross-site HTML form can send: no custom header, a "simple" content type.
  HttpReply form = alice.Post(path, kDraftJson,
                              {{"Content-Type", "text/plain"},
                               {"Origin", "https://attacker.example"},
                               {"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(form.status, 403) << form.body;
  // Without the console's header, even from our own origin.
  EXPECT_EQ(alice.Post(path, kDraftJson, {}).status, 403);
  // With the header but from another origin (a browser would have asked first, and been told no).
  HttpReply other = alice.Post(path, kDraftJson,
                               {{"X-Cairn-Console", "1"}, {"Origin", "https://attacker.example"}});
  EXPECT_EQ(other.status, 403);
  EXPECT_THAT(other.body, HasSubstr("attacker.example"));
  HttpReply cross =
      alice.Post(path, kDraftJson, {{"X-Cairn-Console", "1"}, {"Sec-Fetch-Site", "same-site"}});
  EXPECT_EQ(cross.status, 403);
  // The preflight a browser sends before a cross-site call with a custom header.
  EXPECT_EQ(alice.Post(path, "", {{"Origin", "https://attacker.example"}}).status, 403);
  EXPECT_EQ(LessonCount(), 0);
  // Our own pages' calls pass.
  EXPECT_EQ(
      alice
          .Post(path, kDraftJson,
                {{"X-Cairn-Console", "1"}, {"Origin", url()}, {"Sec-Fetch-Site", "same-origin"}})
          .status,
      200);
  EXPECT_EQ(LessonCount(), 1);
}

TEST_F(ConsoleApiTest, OnlyUsersOfThisOrganisationGetAnything) {
  // No certificate: the handshake fails.
  ConsoleClient anonymous(url(), {}, pki_.ca_file());
  HttpReply none = anonymous.Get("/");
  EXPECT_EQ(none.status, 0) << none.body;
  // A peer node's certificate (of a configured peer, which gRPC admits), and another
  // organisation's user: no page, no asset, no API.
  v1::Peer police;
  police.set_org_id("west-police");
  police.set_may_query(true);
  ASSERT_TRUE(federation_.Admin("leeds-council")->PutPeer(police).ok());
  ConsoleClient police_node(url(), pki_.Node("west-police"), pki_.ca_file());
  ConsoleClient police_user(url(), pki_.User("west-police", "pc-jones"), pki_.ca_file());
  for (ConsoleClient* outsider : {&police_node, &police_user}) {
    EXPECT_EQ(outsider->Get("/").status, 403);
    EXPECT_EQ(outsider->Get("/assets/cairn.css").status, 403);
    EXPECT_EQ(outsider->Call(kCreate, kDraftJson).status, 403);
  }
  EXPECT_THAT(police_node.Get("/").body,
              HasSubstr("the console is for the users of leeds-council, not peer west-police"));
  // A user of the council not in its config.
  EXPECT_EQ(As("mallory").Get("/").status, 403);
  // A certificate from a CA outside the federation's bundle: the handshake fails.
  TestPki stranger("test-fed");
  ConsoleClient forged(url(), stranger.User("leeds-council", "alice"), pki_.ca_file());
  EXPECT_EQ(forged.Get("/").status, 0);
  EXPECT_EQ(LessonCount(), 0);
}

TEST(ConsoleTrustTest, ACaAddedToTheBundleIsOfferedToBrowsersWithoutARestart) {
  TestPki pki;
  TestPki health_ca(pki.federation());  // the council's users move to a second CA
  testing::TempDir dir;
  const std::string bundle = dir.path() + "/bundle.pem";
  testing::ReplaceFile(bundle, testing::ReadFileToString(pki.ca_file()));
  Federation federation({"leeds-council"}, &pki, [&bundle](v1::NodeConfig* config) {
    WithConsole(config);
    config->mutable_tls()->set_trust_bundle_file(bundle);
  });
  const std::string url = federation.node("leeds-council").console_url();
  ASSERT_EQ(testing::AdvertisedIssuers(url).size(), 1u);
  testing::ReplaceFile(bundle, testing::ReadFileToString(pki.ca_file()) +
                                   testing::ReadFileToString(health_ca.ca_file()));
  // A browser offers only certificates from the CAs the server names: the new one must be named.
  absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (absl::Now() < give_up && testing::AdvertisedIssuers(url).size() != 2) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(testing::AdvertisedIssuers(url).size(), 2u);
  ConsoleClient moved(url, health_ca.User("leeds-council", "alice"), pki.ca_file());
  EXPECT_EQ(moved.Get("/").status, 200);
}

TEST(ConsoleRevocationTest, ARevokedUserGetsNoPageWithoutARestart) {
  TestPki pki;
  pki.WriteCrl();
  Federation federation({"leeds-council"}, &pki, [&pki](v1::NodeConfig* config) {
    WithConsole(config);
    config->mutable_tls()->set_crl_file(pki.crl_file());
  });
  const std::string url = federation.node("leeds-council").console_url();
  ConsoleClient alice(url, pki.User("leeds-council", "alice"), pki.ca_file());
  ASSERT_EQ(alice.Get("/").status, 200);
  pki.Revoke("leeds-council/alice", "affiliationChanged");
  pki.WriteCrl();
  absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (absl::Now() < give_up &&
         ConsoleClient(url, pki.User("leeds-council", "alice"), pki.ca_file()).Get("/").status ==
             200) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  HttpReply refused =
      ConsoleClient(url, pki.User("leeds-council", "alice"), pki.ca_file()).Get("/");
  EXPECT_EQ(refused.status, 0) << "a revoked certificate got " << refused.status;
  ConsoleClient bob(url, pki.User("leeds-council", "bob"), pki.ca_file());
  EXPECT_EQ(bob.Get("/").status, 200);
}

}  // namespace
}  // namespace cairn
