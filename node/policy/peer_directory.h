// The node's peers and their sharing policies, and the admin's questions about them: why would a
// lesson go (or not go) to a peer, and what would a peer receive under a draft policy.
#ifndef CAIRN_NODE_POLICY_PEER_DIRECTORY_H_
#define CAIRN_NODE_POLICY_PEER_DIRECTORY_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cairn/v1/policy.pb.h"
#include "node/common/clock.h"
#include "node/policy/sharing.h"
#include "node/storage/store.h"

namespace cairn {

// INVALID_ARGUMENT naming the field when a peer record is not valid (org id, sector, address,
// communities).
absl::Status ValidatePeer(const v1::Peer& peer);

// What a peer would receive under a draft policy, against what it receives now.
struct PolicyPreview {
  static constexpr size_t kMaxListedIds = 100;
  uint64_t draft_count = 0;
  uint64_t current_count = 0;
  std::vector<v1::Lesson> sample;   // as the peer would receive them under the draft
  uint64_t added_count = 0;         // under the draft but not now
  uint64_t withdrawn_count = 0;     // now but not under the draft
  std::vector<std::string> added_ids;      // the first kMaxListedIds
  std::vector<std::string> withdrawn_ids;
};

// One page of a peer's export view.
struct ExportPage {
  std::vector<v1::Lesson> lessons;
  std::string next_after;  // the lesson id to continue after; empty on the last page
};

// The store is the truth (with policy history and the audit of every change); the current peers
// and policies are also kept in memory, since every sharing decision reads them. Every change is
// audited in the same atomic write as the change. Thread-safe. The store and clock must outlive
// the directory.
class PeerDirectory {
 public:
  static constexpr uint32_t kMaxSample = 50;

  // Reads the peers and their current policies. `self_org` is this node's organisation.
  static absl::StatusOr<std::unique_ptr<PeerDirectory>> Open(Store* store, std::string self_org,
                                                             Clock* clock);

  // Adds `peers` (from the config file) the first time a node starts; after that, the store,
  // changed through the admin API, is the truth and the config's peers are ignored.
  absl::Status SeedOnce(const std::vector<v1::Peer>& peers);

  // Calls `listener` with every peer now and after every change to any peer, e.g. so the
  // authenticator accepts exactly the known peers and a puller runs for each peer we pull from.
  // Listeners are called in the order added, without the directory's lock held.
  using PeersListener = std::function<void(const std::vector<v1::Peer>&)>;
  void AddPeersListener(PeersListener listener);

  // A peer with its current policy (none: it receives nothing).
  struct PeerSnapshot {
    v1::Peer peer;
    std::optional<v1::PeerPolicy> policy;
  };
  // NOT_FOUND for an unknown peer.
  absl::StatusOr<PeerSnapshot> Snapshot(absl::string_view org_id) const;

  // Adds a peer or replaces a known one's settings; its version grows. INVALID_ARGUMENT naming
  // the field.
  absl::StatusOr<v1::Peer> PutPeer(absl::string_view actor, v1::Peer peer);
  // Forgets a peer and, if it had a policy, adds a deny-all version so adding it again starts
  // from nothing. NOT_FOUND for an unknown peer.
  absl::Status RemovePeer(absl::string_view actor, absl::string_view org_id);
  std::vector<v1::Peer> ListPeers() const;
  absl::StatusOr<v1::Peer> GetPeer(absl::string_view org_id) const;

  // Stores `policy` as the peer's next version. NOT_FOUND for an unknown peer; INVALID_ARGUMENT
  // naming the field for a bad policy or a peer_org that is not `peer_org`.
  absl::StatusOr<v1::PeerPolicy> SetPolicy(absl::string_view actor, absl::string_view peer_org,
                                           v1::PeerPolicy policy);
  // Version `version`, or the current one when 0. NOT_FOUND when there is none.
  absl::StatusOr<v1::PeerPolicy> GetPolicy(absl::string_view peer_org, uint64_t version) const;
  absl::StatusOr<std::vector<v1::PeerPolicy>> PolicyHistory(absl::string_view peer_org) const;

  // Would `lesson` (held by this node) go to the peer by replication now? NOT_FOUND for an unknown
  // peer.
  absl::StatusOr<v1::SharingDecision> Explain(const v1::Lesson& lesson,
                                              absl::string_view peer_org) const;

  // What the peer would receive under `draft`, compared with its current policy, over every
  // lesson in the store. INVALID_ARGUMENT for a bad draft; NOT_FOUND for an unknown peer.
  absl::StatusOr<PolicyPreview> Preview(absl::string_view peer_org, v1::PeerPolicy draft,
                                        uint32_t sample_size) const;

  // Up to `page_size` lessons the peer may receive now, as it would receive them, in id order
  // after `start_after`. NOT_FOUND for an unknown peer.
  absl::StatusOr<ExportPage> ExportViewPage(absl::string_view peer_org,
                                            absl::string_view start_after,
                                            uint32_t page_size) const;

 private:
  PeerDirectory(Store* store, std::string self_org, Clock* clock)
      : store_(store), self_org_(std::move(self_org)), clock_(clock) {}

  void NotifyPeersChanged();

  Store* const store_;
  const std::string self_org_;
  Clock* const clock_;
  absl::Mutex write_mu_;  // serialises read-modify-write of versions
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, PeerSnapshot> peers_ ABSL_GUARDED_BY(mu_);
  std::vector<PeersListener> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn

#endif  // CAIRN_NODE_POLICY_PEER_DIRECTORY_H_
