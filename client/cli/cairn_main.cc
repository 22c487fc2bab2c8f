// cairn: the command-line client for editors, analysts and admins of a Cairn node.
//
//   cairn [connection flags] lesson add|get|list|edit|retract|import ...
//
// Connection flags (or environment): --addr (CAIRN_ADDR), --ca (CAIRN_CA), --cert (CAIRN_CERT),
// --key (CAIRN_KEY), --timeout SECONDS. --json prints machine-readable output.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "client/cli/args.h"
#include "client/lesson_client.h"
#include "client/lesson_import.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace cairn::cli {
namespace {

using client::LessonClient;

constexpr char kUsage[] = R"(usage: cairn [--addr HOST:PORT --ca FILE --cert FILE --key FILE] COMMAND

Lessons (editors write, analysts read):
  lesson add --title TEXT [lesson flags] | --file LESSON.json
  lesson get ID
  lesson list [--status S] [--marking M] [--topic T] [--origin ORG] [--limit N] [--page-token T] [--all]
  lesson edit ID [lesson flags]        replaces the fields you give; repeated flags replace lists
  lesson retract ID [--reason TEXT]
  lesson import FILE [--format lessons|llis] [--marking M]   (JSON Lines; - for stdin)

Lesson flags: --title --summary --driving-event --lesson --recommendation (repeat) --evidence
  --project --phase --topic (repeat) --tag (repeat) --community (repeat) --contact --notes
  --marking red|amber+strict|amber|green|clear (default red)  --status observation|identified|learned|superseded
  --classification official|official-sensitive  --polarity good-practice|area-for-improvement

Every command takes --json for machine-readable output; add, edit and retract take --quiet to
print only the lesson id. Connection settings also come from
CAIRN_ADDR, CAIRN_CA, CAIRN_CERT and CAIRN_KEY.
)";

const std::set<std::string> kConnectionFlags = {"addr", "ca", "cert", "key", "timeout"};
const std::set<std::string> kLessonFlags = {
    "title",   "summary", "driving-event", "lesson", "recommendation", "evidence",
    "project", "phase",   "topic",         "tag",    "community",      "contact",
    "notes",   "marking", "status",        "classification", "polarity"};

// A failure already explained to the user; the exit code says what kind.
struct Exit {
  int code;
};

std::string CodeName(absl::StatusCode code) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(absl::StatusCodeToString(code)), {{"_", " "}});
}

// "permission denied: user alice has role analyst; creating a lesson needs editor"
[[noreturn]] void Die(const absl::Status& status) {
  std::cerr << "cairn: " << CodeName(status.code()) << ": " << status.message() << "\n";
  throw Exit{1};
}

[[noreturn]] void Usage(const std::string& problem) {
  std::cerr << "cairn: " << problem << "\n\n" << kUsage;
  throw Exit{2};
}

template <typename T>
T OrDie(absl::StatusOr<T> result) {
  if (!result.ok()) Die(result.status());
  return *std::move(result);
}

// Reads a user's spelling of an enum value ("amber+strict", "learned") into `out`. The proto name
// is tried as given and with each of `prefixes` in front.
template <typename Enum>
void ParseEnum(const std::string& flag, const std::string& text,
               const google::protobuf::EnumDescriptor* descriptor,
               std::initializer_list<absl::string_view> prefixes, Enum* out) {
  std::string name =
      absl::StrReplaceAll(absl::AsciiStrToUpper(text), {{"-", "_"}, {"+", "_"}, {" ", "_"}});
  for (absl::string_view prefix : prefixes) {
    const auto* value = descriptor->FindValueByName(absl::StrCat(prefix, name));
    if (value != nullptr && value->number() != 0) {
      *out = static_cast<Enum>(value->number());
      return;
    }
  }
  std::vector<std::string> allowed;
  for (int i = 1; i < descriptor->value_count(); ++i) {
    allowed.push_back(absl::AsciiStrToLower(descriptor->value(i)->name()));
  }
  Usage(absl::StrCat("--", flag, ": '", text, "' is not one of ", absl::StrJoin(allowed, ", ")));
}

