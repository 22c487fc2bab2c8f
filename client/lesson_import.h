// Bulk import of lessons from JSON Lines through LessonService.ImportLessons.
#ifndef CAIRN_CLIENT_LESSON_IMPORT_H_
#define CAIRN_CLIENT_LESSON_IMPORT_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <vector>

#include "absl/status/statusor.h"
#include "cairn/v1/lesson.pb.h"
#include "client/import_line.h"
#include "client/lesson_client.h"

namespace cairn::client {

struct ImportOptions {
  ImportFormat format = ImportFormat::kLessons;
  // When set, every imported lesson gets this marking (LLIS lessons default to TLP_CLEAR).
  v1::TlpMarking marking = v1::TLP_UNSPECIFIED;
  // A request holds at most this many lessons and about this many bytes: well under the node's
  // 500-lesson and 4 MiB caps.
  int batch_items = 200;
  size_t batch_bytes = 1024 * 1024;
};

struct ImportFailure {
  uint64_t line = 0;  // 1-based line number in the input
  absl::Status error;
};

struct ImportSummary {
  uint64_t lines_read = 0;
  uint64_t imported = 0;
  std::vector<ImportFailure> failures;
};

// Reads `in` to the end, sending lessons in batches, each committed durably by the node before
// the next is sent. A line that is not a lesson, or that the node refuses, is a failure that does
// not stop the rest. `on_failure` hears of each failure as it happens, `on_progress` after each
// batch. Returns the summary, failures in line order, or the stream's error if the import as a whole failed (the summary
// up to then has been reported through the callbacks).
absl::StatusOr<ImportSummary> ImportJsonLines(
    LessonClient& client, std::istream& in, const ImportOptions& options,
    const std::function<void(const ImportFailure&)>& on_failure = nullptr,
    const std::function<void(const ImportSummary&)>& on_progress = nullptr);

}  // namespace cairn::client

#endif  // CAIRN_CLIENT_LESSON_IMPORT_H_
