#include "client/lesson_import.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace cairn::client {
absl::StatusOr<ImportSummary> ImportJsonLines(
    LessonClient& client, std::istream& in, const ImportOptions& options,
    const std::function<void(const ImportFailure&)>& on_failure,
    const std::function<void(const ImportSummary&)>& on_progress) {
  ImportSummary summary;
  auto fail = [&](uint64_t line, absl::Status error) {
    summary.failures.push_back({line, std::move(error)});
    if (on_failure) on_failure(summary.failures.back());
  };
  // Lines that cannot become a lesson are failures here and are never sent. A lesson that would
  // take a request past batch_bytes waits for the next request.
  std::optional<v1::ImportLessonsRequest::Item> held;
  auto next = [&](v1::ImportLessonsRequest* request) {
    size_t bytes = 0;
    while (request->items_size() < options.batch_items) {
      v1::ImportLessonsRequest::Item item;
      if (held) {
        item = *std::move(held);
        held.reset();
      } else {
        std::string line;
        if (!std::getline(in, line)) break;
        uint64_t line_number = ++summary.lines_read;
        if (absl::StripAsciiWhitespace(line).empty()) continue;
        absl::StatusOr<v1::Lesson> lesson =
            LessonFromImportLine(line, options.format, options.marking);
        if (!lesson.ok()) {
          fail(line_number, lesson.status());
          continue;
        }
        if (lesson->ByteSizeLong() > options.batch_bytes) {
          fail(line_number, absl::ResourceExhaustedError(absl::StrCat(
                                "lesson: ", lesson->ByteSizeLong(),
                                " bytes is over the import limit of ", options.batch_bytes,
                                " bytes")));
          continue;
        }
        item.set_client_ref(line_number);
        *item.mutable_lesson() = *std::move(lesson);
      }
      size_t size = item.lesson().ByteSizeLong();
      if (request->items_size() > 0 && bytes + size > options.batch_bytes) {
        held = std::move(item);
        break;
      }
      bytes += size;
      *request->add_items() = std::move(item);
    }
    return request->items_size() > 0;
  };
  auto on_results = [&](const v1::ImportLessonsResponse& response) {
    for (const auto& result : response.results()) {
      if (result.has_id()) {
        ++summary.imported;
      } else {
        fail(result.client_ref(), absl::Status(static_cast<absl::StatusCode>(result.error_code()),
                                               result.error_message()));
      }
    }
    if (on_progress) on_progress(summary);
  };
  absl::Status status = client.Import(next, on_results);
  if (!status.ok()) return status;
  // Parse failures are found before the node's answers for earlier lines; report in line order.
  std::stable_sort(summary.failures.begin(), summary.failures.end(),
                   [](const ImportFailure& a, const ImportFailure& b) { return a.line < b.line; });
  return summary;
}

}  // namespace cairn::client
