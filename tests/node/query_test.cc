#include "node/search/query.h"

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/lessons/validation.h"

namespace cairn::search {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using std::string_literals::operator""s;

absl::Time Day(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

// The parsed query of `text`, failing the test when it does not parse.
Query Parse(absl::string_view text) {
  absl::StatusOr<Query> query = ParseQuery(text);
  EXPECT_TRUE(query.ok()) << "\"" << absl::CHexEscape(text) << "\": " << query.status();
  return query.ok() ? *std::move(query) : Query{};
}

// The texts of each clause's alternatives, "-" marking an excluded clause and quotes a phrase.
std::vector<std::vector<std::string>> Texts(const Query& query) {
  std::vector<std::vector<std::string>> texts;
  for (const Clause& clause : query.clauses) {
    std::vector<std::string>& alternatives = texts.emplace_back();
    for (const TextTerm& term : clause.alternatives) {
      std::string text = term.quoted ? absl::StrCat("\"", term.text, "\"") : term.text;
      alternatives.push_back(clause.excluded ? "-" + text : text);
    }
  }
  return texts;
}

void ExpectError(absl::string_view text, size_t position, absl::string_view mention) {
  absl::StatusOr<Query> query = ParseQuery(text);
  ASSERT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument)
      << "\"" << absl::CHexEscape(text) << "\": " << query.status();
  EXPECT_THAT(std::string(query.status().message()),
              StartsWith(absl::StrCat("query position ", position, ": ")))
      << "\"" << absl::CHexEscape(text) << "\"";
  EXPECT_THAT(std::string(query.status().message()), HasSubstr(mention))
      << "\"" << absl::CHexEscape(text) << "\"";
}

void ExpectQueryError(absl::string_view text, absl::string_view mention) {
  absl::StatusOr<Query> query = ParseQuery(text);
  ASSERT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument) << query.status();
  EXPECT_THAT(std::string(query.status().message()), StartsWith("query: "));
  EXPECT_THAT(std::string(query.status().message()), HasSubstr(mention));
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

size_t CountWords(absl::string_view text) {
  size_t words = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsAsciiSpace(text[i]) && (i == 0 || IsAsciiSpace(text[i - 1]))) ++words;
  }
  return words;
}

bool IsBlank(absl::string_view text) {
  for (char c : text) {
    if (!IsAsciiSpace(c)) return false;
  }
  return true;
}

// Everything ParseQuery promises about any input: the first promise `result` breaks for `text`, or
// "" when it keeps them all.
std::string CheckContract(absl::string_view text, const absl::StatusOr<Query>& result) {
  if (!result.ok()) {
    const absl::Status& status = result.status();
    if (status.code() != absl::StatusCode::kInvalidArgument) return "not INVALID_ARGUMENT";
    absl::string_view message = status.message();
    if (absl::ConsumePrefix(&message, "query: ")) {
      if (!IsBlank(text) && text.size() <= kMaxQueryBytes) return "query: error for a usable query";
      return "";
    }
    if (!absl::ConsumePrefix(&message, "query position ")) return "message has no known prefix";
    size_t colon = message.find(": ");
    size_t position = 0;
    if (colon == absl::string_view::npos ||
        !absl::SimpleAtoi(message.substr(0, colon), &position)) {
      return "unreadable position";
    }
    if (position < 1 || position > text.size())
      return absl::StrCat("position ", position, " out of range");
    return "";
  }
  const Query& query = *result;
  const Filters& filters = query.filters;
  size_t filter_count = filters.sectors.size() + filters.orgs.size() + filters.topics.size() +
                        filters.statuses.size() + filters.markings.size() +
                        filters.polarities.size() + (filters.after != absl::InfinitePast()) +
                        (filters.before != absl::InfiniteFuture());
  if (filter_count > kMaxFilters) return "too many filters";
  if (query.clauses.empty() && filter_count == 0) return "neither text nor filters";
  if (query.clauses.size() > kMaxClauses) return "too many clauses";
  size_t terms = 0;
  for (const Clause& clause : query.clauses) {
    if (clause.alternatives.empty()) return "clause with no alternatives";
    if (clause.excluded && clause.alternatives.size() != 1) return "excluded clause with an OR";
    for (const TextTerm& term : clause.alternatives) {
      ++terms;
      if (term.text.empty()) return "empty term";
      if (!IsValidUtf8(term.text)) return "term is not UTF-8";
      if (term.position < 1 || term.position > text.size()) return "term position out of range";
      // A term sits in the query at its position, as typed.
      size_t at = term.position - 1;
      if (term.quoted) {
        if (text[at] != '"') return "phrase position is not at a quote";
        if (text.substr(at + 1, term.text.size()) != term.text) return "phrase not at its position";
        if (at + 1 + term.text.size() >= text.size() || text[at + 1 + term.text.size()] != '"') {
          return "phrase not closed by a quote";
        }
        size_t words = CountWords(term.text);
        if (words < 1 || words > kMaxPhraseWords) return "phrase word count out of bounds";
      } else {
        if (text.substr(at, term.text.size()) != term.text) return "word not at its position";
        for (char c : term.text) {
          if (IsAsciiSpace(c) || c == '"') return "word holds a space or a quote";
        }
        if (!clause.excluded && term.text == "OR") return "OR kept as a word";
      }
    }
  }
  if (terms > kMaxClauses) return "too many alternatives";
  return "";
}

