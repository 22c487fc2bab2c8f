// The cairn CLI against a real cairnd: what a user types and what they see.
#include <fstream>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/run_command.h"
#include "tests/support/shared_data.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using testing::CairndProcess;
using testing::CommandResult;
using testing::NodeSpec;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(node_.Start().ok()) << node_.log(); }

  // Runs `cairn` as `user`, with `stdin_file` (if any) as its standard input.
  testing::CommandResult Cairn(const std::string& user, std::vector<std::string> args,
                               const std::string& stdin_file = "") {
    return node_.RunCli(user, std::move(args), stdin_file);
  }

  v1::Lesson ParseLesson(const std::string& json) {
    v1::Lesson lesson;
    auto status = google::protobuf::util::JsonStringToMessage(json, &lesson);
    EXPECT_TRUE(status.ok()) << json;
    return lesson;
  }

  // Every lesson `user` can list, following page tokens `page_size` at a time.
  v1::ListLessonsResponse ListAll(const std::string& user, int page_size = 500) {
    CommandResult listed = Cairn(
        user, {"lesson", "list", "--all", "--limit", std::to_string(page_size), "--json"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    v1::ListLessonsResponse response;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(listed.out, &response).ok()) << listed.out;
    return response;
  }

  CairndProcess node_{NodeSpec{}};
};

