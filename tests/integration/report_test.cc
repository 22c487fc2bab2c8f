// The lessons report from a real cairnd: its figures match what the node holds, counted here
// independently; it lists the lessons by good practice and areas for improvement with their
// recommendations, the council's adoption, and a related lesson from another sector; filters by
// project; refuses a period that is empty.
#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
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

v1::Lesson Draft(const std::string& title, v1::Polarity polarity, v1::LessonStatus status,
                 std::vector<std::string> topics, std::vector<std::string> recommendations = {},
                 const std::string& project = "") {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.set_summary(absl::StrCat(title, ", seen across the force"));
  lesson.set_marking(v1::TLP_GREEN);
  lesson.set_status(status);
  lesson.set_polarity(polarity);
  for (std::string& topic : topics) lesson.add_topics(std::move(topic));
  for (std::string& text : recommendations) lesson.add_recommendations(std::move(text));
  if (!project.empty()) lesson.set_project(project);
  return lesson;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ReportTest, TheReportsFiguresMatchTheStoreAndItListsAdoptionAndWhatOthersLearned) {
  Federation federation({kCouncil, kPolice});
  federation.Link(kPolice, kCouncil, "export { markings: [TLP_GREEN] }");
  federation.Link(kCouncil, kPolice, "export { markings: [TLP_GREEN] }");
  auto police = federation.Editor(kPolice);
  std::vector<v1::Lesson> drafts = {
      Draft("Radio batteries fail on long night shifts", v1::GOOD_PRACTICE, v1::LESSON_LEARNED,
            {"battery", "radio"}, {"Issue a spare battery to every officer", "Charge at briefing"},
            "Airwave"),
      Draft("Body cameras need charging docks at every station", v1::GOOD_PRACTICE,
            v1::LESSON_LEARNED, {"battery"}, {"Fit docks in each parade room"}),
      Draft("Mobile data terminals lose signal in rural areas", v1::AREA_FOR_IMPROVEMENT,
            v1::LESSON_IDENTIFIED, {"connectivity"}, {"Cache records for offline use"}),
      Draft("Handover notes go missing between shifts", v1::AREA_FOR_IMPROVEMENT,
            v1::LESSON_IDENTIFIED, {"handover"})};
  std::vector<v1::Lesson> stored;
  for (const v1::Lesson& draft : drafts) stored.push_back(*police->Create(draft));
  // A retracted lesson is left out.
  v1::Lesson withdrawn = *police->Create(
      Draft("Withdrawn advice", v1::AREA_FOR_IMPROVEMENT, v1::LESSON_IDENTIFIED, {"battery"}));
  ASSERT_TRUE(police->Retract(withdrawn.id(), "wrong").ok());
  // The council's own lesson on batteries, and its adoption of the police's first.
  v1::Lesson council_lesson = *federation.Editor(kCouncil)->Create(
      Draft("Tablet batteries fail on long home visits", v1::GOOD_PRACTICE, v1::LESSON_LEARNED,
            {"battery"}));
  ASSERT_TRUE(federation.Settles(kPolice, kCouncil, {{council_lesson.id(), 1}}));
  ASSERT_TRUE(federation.Settles(
      kCouncil, kPolice,
      {{stored[0].id(), 1}, {stored[1].id(), 1}, {stored[2].id(), 1}, {stored[3].id(), 1}}));
  testing::CairndProcess& council = federation.node(kCouncil);
  ASSERT_EQ(council.RunCli("bob", {"feedback", "give", stored[0].id(), "--adoption", "adopted"})
                .exit_code,
            0);
  testing::CairndProcess& origin = federation.node(kPolice);
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (origin.ClientFor("alice")->GetFeedback(stored[0].id())->feedback_size() == 0 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }

  const std::string today = absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  const std::string out = origin.data_dir() + "/../report.html";
  CommandResult made =
      origin.RunCli("bob", {"report", "--since", today, "--until", today, "--out", out, "--json"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  v1::Report report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(made.out, &report).ok()) << made.out;

  // Counted here from what the node lists.
  v1::ListLessonsRequest mine;
  mine.set_origin_org(kPolice);
  mine.set_page_size(500);
  auto listed = origin.ClientFor("bob")->List(mine);
  ASSERT_TRUE(listed.ok()) << listed.status();
  uint32_t lessons = 0, good = 0, improve = 0, learned = 0, identified = 0, recommendations = 0;
  for (const v1::Lesson& lesson : listed->lessons()) {
    if (lesson.status() == v1::RETRACTED) continue;
    ++lessons;
    good += lesson.polarity() == v1::GOOD_PRACTICE;
    improve += lesson.polarity() == v1::AREA_FOR_IMPROVEMENT;
    learned += lesson.status() == v1::LESSON_LEARNED;
    identified += lesson.status() == v1::LESSON_IDENTIFIED;
    recommendations += lesson.recommendations_size();
  }
  const v1::ReportFigures& figures = report.figures();
  EXPECT_EQ(figures.lessons(), lessons);
  EXPECT_EQ(lessons, 4u);
  EXPECT_EQ(figures.good_practice(), good);
  EXPECT_EQ(figures.areas_for_improvement(), improve);
  EXPECT_EQ(figures.learned(), learned);
  EXPECT_EQ(figures.identified(), identified);
  EXPECT_EQ(figures.recommendations(), recommendations);
  EXPECT_EQ(figures.adopted_elsewhere(), 1u);
  EXPECT_EQ(figures.adopting_organisations(), 1u);
  ASSERT_EQ(report.months_size(), 1);
  EXPECT_EQ(report.months(0).learned(), learned);
  EXPECT_EQ(report.top_topics(0), "battery");

  const std::string html = Slurp(out);
  EXPECT_THAT(html, HasSubstr("<h2>Good practice</h2>"));
  EXPECT_THAT(html, HasSubstr("<h2>Areas for improvement</h2>"));
  EXPECT_THAT(html, HasSubstr("Issue a spare battery to every officer</td><td>Adopted"));
  EXPECT_THAT(html, HasSubstr("Cache records for offline use</td><td>Proposed"));
  EXPECT_THAT(html, HasSubstr("leeds-council (local-government) adopted it"));
  EXPECT_THAT(html, HasSubstr("Tablet batteries fail on long home visits"));  // others learned
  EXPECT_THAT(html, HasSubstr("<svg role=\"img\""));
  EXPECT_THAT(html, Not(HasSubstr("Withdrawn advice")));
  EXPECT_THAT(html, Not(HasSubstr("http")));  // self-contained: nothing fetched

  CommandResult airwave = origin.RunCli(
      "bob", {"report", "--since", today, "--until", today, "--project", "airwave", "--out", out});
  EXPECT_THAT(airwave.out, HasSubstr("report of 1 lessons"));
  CommandResult backwards =
      origin.RunCli("bob", {"report", "--since", today, "--until", "2020-01-01", "--out", out});
  EXPECT_THAT(backwards.err, HasSubstr("until: must be after since"));
  EXPECT_THAT(
      origin.RunCli("carol", {"report", "--since", today, "--until", today, "--out", out}).err,
      HasSubstr("making a report needs analyst"));
}

}  // namespace
}  // namespace cairn
