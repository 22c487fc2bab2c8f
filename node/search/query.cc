#include "node/search/query.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "node/common/status_macros.h"
#include "node/lessons/validation.h"

namespace cairn::search {
namespace {

enum class Field { kSector, kOrg, kTopic, kStatus, kMarking, kPolarity, kBefore, kAfter };

struct FieldName {
  absl::string_view name;
  Field field;
};

constexpr FieldName kFields[] = {
    {"sector", Field::kSector}, {"org", Field::kOrg},         {"topic", Field::kTopic},
    {"status", Field::kStatus}, {"marking", Field::kMarking}, {"polarity", Field::kPolarity},
    {"before", Field::kBefore}, {"after", Field::kAfter},
};
constexpr absl::string_view kFieldList =
    "sector, org, topic, status, marking, polarity, before or after";

template <typename Enum>
struct EnumName {
  absl::string_view name;
  Enum value;
};

constexpr EnumName<v1::LessonStatus> kStatuses[] = {
    {"observation", v1::OBSERVATION}, {"identified", v1::LESSON_IDENTIFIED},
    {"learned", v1::LESSON_LEARNED},  {"superseded", v1::SUPERSEDED},
    {"retracted", v1::RETRACTED},
};
constexpr absl::string_view kStatusList =
    "observation, identified, learned, superseded or retracted";

constexpr EnumName<v1::TlpMarking> kMarkings[] = {
    {"clear", v1::TLP_CLEAR}, {"green", v1::TLP_GREEN},
    {"amber", v1::TLP_AMBER}, {"amber+strict", v1::TLP_AMBER_STRICT},
    {"red", v1::TLP_RED},
};
constexpr absl::string_view kMarkingList = "clear, green, amber, amber+strict or red";

constexpr EnumName<v1::Polarity> kPolarities[] = {
    {"good", v1::GOOD_PRACTICE},
    {"improvement", v1::AREA_FOR_IMPROVEMENT},
};
constexpr absl::string_view kPolarityList = "good or improvement";

// ASCII whitespace only: other scripts' spaces are ordinary word characters, so a word boundary
// never falls inside a multi-byte character.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsAsciiLetters(absl::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isalpha(c); });
}

size_t CountWords(absl::string_view text) {
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    if (IsSpace(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

std::optional<Field> LookupField(absl::string_view name) {
  for (const FieldName& field : kFields) {
    if (absl::EqualsIgnoreCase(field.name, name)) return field.field;
  }
  return std::nullopt;
}

absl::string_view FieldNameOf(Field field) {
  for (const FieldName& name : kFields) {
    if (name.field == field) return name.name;
  }
  return "";
}

// An unquoted value that starts with ASCII punctuation ("http://x") means the colon was not
// written as a filter, so an unknown letters-only prefix is then a word, not an error.
bool StartsLikeValue(absl::string_view value) {
  return !value.empty() &&
         (absl::ascii_isalnum(value[0]) || static_cast<unsigned char>(value[0]) >= 0x80);
}

// Bytes in a UTF-8 sequence that starts with `lead`, or 0 when `lead` cannot start one.
size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

absl::Status ErrorAt(size_t position, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("query position ", position, ": ", message));
}

// The first malformed UTF-8 sequence, located so the error can point at it. Each sequence is
// handed to IsValidUtf8 so the rules (overlong forms, surrogates, range) live in one place.
absl::Status CheckUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t length = Utf8SequenceLength(static_cast<unsigned char>(text[i]));
    if (length == 0 || length > text.size() - i || !IsValidUtf8(text.substr(i, length))) {
      return ErrorAt(i + 1, "invalid UTF-8");
    }
    i += length;
  }
  return absl::OkStatus();
}

template <typename T>
void AddUnique(T value, std::vector<T>* values) {
  if (std::find(values->begin(), values->end(), value) == values->end()) {
    values->push_back(std::move(value));
  }
}

template <typename Enum, size_t N>
absl::Status AddEnum(Field field, absl::string_view value, size_t position,
                     const EnumName<Enum> (&names)[N], absl::string_view allowed,
                     std::vector<Enum>* values) {
  for (const EnumName<Enum>& name : names) {
    if (absl::EqualsIgnoreCase(name.name, value)) {
      AddUnique(name.value, values);
      return absl::OkStatus();
    }
  }
  return ErrorAt(position, absl::StrCat(FieldNameOf(field), ": unknown value \"",
                                        absl::CHexEscape(value), "\"; use ", allowed));
}

// YYYY-MM-DD, a real day in years 1 to 9999 (the range a lesson's timestamps may hold), as
// midnight UTC.
absl::StatusOr<absl::Time> ParseDate(Field field, absl::string_view value, size_t position) {
  auto digits = [&](size_t from, size_t count) {
    int number = 0;
    for (size_t i = from; i < from + count; ++i) {
      if (!absl::ascii_isdigit(value[i])) return -1;
      number = number * 10 + (value[i] - '0');
    }
    return number;
  };
  absl::string_view name = FieldNameOf(field);
  if (value.size() != 10 || value[4] != '-' || value[7] != '-' || digits(0, 4) < 0 ||
      digits(5, 2) < 0 || digits(8, 2) < 0) {
    return ErrorAt(position, absl::StrCat(name, ": \"", absl::CHexEscape(value),
                                          "\" is not a date of the form YYYY-MM-DD"));
  }
  int year = digits(0, 4);
  int month = digits(5, 2);
  int day = digits(8, 2);
  // CivilDay normalises out-of-range fields (2019-02-30 becomes 2019-03-02); a real date
  // survives unchanged.
  absl::CivilDay civil(year, month, day);
  if (year < 1 || civil.year() != year || civil.month() != month || civil.day() != day) {
    return ErrorAt(position, absl::StrCat(name, ": ", value, " is not a calendar date"));
  }
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

// One left-to-right pass over the query, without backtracking: pos_ only moves forward and each
// byte is looked at a bounded number of times, so the work is linear in the query's length.
class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<Query> Parse() {
    while (true) {
      SkipSpace();
      if (AtEnd()) break;
      absl::Status status = ParseItem();
      if (!status.ok()) return status;
    }
    if (last_ == Item::kOr) return ErrorAt(or_position_, "OR needs a word or phrase after it");
    if (last_ == Item::kAnd) return ErrorAt(and_position_, "AND needs a word or phrase after it");
    if (last_ == Item::kNone) {
      return absl::InvalidArgumentError("query: is empty; give words, phrases or filters");
    }
    return std::move(query_);
  }

 private:
  // What the previous item was, so OR can check both of its neighbours in one pass.
  enum class Item { kNone, kText, kExcluded, kFilter, kOr, kAnd };

  bool AtEnd() const { return pos_ >= text_.size(); }

  void SkipSpace() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }

