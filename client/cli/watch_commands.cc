// The `cairn watch ...` commands: saved searches, and following their alerts as they happen.
#include <fstream>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli/common.h"
#include "client/lesson_client.h"
#include "google/protobuf/util/time_util.h"

namespace cairn::cli {
namespace {

using client::LessonClient;

std::unique_ptr<LessonClient> Connect(const Args& args) {
  return OrDie(LessonClient::Connect(ConnectionFrom(args)));
}

int WatchAdd(const Args& args) {
  if (args.positional().empty()) Usage("'watch add' needs the query to watch for");
  v1::AddWatchRequest request;
  request.set_query(absl::StrJoin(args.positional(), " "));
  request.set_all_words(args.Has("all-words"));
  if (args.Has("webhook")) request.set_webhook_url(args.Get("webhook"));
  v1::Watch watch = OrDie(Connect(args)->AddWatch(request));
  if (args.Has("json")) {
    std::cout << ToJson(watch) << "\n";
  } else {
    std::cout << "saved " << watch.id() << ": " << watch.query()
              << (watch.has_webhook_url() ? absl::StrCat("  (posted to ", watch.webhook_url(), ")")
                                          : "")
              << "\n";
  }
  return 0;
}

int WatchList(const Args& args) {
  if (!args.positional().empty()) Usage("'watch list' takes no positional arguments");
  v1::ListWatchesResponse listed = OrDie(Connect(args)->ListWatches());
  if (args.Has("json")) {
    std::cout << ToJson(listed) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "SAVED", "QUERY"}};
  for (const v1::Watch& watch : listed.watches()) {
    rows.push_back({watch.id(), google::protobuf::util::TimeUtil::ToString(watch.created_at()),
                    absl::StrCat(watch.query(), watch.all_words() ? "  (every word)" : "",
                                 watch.has_webhook_url()
                                     ? absl::StrCat("  (posted to ", watch.webhook_url(), ")")
                                     : "")});
  }
  PrintColumns(rows);
  return 0;
}

int WatchRemove(const Args& args) {
  const std::string id = OnlyPositional(args, "watch remove", "saved search id");
  if (absl::Status removed = Connect(args)->RemoveWatch(id); !removed.ok()) Die(removed);
  if (!args.Has("json")) std::cout << "removed " << id << "\n";
  return 0;
}

void PrintAlert(const v1::Alert& alert) {
  std::cout << alert.cursor() << "  " << alert.lesson_id() << "  v" << alert.version() << "  "
            << alert.origin_org() << " (" << alert.origin_sector() << ")  " << alert.title()
            << "  [" << alert.query() << "]" << std::endl;
}

// The caller's alerts kept, newest first, a page at a time; unread ones marked "new".
int WatchAlerts(const Args& args) {
  if (!args.positional().empty()) Usage("'watch alerts' takes no positional arguments");
  v1::ListAlertsRequest request;
  if (args.Has("before")) request.set_before(ParseCount("before", args.Get("before")));
  if (args.Has("page-size")) {
    request.set_page_size(static_cast<uint32_t>(ParseCount("page-size", args.Get("page-size"))));
  }
  request.set_unread_only(args.Has("unread"));
  v1::ListAlertsResponse listed = OrDie(Connect(args)->ListAlerts(request));
  if (args.Has("json")) {
    std::cout << ToJson(listed) << "\n";
    return 0;
  }
  std::cout << listed.unread_count() << " unread\n";
  for (const v1::Alert& alert : listed.alerts()) {
    std::cout << (alert.unread() ? "new " : "    ");
    PrintAlert(alert);
  }
  if (listed.next_before() != 0) {
    std::cout << "more: cairn watch alerts --before " << listed.next_before() << "\n";
  }
  return 0;
}

// Marks the caller's alerts up to a cursor read.
int WatchRead(const Args& args) {
  const uint64_t through = ParseCount("cursor", OnlyPositional(args, "watch read", "cursor"));
  v1::MarkAlertsReadResponse marked = OrDie(Connect(args)->MarkAlertsRead(through));
  if (args.Has("json")) {
    std::cout << ToJson(marked) << "\n";
  } else {
    std::cout << "read through " << marked.read_through() << "; " << marked.unread_count()
              << " unread\n";
  }
  return 0;
}

// Follows the caller's alerts: one line each as it happens. --after resumes after a cursor;
// --cursor-file keeps the cursor of the last alert printed, so the next run goes on from there.
int WatchFollow(const Args& args) {
  if (!args.positional().empty()) Usage("'watch' takes no positional arguments; see 'watch add'");
  uint64_t after = args.Has("after") ? ParseCount("after", args.Get("after")) : 0;
  const std::string cursor_file = args.Has("cursor-file") ? args.Get("cursor-file") : "";
  if (!cursor_file.empty() && !args.Has("after")) {
    std::ifstream in(cursor_file);
    std::string text;
    if (in >> text && !absl::SimpleAtoi(text, &after)) {
      Die(absl::InvalidArgumentError(
          absl::StrCat("--cursor-file: ", cursor_file, " holds no cursor: ", text)));
    }
  }
  const uint64_t limit = args.Has("limit") ? ParseCount("limit", args.Get("limit")) : 0;
  uint64_t printed = 0;
  absl::Status ended = Connect(args)->StreamAlerts(after, [&](const v1::AlertEvent& event) {
    if (!event.has_alert()) return true;  // a heartbeat
    const v1::Alert& alert = event.alert();
    if (args.Has("json")) {
      std::cout << ToJson(alert) << std::endl;
    } else {
      PrintAlert(alert);
    }
    if (!cursor_file.empty()) {
      std::ofstream(cursor_file, std::ios::trunc) << alert.cursor() << "\n";
    }
    return limit == 0 || ++printed < limit;
  });
  if (!ended.ok()) Die(ended);
  return 0;
}

}  // namespace

std::vector<Command> WatchCommands() {
  return {
      {"watch", "add", WatchAdd, {"webhook"}, {"all-words"}},
      {"watch", "alerts", WatchAlerts, {"before", "page-size"}, {"unread"}},
      {"watch", "read", WatchRead, {}, {}},
      {"watch", "list", WatchList, {}, {}},
      {"watch", "remove", WatchRemove, {}, {}},
      {"watch", "", WatchFollow, {"after", "cursor-file", "limit"}, {}},
  };
}

}  // namespace cairn::cli
