// What one peer may see of this node's index, so that its federated answers are computed over
// exactly its export view: which documents it may see, and for those whose export view its
// policy altered (fields redacted, personal data scrubbed), the view's own postings and lengths.
// SPEC section 5: a peer learns only its export view, counts and statistics included.
#ifndef CAIRN_NODE_SEARCH_PEER_VIEW_H_
#define CAIRN_NODE_SEARCH_PEER_VIEW_H_

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cairn/v1/policy.pb.h"
#include "node/crypto/provenance.h"
#include "node/search/lesson_text.h"
#include "node/storage/store.h"

namespace cairn::search {

// Who a federated answer is for: a peer, as this node's policy lets it see our lessons.
struct Audience {
  std::string holder_org;  // this node's organisation
  v1::Peer peer;
  std::optional<v1::PeerPolicy> policy;  // none: the peer may see nothing
  const LessonSigner* signer = nullptr;   // signs views of our own lessons the policy altered
};

// An export view's text, analysed as the index analyses a lesson.
struct AlteredText {
  std::array<uint32_t, kFields> words{};
  // (StableHash of the term, payload), by hash: 64 bits, so a collision between two terms of one
  // lesson is not a practical worry.
  std::vector<std::pair<uint64_t, std::string>> postings;

  // The payload of `term` (posting.h), or null when the view does not hold it.
  const std::string* Find(absl::string_view term) const;
};

// A document as a peer sees it.
enum class Seen : uint8_t {
  kUnknown,   // not decided yet, or changed since: treated as hidden until decided
  kHidden,    // DecideSharing refuses it
  kAsStored,  // visible, its searchable text as the index holds it
  kAltered,   // visible, but its export view's text differs: see `altered`
};

// One peer's view. Its fields are guarded by `mu`; the index takes `mu` after its own lock.
struct PeerView {
  absl::Mutex mu;
  // Decisions are made by one query at a time (off every other lock), so two queries from one
  // peer do not decide the same documents twice.
  absl::Mutex deciding;
  uint64_t peer_version ABSL_GUARDED_BY(mu) = 0;
  uint64_t policy_version ABSL_GUARDED_BY(mu) = 0;
  uint64_t epoch ABSL_GUARDED_BY(mu) = 0;  // bumped whenever every decision is forgotten
  std::vector<Seen> seen ABSL_GUARDED_BY(mu);          // by document number
  std::vector<uint32_t> generation ABSL_GUARDED_BY(mu);  // bumped whenever a document changes
  absl::flat_hash_map<uint32_t, std::shared_ptr<const AlteredText>> altered ABSL_GUARDED_BY(mu);
  uint64_t visible ABSL_GUARDED_BY(mu) = 0;
  std::array<double, kFields> words ABSL_GUARDED_BY(mu) = {0, 0, 0};  // over the visible docs

  // Starts afresh when the peer's record or its policy changed since the view was made.
  void MatchVersions(uint64_t peer, uint64_t policy) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Forgets every decision (the index was rebuilt, so document numbers changed).
  void ForgetAll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  void Resize(size_t documents) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Document `doc` changed: undecided again. `stored_words` are its lengths as the index had them.
  void Forget(uint32_t doc, const std::array<uint32_t, kFields>& stored_words)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // The lengths of `doc` as this peer sees it.
  const std::array<uint32_t, kFields>& WordsOf(uint32_t doc,
                                               const std::array<uint32_t, kFields>& stored) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

// A document the view has not decided, as the index had it when asked.
struct Undecided {
  uint32_t doc;
  uint32_t generation;
  std::string id;
  std::array<uint32_t, kFields> stored_words;
};

// Decides each of `undecided` for `audience` (reading each lesson from `store`, deciding and, when
// visible, comparing its export view's searchable text with the lesson's, and analysing a view
// that differs), then records the decisions in `view` for every document that has not changed
// since (`epoch` is the view's when they were read). Holds no lock while it reads and analyses.
absl::Status DecideView(const Audience& audience, const Store& store,
                        const std::vector<Undecided>& undecided, uint64_t epoch, PeerView* view);

// The views of every peer that asked, by organisation. Thread-safe.
class PeerViews {
 public:
  PeerView* For(const std::string& org);
  // Calls `action` on each view, holding its lock.
  template <typename Action>
  void ForEach(Action action) {
    absl::MutexLock lock(&mu_);
    for (auto& [org, view] : views_) {
      absl::MutexLock view_lock(&view->mu);
      action(*view);
    }
  }
  void Clear();

 private:
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<PeerView>> views_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_PEER_VIEW_H_
