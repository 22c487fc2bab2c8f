// The node's RocksDB database: one column family per kind of data. SPEC sections 2 and 4.
#ifndef CAIRN_NODE_STORAGE_STORE_H_
#define CAIRN_NODE_STORAGE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cairn/v1/lesson.pb.h"
#include "cairn/v1/policy.pb.h"
#include "cairn/v1/storage.pb.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Snapshot;
class Env;
class Status;
class WriteBatch;
}  // namespace rocksdb

namespace cairn {
namespace v1 {
class Alert;  // cairn/v1/alert_service.proto: only store.cc and the alerts code need them whole
class PendingWebhook;
class Watch;
class Feedback;  // cairn/v1/feedback.proto
class GivenFeedback;
class PendingFeedback;
}  // namespace v1

class HealthMonitor;

// What the store can do right now (Store::Health): plain values for the health check, the log
// and metrics.
struct StoreHealth {
  // Whether a write can succeed now. False from the moment RocksDB stops writes after an error
  // (the disk filled up, a write failed) until the store recovers, which it does by itself, with
  // no restart, once the cause is gone (space was freed).
  bool writable = true;
  // Writes stopped because the disk holding the data directory is full.
  bool disk_full = false;
  // Stored data was found damaged (a checksum mismatch in a file). Stays set until the node
  // restarts: damaged data does not heal; the node is restored from a backup.
  bool damaged = false;
  // The damaged file, when RocksDB named it (e.g. /var/lib/cairn/000123.sst).
  std::string damaged_file;
  // Why the store cannot serve, and what to do about it; empty while it serves.
  std::string problem;
  // Errors RocksDB reported in writes and background work (flushes, compactions) since the
  // store opened, including those of recovery attempts that failed.
  uint64_t background_errors = 0;
  // Times writes resumed after an error without a restart.
  uint64_t recoveries = 0;
  // Reads and background jobs that found damaged data.
  uint64_t damage_reports = 0;

