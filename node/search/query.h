// The search query language of `cairn search` and SearchService. SPEC section 6.
//
//   battery management            natural: lessons with either word, those with both (close
//                                 together, or in the title) first
//   "battery management"          the phrase must occur, words adjacent and in order
//   +battery management           "battery" must occur; "management" ranks higher
//   battery AND management        both must occur (AND makes the clauses either side required)
//   battery OR power OR charging  any of them (OR joins the clauses either side of it)
//   -wireless  -"wi fi"           lessons without the word or phrase
//   sector:police  org:leeds-council  topic:"mobile working"  status:learned
//   marking:amber+strict  polarity:improvement  after:2019-01-01  before:2021-06-30
//
// Plain words are optional (natural); quoted phrases, +words and clauses joined by AND are
// required, and a search may ask for every clause to be required (all_words, the strict mode).
// How optional clauses match and rank is node/search/query_plan.h's business.
// Filters on the same field are ORed (sector:police sector:health is either); filters on different
// fields, and filters with the text, are ANDed: a lesson outside the filters never matches. A query of filters alone lists what they match.
// Words that are all stop words ("the", "of") are ignored: with filters, the filters decide;
// without, nothing matches.
// Field names and enum values are case-insensitive. Words are kept as typed: stemming and stop
// words are the index's business (node/search/analyzer.h).
#ifndef CAIRN_NODE_SEARCH_QUERY_H_
#define CAIRN_NODE_SEARCH_QUERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cairn/v1/lesson.pb.h"

namespace cairn::search {

// Limits that keep the work of one query bounded. Exceeding one is INVALID_ARGUMENT naming it.
inline constexpr size_t kMaxQueryBytes = 1024;
inline constexpr size_t kMaxClauses = 32;        // text clauses, counting each OR alternative
inline constexpr size_t kMaxFilters = 32;
inline constexpr size_t kMaxPhraseWords = 16;    // whitespace-separated words inside quotes

// A word or a quoted phrase, as typed (without the quotes).
struct TextTerm {
  std::string text;
  bool quoted = false;
  size_t position = 0;  // 1-based byte offset of its first character in the query
};

// Text clauses joined by OR (one alternative for a plain word or phrase), or an exclusion.
struct Clause {
  std::vector<TextTerm> alternatives;  // never empty
  bool excluded = false;               // "-word": exactly one alternative
  bool required = false;               // a phrase, +word, or joined by AND: it must match
};

struct Filters {
  std::vector<std::string> sectors;        // sector:   origin_sector, lower-cased
  std::vector<std::string> orgs;           // org:      origin_org, lower-cased
  std::vector<std::string> topics;         // topic:    lower-cased
  std::vector<v1::LessonStatus> statuses;  // status:   observation|identified|learned|superseded|retracted
  std::vector<v1::TlpMarking> markings;    // marking:  clear|green|amber|amber+strict|red
  std::vector<v1::Polarity> polarities;    // polarity: good|improvement
  absl::Time after = absl::InfinitePast();   // after:YYYY-MM-DD   occurred on or after that day (UTC)
  absl::Time before = absl::InfiniteFuture(); // before:YYYY-MM-DD  occurred before that day (UTC)
};

struct Query {
  std::string text;  // as typed
  std::vector<Clause> clauses;
  Filters filters;
};

// Parses `text`. INVALID_ARGUMENT whose message starts "query position N: " (N 1-based, in bytes)
// for: an unclosed quote, an empty phrase, a lone "+" or "+" before "-" or a filter, AND at the
// start or end or next to OR, AND, an excluded clause or a filter, an unknown field ("field:value" where field is not one
// of the above; a colon elsewhere, as in "12:30", is part of a word), an empty or unknown filter
// value, a malformed date, OR at the start or end or next to another OR, OR next to an excluded
// clause, a lone "-", invalid UTF-8, and the limits above; and "query: ..." when it holds
// neither text nor filters. Never more than linear work in the length of `text`.
absl::StatusOr<Query> ParseQuery(absl::string_view text);

// Whether the query has any filter.
bool HasFilters(const Filters& filters);

// The name `status:` takes for `status` ("learned"), which the status facet reports too, so a
// facet value is a filter; "unspecified" for a status the language has no name for.
absl::string_view StatusName(v1::LessonStatus status);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_QUERY_H_
