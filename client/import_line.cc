#include "client/import_line.h"

#include <string>

#include "client/llis.h"
#include "google/protobuf/util/json_util.h"

namespace cairn::client {

absl::StatusOr<v1::Lesson> LessonFromImportLine(absl::string_view line, ImportFormat format,
                                                v1::TlpMarking marking) {
  if (format == ImportFormat::kLlis) {
    return LessonFromLlisJson(line, marking == v1::TLP_UNSPECIFIED ? v1::TLP_CLEAR : marking);
  }
  v1::Lesson lesson;
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(line), &lesson);
  if (!parsed.ok()) return absl::InvalidArgumentError(std::string(parsed.message()));
  if (marking != v1::TLP_UNSPECIFIED) lesson.set_marking(marking);
  return lesson;
}

}  // namespace cairn::client
