// The body of the two import-line targets (fuzz_import_json.cc, fuzz_import_llis.cc): one line
// becomes a lesson as `cairn lesson import` makes it (client/import_line.h), then goes through
// what the node does with a lesson it is given: validation, search analysis, and the export view
// a peer receives, which that peer must accept in turn.
#ifndef CAIRN_TESTS_FUZZ_IMPORT_LINE_FUZZ_H_
#define CAIRN_TESTS_FUZZ_IMPORT_LINE_FUZZ_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "client/import_line.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "node/lessons/validation.h"
#include "node/policy/scrubber.h"
#include "node/policy/sharing.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_text.h"
#include "tests/fuzz/fuzz_check.h"

namespace cairn::fuzz {

// Spans in order, without overlaps, inside the text; scrubbing keeps valid UTF-8 valid and grows
// the text no more than kMaxScrubGrowth times.
inline void CheckScrubbing(absl::string_view text) {
  size_t end = 0;
  for (const PersonalDataSpan& span : FindPersonalData(text)) {
    FUZZ_CHECK(span.begin >= end && span.begin < span.end && span.end <= text.size());
    end = span.end;
  }
  std::string scrubbed = ScrubPersonalData(text);
  FUZZ_CHECK(scrubbed.size() <= kMaxScrubGrowth * text.size(), "%zu bytes scrubbed to %zu",
             text.size(), scrubbed.size());
  if (IsValidUtf8(text)) FUZZ_CHECK(IsValidUtf8(scrubbed));
}

inline int FuzzImportLine(const uint8_t* data, size_t size, client::ImportFormat format) {
  static search::Analyzer* const analyzer = new search::Analyzer();
  absl::string_view line(reinterpret_cast<const char*>(data), size);
  CheckScrubbing(line);
  absl::StatusOr<v1::Lesson> lesson =
      client::LessonFromImportLine(line, format, v1::TLP_UNSPECIFIED);
  if (!lesson.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(lesson.status()), "%s", lesson.status().ToString().c_str());
    return 0;
  }
  // The node's check of a new lesson (LessonCatalog::PrepareNew): refusing is fine, crashing not.
  if (!ValidateLessonContent(*lesson).ok()) return 0;
  lesson->set_id("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FA1");
  lesson->set_origin_org("leeds-council");
  lesson->set_version(1);

  std::array<uint32_t, search::kFields> words{};
  search::AnalyzeLesson(*lesson, analyzer, &words);
  search::SearchableText(*lesson);
  analyzer->ForgetIfFull();

  // `cairn lesson get --json` of what was stored imports as the same lesson.
  if (format == client::ImportFormat::kLessons) {
    std::string json;
    FUZZ_CHECK(google::protobuf::util::MessageToJsonString(*lesson, &json).ok());
    absl::StatusOr<v1::Lesson> again =
        client::LessonFromImportLine(json, format, v1::TLP_UNSPECIFIED);
    FUZZ_CHECK(again.ok(), "%s", again.status().ToString().c_str());
    FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*lesson, *again), "%s",
               json.c_str());
  }

  // What a peer receives of a lesson this node accepted, redacted and scrubbed as far as any
  // policy can, passes the checks that peer makes of it (CheckOfferedLesson), unless the sharing
  // decision keeps it home.
  v1::Peer peer;
  peer.set_org_id("west-police");
  peer.set_may_pull(true);
  v1::PeerPolicy policy;
  policy.mutable_export_()->add_markings(lesson->marking());
  policy.mutable_export_()->set_classification_ceiling(v1::OFFICIAL_SENSITIVE);
  policy.mutable_export_()->set_scrub_personal_data(true);
  for (const char* field : {"", "summary", "driving_event", "lesson", "recommendations", "evidence",
                            "project", "lifecycle_phase", "tags", "external_ref"}) {
    v1::PeerPolicy redacting = policy;
    if (*field != '\0') redacting.mutable_export_()->add_redact_fields(field);
    std::optional<v1::Lesson> view =
        ExportView(*lesson, "leeds-council", peer, &redacting, SharingChannel::kReplication);
    if (!view) {
      // Only RED stays home for its marking, or a lesson whose altered view would break a cap.
      std::string rule =
          DecideSharing(*lesson, "leeds-council", peer, &redacting, SharingChannel::kReplication)
              .rule();
      FUZZ_CHECK(rule == "marking" || rule == "export.scrub_personal_data" ||
                     rule == "export.redact_fields",
                 "denied by %s", rule.c_str());
      continue;
    }
    absl::Status accepted = ValidateLessonContent(*view);
    FUZZ_CHECK(accepted.ok(), "redacting '%s': %s", field, accepted.ToString().c_str());
  }
  return 0;
}

}  // namespace cairn::fuzz

#endif  // CAIRN_TESTS_FUZZ_IMPORT_LINE_FUZZ_H_
