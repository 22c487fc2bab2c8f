#include "node/policy/scrubber.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

using Match = PersonalDataSpan;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsEmailLocalChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '%' ||
         c == '+' || c == '-';
}
bool IsDomainChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

// A number may start here only if it is not glued to a word, version, path or part number.
bool StartsToken(absl::string_view text, size_t i) {
  if (i == 0) return true;
  char before = text[i - 1];
  return !absl::ascii_isalnum(static_cast<unsigned char>(before)) && before != '.' &&
         before != '/' && before != '-' && before != '_' && before != '+' && before != '@';
}

// ... and may end here only if it is not continued by a word or a decimal part.
bool EndsToken(absl::string_view text, size_t end) {
  if (end >= text.size()) return true;
  char after = text[end];
  if (absl::ascii_isalnum(static_cast<unsigned char>(after)) || after == '/' || after == '@') {
    return false;
  }
  if ((after == '.' || after == '-') && end + 1 < text.size() && IsDigit(text[end + 1])) {
    return false;
  }
  return true;
}

// The e-mail address around the '@' at `at`, if there is one.
std::optional<Match> EmailAt(absl::string_view text, size_t at) {
  size_t begin = at;
  while (begin > 0 && IsEmailLocalChar(text[begin - 1])) --begin;
  while (begin < at && !absl::ascii_isalnum(static_cast<unsigned char>(text[begin]))) ++begin;
  size_t end = at + 1;
  while (end < text.size() && IsDomainChar(text[end])) ++end;
  while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) --end;
  if (begin == at || end == at + 1) return std::nullopt;
  absl::string_view domain = text.substr(at + 1, end - at - 1);
  size_t last_dot = domain.rfind('.');
  if (last_dot == absl::string_view::npos || last_dot == 0 ||
      absl::StrContains(domain, "..")) {
    return std::nullopt;
  }
  absl::string_view tld = domain.substr(last_dot + 1);
  if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), [](char c) {
        return absl::ascii_isalpha(static_cast<unsigned char>(c));
      })) {
    return std::nullopt;
  }
  return Match{begin, end, PersonalData::kEmail};
}

bool ValidNhsCheckDigit(absl::string_view digits) {
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  return check != 10 && check == digits[9] - '0';
}

// A run of digit groups as written, e.g. "(650) 604-5000" -> groups 650, 604, 5000.
struct DigitGroup {
  size_t begin;
  size_t end;             // after the last digit
  size_t token_end;       // after the closing bracket, for a bracketed group; else `end`
  char separator_before;  // ' ', '-', ')' (after a bracketed group), or 0 for the first
};

std::optional<PersonalData> ClassifyNumber(absl::string_view text, bool plus,
                                           bool opens_with_bracket,
                                           const std::vector<DigitGroup>& groups, size_t count) {
  std::string digits;
  std::vector<size_t> sizes;
  for (size_t g = 0; g < count; ++g) {
    absl::StrAppend(&digits, text.substr(groups[g].begin, groups[g].end - groups[g].begin));
    sizes.push_back(groups[g].end - groups[g].begin);
  }
  auto separators_are = [&](absl::string_view allowed) {
    for (size_t g = 1; g < count; ++g) {
      if (allowed.find(groups[g].separator_before) == absl::string_view::npos) return false;
    }
    return true;
  };
  if (!plus && !opens_with_bracket && digits.size() == 10 &&
      (count == 1 || (sizes == std::vector<size_t>{3, 3, 4} && separators_are(" "))) &&
      ValidNhsCheckDigit(digits)) {
    return PersonalData::kNhsNumber;
  }
  if (plus) {
    if (digits.size() >= 8 && digits.size() <= 15) return PersonalData::kPhone;
    return std::nullopt;
  }
  if (digits[0] == '0' && digits.size() >= 10 && digits.size() <= 11 && digits[1] != '0') {
    return PersonalData::kPhone;  // UK: 0113 496 0000, 07700 900123, (0113) 4960000
  }
  // North American: 650-604-5000, (650) 604-5000, 1-800-555-0199. Spaces alone are not enough:
  // "943 476 5918" is far more likely a mistyped NHS number than a phone number.
  size_t first = sizes.size() == 4 && sizes[0] == 1 && digits[0] == '1' ? 1 : 0;
  if (sizes.size() - first == 3 && sizes[first] == 3 && sizes[first + 1] == 3 &&
      sizes[first + 2] == 4 && digits[first] >= '2' && digits[first + 3] >= '2' &&
      (opens_with_bracket || groups[first + 1].separator_before == '-') &&
      groups[first + 2].separator_before == '-') {
    return PersonalData::kPhone;
  }
  return std::nullopt;
}

