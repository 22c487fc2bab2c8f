// Finds personal data in free text and replaces it with visible placeholders, for peers whose
// policy asks for scrubbing. SPEC section 3.
#ifndef CAIRN_NODE_POLICY_SCRUBBER_H_
#define CAIRN_NODE_POLICY_SCRUBBER_H_

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace cairn {

enum class PersonalData : size_t { kEmail = 0, kPhone, kNhsNumber, kNiNumber, kCount };

// The placeholder that replaces each kind, e.g. "[email removed]".
absl::string_view Placeholder(PersonalData kind);
absl::string_view PersonalDataName(PersonalData kind);

struct ScrubCounts {
  std::array<size_t, static_cast<size_t>(PersonalData::kCount)> found{};
  size_t total() const;
  void Add(const ScrubCounts& other);
};

// A piece of personal data found in a text: bytes [begin, end).
struct PersonalDataSpan {
  size_t begin;
  size_t end;
  PersonalData kind;
};

// Finds, in `text`, in order and without overlaps:
//   e-mail addresses                 name@example.org
//   NHS numbers                      10 digits, together or spaced 3 3 4, with a valid modulus-11
//                                    check digit
//   National Insurance numbers       QQ 12 34 56 C: valid prefix letters, six digits, A to D
//   phone numbers                    UK (0 then 9 or 10 more digits: 0113 496 0000, 07700 900123),
//                                    international (+ then 8 to 15 digits: +44 20 7946 0958), and
//                                    North American (650-604-5000, (650) 604-5000)
// Time is linear in the text. Numbers glued to letters, dots or slashes (versions, part numbers,
// dates, case references like 2008-075-00002) are left alone.
std::vector<PersonalDataSpan> FindPersonalData(absl::string_view text);

// A placeholder can be longer than what it replaces ("[email removed]" for "a@b.co"), but the
// scrubbed text is never more than this many times as long as the text.
inline constexpr size_t kMaxScrubGrowth = 3;

// `text` with everything FindPersonalData finds replaced by its placeholder; adds what it found
// to `counts` when not null.
std::string ScrubPersonalData(absl::string_view text, ScrubCounts* counts = nullptr);

}  // namespace cairn

#endif  // CAIRN_NODE_POLICY_SCRUBBER_H_