  // A word runs to whitespace or a quote: quotes always delimit, so none is ever part of a word.
  absl::string_view ScanWord() {
    size_t start = pos_;
    while (!AtEnd() && !IsSpace(text_[pos_]) && text_[pos_] != '"') ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // Reads "..." starting at the opening quote under pos_ and returns what is between the quotes.
  absl::StatusOr<absl::string_view> ScanQuoted() {
    size_t quote = pos_;
    size_t close = text_.find('"', quote + 1);
    if (close == absl::string_view::npos) return ErrorAt(quote + 1, "unclosed quote");
    pos_ = close + 1;
    absl::string_view inside = text_.substr(quote + 1, close - quote - 1);
    if (CountWords(inside) > kMaxPhraseWords) {
      return ErrorAt(quote + 1,
                     absl::StrCat("too many words in quotes; the limit is ", kMaxPhraseWords));
    }
    return inside;
  }

  absl::Status ParseItem() {
    const size_t start = pos_;
    bool excluded = false;
    bool plus = false;
    if (text_[pos_] == '+') {
      plus = true;
      ++pos_;
      if (AtEnd() || IsSpace(text_[pos_])) {
        return ErrorAt(start + 1, "a lone \"+\" requires nothing; write +word or +\"phrase\"");
      }
      if (text_[pos_] == '-') {
        return ErrorAt(start + 1, "a clause cannot be both required (+) and excluded (-)");
      }
    }
    if (text_[pos_] == '-') {
      excluded = true;
      ++pos_;
      if (AtEnd() || IsSpace(text_[pos_])) {
        return ErrorAt(start + 1, "a lone \"-\" excludes nothing; write -word or -\"phrase\"");
      }
    }
    if (text_[pos_] == '"') {
      const size_t quote = pos_;
      absl::StatusOr<absl::string_view> phrase = ScanQuoted();
      if (!phrase.ok()) return phrase.status();
      if (CountWords(*phrase) == 0) return ErrorAt(quote + 1, "empty phrase");
      return AddText(TextTerm{std::string(*phrase), true, quote + 1}, excluded, true, start);
    }
    const size_t word_start = pos_;
    absl::string_view word = ScanWord();
    // Only the bare upper-case token is an operator: "or", "And", "-OR" and "+AND" are words.
    if (!excluded && !plus && word == "OR") return AddOr(start);
    if (!excluded && !plus && word == "AND") return AddAnd(start);
    if (IsFilter(word)) {
      if (plus) return ErrorAt(start + 1, "a filter always applies; leave out the \"+\"");
      return ParseFilter(word, word_start, excluded, start);
    }
    return AddText(TextTerm{std::string(word), false, word_start + 1}, excluded, plus, start);
  }

  bool QuoteFollows() const { return !AtEnd() && text_[pos_] == '"'; }

  // "name:value" is a filter when the name is a known field, or could be meant as one: ASCII
  // letters followed by a value that starts like one. Any other colon ("12:30", "http://x",
  // "note:") is part of a word.
  bool IsFilter(absl::string_view word) const {
    size_t colon = word.find(':');
    if (colon == absl::string_view::npos) return false;
    absl::string_view name = word.substr(0, colon);
    if (LookupField(name).has_value()) return true;
    absl::string_view value = word.substr(colon + 1);
    return IsAsciiLetters(name) && (StartsLikeValue(value) || (value.empty() && QuoteFollows()));
  }

  // `word` is the "name:" or "name:value" just scanned from `word_start`; a quoted value, if any,
  // follows under pos_. `start` is where the clause begins, at its "-" if it has one.
  absl::Status ParseFilter(absl::string_view word, size_t word_start, bool excluded, size_t start) {
    size_t colon = word.find(':');
    absl::string_view name = word.substr(0, colon);
    std::optional<Field> field = LookupField(name);
    if (!field.has_value()) {
      return ErrorAt(word_start + 1,
                     absl::StrCat("unknown field \"", name, "\"; the fields are ", kFieldList));
    }
    if (excluded) return ErrorAt(start + 1, "a filter cannot be excluded; leave out the \"-\"");
    absl::string_view value = word.substr(colon + 1);
    size_t value_position = word_start + colon + 2;
    if (value.empty() && QuoteFollows()) {
      value_position = pos_ + 1;
      absl::StatusOr<absl::string_view> inside = ScanQuoted();
      if (!inside.ok()) return inside.status();
      // Spaces just inside the quotes are slack in the typing, not part of the value.
      value = absl::StripAsciiWhitespace(*inside);
    }
    if (value.empty()) {
      return ErrorAt(word_start + 1,
                     absl::StrCat(FieldNameOf(*field), ": has no value after the colon"));
    }
    return AddFilter(*field, value, word_start + 1, value_position);
  }

  // What may stand before OR or AND (`name`, at 1-based `position`): a word or phrase.
  absl::Status CheckJoin(absl::string_view name, size_t position) const {
    switch (last_) {
      case Item::kNone:
        return ErrorAt(position, absl::StrCat(name, " needs a word or phrase before it"));
      case Item::kOr:
      case Item::kAnd: {
        absl::string_view before = last_ == Item::kOr ? "OR" : "AND";
        return ErrorAt(position, absl::StrCat(name, " cannot follow ",
                                              before == name ? "another " : "", before));
      }
      case Item::kExcluded:
        return ErrorAt(position, absl::StrCat(name, " cannot join an excluded word or phrase"));
      case Item::kFilter:
        return ErrorAt(position, absl::StrCat(name, " cannot join a filter; ",
                                              name == "OR" ? "filters on one field are already ORed"
                                                           : "a filter always applies"));
      case Item::kText:
        break;
    }
    return absl::OkStatus();
  }

  absl::Status AddOr(size_t start) {
    CAIRN_RETURN_IF_ERROR(CheckJoin("OR", start + 1));
    last_ = Item::kOr;
    or_position_ = start + 1;
    return absl::OkStatus();
  }

  // AND makes the clause before it required, and the one after it (AddText).
  absl::Status AddAnd(size_t start) {
    CAIRN_RETURN_IF_ERROR(CheckJoin("AND", start + 1));
    query_.clauses.back().required = true;
    last_ = Item::kAnd;
    and_position_ = start + 1;
    return absl::OkStatus();
  }

  // `start` is where the clause begins, at its "-" or "+" if it has one.
  absl::Status AddText(TextTerm term, bool excluded, bool required, size_t start) {
    if (++text_terms_ > kMaxClauses) {
      return ErrorAt(start + 1,
                     absl::StrCat("too many words and phrases; the limit is ", kMaxClauses));
    }
    if (excluded) {
      if (last_ == Item::kOr) {
        return ErrorAt(or_position_, "OR cannot join an excluded word or phrase");
      }
      if (last_ == Item::kAnd) {
        return ErrorAt(and_position_, "AND cannot join an excluded word or phrase");
      }
      query_.clauses.push_back(Clause{{std::move(term)}, true, false});
      last_ = Item::kExcluded;
      return absl::OkStatus();
    }
    if (last_ == Item::kOr) {
      query_.clauses.back().alternatives.push_back(std::move(term));
      query_.clauses.back().required |= required;
    } else {
      query_.clauses.push_back(Clause{{std::move(term)}, false, required || last_ == Item::kAnd});
    }
    last_ = Item::kText;
    return absl::OkStatus();
  }

  absl::Status AddFilter(Field field, absl::string_view value, size_t field_position,
                         size_t value_position) {
    if (last_ == Item::kOr) {
      return ErrorAt(or_position_,
                     "OR cannot join a filter; filters on one field are already ORed");
    }
    if (last_ == Item::kAnd) {
      return ErrorAt(and_position_, "AND cannot join a filter; a filter always applies");
    }
    if (++filters_ > kMaxFilters) {
      return ErrorAt(field_position, absl::StrCat("too many filters; the limit is ", kMaxFilters));
    }
    last_ = Item::kFilter;
    Filters& filters = query_.filters;
    switch (field) {
      case Field::kSector:
        AddUnique(absl::AsciiStrToLower(value), &filters.sectors);
        return absl::OkStatus();
      case Field::kOrg:
        AddUnique(absl::AsciiStrToLower(value), &filters.orgs);
        return absl::OkStatus();
      case Field::kTopic:
        AddUnique(absl::AsciiStrToLower(value), &filters.topics);
        return absl::OkStatus();
      case Field::kStatus:
        return AddEnum(field, value, value_position, kStatuses, kStatusList, &filters.statuses);
      case Field::kMarking:
        return AddEnum(field, value, value_position, kMarkings, kMarkingList, &filters.markings);
      case Field::kPolarity:
        return AddEnum(field, value, value_position, kPolarities, kPolarityList,
                       &filters.polarities);
      case Field::kAfter:
      case Field::kBefore: {
        absl::StatusOr<absl::Time> day = ParseDate(field, value, value_position);
        if (!day.ok()) return day.status();
        // Filters on one field are ORed, so the union of ranges: the earliest after, the
        // latest before.
        if (field == Field::kAfter) {
          if (filters.after == absl::InfinitePast() || *day < filters.after) filters.after = *day;
        } else {
          if (filters.before == absl::InfiniteFuture() || *day > filters.before) {
            filters.before = *day;
          }
        }
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  absl::string_view text_;
  size_t pos_ = 0;  // 0-based index of the next unread byte
  Query query_;
  Item last_ = Item::kNone;
  size_t or_position_ = 0;   // 1-based, of the last OR, meaningful while last_ == kOr
  size_t and_position_ = 0;  // 1-based, of the last AND, meaningful while last_ == kAnd
  size_t text_terms_ = 0;
  size_t filters_ = 0;
};

}  // namespace

absl::StatusOr<Query> ParseQuery(absl::string_view text) {
  if (text.size() > kMaxQueryBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("query: is ", text.size(), " bytes; the limit is ", kMaxQueryBytes, " bytes"));
  }
  // Checked up front so the scanner can split on ASCII bytes without ever cutting a character.
  absl::Status utf8 = CheckUtf8(text);
  if (!utf8.ok()) return utf8;
  absl::StatusOr<Query> query = Parser(text).Parse();
  if (query.ok()) query->text = std::string(text);
  return query;
}

bool HasFilters(const Filters& filters) {
  return !filters.sectors.empty() || !filters.orgs.empty() || !filters.topics.empty() ||
         !filters.statuses.empty() || !filters.markings.empty() || !filters.polarities.empty() ||
         filters.after != absl::InfinitePast() || filters.before != absl::InfiniteFuture();
}

absl::string_view StatusName(v1::LessonStatus status) {
  for (const auto& [name, value] : kStatuses) {
    if (value == status) return name;
  }
  return "unspecified";
}

}  // namespace cairn::search
