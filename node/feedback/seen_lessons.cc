#include "node/feedback/seen_lessons.h"

namespace cairn {

void SeenLessons::Remember(const v1::Lesson& lesson) {
  const size_t bytes = lesson.ByteSizeLong();
  if (bytes > kMaxBytes) return;
  absl::MutexLock lock(&mu_);
  Forget(lesson.id());
  while (!oldest_first_.empty() && (by_id_.size() >= kMaxLessons || bytes_ + bytes > kMaxBytes)) {
    Forget(oldest_first_.front());
  }
  oldest_first_.push_back(lesson.id());
  by_id_[lesson.id()] = {lesson, bytes, std::prev(oldest_first_.end())};
  bytes_ += bytes;
}

std::optional<v1::Lesson> SeenLessons::Find(const std::string& lesson_id) const {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(lesson_id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second.lesson;
}

void SeenLessons::Forget(const std::string& lesson_id) {
  auto it = by_id_.find(lesson_id);
  if (it == by_id_.end()) return;
  bytes_ -= it->second.bytes;
  oldest_first_.erase(it->second.position);
  by_id_.erase(it);
}

}  // namespace cairn
