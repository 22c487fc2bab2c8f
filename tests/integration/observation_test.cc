// Speak up, end to end: a member of staff with a contributor certificate submits through the CLI
// to a real cairnd; an editor reviews; only an admin may learn who submitted in confidence, and
// that is audited. Each role is refused what it may not do, with the role named.
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/run_command.h"

namespace cairn {
namespace {

using testing::CairndProcess;
using testing::CommandResult;
using ::testing::HasSubstr;
using testing::NodeSpec;
using ::testing::Not;

class ObservationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(node_.Start().ok()) << node_.log(); }

  CommandResult Cairn(const std::string& user, std::vector<std::string> args) {
    return node_.RunCli(user, std::move(args));
  }

  CairndProcess node_{NodeSpec{}};  // carol is a contributor
};

TEST_F(ObservationTest, StaffSpeakUpInConfidenceEditorsReviewAndOnlyAnAuditedAdminUnseals) {
  CommandResult submitted =
      Cairn("carol", {"observation", "submit", "--json", "--confidential", "--title",
                      "Night shift told to skip the handover checklist", "--summary",
                      "Twice this month the handover checklist was skipped to save time"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  v1::Submission submission;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(submitted.out, &submission).ok())
      << submitted.out;
  const std::string id = submission.lesson_id();
  EXPECT_EQ(submission.state(), v1::Submission::PENDING);

  // A contributor reads and searches nothing else.
  CommandResult searched = Cairn("carol", {"search", "handover"});
  EXPECT_EQ(searched.exit_code, 1);
  EXPECT_THAT(searched.err, HasSubstr("user carol has role contributor; searching needs analyst"));
  EXPECT_THAT(Cairn("carol", {"lesson", "get", id}).err, HasSubstr("needs analyst"));
  EXPECT_THAT(Cairn("carol", {"observation", "queue"}).err,
              HasSubstr("reading the observations awaiting review needs editor"));
  // An analyst finds it on this node (RED: local users only) and cannot review it.
  CommandResult found = Cairn("bob", {"lesson", "get", id});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_THAT(found.out, HasSubstr("TLP:RED"));
  EXPECT_THAT(found.out, HasSubstr("status: observation"));
  EXPECT_THAT(Cairn("bob", {"observation", "decline", id, "--reason", "no"}).err,
              HasSubstr("reviewing an observation needs editor"));

  // The editor's queue says who only as "a verified member of staff".
  CommandResult queue = Cairn("alice", {"observation", "queue"});
  ASSERT_EQ(queue.exit_code, 0) << queue.err;
  EXPECT_THAT(queue.out, HasSubstr(id));
  EXPECT_THAT(queue.out, HasSubstr("a verified member of staff"));
  EXPECT_THAT(queue.out, Not(HasSubstr("carol")));
  CommandResult promoted = Cairn("alice", {"observation", "promote", id, "--status", "identified",
                                           "--marking", "amber", "--topic", "handover"});
  ASSERT_EQ(promoted.exit_code, 0) << promoted.err;
  EXPECT_THAT(promoted.out, HasSubstr("state: promoted by alice"));
  CommandResult mine = Cairn("carol", {"observation", "mine"});
  ASSERT_EQ(mine.exit_code, 0) << mine.err;
  EXPECT_THAT(mine.out, HasSubstr("promoted by alice"));
  EXPECT_THAT(Cairn("alice", {"observation", "mine"}).out, Not(HasSubstr(id)));

  // Unsealing: admins only, with a reason, audited.
  EXPECT_THAT(Cairn("alice", {"observation", "reveal", id, "--reason", "curious"}).err,
              HasSubstr("needs admin"));
  CommandResult no_reason = Cairn("ada", {"observation", "reveal", id});
  EXPECT_EQ(no_reason.exit_code, 1);
  EXPECT_THAT(no_reason.err, HasSubstr("invalid argument: reason:"));
  CommandResult audit_before = Cairn("ada", {"audit"});
  EXPECT_THAT(audit_before.out, Not(HasSubstr("carol")));
  EXPECT_THAT(audit_before.out, HasSubstr("a verified member of staff"));
  CommandResult revealed =
      Cairn("ada", {"observation", "reveal", id, "--reason", "formal grievance 2026-114"});
  ASSERT_EQ(revealed.exit_code, 0) << revealed.err;
  EXPECT_EQ(revealed.out, "carol\n");
  CommandResult audit = Cairn("ada", {"audit", "--action", "observation.reveal_submitter"});
  EXPECT_THAT(audit.out, HasSubstr("user ada"));
  EXPECT_THAT(audit.out, HasSubstr("formal grievance 2026-114"));
  EXPECT_THAT(node_.log(), Not(HasSubstr("carol")));
}

}  // namespace
}  // namespace cairn
