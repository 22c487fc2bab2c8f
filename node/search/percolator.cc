#include "node/search/percolator.h"

#include <algorithm>
#include <utility>

namespace cairn::search {

std::vector<std::string> Percolator::Anchors(const QueryPlan& plan) {
  using Role = PlannedClause::Role;
  const PlannedClause* narrowest = nullptr;
  for (const PlannedClause& clause : plan.clauses) {
    if (clause.role != Role::kRequired) continue;
    if (narrowest == nullptr || clause.alternatives.size() < narrowest->alternatives.size()) {
      narrowest = &clause;
    }
  }
  std::vector<std::string> anchors;
  auto add_firsts = [&](const PlannedClause& clause) {
    for (const PlannedText& text : clause.alternatives) {
      if (!text.terms.empty()) anchors.push_back(text.terms.front());
    }
  };
  if (narrowest != nullptr) {
    add_firsts(*narrowest);
  } else {
    for (const PlannedClause& clause : plan.clauses) {
      if (clause.role == Role::kOptional) add_firsts(clause);
    }
  }
  std::sort(anchors.begin(), anchors.end());
  anchors.erase(std::unique(anchors.begin(), anchors.end()), anchors.end());
  return anchors;
}

void Percolator::Add(const std::string& key, QueryPlan plan) {
  std::vector<std::string> anchors = Anchors(plan);
  auto shared = std::make_shared<const QueryPlan>(std::move(plan));
  absl::MutexLock lock(&mu_);
  RemoveLocked(key);
  plans_[key] = std::move(shared);
  if (anchors.empty()) unanchored_.insert(key);
  for (const std::string& term : anchors) by_term_[term].insert(key);
}

void Percolator::Remove(const std::string& key) {
  absl::MutexLock lock(&mu_);
  RemoveLocked(key);
}

void Percolator::RemoveLocked(const std::string& key) {
  auto it = plans_.find(key);
  if (it == plans_.end()) return;
  for (const std::string& term : Anchors(*it->second)) {
    auto keys = by_term_.find(term);
    if (keys == by_term_.end()) continue;
    keys->second.erase(key);
    if (keys->second.empty()) by_term_.erase(keys);
  }
  unanchored_.erase(key);
  plans_.erase(it);
}

size_t Percolator::size() const {
  absl::MutexLock lock(&mu_);
  return plans_.size();
}

std::vector<std::string> Percolator::Match(const AnalysedLesson& lesson) const {
  // The candidates and their plans are taken under the lock; matching runs outside it.
  std::vector<std::pair<std::string, std::shared_ptr<const QueryPlan>>> candidates;
  {
    absl::MutexLock lock(&mu_);
    absl::flat_hash_set<std::string> keys(unanchored_.begin(), unanchored_.end());
    for (const auto& [term, occurrences] : lesson.terms) {
      auto it = by_term_.find(term);
      if (it != by_term_.end()) keys.insert(it->second.begin(), it->second.end());
    }
    for (const std::string& key : keys) candidates.emplace_back(key, plans_.at(key));
  }
  std::vector<std::string> matched;
  for (const auto& [key, plan] : candidates) {
    if (MatchAnalysed(*plan, lesson).matches) matched.push_back(key);
  }
  std::sort(matched.begin(), matched.end());
  return matched;
}

}  // namespace cairn::search
