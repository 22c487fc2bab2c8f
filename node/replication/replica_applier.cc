#include "node/replication/replica_applier.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "node/audit/audit_log.h"
#include "node/common/status_macros.h"
#include "node/identity/principal.h"
#include "node/lessons/lesson_id.h"
#include "node/lessons/validation.h"
#include "node/replication/change_feed.h"
#include "node/replication/holdings_digest.h"
#include "node/replication/relay_path.h"

namespace cairn {
namespace {

// Batches with at least this many changes are checked on two threads.
constexpr int kParallelCheckThreshold = 64;

bool AnyTopicAccepted(const v1::Lesson& lesson, const v1::ImportRules& rules) {
  if (rules.accepted_topics().empty()) return true;
  for (const std::string& topic : lesson.topics()) {
    for (const std::string& accepted : rules.accepted_topics()) {
      if (absl::EqualsIgnoreCase(topic, accepted)) return true;
    }
  }
  return false;
}

// Whether a copy as offered is the copy stored (which never keeps `local`).
bool SameLesson(const v1::Lesson& offered, const v1::Lesson& stored) {
  v1::Lesson without_local = offered;
  without_local.clear_local();
  return google::protobuf::util::MessageDifferencer::Equals(without_local, stored);
}

}  // namespace

absl::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kRelayPath:
      return "relay_path";
    case RejectReason::kContent:
      return "content";
    case RejectReason::kImportRules:
      return "import_rules";
    case RejectReason::kSignature:
      return "signature";
    case RejectReason::kOriginConflict:
      return "origin_conflict";
    case RejectReason::kUnknownRetraction:
      return "unknown_retraction";
  }
  return "unknown";
}

std::optional<absl::Duration> PullStatus::LagTime(absl::Time now) const {
  if (caught_up_at == absl::InfinitePast()) return std::nullopt;
  if (cursor >= sender_sequence) return absl::ZeroDuration();
  return now - caught_up_at;
}

// The writes of one batch, and what they do to each copy's holders, so that a copy whose shortest
// path changes gets a ROUTE entry in the change log (its downstream peers need the new path).
class ReplicaApplier::BatchWrite {
 public:
  explicit BatchWrite(const Store* store) : store_(store) {}

  StoreBatch& batch() { return batch_; }

  void PutHolder(absl::string_view id, absl::string_view source, v1::HolderEntry entry) {
    batch_.PutHolder(id, source, entry);
    changes_[std::string(id)][std::string(source)] = std::move(entry);
  }
  void DeleteHolder(absl::string_view id, absl::string_view source) {
    batch_.DeleteHolder(id, source);
    changes_[std::string(id)][std::string(source)] = std::nullopt;
  }
  void PutLesson(LessonWrite write, std::shared_ptr<const PreparedIndexing> prepared = nullptr) {
    content_.insert(write.lesson.id());
    batch_.PutLesson(std::move(write), std::move(prepared));
  }

  // The copy's holders as they will be once this batch is written.
  absl::StatusOr<std::vector<std::pair<std::string, v1::HolderEntry>>> HoldersAfter(
      absl::string_view id) const {
    CAIRN_ASSIGN_OR_RETURN(auto holders, store_->ListHolders(id));
    auto changed = changes_.find(std::string(id));
    if (changed == changes_.end()) return holders;
    std::map<std::string, v1::HolderEntry> merged(holders.begin(), holders.end());
    for (const auto& [source, entry] : changed->second) {
      if (entry) {
        merged[source] = *entry;
      } else {
        merged.erase(source);
      }
    }
    return std::vector<std::pair<std::string, v1::HolderEntry>>(merged.begin(), merged.end());
  }

