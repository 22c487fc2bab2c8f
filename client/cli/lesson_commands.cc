// The `cairn lesson ...` commands, for editors and analysts.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli/common.h"
#include "client/lesson_client.h"
#include "client/lesson_import.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace cairn::cli {

const std::set<std::string> kLessonFlags = {
    "title",   "summary", "driving-event", "lesson", "recommendation", "evidence",
    "project", "phase",   "topic",         "tag",    "community",      "contact",
    "notes",   "marking", "status",        "classification", "polarity"};

void ApplyLessonFlags(const Args& args, v1::Lesson* lesson) {
  using Setter = std::string* (v1::Lesson::*)();
  for (auto [flag, field] : {std::pair<const char*, Setter>{"title", &v1::Lesson::mutable_title},
                             {"summary", &v1::Lesson::mutable_summary},
                             {"driving-event", &v1::Lesson::mutable_driving_event},
                             {"lesson", &v1::Lesson::mutable_lesson},
                             {"evidence", &v1::Lesson::mutable_evidence},
                             {"project", &v1::Lesson::mutable_project},
                             {"phase", &v1::Lesson::mutable_lifecycle_phase}}) {
    if (args.Has(flag)) *(lesson->*field)() = args.Get(flag);
  }
  using ListField = google::protobuf::RepeatedPtrField<std::string>* (v1::Lesson::*)();
  for (auto [flag, field] :
       {std::pair<const char*, ListField>{"recommendation", &v1::Lesson::mutable_recommendations},
        {"topic", &v1::Lesson::mutable_topics},
        {"tag", &v1::Lesson::mutable_tags},
        {"community", &v1::Lesson::mutable_communities}}) {
    if (!args.Has(flag)) continue;
    auto* list = (lesson->*field)();
    list->Clear();
    for (const std::string& value : args.GetAll(flag)) *list->Add() = value;
  }
  if (args.Has("contact")) lesson->mutable_local()->set_contact(args.Get("contact"));
  if (args.Has("notes")) lesson->mutable_local()->set_internal_notes(args.Get("notes"));
  if (args.Has("marking")) lesson->set_marking(ParseMarking(args.Get("marking")));
  if (args.Has("status")) lesson->set_status(ParseStatus(args.Get("status")));
  if (args.Has("classification")) {
    lesson->set_classification(static_cast<v1::Classification>(ParseEnumNumber(
        "classification", args.Get("classification"), v1::Classification_descriptor(), {""})));
  }
  if (args.Has("polarity")) {
    lesson->set_polarity(static_cast<v1::Polarity>(
        ParseEnumNumber("polarity", args.Get("polarity"), v1::Polarity_descriptor(), {""})));
  }
}