TEST(ParseQueryTest, HeaderExamples) {
  EXPECT_THAT(Texts(Parse("battery management")),
              ElementsAre(ElementsAre("battery"), ElementsAre("management")));
  EXPECT_THAT(Texts(Parse("\"battery management\"")),
              ElementsAre(ElementsAre("\"battery management\"")));
  EXPECT_THAT(Texts(Parse("battery OR power OR charging")),
              ElementsAre(ElementsAre("battery", "power", "charging")));
  EXPECT_THAT(Texts(Parse("-wireless  -\"wi fi\"")),
              ElementsAre(ElementsAre("-wireless"), ElementsAre("-\"wi fi\"")));

  Query query = Parse(
      "sector:police  org:leeds-council  topic:\"mobile working\"  status:learned\n"
      "marking:amber+strict  polarity:improvement  after:2019-01-01  before:2021-06-30");
  EXPECT_THAT(query.clauses, IsEmpty());
  EXPECT_THAT(query.filters.sectors, ElementsAre("police"));
  EXPECT_THAT(query.filters.orgs, ElementsAre("leeds-council"));
  EXPECT_THAT(query.filters.topics, ElementsAre("mobile working"));
  EXPECT_THAT(query.filters.statuses, ElementsAre(v1::LESSON_LEARNED));
  EXPECT_THAT(query.filters.markings, ElementsAre(v1::TLP_AMBER_STRICT));
  EXPECT_THAT(query.filters.polarities, ElementsAre(v1::AREA_FOR_IMPROVEMENT));
  EXPECT_EQ(query.filters.after, Day(2019, 1, 1));
  EXPECT_EQ(query.filters.before, Day(2021, 6, 30));

  query = Parse("sector:police sector:health");
  EXPECT_THAT(query.filters.sectors, ElementsAre("police", "health"));
}

TEST(ParseQueryTest, TermsRecordTheirPositions) {
  Query query = Parse("  battery -\"wi fi\" a OR \"b c\"");
  ASSERT_EQ(query.clauses.size(), 3u);
  EXPECT_EQ(query.clauses[0].alternatives[0].position, 3u);
  EXPECT_FALSE(query.clauses[0].alternatives[0].quoted);
  EXPECT_EQ(query.clauses[1].alternatives[0].position, 12u);  // the opening quote, after the "-"
  EXPECT_EQ(query.clauses[1].alternatives[0].text, "wi fi");
  EXPECT_TRUE(query.clauses[1].alternatives[0].quoted);
  EXPECT_TRUE(query.clauses[1].excluded);
  ASSERT_EQ(query.clauses[2].alternatives.size(), 2u);
  EXPECT_EQ(query.clauses[2].alternatives[0].position, 20u);
  EXPECT_EQ(query.clauses[2].alternatives[1].position, 25u);
  EXPECT_EQ(query.clauses[2].alternatives[1].text, "b c");
}

TEST(ParseQueryTest, OrJoinsOnlyItsNeighbours) {
  EXPECT_THAT(Texts(Parse("a b OR c d")),
              ElementsAre(ElementsAre("a"), ElementsAre("b", "c"), ElementsAre("d")));
  EXPECT_THAT(Texts(Parse("\"a b\" OR c")), ElementsAre(ElementsAre("\"a b\"", "c")));
  EXPECT_THAT(Texts(Parse("a OR b sector:police -c")),
              ElementsAre(ElementsAre("a", "b"), ElementsAre("-c")));
}