  // Whether the node should report itself healthy: it can write and its data is sound.
  bool serving() const { return writable && !damaged; }
};

// What an indexer works out from a lesson's content alone (see LessonIndexer::Prepare).
class PreparedIndexing {
 public:
  virtual ~PreparedIndexing() = default;
};

// One lesson to store (or, with change_kind DELETE, remove; with ROUTE, only log that the path to
// the copy changed; with RESIGN, store the stored version again with a new signature, its content
// unchanged), with the version the caller saw when it decided to write (compare-and-set).
struct LessonWrite {
  v1::Lesson lesson;
  uint64_t expected_stored_version = 0;  // 0: the lesson must not exist yet
  v1::Change::Kind change_kind = v1::Change::UPSERT;
  // An UPSERT that may lower the version or keep it: a copy replaced by what its origin holds
  // after the origin was restored from a backup (it lost the later versions).
  bool any_version = false;
};

// What Store::Checkpoint wrote.
struct CheckpointStats {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t last_sequence = 0;  // the change log reached at least this far
};

// Writes that Store::Commit applies together, atomically: lessons (each with its change-log
// entry), peers, policy versions, audit events and small metadata values.
class StoreBatch {
 public:
  // `prepared`: optionally, Store::PrepareIndexing of this very content, done by the writer on
  // its own threads so that less is done under the store's write lock.
  void PutLesson(LessonWrite write, std::shared_ptr<const PreparedIndexing> prepared = nullptr) {
    lessons_.push_back(std::move(write));
    prepared_.push_back(std::move(prepared));
  }
  void PutPeer(v1::Peer peer) { peers_.push_back(std::move(peer)); }
  void DeletePeer(std::string org_id) { deleted_peers_.push_back(std::move(org_id)); }
  // Keyed by (peer_org, version); older versions stay as history.
  void PutPolicy(v1::PeerPolicy policy) { policies_.push_back(std::move(policy)); }
  // The store gives the event its sequence number.
  void Audit(v1::AuditEvent event) { audit_.push_back(std::move(event)); }
  void PutMeta(std::string key, std::string value) {
    meta_.emplace_back(std::move(key), std::move(value));
  }
  // Replication bookkeeping; see cairn/v1/storage.proto.
  void PutLedger(absl::string_view peer, absl::string_view lesson_id, uint64_t version);
  void PutHolder(absl::string_view lesson_id, absl::string_view source, v1::HolderEntry entry);
  void DeleteHolder(absl::string_view lesson_id, absl::string_view source);
  void PutPullState(absl::string_view peer, const v1::PullState& state);
  void PutSendState(absl::string_view peer, const v1::SendState& state);
  // An observation submitted by a member of staff, keyed by its lesson id.
  void PutSubmission(const v1::StoredSubmission& submission);
  // Saved searches, keyed by owner and id, and their alerts, by owner and cursor.
  void PutWatch(const v1::Watch& watch);
  void DeleteWatch(absl::string_view owner, absl::string_view id);
  void PutAlert(const v1::Alert& alert);
  // Deletes `owner`'s alerts with cursors up to `through`.
  void DeleteAlertsThrough(absl::string_view owner, uint64_t through);
  // Alerts waiting to be posted to webhooks, keyed by alert cursor.
  void PutPendingWebhook(const v1::PendingWebhook& pending);
  void DeletePendingWebhook(uint64_t cursor);
  // Adoption feedback (node/feedback): each organisation's latest on this node's lessons, by
  // lesson and giver; this organisation's own, by lesson; deliveries waiting, by lesson and giver.
  void PutFeedback(const v1::Feedback& feedback);
  void PutGivenFeedback(const v1::GivenFeedback& given);
  void PutPendingFeedback(const v1::PendingFeedback& pending);
  void DeletePendingFeedback(absl::string_view lesson_id, absl::string_view giver_org);
  // The search index (node/search): a record per indexed lesson, and postings blocks. A posting
  // update sets (payload) or removes (nullopt) document `doc`'s entry in the block at `key`; the
  // batch's updates of one block become one DocBlock operand (doc_block.h), merged into the
  // stored block without reading it.
  void PutSearchDoc(absl::string_view lesson_id, std::string record);
  void DeleteSearchDoc(absl::string_view lesson_id);
  void UpdatePosting(absl::string_view key, uint32_t doc, std::optional<absl::string_view> payload);

