#include "node/search/query_plan.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/search/analyzer.h"
#include "node/search/vocabulary.h"

namespace cairn::search {
namespace {

PlannedText Plan(const std::vector<Token>& tokens) {
  PlannedText text;
  for (const Token& token : tokens) {
    text.terms.push_back(token.term);
    text.offsets.push_back(token.position - tokens[0].position);
  }
  return text;
}

// Whether `clause` is a plain optional word, the kind the vocabulary may widen.
bool IsPlainWord(const Clause& clause) {
  return !clause.excluded && !clause.required && clause.alternatives.size() == 1 &&
         !clause.alternatives[0].quoted;
}

// Whether two sorted position lists hold positions at most kProximityWindow apart.
bool Close(const absl::InlinedVector<uint32_t, 4>& a, const absl::InlinedVector<uint32_t, 4>& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    uint32_t distance = a[i] > b[j] ? a[i] - b[j] : b[j] - a[i];
    if (distance <= kProximityWindow) return true;
    if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> QueryPlan::Terms() const {
  std::vector<std::string> terms;
  absl::flat_hash_set<std::string> seen;
  for (const PlannedClause& clause : clauses) {
    if (clause.role == PlannedClause::Role::kExcluded) continue;
    for (const PlannedText& text : clause.alternatives) {
      for (const std::string& term : text.terms) {
        if (seen.insert(term).second) terms.push_back(term);
      }
    }
  }
  return terms;
}

bool QueryPlan::Matches(const std::vector<bool>& matched) const {
  if (matches_nothing) return false;
  bool any_optional = false;
  bool optional_asked = false;
  for (size_t i = 0; i < clauses.size(); ++i) {
    switch (clauses[i].role) {
      case PlannedClause::Role::kRequired:
        if (!matched[i]) return false;
        break;
      case PlannedClause::Role::kExcluded:
        if (matched[i]) return false;
        break;
      case PlannedClause::Role::kOptional:
        optional_asked = true;
        any_optional |= matched[i];
        break;
    }
  }
  // With a required clause, optional ones only rank.
  return has_required || !optional_asked || any_optional;
}

double QueryPlan::Combine(const std::vector<double>& clause_scores,
                          const std::vector<bool>& matched, double proximity,
                          absl::string_view sector) const {
  double base = 0;
  for (size_t i = 0; i < clauses.size(); ++i) {
    if (!matched[i] || clauses[i].role == PlannedClause::Role::kExcluded) continue;
    // Equivalents widen: they stand in for words a lesson lacks, and add nothing to one that
    // holds them all.
    if (clauses[i].from_vocabulary &&
        std::all_of(clauses[i].covers.begin(), clauses[i].covers.end(),
                    [&](size_t c) { return matched[c]; })) {
      continue;
    }
    base += clause_scores[i];
  }
  // A factor, so that the proximity bonus (also one) may be applied later, as Best does.
  if (!other_than_sector.empty() && sector != other_than_sector) base *= kOtherSectorBoost;
  return WithProximity(base, proximity);
}

double QueryPlan::WithProximity(double score, double proximity) const {
  return score * (1 + kProximityBonus * proximity);
}

std::vector<std::pair<std::string, std::string>> QueryPlan::ProximityPairs() const {
  std::vector<std::pair<std::string, std::string>> pairs;
  const std::string* previous = nullptr;
  for (size_t c = 0; c < typed; ++c) {
    const PlannedClause& clause = clauses[c];
    if (clause.role == PlannedClause::Role::kExcluded) continue;
    if (!clause.single_word) {
      previous = nullptr;
      continue;
    }
    const std::string& term = clause.alternatives[0].terms[0];
    if (previous != nullptr && *previous != term) pairs.emplace_back(*previous, term);
    previous = &term;
  }
  return pairs;
}

bool StandClose(const Occurrences& a, const Occurrences& b) {
  if (!a[0].empty() && !b[0].empty()) return true;  // both in the title
  for (int field = 0; field < kFields; ++field) {
    if (Close(a[field], b[field])) return true;
  }
  return false;
}

double Proximity(const std::vector<std::pair<std::string, std::string>>& pairs,
                 absl::FunctionRef<const Occurrences*(const std::string& term)> positions_of) {
  if (pairs.empty()) return 0;
  size_t close = 0;
  for (const auto& [first, second] : pairs) {
    const Occurrences* a = positions_of(first);
    const Occurrences* b = positions_of(second);
    if (a != nullptr && b != nullptr && StandClose(*a, *b)) ++close;
  }
  return static_cast<double>(close) / static_cast<double>(pairs.size());
}

absl::StatusOr<QueryPlan> PlanQuery(const Query& query, bool all_words,
                                    std::vector<v1::Equivalent> equivalents, Analyzer* analyzer) {
  QueryPlan plan;
  plan.filters = query.filters;
  plan.all_words = all_words;
  // Each plain word's clause index by its single stem, in order, for placing equivalents.
  std::vector<std::pair<std::string, size_t>> plain;  // (stem, clause); empty stem: a break
  bool text_asked = false;    // a clause that is not an exclusion was typed
  bool text_planned = false;  // and one had words that are not stop words
  size_t typed_terms = 0;
  for (const Clause& clause : query.clauses) {
    PlannedClause planned;
    planned.role = clause.excluded ? PlannedClause::Role::kExcluded
                   : clause.required || all_words ? PlannedClause::Role::kRequired
                                                  : PlannedClause::Role::kOptional;
    for (const TextTerm& alternative : clause.alternatives) {
      std::vector<Token> tokens = analyzer->Analyze(alternative.text);
      typed_terms += tokens.size();
      if (typed_terms > kMaxQueryTerms) {
        return absl::InvalidArgumentError(absl::StrCat(
            "query position ", alternative.position, ": the query has over ", kMaxQueryTerms,
            " words once split at hyphens and other punctuation (the limit)"));
      }
      if (!tokens.empty()) planned.alternatives.push_back(Plan(tokens));
    }
    text_asked |= !clause.excluded;
    if (planned.alternatives.empty()) continue;  // stop words only
    text_planned |= !clause.excluded;
    const size_t index = plan.clauses.size();
    planned.covers = {index};
    planned.single_word = clause.alternatives.size() == 1 && !clause.alternatives[0].quoted &&
                          planned.alternatives[0].terms.size() == 1;
    if (IsPlainWord(clause) && !all_words && planned.single_word) {
      plain.emplace_back(planned.alternatives[0].terms[0], index);
    } else {
      plain.emplace_back("", index);
    }
    plan.has_required |= planned.role == PlannedClause::Role::kRequired;
    plan.clauses.push_back(std::move(planned));
  }
  plan.typed = plan.clauses.size();
  plan.matches_nothing = text_asked && !text_planned && !HasFilters(query.filters);

  if (all_words) equivalents.clear();
  if (equivalents.size() > kMaxQueryEquivalents) {
    return absl::InvalidArgumentError(absl::StrCat("equivalents: ", equivalents.size(),
                                                   " given; the limit is ", kMaxQueryEquivalents));
  }
  plan.equivalents = std::move(equivalents);
  // One clause for each run of words, its alternatives every equivalent of those words.
  std::map<std::vector<size_t>, size_t> clause_of_run;
  size_t equivalent_terms = 0;
  for (size_t e = 0; e < plan.equivalents.size(); ++e) {
    const v1::Equivalent& equivalent = plan.equivalents[e];
    auto invalid = [&](absl::string_view field, absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("equivalents[", e, "]", field, ": ", why));
    };
    if (equivalent.phrase().size() > kMaxEquivalentBytes) {
      return invalid(".phrase", absl::StrCat("over ", kMaxEquivalentBytes, " bytes"));
    }
    if (equivalent.words().size() > kMaxEquivalentBytes) {
      return invalid(".words", absl::StrCat("over ", kMaxEquivalentBytes, " bytes"));
    }
    std::vector<Token> phrase = analyzer->Analyze(equivalent.phrase());
    if (phrase.empty() || phrase.size() > kMaxTermWords) {
      return invalid(".phrase", absl::StrCat("must have 1 to ", kMaxTermWords,
                                  " words that are not stop words"));
    }
    equivalent_terms += phrase.size();
    if (equivalent_terms > kMaxEquivalentTerms) {
      return invalid("", absl::StrCat("the equivalents have over ", kMaxEquivalentTerms,
                                  " words together (the limit)"));
    }
    std::vector<std::string> words;
    for (Token& token : analyzer->Analyze(equivalent.words())) words.push_back(token.term);
    // The run of plain words, consecutive in the query, that spells `words`.
    std::vector<size_t> run;
    for (size_t first = 0; first + words.size() <= plain.size() && run.empty(); ++first) {
      bool spelt = !words.empty();
      for (size_t k = 0; k < words.size() && spelt; ++k) spelt = plain[first + k].first == words[k];
      if (!spelt) continue;
      for (size_t k = 0; k < words.size(); ++k) run.push_back(plain[first + k].second);
    }
    if (run.empty()) return invalid(".words", "not a run of the query's plain words");
    auto [it, added] = clause_of_run.emplace(run, plan.clauses.size());
    if (added) {
      PlannedClause clause;
      clause.role = PlannedClause::Role::kOptional;
      clause.covers = run;
      clause.from_vocabulary = true;
      plan.clauses.push_back(std::move(clause));
    }
    PlannedText text = Plan(phrase);
    // Its words share kVocabularyWeight, so that "mobile data terminal" for "tablet" weighs
    // like one word at that weight; never more, even standing for several words typed.
    text.weight = kVocabularyWeight *
                  std::min(1.0, static_cast<double>(run.size()) /
                                    static_cast<double>(text.terms.size()));
    text.equivalent = static_cast<int>(e);
    plan.clauses[it->second].alternatives.push_back(std::move(text));
  }
  return plan;
}

std::vector<v1::Equivalent> Widen(const Query& query, bool all_words, const Vocabulary& vocabulary,
                                  Analyzer* analyzer) {
  std::vector<v1::Equivalent> equivalents;
  if (all_words) return equivalents;
  size_t terms = 0;  // in the equivalents
  std::set<std::pair<std::string, std::string>> added;  // (words, phrase)
  // Runs of plain single words, each widened on its own; stop words do not break a run.
  std::vector<std::string> stems;
  std::vector<const TextTerm*> typed;
  auto widen_run = [&] {
    for (const Vocabulary::Widening& widening : vocabulary.Widen(stems)) {
      std::vector<absl::string_view> words;
      for (size_t k = widening.first; k < widening.first + widening.length; ++k) {
        words.push_back(typed[k]->text);
      }
      const std::string joined = absl::StrJoin(words, " ");
      for (const std::string& phrase : widening.equivalents) {
        size_t phrase_terms = analyzer->Analyze(phrase).size();
        // Within what PlanQuery accepts, and each once (a word typed twice widens once).
        if (equivalents.size() == kMaxQueryEquivalents ||
            terms + phrase_terms > kMaxEquivalentTerms || joined.size() > kMaxEquivalentBytes ||
            phrase.size() > kMaxEquivalentBytes || !added.insert({joined, phrase}).second) {
          continue;
        }
        terms += phrase_terms;
        v1::Equivalent& equivalent = equivalents.emplace_back();
        equivalent.set_words(joined);
        equivalent.set_phrase(phrase);
      }
    }
    stems.clear();
    typed.clear();
  };
  for (const Clause& clause : query.clauses) {
    std::vector<Token> tokens = analyzer->Analyze(clause.alternatives[0].text);
    if (tokens.empty() && clause.alternatives.size() == 1) continue;  // a stop word
    if (IsPlainWord(clause) && tokens.size() == 1) {
      stems.push_back(tokens[0].term);
      typed.push_back(&clause.alternatives[0]);
    } else {
      widen_run();
    }
  }
  widen_run();
  return equivalents;
}

}  // namespace cairn::search
