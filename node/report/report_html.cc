// RenderReportHtml: the lessons report as one printable HTML page, charts drawn as inline SVG
// (each with a text alternative and its figures in a table), nothing fetched from anywhere.
#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "node/common/time_proto.h"
#include "node/report/lessons_report.h"

namespace cairn {
namespace {

std::string Escape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Day(const google::protobuf::Timestamp& at) {
  return absl::FormatTime("%e %B %Y", FromTimestamp(at), absl::UTCTimeZone());
}

std::string AdoptionText(v1::Adoption adoption) {
  switch (adoption) {
    case v1::ADOPTED:
      return "adopted it";
    case v1::PLANNING_TO_ADOPT:
      return "plans to adopt it";
    case v1::HELPFUL:
      return "found it helpful";
    case v1::NOT_APPLICABLE:
      return "found it does not apply";
    default:
      return "gave feedback";
  }
}

// Colours from the GOV.UK palette, each with a text label beside it (colour is never the only cue).
constexpr const char* kIdentifiedColour = "#1d70b8";
constexpr const char* kLearnedColour = "#00703c";
constexpr const char* kOtherColour = "#505a5f";
constexpr const char* kTopicColours[] = {"#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#f47738"};

constexpr int kChartWidth = 640, kChartHeight = 220, kLeft = 40, kBottom = 40, kTop = 10;

// The top of the y axis: at least 4, a multiple of 4, so each of the 4 ticks is a whole number.
int AxisTop(int max_value) { return std::max(4, (max_value + 3) / 4 * 4); }

std::string Axis(int max_value) {
  std::string svg;
  const int plot = kChartHeight - kBottom - kTop;
  for (int tick = 0; tick <= 4; ++tick) {
    const int value = max_value * tick / 4;
    const int y = kChartHeight - kBottom - plot * tick / 4;
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#b1b4b6\"/>"
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>",
                          kLeft, y, kChartWidth, y, kLeft - 6, y + 4, value);
  }
  return svg;
}

// The month's label under its slot, every `step`th month.
std::string MonthLabels(const v1::Report& report, double slot, int step) {
  std::string svg;
  for (int i = 0; i < report.months_size(); i += step) {
    absl::StrAppendFormat(&svg, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                          kLeft + slot * (i + 0.5), kChartHeight - kBottom + 16,
                          report.months(i).month());
  }
  return svg;
}

// The opening of a chart: its text alternative (`id`, `title`) and its y axis up to `max_value`.
std::string ChartStart(absl::string_view id, absl::string_view title, int max_value) {
  return absl::StrFormat(
             "<svg role=\"img\" aria-labelledby=\"%s\" viewBox=\"0 0 %d %d\" width=\"100%%\">"
             "<title id=\"%s\">%s (the table below gives the figures)</title>",
             id, kChartWidth, kChartHeight, id, title) +
         Axis(max_value);
}

std::string StatusChart(const v1::Report& report) {
  int max_value = 1;
  for (const v1::ReportMonth& month : report.months()) {
    max_value = std::max<int>(max_value, month.identified() + month.learned() + month.other());
  }
  max_value = AxisTop(max_value);
  const int months = std::max(1, report.months_size());
  const double slot = static_cast<double>(kChartWidth - kLeft) / months;
  const int plot = kChartHeight - kBottom - kTop;
  const int step = std::max(1, months / 12);
  std::string svg =
      ChartStart("status-chart-title", "Lessons recorded each month, by status", max_value);
  for (int i = 0; i < report.months_size(); ++i) {
    const v1::ReportMonth& month = report.months(i);
    double base = kChartHeight - kBottom;
    for (auto [count, colour] : {std::pair<int, const char*>{month.learned(), kLearnedColour},
                                 {month.identified(), kIdentifiedColour},
                                 {month.other(), kOtherColour}}) {
      if (count == 0) continue;
      const double height = static_cast<double>(plot) * count / max_value;
      base -= height;
      absl::StrAppendFormat(&svg,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            "fill=\"%s\"/>",
                            kLeft + slot * i + slot * 0.15, base, slot * 0.7, height, colour);
    }
  }
  svg += MonthLabels(report, slot, step);
  svg += "</svg>";
  return svg;
}

std::string TopicChart(const v1::Report& report) {
  int max_value = 1;
  for (const v1::ReportMonth& month : report.months()) {
    for (const auto& [topic, count] : month.by_topic()) max_value = std::max<int>(max_value, count);
  }
  max_value = AxisTop(max_value);
  const int months = std::max(1, report.months_size());
  const double slot = static_cast<double>(kChartWidth - kLeft) / months;
  const int plot = kChartHeight - kBottom - kTop;
  std::string svg = ChartStart(
      "topic-chart-title", "Lessons recorded each month on the most frequent topics", max_value);
  for (int t = 0; t < report.top_topics_size(); ++t) {
    std::vector<std::string> points;
    for (int i = 0; i < report.months_size(); ++i) {
      auto it = report.months(i).by_topic().find(report.top_topics(t));
      const int count = it == report.months(i).by_topic().end() ? 0 : it->second;
      const double x = kLeft + slot * (i + 0.5);
      const double y = kChartHeight - kBottom - static_cast<double>(plot) * count / max_value;
      points.push_back(absl::StrFormat("%.1f,%.1f", x, y));
      // A marker too, so a one-month period still shows each topic.
      absl::StrAppendFormat(&svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>", x, y,
                            kTopicColours[t]);
    }
    absl::StrAppendFormat(&svg,
                          "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"3\" "
                          "points=\"%s\"/>",
                          kTopicColours[t], absl::StrJoin(points, " "));
  }
  svg += MonthLabels(report, slot, std::max(1, months / 12));
  svg += "</svg>";
  return svg;
}

std::string Swatch(const char* colour) {
  return absl::StrFormat("<span class=\"swatch\" style=\"background:%s\"></span>", colour);
}

std::string MonthTable(const v1::Report& report, bool topics) {
  std::string html = "<table class=\"figures\"><thead><tr><th scope=\"col\">Month</th>";
  if (topics) {
    for (int t = 0; t < report.top_topics_size(); ++t) {
      absl::StrAppend(&html, "<th scope=\"col\">", Swatch(kTopicColours[t]),
                      Escape(report.top_topics(t)), "</th>");
    }
  } else {
    absl::StrAppend(&html, "<th scope=\"col\">", Swatch(kIdentifiedColour),
                    "Identified</th><th scope=\"col\">", Swatch(kLearnedColour),
                    "Learned</th><th scope=\"col\">", Swatch(kOtherColour), "Other</th>");
  }
  html += "</tr></thead><tbody>";
  for (const v1::ReportMonth& month : report.months()) {
    absl::StrAppend(&html, "<tr><th scope=\"row\">", month.month(), "</th>");
    if (topics) {
      for (const std::string& topic : report.top_topics()) {
        auto it = month.by_topic().find(topic);
        absl::StrAppend(&html, "<td>", it == month.by_topic().end() ? 0 : it->second, "</td>");
      }
    } else {
      absl::StrAppend(&html, "<td>", month.identified(), "</td><td>", month.learned(), "</td><td>",
                      month.other(), "</td>");
    }
    html += "</tr>";
  }
  return html + "</tbody></table>";
}

std::string LessonEntry(const v1::ReportedLesson& lesson) {
  const bool learned = lesson.status() == v1::LESSON_LEARNED;
  std::string html = absl::StrCat(
      "<article class=\"lesson\" id=\"", Escape(lesson.lesson_id()), "\"><h4>",
      Escape(lesson.title()), "</h4><p class=\"meta\">", Escape(lesson.lesson_id()), " · recorded ",
      Day(lesson.recorded_at()), " · ", learned ? "lesson learned" : "lesson identified");
  if (!lesson.project().empty()) absl::StrAppend(&html, " · ", Escape(lesson.project()));
  if (lesson.topics_size() > 0) {
    absl::StrAppend(&html, " · topics: ", Escape(absl::StrJoin(lesson.topics(), ", ")));
  }
  html += "</p>";
  if (!lesson.summary().empty()) absl::StrAppend(&html, "<p>", Escape(lesson.summary()), "</p>");
  if (lesson.recommendations_size() > 0) {
    html +=
        "<table class=\"figures\"><thead><tr><th scope=\"col\">Recommendation</th>"
        "<th scope=\"col\">Status</th></tr></thead><tbody>";
    for (const std::string& recommendation : lesson.recommendations()) {
      absl::StrAppend(&html, "<tr><td>", Escape(recommendation), "</td><td>",
                      learned ? "Adopted: the remedy works" : "Proposed", "</td></tr>");
    }
    html += "</tbody></table>";
  }
  if (lesson.adopters_size() > 0) {
    std::vector<std::string> said;
    for (const auto& adopter : lesson.adopters()) {
      said.push_back(absl::StrCat(Escape(adopter.org_id()), " (", Escape(adopter.sector()), ") ",
                                  AdoptionText(adopter.adoption())));
    }
    absl::StrAppend(&html, "<p class=\"adoption\"><strong>Elsewhere:</strong> ",
                    absl::StrJoin(said, "; "), ".</p>");
  }
  if (lesson.related_size() > 0) {
    html += "<p class=\"related\"><strong>What others learned:</strong></p><ul>";
    for (const auto& related : lesson.related()) {
      absl::StrAppend(&html, "<li>", Escape(related.title()), " — ", Escape(related.origin_org()),
                      " (", Escape(related.origin_sector()), ")</li>");
    }
    html += "</ul>";
  }
  return html + "</article>";
}

}  // namespace

