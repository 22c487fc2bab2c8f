// `cairn report`: the lessons report of this organisation for a period, as one printable HTML
// file.
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "client/cli/common.h"
#include "client/lesson_client.h"
#include "google/protobuf/util/time_util.h"

namespace cairn::cli {
namespace {

using google::protobuf::util::TimeUtil;

// report --since DATE --until DATE [--project P] [--topic T] --out FILE.html
int Report(const Args& args) {
  if (!args.positional().empty()) Usage("'report' takes no positional arguments");
  if (!args.Has("since") || !args.Has("until") || !args.Has("out")) {
    Usage("'report' needs --since DATE --until DATE --out FILE.html");
  }
  v1::ReportRequest request;
  *request.mutable_since() = ParseTimeFlag("since", args.Get("since"));
  *request.mutable_until() = ParseTimeFlag("until", args.Get("until"));
  // A day given as --until is included: the period ends when it does.
  if (args.Get("until").size() == 10) {
    *request.mutable_until() = request.until() + TimeUtil::SecondsToDuration(24 * 60 * 60);
  }
  if (args.Has("project")) request.set_project(args.Get("project"));
  if (args.Has("topic")) request.set_topic(args.Get("topic"));
  v1::Report report =
      OrDie(OrDie(client::LessonClient::Connect(ConnectionFrom(args)))->BuildReport(request));
  const std::string out = args.Get("out");
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file << report.html();
  file.close();
  if (!file) Die(absl::FailedPreconditionError(absl::StrCat("--out: cannot write ", out)));
  report.clear_html();
  if (args.Has("json")) {
    std::cout << ToJson(report) << "\n";
    return 0;
  }
  const v1::ReportFigures& figures = report.figures();
  std::cout << "report of " << figures.lessons() << " lessons (" << figures.good_practice()
            << " good practice, " << figures.areas_for_improvement() << " areas for improvement; "
            << figures.learned() << " learned, " << figures.identified() << " identified; "
            << figures.recommendations() << " recommendations; adopted by "
            << figures.adopting_organisations() << " other organisations in "
            << figures.adopting_sectors() << " sectors) written to " << out << "\n";
  return 0;
}

}  // namespace

std::vector<Command> ReportCommands() {
  return {{"report", "", Report, {"since", "until", "project", "topic", "out"}, {}}};
}

}  // namespace cairn::cli
