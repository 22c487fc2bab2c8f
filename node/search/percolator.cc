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

bool HoldsAll(const std::vector<uint32_t>& terms, const std::vector<uint8_t>& held) {
  return std::all_of(terms.begin(), terms.end(), [&](uint32_t term) { return held[term]; });
}

bool HoldsOne(const std::vector<std::vector<uint32_t>>& alternatives,
              const std::vector<uint8_t>& held) {
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

bool Percolator::Saved::MayMatch(const std::vector<uint8_t>& held) const {
  for (const auto& alternatives : required) {
    if (!HoldsOne(alternatives, held)) return false;
  }
  return !required.empty() || optional.empty() || HoldsOne(optional, held);
}

uint32_t Percolator::TermId(const std::string& term) {
  auto [it, added] = term_ids_.try_emplace(term, static_cast<uint32_t>(term_ids_.size()));
  if (added) {
    by_term_.emplace_back();
    lessons_holding_.emplace_back(0);
  }
  return it->second;
}

void Percolator::List(const Saved* saved) {
  if (saved->anchors.empty()) unanchored_.push_back(saved);
  for (uint32_t term : saved->anchors) by_term_[term].push_back(saved);
}

void Percolator::Reanchor() {
  absl::MutexLock lock(&mu_);
  const uint64_t due = next_reanchor_;
  if (lessons_matched_ < due) return;  // another thread did it
  next_reanchor_ = due < 65'536 ? due * 2 : due + 65'536;
  auto held = [&](uint32_t term) { return lessons_holding_[term].load(std::memory_order_relaxed); };
  // Of each alternative, its term fewest lessons held; nullopt when an alternative has no terms
  // (it cannot anchor).
  auto anchors_of = [&](const std::vector<std::vector<uint32_t>>& alternatives,
                        std::vector<uint32_t>* anchors) {
    for (const std::vector<uint32_t>& terms : alternatives) {
      if (terms.empty()) return false;
      anchors->push_back(*std::min_element(
          terms.begin(), terms.end(), [&](uint32_t a, uint32_t b) { return held(a) < held(b); }));
    }
    return true;
  };
  for (auto& list : by_term_) list.clear();
  unanchored_.clear();
  for (auto& [key, saved] : saved_) {
    std::vector<uint32_t> best;
    uint64_t best_cost = UINT64_MAX;
    for (const auto& clause : saved->required) {
      std::vector<uint32_t> anchors;
      if (!anchors_of(clause, &anchors) || anchors.empty()) continue;
      uint64_t cost = 0;
      for (uint32_t term : anchors) cost += held(term);
      if (cost < best_cost) {
        best_cost = cost;
        best = std::move(anchors);
      }
    }
    // Without a usable required clause, any optional alternative held whole may match (or, with
    // required clauses none of which can anchor, the search stays unanchored).
    if (best_cost == UINT64_MAX && saved->required.empty() && !anchors_of(saved->optional, &best)) {
      best.clear();
    }
    std::sort(best.begin(), best.end());
    best.erase(std::unique(best.begin(), best.end()), best.end());
    saved->anchors = std::move(best);
    List(saved.get());
  }
}

void Percolator::Add(const std::string& key, QueryPlan plan) {
  auto saved = std::make_unique<Saved>();
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
  saved->slot = next_slot_++;
  List(saved.get());
  saved_[key] = std::move(saved);
}

void Percolator::Remove(const std::string& key) {
  absl::MutexLock lock(&mu_);
  RemoveLocked(key);
}

void Percolator::RemoveLocked(const std::string& key) {
  auto it = saved_.find(key);
  if (it == saved_.end()) return;
  const Saved* saved = it->second.get();
  auto drop = [&](std::vector<const Saved*>* list) {
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

std::vector<std::string> Percolator::Match(const AnalysedLesson& lesson) {
  // Per thread, reused from lesson to lesson: which saved searches' terms the lesson holds, and
  // the match each candidate was last seen in (so one anchored by several of the lesson's terms
  // is tested once). `match` only grows, so a stamp left by another percolator is never current.
  struct Scratch {
    std::vector<uint8_t> held;
    std::vector<uint64_t> seen_in;
    uint64_t match = 0;
  };
  thread_local Scratch scratch;
  const uint64_t match = ++scratch.match;
  const bool retracted = lesson.record.status() == v1::RETRACTED;
  std::vector<std::string> matched;
  {
    absl::ReaderMutexLock lock(&mu_);
    scratch.held.assign(term_ids_.size(), 0);
    if (scratch.seen_in.size() < next_slot_) scratch.seen_in.resize(next_slot_, 0);
    std::vector<const std::vector<const Saved*>*> lists = {&unanchored_};
    for (const auto& [term, occurrences] : lesson.terms) {
      auto it = term_ids_.find(term);
      if (it == term_ids_.end()) continue;
      scratch.held[it->second] = 1;
      lessons_holding_[it->second].fetch_add(1, std::memory_order_relaxed);
      if (!by_term_[it->second].empty()) lists.push_back(&by_term_[it->second]);
    }
    for (const std::vector<const Saved*>* list : lists) {
      for (const Saved* saved : *list) {
        if (scratch.seen_in[saved->slot] == match) continue;
        scratch.seen_in[saved->slot] = match;
        if (!saved->MayMatch(scratch.held)) continue;
        if (saved->decided_by_terms ? !retracted : MatchesAnalysed(saved->plan, lesson)) {
          matched.push_back(saved->key);
        }
      }
    }
  }
  if (++lessons_matched_ >= next_reanchor_) Reanchor();
  std::sort(matched.begin(), matched.end());
  return matched;
}

}  // namespace cairn::search