 private:
  friend class Store;
  std::vector<LessonWrite> lessons_;
  std::vector<std::shared_ptr<const PreparedIndexing>> prepared_;  // one a lesson, or null
  std::vector<v1::Peer> peers_;
  std::vector<std::string> deleted_peers_;
  std::vector<v1::PeerPolicy> policies_;
  std::vector<v1::AuditEvent> audit_;
  std::vector<std::pair<std::string, std::string>> meta_;
  // Raw writes of replication and search records.
  struct Raw {
    enum Op { kPut, kDelete, kDeleteRange };  // a range: [key, value)
    int column_family;
    Op op;
    std::string key;
    std::string value;  // empty for kDelete
  };
  std::vector<Raw> raw_;
  // Posting updates, in the order they were made, each naming its block key by number; payloads
  // back to back in one string. (A batch of lessons makes a hundred thousand or so: flat storage
  // keeps that cheap.)
  struct PostingUpdate {
    uint32_t key;
    uint32_t doc;
    uint64_t payload_begin;
    uint32_t payload_size;
    bool removed;
  };
  absl::flat_hash_map<std::string, uint32_t> posting_keys_;  // block key -> its number
  std::vector<PostingUpdate> posting_updates_;
  std::string posting_payloads_;
};

// Keeps records derived from lessons (the search index) in step with them: Store::Commit tells it
// of every change to a lesson's content, with the store's write lock held, and writes what it adds
// in the same atomic batch as the lesson.
class LessonIndexer {
 public:
  virtual ~LessonIndexer() = default;
  // `before`: the stored lesson, or null when there is none; `after`: its new content, or null
  // when it is deleted. Adds the index's writes to `writes`.
  // `prepared_after`: Prepare(*after), or null to have Index work it out.
  virtual void Index(const v1::Lesson* before, const v1::Lesson* after,
                     const PreparedIndexing* prepared_after, StoreBatch* writes) = 0;
  // The part of indexing `lesson` that depends only on its content (analysing its text). Needs no
  // lock, so writers can do it for many lessons at once before they commit.
  virtual std::shared_ptr<const PreparedIndexing> Prepare(const v1::Lesson& lesson) const = 0;
  // The writes added since the last Finish were written (durably), or not.
  virtual void Finish(bool written) = 0;
  // The index on disk was cleared for a rebuild.
  virtual void Reset() = 0;
};

// Owns the RocksDB instance. Column families:
//   lessons   lesson id -> v1::Lesson
//   changes   8-byte big-endian sequence number -> v1::Change
//   peers     peer org id -> v1::Peer
//   policies  peer org id, NUL, 8-byte big-endian version -> v1::PeerPolicy
//   audit     8-byte big-endian sequence number -> v1::AuditEvent (append-only)
//   meta      small named values
//   ledger    peer, NUL, lesson id -> v1::LedgerEntry (what each peer was sent)
//   holders   lesson id, NUL, source peer -> v1::HolderEntry (who supplied each copy)
//   held_from source peer, NUL, lesson id -> v1::HolderEntry (the same, by source)
//   replication  "pull/" or "send/" + peer -> v1::PullState or v1::SendState
//   search_docs      lesson id -> the search index's record of it (node/search)
//   search_postings  term, NUL, block number -> stored DocBlock of postings: summary, entries
//                    (merged, see doc_block.h)
//   lesson_history   lesson id, NUL, sequence number -> v1::Change: the change log by lesson, for
//                    people reading a lesson's history; kept when the change log is trimmed
// Every write of a lesson appends its change-log entry in the same atomic, synced WriteBatch, so
// once a write returns OK it survives a crash, and the change log never disagrees with the
// lessons; audit events are written in the batch of the change they record. Thread-safe: reads
// run concurrently; writes are serialised so sequence numbers are assigned and become visible in
// order.
//
// Errors (see Health): when the disk fills, a write fails with RESOURCE_EXHAUSTED and writes no
// part of its batch; RocksDB then refuses every write until it is resumed. The store resumes it
// by itself, on a thread of its own that retries with backoff (0.25 s doubling to 5 s) and at
// once when a write arrives after free space grew, so the first write after space is freed
// succeeds, with no restart. A read or background job that finds damaged data fails with
// DATA_LOSS and marks the store damaged for good.
class Store {
 public:
  struct Options {
    // The environment RocksDB does its file I/O through; null for the default. Tests pass one
    // that watches syncs. Not owned; must outlive the store.
    rocksdb::Env* env = nullptr;
  };

  // Opens or creates the database in `dir`. Outcomes: OK; UNAVAILABLE when it is locked by
  // another process; INTERNAL or DATA_LOSS when RocksDB cannot open it.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                                     const Options& options);
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir) {
    return Open(dir, Options());
  }
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The store's health now. Cheap.
  StoreHealth Health() const;
  // Calls `listener` with the new health whenever writable, disk_full or damaged changes; on
  // whichever thread noticed (a writer's, the store's or RocksDB's), one call at a time. It must
  // return quickly and must not write to the store. Add listeners before serving.
  void AddHealthListener(std::function<void(const StoreHealth&)> listener);

  // NOT_FOUND when there is no lesson with this id; DATA_LOSS when it is stored damaged.
  absl::StatusOr<v1::Lesson> GetLesson(absl::string_view id) const;

  // Applies everything in `batch` atomically and durably, or nothing. Returns the change-log
  // sequence numbers given to its lessons, in order. FAILED_PRECONDITION, naming the lesson and
  // both versions, when a lesson's stored version is not its expected_stored_version or the new
  // version is not higher than the stored one; INVALID_ARGUMENT when one lesson appears twice;
  // RESOURCE_EXHAUSTED, saying the disk is full, when it is; UNAVAILABLE when writes stopped
  // after another storage error. Nothing is written on any error.
  absl::StatusOr<std::vector<uint64_t>> Commit(const StoreBatch& batch);
  // A batch of lessons only.
  absl::StatusOr<std::vector<uint64_t>> Commit(const std::vector<LessonWrite>& writes);