  // Logs a ROUTE change for every copy still held whose shortest path this batch changed.
  absl::Status LogRouteChanges() {
    for (const auto& [id, ignored] : changes_) {
      if (content_.contains(id)) continue;  // its UPSERT or DELETE entry already tells peers
      CAIRN_ASSIGN_OR_RETURN(auto before, store_->ListHolders(id));
      CAIRN_ASSIGN_OR_RETURN(auto after, HoldersAfter(id));
      if (after.empty() || BestPath(before) == BestPath(after)) continue;
      absl::StatusOr<v1::Lesson> stored = store_->GetLesson(id);
      if (absl::IsNotFound(stored.status())) continue;
      if (!stored.ok()) return stored.status();
      v1::Lesson route;
      route.set_id(id);
      batch_.PutLesson(LessonWrite{std::move(route), stored->version(), v1::Change::ROUTE});
    }
    return absl::OkStatus();
  }

 private:
  const Store* const store_;
  StoreBatch batch_;
  std::map<std::string, std::map<std::string, std::optional<v1::HolderEntry>>> changes_;
  absl::flat_hash_set<std::string> content_;
};

ReplicaApplier::ReplicaApplier(Store* store, const PeerDirectory* directory,
                               const LessonVerifier* verifier, std::string self_org, Clock* clock)
    : store_(store),
      directory_(directory),
      verifier_(verifier),
      self_org_(std::move(self_org)),
      clock_(clock) {}

absl::StatusOr<v1::PullState> ReplicaApplier::State(absl::string_view source) const {
  absl::StatusOr<v1::PullState> state = store_->GetPullState(source);
  if (absl::IsNotFound(state.status())) return v1::PullState();
  return state;
}

KnownSectors ReplicaApplier::SectorsOfOrigins(
    const v1::ReplicationBatch& batch) const {
  KnownSectors sectors;
  absl::flat_hash_set<std::string> looked_up;
  for (const v1::ReplicatedChange& change : batch.changes()) {
    if (!change.has_lesson()) continue;
    const std::string& origin = change.lesson().origin_org();
    if (!looked_up.insert(origin).second) continue;
    absl::StatusOr<v1::Peer> peer = directory_->GetPeer(origin);
    if (peer.ok() && !peer->sector().empty()) sectors[origin] = peer->sector();
  }
  return sectors;
}

absl::Status ReplicaApplier::Check(absl::string_view source, const v1::Lesson& lesson,
                                   const v1::ImportRules& rules, const KnownSectors& sectors,
                                   RejectReason* reason) const {
  *reason = RejectReason::kContent;
  CAIRN_RETURN_IF_ERROR(CheckOfferedLesson(lesson, source, sectors));
  *reason = RejectReason::kImportRules;
  if (lesson.ByteSizeLong() > rules.max_lesson_bytes()) {
    return absl::ResourceExhaustedError(absl::StrCat(lesson.ByteSizeLong(),
                                                     " bytes is over import.max_lesson_bytes ",
                                                     rules.max_lesson_bytes()));
  }
  if (!AnyTopicAccepted(lesson, rules)) {
    return absl::FailedPreconditionError("none of its topics is in import.accepted_topics");
  }
  *reason = RejectReason::kSignature;
  return verifier_->Verify(lesson);
}

absl::Status ReplicaApplier::Withdraw(absl::string_view source, absl::string_view lesson_id,
                                      BatchWrite* write, uint64_t* removed) const {
  CAIRN_ASSIGN_OR_RETURN(auto holders, write->HoldersAfter(lesson_id));
  bool held = false;
  for (const auto& [holder, entry] : holders) held |= holder == source;
  if (!held) return absl::OkStatus();  // never supplied by this source: nothing to do
  write->DeleteHolder(lesson_id, source);
  if (holders.size() > 1) return absl::OkStatus();  // another peer still supplies it
  absl::StatusOr<v1::Lesson> stored = store_->GetLesson(lesson_id);
  if (absl::IsNotFound(stored.status())) return absl::OkStatus();
  if (!stored.ok()) return stored.status();
  if (stored->origin_org() == self_org_) return absl::OkStatus();  // never delete our own
  v1::Lesson gone;
  gone.set_id(std::string(lesson_id));
  write->PutLesson(LessonWrite{std::move(gone), stored->version(), v1::Change::DELETE});
  ++*removed;
  return absl::OkStatus();
}

