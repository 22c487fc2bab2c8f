#include "client/cli/common.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace cairn::cli {
namespace {

constexpr char kUsage[] = R"(usage: cairn [--addr HOST:PORT --ca FILE --cert FILE --key FILE] COMMAND

Lessons (editors write, analysts read):
  lesson add --title TEXT [lesson flags] | --file LESSON.json
  lesson get ID
  lesson history ID                   what happened to it here, where it came from, where it went
  lesson list [--status S] [--marking M] [--topic T] [--origin ORG] [--limit N] [--page-token T] [--all]
  lesson edit ID [lesson flags]        replaces the fields you give; repeated flags replace lists
  lesson retract ID [--reason TEXT]
  lesson import FILE [--format lessons|llis] [--marking M]   (JSON Lines; - for stdin)

Lesson flags: --title --summary --driving-event --lesson --recommendation (repeat) --evidence
  --project --phase --topic (repeat) --tag (repeat) --community (repeat) --contact --notes
  --marking red|amber+strict|amber|green|clear (default red)  --status observation|identified|learned|superseded
  --classification official|official-sensitive  --polarity good-practice|area-for-improvement

Speak up (any member of staff submits; editors review; admins alone may unseal):
  observation submit --title TEXT [lesson flags but --marking/--status] [--confidential]
     records what you noticed, RED on this node until an editor reviews it; --confidential:
     editors see only "a verified member of staff"
  observation mine [--limit N] [--all]           your observations and what became of them
  observation queue [--limit N] [--all]          awaiting review, oldest first (editors)
  observation promote ID --status identified|learned --marking M [--topic T (repeat)]
  observation merge ID --into LESSON_ID          it says what that lesson says (retracted as merged)
  observation decline ID --reason TEXT           the submitter reads the reason
  observation reveal ID --reason TEXT            who submitted it (admins; audited with the reason)

Search (analysts):
  search QUERY [--sector S] [--org ORG] [--topic T] [--status S] [--marking M] [--polarity P]
               [--after YYYY-MM-DD] [--before YYYY-MM-DD] [--limit N] [--page-token T] [--all-words]
               [--exact-counts]
     QUERY: words in your own words (lessons with more of them first, close together first; the
     vocabulary also finds other sectors' terms), "a phrase" and +word (must match), a AND b
     (both must match), either OR other, -excluded, and the same filters written as
     field:value, e.g.  cairn search '"battery management" mobile -drone sector:police'
     --all-words: every word must match, and no other sector's terms are tried
     --exact-counts: count every match ("at least N" otherwise when the best were found without
     looking at all), with facets over every match rather than the best 100
  search --federated QUERY [filter flags] [--limit N] [--deadline-ms MS] [--all-words]
     asks this node and every peer at once (default deadline 2,000 ms): a line per node as it
     answers (ok, timed_out, unreachable, refused), then one merged ranking
  search --like ID [--federated] [QUERY] [filter flags] [--limit N]
     more like this: lessons related to lesson ID (its most distinctive words), other sectors
     than its own first, ID itself left out; QUERY and filters narrow it. With --federated, a
     peer is sent the words only if it may see lesson ID itself (else: not_asked)

Alerts on saved searches (analysts):
  watch add QUERY [--all-words] [--webhook URL]  saves a search: every lesson this node stores from now
                                                 on (its own or a peer's copy) that it matches alerts you;
                                                 --webhook also posts each alert there (a URL the admin
                                                 allows, e.g. a Teams or Slack connector)
  watch list
  watch remove ID
  watch [--after CURSOR] [--cursor-file FILE] [--limit N]
     prints your alerts as they happen, one line each beginning with its cursor; --after (or the
     cursor kept in FILE, rewritten after each alert) resumes where you left off, so nothing
     stored while you were away is missed
  watch alerts [--unread] [--before CURSOR] [--page-size N]
     your alerts kept (the newest 10,000), newest first; unread ones marked "new"
  watch read CURSOR                              marks your alerts up to CURSOR read

Adoption feedback (analysts):
  feedback give ID --adoption adopted|planning-to-adopt|helpful|not-applicable [--note TEXT]
                [--own-lesson OUR_ID] [--marking red|amber+strict|amber|green|clear]
     tells another organisation what yours did with its lesson ID; signed by this node and
     delivered to the lesson's origin (through the node the copy came from when the origin is
     not a peer), sealed so only the origin reads it. TLP:RED (the default): the origin only
  feedback show ID                               on your lesson: who adopted it, by sector, with
                                                 totals; on another's: yours and its delivery

The lessons report (analysts):
  report --since DATE --until DATE [--project P] [--topic T] --out FILE.html
     this organisation's lessons recorded in the period (both days included): figures, good
     practice and areas for improvement, each recommendation's state, who else adopted them,
     what other sectors learned that relates, and charts, as one printable HTML page

Peers and sharing policy (admins):
  peer add ORG [--address HOST:PORT] [--sector S] [--pull-from yes|no] [--may-pull yes|no]
           [--may-query yes|no] [--community C (repeat)] [--refuse-feedback yes|no]
                                                 adds, or changes only what you give
  peer list
  peer show ORG
  peer remove ORG
  peer status                                    replication from each peer: cursor, lag, errors
  peer link-test ORG [--mb N]                    raw throughput of the mTLS link from a peer
  changelog trim --keep N                        drop old change-log entries (peers behind resync)
  policy show --peer ORG [--version N]
  policy set --peer ORG --file POLICY.textproto
  policy history --peer ORG
  policy explain LESSON_ID --peer ORG            allowed or not, and the rule that decided
  policy preview --peer ORG --file DRAFT.textproto [--sample N]
  policy view --peer ORG [--limit N] [--all]     the lessons the peer may receive, as it gets them
  index rebuild                                  index every lesson again (writes wait meanwhile)
  index check                                    compare the search index with a fresh rebuild
  backup DIR                                     copy the whole database, while the node serves,
                                                 to DIR on the node's host (absolute, new, outside
                                                 data_dir); restore: cairnd --restore-from DIR
  vocabulary get [--shipped]                     the groups of equivalent terms this node's admins
                                                 added to search (--shipped: those built in)
  vocabulary set FILE                            replaces the admins' groups (- for stdin; an
                                                 empty file removes them)
  audit [--actor "user jo"] [--action policy.set|lesson.] [--since T] [--until T] [--limit N] [--all]
        (times as 2026-11-26 or 2026-11-26T10:00:00Z)