  // NOT_FOUND for an unknown peer.
  absl::StatusOr<v1::Peer> GetPeer(absl::string_view org_id) const;
  absl::StatusOr<std::vector<v1::Peer>> ListPeers() const;
  // The policy version `version` of a peer, or its latest when `version` is 0. NOT_FOUND when
  // there is none.
  absl::StatusOr<v1::PeerPolicy> GetPolicy(absl::string_view peer_org, uint64_t version) const;
  // Every version of a peer's policy, oldest first.
  absl::StatusOr<std::vector<v1::PeerPolicy>> PolicyHistory(absl::string_view peer_org) const;

  // Calls `visit` on audit events newest first, starting below sequence `before` (0: from the
  // newest), until it returns false.
  absl::Status ScanAuditNewestFirst(uint64_t before,
                                    const std::function<bool(const v1::AuditEvent&)>& visit) const;

  // NOT_FOUND when the key was never set.
  absl::StatusOr<std::string> GetMeta(absl::string_view key) const;

  // A random id (never 0) the database got when it was created, renewed each time it is
  // restored from a backup (RenewIncarnation). Peers store it with their cursor in our change
  // log, and so notice when the log went back.
  uint64_t Incarnation() const { return incarnation_; }
  // Gives the database a new incarnation, in one atomic, synced write with `with`; returns it.
  absl::StatusOr<uint64_t> RenewIncarnation(const StoreBatch& with);

  // Writes a consistent copy of the whole database into `dir`, a new directory, while reads and
  // writes go on (a RocksDB checkpoint: files on the same filesystem are hard-linked, others
  // copied); every write that returned before the call is in it. `dir` must be absolute, must
  // not exist, must have an existing parent, and must lie outside this store's directory.
  // Outcomes: OK; INVALID_ARGUMENT (naming `field`) for a relative path or one inside the
  // store's directory; ALREADY_EXISTS when it exists; FAILED_PRECONDITION when its parent does
  // not exist; INTERNAL when writing fails, in which case nothing is left at `dir`.
  absl::StatusOr<CheckpointStats> Checkpoint(const std::string& dir,
                                             absl::string_view field = "dir") const;

  // Replication bookkeeping. Each Get is NOT_FOUND when there is no record.
  absl::StatusOr<v1::LedgerEntry> GetLedger(absl::string_view peer,
                                            absl::string_view lesson_id) const;
  // Whether the ledger records anything sent to `peer` (one seek; false when it cannot be read).
  bool HasSentTo(absl::string_view peer) const;
  // Every source that supplied this copy, as (source org, entry).
  absl::StatusOr<std::vector<std::pair<std::string, v1::HolderEntry>>> ListHolders(
      absl::string_view lesson_id) const;
  // Up to `max` of the lesson's change-log entries (routes left out), newest first; `more` says
  // whether older ones were left out. Empty for a lesson this node never stored.
  absl::StatusOr<std::vector<v1::Change>> LessonHistory(absl::string_view lesson_id, size_t max,
                                                        bool* more) const;
  // Every copy `source` supplied, as (lesson id, entry), until `visit` returns false.
  absl::Status ScanHeldFrom(
      absl::string_view source,
      const std::function<bool(absl::string_view lesson_id, const v1::HolderEntry&)>& visit) const;
  absl::StatusOr<v1::PullState> GetPullState(absl::string_view peer) const;
  absl::StatusOr<v1::SendState> GetSendState(absl::string_view peer) const;

  // The lowest sequence number still in the change log (LastSequence() + 1 when it is empty).
  uint64_t FirstSequence() const;
  // Drops change-log entries, oldest first, so at most `keep` (at least 1) remain. Peers whose
  // cursor falls behind the log resynchronise from a snapshot.
  absl::Status TrimChangeLog(uint64_t keep);

  // Every successful Commit increments a counter, and wakes waiters: replication streams sleep
  // here until there may be something new to send.
  uint64_t CommitCount() const;
  // Returns when CommitCount() > `seen`, or after `timeout`.
  void AwaitCommitAfter(uint64_t seen, absl::Duration timeout) const;