// A phone or NHS number starting at `i`, if one does; `*next` is where scanning goes on.
std::optional<Match> NumberAt(absl::string_view text, size_t i, size_t* next) {
  constexpr size_t kMaxGroups = 8;  // longer runs are not one number; keeps the scan linear
  size_t pos = i;
  bool plus = false;
  bool opens_with_bracket = false;
  if (text[pos] == '+') {
    plus = true;
    ++pos;
  }
  std::vector<DigitGroup> groups;
  char separator = 0;
  while (pos < text.size() && groups.size() < kMaxGroups) {
    bool bracketed = false;
    if (text[pos] == '(' && pos + 1 < text.size() && IsDigit(text[pos + 1])) {
      if (groups.empty() && !plus) opens_with_bracket = true;
      bracketed = true;
      ++pos;
    }
    if (pos >= text.size() || !IsDigit(text[pos])) break;
    size_t begin = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    groups.push_back({begin, pos, pos, separator});
    if (bracketed) {
      if (pos >= text.size() || text[pos] != ')') break;
      groups.back().token_end = ++pos;
      separator = ')';
      if (pos < text.size() && text[pos] == ' ') ++pos;
    } else if (pos + 1 < text.size() && (text[pos] == ' ' || text[pos] == '-') &&
               (IsDigit(text[pos + 1]) || text[pos + 1] == '(')) {
      separator = text[pos];
      ++pos;
    } else {
      break;
    }
  }
  // When nothing matches, the next attempt starts at the following group: a number may begin
  // there ("ref 12345 0113 496 0000").
  *next = groups.empty() ? i + 1 : groups[0].end;
  // The longest prefix of the groups that reads as a number wins.
  for (size_t count = groups.size(); count > 0; --count) {
    size_t end = groups[count - 1].token_end;
    if (!EndsToken(text, end)) continue;
    if (std::optional<PersonalData> kind =
            ClassifyNumber(text, plus, opens_with_bracket, groups, count)) {
      *next = end;
      return Match{i, end, *kind};
    }
  }
  return std::nullopt;
}

// A National Insurance number starting at `i`: "AB123456C" or "AB 12 34 56 C".
std::optional<Match> NiNumberAt(absl::string_view text, size_t i) {
  if (i + 9 > text.size() || !IsUpper(text[i]) || !IsUpper(text[i + 1])) return std::nullopt;
  char a = text[i];
  char b = text[i + 1];
  if (absl::string_view("DFIQUV").find(a) != absl::string_view::npos ||
      absl::string_view("DFIOQUV").find(b) != absl::string_view::npos) {
    return std::nullopt;
  }
  for (absl::string_view banned : {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}) {
    if (banned[0] == a && banned[1] == b) return std::nullopt;
  }
  size_t pos = i + 2;
  auto skip_space = [&] {
    if (pos < text.size() && text[pos] == ' ') ++pos;
  };
  skip_space();
  for (int pair = 0; pair < 3; ++pair) {
    if (pos + 2 > text.size() || !IsDigit(text[pos]) || !IsDigit(text[pos + 1])) {
      return std::nullopt;
    }
    pos += 2;
    if (pair < 2) skip_space();
  }
  skip_space();
  if (pos >= text.size() || text[pos] < 'A' || text[pos] > 'D') return std::nullopt;
  ++pos;
  if (pos < text.size() && absl::ascii_isalnum(static_cast<unsigned char>(text[pos]))) {
    return std::nullopt;
  }
  return Match{i, pos, PersonalData::kNiNumber};
}

}  // namespace

absl::string_view Placeholder(PersonalData kind) {
  switch (kind) {
    case PersonalData::kEmail:
      return "[email removed]";
    case PersonalData::kPhone:
      return "[phone removed]";
    case PersonalData::kNhsNumber:
      return "[NHS number removed]";
    case PersonalData::kNiNumber:
      return "[NI number removed]";
    case PersonalData::kCount:
      break;
  }
  return "[removed]";
}

absl::string_view PersonalDataName(PersonalData kind) {
  switch (kind) {
    case PersonalData::kEmail:
      return "e-mail addresses";
    case PersonalData::kPhone:
      return "phone numbers";
    case PersonalData::kNhsNumber:
      return "NHS numbers";
    case PersonalData::kNiNumber:
      return "National Insurance numbers";
    case PersonalData::kCount:
      break;
  }
  return "personal data";
}

size_t ScrubCounts::total() const {
  size_t sum = 0;
  for (size_t n : found) sum += n;
  return sum;
}

void ScrubCounts::Add(const ScrubCounts& other) {
  for (size_t k = 0; k < found.size(); ++k) found[k] += other.found[k];
}

std::vector<PersonalDataSpan> FindPersonalData(absl::string_view text) {
  // E-mail addresses first: their local parts may hold digits that look like numbers.
  std::vector<Match> matches;
  for (size_t at = text.find('@'); at != absl::string_view::npos; at = text.find('@', at + 1)) {
    if (std::optional<Match> email = EmailAt(text, at)) {
      if (!matches.empty() && email->begin < matches.back().end) continue;
      matches.push_back(*email);
    }
  }
  std::vector<Match> all;
  size_t next_email = 0;
  for (size_t i = 0; i < text.size();) {
    if (next_email < matches.size() && i >= matches[next_email].begin) {
      all.push_back(matches[next_email]);
      i = matches[next_email++].end;
      continue;
    }
    size_t limit = next_email < matches.size() ? matches[next_email].begin : text.size();
    char c = text[i];
    std::optional<Match> found;
    size_t next = i + 1;
    if ((IsDigit(c) || c == '+' || c == '(') && StartsToken(text, i)) {
      found = NumberAt(text, i, &next);
    } else if (IsUpper(c) && StartsToken(text, i)) {
      found = NiNumberAt(text, i);
      if (found) next = found->end;
    }
    if (found && found->end <= limit) {
      all.push_back(*found);
      i = found->end;
    } else {
      i = std::max(i + 1, std::min(next, limit));
    }
  }
  return all;
}

std::string ScrubPersonalData(absl::string_view text, ScrubCounts* counts) {
  std::vector<PersonalDataSpan> all = FindPersonalData(text);
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;
  for (const Match& match : all) {
    absl::StrAppend(&out, text.substr(copied, match.begin - copied), Placeholder(match.kind));
    copied = match.end;
    if (counts != nullptr) ++counts->found[static_cast<size_t>(match.kind)];
  }
  absl::StrAppend(&out, text.substr(copied));
  return out;
}

}  // namespace cairn
