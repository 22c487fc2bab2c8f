// Adoption feedback across real cairnd processes: given at one organisation, signed by its node,
// delivered to the lesson's origin directly or through the node the copy came from (sealed, so
// that node cannot read it), surviving kill -9 on the way, the latest per organisation winning,
// and refused when the origin does not accept feedback from the giver.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cairn/v1/feedback.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/crypto/provenance.h"
#include "node/crypto/sealing.h"
#include "node/crypto/x509.h"
#include "server/security.h"
#include "tests/support/fake_peer.h"
#include "tests/support/federation.h"
#include "tests/support/run_command.h"

namespace cairn {
namespace {

using testing::CommandResult;
using testing::Federation;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCouncil[] = "leeds-council";
constexpr char kPolice[] = "west-police";
constexpr char kNhs[] = "leeds-nhs";
constexpr char kShareGreen[] = "export { markings: [TLP_GREEN] }";

v1::Lesson Draft(const std::string& title) {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.set_summary("Seen across the force");
  lesson.set_marking(v1::TLP_GREEN);
  lesson.set_status(v1::LESSON_LEARNED);
  return lesson;
}

// Runs `cli` at `node` as `user` until its output holds `wanted` (or a minute passes).
CommandResult Await(const testing::CairndProcess& node, const std::string& user,
                    const std::vector<std::string>& cli, const std::string& wanted) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  CommandResult result;
  do {
    result = node.RunCli(user, cli);
    if (result.out.find(wanted) != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < deadline);
  return result;
}

// Whether any file under `dir` holds `text`.
bool AnyFileHolds(const std::string& dir, const std::string& text) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    if (bytes.str().find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(FeedbackTest, OneHopReachesTheOriginAfterTheGiverIsKilledAndTheLatestWins) {
  Federation federation({kCouncil, kPolice});
  federation.Link(kPolice, kCouncil, kShareGreen);
  v1::Lesson lesson = *federation.Editor(kPolice)->Create(Draft("Radio batteries die in the cold"));
  ASSERT_TRUE(federation.Settles(kCouncil, kPolice, {{lesson.id(), 1}}));
  testing::CairndProcess& council = federation.node(kCouncil);
  testing::CairndProcess& police = federation.node(kPolice);

  // The police are down: the feedback waits at the council, which is then killed. (The police
  // come back at the address the council knows.)
  const std::string police_address = police.address();
  police.Kill();
  police.ListenOn(police_address);
  CommandResult given =
      council.RunCli("bob", {"feedback", "give", lesson.id(), "--adoption", "adopted", "--note",
                             "Spare batteries in every van since March"});
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_THAT(given.out, HasSubstr("on its way"));
  council.Kill();
  ASSERT_TRUE(police.Start().ok()) << police.log();
  ASSERT_TRUE(council.Start().ok()) << council.log();

  CommandResult shown = Await(police, "alice", {"feedback", "show", lesson.id()}, kCouncil);
  EXPECT_THAT(shown.out, HasSubstr("adopted by 1 organisations in 1 sectors"));
  EXPECT_THAT(shown.out, HasSubstr("Spare batteries in every van since March"));
  EXPECT_THAT(shown.out, HasSubstr("local-government"));
  EXPECT_THAT(Await(council, "bob", {"feedback", "show", lesson.id()}, "delivered").out,
              HasSubstr("delivered to west-police"));

  // A second word replaces the first: one row, the latest.
  ASSERT_EQ(council.RunCli("bob", {"feedback", "give", lesson.id(), "--adoption", "not-applicable"})
                .exit_code,
            0);
  shown = Await(police, "alice", {"feedback", "show", lesson.id()}, "adopted by 0 organisations");
  EXPECT_THAT(shown.out, HasSubstr("not applicable 1"));
  EXPECT_THAT(shown.out, Not(HasSubstr("Spare batteries")));
  // Feedback is for other organisations' lessons.
  EXPECT_THAT(
      police.RunCli("alice", {"feedback", "give", lesson.id(), "--adoption", "adopted"}).err,
      HasSubstr("lesson_id: " + lesson.id() + " is this organisation's own lesson"));
}

TEST(FeedbackTest, TwoHopsThroughTheMiddleNodeSealedAndSurvivingItsKillNine) {
  Federation federation({kCouncil, kPolice, kNhs}, &testing::TestPki::Shared(),
                        [](v1::NodeConfig* config) {
                          if (config->org_id() == kNhs) config->set_sector("health");
                        });
  // police -> council -> nhs: the NHS trust has no link to the police.
  federation.Link(kPolice, kCouncil, kShareGreen);
  federation.Link(kCouncil, kNhs, kShareGreen);
  v1::Lesson lesson = *federation.Editor(kPolice)->Create(Draft("Handsets overheat in cradles"));
  ASSERT_TRUE(federation.Settles(kNhs, kPolice, {{lesson.id(), 1}}));
  testing::CairndProcess& council = federation.node(kCouncil);
  testing::CairndProcess& police = federation.node(kPolice);
  testing::CairndProcess& nhs = federation.node(kNhs);

  // With the police down, the council takes the feedback to pass on, and is killed holding it.
  const std::string police_address = police.address();
  police.Kill();
  police.ListenOn(police_address);
  const std::string note = "Ward handsets now charge on open shelves";
  ASSERT_EQ(nhs.RunCli("bob", {"feedback", "give", lesson.id(), "--adoption", "adopted", "--note",
                               note, "--marking", "green"})
                .exit_code,
            0);
  EXPECT_THAT(Await(nhs, "bob", {"feedback", "show", lesson.id()}, "delivered").out,
              HasSubstr("delivered to leeds-council"));
  council.Kill();
  // What the council keeps, it cannot read.
  EXPECT_FALSE(AnyFileHolds(council.data_dir(), note));
  ASSERT_TRUE(police.Start().ok()) << police.log();
  ASSERT_TRUE(council.Start().ok()) << council.log();

  CommandResult shown = Await(police, "alice", {"feedback", "show", lesson.id()}, kNhs);
  EXPECT_THAT(shown.out, HasSubstr(note));
  EXPECT_THAT(shown.out, HasSubstr("health"));
  EXPECT_THAT(shown.out, HasSubstr("adopted by 1 organisations in 1 sectors"));
  EXPECT_THAT(shown.out, Not(HasSubstr(kCouncil)));  // the middle node gave none
}

TEST(FeedbackTest, AnOriginThatRefusesAGiverTellsItWhyAndAuditsTheRefusal) {
  Federation federation({kCouncil, kPolice});
  federation.Link(kPolice, kCouncil, kShareGreen);
  v1::Lesson lesson = *federation.Editor(kPolice)->Create(Draft("Charge radios at briefing"));
  ASSERT_TRUE(federation.Settles(kCouncil, kPolice, {{lesson.id(), 1}}));
  testing::CairndProcess& police = federation.node(kPolice);
  ASSERT_EQ(police.RunCli("ada", {"peer", "add", kCouncil, "--refuse-feedback", "yes"}).exit_code,
            0);
  testing::CairndProcess& council = federation.node(kCouncil);
  ASSERT_EQ(
      council.RunCli("bob", {"feedback", "give", lesson.id(), "--adoption", "helpful"}).exit_code,
      0);
  CommandResult shown = Await(council, "bob", {"feedback", "show", lesson.id()}, "refused");
  EXPECT_THAT(shown.out,
              HasSubstr("refused by west-police: west-police does not accept feedback from "
                        "leeds-council"));
  EXPECT_THAT(police.RunCli("alice", {"feedback", "show", lesson.id()}).out,
              HasSubstr("adopted by 0 organisations"));
  EXPECT_THAT(police.RunCli("ada", {"audit"}).out, HasSubstr("feedback.refuse"));
}

// The council holds no copy of the police's lesson, but a federated search showed it: feedback
// can be given on it from then on (sealed for the certificate that signed the hit).
TEST(FeedbackTest, FeedbackOnAFederatedHitThisNodeHoldsNoCopyOf) {
  Federation federation({kCouncil, kPolice});
  federation.AllowQueries(kPolice, kCouncil, kShareGreen);
  v1::Lesson lesson = *federation.Editor(kPolice)->Create(Draft("Radio batteries die in the cold"));
  testing::CairndProcess& council = federation.node(kCouncil);
  std::vector<std::string> give = {"feedback", "give", lesson.id(), "--adoption", "helpful"};
  EXPECT_THAT(council.RunCli("bob", give).err, HasSubstr("this node holds no lesson"));
  CommandResult found = council.RunCli("bob", {"search", "--federated", "radio", "batteries"});
  ASSERT_THAT(found.out, HasSubstr("Radio batteries die in the cold")) << found.err;
  CommandResult given = council.RunCli("bob", give);
  ASSERT_EQ(given.exit_code, 0) << given.err;
  CommandResult shown =
      Await(federation.node(kPolice), "alice", {"feedback", "show", lesson.id()}, kCouncil);
  EXPECT_THAT(shown.out, HasSubstr("helpful 1"));
}

// A hostile peer, with its real node certificate, delivers feedback it made up: in another
// organisation's name (signed with its own key), or unsigned, or sealed for a key that is not
// the origin's. Each is refused, and the origin's record of feedback stays empty.
TEST(FeedbackTest, APeerCannotDeliverFeedbackInAnotherOrganisationsName) {
  testing::TestPki& pki = testing::TestPki::Shared();
  Federation federation({kCouncil, kPolice});
  federation.Link(kPolice, kCouncil, kShareGreen);
  v1::Lesson lesson = *federation.Editor(kPolice)->Create(Draft("Charge radios at briefing"));
  ASSERT_TRUE(federation.Settles(kCouncil, kPolice, {{lesson.id(), 1}}));
  testing::CertPaths council_identity = pki.Node(kCouncil);
  auto council_key = *LessonSigner::Load(council_identity.cert, council_identity.key);
  auto stub = v1::FeedbackExchange::NewStub(
      server::NewPeerChannel(federation.node(kPolice).address(),
                             server::MakePeerChannelCredentials(testing::NodeTls(pki, kCouncil)),
                             grpc::ChannelArguments()));
  auto deliver = [&](v1::Feedback feedback, bool sign, const std::string& seal_for) {
    if (sign) {
      EXPECT_TRUE(council_key->Sign(&feedback).ok());
    }
    v1::DeliverFeedbackRequest request;
    request.set_lesson_id(feedback.lesson_id());
    request.set_giver_org(feedback.giver_org());
    request.set_revision(feedback.revision());
    crypto::Sealed sealed = *crypto::Seal(seal_for, feedback.SerializeAsString());
    request.mutable_sealed()->set_ephemeral_key(sealed.ephemeral_key);
    request.mutable_sealed()->set_nonce(sealed.nonce);
    request.mutable_sealed()->set_ciphertext(sealed.ciphertext);
    request.mutable_sealed()->set_recipient(sealed.recipient);
    grpc::ClientContext context;
    v1::DeliverFeedbackResponse response;
    return stub->DeliverFeedback(&context, request, &response);
  };
  // The police refuse the NHS trust's feedback: a forger must not learn that (nor leave a trace
  // in the police's audit log) by sending feedback in the trust's name.
  ASSERT_EQ(federation.node(kPolice)
                .RunCli("ada", {"peer", "add", kNhs, "--refuse-feedback", "yes"})
                .exit_code,
            0);
  v1::Feedback forged;
  forged.set_lesson_id(lesson.id());
  forged.set_giver_org(kNhs);  // not who signs it
  forged.set_giver_sector("health");
  forged.set_adoption(v1::ADOPTED);
  forged.set_revision(1);
  auto police_chain = crypto::ReadCertificates(pki.Node(kPolice).cert, "police certificate");
  ASSERT_TRUE(police_chain.ok()) << police_chain.status();
  const std::string police_cert = crypto::ToDer(police_chain->front().get());
  grpc::Status as_nhs = deliver(forged, true, police_cert);
  EXPECT_EQ(as_nhs.error_code(), grpc::StatusCode::UNAUTHENTICATED) << as_nhs.error_message();
  v1::Feedback unsigned_own = forged;
  unsigned_own.set_giver_org(kCouncil);
  EXPECT_EQ(deliver(unsigned_own, false, police_cert).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Sealed for the council's own certificate: the police cannot open it.
  v1::Lesson council_signed;
  council_signed.set_id("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV");
  ASSERT_TRUE(council_key->Sign(&council_signed).ok());
  EXPECT_NE(
      deliver(unsigned_own, true, council_signed.provenance().certificate_chain(0)).error_code(),
      grpc::StatusCode::OK);
  // The council's own, honestly signed and sealed, is taken.
  v1::Feedback honest = unsigned_own;
  ASSERT_TRUE(council_key->Sign(&honest).ok());
  EXPECT_TRUE(deliver(honest, false, police_cert).ok());
  CommandResult shown = federation.node(kPolice).RunCli("alice", {"feedback", "show", lesson.id()});
  EXPECT_THAT(shown.out, HasSubstr("adopted by 1 organisations"));
  EXPECT_THAT(shown.out, Not(HasSubstr(kNhs)));
  EXPECT_THAT(federation.node(kPolice).RunCli("ada", {"audit"}).out,
              Not(HasSubstr("feedback.refuse")));
}

}  // namespace
}  // namespace cairn
