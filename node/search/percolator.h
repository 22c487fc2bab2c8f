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
#include "absl/container/flat_hash_set.h"
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

  // Terms of which a lesson must hold one to match `plan`: the first term of each alternative of
  // its narrowest required clause, or else of every optional clause. Empty when the plan asks for
  // no words (filters alone), so that any lesson may match.
  static std::vector<std::string> Anchors(const QueryPlan& plan);

 private:
  void RemoveLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const QueryPlan>> plans_ ABSL_GUARDED_BY(mu_);
  // Anchor term -> the keys of the plans it anchors.
  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>> by_term_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> unanchored_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_PERCOLATOR_H_
