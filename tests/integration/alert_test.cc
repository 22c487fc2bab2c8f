// Saved searches against real cairnd processes: an analyst at the council watches for a subject;
// a lesson the police write reaches the council by replication and alerts the analyst, through
// `cairn watch`, which resumes after the last alert it printed so nothing is missed meanwhile.
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/federation.h"
#include "tests/support/files.h"
#include "tests/support/run_command.h"

namespace cairn {
namespace {

using testing::CommandResult;
using testing::Federation;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCouncil[] = "leeds-council";
constexpr char kPolice[] = "west-police";

v1::Lesson Lesson(const std::string& title, v1::TlpMarking marking = v1::TLP_GREEN) {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.set_summary("Seen on night shifts across the force");
  lesson.set_marking(marking);
  lesson.set_status(v1::LESSON_LEARNED);
  return lesson;
}

TEST(AlertTest, APeersLessonAlertsTheWatcherWhoResumesWithoutMissingAny) {
  Federation federation({kCouncil, kPolice});
  federation.Link(kPolice, kCouncil, "export { markings: [TLP_GREEN] }");
  testing::CairndProcess& council = federation.node(kCouncil);
  CommandResult added = council.RunCli("bob", {"watch", "add", "radio", "batteries"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_THAT(added.out, HasSubstr("saved w"));
  EXPECT_THAT(council.RunCli("bob", {"watch", "list"}).out, HasSubstr("radio batteries"));
  // Contributors may not watch: they read nothing.
  EXPECT_THAT(council.RunCli("carol", {"watch", "add", "radio"}).err,
              HasSubstr("saving a search needs analyst"));

  auto police = federation.Editor(kPolice);
  ASSERT_TRUE(police->Create(Lesson("Radio batteries die in the cold")).ok());
  ASSERT_TRUE(police->Create(Lesson("Radio handsets kept at the station",
                                    v1::TLP_AMBER))
                  .ok());  // stays at the police
  ASSERT_TRUE(police->Create(Lesson("Canteen opening hours")).ok());
  const std::string cursor_file = council.data_dir() + "/../watch-cursor";
  CommandResult first =
      council.RunCli("bob", {"watch", "--limit", "1", "--cursor-file", cursor_file});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("Radio batteries die in the cold"));
  EXPECT_THAT(first.out, HasSubstr("west-police (local-government)"));

  // While nobody follows, more arrive; the next run starts after the last one printed.
  ASSERT_TRUE(police->Create(Lesson("Spare batteries for every radio")).ok());
  ASSERT_TRUE(police->Create(Lesson("Radio earpieces need cleaning")).ok());
  CommandResult second =
      council.RunCli("bob", {"watch", "--limit", "2", "--cursor-file", cursor_file});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, Not(HasSubstr("die in the cold")));
  EXPECT_THAT(second.out, HasSubstr("Spare batteries for every radio"));
  EXPECT_THAT(second.out, HasSubstr("Radio earpieces need cleaning"));
  EXPECT_THAT(second.out, Not(HasSubstr("kept at the station")));
  EXPECT_THAT(second.out, Not(HasSubstr("Canteen")));
  // Another analyst's alerts are their own.
  CommandResult others = council.RunCli("alice", {"watch", "list"});
  EXPECT_THAT(others.out, Not(HasSubstr("radio batteries")));
}

}  // namespace
}  // namespace cairn