  // Calls `visit` on lessons in id order, starting after `start_after` (all when empty), until it
  // returns false or the lessons run out.
  absl::Status ScanLessons(absl::string_view start_after,
                           const std::function<bool(const v1::Lesson&)>& visit) const;

  // A submitted observation; NOT_FOUND when the lesson is not one.
  absl::StatusOr<v1::StoredSubmission> GetSubmission(absl::string_view lesson_id) const;
  // Calls `visit` on submitted observations in lesson id order (the order they were submitted),
  // or newest first, starting after lesson id `from` (all when empty), until it returns false.
  absl::Status ScanSubmissions(
      absl::string_view from, bool newest_first,
      const std::function<bool(const v1::StoredSubmission&)>& visit) const;

  // A saved search; NOT_FOUND when `owner` has none with `id`.
  absl::StatusOr<v1::Watch> GetWatch(absl::string_view owner, absl::string_view id) const;
  // Calls `visit` on every saved search (by owner, then id) until it returns false.
  absl::Status ScanWatches(const std::function<bool(const v1::Watch&)>& visit) const;
  // Calls `visit` on `owner`'s alerts with cursors above `after` and below `before` (0: no
  // bound), oldest or newest first, until it returns false.
  absl::Status ScanAlerts(absl::string_view owner, uint64_t after, uint64_t before,
                          bool newest_first, const std::function<bool(const v1::Alert&)>& visit) const;
  // Adoption feedback; NOT_FOUND when there is none.
  absl::StatusOr<v1::Feedback> GetFeedback(absl::string_view lesson_id,
                                           absl::string_view giver_org) const;
  // Calls `visit` on every organisation's feedback on `lesson_id`, by giver, until it returns
  // false.
  absl::Status ScanFeedback(absl::string_view lesson_id,
                            const std::function<bool(const v1::Feedback&)>& visit) const;
  absl::StatusOr<v1::GivenFeedback> GetGivenFeedback(absl::string_view lesson_id) const;
  absl::StatusOr<v1::PendingFeedback> GetPendingFeedback(absl::string_view lesson_id,
                                                         absl::string_view giver_org) const;
  // Up to `max` deliveries waiting, by lesson and giver.
  absl::StatusOr<std::vector<v1::PendingFeedback>> ReadPendingFeedback(size_t max) const;
  // How many deliveries wait that `giver_org` did not give (those passing through), by their
  // keys alone.
  absl::StatusOr<size_t> CountPendingFeedbackNotFrom(absl::string_view giver_org) const;
  // Up to `max` alerts waiting for their webhooks, oldest first.
  absl::StatusOr<std::vector<v1::PendingWebhook>> ReadPendingWebhooks(size_t max) const;

  // Up to `max` change-log entries with sequence numbers above `after`, in order.
  absl::StatusOr<std::vector<v1::Change>> ReadChanges(uint64_t after, size_t max) const;

  // The highest sequence number given out so far (0 for an empty log).
  uint64_t LastSequence() const;

