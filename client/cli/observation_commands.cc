// The `cairn observation ...` commands: any member of staff speaks up; editors review; an admin
// alone may learn who submitted a confidential observation.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "client/cli/common.h"
#include "client/lesson_client.h"
#include "google/protobuf/util/time_util.h"

namespace cairn::cli {
namespace {

using client::LessonClient;

std::unique_ptr<LessonClient> Connect(const Args& args) {
  return OrDie(LessonClient::Connect(ConnectionFrom(args)));
}

std::string Submitter(const v1::Submission& submission) {
  return submission.confidential() ? "a verified member of staff" : submission.submitter();
}

// What became of it, in a few words.
std::string Outcome(const v1::Submission& submission) {
  switch (submission.state()) {
    case v1::Submission::PROMOTED:
      return absl::StrCat("promoted by ", submission.reviewed_by());
    case v1::Submission::MERGED:
      return absl::StrCat("merged into ", submission.merged_into(), " by ",
                          submission.reviewed_by());
    case v1::Submission::DECLINED:
      return absl::StrCat("declined by ", submission.reviewed_by(), ": ",
                          submission.decline_reason());
    default:
      return "awaiting review";
  }
}

void PrintSubmission(const v1::Submission& submission, const Args& args) {
  if (args.Has("json")) {
    std::cout << ToJson(submission) << "\n";
    return;
  }
  std::cout << "observation: " << submission.lesson_id() << "\n"
            << "title: " << submission.title() << "\n"
            << "submitted by: " << Submitter(submission) << ", "
            << google::protobuf::util::TimeUtil::ToString(submission.submitted_at()) << "\n"
            << "state: " << Outcome(submission) << "\n";
}

void PrintSubmissions(const v1::ListSubmissionsResponse& page, const Args& args) {
  if (args.Has("json")) {
    std::cout << ToJson(page) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"OBSERVATION", "SUBMITTED", "BY", "STATE", "TITLE"}};
  for (const v1::Submission& submission : page.submissions()) {
    rows.push_back({submission.lesson_id(),
                    google::protobuf::util::TimeUtil::ToString(submission.submitted_at()),
                    Submitter(submission), Outcome(submission), Clip(submission.title(), 60)});
  }
  PrintColumns(rows);
  if (!page.next_page_token().empty()) {
    std::cout << "(more: --all, or --page-token " << page.next_page_token() << ")\n";
  }
}

int ObservationSubmit(const Args& args) {
  if (!args.positional().empty()) Usage("'observation submit' takes no positional arguments");
  if (args.Has("marking") || args.Has("status")) {
    Usage("'observation submit': an observation is RED and OBSERVATION until an editor reviews it");
  }
  v1::SubmitObservationRequest request;
  ApplyLessonFlags(args, request.mutable_observation());
  request.set_confidential(args.Has("confidential"));
  PrintSubmission(OrDie(Connect(args)->SubmitObservation(request)), args);
  return 0;
}

v1::ListSubmissionsResponse ListPages(const Args& args,
                                      absl::StatusOr<v1::ListSubmissionsResponse> (
                                          LessonClient::*list)(const v1::ListSubmissionsRequest&)) {
  std::unique_ptr<LessonClient> client = Connect(args);
  v1::ListSubmissionsRequest request;
  if (args.Has("page-token")) request.set_page_token(args.Get("page-token"));
  return FetchPages<v1::ListSubmissionsResponse>(
      args, request,
      [&](const v1::ListSubmissionsRequest& page) { return (client.get()->*list)(page); });
}

int ObservationMine(const Args& args) {
  if (!args.positional().empty()) Usage("'observation mine' takes no positional arguments");
  PrintSubmissions(ListPages(args, &LessonClient::ListMySubmissions), args);
  return 0;
}

int ObservationQueue(const Args& args) {
  if (!args.positional().empty()) Usage("'observation queue' takes no positional arguments");
  PrintSubmissions(ListPages(args, &LessonClient::ListObservationQueue), args);
  return 0;
}

int Review(const Args& args, const std::string& command,
           const std::function<void(v1::ReviewObservationRequest*)>& decide) {
  v1::ReviewObservationRequest request;
  request.set_lesson_id(OnlyPositional(args, command, "observation id"));
  decide(&request);
  PrintSubmission(OrDie(Connect(args)->ReviewObservation(request)), args);
  return 0;
}

int ObservationPromote(const Args& args) {
  return Review(args, "observation promote", [&](v1::ReviewObservationRequest* request) {
    auto* promote = request->mutable_promote();
    if (args.Has("status")) promote->set_status(ParseStatus(args.Get("status")));
    if (args.Has("marking")) promote->set_marking(ParseMarking(args.Get("marking")));
    for (const std::string& topic : args.GetAll("topic")) promote->add_topics(topic);
  });
}

int ObservationMerge(const Args& args) {
  return Review(args, "observation merge", [&](v1::ReviewObservationRequest* request) {
    request->mutable_merge()->set_into(args.Get("into"));
  });
}

int ObservationDecline(const Args& args) {
  return Review(args, "observation decline", [&](v1::ReviewObservationRequest* request) {
    request->mutable_decline()->set_reason(args.Get("reason"));
  });
}

int ObservationReveal(const Args& args) {
  v1::RevealSubmitterRequest request;
  request.set_lesson_id(OnlyPositional(args, "observation reveal", "observation id"));
  request.set_reason(args.Get("reason"));
  v1::RevealSubmitterResponse response = OrDie(Connect(args)->RevealSubmitter(request));
  if (args.Has("json")) {
    std::cout << ToJson(response) << "\n";
  } else {
    std::cout << response.submitter() << "\n";
  }
  return 0;
}

}  // namespace

std::vector<Command> ObservationCommands() {
  std::set<std::string> submit_flags = kLessonFlags;
  return {
      {"observation", "submit", ObservationSubmit, submit_flags, {"confidential"}},
      {"observation", "mine", ObservationMine, {"limit", "page-token"}, {"all"}},
      {"observation", "queue", ObservationQueue, {"limit", "page-token"}, {"all"}},
      {"observation", "promote", ObservationPromote, {"status", "marking", "topic"}, {}},
      {"observation", "merge", ObservationMerge, {"into"}, {}},
      {"observation", "decline", ObservationDecline, {"reason"}, {}},
      {"observation", "reveal", ObservationReveal, {"reason"}, {}},
  };
}

}  // namespace cairn::cli
