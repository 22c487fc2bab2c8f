// Groups of equivalent terms across sectors (SPEC section 6): a council's "tablet" is the police's
// "mobile data terminal" and a nurse's "handheld device". A query's words found in a group are
// widened to the group's other terms, which rank below the words typed.
//
// The text format, for the shipped vocabulary (node/search/vocabulary/cross_sector.txt) and the
// groups an admin adds: one group a line, its terms separated by commas, each a word or a phrase;
// blank lines and lines starting with # are ignored. Terms are matched as the index analyses text
// (lower-cased, stemmed, stop words out), so "Tablets" in a query meets "tablet" in a group.
#ifndef CAIRN_NODE_SEARCH_VOCABULARY_H_
#define CAIRN_NODE_SEARCH_VOCABULARY_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn::search {

class Analyzer;

// Limits that keep a vocabulary, and so the widening of one query, bounded.
inline constexpr size_t kMaxVocabularyGroups = 10'000;
inline constexpr size_t kMaxGroupTerms = 16;
inline constexpr size_t kMaxTermWords = 6;
inline constexpr size_t kMaxTermBytes = 128;
// Equivalents one run of a query's words widens to, however many groups its term is in.
inline constexpr size_t kMaxEquivalents = 32;

// Immutable once built; thread-safe to read.
class Vocabulary {
 public:
  // A term as written in its group, and as the index sees it: its stems in order, stop words
  // left out (one stem for a word, several for a phrase).
  struct Term {
    std::string text;
    std::vector<std::string> stems;
  };

  // Where a run of a query's words is a term of some group, and what it may also be written as.
  struct Widening {
    size_t first = 0;                      // index of the run's first word in the query's stems
    size_t length = 0;                     // words in the run
    std::vector<std::string> equivalents;  // the other terms of its groups as written, each once
  };

  Vocabulary() = default;

  // Parses `text` in the format above. INVALID_ARGUMENT naming `source` and the line for a group
  // of fewer than two terms, an empty term, a term of only stop words, and the limits above.
  static absl::StatusOr<Vocabulary> Parse(absl::string_view text, absl::string_view source);
  // Cairn's own cross-sector vocabulary, built into cairnd.
  static const Vocabulary& Shipped();

  // This vocabulary with `other`'s groups added (each parsed within the limits, so the two
  // together hold at most twice kMaxVocabularyGroups).
  Vocabulary MergedWith(const Vocabulary& other) const;

  // The query's runs of words that are terms of some group, longest first at each word and not
  // overlapping, left to right. `stems`: the query's words as the analyzer gives them.
  std::vector<Widening> Widen(const std::vector<std::string>& stems) const;

  size_t group_count() const { return groups_.size(); }

 private:
  std::vector<std::vector<Term>> groups_;
  // A term's first stem -> (group, term index) of every term that starts with it.
  absl::flat_hash_map<std::string, std::vector<std::pair<size_t, size_t>>> by_first_stem_;

  void Add(std::vector<Term> group);
};

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_VOCABULARY_H_