Every command takes --json for machine-readable output; add, edit and retract take --quiet to
print only the lesson id. Connection settings also come from CAIRN_ADDR, CAIRN_CA, CAIRN_CERT
and CAIRN_KEY.
)";

}  // namespace

const std::set<std::string> kConnectionFlags = {"addr", "ca", "cert", "key", "timeout"};

std::string CodeName(absl::StatusCode code) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(absl::StatusCodeToString(code)), {{"_", " "}});
}

void Die(const absl::Status& status) {
  std::cerr << "cairn: " << CodeName(status.code()) << ": " << status.message() << "\n";
  throw Exit{1};
}

void Usage(const std::string& problem) {
  if (!problem.empty()) std::cerr << "cairn: " << problem << "\n\n";
  std::cerr << kUsage;
  throw Exit{2};
}

void PrintUsage() { std::cout << kUsage; }

int ParseEnumNumber(const std::string& flag, const std::string& text,
                    const google::protobuf::EnumDescriptor* descriptor,
                    std::initializer_list<absl::string_view> prefixes) {
  std::string name =
      absl::StrReplaceAll(absl::AsciiStrToUpper(text), {{"-", "_"}, {"+", "_"}, {" ", "_"}});
  for (absl::string_view prefix : prefixes) {
    const auto* value = descriptor->FindValueByName(absl::StrCat(prefix, name));
    if (value != nullptr && value->number() != 0) return value->number();
  }
  std::vector<std::string> allowed;
  for (int i = 1; i < descriptor->value_count(); ++i) {
    allowed.push_back(absl::AsciiStrToLower(descriptor->value(i)->name()));
  }
  Usage(absl::StrCat("--", flag, ": '", text, "' is not one of ", absl::StrJoin(allowed, ", ")));
}

// "2026-11-26" (midnight UTC) or RFC 3339 ("2026-11-26T10:00:00Z").
google::protobuf::Timestamp ParseTimeFlag(const std::string& flag, const std::string& text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &time, &error) &&
      !absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    Usage(absl::StrCat("--", flag, ": '", text, "' is not a date (2026-11-26) or a time (2026-11-26T10:00:00Z)"));
  }
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(time));
}

v1::TlpMarking ParseMarking(const std::string& text) {
  return static_cast<v1::TlpMarking>(
      ParseEnumNumber("marking", text, v1::TlpMarking_descriptor(), {"TLP_", ""}));
}

v1::LessonStatus ParseStatus(const std::string& text) {
  return static_cast<v1::LessonStatus>(
      ParseEnumNumber("status", text, v1::LessonStatus_descriptor(), {"", "LESSON_"}));
}

std::string MarkingName(v1::TlpMarking marking) {
  if (marking == v1::TLP_AMBER_STRICT) return "AMBER+STRICT";
  std::string name = v1::TlpMarking_Name(marking);
  return name.substr(name.find('_') + 1);
}

std::string StatusName(v1::LessonStatus status) {
  return absl::AsciiStrToLower(v1::LessonStatus_Name(status));
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

// Cuts `text` to at most `width` bytes without splitting a UTF-8 character.
std::string Clip(absl::string_view text, size_t width) {
  if (text.size() <= width) return std::string(text);
  size_t end = width - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(text.substr(0, end), "...");
}

void PrintColumns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

void PrintLessonTable(const std::vector<v1::Lesson>& lessons) {
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

std::string ReadFileOrDie(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path);
  if (!in) Die(absl::NotFoundError(absl::StrCat("cannot read ", path)));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

client::ConnectionOptions ConnectionFrom(const Args& args) {
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
  return options;
}

uint64_t ParseCount(const std::string& flag, const std::string& text) {
  uint64_t count;
  if (!absl::SimpleAtoi(text, &count)) Usage(absl::StrCat("--", flag, ": give a whole number"));
  return count;
}

std::string OnlyPositional(const Args& args, const std::string& command, const std::string& what) {
  if (args.positional().size() != 1) Usage(absl::StrCat("'", command, "' takes one ", what));
  return args.positional()[0];
}

}  // namespace cairn::cli