TEST(ParseQueryTest, OnlyTheBareUpperCaseOrIsTheOperator) {
  EXPECT_THAT(Texts(Parse("a or b")),
              ElementsAre(ElementsAre("a"), ElementsAre("or"), ElementsAre("b")));
  EXPECT_THAT(Texts(Parse("a Or b")),
              ElementsAre(ElementsAre("a"), ElementsAre("Or"), ElementsAre("b")));
  EXPECT_THAT(Texts(Parse("a -OR")), ElementsAre(ElementsAre("a"), ElementsAre("-OR")));
  EXPECT_THAT(Texts(Parse("\"OR\"")), ElementsAre(ElementsAre("\"OR\"")));
  EXPECT_THAT(Texts(Parse("ORE ORACLE")), ElementsAre(ElementsAre("ORE"), ElementsAre("ORACLE")));
  EXPECT_THAT(Texts(Parse("\"a\"OR\"b\"")), ElementsAre(ElementsAre("\"a\"", "\"b\"")));
}

TEST(ParseQueryTest, HyphenExcludesOnlyAtTheStartOfAClause) {
  EXPECT_THAT(Texts(Parse("wi-fi")), ElementsAre(ElementsAre("wi-fi")));
  EXPECT_THAT(Texts(Parse("post- -pre")), ElementsAre(ElementsAre("post-"), ElementsAre("-pre")));
  EXPECT_THAT(Texts(Parse("--flag")), ElementsAre(ElementsAre("--flag")));  // excludes "-flag"
  Query query = Parse("--flag");
  ASSERT_EQ(query.clauses.size(), 1u);
  EXPECT_EQ(query.clauses[0].alternatives[0].text, "-flag");
  EXPECT_EQ(query.clauses[0].alternatives[0].position, 2u);
}

TEST(ParseQueryTest, ColonsOutsideFiltersArePartOfWords) {
  EXPECT_THAT(Texts(Parse("12:30")), ElementsAre(ElementsAre("12:30")));
  EXPECT_THAT(Texts(Parse("http://x")), ElementsAre(ElementsAre("http://x")));
  EXPECT_THAT(Texts(Parse("note:")), ElementsAre(ElementsAre("note:")));
  EXPECT_THAT(Texts(Parse(":sector")), ElementsAre(ElementsAre(":sector")));
  EXPECT_THAT(Texts(Parse("v2:beta")), ElementsAre(ElementsAre("v2:beta")));
  EXPECT_THAT(Texts(Parse("C:\\temp")), ElementsAre(ElementsAre("C:\\temp")));
  EXPECT_THAT(Texts(Parse("foo::bar")), ElementsAre(ElementsAre("foo::bar")));
  EXPECT_THAT(Texts(Parse("x-ray:y")), ElementsAre(ElementsAre("x-ray:y")));
  EXPECT_THAT(Texts(Parse("caf\xC3\xA9:menu")), ElementsAre(ElementsAre("caf\xC3\xA9:menu")));
}

TEST(ParseQueryTest, FieldNamesAndEnumValuesIgnoreCase) {
  Query query = Parse(
      "SECTOR:Police Org:Leeds-Council TOPIC:\"Mobile Working\" Status:LEARNED "
      "MARKING:Amber+Strict Polarity:GOOD AFTER:2019-01-01 bEfOrE:2020-01-01");
  EXPECT_THAT(query.filters.sectors, ElementsAre("police"));
  EXPECT_THAT(query.filters.orgs, ElementsAre("leeds-council"));
  EXPECT_THAT(query.filters.topics, ElementsAre("mobile working"));
  EXPECT_THAT(query.filters.statuses, ElementsAre(v1::LESSON_LEARNED));
  EXPECT_THAT(query.filters.markings, ElementsAre(v1::TLP_AMBER_STRICT));
  EXPECT_THAT(query.filters.polarities, ElementsAre(v1::GOOD_PRACTICE));
  EXPECT_EQ(query.filters.after, Day(2019, 1, 1));
  EXPECT_EQ(query.filters.before, Day(2020, 1, 1));
}

TEST(ParseQueryTest, WordsKeepTheirCase) {
  EXPECT_THAT(Texts(Parse("Battery \"Wi Fi\"")),
              ElementsAre(ElementsAre("Battery"), ElementsAre("\"Wi Fi\"")));
}

TEST(ParseQueryTest, EveryEnumValueMaps) {
  Query query = Parse(
      "status:observation status:identified status:learned status:superseded "
      "status:retracted");
  EXPECT_THAT(query.filters.statuses,
              ElementsAre(v1::OBSERVATION, v1::LESSON_IDENTIFIED, v1::LESSON_LEARNED,
                          v1::SUPERSEDED, v1::RETRACTED));
  query = Parse("marking:clear marking:green marking:amber marking:amber+strict marking:red");
  EXPECT_THAT(query.filters.markings, ElementsAre(v1::TLP_CLEAR, v1::TLP_GREEN, v1::TLP_AMBER,
                                                  v1::TLP_AMBER_STRICT, v1::TLP_RED));
  query = Parse("polarity:good polarity:improvement");
  EXPECT_THAT(query.filters.polarities, ElementsAre(v1::GOOD_PRACTICE, v1::AREA_FOR_IMPROVEMENT));
}