  // Makes `indexer` (not owned; null for none) part of every Commit. Call before writing. The
  // indexer must outlive every PrepareIndexing call (cairnd stops replication before the index).
  void SetIndexer(LessonIndexer* indexer);
  // The indexer's Prepare(lesson), for StoreBatch::PutLesson; null without an indexer.
  std::shared_ptr<const PreparedIndexing> PrepareIndexing(const v1::Lesson& lesson) const;
  // Clears the search index and indexes every lesson again, holding off other writes meanwhile;
  // compacts it; on success stores meta `done_key` = `done_value`, which stays unset if the node
  // stops first.
  // FAILED_PRECONDITION without an indexer.
  absl::Status RebuildIndex(absl::string_view done_key, absl::string_view done_value);
  // The search index's size: its SST files plus what is still in memtables.
  uint64_t SearchIndexBytes() const;
  // What the database holds on disk and in memory, and how its background work goes, from
  // RocksDB's properties summed over the column families; for metrics. No I/O.
  struct Usage {
    uint64_t sst_bytes = 0;                 // SST files, live and not yet deleted
    uint64_t memtable_bytes = 0;            // memtables, not yet flushed
    uint64_t pending_compaction_bytes = 0;  // RocksDB's estimate of what compaction must rewrite
    uint64_t background_errors = 0;         // flush and compaction errors since the store opened
  };
  Usage DiskUsage() const;
  // How many audit events of each action Commit has written since the store opened.
  std::map<std::string, uint64_t> AuditEventCounts() const;
  // The search index's records, in key order, until `visit` returns false.
  absl::Status ScanSearchDocs(
      const std::function<bool(absl::string_view lesson_id, absl::string_view record)>& visit)
      const;
  // Skips through the postings' keys: visits the first key at or after `from`, then the first at
  // or after the key `visit` returns, until it returns an empty string or the keys end. One seek
  // a visit, so reading one key of each term costs one seek a term, not a read of every block.
  absl::Status SkipThroughPostingsKeys(
      absl::string_view from,
      const std::function<std::string(absl::string_view key)>& visit) const;
  // The store as it is now, for several reads that must agree with each other (a RocksDB
  // snapshot, released when this is destroyed). It must not outlive the store.
  class ReadView {
   public:
    ReadView(const ReadView&) = delete;
    ReadView& operator=(const ReadView&) = delete;
    ~ReadView();

   private:
    friend class Store;
    ReadView(rocksdb::DB* db, const rocksdb::Snapshot* snapshot) : db_(db), snapshot_(snapshot) {}
    rocksdb::DB* db_;
    const rocksdb::Snapshot* snapshot_;
  };
  std::unique_ptr<ReadView> ViewNow() const;
  // The postings blocks whose keys start with `prefix`, in key order, until `visit` returns false;
  // as `view` saw them, when given.
  absl::Status ScanPostings(
      absl::string_view prefix,
      const std::function<bool(absl::string_view key, absl::string_view block)>& visit,
      const ReadView* view = nullptr) const;

 private:
  Store(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
        std::string dir, std::shared_ptr<HealthMonitor> health);
  // The one place a rocksdb::Status becomes an absl::Status (see store.cc); damaged data it
  // reports is noted in health_.
  absl::Status FromRocks(const rocksdb::Status& status, absl::string_view context) const;
  // Reads one record of type Proto from column family `family`; NOT_FOUND naming `what`.
  template <typename Proto>
  absl::StatusOr<Proto> GetRecord(int family, absl::string_view key, absl::string_view what) const;
  // Resumes writing after an error, when there is one a resume may clear. Unless `forced`, tries
  // only when the disk has more free space than at the last attempt that failed.
  void ResumeWrites(bool forced) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Writes a marker to the default column family, so that a memtable is never empty when a
  // write can fail (see ResumeWrites).
  absl::Status WriteMemtableGuard() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // The recovery thread: resumes writing after errors, with backoff, until the store closes.
  void RecoverInBackground();
  // Adds the raw writes and posting updates of `batch` to `write`.
  void AddRaw(const StoreBatch& batch, rocksdb::WriteBatch* write) const;

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned; index by the ColumnFamily enum
  const std::string dir_;
  const std::shared_ptr<HealthMonitor> health_;  // also registered with RocksDB
  std::atomic<uint64_t> incarnation_ = 0;
  mutable absl::Mutex write_mu_;
  // Free bytes on the data directory's disk when a resume last failed.
  uint64_t free_at_failed_resume_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_sequence_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_audit_sequence_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t first_sequence_ ABSL_GUARDED_BY(write_mu_) = 1;
  // Set under write_mu_; read without it only by PrepareIndexing.
  std::atomic<LessonIndexer*> indexer_ = nullptr;
  mutable absl::Mutex audit_counts_mu_;
  std::map<std::string, uint64_t> audit_counts_ ABSL_GUARDED_BY(audit_counts_mu_);
  mutable absl::Mutex commit_mu_;
  mutable absl::CondVar committed_;
  uint64_t commit_count_ ABSL_GUARDED_BY(commit_mu_) = 0;
  std::thread recovery_;  // runs RecoverInBackground once Open has set the store up
};

}  // namespace cairn

#endif  // CAIRN_NODE_STORAGE_STORE_H_
