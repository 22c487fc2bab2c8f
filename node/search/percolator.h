// The percolator: saved searches indexed by their words, so that each new or changed lesson is
// tested only against the saved searches it could match, not against every one (SPEC section 10,
// alerts). A lesson matches a saved search exactly as a search would find it (MatchAnalysed).
#ifndef CAIRN_NODE_SEARCH_PERCOLATOR_H_
#define CAIRN_NODE_SEARCH_PERCOLATOR_H_

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "node/search/lesson_match.h"
#include "node/search/query_plan.h"

namespace cairn::search {

// Thread-safe: lessons may be matched on several threads at once, and saved searches added and
// removed meanwhile (each waits for the matches in progress).
class Percolator {
 public:
  // Saves `plan` under `key` (replacing any plan saved under it).
  void Add(const std::string& key, QueryPlan plan);
  void Remove(const std::string& key);
  size_t size() const;

  // The keys of the saved searches `lesson` matches, sorted. Counts the terms it holds too, to
  // list searches under rarer terms as lessons come.
  std::vector<std::string> Match(const AnalysedLesson& lesson);

  // Terms of which a lesson must hold one to match `plan`: of its required clause whose terms
  // look rarest (the longest shortest word), or else of every optional clause, the longest term
  // of each alternative. Empty when the plan asks for no words (filters alone), so that any lesson
  // may match. A search is first listed under these; once lessons have been matched, under the
  // terms fewest of them held (any term of each alternative will do).
  static std::vector<std::string> Anchors(const QueryPlan& plan);

 private:
  // A saved search, as matching reads it. Immutable once made. Its words are numbered by
  // term_ids_, so the cheap tests are array lookups.
  struct Saved {
    std::string key;
    uint32_t slot = 0;  // numbers it among every search ever added, for Match's dedupe
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
    bool MayMatch(const std::vector<uint8_t>& held) const;
  };

  uint32_t TermId(const std::string& term) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void List(const Saved* saved) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Lists every search again under the terms fewest lessons held so far; when due.
  void Reanchor() ABSL_LOCKS_EXCLUDED(mu_);

  // Match holds it shared for the whole match, so the lists below hold plain pointers.
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Saved>> saved_ ABSL_GUARDED_BY(mu_);
  uint32_t next_slot_ ABSL_GUARDED_BY(mu_) = 0;
  // The terms of every saved search, numbered as they first came.
  absl::flat_hash_map<std::string, uint32_t> term_ids_ ABSL_GUARDED_BY(mu_);
  // By term id, the searches that term anchors; and those anchored by no term.
  std::vector<std::vector<const Saved*>> by_term_ ABSL_GUARDED_BY(mu_);
  std::vector<const Saved*> unanchored_ ABSL_GUARDED_BY(mu_);
  // By term id, how many of the lessons matched held it (counted under a shared lock).
  std::deque<std::atomic<uint32_t>> lessons_holding_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> lessons_matched_{0};
  // Re-anchored when lessons_matched_ reaches it: after 256 lessons, then each doubling, then
  // every 65,536.
  std::atomic<uint64_t> next_reanchor_{256};
};

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_PERCOLATOR_H_