TEST(ParseQueryTest, RepeatedFilterValuesAreKeptOnce) {
  Query query = Parse("sector:Police sector:police status:learned STATUS:Learned sector:health");
  EXPECT_THAT(query.filters.sectors, ElementsAre("police", "health"));
  EXPECT_THAT(query.filters.statuses, ElementsAre(v1::LESSON_LEARNED));
}

TEST(ParseQueryTest, RepeatedDatesTakeTheWidestRange) {
  Query query = Parse("after:2020-05-01 after:2019-01-01 before:2021-01-01 before:2022-02-02");
  EXPECT_EQ(query.filters.after, Day(2019, 1, 1));
  EXPECT_EQ(query.filters.before, Day(2022, 2, 2));
}

TEST(ParseQueryTest, DatesAreCalendarDaysAtMidnightUtc) {
  EXPECT_EQ(Parse("after:2020-02-29").filters.after, Day(2020, 2, 29));
  EXPECT_EQ(Parse("after:2000-02-29").filters.after, Day(2000, 2, 29));
  EXPECT_EQ(Parse("after:0001-01-01").filters.after, Day(1, 1, 1));
  EXPECT_EQ(Parse("before:9999-12-31").filters.before, Day(9999, 12, 31));
  EXPECT_EQ(Parse("after:\"2019-01-01\"").filters.after, Day(2019, 1, 1));
  EXPECT_EQ(Parse("after:1970-01-01").filters.after, absl::UnixEpoch());
}

TEST(ParseQueryTest, FiltersAloneAreAQuery) {
  Query query = Parse("status:learned");
  EXPECT_THAT(query.clauses, IsEmpty());
  EXPECT_THAT(query.filters.statuses, ElementsAre(v1::LESSON_LEARNED));
  EXPECT_EQ(query.filters.after, absl::InfinitePast());
  EXPECT_EQ(query.filters.before, absl::InfiniteFuture());
}

TEST(ParseQueryTest, QuotedFilterValues) {
  EXPECT_THAT(Parse("topic:\" Mobile  Working \"").filters.topics, ElementsAre("mobile  working"));
  EXPECT_THAT(Parse("status:\"learned\"").filters.statuses, ElementsAre(v1::LESSON_LEARNED));
  EXPECT_THAT(Parse("org:\"leeds-council\"").filters.orgs, ElementsAre("leeds-council"));
  // A known field takes whatever follows the colon, even punctuation or another colon.
  EXPECT_THAT(Parse("org:-x:y").filters.orgs, ElementsAre("-x:y"));
}

TEST(ParseQueryTest, QuotesAlwaysDelimit) {
  EXPECT_THAT(Texts(Parse("foo\"bar baz\"")),
              ElementsAre(ElementsAre("foo"), ElementsAre("\"bar baz\"")));
  EXPECT_THAT(Texts(Parse("\"a b\"c")), ElementsAre(ElementsAre("\"a b\""), ElementsAre("c")));
  Query query = Parse("topic:mobile\"working\"");
  EXPECT_THAT(query.filters.topics, ElementsAre("mobile"));
  EXPECT_THAT(Texts(query), ElementsAre(ElementsAre("\"working\"")));
}

TEST(ParseQueryTest, PhrasesKeepTheirTextAsTyped) {
  Query query = Parse("\" a\tb  \"");
  ASSERT_EQ(query.clauses.size(), 1u);
  EXPECT_EQ(query.clauses[0].alternatives[0].text, " a\tb  ");
}

TEST(ParseQueryTest, AsciiWhitespaceSeparatesAndOtherBytesDoNot) {
  EXPECT_THAT(Texts(Parse("a\tb\nc\r\fd\ve")),
              ElementsAre(ElementsAre("a"), ElementsAre("b"), ElementsAre("c"), ElementsAre("d"),
                          ElementsAre("e")));
  EXPECT_THAT(Texts(Parse("caf\xC3\xA9 \xE2\x82\xAC")),
              ElementsAre(ElementsAre("caf\xC3\xA9"), ElementsAre("\xE2\x82\xAC")));
  EXPECT_THAT(Texts(Parse("x\xC2\xA0y")), ElementsAre(ElementsAre("x\xC2\xA0y")));  // NBSP
  EXPECT_THAT(Texts(Parse(std::string("a\0b c", 5))),
              ElementsAre(ElementsAre(std::string("a\0b", 3)), ElementsAre("c")));
}

