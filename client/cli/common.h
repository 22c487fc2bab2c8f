// Shared pieces of the cairn CLI: failing with a clear message, parsing user spellings of enum
// values, printing, and connecting with the user's settings.
#ifndef CAIRN_CLIENT_CLI_COMMON_H_
#define CAIRN_CLIENT_CLI_COMMON_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cairn/v1/lesson.pb.h"
#include "client/cli/args.h"
#include "client/connection.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace cairn::cli {

// One command: `cairn <group> <name> ...` (name empty for a one-word command like `audit`).
struct Command {
  std::string group;
  std::string name;
  int (*run)(const Args&);
  std::set<std::string> valued;    // --flag VALUE
  std::set<std::string> switches;  // --flag
};

std::vector<Command> LessonCommands();
std::vector<Command> AdminCommands();
std::vector<Command> SearchCommands();
std::vector<Command> ObservationCommands();
std::vector<Command> WatchCommands();
std::vector<Command> FeedbackCommands();
std::vector<Command> ReportCommands();

// The flags that set a lesson's fields (lesson add and edit, observation submit), and setting
// them: a repeated flag replaces the whole list.
extern const std::set<std::string> kLessonFlags;
void ApplyLessonFlags(const Args& args, v1::Lesson* lesson);

// Flags every command takes.
extern const std::set<std::string> kConnectionFlags;

// A failure already explained to the user; main returns its code.
struct Exit {
  int code;
};

// "permission denied" for PERMISSION_DENIED.
std::string CodeName(absl::StatusCode code);
// Prints "cairn: <code>: <message>" and exits 1.
[[noreturn]] void Die(const absl::Status& status);
// Prints the problem and the usage, and exits 2.
[[noreturn]] void Usage(const std::string& problem);
// Prints the usage on stdout (`cairn help`).
void PrintUsage();

template <typename T>
T OrDie(absl::StatusOr<T> result) {
  if (!result.ok()) Die(result.status());
  return *std::move(result);
}

// A user's spelling of an enum value ("amber+strict", "learned", "official-sensitive"): the
// proto name is tried as given and with each of `prefixes` in front. Usage() for anything else.
int ParseEnumNumber(const std::string& flag, const std::string& text,
                    const google::protobuf::EnumDescriptor* descriptor,
                    std::initializer_list<absl::string_view> prefixes);
v1::TlpMarking ParseMarking(const std::string& text);
// "2026-11-26" (midnight UTC) or RFC 3339 ("2026-11-26T10:00:00Z"); Usage() naming --flag else.
google::protobuf::Timestamp ParseTimeFlag(const std::string& flag, const std::string& text);
v1::LessonStatus ParseStatus(const std::string& text);
std::string MarkingName(v1::TlpMarking marking);  // "AMBER+STRICT"
std::string StatusName(v1::LessonStatus status);  // "lesson_learned"

std::string ToJson(const google::protobuf::Message& message);
// Cuts `text` to at most `width` bytes without splitting a UTF-8 character.
std::string Clip(absl::string_view text, size_t width);
// A table of lessons: id, version, status, marking, title.
void PrintLessonTable(const std::vector<v1::Lesson>& lessons);
// Prints rows as aligned columns; the first row is the header.
void PrintColumns(const std::vector<std::vector<std::string>>& rows);
// Reads a whole file (`-`: standard input), or dies saying it cannot.
std::string ReadFileOrDie(const std::string& path);

// A whole number given to --`flag`, or Usage().
uint64_t ParseCount(const std::string& flag, const std::string& text);

// Lists a paged collection: applies --limit to `request`, fetches one page, or with --all every
// page, and returns them joined (next_page_token is the last page's).
template <typename Response, typename Request, typename Fetch>
Response FetchPages(const Args& args, Request request, Fetch fetch) {
  if (args.Has("limit")) {
    request.set_page_size(static_cast<uint32_t>(ParseCount("limit", args.Get("limit"))));
  }
  Response all;
  while (true) {
    Response page = OrDie(fetch(request));
    all.clear_next_page_token();
    all.MergeFrom(page);
    if (!args.Has("all") || page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  return all;
}

// Connection settings from --addr/--ca/--cert/--key/--timeout, or CAIRN_ADDR, CAIRN_CA,
// CAIRN_CERT and CAIRN_KEY.
client::ConnectionOptions ConnectionFrom(const Args& args);

// The single positional argument `what` of `command`, or Usage().
std::string OnlyPositional(const Args& args, const std::string& command, const std::string& what);

}  // namespace cairn::cli

#endif  // CAIRN_CLIENT_CLI_COMMON_H_
