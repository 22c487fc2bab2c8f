#include "node/report/lessons_report.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "cairn/v1/feedback.pb.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"

namespace cairn {
namespace {

std::string MonthOf(absl::Time at) {
  return absl::FormatCivilTime(absl::ToCivilMonth(at, absl::UTCTimeZone()));
}

bool Included(const v1::Lesson& lesson, const std::string& org_id, const v1::ReportRequest& request,
              absl::Time since, absl::Time until) {
  if (lesson.origin_org() != org_id) return false;
  if (lesson.status() == v1::RETRACTED || lesson.status() == v1::OBSERVATION) return false;
  const absl::Time recorded = FromTimestamp(lesson.created_at());
  if (recorded < since || recorded >= until) return false;
  if (!request.project().empty() && !absl::EqualsIgnoreCase(lesson.project(), request.project())) {
    return false;
  }
  if (!request.topic().empty() &&
      std::none_of(lesson.topics().begin(), lesson.topics().end(), [&](const std::string& topic) {
        return absl::EqualsIgnoreCase(topic, request.topic());
      })) {
    return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<v1::Report> BuildLessonsReport(const Store& store, const std::string& org_id,
                                              const std::string& sector,
                                              const v1::ReportRequest& request, absl::Time now,
                                              const RelatedLessons& related) {
  if (!request.has_since()) return absl::InvalidArgumentError("since: give the period's start");
  if (!request.has_until()) return absl::InvalidArgumentError("until: give the period's end");
  const absl::Time since = FromTimestamp(request.since());
  const absl::Time until = FromTimestamp(request.until());
  if (until <= since) return absl::InvalidArgumentError("until: must be after since");
  const absl::CivilMonth first = absl::ToCivilMonth(since, absl::UTCTimeZone());
  const absl::CivilMonth last =
      absl::ToCivilMonth(until - absl::Nanoseconds(1), absl::UTCTimeZone());
  if (last - first >= ReportLimits::kMaxMonths) {
    return absl::InvalidArgumentError(
        absl::StrCat("until: a report covers at most ", ReportLimits::kMaxMonths, " months"));
  }
  v1::Report report;
  report.set_org_id(org_id);
  report.set_sector(sector);
  *report.mutable_request() = request;
  *report.mutable_generated_at() = ToTimestamp(now);

  std::vector<v1::Lesson> lessons;
  bool too_many = false;
  // Lesson ids begin with their origin: ours are one range of the store.
  CAIRN_RETURN_IF_ERROR(store.ScanLessons(absl::StrCat(org_id, ":"), [&](const v1::Lesson& lesson) {
    if (!absl::StartsWith(lesson.id(), absl::StrCat(org_id, ":"))) return false;
    if (!Included(lesson, org_id, request, since, until)) return true;
    if (lessons.size() == ReportLimits::kMaxLessons) {
      too_many = true;
      return false;
    }
    lessons.push_back(lesson);
    return true;
  }));
  if (too_many) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the period holds more than ", ReportLimits::kMaxLessons,
        " lessons, the most one report takes; choose a shorter period, a project or a topic"));
  }
  std::sort(lessons.begin(), lessons.end(), [](const v1::Lesson& a, const v1::Lesson& b) {
    return FromTimestamp(a.created_at()) < FromTimestamp(b.created_at());
  });

  std::map<std::string, int> topic_counts;
  for (const v1::Lesson& lesson : lessons) {
    for (const std::string& topic : lesson.topics()) ++topic_counts[absl::AsciiStrToLower(topic)];
  }
  std::vector<std::pair<int, std::string>> ranked;
  for (const auto& [topic, count] : topic_counts) ranked.push_back({-count, topic});
  std::sort(ranked.begin(), ranked.end());
  for (size_t i = 0; i < ranked.size() && i < 5; ++i) report.add_top_topics(ranked[i].second);

  std::map<std::string, v1::ReportMonth*> months;
  for (absl::CivilMonth month = first; month <= last; ++month) {
    v1::ReportMonth* entry = report.add_months();
    entry->set_month(absl::FormatCivilTime(month));
    months[entry->month()] = entry;
  }

  v1::ReportFigures& figures = *report.mutable_figures();
  absl::flat_hash_set<std::string> adopting_orgs, adopting_sectors;
  for (size_t i = 0; i < lessons.size(); ++i) {
    const v1::Lesson& lesson = lessons[i];
    v1::ReportedLesson& reported = *report.add_lessons();
    reported.set_lesson_id(lesson.id());
    reported.set_title(lesson.title());
    reported.set_summary(lesson.summary());
    reported.set_polarity(lesson.polarity());
    reported.set_status(lesson.status());
    reported.mutable_topics()->CopyFrom(lesson.topics());
    reported.mutable_recommendations()->CopyFrom(lesson.recommendations());
    *reported.mutable_recorded_at() = lesson.created_at();
    reported.set_project(lesson.project());

    figures.set_lessons(figures.lessons() + 1);
    if (lesson.polarity() == v1::GOOD_PRACTICE)
      figures.set_good_practice(figures.good_practice() + 1);
    if (lesson.polarity() == v1::AREA_FOR_IMPROVEMENT) {
      figures.set_areas_for_improvement(figures.areas_for_improvement() + 1);
    }
    if (lesson.status() == v1::LESSON_IDENTIFIED) figures.set_identified(figures.identified() + 1);
    if (lesson.status() == v1::LESSON_LEARNED) figures.set_learned(figures.learned() + 1);
    figures.set_recommendations(figures.recommendations() + lesson.recommendations_size());

    v1::ReportMonth& month = *months.at(MonthOf(FromTimestamp(lesson.created_at())));
    if (lesson.status() == v1::LESSON_IDENTIFIED) {
      month.set_identified(month.identified() + 1);
    } else if (lesson.status() == v1::LESSON_LEARNED) {
      month.set_learned(month.learned() + 1);
    } else {
      month.set_other(month.other() + 1);
    }
    for (const std::string& topic : lesson.topics()) {
      const std::string lower = absl::AsciiStrToLower(topic);
      if (std::find(report.top_topics().begin(), report.top_topics().end(), lower) !=
          report.top_topics().end()) {
        ++(*month.mutable_by_topic())[lower];
      }
    }

    bool adopted = false;
    CAIRN_RETURN_IF_ERROR(store.ScanFeedback(lesson.id(), [&](const v1::Feedback& feedback) {
      v1::ReportedLesson::Adopter& adopter = *reported.add_adopters();
      adopter.set_org_id(feedback.giver_org());
      adopter.set_sector(feedback.giver_sector());
      adopter.set_adoption(feedback.adoption());
      if (feedback.adoption() == v1::ADOPTED) {
        adopted = true;
        adopting_orgs.insert(feedback.giver_org());
        adopting_sectors.insert(feedback.giver_sector());
      }
      return true;
    }));
    if (adopted) figures.set_adopted_elsewhere(figures.adopted_elsewhere() + 1);
    if (related && i < ReportLimits::kRelatedLessons) {
      for (v1::ReportedLesson::Related& other : related(lesson)) {
        if (static_cast<size_t>(reported.related_size()) == ReportLimits::kRelatedEach) break;
        *reported.add_related() = std::move(other);
      }
    }
  }
  figures.set_adopting_organisations(adopting_orgs.size());
  figures.set_adopting_sectors(adopting_sectors.size());
  report.set_html(RenderReportHtml(report));
  return report;
}

}  // namespace cairn