namespace {

using client::LessonClient;

// Shows a lesson as the command's flags ask: --quiet prints only its id, --json the whole
// lesson as JSON, otherwise one labelled line per field that is set.
void PrintLesson(const v1::Lesson& lesson, const Args& args) {
  if (args.Has("quiet")) {
    std::cout << lesson.id() << "\n";
    return;
  }
  if (args.Has("json")) {
    std::cout << ToJson(lesson) << "\n";
    return;
  }
  auto line = [](absl::string_view label, absl::string_view value) {
    if (!value.empty()) std::cout << label << ": " << value << "\n";
  };
  line("id", lesson.id());
  line("version", absl::StrCat(lesson.version()));
  line("origin", absl::StrCat(lesson.origin_org(), " (", lesson.origin_sector(), ")"));
  line("status", StatusName(lesson.status()));
  line("marking", absl::StrCat("TLP:", MarkingName(lesson.marking())));
  line("classification", v1::Classification_Name(lesson.classification()));
  line("title", lesson.title());
  line("summary", lesson.summary());
  line("driving event", lesson.driving_event());
  line("lesson", lesson.lesson());
  for (const std::string& recommendation : lesson.recommendations()) {
    line("recommendation", recommendation);
  }
  line("evidence", lesson.evidence());
  line("project", lesson.project());
  line("topics", absl::StrJoin(lesson.topics(), ", "));
  line("tags", absl::StrJoin(lesson.tags(), ", "));
  line("communities", absl::StrJoin(lesson.communities(), ", "));
  line("contact (local only)", lesson.local().contact());
  line("notes (local only)", lesson.local().internal_notes());
  line("retraction reason", lesson.retraction_reason());
  line("updated", google::protobuf::util::TimeUtil::ToString(lesson.updated_at()));
}

std::unique_ptr<LessonClient> Connect(const Args& args) {
  return OrDie(LessonClient::Connect(ConnectionFrom(args)));
}

std::string OnlyId(const Args& args, const std::string& command) {
  return OnlyPositional(args, command, "lesson id");
}

int LessonAdd(const Args& args) {
  v1::Lesson draft;
  if (args.Has("file")) {
    std::string json = ReadFileOrDie(args.Get("file"));
    auto parsed = google::protobuf::util::JsonStringToMessage(json, &draft);
    if (!parsed.ok()) {
      Die(absl::InvalidArgumentError(
          absl::StrCat(args.Get("file"), ": ", std::string(parsed.message()))));
    }
  } else {
    draft.set_marking(v1::TLP_RED);  // nothing leaves unless the editor says so
  }
  ApplyLessonFlags(args, &draft);
  PrintLesson(OrDie(Connect(args)->Create(draft)), args);
  return 0;
}

int LessonGet(const Args& args) {
  PrintLesson(OrDie(Connect(args)->Get(OnlyId(args, "lesson get"))), args);
  return 0;
}

// One line an event, newest first, then where the copy came from and where it was sent.
int LessonHistory(const Args& args) {
  v1::LessonHistory history = OrDie(Connect(args)->History(OnlyId(args, "lesson history")));
  if (args.Has("json")) {
    std::cout << ToJson(history) << "\n";
    return 0;
  }
  for (const v1::LessonHistory::Event& event : history.events()) {
    std::cout << "version " << event.version() << "\t" << v1::Change::Kind_Name(event.kind());
    if (event.has_at()) std::cout << "\t" << google::protobuf::util::TimeUtil::ToString(event.at());
    std::cout << "\n";
  }
  if (history.more_events()) std::cout << "(older events left out)\n";
  for (const v1::LessonHistory::Source& source : history.sources()) {
    std::cout << "received from " << source.org() << " (version " << source.version()
              << ", via " << absl::StrJoin(source.path(), " > ") << ")\n";
  }
  for (const v1::LessonHistory::Recipient& recipient : history.sent_to()) {
    std::cout << "sent to " << recipient.org() << " (version " << recipient.version() << ")\n";
  }
  return 0;
}

int LessonEdit(const Args& args) {
  std::unique_ptr<LessonClient> client = Connect(args);
  v1::Lesson lesson = OrDie(client->Get(OnlyId(args, "lesson edit")));
  ApplyLessonFlags(args, &lesson);
  PrintLesson(OrDie(client->Update(lesson)), args);
  return 0;
}

int LessonRetract(const Args& args) {
  PrintLesson(OrDie(Connect(args)->Retract(OnlyId(args, "lesson retract"), args.Get("reason"))),
              args);
  return 0;
}

int LessonList(const Args& args) {
  if (!args.positional().empty()) Usage("'lesson list' takes no positional arguments");
  v1::ListLessonsRequest request;
  if (args.Has("status")) request.set_status(ParseStatus(args.Get("status")));
  if (args.Has("marking")) request.set_marking(ParseMarking(args.Get("marking")));
  if (args.Has("topic")) request.set_topic(args.Get("topic"));
  if (args.Has("origin")) request.set_origin_org(args.Get("origin"));
  if (args.Has("page-token")) request.set_page_token(args.Get("page-token"));
  std::unique_ptr<LessonClient> client = Connect(args);
  auto all = FetchPages<v1::ListLessonsResponse>(
      args, request, [&](const v1::ListLessonsRequest& page) { return client->List(page); });
  if (args.Has("json")) {
    std::cout << ToJson(all) << "\n";
    return 0;
  }
  PrintLessonTable({all.lessons().begin(), all.lessons().end()});
  if (!all.next_page_token().empty()) {
    std::cout << "more: --page-token " << all.next_page_token() << "\n";
  }
  return 0;
}

int LessonImport(const Args& args) {
  if (args.positional().size() != 1) Usage("'lesson import' takes one file (- for stdin)");
  const std::string path = args.positional()[0];
  client::ImportOptions options;
  const std::string format = args.Get("format", "lessons");
  if (format == "llis") {
    options.format = client::ImportFormat::kLlis;
  } else if (format != "lessons") {
    Usage("--format: 'lessons' or 'llis'");
  }
  if (args.Has("marking")) options.marking = ParseMarking(args.Get("marking"));
  std::ifstream file;
  if (path != "-") {
    file.open(path);
    if (!file) Die(absl::NotFoundError(absl::StrCat("cannot read ", path)));
  }
  std::istream& in = path == "-" ? std::cin : file;

  // Progress goes to stderr: rewritten in place on a terminal, a line a batch otherwise.
  const bool in_place = isatty(STDERR_FILENO);
  const char* clear_line = in_place ? "\r\033[K" : "";
  auto on_failure = [&](const client::ImportFailure& failure) {
    std::cerr << clear_line << "line " << failure.line << ": " << CodeName(failure.error.code())
              << ": " << failure.error.message() << "\n";
  };
  auto on_progress = [&](const client::ImportSummary& summary) {
    std::cerr << clear_line << "imported " << summary.imported << ", failed "
              << summary.failures.size() << ", read " << summary.lines_read << " lines"
              << (in_place ? "" : "\n") << std::flush;
  };
  auto summary = client::ImportJsonLines(*Connect(args), in, options, on_failure, on_progress);
  if (in_place) std::cerr << "\n";
  if (!summary.ok()) Die(summary.status());
  if (args.Has("json")) {
    google::protobuf::Struct report;
    auto& fields = *report.mutable_fields();
    fields["imported"].set_number_value(summary->imported);
    fields["failed"].set_number_value(summary->failures.size());
    auto* failures = fields["failures"].mutable_list_value();
    for (const client::ImportFailure& failure : summary->failures) {
      auto& entry = *failures->add_values()->mutable_struct_value()->mutable_fields();
      entry["line"].set_number_value(failure.line);
      entry["error"].set_string_value(
          absl::StrCat(CodeName(failure.error.code()), ": ", failure.error.message()));
    }
    std::cout << ToJson(report) << "\n";
  } else {
    std::cout << "imported " << summary->imported << " lessons, " << summary->failures.size()
              << " failed\n";
  }
  return summary->failures.empty() ? 0 : 1;
}

}  // namespace

std::vector<Command> LessonCommands() {
  auto with = [](std::set<std::string> a, const std::set<std::string>& b) {
    a.insert(b.begin(), b.end());
    return a;
  };
  return {
      {"lesson", "add", LessonAdd, with(kLessonFlags, {"file"}), {"quiet"}},
      {"lesson", "get", LessonGet, {}, {}},
      {"lesson", "history", LessonHistory, {}, {}},
      {"lesson", "list", LessonList, {"status", "marking", "topic", "origin", "limit", "page-token"}, {"all"}},
      {"lesson", "edit", LessonEdit, kLessonFlags, {"quiet"}},
      {"lesson", "retract", LessonRetract, {"reason"}, {"quiet"}},
      {"lesson", "import", LessonImport, {"format", "marking"}, {}},
  };
}

}  // namespace cairn::cli
