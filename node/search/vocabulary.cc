#include "node/search/vocabulary.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "node/search/analyzer.h"

namespace cairn::search {

// The text of node/search/vocabulary/cross_sector.txt, built in by CMake.
extern const char kShippedVocabulary[];

absl::StatusOr<Vocabulary> Vocabulary::Parse(absl::string_view text, absl::string_view source) {
  Vocabulary vocabulary;
  Analyzer analyzer;
  size_t line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    auto refuse = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(source, " line ", line_number, ": ", why));
    };
    if (vocabulary.groups_.size() == kMaxVocabularyGroups) {
      return refuse(absl::StrCat("more than ", kMaxVocabularyGroups, " groups"));
    }
    std::vector<Term> group;
    for (absl::string_view term : absl::StrSplit(line, ',')) {
      term = absl::StripAsciiWhitespace(term);
      if (term.empty()) return refuse("an empty term (two commas in a row, or one at an end)");
      if (term.size() > kMaxTermBytes) {
        return refuse(absl::StrCat("a term of ", term.size(), " bytes; the limit is ",
                                   kMaxTermBytes));
      }
      std::vector<Token> tokens = analyzer.Analyze(term);
      if (tokens.empty()) return refuse(absl::StrCat("\"", term, "\" is only stop words"));
      if (tokens.back().position + 1 > kMaxTermWords) {
        return refuse(absl::StrCat("\"", term, "\" is over ", kMaxTermWords, " words"));
      }
      Term parsed{std::string(term), {}};
      for (Token& token : tokens) parsed.stems.push_back(std::move(token.term));
      bool seen = false;
      for (const Term& earlier : group) seen = seen || earlier.stems == parsed.stems;
      if (seen) continue;
      if (group.size() == kMaxGroupTerms) {
        return refuse(absl::StrCat("a group of more than ", kMaxGroupTerms, " terms"));
      }
      group.push_back(std::move(parsed));
    }
    if (group.size() < 2) return refuse("a group needs two or more different terms");
    vocabulary.Add(std::move(group));
  }
  return vocabulary;
}

const Vocabulary& Vocabulary::Shipped() {
  static const Vocabulary* shipped = [] {
    absl::StatusOr<Vocabulary> parsed = Parse(kShippedVocabulary, "cross_sector.txt");
    if (!parsed.ok()) {
      // A build of Cairn whose own data does not parse: its tests fail first.
      std::cerr << "the shipped vocabulary is broken: " << parsed.status() << "\n";
      std::abort();
    }
    return new Vocabulary(*std::move(parsed));
  }();
  return *shipped;
}

Vocabulary Vocabulary::MergedWith(const Vocabulary& other) const {
  Vocabulary merged = *this;
  for (const std::vector<Term>& group : other.groups_) merged.Add(group);
  return merged;
}

void Vocabulary::Add(std::vector<Term> group) {
  const size_t index = groups_.size();
  for (size_t term = 0; term < group.size(); ++term) {
    by_first_stem_[group[term].stems.front()].emplace_back(index, term);
  }
  groups_.push_back(std::move(group));
}

std::vector<Vocabulary::Widening> Vocabulary::Widen(const std::vector<std::string>& stems) const {
  std::vector<Widening> widenings;
  for (size_t first = 0; first < stems.size();) {
    auto starting = by_first_stem_.find(stems[first]);
    // The longest term of any group that the query's words spell out from here.
    size_t length = 0;
    if (starting != by_first_stem_.end()) {
      for (const auto& [group, term] : starting->second) {
        const std::vector<std::string>& candidate = groups_[group][term].stems;
        if (candidate.size() <= length || first + candidate.size() > stems.size()) continue;
        if (std::equal(candidate.begin(), candidate.end(), stems.begin() + first)) {
          length = candidate.size();
        }
      }
    }
    if (length == 0) {
      ++first;
      continue;
    }
    Widening widening{first, length, {}};
    const std::vector<std::string> typed(stems.begin() + first, stems.begin() + first + length);
    absl::flat_hash_set<std::string> added = {absl::StrJoin(typed, " ")};  // stems, joined
    for (const auto& [group, term] : starting->second) {
      if (groups_[group][term].stems != typed) continue;
      for (const Term& other : groups_[group]) {
        if (widening.equivalents.size() == kMaxEquivalents) break;
        if (added.insert(absl::StrJoin(other.stems, " ")).second) {
          widening.equivalents.push_back(other.text);
        }
      }
    }
    widenings.push_back(std::move(widening));
    first += length;
  }
  return widenings;
}

}  // namespace cairn::search