TEST(ParseQueryErrorTest, BlankQueries) {
  ExpectQueryError("", "empty");
  ExpectQueryError("   \t\n ", "empty");
}

TEST(ParseQueryErrorTest, QueryLength) {
  EXPECT_TRUE(ParseQuery(std::string(kMaxQueryBytes, 'a')).ok());
  ExpectQueryError(std::string(kMaxQueryBytes + 1, 'a'), "1024 bytes");
  ExpectQueryError(std::string(kMaxQueryBytes + 1, ' '), "1024 bytes");
  ExpectQueryError(std::string(100000, '"'), "1024 bytes");
}

TEST(ParseQueryErrorTest, UnclosedQuote) {
  ExpectError("\"", 1, "unclosed quote");
  ExpectError("foo \"bar", 5, "unclosed quote");
  ExpectError("\"a\" \"b\" \"c", 9, "unclosed quote");
  ExpectError("-\"wi fi", 2, "unclosed quote");
  ExpectError("topic:\"mobile", 7, "unclosed quote");
  ExpectError("x\"", 2, "unclosed quote");
}

TEST(ParseQueryErrorTest, EmptyPhrase) {
  ExpectError("a \"\"", 3, "empty phrase");
  ExpectError("\"  \t \"", 1, "empty phrase");
  ExpectError("-\"\"", 2, "empty phrase");
  ExpectError("a OR \"\"", 6, "empty phrase");
}

TEST(ParseQueryErrorTest, UnknownField) {
  ExpectError("foo:bar", 1, "unknown field \"foo\"");
  ExpectError("battery Sectr:police", 9, "unknown field \"Sectr\"");
  ExpectError("x -foo:bar", 4, "unknown field");
  ExpectError("label:\"x y\"", 1, "unknown field");
  ExpectError("mailto:someone", 1, "unknown field");
  ExpectError("tag:\xC3\xA9t\xC3\xA9", 1, "unknown field");
  absl::StatusOr<Query> query = ParseQuery("foo:bar");
  EXPECT_THAT(std::string(query.status().message()),
              HasSubstr("sector, org, topic, status, marking, polarity, before or after"));
}

TEST(ParseQueryErrorTest, EmptyFilterValue) {
  ExpectError("sector:", 1, "sector: has no value");
  ExpectError("a STATUS: b", 3, "status: has no value");
  ExpectError("topic:\"\"", 1, "topic: has no value");
  ExpectError("topic:\"   \"", 1, "topic: has no value");
  ExpectError("after:", 1, "after: has no value");
}

TEST(ParseQueryErrorTest, UnknownFilterValue) {
  ExpectError("status:done", 8, "observation, identified, learned, superseded or retracted");
  ExpectError("a marking:amber-strict", 11, "clear, green, amber, amber+strict or red");
  ExpectError("polarity:\"bad\"", 10, "good or improvement");
  ExpectError("status:learned,identified", 8, "unknown value");
  ExpectError("marking:tlp:red", 9, "unknown value");
}

TEST(ParseQueryErrorTest, MalformedDate) {
  ExpectError("after:2019-02-30", 7, "not a calendar date");
  ExpectError("after:2019-02-29", 7, "not a calendar date");
  ExpectError("after:2100-02-29", 7, "not a calendar date");
  ExpectError("before:2019-13-01", 8, "not a calendar date");
  ExpectError("before:2019-00-10", 8, "not a calendar date");
  ExpectError("before:2019-01-00", 8, "not a calendar date");
  ExpectError("after:0000-01-01", 7, "not a calendar date");
  ExpectError("after:yesterday", 7, "YYYY-MM-DD");
  ExpectError("after:2019-1-01", 7, "YYYY-MM-DD");
  ExpectError("after:2019/01/01", 7, "YYYY-MM-DD");
  ExpectError("after:20190101", 7, "YYYY-MM-DD");
  ExpectError("after:2019-01-01x", 7, "YYYY-MM-DD");
  ExpectError("after:+019-01-01", 7, "YYYY-MM-DD");
  ExpectError("after:12019-01-01", 7, "YYYY-MM-DD");
  ExpectError("after:\"2019-01-01 12:00\"", 7, "YYYY-MM-DD");
}

