#include "node/lessons/lesson_id.h"

#include "absl/strings/str_cat.h"
#include "node/identity/principal.h"

namespace cairn {
namespace {

constexpr absl::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr size_t kUlidLength = 26;

}  // namespace

absl::StatusOr<LessonIdParts> ParseLessonId(absl::string_view field, absl::string_view id) {
  size_t colon = id.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", id, "' is not a lesson id (<org>:<ULID>)"));
  }
  LessonIdParts parts{id.substr(0, colon), id.substr(colon + 1)};
  if (!ValidateOrgId(field, parts.org_id).ok() || parts.ulid.size() != kUlidLength ||
      parts.ulid[0] > '7' ||
      parts.ulid.find_first_not_of(kCrockford) != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", id, "' is not a lesson id (<org>:<ULID>)"));
  }
  return parts;
}

LessonIdGenerator::LessonIdGenerator(std::string org_id, Clock* clock, RandomSource* random)
    : org_id_(std::move(org_id)), clock_(clock), random_(random) {}

std::string LessonIdGenerator::Next() {
  uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now()));
  uint64_t millis_out;
  uint16_t high;
  uint64_t low;
  {
    absl::MutexLock lock(&mu_);
    if (millis > last_millis_) {
      last_millis_ = millis;
      last_random_high_ = static_cast<uint16_t>(random_->Next64());
      // Leave headroom so increments within one millisecond never overflow.
      last_random_low_ = random_->Next64() >> 1;
    } else {
      // Same millisecond or the clock went back: keep the time, count up.
      ++last_random_low_;
    }
    millis_out = last_millis_;
    high = last_random_high_;
    low = last_random_low_;
  }
  // 48-bit time then 80 random bits, 5 bits a character, most significant first.
  char ulid[kUlidLength];
  for (int i = 9; i >= 0; --i) {
    ulid[i] = kCrockford[millis_out & 31];
    millis_out >>= 5;
  }
  for (int i = 25; i >= 10; --i) {
    ulid[i] = kCrockford[low & 31];
    low = (low >> 5) | (static_cast<uint64_t>(high & 31) << 59);
    high >>= 5;
  }
  return absl::StrCat(org_id_, ":", absl::string_view(ulid, kUlidLength));
}

}  // namespace cairn