v1::TlpMarking ParseMarking(const std::string& text) {
  v1::TlpMarking marking;
  ParseEnum("marking", text, v1::TlpMarking_descriptor(), {"TLP_", ""}, &marking);
  return marking;
}

v1::LessonStatus ParseStatus(const std::string& text) {
  v1::LessonStatus status;
  ParseEnum("status", text, v1::LessonStatus_descriptor(), {"", "LESSON_"}, &status);
  return status;
}

std::string MarkingName(v1::TlpMarking marking) {
  if (marking == v1::TLP_AMBER_STRICT) return "AMBER+STRICT";
  std::string name = v1::TlpMarking_Name(marking);
  return name.substr(name.find('_') + 1);
}

std::string StatusName(v1::LessonStatus status) {
  return absl::AsciiStrToLower(v1::LessonStatus_Name(status));
}

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
    v1::Classification classification;
    ParseEnum("classification", args.Get("classification"), v1::Classification_descriptor(),
              {""}, &classification);
    lesson->set_classification(classification);
  }
  if (args.Has("polarity")) {
    v1::Polarity polarity;
    ParseEnum("polarity", args.Get("polarity"), v1::Polarity_descriptor(), {""}, &polarity);
    lesson->set_polarity(polarity);
  }
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  auto converted = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!converted.ok()) {
    Die(absl::InternalError(absl::StrCat("cannot show the answer as JSON: ",
                                         std::string(converted.message()))));
  }
  return json;
}

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

// Cuts `text` to at most `width` bytes without splitting a UTF-8 character.
std::string Clip(absl::string_view text, size_t width) {
  if (text.size() <= width) return std::string(text);
  size_t end = width - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(text.substr(0, end), "...");
}

void PrintTable(const std::vector<v1::Lesson>& lessons) {
  int id_width = 2;
  for (const v1::Lesson& lesson : lessons) {
    id_width = std::max(id_width, static_cast<int>(lesson.id().size()));
  }
  std::printf("%-*s %3s %-18s %-13s %s\n", id_width, "ID", "V", "STATUS", "MARKING", "TITLE");
  for (const v1::Lesson& lesson : lessons) {
    std::printf("%-*s %3llu %-18s %-13s %s\n", id_width, lesson.id().c_str(),
                static_cast<unsigned long long>(lesson.version()),
                StatusName(lesson.status()).c_str(), MarkingName(lesson.marking()).c_str(),
                Clip(lesson.title(), 60).c_str());
  }
}

std::unique_ptr<LessonClient> ConnectFrom(const Args& args) {
  auto setting = [&](const char* flag, const char* env) {
    const char* from_env = std::getenv(env);
    return args.Get(flag, from_env == nullptr ? "" : from_env);
  };
  client::ConnectionOptions options;
  options.address = setting("addr", "CAIRN_ADDR");
  options.ca_file = setting("ca", "CAIRN_CA");
  options.cert_file = setting("cert", "CAIRN_CERT");
  options.key_file = setting("key", "CAIRN_KEY");
  if (args.Has("timeout")) {
    double seconds;
    if (!absl::SimpleAtod(args.Get("timeout"), &seconds) || seconds <= 0) {
      Usage("--timeout: give a positive number of seconds");
    }
    options.timeout = absl::Seconds(seconds);
  }
  return OrDie(LessonClient::Connect(options));
}

std::string OnlyId(const Args& args, const std::string& command) {
  if (args.positional().size() != 1) Usage(absl::StrCat("'", command, "' takes one lesson id"));
  return args.positional()[0];
}

int LessonAdd(const Args& args) {
  v1::Lesson draft;
  if (args.Has("file")) {
    std::ifstream in(args.Get("file"));
    if (!in) Die(absl::NotFoundError(absl::StrCat("cannot read ", args.Get("file"))));
    std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = google::protobuf::util::JsonStringToMessage(json, &draft);
    if (!parsed.ok()) {
      Die(absl::InvalidArgumentError(
          absl::StrCat(args.Get("file"), ": ", std::string(parsed.message()))));
    }
  } else {
    draft.set_marking(v1::TLP_RED);  // nothing leaves unless the editor says so
  }
  ApplyLessonFlags(args, &draft);
  PrintLesson(OrDie(ConnectFrom(args)->Create(draft)), args);
  return 0;
}

