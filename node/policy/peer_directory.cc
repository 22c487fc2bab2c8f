#include "node/policy/peer_directory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "node/audit/audit_log.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"
#include "node/identity/principal.h"
#include "node/lessons/validation.h"

namespace cairn {
namespace {

constexpr char kPeersSeededKey[] = "peers_seeded_from_config";

}  // namespace

absl::Status ValidatePeer(const v1::Peer& peer) {
  CAIRN_RETURN_IF_ERROR(ValidateWellFormed(peer, "peer"));
  CAIRN_RETURN_IF_ERROR(ValidateOrgId("peer.org_id", peer.org_id()));
  if (!peer.sector().empty()) CAIRN_RETURN_IF_ERROR(ValidateOrgId("peer.sector", peer.sector()));
  CAIRN_RETURN_IF_ERROR(ValidateText("peer.address", peer.address(), 256));
  if (peer.communities_size() > PolicyLimits::kListEntries) {
    return absl::InvalidArgumentError("peer.communities: too many entries");
  }
  for (int i = 0; i < peer.communities_size(); ++i) {
    CAIRN_RETURN_IF_ERROR(
        ValidateToken(absl::StrCat("peer.communities[", i, "]"), peer.communities(i)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PeerDirectory>> PeerDirectory::Open(Store* store,
                                                                   std::string self_org,
                                                                   Clock* clock) {
  std::unique_ptr<PeerDirectory> directory(new PeerDirectory(store, std::move(self_org), clock));
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Peer> peers, store->ListPeers());
  absl::MutexLock lock(&directory->mu_);
  for (v1::Peer& peer : peers) {
    PeerSnapshot state{std::move(peer), std::nullopt};
    absl::StatusOr<v1::PeerPolicy> policy = store->GetPolicy(state.peer.org_id(), 0);
    if (policy.ok()) {
      state.policy = *std::move(policy);
    } else if (!absl::IsNotFound(policy.status())) {
      return policy.status();
    }
    std::string org_id = state.peer.org_id();
    directory->peers_.emplace(std::move(org_id), std::move(state));
  }
  return directory;
}

absl::Status PeerDirectory::SeedOnce(const std::vector<v1::Peer>& peers) {
  absl::MutexLock write_lock(&write_mu_);
  if (store_->GetMeta(kPeersSeededKey).ok()) return absl::OkStatus();
  StoreBatch batch;
  std::vector<v1::Peer> added;
  for (v1::Peer peer : peers) {
    CAIRN_RETURN_IF_ERROR(ValidatePeer(peer));
    peer.set_version(1);
    *peer.mutable_updated_at() = ToTimestamp(clock_->Now());
    peer.set_updated_by("config");
    batch.PutPeer(peer);
    batch.Audit(NewAuditEvent(clock_->Now(), "config", "peer.add", peer.org_id(), 0, 1));
    added.push_back(std::move(peer));
  }
  batch.PutMeta(kPeersSeededKey, "1");
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  {
    absl::MutexLock lock(&mu_);
    for (v1::Peer& peer : added) {
      std::string org_id = peer.org_id();
      peers_[org_id] = PeerSnapshot{std::move(peer), std::nullopt};
    }
  }
  NotifyPeersChanged();
  return absl::OkStatus();
}

void PeerDirectory::AddPeersListener(PeersListener listener) {
  // Holding the write lock, no change can slip between this first call and the registration.
  absl::MutexLock write_lock(&write_mu_);
  listener(ListPeers());
  absl::MutexLock lock(&mu_);
  listeners_.push_back(std::move(listener));
}

void PeerDirectory::NotifyPeersChanged() {
  std::vector<PeersListener> listeners;
  {
    absl::MutexLock lock(&mu_);
    listeners = listeners_;
  }
  std::vector<v1::Peer> peers = ListPeers();
  for (const PeersListener& listener : listeners) listener(peers);
}

absl::StatusOr<PeerDirectory::PeerSnapshot> PeerDirectory::Snapshot(
    absl::string_view org_id) const {
  absl::MutexLock lock(&mu_);
  auto it = peers_.find(org_id);
  if (it == peers_.end()) {
    return absl::NotFoundError(absl::StrCat("peer ", org_id, ": not a known peer"));
  }
  return it->second;
}

absl::StatusOr<v1::Peer> PeerDirectory::PutPeer(absl::string_view actor, v1::Peer peer) {
  CAIRN_RETURN_IF_ERROR(ValidatePeer(peer));
  if (peer.org_id() == self_org_) {
    return absl::InvalidArgumentError("peer.org_id: a node cannot be its own peer");
  }
  absl::MutexLock write_lock(&write_mu_);
  absl::StatusOr<PeerSnapshot> existing = Snapshot(peer.org_id());
  uint64_t old_version = existing.ok() ? existing->peer.version() : 0;
  peer.set_version(old_version + 1);
  *peer.mutable_updated_at() = ToTimestamp(clock_->Now());
  peer.set_updated_by(std::string(actor));
  StoreBatch batch;
  batch.PutPeer(peer);
  batch.Audit(NewAuditEvent(clock_->Now(), actor, old_version == 0 ? "peer.add" : "peer.update", peer.org_id(),
                    old_version, peer.version()));
  // A peer added again gets its last stored policy (the deny-all its removal left), as after a
  // restart.
  std::optional<v1::PeerPolicy> policy;
  if (old_version == 0) {
    absl::StatusOr<v1::PeerPolicy> stored = store_->GetPolicy(peer.org_id(), 0);
    if (stored.ok()) {
      policy = *std::move(stored);
    } else if (!absl::IsNotFound(stored.status())) {
      return stored.status();
    }
  }
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  {
    absl::MutexLock lock(&mu_);
    PeerSnapshot& state = peers_[peer.org_id()];
    state.peer = peer;
    if (old_version == 0) state.policy = std::move(policy);
  }
  NotifyPeersChanged();
  return peer;
}

absl::Status PeerDirectory::RemovePeer(absl::string_view actor, absl::string_view org_id) {
  absl::MutexLock write_lock(&write_mu_);
  CAIRN_ASSIGN_OR_RETURN(PeerSnapshot state, Snapshot(org_id));
  StoreBatch batch;
  batch.DeletePeer(std::string(org_id));
  batch.Audit(NewAuditEvent(clock_->Now(), actor, "peer.remove", org_id, state.peer.version(), 0));
  if (state.policy) {
    v1::PeerPolicy deny_all;
    deny_all.set_peer_org(std::string(org_id));
    deny_all.set_version(state.policy->version() + 1);
    *deny_all.mutable_updated_at() = ToTimestamp(clock_->Now());
    deny_all.set_updated_by(std::string(actor));
    batch.PutPolicy(deny_all);
    v1::AuditEvent reset =
        NewAuditEvent(clock_->Now(), actor, "policy.set", org_id, state.policy->version(), deny_all.version());
    reset.set_detail("reset to deny-all because the peer was removed");
    batch.Audit(std::move(reset));
  }
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  {
    absl::MutexLock lock(&mu_);
    peers_.erase(org_id);
  }
  NotifyPeersChanged();
  return absl::OkStatus();
}

std::vector<v1::Peer> PeerDirectory::ListPeers() const {
  std::vector<v1::Peer> peers;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [org_id, state] : peers_) peers.push_back(state.peer);
  }
  std::sort(peers.begin(), peers.end(),
            [](const v1::Peer& a, const v1::Peer& b) { return a.org_id() < b.org_id(); });
  return peers;
}


absl::StatusOr<v1::Peer> PeerDirectory::GetPeer(absl::string_view org_id) const {
  CAIRN_ASSIGN_OR_RETURN(PeerSnapshot state, Snapshot(org_id));
  return state.peer;
}

absl::StatusOr<v1::PeerPolicy> PeerDirectory::SetPolicy(absl::string_view actor,
                                                        absl::string_view peer_org,
                                                        v1::PeerPolicy policy) {
  if (!policy.peer_org().empty() && policy.peer_org() != peer_org) {
    return absl::InvalidArgumentError(absl::StrCat("policy.peer_org: '", policy.peer_org(),
                                                   "' is not the peer being set, ", peer_org));
  }
  policy.set_peer_org(std::string(peer_org));
  policy.clear_version();
  policy.clear_updated_at();
  policy.clear_updated_by();
  CAIRN_RETURN_IF_ERROR(ValidatePolicy(policy));
  absl::MutexLock write_lock(&write_mu_);
  CAIRN_ASSIGN_OR_RETURN(PeerSnapshot state, Snapshot(peer_org));
  // Versions continue across a removal: the latest may be a deny-all no longer in memory.
  absl::StatusOr<v1::PeerPolicy> latest = store_->GetPolicy(peer_org, 0);
  if (!latest.ok() && !absl::IsNotFound(latest.status())) return latest.status();
  uint64_t old_version = latest.ok() ? latest->version() : 0;
  policy.set_version(old_version + 1);
  *policy.mutable_updated_at() = ToTimestamp(clock_->Now());
  policy.set_updated_by(std::string(actor));
  StoreBatch batch;
  batch.PutPolicy(policy);
  batch.Audit(NewAuditEvent(clock_->Now(), actor, "policy.set", peer_org, old_version, policy.version()));
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  {
    absl::MutexLock lock(&mu_);
    auto it = peers_.find(peer_org);
    if (it != peers_.end()) it->second.policy = policy;
  }
  return policy;
}

absl::StatusOr<v1::PeerPolicy> PeerDirectory::GetPolicy(absl::string_view peer_org,
                                                        uint64_t version) const {
  return store_->GetPolicy(peer_org, version);
}

absl::StatusOr<std::vector<v1::PeerPolicy>> PeerDirectory::PolicyHistory(
    absl::string_view peer_org) const {
  return store_->PolicyHistory(peer_org);
}

absl::StatusOr<v1::SharingDecision> PeerDirectory::Explain(const v1::Lesson& lesson,
                                                           absl::string_view peer_org) const {
  CAIRN_ASSIGN_OR_RETURN(PeerSnapshot state, Snapshot(peer_org));
  return DecideSharing(lesson, self_org_, state.peer,
                       state.policy ? &*state.policy : nullptr, SharingChannel::kReplication);
}

absl::StatusOr<PolicyPreview> PeerDirectory::Preview(absl::string_view peer_org,
                                                     v1::PeerPolicy draft,
                                                     uint32_t sample_size) const {
  if (sample_size > kMaxSample) {
    return absl::InvalidArgumentError(
        absl::StrCat("sample_size: ", sample_size, " is over the limit of ", kMaxSample));
  }
  if (!draft.peer_org().empty() && draft.peer_org() != peer_org) {
    return absl::InvalidArgumentError(absl::StrCat("draft.peer_org: '", draft.peer_org(),
                                                   "' is not the peer being previewed, ",
                                                   peer_org));
  }
  draft.set_peer_org(std::string(peer_org));
  CAIRN_RETURN_IF_ERROR(ValidatePolicy(draft));
  CAIRN_ASSIGN_OR_RETURN(PeerSnapshot state, Snapshot(peer_org));
  draft.set_version(state.policy ? state.policy->version() + 1 : 1);
  const v1::PeerPolicy* current = state.policy ? &*state.policy : nullptr;
  PolicyPreview preview;
  CAIRN_RETURN_IF_ERROR(store_->ScanLessons("", [&](const v1::Lesson& lesson) {
    bool now = DecideSharing(lesson, self_org_, state.peer, current,
                             SharingChannel::kReplication).allowed();
    bool then = DecideSharing(lesson, self_org_, state.peer, &draft,
                              SharingChannel::kReplication).allowed();
    preview.current_count += now;
    preview.draft_count += then;
    if (then && preview.sample.size() < sample_size) {
      preview.sample.push_back(RedactForPeer(lesson, draft));
    }
    if (then && !now && preview.added_count++ < PolicyPreview::kMaxListedIds) {
      preview.added_ids.push_back(lesson.id());
    }
    if (now && !then && preview.withdrawn_count++ < PolicyPreview::kMaxListedIds) {
      preview.withdrawn_ids.push_back(lesson.id());
    }
    return true;
  }));
  return preview;
}

absl::StatusOr<ExportPage> PeerDirectory::ExportViewPage(absl::string_view peer_org,
                                                         absl::string_view start_after,
                                                         uint32_t page_size) const {
  CAIRN_ASSIGN_OR_RETURN(PeerSnapshot state, Snapshot(peer_org));
  const v1::PeerPolicy* policy = state.policy ? &*state.policy : nullptr;
  ExportPage page;
  CAIRN_RETURN_IF_ERROR(store_->ScanLessons(start_after, [&](const v1::Lesson& lesson) {
    if (page.lessons.size() == page_size) {
      page.next_after = page.lessons.back().id();
      return false;
    }
    if (std::optional<v1::Lesson> view = ExportView(lesson, self_org_, state.peer, policy,
                                                    SharingChannel::kReplication)) {
      page.lessons.push_back(*std::move(view));
    }
    return true;
  }));
  return page;
}

}  // namespace cairn
