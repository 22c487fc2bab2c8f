// Mapping NASA Lessons Learned Information System records (one JSON object a line, as in
// ../shared/data/nasa-llis-2021.jsonl) to Cairn lessons.
#ifndef CAIRN_CLIENT_LLIS_H_
#define CAIRN_CLIENT_LLIS_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "cairn/v1/lesson.pb.h"

namespace cairn::client {

// Field mapping: Title -> title, Abstract -> summary, Driving Event -> driving_event,
// Lesson(s) Learned -> lesson, Recommendation(s) -> recommendations (one entry), Evidence ->
// evidence, Project / Program -> project, the phase question -> lifecycle_phase, Topics (comma
// separated) -> topics, Date Lesson Occurred (M/D/YYYY) -> occurred_at, Lesson ID -> external_ref
// "llis-<id>", Organization -> tag "nasa-<centre>". Status is LESSON_LEARNED; the marking is
// `marking` (LLIS lessons are public, so callers usually pass TLP_CLEAR).
// INVALID_ARGUMENT when the line is not a JSON object.
absl::StatusOr<v1::Lesson> LessonFromLlisJson(absl::string_view line, v1::TlpMarking marking);

}  // namespace cairn::client

#endif  // CAIRN_CLIENT_LLIS_H_