absl::StatusOr<ReplicaApplier::CheckedBatch> ReplicaApplier::CheckBatch(
    absl::string_view source, v1::ReplicationBatch batch) const {
  CAIRN_ASSIGN_OR_RETURN(PeerDirectory::PeerSnapshot peer, directory_->Snapshot(source));
  v1::ImportRules rules = peer.policy ? peer.policy->import() : v1::ImportRules();
  CheckedBatch checked;
  checked.source_ = std::string(source);
  checked.trust_widenings_ = verifier_->TrustWidenings();  // before any signature is checked
  checked.batch_ = std::move(batch);
  const KnownSectors sectors = SectorsOfOrigins(checked.batch_);
  const int count = checked.batch_.changes_size();
  checked.checks_.resize(count);
  checked.prepared_.resize(count);
  checked.reasons_.resize(count, RejectReason::kContent);
  check_threads_.Run(count, kParallelCheckThreshold, [&](int begin, int end) {
    for (int i = begin; i < end; ++i) {
      const v1::ReplicatedChange& change = checked.batch_.changes(i);
      // A RETRACTED lesson is never stored, so there is nothing to check (see Apply).
      if (!change.has_lesson() || change.lesson().status() == v1::RETRACTED) continue;
      checked.checks_[i] = Check(source, change.lesson(), rules, sectors, &checked.reasons_[i]);
      if (checked.checks_[i].ok()) checked.prepared_[i] = store_->PrepareIndexing(change.lesson());
    }
  });
  return checked;
}

absl::Status ReplicaApplier::Apply(absl::string_view source, v1::ReplicationBatch batch) {
  CAIRN_ASSIGN_OR_RETURN(CheckedBatch checked, CheckBatch(source, std::move(batch)));
  return Apply(std::move(checked));
}

