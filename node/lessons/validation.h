// Checks on what clients send, so bad input is refused with the field named before anything is
// written. SPEC section 2.
#ifndef CAIRN_NODE_LESSONS_VALIDATION_H_
#define CAIRN_NODE_LESSONS_VALIDATION_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "cairn/v1/lesson.pb.h"
#include "google/protobuf/message.h"

namespace cairn {

// Size caps on a lesson; exceeding one is INVALID_ARGUMENT naming the field and the cap.
struct LessonLimits {
  static constexpr size_t kTitleBytes = 500;
  static constexpr size_t kSummaryBytes = 8 * 1024;
  static constexpr size_t kTextBytes = 64 * 1024;      // driving event, lesson, evidence, each
  static constexpr size_t kShortTextBytes = 1024;      // project, phase, reasons, refs, local
  static constexpr size_t kListItems = 64;             // recommendations, topics, tags, communities
  static constexpr size_t kListItemBytes = 128;        // a topic, tag or community
  static constexpr size_t kLessonBytes = 256 * 1024;   // the whole encoded lesson
};

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// INVALID_ARGUMENT naming `field` unless `value` is valid UTF-8 of at most `cap` bytes.
absl::Status ValidateText(absl::string_view field, absl::string_view value, size_t cap);

// INVALID_ARGUMENT naming the field when `message` itself (not its children) holds a field this
// node does not know, or an enum value it does not know.
absl::Status CheckUnknownFields(const google::protobuf::Message& message, absl::string_view path);

// Checks that every string field of `message` (recursively) is valid UTF-8, that every enum field
// holds a known value, that every timestamp is a real date (years 1 to 9999), and that there are
// no fields this node does not know. Field paths in messages start at `path`, e.g. "lesson.title".
absl::Status ValidateWellFormed(const google::protobuf::Message& message, absl::string_view path);

// Checks the content and handling fields of a lesson: well-formed, a non-empty title, every size
// cap (the whole lesson measured without its provenance), a marking chosen, tokens where tokens
// are expected, and a status other than RETRACTED (only retracting sets it). It does not look at
// identity fields; the catalog owns those. The same rules hold for what a local user submits and
// for a peer's lesson a node receives by replication (ReplicaApplier).
absl::Status ValidateLessonContent(const v1::Lesson& lesson);

}  // namespace cairn

#endif  // CAIRN_NODE_LESSONS_VALIDATION_H_
