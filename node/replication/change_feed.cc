#include "node/replication/change_feed.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "node/audit/audit_log.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"
#include "node/policy/sharing.h"
#include "node/replication/holdings_digest.h"
#include "node/replication/relay_path.h"

namespace cairn {
namespace {

// What `change` adds to its batch's encoding: itself, its field tag and its length.
size_t EncodedSize(const v1::ReplicatedChange& change) {
  constexpr size_t kFraming = 1 + 5;  // a one-byte tag, a varint length of at most 5 bytes
  return change.ByteSizeLong() + kFraming;
}

// Adds a "replication.sent" audit event for `batch` to `write`, if it carries anything.
void AuditSent(absl::string_view peer_org, const v1::ReplicationBatch& batch, absl::Time now,
               StoreBatch* write) {
  size_t lessons = 0;
  for (const v1::ReplicatedChange& change : batch.changes()) lessons += change.has_lesson();
  size_t retractions = batch.changes_size() - lessons;
  if (batch.changes_size() == 0 && !batch.ends_resync()) return;
  write->Audit(NewAuditEvent(
      now, "node", "replication.sent", peer_org, 0, 0,
      absl::StrCat(lessons, " lessons, ", retractions, " retractions, cursor ", batch.cursor(),
                   batch.resync() ? " (resynchronisation)" : "")));
}

}  // namespace

ChangeFeed::ChangeFeed(Store* store, const PeerDirectory* directory, const LessonSigner* signer,
                       std::string self_org, Clock* clock)
    : store_(store),
      directory_(directory),
      signer_(signer),
      self_org_(std::move(self_org)),
      clock_(clock) {}

absl::StatusOr<std::optional<ChangeFeed::Outgoing>> ChangeFeed::Route(
    const PeerDirectory::PeerSnapshot& target, const v1::Lesson& lesson) const {
  std::optional<v1::Lesson> view =
      ExportView(lesson, self_org_, target.peer, target.policy ? &*target.policy : nullptr,
                 SharingChannel::kReplication);
  if (!view) return std::nullopt;
  RelayPath path;
  if (lesson.origin_org() != self_org_) {
    // A copy goes on as received, with its origin's signature (the decision made sure the policy
    // does not alter it), by our shortest path to it, never back up that path.
    CAIRN_ASSIGN_OR_RETURN(auto holders, store_->ListHolders(lesson.id()));
    path = BestPath(holders);
    if (path.empty() || path.size() >= kMaxRelayPath ||
        PathContains(path, target.peer.org_id())) {
      return std::nullopt;
    }
  }
  path.push_back(self_org_);
  return Outgoing{*std::move(view), std::move(path)};
}

absl::StatusOr<std::vector<bool>> ChangeFeed::MatchingBuckets(
    const PeerDirectory::PeerSnapshot& target, const std::vector<uint64_t>& peer_digest) const {
  std::vector<bool> matching(kDigestBuckets, false);
  if (peer_digest.size() != kDigestBuckets) return matching;
  HoldingsDigest ours;
  absl::Status failed;
  CAIRN_RETURN_IF_ERROR(store_->ScanLessons("", [&](const v1::Lesson& lesson) {
    absl::StatusOr<std::optional<Outgoing>> route = Route(target, lesson);
    if (!route.ok()) {
      failed = route.status();
      return false;
    }
    if (*route) ours.Add(lesson.id(), (*route)->view.version(), (*route)->path);
    return true;
  }));
  CAIRN_RETURN_IF_ERROR(failed);
  for (size_t bucket = 0; bucket < kDigestBuckets; ++bucket) {
    matching[bucket] = ours.buckets()[bucket] == peer_digest[bucket];
  }
  return matching;
}

absl::StatusOr<bool> ChangeFeed::AddLesson(const PeerDirectory::PeerSnapshot& target,
                                           const v1::Lesson& lesson,
                                           v1::ReplicationBatch* batch, size_t* bytes,
                                           StoreBatch* ledger) const {
  CAIRN_ASSIGN_OR_RETURN(std::optional<Outgoing> route, Route(target, lesson));
  if (!route) return false;
  v1::Lesson& view = route->view;
  if (lesson.origin_org() == self_org_) {
    // Our own lesson: the catalog signed it as stored; sign again only a view this peer's policy
    // altered.
    const v1::ExportRules& rules = target.policy->export_();
    bool may_alter = !rules.redact_fields().empty() || rules.scrub_personal_data();
    if (!lesson.has_provenance() || may_alter) {
      CAIRN_RETURN_IF_ERROR(SignIfAltered(lesson, &view, *signer_));
    }
  }
  ledger->PutLedger(target.peer.org_id(), view.id(), view.version());
  v1::ReplicatedChange* change = batch->add_changes();
  *change->mutable_lesson() = std::move(view);
  for (std::string& hop : route->path) change->add_path(std::move(hop));
  *bytes += EncodedSize(*change);
  return true;
}

absl::StatusOr<bool> ChangeFeed::NeedsResync(const PeerDirectory::PeerSnapshot& target,
                                             uint64_t cursor, uint64_t completed_resync_id,
                                             uint64_t sent_to_end) {
  uint64_t policy_version = target.policy ? target.policy->version() : 0;
  absl::StatusOr<v1::SendState> state = store_->GetSendState(target.peer.org_id());
  if (!state.ok() && !absl::IsNotFound(state.status())) return state.status();
  bool log_reaches = cursor + 1 >= store_->FirstSequence() && cursor <= store_->LastSequence();
  if (!state.ok()) {
    if (!log_reaches) return true;
    // A new peer: the change log tells it everything. Remember what that is reconciled against,
    // so a later policy change resynchronises it.
    v1::SendState first;
    first.set_policy_version(policy_version);
    first.set_peer_version(target.peer.version());
    StoreBatch batch;
    batch.PutSendState(target.peer.org_id(), first);
    CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
    return false;
  }
  if (state->pending_resync_id() != 0 && state->pending_resync_id() == completed_resync_id) {
    // The peer confirms it finished the last resynchronisation.
    state->set_pending_resync_id(0);
    StoreBatch batch;
    batch.PutSendState(target.peer.org_id(), *state);
    CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  }
  bool outstanding = state->pending_resync_id() != 0 && state->pending_resync_id() != sent_to_end;
  return state->policy_version() != policy_version ||
         state->peer_version() != target.peer.version() || outstanding || !log_reaches;
}

absl::StatusOr<v1::ReplicationBatch> ChangeFeed::Next(absl::string_view peer_org,
                                                      const PullPosition& position,
                                                      const FeedLimits& limits,
                                                      ResyncProgress* resync) {
  const uint64_t cursor = position.cursor;
  CAIRN_ASSIGN_OR_RETURN(PeerDirectory::PeerSnapshot target, directory_->Snapshot(peer_org));
  // A peer no longer allowed to pull still gets retractions: every decision for it now refuses,
  // and the resynchronisation its changed settings start removes everything it holds from us.
  if (!resync->active) {
    CAIRN_ASSIGN_OR_RETURN(bool needed,
                           NeedsResync(target, cursor, position.completed_resync_id,
                                       resync->sent_to_end));
    const bool restored =
        position.sender_incarnation != 0 && position.sender_incarnation != store_->Incarnation();
    if (needed || restored) {
      // Record what this resynchronisation reconciles against before sending anything; it is
      // outstanding until the peer confirms it applied the last batch.
      resync->active = true;
      resync->resync_id = static_cast<uint64_t>(absl::ToUnixNanos(clock_->Now()));
      resync->end_cursor = store_->LastSequence();
      resync->after_lesson.clear();
      resync->restored = restored;
      if (restored) ++restored_resyncs_;
      // After a restore, a matching (id, version) may still be different content.
      CAIRN_ASSIGN_OR_RETURN(
          resync->confirmed_buckets,
          MatchingBuckets(target, restored ? std::vector<uint64_t>() : position.holdings_digest));
      v1::SendState state;
      state.set_policy_version(target.policy ? target.policy->version() : 0);
      state.set_peer_version(target.peer.version());
      state.set_pending_resync_id(resync->resync_id);
      *state.mutable_resynced_at() = ToTimestamp(clock_->Now());
      StoreBatch batch;
      batch.PutSendState(peer_org, state);
      CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
    }
  }
  absl::StatusOr<v1::ReplicationBatch> batch = resync->active
                                                   ? NextResyncBatch(target, cursor, limits, resync)
                                                   : NextChangesBatch(target, cursor, limits);
  // A trim that raced with reading the log may have skipped entries: resynchronise instead.
  if (batch.ok() && !batch->resync() && store_->FirstSequence() > cursor + 1) {
    return Next(peer_org, position, limits, resync);
  }
  if (batch.ok()) batch->set_incarnation(store_->Incarnation());
  return batch;
}

absl::StatusOr<v1::ReplicationBatch> ChangeFeed::NextResyncBatch(
    const PeerDirectory::PeerSnapshot& target, uint64_t cursor, const FeedLimits& limits,
    ResyncProgress* resync) {
  v1::ReplicationBatch batch;
  StoreBatch ledger;
  size_t bytes = 0;
  size_t scanned = 0;
  bool more = false;
  absl::Status failed;
  CAIRN_RETURN_IF_ERROR(store_->ScanLessons(resync->after_lesson, [&](const v1::Lesson& lesson) {
    if (static_cast<size_t>(batch.changes_size()) >= limits.max_lessons ||
        bytes >= limits.max_bytes || scanned++ >= FeedLimits::kMaxScan) {
      more = true;
      return false;
    }
    if (!resync->confirmed_buckets[DigestBucket(lesson.id())]) {
      absl::StatusOr<bool> added = AddLesson(target, lesson, &batch, &bytes, &ledger);
      if (!added.ok()) {
        failed = added.status();
        return false;
      }
    }
    resync->after_lesson = lesson.id();
    return true;
  }));
  CAIRN_RETURN_IF_ERROR(failed);
  batch.set_resync(true);
  if (resync->restored) batch.set_restored_origin(true);
  if (more) {
    batch.set_cursor(cursor);  // the receiver's cursor moves only when the resync ends
  } else {
    batch.set_ends_resync(true);
    batch.set_cursor(resync->end_cursor);
    for (size_t bucket = 0; bucket < kDigestBuckets; ++bucket) {
      if (resync->confirmed_buckets[bucket]) batch.add_confirmed_buckets(bucket);
    }
    resync->active = false;
    resync->sent_to_end = resync->resync_id;
  }
  // The receiver tells copies confirmed by this resync apart by its id.
  batch.set_resync_id(resync->resync_id);
  AuditSent(target.peer.org_id(), batch, clock_->Now(), &ledger);
  CAIRN_RETURN_IF_ERROR(store_->Commit(ledger).status());
  batch.set_sender_sequence(store_->LastSequence());
  return batch;
}

absl::StatusOr<v1::ReplicationBatch> ChangeFeed::NextChangesBatch(
    const PeerDirectory::PeerSnapshot& target, uint64_t cursor, const FeedLimits& limits) {
  v1::ReplicationBatch batch;
  StoreBatch ledger;
  size_t bytes = 0;
  uint64_t last_examined = cursor;
  absl::flat_hash_set<std::string> in_batch;
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Change> changes,
                         store_->ReadChanges(cursor, limits.max_lessons));
  for (const v1::Change& change : changes) {
    if (static_cast<size_t>(batch.changes_size()) >= limits.max_lessons ||
        bytes >= limits.max_bytes || in_batch.contains(change.lesson_id())) {
      break;  // one entry per lesson per batch, so the receiver applies each once
    }
    absl::StatusOr<v1::Lesson> lesson = store_->GetLesson(change.lesson_id());
    if (!lesson.ok() && !absl::IsNotFound(lesson.status())) return lesson.status();
    if (lesson.ok() && lesson->version() > change.version()) {
      last_examined = change.sequence();  // a later entry in the log sends the newer version
      continue;
    }
    bool sent = false;
    if (lesson.ok()) {
      CAIRN_ASSIGN_OR_RETURN(sent, AddLesson(target, *lesson, &batch, &bytes, &ledger));
    }
    if (!sent) {
      // Withdraw it only from a peer we ever sent it to: naming it to anyone else would leak it.
      absl::StatusOr<v1::LedgerEntry> ledger_entry =
          store_->GetLedger(target.peer.org_id(), change.lesson_id());
      if (ledger_entry.ok()) {
        v1::ReplicatedChange* withdrawal = batch.add_changes();
        v1::Retraction* retraction = withdrawal->mutable_retraction();
        retraction->set_lesson_id(change.lesson_id());
        retraction->set_reason(!lesson.ok() ? "removed"
                               : lesson->status() == v1::RETRACTED
                                   ? "retracted by its origin"
                                   : "no longer shared with this peer");
        bytes += EncodedSize(*withdrawal);
      } else if (!absl::IsNotFound(ledger_entry.status())) {
        return ledger_entry.status();
      }
    }
    in_batch.insert(change.lesson_id());
    last_examined = change.sequence();
  }
  batch.set_cursor(last_examined);
  AuditSent(target.peer.org_id(), batch, clock_->Now(), &ledger);
  if (batch.changes_size() > 0) CAIRN_RETURN_IF_ERROR(store_->Commit(ledger).status());
  batch.set_sender_sequence(store_->LastSequence());
  return batch;
}

}  // namespace cairn