TEST(ParseQueryErrorTest, MisplacedOr) {
  ExpectError("OR a", 1, "OR needs a word or phrase before it");
  ExpectError("a OR", 3, "OR needs a word or phrase after it");
  ExpectError("a OR OR b", 6, "OR cannot follow another OR");
  ExpectError("OR", 1, "before it");
  ExpectError("-a OR b", 4, "excluded");
  ExpectError("a OR -b", 3, "excluded");
  ExpectError("a OR -\"b c\"", 3, "excluded");
}

TEST(ParseQueryErrorTest, FilterCannotTakePartInOr) {
  ExpectError("sector:x OR a", 10, "OR cannot join a filter");
  ExpectError("a OR sector:x", 3, "OR cannot join a filter");
  ExpectError("sector:x OR sector:y", 10, "OR cannot join a filter");
}

TEST(ParseQueryErrorTest, FilterCannotBeExcluded) {
  ExpectError("-sector:police", 1, "a filter cannot be excluded");
  ExpectError("a -Status:learned", 3, "a filter cannot be excluded");
  ExpectError("-topic:\"x y\"", 1, "a filter cannot be excluded");
}

TEST(ParseQueryErrorTest, LoneHyphen) {
  ExpectError("-", 1, "lone \"-\"");
  ExpectError("a - b", 3, "lone \"-\"");
  ExpectError("a -", 3, "lone \"-\"");
  ExpectError("a -\tb", 3, "lone \"-\"");
}

TEST(ParseQueryErrorTest, InvalidUtf8) {
  ExpectError("ab\xC3", 3, "invalid UTF-8");
  ExpectError("a \xFF", 3, "invalid UTF-8");
  ExpectError("\xC0\xAF", 1, "invalid UTF-8");          // overlong "/"
  ExpectError("x\xED\xA0\x80", 2, "invalid UTF-8");     // surrogate
  ExpectError("\xF4\x90\x80\x80", 1, "invalid UTF-8");  // past U+10FFFF
  ExpectError("caf\xC3\xA9 \x80", 7, "invalid UTF-8");  // stray continuation byte
  ExpectError("\"ok \xE2\x82\"", 5, "invalid UTF-8");   // truncated inside a phrase
  ExpectError("topic:\xC3(", 7, "invalid UTF-8");
}

TEST(ParseQueryLimitTest, TextClauses) {
  std::string words;
  for (size_t i = 0; i < kMaxClauses; ++i) absl::StrAppend(&words, "w ");
  EXPECT_EQ(Parse(words).clauses.size(), kMaxClauses);
  ExpectError(words + "w", 2 * kMaxClauses + 1, "the limit is 32");
  ExpectError(words + "-w", 2 * kMaxClauses + 1, "too many words and phrases");
}

TEST(ParseQueryLimitTest, OrAlternativesCountAsClauses) {
  std::string alternatives = "w";
  for (size_t i = 1; i < kMaxClauses; ++i) absl::StrAppend(&alternatives, " OR w");
  Query query = Parse(alternatives);
  ASSERT_EQ(query.clauses.size(), 1u);
  EXPECT_EQ(query.clauses[0].alternatives.size(), kMaxClauses);
  ExpectError(alternatives + " OR w", alternatives.size() + 5, "the limit is 32");
}

TEST(ParseQueryLimitTest, Filters) {
  std::string filters;
  for (size_t i = 0; i < kMaxFilters; ++i) absl::StrAppend(&filters, "sector:s", i % 10, " ");
  EXPECT_EQ(Parse(filters).filters.sectors.size(), 10u);
  ExpectError(filters + "status:learned", filters.size() + 1, "too many filters; the limit is 32");
}

TEST(ParseQueryLimitTest, PhraseWords) {
  std::string phrase = "\"";
  for (size_t i = 0; i < kMaxPhraseWords; ++i) absl::StrAppend(&phrase, " w");
  EXPECT_EQ(Parse(phrase + "\"").clauses.size(), 1u);
  ExpectError("a " + phrase + " w\"", 3, "too many words in quotes; the limit is 16");
  ExpectError("topic:" + phrase + " w\"", 7, "the limit is 16");
}

