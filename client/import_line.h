// One line of an import file as a lesson. No gRPC here: the CLI's import, tools and the fuzz
// targets (tests/fuzz) share it.
#ifndef CAIRN_CLIENT_IMPORT_LINE_H_
#define CAIRN_CLIENT_IMPORT_LINE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cairn/v1/lesson.pb.h"

namespace cairn::client {

enum class ImportFormat {
  kLessons,  // each line a cairn.v1.Lesson in JSON
  kLlis,     // each line a NASA LLIS record (see llis.h)
};

// The lesson `line` holds in `format`. `marking`, unless TLP_UNSPECIFIED, replaces the line's
// marking (LLIS lessons get TLP_CLEAR when it is unspecified). INVALID_ARGUMENT when the line is
// not JSON of the right shape. The lesson is not validated: the node does that on import.
absl::StatusOr<v1::Lesson> LessonFromImportLine(absl::string_view line, ImportFormat format,
                                                v1::TlpMarking marking);

}  // namespace cairn::client

#endif  // CAIRN_CLIENT_IMPORT_LINE_H_
