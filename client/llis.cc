#include "client/llis.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace cairn::client {
namespace {

// The field's text, trimmed; empty when absent or not a string.
std::string Text(const google::protobuf::Struct& record, const char* name) {
  auto it = record.fields().find(name);
  if (it == record.fields().end() || !it->second.has_string_value()) return "";
  return std::string(absl::StripAsciiWhitespace(it->second.string_value()));
}

// "7/18/2018" or "07/18/2018" as midnight UTC; nullopt when it is not such a date.
std::optional<absl::Time> ParseUsDate(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  int month, day, year;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &month) ||
      !absl::SimpleAtoi(parts[1], &day) || !absl::SimpleAtoi(parts[2], &year) || month < 1 ||
      month > 12 || day < 1 || day > 31 || year < 1900 || year > 2200) {
    return std::nullopt;
  }
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<v1::Lesson> LessonFromLlisJson(absl::string_view line, v1::TlpMarking marking) {
  google::protobuf::Struct record;
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(line), &record);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", std::string(parsed.message())));
  }
  v1::Lesson lesson;
  lesson.set_title(Text(record, "Title"));
  using Setter = std::string* (v1::Lesson::*)();
  for (auto [name, field] : {
           std::pair<const char*, Setter>{"Abstract", &v1::Lesson::mutable_summary},
           {"Driving Event", &v1::Lesson::mutable_driving_event},
           {"Lesson(s) Learned", &v1::Lesson::mutable_lesson},
           {"Evidence", &v1::Lesson::mutable_evidence},
           {"Project / Program", &v1::Lesson::mutable_project},
           {"From what phase of the program or project was this lesson learned captured?",
            &v1::Lesson::mutable_lifecycle_phase},
       }) {
    if (std::string text = Text(record, name); !text.empty()) *(lesson.*field)() = text;
  }
  if (std::string text = Text(record, "Recommendation(s)"); !text.empty()) {
    lesson.add_recommendations(text);
  }
  for (absl::string_view topic : absl::StrSplit(Text(record, "Topics"), ',')) {
    topic = absl::StripAsciiWhitespace(topic);
    if (!topic.empty()) lesson.add_topics(std::string(topic));
  }
  if (std::optional<absl::Time> occurred = ParseUsDate(Text(record, "Date Lesson Occurred"))) {
    lesson.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(*occurred));
  }
  if (std::string id = Text(record, "Lesson ID"); !id.empty()) {
    lesson.set_external_ref(absl::StrCat("llis-", id));
  }
  if (std::string org = Text(record, "Organization"); !org.empty()) {
    lesson.add_tags(absl::StrCat("nasa-", absl::AsciiStrToLower(org)));
  }
  lesson.set_status(v1::LESSON_LEARNED);
  lesson.set_marking(marking);
  lesson.set_classification(v1::OFFICIAL);
  return lesson;
}

}  // namespace cairn::client
