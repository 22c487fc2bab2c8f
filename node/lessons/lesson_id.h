// Lesson ids: "<origin org id>:<ULID>", globally unique and sortable by creation time.
#ifndef CAIRN_NODE_LESSONS_LESSON_ID_H_
#define CAIRN_NODE_LESSONS_LESSON_ID_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "node/common/clock.h"

namespace cairn {

struct LessonIdParts {
  absl::string_view org_id;
  absl::string_view ulid;  // 26 Crockford base-32 characters
};

// INVALID_ARGUMENT naming `field` unless `id` is a well-formed lesson id.
absl::StatusOr<LessonIdParts> ParseLessonId(absl::string_view field, absl::string_view id);

// Makes ids for one organisation's new lessons. Ids from one generator strictly increase, even
// within one millisecond or when the clock steps back. Thread-safe.
class LessonIdGenerator {
 public:
  // `clock` and `random` are not owned and must outlive the generator.
  LessonIdGenerator(std::string org_id, Clock* clock, RandomSource* random);

  std::string Next();

 private:
  const std::string org_id_;
  Clock* const clock_;
  RandomSource* const random_;
  absl::Mutex mu_;
  uint64_t last_millis_ ABSL_GUARDED_BY(mu_) = 0;
  // The ULID's 80 random bits, as a high 16-bit and a low 64-bit word.
  uint16_t last_random_high_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_random_low_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cairn

#endif  // CAIRN_NODE_LESSONS_LESSON_ID_H_