std::string RenderReportHtml(const v1::Report& report) {
  const v1::ReportFigures& figures = report.figures();
  const v1::ReportRequest& request = report.request();
  std::string scope =
      absl::StrCat(Day(request.since()), " to ",
                   Day(ToTimestamp(FromTimestamp(request.until()) - absl::Seconds(1))));
  if (!request.project().empty()) absl::StrAppend(&scope, ", project ", request.project());
  if (!request.topic().empty()) absl::StrAppend(&scope, ", topic ", request.topic());
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>Lessons report: ",
      Escape(report.org_id()), ", ", Escape(scope), "</title><style>",
      "body{font-family:Arial,sans-serif;color:#0b0c0c;max-width:960px;margin:0 auto;"
      "padding:20px;line-height:1.4}h1{font-size:2rem;margin-bottom:0}.caption{color:#505a5f;"
      "margin-top:4px}.cards{display:flex;flex-wrap:wrap;gap:12px;padding:0;list-style:none}"
      ".cards li{border-top:4px solid #1d70b8;background:#f3f2f1;padding:10px 14px;"
      "min-width:140px}.cards strong{display:block;font-size:1.8rem}table.figures{"
      "border-collapse:collapse;margin:8px 0 16px}table.figures th,table.figures td{"
      "border-bottom:1px solid #b1b4b6;padding:4px 10px;text-align:left}svg text{"
      "font-size:11px;fill:#0b0c0c}.swatch{display:inline-block;width:12px;height:12px;"
      "margin-right:6px;vertical-align:middle;border:1px solid #0b0c0c}.lesson{border-left:"
      "4px solid #b1b4b6;padding-left:12px;margin:16px 0;break-inside:avoid}.meta{"
      "color:#505a5f;font-size:.9rem}@media print{body{max-width:none}.chart{"
      "break-inside:avoid}}</style></head><body><main>",
      "<h1>Lessons report</h1><p class=\"caption\">", Escape(report.org_id()), " (",
      Escape(report.sector()), ") · ", Escape(scope), " · made ", Day(report.generated_at()),
      " by Cairn</p>");
  absl::StrAppend(&html, "<h2>Summary</h2><ul class=\"cards\">", "<li><strong>", figures.lessons(),
                  "</strong>lessons</li><li><strong>", figures.good_practice(),
                  "</strong>good practice</li><li><strong>", figures.areas_for_improvement(),
                  "</strong>areas for improvement</li><li><strong>", figures.learned(),
                  "</strong>learned (remedy working)</li><li><strong>", figures.identified(),
                  "</strong>identified (remedy proposed)</li><li><strong>",
                  figures.recommendations(), "</strong>recommendations</li><li><strong>",
                  figures.adopted_elsewhere(), "</strong>adopted elsewhere</li></ul><p>Adopted by ",
                  figures.adopting_organisations(), " other organisation",
                  figures.adopting_organisations() == 1 ? "" : "s", " in ",
                  figures.adopting_sectors(), " sector", figures.adopting_sectors() == 1 ? "" : "s",
                  ", as they told us.</p>");
  absl::StrAppend(&html, "<h2>Lessons over time</h2><h3>By status</h3><div class=\"chart\">",
                  StatusChart(report), "</div>", MonthTable(report, false));
  if (report.top_topics_size() > 0) {
    absl::StrAppend(&html, "<h3>By topic</h3><div class=\"chart\">", TopicChart(report), "</div>",
                    MonthTable(report, true));
  }
  for (auto [polarity, heading] :
       {std::pair<v1::Polarity, const char*>{v1::GOOD_PRACTICE, "Good practice"},
        {v1::AREA_FOR_IMPROVEMENT, "Areas for improvement"},
        {v1::POLARITY_UNSPECIFIED, "Other lessons"}}) {
    std::string entries;
    for (const v1::ReportedLesson& lesson : report.lessons()) {
      if (lesson.polarity() == polarity) entries += LessonEntry(lesson);
    }
    if (entries.empty() && polarity == v1::POLARITY_UNSPECIFIED) continue;
    absl::StrAppend(&html, "<h2>", heading, "</h2>",
                    entries.empty() ? "<p>None in this period.</p>" : entries);
  }
  html += "</main></body></html>\n";
  return html;
}

}  // namespace cairn