TEST_F(CliTest, EditorAddsEditsAndRetractsAnalystReads) {
  CommandResult added = Cairn("alice", {"lesson", "add", "--json", "--title", "Lock down tablets",
                                        "--summary", "Staff used tablets on café Wi-Fi",
                                        "--topic", "wireless", "--topic", "mobile-working",
                                        "--marking", "amber+strict", "--status", "identified",
                                        "--contact", "it-security@leeds.example"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  v1::Lesson lesson = ParseLesson(added.out);
  EXPECT_EQ(lesson.marking(), v1::TLP_AMBER_STRICT);
  EXPECT_EQ(lesson.status(), v1::LESSON_IDENTIFIED);
  EXPECT_EQ(lesson.topics_size(), 2);
  EXPECT_EQ(lesson.local().contact(), "it-security@leeds.example");

  CommandResult shown = Cairn("bob", {"lesson", "get", lesson.id()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("title: Lock down tablets"));
  EXPECT_THAT(shown.out, HasSubstr("marking: TLP:AMBER+STRICT"));

  CommandResult edited = Cairn("alice", {"lesson", "edit", lesson.id(), "--json", "--status",
                                         "learned", "--recommendation", "Use an always-on VPN"});
  ASSERT_EQ(edited.exit_code, 0) << edited.err;
  v1::Lesson after_edit = ParseLesson(edited.out);
  EXPECT_EQ(after_edit.version(), 2u);
  EXPECT_EQ(after_edit.status(), v1::LESSON_LEARNED);
  EXPECT_EQ(after_edit.title(), "Lock down tablets");  // untouched fields stay

  CommandResult table = Cairn("bob", {"lesson", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr(lesson.id()));
  EXPECT_THAT(table.out, HasSubstr("lesson_learned"));

  CommandResult retracted =
      Cairn("alice", {"lesson", "retract", lesson.id(), "--reason", "duplicate", "--json"});
  ASSERT_EQ(retracted.exit_code, 0) << retracted.err;
  EXPECT_EQ(ParseLesson(retracted.out).status(), v1::RETRACTED);
  EXPECT_EQ(ListAll("bob").lessons_size(), 0);
}

TEST_F(CliTest, ErrorsSayWhatWentWrongAndWhy) {
  CommandResult denied = Cairn("bob", {"lesson", "add", "--title", "Not allowed"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_EQ(denied.err,
            "cairn: permission denied: user bob has role analyst; creating a lesson needs editor\n");

  CommandResult no_title = Cairn("alice", {"lesson", "add", "--summary", "no title"});
  EXPECT_EQ(no_title.exit_code, 1);
  EXPECT_THAT(no_title.err, HasSubstr("invalid argument: lesson.title: is empty"));

  CommandResult bad_marking = Cairn("alice", {"lesson", "add", "--title", "x", "--marking", "pink"});
  EXPECT_EQ(bad_marking.exit_code, 2);
  EXPECT_THAT(bad_marking.err, HasSubstr("--marking: 'pink' is not one of"));

  CommandResult unknown_flag = Cairn("alice", {"lesson", "get", "x", "--colour", "red"});
  EXPECT_EQ(unknown_flag.exit_code, 2);
  EXPECT_THAT(unknown_flag.err, HasSubstr("unknown flag --colour"));

  CommandResult missing = Cairn("bob", {"lesson", "get", "leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("not found"));
  EXPECT_EQ(ListAll("bob").lessons_size(), 0);
}

TEST_F(CliTest, ImportReportsEachBadLineAndKeepsGoing) {
  testing::TempDir dir;
  std::string file = dir.path() + "/lessons.jsonl";
  std::ofstream(file) << R"({"title": "Label every charger", "marking": "TLP_GREEN"})" << "\n"
                      << R"({"summary": "no title here", "marking": "TLP_GREEN"})" << "\n"
                      << "\n"
                      << R"({"title": "Broken JSON")" << "\n"
                      << R"({"title": "Carry spare batteries", "marking": "TLP_CLEAR"})" << "\n"
                      << R"({"title": "No marking"})" << "\n";
  CommandResult imported = Cairn("alice", {"lesson", "import", file});
  EXPECT_EQ(imported.exit_code, 1);  // some lines failed
  EXPECT_EQ(imported.out, "imported 2 lessons, 3 failed\n");
  EXPECT_THAT(imported.err, HasSubstr("line 2: invalid argument: lesson.title: is empty"));
  EXPECT_THAT(imported.err, HasSubstr("line 4: "));
  EXPECT_THAT(imported.err, HasSubstr("line 6: invalid argument: lesson.marking: is not set"));
  EXPECT_THAT(imported.err, HasSubstr("imported 2, failed 3"));  // progress
  v1::ListLessonsResponse all = ListAll("bob");
  ASSERT_EQ(all.lessons_size(), 2);

  CommandResult as_json = Cairn("alice", {"lesson", "import", "-", "--json"}, file);
  google::protobuf::Struct report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(as_json.out, &report).ok())
      << as_json.out;
  EXPECT_EQ(report.fields().at("imported").number_value(), 2);
  EXPECT_EQ(report.fields().at("failed").number_value(), 3);
  const auto& first_failure = report.fields().at("failures").list_value().values(0).struct_value();
  EXPECT_EQ(first_failure.fields().at("line").number_value(), 2);
  EXPECT_EQ(first_failure.fields().at("error").string_value(),
            "invalid argument: lesson.title: is empty; every lesson needs a title");
  EXPECT_EQ(ListAll("bob").lessons_size(), 4);
  EXPECT_EQ(ListAll("bob", /*page_size=*/1).lessons_size(), 4);  // four pages, joined

  CommandResult one_page = Cairn("bob", {"lesson", "list", "--limit", "3"});
  EXPECT_THAT(one_page.out, HasSubstr("more: --page-token "));
}

TEST_F(CliTest, ImportsTheNasaLessonsWithTheLlisMapping) {
  CAIRN_SKIP_WITHOUT_LLIS(llis);
  CommandResult imported = Cairn("alice", {"lesson", "import", *llis, "--format", "llis"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err.substr(0, 2000);
  EXPECT_EQ(imported.out, "imported 2102 lessons, 0 failed\n");
  v1::ListLessonsResponse all = ListAll("bob");
  ASSERT_EQ(all.lessons_size(), 2102);
  const v1::Lesson* impedance = nullptr;
  for (const v1::Lesson& lesson : all.lessons()) {
    if (lesson.external_ref() == "llis-30301") impedance = &lesson;
    EXPECT_EQ(lesson.marking(), v1::TLP_CLEAR);
  }
  ASSERT_NE(impedance, nullptr);
  EXPECT_EQ(impedance->title(), "System / Facility Impedance Checks");
  EXPECT_THAT(impedance->topics(), ::testing::Contains("Test & Verification"));
  EXPECT_THAT(impedance->tags(), ::testing::Contains("nasa-larc"));
  EXPECT_EQ(impedance->status(), v1::LESSON_LEARNED);
  EXPECT_EQ(impedance->occurred_at().seconds(), 1531872000);  // 2018-07-18
}

TEST_F(CliTest, AnalystSearchesWithFlagsAndSeesSnippetsAndFacets) {
  for (const char* title : {"Charge radios in the vans", "Spare batteries at briefing"}) {
    CommandResult added = Cairn("alice", {"lesson", "add", "--quiet", "--title", title, "--summary",
                                          "Batteries ran flat on night shifts.", "--topic",
                                          "battery-management", "--marking", "green"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }
  CommandResult found = Cairn("bob", {"search", "battery", "--topic", "battery-management"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_THAT(found.out, HasSubstr("2 lessons match battery topic:\"battery-management\""));
  EXPECT_THAT(found.out, HasSubstr("Spare batteries at briefing"));
  EXPECT_THAT(found.out, HasSubstr("summary: **Batteries** ran flat"));
  EXPECT_THAT(found.out, HasSubstr("topic:  battery-management (2)"));

  CommandResult bad = Cairn("bob", {"search", "\"unclosed"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("invalid argument: query position 1: unclosed quote"));

  CommandResult federated = Cairn("bob", {"search", "--federated", "batteries", "--deadline-ms", "900"});
  ASSERT_EQ(federated.exit_code, 0) << federated.err;
  EXPECT_THAT(federated.out, HasSubstr("asking the federation: batteries"));
  EXPECT_THAT(federated.out, ::testing::ContainsRegex("leeds-council +ok .* 2 hits"));
  EXPECT_THAT(federated.out, HasSubstr("2 lessons shown, merged from the nodes' 2 hits"));
  EXPECT_THAT(federated.out, HasSubstr("held by leeds-council"));

  CommandResult check = Cairn("ada", {"index", "check"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(check.out, HasSubstr("search index consistent: 2 lessons"));
  CommandResult refused = Cairn("bob", {"index", "rebuild"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("permission denied"));
}

// An analyst asks in their own words: the vocabulary bridges sectors' terms, the CLI says when it
// did, and a misspelt or strict query is explained rather than left empty.
TEST_F(CliTest, AnalystAsksInOwnWordsAndIsToldHowTheQueryWasRead) {
  CommandResult added = Cairn(
      "alice", {"lesson", "add", "--quiet", "--title",
                "Lock down wireless on mobile data terminals before rollout", "--summary",
                "Officers' terminals joined open cafe Wi-Fi; we enforced an always-on VPN.",
                "--marking", "green"});
  ASSERT_EQ(added.exit_code, 0) << added.err;

  CommandResult natural = Cairn("bob", {"search", "tablet security"});
  ASSERT_EQ(natural.exit_code, 0) << natural.err;
  EXPECT_THAT(natural.out, HasSubstr("1 lesson match tablet security"));
  EXPECT_THAT(natural.out, HasSubstr("Lock down wireless on mobile data terminals"));
  EXPECT_THAT(natural.out,
              HasSubstr("through the vocabulary: tablet as mobile data terminal"));

  CommandResult strict = Cairn("bob", {"search", "tablet", "--all-words"});
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  EXPECT_THAT(strict.out, HasSubstr("0 lessons match tablet (every word)"));
  EXPECT_THAT(strict.out, HasSubstr("searched for every one of: tablet"));
  EXPECT_THAT(strict.out, HasSubstr("no lesson here holds: tablet"));
  EXPECT_THAT(strict.out, HasSubstr("without --all-words, fewer words need to match"));

  CommandResult misspelt = Cairn("bob", {"search", "the wireles rolout"});
  ASSERT_EQ(misspelt.exit_code, 0) << misspelt.err;
  EXPECT_THAT(misspelt.out, HasSubstr("0 lessons match the wireles rolout"));
  EXPECT_THAT(misspelt.out, HasSubstr("did you mean: the wireless rollout"));
  EXPECT_THAT(misspelt.out, HasSubstr("searched for any of: wireles, rolout"));
  EXPECT_THAT(misspelt.out, HasSubstr("ignored as too common: the"));
}

}  // namespace
}  // namespace cairn
