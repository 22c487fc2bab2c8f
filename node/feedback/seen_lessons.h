// Other organisations' lessons this node saw in federated search answers, each proved its
// origin's before it was shown, so that a user can give feedback on a hit this node holds no copy
// of (the feedback is sealed for the certificate that signed it). Kept in memory only: the newest
// kMaxLessons, within kMaxBytes. Thread-safe.
#ifndef CAIRN_NODE_FEEDBACK_SEEN_LESSONS_H_
#define CAIRN_NODE_FEEDBACK_SEEN_LESSONS_H_

#include <list>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "cairn/v1/lesson.pb.h"

namespace cairn {

class SeenLessons {
 public:
  static constexpr size_t kMaxLessons = 5'000;
  static constexpr size_t kMaxBytes = 32 << 20;

  // Keeps `lesson` (replacing an older sighting), dropping the oldest beyond the bounds.
  void Remember(const v1::Lesson& lesson);
  std::optional<v1::Lesson> Find(const std::string& lesson_id) const;

 private:
  struct Entry {
    v1::Lesson lesson;
    size_t bytes = 0;
    std::list<std::string>::iterator position;
  };
  void Forget(const std::string& lesson_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::list<std::string> oldest_first_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Entry> by_id_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cairn

#endif  // CAIRN_NODE_FEEDBACK_SEEN_LESSONS_H_