// Inputs built to be as awkward as 1 KiB allows; what they produce stays within the limits.
TEST(ParseQueryLimitTest, PathologicalInputsStayBounded) {
  auto repeat = [](absl::string_view unit) {
    std::string text;
    while (text.size() + unit.size() <= kMaxQueryBytes) absl::StrAppend(&text, unit);
    return text;
  };
  ExpectError(repeat("\""), 1, "empty phrase");
  ExpectError("\"" + repeat("a").substr(1), 1, "unclosed quote");
  ExpectError(repeat("a "), 2 * kMaxClauses + 1, "too many words and phrases");
  ExpectError(repeat("OR "), 1, "OR needs a word or phrase before it");
  ExpectError(repeat("a OR "), 5 * kMaxClauses + 1, "too many words and phrases");
  ExpectError(repeat("a:"), 1, "unknown field \"a\"");
  ExpectError(repeat("sector:x "), 9 * kMaxFilters + 1, "too many filters");
  ExpectError("\"" + repeat("a ").substr(2) + "\"", 1, "too many words in quotes");
  ExpectError(repeat("- "), 1, "lone \"-\"");
  ExpectError(repeat("a\"b\""), 4 * (kMaxClauses / 2) + 1, "too many words and phrases");

  // Inputs that parse become one word, however long and odd.
  const std::vector<std::string> units = {"-", ":", "\xC3\xA9", "x", "a-b", "12:30", "\0"s};
  for (const std::string& unit : units) {
    std::string text = repeat(unit);
    EXPECT_EQ(CheckContract(text, ParseQuery(text)), "") << absl::CHexEscape(unit);
    Query query = Parse(text);
    ASSERT_EQ(query.clauses.size(), 1u) << absl::CHexEscape(unit);
    ASSERT_EQ(query.clauses[0].alternatives.size(), 1u);
    EXPECT_LE(query.clauses[0].alternatives[0].text.size(), kMaxQueryBytes);
  }
  EXPECT_TRUE(Parse(repeat("-")).clauses[0].excluded);
}

// Random queries from a hostile alphabet, a third each: well-formed queries (so the success paths
// are exercised), streams of plausible but often misplaced tokens (so parses get deep before they
// fail), and raw concatenations of awkward pieces (quotes, dashes, colons, NUL, bytes >= 0x80, long
// runs). One in eight is then mutated by one random byte.
class HostileQueries {
 public:
  explicit HostileQueries(uint64_t seed) : random_(seed) {}

  std::string Next() {
    size_t mode = Pick(3);
    std::string text = mode == 0 ? WellFormed() : mode == 1 ? Tokens() : Chaos();
    if (Pick(8) == 0 && !text.empty()) {
      text[Pick(text.size())] = static_cast<char>(Pick(256));
    }
    return text;
  }

 private:
  size_t Pick(size_t n) { return static_cast<size_t>(random_() % n); }

  template <typename T>
  const T& OneOf(const std::vector<T>& items) {
    return items[Pick(items.size())];
  }

  std::string Phrase() {
    std::string phrase = "\"";
    for (size_t words = Pick(4) == 0 ? Pick(20) : Pick(4); words > 0; --words) {
      absl::StrAppend(&phrase, Pick(3) == 0 ? "  " : " ", OneOf(words_));
    }
    if (Pick(10) != 0) phrase += '"';
    return phrase;
  }

  std::string Token() {
    switch (Pick(20)) {
      case 0:
      case 1:
      case 2:
      case 3:
        return "OR";
      case 4:
      case 5:
        return "-" + OneOf(words_);
      case 6:
      case 7:
        return Phrase();
      case 8:
        return "-" + Phrase();
      case 9:
      case 10:
      case 11:
      case 12:
        return absl::StrCat(OneOf(fields_), ":", OneOf(values_));
      case 13:
        return absl::StrCat("-", OneOf(fields_), ":", OneOf(values_));
      case 14:
        return Pick(2) == 0 ? "-" : OneOf(chaos_);
      default:
        return OneOf(words_);
    }
  }

  std::string WellFormed() {
    std::string text;
    for (size_t count = 1 + Pick(8); count > 0; --count) {
      if (!text.empty()) {
        const std::string& separator = OneOf(separators_);
        text += separator.empty() ? " " : separator;
      }
      switch (Pick(6)) {
        case 0:
          absl::StrAppend(&text, "-", OneOf(plain_words_));
          break;
        case 1:
          absl::StrAppend(&text, "\"", OneOf(plain_words_), " ", OneOf(plain_words_), "\"");
          break;
        case 2:
          absl::StrAppend(&text, OneOf(plain_words_));
          for (size_t more = 1 + Pick(3); more > 0; --more) {
            absl::StrAppend(&text, " OR ", OneOf(plain_words_));
          }
          break;
        case 3:
          absl::StrAppend(&text, OneOf(good_filters_));
          break;
        default:
          absl::StrAppend(&text, OneOf(plain_words_));
      }
    }
    return text;
  }

  std::string Tokens() {
    std::string text;
    size_t count = Pick(10) == 0 ? Pick(300) : Pick(24);
    for (size_t i = 0; i < count; ++i) {
      if (i > 0 || Pick(4) == 0) text += OneOf(separators_);
      text += Token();
    }
    return text;
  }

