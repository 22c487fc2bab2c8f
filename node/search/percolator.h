// The percolator: saved searches indexed by their words, so that each new or changed lesson is
// tested only against the saved searches it could match, not against every one (SPEC section 10,
// alerts). A lesson matches a saved search exactly as a search would find it (MatchAnalysed).
#ifndef CAIRN_NODE_SEARCH_PERCOLATOR_H_
#define CAIRN_NODE_SEARCH_PERCOLATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "node/search/lesson_match.h"
#include "node/search/query_plan.h"

namespace cairn::search {

// Thread-safe: saved searches may be added and removed while lessons are matched.
class Percolator {
 public:
  // Saves `plan` under `key` (replacing any plan saved under it).
  void Add(const std::string& key, QueryPlan plan);
  void Remove(const std::string& key);
  size_t size() const;

  // The keys of the saved searches `lesson` matches, sorted.
  std::vector<std::string> Match(const AnalysedLesson& lesson) const;

  // Terms of which a lesson must hold one to match `plan`: of its required clause whose terms
  // look rarest (the longest shortest word), or else of every optional clause, the longest term
  // of each alternative. Empty when the plan asks for no words (filters alone), so that any lesson
  // may match.
  static std::vector<std::string> Anchors(const QueryPlan& plan);

 private:
  // A saved search, as matching reads it. Immutable once made. Its words are numbered by
  // term_ids_, so the cheap tests are array lookups.
  struct Saved {
    std::string key;
    QueryPlan plan;
    // The terms of each alternative of each required clause (one alternative of each must be
    // held whole), and of each optional clause's alternatives (without a required clause, one
    // must be held whole).
    std::vector<std::vector<std::vector<uint32_t>>> required;
    std::vector<std::vector<uint32_t>> optional;
    // Holding those terms decides the match by itself: every alternative is one word, and there
    // is no exclusion, filter or lesson left out (only retracted lessons still fail).
    bool decided_by_terms = false;
    std::vector<uint32_t> anchors;  // the term ids it is listed under in by_term_
    // `held` (by term id): whether the lesson holds each term.
    bool MayMatch(const std::vector<bool>& held) const;
  };

  uint32_t TermId(const std::string& term) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Saved>> saved_ ABSL_GUARDED_BY(mu_);
  // The terms of every saved search, numbered as they first came.
  absl::flat_hash_map<std::string, uint32_t> term_ids_ ABSL_GUARDED_BY(mu_);
  // By term id, the searches that term anchors; and those anchored by no term.
  std::vector<std::vector<std::shared_ptr<const Saved>>> by_term_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<const Saved>> unanchored_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_PERCOLATOR_H_