absl::Status ReplicaApplier::Apply(CheckedBatch checked) {
  const absl::string_view source = checked.source_;
  v1::ReplicationBatch& batch = checked.batch_;
  const std::vector<absl::Status>& checks = checked.checks_;
  absl::MutexLock lock(&apply_mu_);
  BatchWrite write(store_);
  absl::flat_hash_set<std::string> touched;    // lessons this batch already acted on
  absl::flat_hash_set<std::string> confirmed;  // copies this batch (re)confirmed from `source`
  uint64_t applied = 0;
  uint64_t removed = 0;
  std::vector<std::string> rejections;
  std::array<uint64_t, kRejectReasonCount> rejected_by_reason = {};
  auto reject = [&](const v1::Lesson& lesson, RejectReason reason, std::string why) {
    write.batch().Audit(NewAuditEvent(clock_->Now(), absl::StrCat("peer ", source),
                                      "replication.rejected", lesson.id(), 0, lesson.version(),
                                      why));
    rejections.push_back(std::move(why));
    ++rejected_by_reason[static_cast<int>(reason)];
  };
  const int count = batch.changes_size();
  for (int i = 0; i < count; ++i) {
    v1::ReplicatedChange& change = *batch.mutable_changes(i);
    if (change.has_lesson()) {
      v1::Lesson& lesson = *change.mutable_lesson();
      if (!touched.insert(lesson.id()).second) continue;
      if (lesson.origin_org() == self_org_) continue;  // our own lesson echoed back
      RelayPath path(change.path().begin(), change.path().end());
      if (PathContains(path, self_org_)) {
        // The source now reaches this copy through us: it cannot be a source of it.
        CAIRN_RETURN_IF_ERROR(Withdraw(source, lesson.id(), &write, &removed));
        continue;
      }
      bool hops_valid = std::all_of(path.begin(), path.end(), [](const std::string& hop) {
        return ValidateOrgId("path", hop).ok();
      });
      if (!hops_valid || path.empty() || path.size() > kMaxRelayPath ||
          path.front() != lesson.origin_org() || path.back() != source) {
        reject(lesson, RejectReason::kRelayPath,
               absl::StrCat("lesson ", lesson.id(), ": its relay path does not run from ",
                            lesson.origin_org(), " to ", source));
        continue;
      }
      if (!checks[i].ok()) {
        reject(lesson, checked.reasons_[i],
               absl::StrCat("lesson ", lesson.id(), ": ", checks[i].message()));
        continue;
      }
      absl::StatusOr<v1::Lesson> stored = store_->GetLesson(lesson.id());
      if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
      if (lesson.status() == v1::RETRACTED) {  // not checked: CheckBatch left it OK
        // Senders send a retraction instead (no retracted lesson is shared), and a copy of a
        // retracted lesson is deleted, not kept: take it as one. Like a retraction it needs no
        // signature, since it can only withdraw what this source supplied.
        if (stored.ok()) {
          CAIRN_RETURN_IF_ERROR(Withdraw(source, lesson.id(), &write, &removed));
        } else {
          reject(lesson, RejectReason::kUnknownRetraction,
                 absl::StrCat("lesson ", lesson.id(),
                              ": arrives RETRACTED, but this node holds no earlier "
                              "version of it; a retraction of a lesson never held is "
                              "nothing to store"));
        }
        continue;
      }
      uint64_t stored_version = stored.ok() ? stored->version() : 0;
      if (stored.ok() && stored->origin_org() != lesson.origin_org()) {
        reject(lesson, RejectReason::kOriginConflict,
               absl::StrCat("lesson ", lesson.id(), ": claims origin ", lesson.origin_org(),
                            " but ", stored->origin_org(), " holds that id"));
        continue;
      }
      v1::HolderEntry holder;
      holder.set_version(lesson.version());
      if (batch.resync()) holder.set_resync_id(batch.resync_id());
      for (const std::string& hop : path) holder.add_path(hop);
      write.PutHolder(lesson.id(), source, std::move(holder));
      confirmed.insert(lesson.id());
      // After the origin was restored from a backup, its lesson as it sends it now is the truth,
      // even at a lower version than our copy, or at the same version with other content: it
      // lost the later versions and numbers them again. Only the origin itself can say so.
      const bool origin_rewinds = batch.restored_origin() && lesson.origin_org() == source &&
                                  stored.ok() && !SameLesson(lesson, *stored);
      if (lesson.version() > stored_version || origin_rewinds) {
        lesson.clear_local();
        // Clearing `local` leaves the indexed content, so the preparation still holds.
        write.PutLesson(
            LessonWrite{std::move(lesson), stored_version, v1::Change::UPSERT, origin_rewinds},
            std::move(checked.prepared_[i]));
        ++applied;
      } else if (stored.ok() && IsFresherSignature(lesson, *stored)) {
        // Its origin re-signed it after renewing its certificate: keep (and pass on) the new
        // signature, so this copy does not depend on the old certificate.
        lesson.clear_local();
        write.PutLesson(LessonWrite{std::move(lesson), stored_version, v1::Change::RESIGN});
      }
    } else if (change.has_retraction()) {
      const std::string& id = change.retraction().lesson_id();
      if (!ParseLessonId("retraction.lesson_id", id).ok()) continue;  // names nothing we hold
      if (!touched.insert(id).second) continue;
      CAIRN_RETURN_IF_ERROR(Withdraw(source, id, &write, &removed));
    }
  }
  if (batch.ends_resync()) {
    // Everything this source supplied that the resynchronisation did not confirm must go,
    // including a copy it offered again but that failed its checks.
    std::vector<bool> matched(kDigestBuckets, false);
    for (uint32_t bucket : batch.confirmed_buckets()) {
      if (bucket < kDigestBuckets) matched[bucket] = true;
    }
    std::vector<std::string> stale;
    CAIRN_RETURN_IF_ERROR(store_->ScanHeldFrom(
        source, [&](absl::string_view lesson_id, const v1::HolderEntry& entry) {
          if (entry.resync_id() != batch.resync_id() && !confirmed.contains(lesson_id) &&
              !matched[DigestBucket(lesson_id)]) {
            stale.emplace_back(lesson_id);
          }
          return true;
        }));
    for (const std::string& id : stale) {
      CAIRN_RETURN_IF_ERROR(Withdraw(source, id, &write, &removed));
    }
  }
  CAIRN_RETURN_IF_ERROR(write.LogRouteChanges());
  CAIRN_ASSIGN_OR_RETURN(v1::PullState state, State(source));
  if (rejected_by_reason[static_cast<int>(RejectReason::kSignature)] > 0 &&
      !state.has_replay_from()) {
    // A resynchronisation sends lessons whose changes lie before the cursor: replay them all.
    state.set_replay_from(batch.resync() ? 0 : state.cursor());
    state.set_replay_trust_generation(checked.trust_widenings_);
  }
  state.set_cursor(batch.cursor());
  if (batch.ends_resync()) state.set_completed_resync_id(batch.resync_id());
  if (CursorFollowsIncarnation(batch) && batch.incarnation() != 0) {
    state.set_sender_incarnation(batch.incarnation());
  }
  write.batch().PutPullState(source, state);
  CAIRN_RETURN_IF_ERROR(store_->Commit(write.batch()).status());

  absl::MutexLock status_lock(&status_mu_);
  PullStatus& status = StatusFor(source);
  status.cursor = batch.cursor();
  status.sender_sequence = batch.sender_sequence();
  status.last_success = clock_->Now();
  if (status.cursor >= status.sender_sequence) status.caught_up_at = status.last_success;
  status.lessons_applied += applied;
  status.retractions_applied += removed;
  status.rejected += rejections.size();
  for (int reason = 0; reason < kRejectReasonCount; ++reason) {
    status.rejected_by_reason[reason] += rejected_by_reason[reason];
  }
  if (!rejections.empty()) status.last_rejection = rejections.back();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint64_t>> ReplicaApplier::HoldingsDigestFor(
    absl::string_view source) const {
  HoldingsDigest digest;
  CAIRN_RETURN_IF_ERROR(store_->ScanHeldFrom(
      source, [&](absl::string_view lesson_id, const v1::HolderEntry& entry) {
        digest.Add(lesson_id, entry.version(), entry.path());
        return true;
      }));
  return digest.buckets();
}

bool ReplicaApplier::TrustChangedSinceRejection(absl::string_view source) const {
  absl::StatusOr<v1::PullState> state = State(source);
  return state.ok() && state->has_replay_from() &&
         state->replay_trust_generation() < verifier_->TrustWidenings();
}

absl::Status ReplicaApplier::ReplayIfTrustChanged(absl::string_view source) {
  absl::MutexLock lock(&apply_mu_);
  if (!TrustChangedSinceRejection(source)) return absl::OkStatus();
  CAIRN_ASSIGN_OR_RETURN(v1::PullState state, State(source));
  state.set_cursor(std::min(state.cursor(), state.replay_from()));
  state.clear_replay_from();
  state.clear_replay_trust_generation();
  StoreBatch write;
  write.PutPullState(source, state);
  CAIRN_RETURN_IF_ERROR(store_->Commit(write).status());
  absl::MutexLock status_lock(&status_mu_);
  StatusFor(source).cursor = state.cursor();
  return absl::OkStatus();
}

absl::Status ReplicaApplier::ForgetSource(absl::string_view source) {
  absl::MutexLock lock(&apply_mu_);
  std::vector<std::string> supplied;
  CAIRN_RETURN_IF_ERROR(store_->ScanHeldFrom(
      source, [&](absl::string_view lesson_id, const v1::HolderEntry&) {
        supplied.emplace_back(lesson_id);
        return true;
      }));
  BatchWrite write(store_);
  uint64_t removed = 0;
  for (const std::string& id : supplied) {
    CAIRN_RETURN_IF_ERROR(Withdraw(source, id, &write, &removed));
  }
  CAIRN_RETURN_IF_ERROR(write.LogRouteChanges());
  write.batch().PutPullState(source, v1::PullState());
  CAIRN_RETURN_IF_ERROR(store_->Commit(write.batch()).status());
  absl::MutexLock status_lock(&status_mu_);
  status_.erase(std::string(source));
  return absl::OkStatus();
}

absl::Status ReplicaApplier::Heartbeat(absl::string_view source, const v1::Heartbeat& heartbeat) {
  {
    absl::MutexLock lock(&apply_mu_);
    CAIRN_ASSIGN_OR_RETURN(v1::PullState state, State(source));
    // A heartbeat's cursor belongs to the incarnation it names; a sender resynchronises us
    // before it heartbeats under a new one, unless we did not know its incarnation.
    const bool new_incarnation =
        heartbeat.incarnation() != 0 && heartbeat.incarnation() != state.sender_incarnation();
    if (heartbeat.cursor() > state.cursor() || new_incarnation) {
      state.set_cursor(heartbeat.cursor());
      if (heartbeat.incarnation() != 0) state.set_sender_incarnation(heartbeat.incarnation());
      StoreBatch write;
      write.PutPullState(source, state);
      CAIRN_RETURN_IF_ERROR(store_->Commit(write).status());
    }
  }
  absl::MutexLock status_lock(&status_mu_);
  PullStatus& status = StatusFor(source);
  status.cursor = std::max(status.cursor, heartbeat.cursor());
  status.sender_sequence = heartbeat.sender_sequence();
  status.last_success = clock_->Now();
  if (status.cursor >= status.sender_sequence) status.caught_up_at = status.last_success;
  return absl::OkStatus();
}

absl::Duration ReplicaApplier::Pace(absl::string_view source, size_t lessons) {
  absl::StatusOr<PeerDirectory::PeerSnapshot> peer = directory_->Snapshot(source);
  uint32_t per_minute = peer.ok() && peer->policy ? peer->policy->import().max_lessons_per_minute()
                                                  : v1::ImportRules().max_lessons_per_minute();
  absl::Time now = clock_->Now();
  absl::MutexLock lock(&status_mu_);
  absl::Time& next = next_allowed_[std::string(source)];
  next = std::max(next, now) + absl::Minutes(1) * static_cast<double>(lessons) / per_minute;
  return std::max(absl::ZeroDuration(), next - now - absl::Seconds(1));  // a second of burst
}

void ReplicaApplier::SetConnected(absl::string_view source, bool connected) {
  absl::MutexLock lock(&status_mu_);
  PullStatus& status = StatusFor(source);
  status.connected = connected;
  if (connected) status.connected_at = clock_->Now();
}

void ReplicaApplier::RecordError(absl::string_view source, const absl::Status& error) {
  absl::MutexLock lock(&status_mu_);
  PullStatus& status = StatusFor(source);
  status.last_error = error.ToString();
  status.last_error_at = clock_->Now();
  ++status.errors;
}

PullStatus& ReplicaApplier::StatusFor(absl::string_view source) {
  auto it = status_.find(source);
  if (it == status_.end()) {
    PullStatus fresh;
    fresh.peer = std::string(source);
    fresh.last_success = absl::InfinitePast();
    fresh.caught_up_at = absl::InfinitePast();
    fresh.last_error_at = absl::InfinitePast();
    fresh.connected_at = absl::InfinitePast();
    fresh.tracked_since = clock_->Now();
    absl::StatusOr<v1::PullState> state = State(source);
    if (state.ok()) fresh.cursor = state->cursor();
    it = status_.emplace(std::string(source), std::move(fresh)).first;
  }
  return it->second;
}

std::vector<PullStatus> ReplicaApplier::Status() const {
  absl::MutexLock lock(&status_mu_);
  std::vector<PullStatus> all;
  for (const auto& [peer, status] : status_) all.push_back(status);
  return all;
}

}  // namespace cairn