  std::string Chaos() {
    std::string text;
    for (size_t count = Pick(4) == 0 ? Pick(200) : Pick(16); count > 0; --count) {
      switch (Pick(20)) {
        case 0: {  // a long run of one piece, sized to land around the length limit
          const std::string& piece = OneOf(chaos_);
          for (size_t bytes = Pick(kMaxQueryBytes + 64); bytes >= piece.size();
               bytes -= piece.size()) {
            text += piece;
          }
          break;
        }
        case 1:
          text += static_cast<char>(Pick(256));
          break;
        default:
          text += OneOf(chaos_);
      }
    }
    return text;
  }

  std::mt19937_64 random_;
  // clang-format off
  const std::vector<std::string> words_ = {
      "a", "battery", "wi-fi", "12:30", "http://x", "or", "Or", "ORE", "x", "caf\xC3\xA9",
      "\xF0\x9F\x94\x8B", "n\0l"s, "note:", ":x", "-x-", "--", "OR"};
  const std::vector<std::string> plain_words_ = {
      "a", "battery", "wi-fi", "12:30", "http://x", "or", "caf\xC3\xA9", "n\0l"s};
  const std::vector<std::string> good_filters_ = {
      "sector:police", "ORG:Leeds", "topic:\"mobile working\"", "status:learned",
      "marking:amber+strict", "polarity:good", "after:2020-02-29", "before:9999-12-31"};
  const std::vector<std::string> fields_ = {
      "sector", "SECTOR", "org", "topic", "Status", "marking", "polarity", "before", "after",
      "foo", "x1", ""};
  const std::vector<std::string> values_ = {
      "police", "learned", "IDENTIFIED", "amber+strict", "red", "good", "improvement",
      "2019-01-01", "2020-02-29", "2019-02-29", "0000-01-01", "9999-12-31", "\"mobile working\"",
      "\"\"", "\"x", "", "-", ":", "//x", "\xC3\xA9"};
  const std::vector<std::string> separators_ = {" ", " ", " ", " ", "  ", "\t", "\n", ""};
  const std::vector<std::string> chaos_ = {
      "\"", "\"", "-", "-", ":", " ", "  ", "\t", "\n", "OR", "OR", "or", "a", "x", "\0"s,
      "sector:", "STATUS:", "after:", "before:", "marking:", "polarity:", "org:", "topic:", "foo:",
      "learned", "amber+strict", "2019-02-29", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x94\x8B",
      "\xC3", "\x80", "\xFF", "\xED\xA0\x80", "\xC0\xAF"};
  // clang-format on
};

// Any input either parses into something within the limits or is refused with a position inside
// it; never a crash, never another kind of error.
TEST(ParseQueryRandomTest, HostileInputsKeepTheContract) {
  // CAIRN_RANDOM_SEED explores other inputs; the default one runs in CI.
  const char* seed_text = std::getenv("CAIRN_RANDOM_SEED");
  const uint64_t seed = seed_text != nullptr ? std::strtoull(seed_text, nullptr, 10) : 20240611;
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  HostileQueries queries(seed);

  constexpr int kInputs = 200'000;
  int parsed = 0, with_or = 0, with_exclusion = 0, with_phrase = 0, with_filter = 0;
  for (int n = 0; n < kInputs; ++n) {
    std::string text = queries.Next();
    absl::StatusOr<Query> query = ParseQuery(text);
    ASSERT_EQ(CheckContract(text, query), "")
        << "input " << n << ": \"" << absl::CHexEscape(text) << "\"";
    if (!query.ok()) continue;
    ++parsed;
    bool any_or = false, any_exclusion = false, any_phrase = false;
    for (const Clause& clause : query->clauses) {
      any_or |= clause.alternatives.size() > 1;
      any_exclusion |= clause.excluded;
      for (const TextTerm& term : clause.alternatives) any_phrase |= term.quoted;
    }
    with_or += any_or;
    with_exclusion += any_exclusion;
    with_phrase += any_phrase;
    with_filter += !query->filters.sectors.empty() || !query->filters.statuses.empty() ||
                   !query->filters.markings.empty() || query->filters.after != absl::InfinitePast();
  }
  // The generator must reach every success path often, or the checks above prove little.
  EXPECT_GT(parsed, kInputs / 10);
  EXPECT_GT(with_or, kInputs / 200);
  EXPECT_GT(with_exclusion, kInputs / 200);
  EXPECT_GT(with_phrase, kInputs / 200);
  EXPECT_GT(with_filter, kInputs / 200);
}

}  // namespace
}  // namespace cairn::search
