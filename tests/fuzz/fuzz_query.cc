// Fuzzes the search query parser (node/search/query.h) and checks what every parse must give:
// the limits hold, each term is where its position says, filter values are non-empty and
// lower-cased, dates are real days, and errors name a position inside the query.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "node/lessons/validation.h"
#include "node/search/query.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using cairn::search::Query;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void CheckError(absl::string_view text, const absl::Status& status) {
  FUZZ_CHECK(absl::IsInvalidArgument(status), "%s", status.ToString().c_str());
  absl::string_view message = status.message();
  if (absl::ConsumePrefix(&message, "query: ")) return;
  FUZZ_CHECK(absl::ConsumePrefix(&message, "query position "), "%s", status.ToString().c_str());
  size_t colon = message.find(':');
  size_t position = 0;
  FUZZ_CHECK(colon != absl::string_view::npos &&
             absl::SimpleAtoi(message.substr(0, colon), &position));
  FUZZ_CHECK(position >= 1 && position <= text.size(), "position %zu of %zu bytes", position,
             text.size());
}

void CheckLowerNonEmpty(const std::vector<std::string>& values) {
  for (const std::string& value : values) {
    FUZZ_CHECK(!value.empty());
    FUZZ_CHECK(value == absl::AsciiStrToLower(value), "%s", value.c_str());
    FUZZ_CHECK(cairn::IsValidUtf8(value));
  }
}

void CheckDay(absl::Time time) {
  absl::CivilSecond civil = absl::ToCivilSecond(time, absl::UTCTimeZone());
  FUZZ_CHECK(civil.year() >= 1 && civil.year() <= 9999);
  FUZZ_CHECK(civil.hour() == 0 && civil.minute() == 0 && civil.second() == 0);
}

void CheckQuery(absl::string_view text, const Query& query) {
  FUZZ_CHECK(text.size() <= cairn::search::kMaxQueryBytes);
  size_t terms = 0;
  for (const cairn::search::Clause& clause : query.clauses) {
    FUZZ_CHECK(!clause.alternatives.empty());
    if (clause.excluded) FUZZ_CHECK(clause.alternatives.size() == 1);
    for (const cairn::search::TextTerm& term : clause.alternatives) {
      ++terms;
      FUZZ_CHECK(!term.text.empty());
      FUZZ_CHECK(cairn::IsValidUtf8(term.text));
      FUZZ_CHECK(term.position >= 1 && term.position <= text.size());
      absl::string_view at = text.substr(term.position - 1);
      if (term.quoted) {
        FUZZ_CHECK(absl::ConsumePrefix(&at, "\"") && absl::StartsWith(at, term.text) &&
                   at.size() > term.text.size() && at[term.text.size()] == '"');
        size_t words = 0;
        bool in_word = false;
        for (char c : term.text) {
          if (IsSpace(c)) {
            in_word = false;
          } else if (!in_word) {
            in_word = true;
            ++words;
          }
        }
        FUZZ_CHECK(words >= 1 && words <= cairn::search::kMaxPhraseWords);
      } else {
        FUZZ_CHECK(absl::StartsWith(at, term.text));
        for (char c : term.text) FUZZ_CHECK(!IsSpace(c) && c != '"');
      }
    }
  }
  FUZZ_CHECK(terms <= cairn::search::kMaxClauses, "%zu terms", terms);
  const cairn::search::Filters& filters = query.filters;
  size_t values = filters.sectors.size() + filters.orgs.size() + filters.topics.size() +
                  filters.statuses.size() + filters.markings.size() + filters.polarities.size() +
                  (filters.after != absl::InfinitePast()) +
                  (filters.before != absl::InfiniteFuture());
  FUZZ_CHECK(values <= cairn::search::kMaxFilters, "%zu filter values", values);
  FUZZ_CHECK(terms + values > 0, "a parsed query holds text or filters");
  CheckLowerNonEmpty(filters.sectors);
  CheckLowerNonEmpty(filters.orgs);
  CheckLowerNonEmpty(filters.topics);
  for (auto status : filters.statuses) FUZZ_CHECK(cairn::v1::LessonStatus_IsValid(status));
  for (auto marking : filters.markings) {
    FUZZ_CHECK(cairn::v1::TlpMarking_IsValid(marking) && marking != cairn::v1::TLP_UNSPECIFIED);
  }
  for (auto polarity : filters.polarities) FUZZ_CHECK(cairn::v1::Polarity_IsValid(polarity));
  if (filters.after != absl::InfinitePast()) CheckDay(filters.after);
  if (filters.before != absl::InfiniteFuture()) CheckDay(filters.before);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Query> query = cairn::search::ParseQuery(text);
  if (!query.ok()) {
    CheckError(text, query.status());
    return 0;
  }
  CheckQuery(text, *query);
  return 0;
}
