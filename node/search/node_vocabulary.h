// This node's cross-sector vocabulary (SPEC section 6): the shipped groups, and the groups this
// node's admins added, kept in the store so they survive restarts and backups.
#ifndef CAIRN_NODE_SEARCH_NODE_VOCABULARY_H_
#define CAIRN_NODE_SEARCH_NODE_VOCABULARY_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "node/common/clock.h"
#include "node/search/vocabulary.h"
#include "node/storage/store.h"

namespace cairn::search {

// The largest admin text Set accepts.
inline constexpr size_t kMaxVocabularyTextBytes = 1024 * 1024;
// The meta key the admins' text is stored under, as they wrote it.
inline constexpr absl::string_view kVocabularyMetaKey = "search/vocabulary";

// The effective vocabulary is Vocabulary::Shipped() merged with the admins' groups. Queries read
// it with Current(); Set replaces the admins' groups, storing their text and an audit event in one
// atomic commit, and only then makes the new vocabulary current. The store (and the clock) must
// outlive it. Thread-safe: Current is a shared_ptr copy under a lock, so queries never wait for a
// Set to parse or commit.
class NodeVocabulary {
 public:
  // Loads the admins' text from `store`; without one, the vocabulary is the shipped one. A stored
  // text that no longer parses (written by a cairnd with looser limits) leaves the shipped
  // vocabulary in use and the text readable, with problem() saying why, so the node still starts
  // and an admin can fix it. Errors: the store's, when it cannot be read.
  static absl::StatusOr<std::unique_ptr<NodeVocabulary>> Open(Store* store,
                                                              Clock* clock = Clock::Real());

  // The vocabulary queries use now; stays valid (and unchanged) for as long as the caller holds
  // it, whatever Sets happen meanwhile.
  std::shared_ptr<const Vocabulary> Current() const;

  // Replaces the admins' groups with those of `text` (the Vocabulary format; empty text removes
  // them all), recording "vocabulary.set" by `actor` in the audit log. Outcomes: OK;
  // INVALID_ARGUMENT naming "text" when it is over kMaxVocabularyTextBytes, or naming the line of
  // a group that does not parse ("vocabulary line 3: ..."); the store's error (e.g.
  // RESOURCE_EXHAUSTED for a full disk) when it cannot commit. On any error nothing changes.
  absl::Status Set(std::string text, absl::string_view actor);

  // The admins' text as they set it (comments included); empty when they set none.
  std::string AdminText() const;
  size_t AdminGroupCount() const;
  // Empty unless the stored text no longer parses (see Open).
  std::string Problem() const;

  // The text of the shipped vocabulary, node/search/vocabulary/cross_sector.txt.
  static absl::string_view ShippedText();
  static size_t ShippedGroupCount() { return Vocabulary::Shipped().group_count(); }

 private:
  NodeVocabulary(Store* store, Clock* clock) : store_(store), clock_(clock) {}

  Store* const store_;
  Clock* const clock_;
  // Held across a Set's commit, so the stored text and the current vocabulary change in the
  // same order when two admins set at once.
  absl::Mutex set_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  std::shared_ptr<const Vocabulary> current_ ABSL_GUARDED_BY(mu_);
  std::string admin_text_ ABSL_GUARDED_BY(mu_);
  size_t admin_groups_ ABSL_GUARDED_BY(mu_) = 0;
  std::string problem_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_NODE_VOCABULARY_H_
