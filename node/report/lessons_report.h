// The lessons report (SPEC section 10): this organisation's lessons over a period, for a project
// or a topic, with figures, good practice and areas for improvement, each recommendation's state,
// adoption by other organisations (from the feedback they sent), what other sectors learned that
// relates, and charts: the report as data and as one self-contained, printable HTML page.
#ifndef CAIRN_NODE_REPORT_LESSONS_REPORT_H_
#define CAIRN_NODE_REPORT_LESSONS_REPORT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cairn/v1/report.pb.h"
#include "node/storage/store.h"

namespace cairn {

// Lessons of other organisations this node holds that relate to one of ours (more like this).
using RelatedLessons =
    std::function<std::vector<v1::ReportedLesson::Related>(const v1::Lesson& lesson)>;

struct ReportLimits {
  static constexpr size_t kMaxLessons = 2'000;   // in one report
  static constexpr size_t kRelatedEach = 3;      // "what others learned", per lesson
  static constexpr size_t kRelatedLessons = 50;  // lessons that get them (the first ones)
  static constexpr int kMaxMonths = 120;
};

// The report of `org_id`'s lessons recorded in [since, until) that match the request's project
// and topic (retracted ones and observations not yet reviewed are left out). INVALID_ARGUMENT
// naming "since" or "until" when either is missing or the period is empty or longer than
// ReportLimits::kMaxMonths; RESOURCE_EXHAUSTED past kMaxLessons.
absl::StatusOr<v1::Report> BuildLessonsReport(const Store& store, const std::string& org_id,
                                              const std::string& sector,
                                              const v1::ReportRequest& request, absl::Time now,
                                              const RelatedLessons& related);

// The report as one HTML page: inline CSS and SVG, nothing fetched, printable.
std::string RenderReportHtml(const v1::Report& report);

}  // namespace cairn

#endif  // CAIRN_NODE_REPORT_LESSONS_REPORT_H_
