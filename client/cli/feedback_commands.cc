// The `cairn feedback ...` commands: adoption feedback on other organisations' lessons, and what
// others said of ours.
#include <iostream>

#include "absl/strings/ascii.h"
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

std::string AdoptionText(v1::Adoption adoption) {
  std::string name = absl::AsciiStrToLower(v1::Adoption_Name(adoption));
  for (char& c : name) c = c == '_' ? ' ' : c;
  return name;
}

std::string DeliveryText(const v1::GivenFeedback& given) {
  switch (given.delivery()) {
    case v1::GivenFeedback::DELIVERED:
      return absl::StrCat("delivered to ", given.via());
    case v1::GivenFeedback::REFUSED:
      return absl::StrCat("refused by ", given.via(), ": ", given.detail());
    default:
      return "on its way";
  }
}

// feedback give LESSON_ID --adoption adopted|planning-to-adopt|helpful|not-applicable
//   [--note TEXT] [--own-lesson ID] [--marking red|amber|green|...]
int FeedbackGive(const Args& args) {
  v1::GiveFeedbackRequest request;
  request.set_lesson_id(OnlyPositional(args, "feedback give", "lesson id"));
  if (!args.Has("adoption")) {
    Usage("'feedback give' needs --adoption adopted|planning-to-adopt|helpful|not-applicable");
  }
  request.set_adoption(static_cast<v1::Adoption>(
      ParseEnumNumber("adoption", args.Get("adoption"), v1::Adoption_descriptor(), {""})));
  if (args.Has("note")) request.set_note(args.Get("note"));
  if (args.Has("own-lesson")) request.set_own_lesson_id(args.Get("own-lesson"));
  if (args.Has("marking")) request.set_marking(ParseMarking(args.Get("marking")));
  v1::GivenFeedback given = OrDie(Connect(args)->GiveFeedback(request));
  if (args.Has("json")) {
    std::cout << ToJson(given) << "\n";
  } else {
    std::cout << "feedback " << given.feedback().revision() << " on " << request.lesson_id() << " ("
              << AdoptionText(given.feedback().adoption())
              << ", TLP:" << MarkingName(given.feedback().marking()) << ") signed; "
              << DeliveryText(given) << "\n";
  }
  return 0;
}

// feedback show LESSON_ID: on our lesson, every organisation's; on another's, ours.
int FeedbackShow(const Args& args) {
  const std::string lesson_id = OnlyPositional(args, "feedback show", "lesson id");
  v1::GetFeedbackResponse shown = OrDie(Connect(args)->GetFeedback(lesson_id));
  if (args.Has("json")) {
    std::cout << ToJson(shown) << "\n";
    return 0;
  }
  if (shown.has_given()) {
    const v1::Feedback& mine = shown.given().feedback();
    std::cout << "ours: " << AdoptionText(mine.adoption()) << " (revision " << mine.revision()
              << ", TLP:" << MarkingName(mine.marking()) << "), " << DeliveryText(shown.given())
              << "\n";
    if (!mine.note().empty()) std::cout << "note: " << mine.note() << "\n";
    return 0;
  }
  if (!shown.has_totals()) {
    std::cout << "no feedback given on " << lesson_id << "\n";
    return 0;
  }
  const v1::FeedbackTotals& totals = shown.totals();
  std::cout << "adopted by " << totals.adopted() << " organisations in "
            << totals.adopting_sectors() << " sectors; planning to adopt "
            << totals.planning_to_adopt() << "; helpful " << totals.helpful() << "; not applicable "
            << totals.not_applicable() << "\n";
  std::vector<std::vector<std::string>> rows = {
      {"ORGANISATION", "SECTOR", "FEEDBACK", "GIVEN", "MARKING", "NOTE"}};
  for (const v1::Feedback& feedback : shown.feedback()) {
    rows.push_back({feedback.giver_org(), feedback.giver_sector(),
                    AdoptionText(feedback.adoption()),
                    google::protobuf::util::TimeUtil::ToString(feedback.given_at()),
                    absl::StrCat("TLP:", MarkingName(feedback.marking())),
                    absl::StrCat(feedback.note(), feedback.own_lesson_id().empty() ? "" : "  → ",
                                 feedback.own_lesson_id())});
  }
  PrintColumns(rows);
  return 0;
}

}  // namespace

std::vector<Command> FeedbackCommands() {
  return {
      {"feedback", "give", FeedbackGive, {"adoption", "note", "own-lesson", "marking"}, {}},
      {"feedback", "show", FeedbackShow, {}, {}},
  };
}

}  // namespace cairn::cli
