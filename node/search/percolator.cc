#include "node/search/percolator.h"

#include <algorithm>
#include <utility>

#include "node/search/query.h"

namespace cairn::search {
namespace {

using Role = PlannedClause::Role;

// The longest of `text`'s terms: longer words are rarer, so they anchor fewer lessons.
const std::string& LongestTerm(const PlannedText& text) {
  return *std::max_element(
      text.terms.begin(), text.terms.end(),
      [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
}

bool HoldsAll(const std::vector<uint32_t>& terms, const std::vector<bool>& held) {
  return std::all_of(terms.begin(), terms.end(), [&](uint32_t term) { return held[term]; });
}

bool HoldsOne(const std::vector<std::vector<uint32_t>>& alternatives,
              const std::vector<bool>& held) {
  return std::any_of(alternatives.begin(), alternatives.end(),
                     [&](const std::vector<uint32_t>& terms) { return HoldsAll(terms, held); });
}

}  // namespace

std::vector<std::string> Percolator::Anchors(const QueryPlan& plan) {
  auto anchors_of = [](const PlannedClause& clause, std::vector<std::string>* anchors) {
    for (const PlannedText& text : clause.alternatives) {
      if (!text.terms.empty()) anchors->push_back(LongestTerm(text));
    }
  };
  std::vector<std::string> anchors;
  size_t best = 0;  // the length of the chosen required clause's shortest anchor
  for (const PlannedClause& clause : plan.clauses) {
    if (clause.role != Role::kRequired) continue;
    std::vector<std::string> candidate;
    anchors_of(clause, &candidate);
    if (candidate.empty()) continue;
    size_t shortest = std::min_element(candidate.begin(), candidate.end(),
                                       [](const std::string& a, const std::string& b) {
                                         return a.size() < b.size();
                                       })
                          ->size();
    if (shortest > best) {
      best = shortest;
      anchors = std::move(candidate);
    }
  }
  if (anchors.empty()) {
    for (const PlannedClause& clause : plan.clauses) {
      if (clause.role == Role::kOptional) anchors_of(clause, &anchors);
    }
  }
  std::sort(anchors.begin(), anchors.end());
  anchors.erase(std::unique(anchors.begin(), anchors.end()), anchors.end());
  return anchors;
}

bool Percolator::Saved::MayMatch(const std::vector<bool>& held) const {
  for (const auto& alternatives : required) {
    if (!HoldsOne(alternatives, held)) return false;
  }
  return !required.empty() || optional.empty() || HoldsOne(optional, held);
}

uint32_t Percolator::TermId(const std::string& term) {
  auto [it, added] = term_ids_.try_emplace(term, static_cast<uint32_t>(term_ids_.size()));
  if (added) by_term_.emplace_back();
  return it->second;
}

void Percolator::Add(const std::string& key, QueryPlan plan) {
  auto saved = std::make_shared<Saved>();
  saved->key = key;
  std::vector<std::string> anchors = Anchors(plan);
  absl::MutexLock lock(&mu_);
  RemoveLocked(key);
  bool one_word_each = true, excludes = false;
  for (const PlannedClause& clause : plan.clauses) {
    std::vector<std::vector<uint32_t>> alternatives;
    for (const PlannedText& text : clause.alternatives) {
      std::vector<uint32_t>& ids = alternatives.emplace_back();
      for (const std::string& term : text.terms) ids.push_back(TermId(term));
      one_word_each &= text.terms.size() == 1;
    }
    if (clause.role == Role::kRequired) saved->required.push_back(std::move(alternatives));
    if (clause.role == Role::kOptional) {
      saved->optional.insert(saved->optional.end(), alternatives.begin(), alternatives.end());
    }
    excludes |= clause.role == Role::kExcluded;
  }
  saved->decided_by_terms = one_word_each && !excludes && !HasFilters(plan.filters) &&
                            plan.leave_out.empty() && !plan.matches_nothing &&
                            !(saved->required.empty() && saved->optional.empty());
  saved->plan = std::move(plan);
  for (const std::string& term : anchors) saved->anchors.push_back(TermId(term));
  saved_[key] = saved;
  if (anchors.empty()) unanchored_.push_back(saved);
  for (uint32_t term : saved->anchors) by_term_[term].push_back(saved);
}

void Percolator::Remove(const std::string& key) {
  absl::MutexLock lock(&mu_);
  RemoveLocked(key);
}

void Percolator::RemoveLocked(const std::string& key) {
  auto it = saved_.find(key);
  if (it == saved_.end()) return;
  const std::shared_ptr<const Saved> saved = it->second;
  auto drop = [&](std::vector<std::shared_ptr<const Saved>>* list) {
    list->erase(std::remove(list->begin(), list->end(), saved), list->end());
  };
  for (uint32_t term : saved->anchors) drop(&by_term_[term]);
  drop(&unanchored_);
  saved_.erase(it);
}

size_t Percolator::size() const {
  absl::MutexLock lock(&mu_);
  return saved_.size();
}

std::vector<std::string> Percolator::Match(const AnalysedLesson& lesson) const {
  // The candidates, and which saved searches' terms the lesson holds, are taken under the lock;
  // matching runs outside it.
  std::vector<std::shared_ptr<const Saved>> candidates;
  std::vector<bool> held;
  {
    absl::MutexLock lock(&mu_);
    held.assign(term_ids_.size(), false);
    candidates = unanchored_;
    for (const auto& [term, occurrences] : lesson.terms) {
      auto it = term_ids_.find(term);
      if (it == term_ids_.end()) continue;
      held[it->second] = true;
      const auto& anchored = by_term_[it->second];
      candidates.insert(candidates.end(), anchored.begin(), anchored.end());
    }
  }
  // A search anchored by several of the lesson's terms is a candidate once.
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  const bool retracted = lesson.record.status() == v1::RETRACTED;
  std::vector<std::string> matched;
  for (const std::shared_ptr<const Saved>& saved : candidates) {
    if (!saved->MayMatch(held)) continue;
    if (saved->decided_by_terms ? !retracted : MatchesAnalysed(saved->plan, lesson)) {
      matched.push_back(saved->key);
    }
  }
  std::sort(matched.begin(), matched.end());
  return matched;
}

}  // namespace cairn::search
