// Sharing-policy benchmark: the export view of the 2,102 NASA LLIS lessons for one peer, under a
// policy with a dozen rules and personal-data scrubbing on.
//
//   build/tests/bench/policy_bench [--rounds N] [--samples N]
//
// Prints decisions per second (median and slowest of the rounds) for: the decision alone, the
// full export view with scrubbing (the figure replication pays per lesson), and the same without
// scrubbing, measured in the same run. Then what scrubbing found in the real text, by kind, with
// a sample of each in context so a person can check it for misses and false hits.
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "client/llis.h"
#include "node/policy/scrubber.h"
#include "node/policy/sharing.h"
#include "tests/support/files.h"
#include "tests/bench/bench_util.h"

namespace cairn::bench {
namespace {

// A dozen rules, as an admin of a council might write them for a police force.
constexpr char kPolicy[] = R"(
export {
  markings: [TLP_AMBER, TLP_GREEN, TLP_CLEAR]
  classification_ceiling: OFFICIAL
  statuses: [LESSON_IDENTIFIED, LESSON_LEARNED]
  sectors: ["aerospace", "local-government", "policing"]
  exclude_topics: ["Export Control", "Security", "Personnel", "Legal"]
  exclude_tags: ["nasa-hq"]
  include_topics: ["Safety & Mission Assurance", "Test & Verification", "Hardware", "Software",
                   "Risk Management", "Communication", "Training", "Facilities", "Ground Equipment",
                   "Project Management", "Mission Operations", "Flight Equipment"]
  redact_fields: ["evidence", "project"]
  scrub_personal_data: true
}
import { max_lesson_bytes: 262144 max_lessons_per_minute: 6000 }
)";

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// `span` of `text` marked >>like this<< with some context, so a person can judge it.
std::string InContext(absl::string_view text, const PersonalDataSpan& span) {
  size_t begin = span.begin > 40 ? span.begin - 40 : 0;
  size_t end = std::min(text.size(), span.end + 40);
  std::string before(text.substr(begin, span.begin - begin));
  std::string found(text.substr(span.begin, span.end - span.begin));
  std::string after(text.substr(span.end, end - span.end));
  return absl::StrCat("...", before, ">>", found, "<<", after, "...");
}

int Run(int argc, char** argv) {
  int rounds = 7;
  int samples = 3;
  ParseIntFlags(argc, argv, {{"rounds", &rounds}, {"samples", &samples}});
  std::optional<std::string> llis = LlisOrSkip();
  if (!llis) return 0;
  // The lessons as a node holding them would: its own, with ids, origin and sector filled in.
  std::vector<v1::Lesson> lessons;
  std::istringstream lines(testing::ReadFileToString(*llis));
  int n = 0;
  for (std::string line; std::getline(lines, line);) {
    v1::Lesson lesson = *client::LessonFromLlisJson(line, v1::TLP_GREEN);
    lesson.set_id("nasa:" + std::to_string(++n));
    lesson.set_origin_org("nasa");
    lesson.set_origin_sector("aerospace");
    lesson.set_version(1);
    // Spread the markings so every rule gets work: 1 in 5 AMBER, 1 in 10 RED, 1 in 7 CLEAR.
    if (n % 5 == 0) lesson.set_marking(v1::TLP_AMBER);
    if (n % 10 == 0) lesson.set_marking(v1::TLP_RED);
    if (n % 7 == 0) lesson.set_marking(v1::TLP_CLEAR);
    lessons.push_back(std::move(lesson));
  }
  absl::StatusOr<v1::PeerPolicy> policy = ParsePolicyText(kPolicy);
  if (!policy.ok()) {
    std::fprintf(stderr, "%s\n", std::string(policy.status().message()).c_str());
    return 1;
  }
  policy->set_version(1);
  v1::PeerPolicy unscrubbed = *policy;
  unscrubbed.mutable_export_()->set_scrub_personal_data(false);
  v1::Peer peer;
  peer.set_org_id("west-yorkshire-police");
  peer.set_may_pull(true);

  std::printf("policy benchmark: %zu LLIS lessons, policy with 12 rules, %d rounds\n\n",
              lessons.size(), rounds);
  auto measure = [&](const char* name, auto&& per_lesson) {
    std::vector<double> rates;
    size_t allowed = 0;
    for (int round = 0; round < rounds; ++round) {
      allowed = 0;
      absl::Time start = absl::Now();
      for (const v1::Lesson& lesson : lessons) allowed += per_lesson(lesson);
      rates.push_back(lessons.size() / absl::ToDoubleSeconds(absl::Now() - start));
    }
    std::printf("%-38s median %10.0f decisions/s   slowest round %10.0f   (%zu of %zu allowed)\n",
                name, Median(rates), *std::min_element(rates.begin(), rates.end()), allowed,
                lessons.size());
    return Median(rates);
  };
  double decide = measure("decision only", [&](const v1::Lesson& lesson) {
    return DecideSharing(lesson, "nasa", peer, &*policy, SharingChannel::kReplication).allowed();
  });
  double with_scrub = measure("export view, scrubbing on", [&](const v1::Lesson& lesson) {
    return ExportView(lesson, "nasa", peer, &*policy, SharingChannel::kReplication).has_value();
  });
  double without_scrub = measure("export view, scrubbing off", [&](const v1::Lesson& lesson) {
    return ExportView(lesson, "nasa", peer, &unscrubbed, SharingChannel::kReplication).has_value();
  });
  std::printf("%-38s %.2fx of the decision alone; scrubbing costs %.1fx\n\n",
              "export view with scrubbing", with_scrub / decide, without_scrub / with_scrub);

  // What scrubbing finds in all of the free text, whatever the policy allows, with samples.
  ScrubCounts counts;
  std::vector<std::vector<std::string>> shown(static_cast<size_t>(PersonalData::kCount));
  size_t lessons_with_any = 0;
  for (const v1::Lesson& lesson : lessons) {
    size_t before = counts.total();
    std::vector<const std::string*> texts = {&lesson.title(), &lesson.summary(),
                                             &lesson.driving_event(), &lesson.lesson(),
                                             &lesson.evidence(), &lesson.project()};
    for (const std::string& recommendation : lesson.recommendations()) {
      texts.push_back(&recommendation);
    }
    for (const std::string* text : texts) {
      for (const PersonalDataSpan& span : FindPersonalData(*text)) {
        size_t kind = static_cast<size_t>(span.kind);
        ++counts.found[kind];
        if (shown[kind].size() < static_cast<size_t>(samples)) {
          shown[kind].push_back(InContext(*text, span));
        }
      }
    }
    lessons_with_any += counts.total() > before;
  }
  for (size_t kind = 0; kind < shown.size(); ++kind) {
    if (shown[kind].empty()) continue;
    std::printf("sample of %s found:\n",
                std::string(PersonalDataName(static_cast<PersonalData>(kind))).c_str());
    for (const std::string& sample : shown[kind]) std::printf("  %s\n", sample.c_str());
  }
  std::printf("\nscrubbing found in the real LLIS text (%zu of %zu lessons had some):\n",
              lessons_with_any, lessons.size());
  for (size_t kind = 0; kind < counts.found.size(); ++kind) {
    std::printf("  %-28s %zu\n", std::string(PersonalDataName(static_cast<PersonalData>(kind))).c_str(),
                counts.found[kind]);
  }
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Run(argc, argv); }