int LessonGet(const Args& args) {
  PrintLesson(OrDie(ConnectFrom(args)->Get(OnlyId(args, "lesson get"))), args);
  return 0;
}

int LessonEdit(const Args& args) {
  std::unique_ptr<LessonClient> client = ConnectFrom(args);
  v1::Lesson lesson = OrDie(client->Get(OnlyId(args, "lesson edit")));
  ApplyLessonFlags(args, &lesson);
  PrintLesson(OrDie(client->Update(lesson)), args);
  return 0;
}

int LessonRetract(const Args& args) {
  PrintLesson(OrDie(ConnectFrom(args)->Retract(OnlyId(args, "lesson retract"), args.Get("reason"))),
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
  if (args.Has("limit")) {
    uint32_t limit;
    if (!absl::SimpleAtoi(args.Get("limit"), &limit)) Usage("--limit: give a whole number");
    request.set_page_size(limit);
  }
  if (args.Has("page-token")) request.set_page_token(args.Get("page-token"));
  std::unique_ptr<LessonClient> client = ConnectFrom(args);
  v1::ListLessonsResponse all;
  while (true) {
    v1::ListLessonsResponse page = OrDie(client->List(request));
    all.mutable_lessons()->MergeFrom(page.lessons());
    all.set_next_page_token(page.next_page_token());
    if (!args.Has("all") || page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (args.Has("json")) {
    std::cout << ToJson(all) << "\n";
    return 0;
  }
  PrintTable({all.lessons().begin(), all.lessons().end()});
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
  auto summary = client::ImportJsonLines(*ConnectFrom(args), in, options, on_failure, on_progress);
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

struct Command {
  const char* name;
  int (*run)(const Args&);
  std::set<std::string> valued;
  std::set<std::string> switches;
};

int Run(const std::vector<std::string>& argv) {
  auto with = [](std::set<std::string> a, const std::set<std::string>& b) {
    a.insert(b.begin(), b.end());
    return a;
  };
  const std::vector<Command> commands = {
      {"add", LessonAdd, with(kLessonFlags, {"file"}), {"quiet"}},
      {"get", LessonGet, {}, {}},
      {"list", LessonList, {"status", "marking", "topic", "origin", "limit", "page-token"}, {"all"}},
      {"edit", LessonEdit, kLessonFlags, {"quiet"}},
      {"retract", LessonRetract, {"reason"}, {"quiet"}},
      {"import", LessonImport, {"format", "marking"}, {}},
  };
  if (argv.empty() || argv[0] == "--help" || argv[0] == "help") {
    std::cout << kUsage;
    return 0;
  }
  // A flag takes a value in every command or in none, so one parse finds the command words
  // wherever the flags stand; then each command's own flags are checked.
  FlagSpec all{kConnectionFlags, {"json"}};
  for (const Command& command : commands) {
    all.valued.insert(command.valued.begin(), command.valued.end());
    all.switches.insert(command.switches.begin(), command.switches.end());
  }
  absl::StatusOr<Args> args = Args::Parse(argv, all);
  if (!args.ok()) Usage(std::string(args.status().message()));
  std::vector<std::string> words = args->TakePositionals(2);
  if (words.size() < 2 || words[0] != "lesson") Usage("expected 'lesson <command>'");
  for (const Command& command : commands) {
    if (words[1] != command.name) continue;
    for (const std::string& flag : args->FlagNames()) {
      if (!kConnectionFlags.contains(flag) && flag != "json" && !command.valued.contains(flag) &&
          !command.switches.contains(flag)) {
        Usage(absl::StrCat("'lesson ", command.name, "' does not take --", flag));
      }
    }
    return command.run(*args);
  }
  Usage(absl::StrCat("unknown command 'lesson ", words[1], "'"));
}

}  // namespace
}  // namespace cairn::cli

int main(int argc, char** argv) {
  try {
    return cairn::cli::Run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const cairn::cli::Exit& exit) {
    return exit.code;
  }
}
