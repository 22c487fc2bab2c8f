#include "node/storage/store.h"

#include <algorithm>
#include <filesystem>
#include <random>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cairn/v1/alert_service.pb.h"
#include "cairn/v1/feedback.pb.h"
#include "node/common/status_macros.h"
#include "node/storage/doc_block.h"
#include "node/storage/health_monitor.h"
#include "node/storage/info_log.h"
#include "node/storage/paths.h"
#include "rocksdb/db.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/options.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"

namespace cairn {
namespace {

// Column families, in the order their handles are kept.
enum ColumnFamily : size_t {
  kDefault = 0,
  kLessons,
  kChanges,
  kPeers,
  kPolicies,
  kAudit,
  kMeta,
  kLedger,
  kHolders,
  kHeldFrom,
  kReplication,
  kSearchDocs,
  kSearchPostings,
  kLessonHistory,
  kSubmissions,
  kWatches,
  kAlerts,
  kWebhookOutbox,
  kFeedback,
  kFeedbackGiven,
  kFeedbackOutbox,
  kNumColumnFamilies
};
constexpr const char* kColumnFamilyNames[kNumColumnFamilies] = {
    "default", "lessons", "changes",     "peers",       "policies",       "audit",
    "meta",    "ledger",  "holders",     "held_from",   "replication",    "search_docs",
    "search_postings", "lesson_history", "submissions", "watches", "alerts", "webhook_outbox",
    "feedback", "feedback_given", "feedback_outbox"};

// Lessons re-indexed in one write while the search index is rebuilt: a write's updates of one
// postings block become one operand, so larger writes mean fewer operands to merge.
constexpr size_t kRebuildChunk = 4096;

// Merges DocBlock operands (see doc_block.h) into the postings blocks. A full merge (at a read,
// a flush or a compaction) gives a stored block, its summary made afresh; operands combined
// early stay bare entries.
class DocBlockMergeOperator : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    std::optional<absl::string_view> base;
    if (in.existing_value != nullptr) {
      DocBlockSummary ignored;
      absl::string_view entries;
      if (!ReadStoredDocBlock(
              absl::string_view(in.existing_value->data(), in.existing_value->size()), &ignored,
              &entries)) {
        return false;
      }
      base = entries;
    }
    std::optional<std::string> merged = MergeDocBlocks(base, Operands(in.operand_list), false);
    if (!merged) return false;
    std::optional<std::string> stored = StoredDocBlock(*merged);
    if (!stored) return false;
    out->new_value = *std::move(stored);
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice&, const std::deque<rocksdb::Slice>& operand_list,
                         std::string* new_value, rocksdb::Logger*) const override {
    std::optional<std::string> merged = MergeDocBlocks(std::nullopt, Operands(operand_list), true);
    if (!merged) return false;
    *new_value = *std::move(merged);
    return true;
  }

  const char* Name() const override { return "cairn.DocBlockMerge"; }

 private:
  template <typename Slices>
  static std::vector<absl::string_view> Operands(const Slices& slices) {
    std::vector<absl::string_view> operands;
    operands.reserve(slices.size());
    for (const rocksdb::Slice& slice : slices) operands.emplace_back(slice.data(), slice.size());
    return operands;
  }
};

// Debian's Abseil has its own string_view, which rocksdb::Slice does not take directly.
rocksdb::Slice ToSlice(absl::string_view text) { return rocksdb::Slice(text.data(), text.size()); }

// How long the recovery thread waits before it first tries to resume writing after an error,
// and at most between later tries.
constexpr absl::Duration kResumeRetryInitial = absl::Milliseconds(250);
constexpr absl::Duration kResumeRetryMax = absl::Seconds(5);

// The default column family's key for WriteMemtableGuard.
constexpr absl::string_view kMemtableGuardKey = "cairn.memtable_guard";

// The one place rocksdb::Status becomes absl::Status (Store::FromRocks adds what the store's
// health says).
absl::Status ConvertRocksStatus(const rocksdb::Status& status, absl::string_view context) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(context, ": ", status.ToString());
  if (status.IsNotFound()) return absl::NotFoundError(message);
  if (status.IsCorruption()) return absl::DataLossError(message);
  // The canonical code for "the file system is out of space": no retry helps until an operator
  // frees some, unlike UNAVAILABLE's transient conditions.
  if (status.IsNoSpace()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        context, ": the disk holding the data directory is full (", status.ToString(),
        "); nothing was written. Free space there: writes then resume by themselves, with no "
        "restart"));
  }
  if (status.IsBusy() || status.IsTimedOut() || status.IsTryAgain()) {
    return absl::UnavailableError(message);
  }
  if (status.IsIOError() && status.ToString().find("lock") != std::string::npos) {
    return absl::UnavailableError(
        absl::StrCat(message, " (is another cairnd using this data directory?)"));
  }
  if (status.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

std::string SequenceKey(uint64_t sequence) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(sequence & 0xff);
    sequence >>= 8;
  }
  return key;
}

uint64_t DecodeSequenceKey(absl::string_view key) {
  uint64_t sequence = 0;
  for (unsigned char byte : key.substr(0, 8)) sequence = (sequence << 8) | byte;
  return sequence;
}

// Org ids and lesson ids never hold NUL, so one owner's keys never prefix another's.
std::string PolicyPrefix(absl::string_view peer_org) {
  return absl::StrCat(peer_org, absl::string_view("\0", 1));
}

std::string PairKey(absl::string_view first, absl::string_view second) {
  return absl::StrCat(first, absl::string_view("\0", 1), second);
}

// Lesson id, NUL, change-log sequence number: a lesson's events in the order they happened.
std::string HistoryKey(absl::string_view lesson_id, uint64_t sequence) {
  return absl::StrCat(lesson_id, absl::string_view("\0", 1), SequenceKey(sequence));
}

std::string PolicyKey(absl::string_view peer_org, uint64_t version) {
  return absl::StrCat(PolicyPrefix(peer_org), SequenceKey(version));
}

// The meta key of the database's incarnation (8 bytes, big-endian).
constexpr absl::string_view kIncarnationKey = "incarnation";

uint64_t RandomIncarnation() {
  std::random_device device;
  std::mt19937_64 random((static_cast<uint64_t>(device()) << 32) ^ device() ^
                         static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())));
  uint64_t incarnation = 0;
  while (incarnation == 0) incarnation = random();
  return incarnation;
}

template <typename Proto>
absl::StatusOr<Proto> ParseStored(const rocksdb::Slice& value, absl::string_view what) {
  Proto message;
  if (!message.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat("stored ", what, " does not parse"));
  }
  return message;
}

}  // namespace

void StoreBatch::PutLedger(absl::string_view peer, absl::string_view lesson_id, uint64_t version) {
  v1::LedgerEntry entry;
  entry.set_version(version);
  raw_.push_back({kLedger, Raw::kPut, PairKey(peer, lesson_id), entry.SerializeAsString()});
}

void StoreBatch::PutHolder(absl::string_view lesson_id, absl::string_view source,
                           v1::HolderEntry entry) {
  std::string value = entry.SerializeAsString();
  raw_.push_back({kHolders, Raw::kPut, PairKey(lesson_id, source), value});
  raw_.push_back({kHeldFrom, Raw::kPut, PairKey(source, lesson_id), std::move(value)});
}

void StoreBatch::DeleteHolder(absl::string_view lesson_id, absl::string_view source) {
  raw_.push_back({kHolders, Raw::kDelete, PairKey(lesson_id, source), ""});
  raw_.push_back({kHeldFrom, Raw::kDelete, PairKey(source, lesson_id), ""});
}

void StoreBatch::PutPullState(absl::string_view peer, const v1::PullState& state) {
  raw_.push_back({kReplication, Raw::kPut, absl::StrCat("pull/", peer), state.SerializeAsString()});
}

void StoreBatch::PutSendState(absl::string_view peer, const v1::SendState& state) {
  raw_.push_back({kReplication, Raw::kPut, absl::StrCat("send/", peer), state.SerializeAsString()});
}

void StoreBatch::PutSubmission(const v1::StoredSubmission& submission) {
  raw_.push_back({kSubmissions, Raw::kPut, submission.submission().lesson_id(),
                  submission.SerializeAsString()});
}

void StoreBatch::PutWatch(const v1::Watch& watch) {
  raw_.push_back({kWatches, Raw::kPut, PairKey(watch.owner(), watch.id()),
                  watch.SerializeAsString()});
}

void StoreBatch::DeleteWatch(absl::string_view owner, absl::string_view id) {
  raw_.push_back({kWatches, Raw::kDelete, PairKey(owner, id), ""});
}

void StoreBatch::PutAlert(const v1::Alert& alert) {
  raw_.push_back({kAlerts, Raw::kPut, PairKey(alert.owner(), SequenceKey(alert.cursor())),
                  alert.SerializeAsString()});
}

void StoreBatch::DeleteAlertsThrough(absl::string_view owner, uint64_t through) {
  raw_.push_back({kAlerts, Raw::kDeleteRange, PairKey(owner, SequenceKey(0)),
                  PairKey(owner, SequenceKey(through + 1))});
}

void StoreBatch::PutPendingWebhook(const v1::PendingWebhook& pending) {
  raw_.push_back({kWebhookOutbox, Raw::kPut, SequenceKey(pending.alert().cursor()),
                  pending.SerializeAsString()});
}

void StoreBatch::DeletePendingWebhook(uint64_t cursor) {
  raw_.push_back({kWebhookOutbox, Raw::kDelete, SequenceKey(cursor), ""});
}

void StoreBatch::PutFeedback(const v1::Feedback& feedback) {
  raw_.push_back({kFeedback, Raw::kPut, PairKey(feedback.lesson_id(), feedback.giver_org()),
                  feedback.SerializeAsString()});
}

void StoreBatch::PutGivenFeedback(const v1::GivenFeedback& given) {
  raw_.push_back(
      {kFeedbackGiven, Raw::kPut, given.feedback().lesson_id(), given.SerializeAsString()});
}

void StoreBatch::PutPendingFeedback(const v1::PendingFeedback& pending) {
  raw_.push_back({kFeedbackOutbox, Raw::kPut,
                  PairKey(pending.request().lesson_id(), pending.request().giver_org()),
                  pending.SerializeAsString()});
}

void StoreBatch::DeletePendingFeedback(absl::string_view lesson_id, absl::string_view giver_org) {
  raw_.push_back({kFeedbackOutbox, Raw::kDelete, PairKey(lesson_id, giver_org), ""});
}

void StoreBatch::PutSearchDoc(absl::string_view lesson_id, std::string record) {
  raw_.push_back({kSearchDocs, Raw::kPut, std::string(lesson_id), std::move(record)});
}

void StoreBatch::DeleteSearchDoc(absl::string_view lesson_id) {
  raw_.push_back({kSearchDocs, Raw::kDelete, std::string(lesson_id), ""});
}

void StoreBatch::UpdatePosting(absl::string_view key, uint32_t doc,
                               std::optional<absl::string_view> payload) {
  auto it = posting_keys_.find(key);
  if (it == posting_keys_.end()) {
    it = posting_keys_.emplace(key, static_cast<uint32_t>(posting_keys_.size())).first;
  }
  PostingUpdate update{it->second, doc, posting_payloads_.size(), 0, !payload.has_value()};
  if (payload) {
    update.payload_size = static_cast<uint32_t>(payload->size());
    posting_payloads_.append(payload->data(), payload->size());
  }
  posting_updates_.push_back(update);
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir,
                                                   const Options& options) {
  rocksdb::DBOptions db_options;
  if (options.env != nullptr) db_options.env = options.env;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.info_log = InfoLog::Open(dir);
  // The store resumes after errors itself (ResumeWrites): RocksDB's retries would call
  // DB::Resume without the memtable guard.
  db_options.max_bgerror_resume_count = 0;
  auto health = std::make_shared<HealthMonitor>();
  db_options.listeners.push_back(health);

  // Open every column family already on disk (a newer node may have added some) plus ours.
  std::vector<std::string> names(std::begin(kColumnFamilyNames), std::end(kColumnFamilyNames));
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, dir, &existing).ok()) {
    for (const std::string& name : existing) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    rocksdb::ColumnFamilyOptions family;
    // Compressing every flush was a large part of the write path's cost (postings, then lesson
    // text): data is compressed (to about half) once compacted out of level 0.
    family.compression_per_level = {rocksdb::kNoCompression, rocksdb::kSnappyCompression};
    if (name == kColumnFamilyNames[kSearchPostings]) {
      family.merge_operator = std::make_shared<DocBlockMergeOperator>();
      // Postings merges are many and tiny. A memtable smaller than the 64 MB default keeps the
      // skip list they go into shallow, so the write path is cheaper; much smaller, and the
      // extra flushes and compactions cost more than that saves (4 MB was worse at 100k lessons).
      family.write_buffer_size = 16 << 20;
    }
    descriptors.emplace_back(name, family);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  CAIRN_RETURN_IF_ERROR(
      ConvertRocksStatus(rocksdb::DB::Open(db_options, dir, descriptors, &handles, &raw_db),
                         absl::StrCat("opening the database in ", dir)));
  // From here the store owns the handles, and its destructor releases them on any return.
  std::unique_ptr<Store> store(
      new Store(std::unique_ptr<rocksdb::DB>(raw_db), std::move(handles), dir, std::move(health)));
  std::unique_ptr<rocksdb::Iterator> it(store->db_->NewIterator({}, store->handles_[kChanges]));
  it->SeekToLast();
  uint64_t last_sequence = 0;
  if (it->Valid()) {
    last_sequence = DecodeSequenceKey(absl::string_view(it->key().data(), it->key().size()));
  }
  it->SeekToFirst();
  uint64_t first_sequence = last_sequence + 1;
  if (it->Valid()) {
    first_sequence = DecodeSequenceKey(absl::string_view(it->key().data(), it->key().size()));
  }
  CAIRN_RETURN_IF_ERROR(store->FromRocks(it->status(), "reading the change log"));
  std::unique_ptr<rocksdb::Iterator> audit(store->db_->NewIterator({}, store->handles_[kAudit]));
  audit->SeekToLast();
  uint64_t last_audit = 0;
  if (audit->Valid()) {
    last_audit = DecodeSequenceKey(absl::string_view(audit->key().data(), audit->key().size()));
  }
  CAIRN_RETURN_IF_ERROR(store->FromRocks(audit->status(), "reading the audit log"));
  {
    absl::MutexLock lock(&store->write_mu_);
    store->last_sequence_ = last_sequence;
    store->first_sequence_ = first_sequence;
    store->last_audit_sequence_ = last_audit;
    // Opening flushed what the write-ahead log held, so every memtable is empty.
    CAIRN_RETURN_IF_ERROR(store->WriteMemtableGuard());
  }
  absl::StatusOr<std::string> incarnation = store->GetMeta(kIncarnationKey);
  if (incarnation.ok() && incarnation->size() == 8) {
    store->incarnation_ = DecodeSequenceKey(*incarnation);
  } else if (incarnation.ok() || absl::IsNotFound(incarnation.status())) {
    // A new database (or one from before incarnations existed) gets its first.
    CAIRN_RETURN_IF_ERROR(store->RenewIncarnation(StoreBatch()).status());
  } else {
    return incarnation.status();
  }
  store->recovery_ = std::thread([raw = store.get()] { raw->RecoverInBackground(); });
  return store;
}

Store::Store(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
             std::string dir, std::shared_ptr<HealthMonitor> health)
    : db_(std::move(db)),
      handles_(std::move(handles)),
      dir_(std::move(dir)),
      health_(std::move(health)) {}

Store::~Store() {
  health_->Stop();
  if (recovery_.joinable()) recovery_.join();
  for (rocksdb::ColumnFamilyHandle* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close();
}

StoreHealth Store::Health() const { return health_->Snapshot(); }

void Store::AddHealthListener(std::function<void(const StoreHealth&)> listener) {
  health_->AddListener(std::move(listener));
}

absl::Status Store::FromRocks(const rocksdb::Status& status, absl::string_view context) const {
  absl::Status converted = ConvertRocksStatus(status, context);
  if (status.IsCorruption()) health_->NoteDamage(status, context);
  // RocksDB answers every write with the error that stopped writes, until they resume.
  if (status.IsIOError() && health_->NeedsRestart()) {
    return absl::UnavailableError(
        absl::StrCat(context, ": writes stopped and cannot resume until the node restarts (",
                     status.ToString(), "); nothing was written"));
  }
  if (status.IsIOError() && absl::IsInternal(converted) && !health_->Snapshot().writable) {
    return absl::UnavailableError(
        absl::StrCat(context, ": writes stopped after a storage error (", status.ToString(),
                     "); nothing was written; the node retries by itself"));
  }
  return converted;
}

// RocksDB 7.8 leaves the write-ahead log's writer failed after a write to it fails, and only
// replaces it when DB::Resume flushes a memtable that holds something; a write to the failed
// writer then aborts the process (an assertion Debian's build keeps). Resume flushes every
// memtable, and so does opening the database: right after either, the guard puts one entry back
// in a memtable, before any other write. Should the guard's own write fail, nothing can make the
// next resume replace the writer, so the store stops writing until it is reopened.
absl::Status Store::WriteMemtableGuard() {
  rocksdb::WriteOptions options;
  options.sync = true;
  rocksdb::Status written = db_->Put(options, handles_[kDefault], ToSlice(kMemtableGuardKey), "");
  if (!written.ok()) health_->NoteNeedsRestart(written);
  return FromRocks(written, "writing to the database");
}

void Store::ResumeWrites(bool forced) {
  if (!health_->NeedsResume()) return;
  uint64_t free_bytes = 0;
  const bool known = db_->GetEnv()->GetFreeSpace(dir_, &free_bytes).ok();
  if (!forced && known && free_bytes <= free_at_failed_resume_) return;
  if (!db_->Resume().ok()) {
    free_at_failed_resume_ = known ? free_bytes : 0;
    return;
  }
  if (WriteMemtableGuard().ok()) health_->NoteRecovered();
}

void Store::RecoverInBackground() {
  absl::Duration retry = kResumeRetryInitial;
  while (health_->AwaitNeedsResume()) {
    if (!health_->SleepUnlessStopped(retry)) return;
    {
      absl::MutexLock lock(&write_mu_);
      ResumeWrites(/*forced=*/true);
    }
    retry = health_->NeedsResume() ? std::min(retry * 2, kResumeRetryMax) : kResumeRetryInitial;
  }
}

absl::StatusOr<v1::Lesson> Store::GetLesson(absl::string_view id) const {
  rocksdb::PinnableSlice value;
  rocksdb::Status status = db_->Get({}, handles_[kLessons], ToSlice(id), &value);
  if (status.IsNotFound()) return absl::NotFoundError(absl::StrCat("lesson ", id, ": not found"));
  CAIRN_RETURN_IF_ERROR(FromRocks(status, absl::StrCat("reading lesson ", id)));
  return ParseStored<v1::Lesson>(value, absl::StrCat("lesson ", id));
}

absl::StatusOr<std::vector<uint64_t>> Store::Commit(const std::vector<LessonWrite>& writes) {
  StoreBatch batch;
  for (const LessonWrite& write : writes) batch.PutLesson(write);
  return Commit(batch);
}

absl::StatusOr<std::vector<uint64_t>> Store::Commit(const StoreBatch& batch) {
  // A batch is mostly its lessons and their postings (about as large again): room for both up
  // front spares copying a growing buffer over and over.
  size_t expected_bytes = 0;
  for (const LessonWrite& lesson_write : batch.lessons_) {
    if (lesson_write.change_kind == v1::Change::UPSERT) {
      expected_bytes += 2 * lesson_write.lesson.ByteSizeLong();
    }
  }
  absl::MutexLock lock(&write_mu_);
  // Space may have been freed since writes stopped: then this write need not fail.
  ResumeWrites(/*forced=*/false);
  rocksdb::WriteBatch write(expected_bytes);
  std::string encoded;  // each lesson's encoding in turn, reusing one buffer
  std::vector<uint64_t> sequences;
  sequences.reserve(batch.lessons_.size());
  uint64_t sequence = last_sequence_;
  // Each write's checks read the database, which does not yet hold this batch's earlier writes.
  absl::flat_hash_set<absl::string_view> ids_in_batch;
  StoreBatch index_writes;
  // The indexer learns the outcome on every return, or it would apply changes never written.
  bool written = false;
  LessonIndexer* const indexer = indexer_;
  absl::Cleanup tell_indexer = [&] {
    if (indexer != nullptr) indexer->Finish(written);
  };
  for (size_t i = 0; i < batch.lessons_.size(); ++i) {
    const LessonWrite& lesson_write = batch.lessons_[i];
    const v1::Lesson& lesson = lesson_write.lesson;
    if (!ids_in_batch.insert(lesson.id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("lesson ", lesson.id(), ": appears twice in one batch"));
    }
    uint64_t stored_version = 0;
    absl::StatusOr<v1::Lesson> stored = GetLesson(lesson.id());
    if (stored.ok()) {
      stored_version = stored->version();
    } else if (!absl::IsNotFound(stored.status())) {
      return stored.status();
    }
    if (stored_version != lesson_write.expected_stored_version) {
      return absl::FailedPreconditionError(
          absl::StrCat("lesson ", lesson.id(), ": version ", lesson_write.expected_stored_version,
                       " was expected but version ", stored_version,
                       " is stored (it changed meanwhile; fetch it again)"));
    }
    const bool remove = lesson_write.change_kind == v1::Change::DELETE;
    const bool route = lesson_write.change_kind == v1::Change::ROUTE;
    const bool resign = lesson_write.change_kind == v1::Change::RESIGN;
    if (resign && (!stored.ok() || lesson.version() != stored_version)) {
      return absl::FailedPreconditionError(
          absl::StrCat("lesson ", lesson.id(), ": a new signature is for version ",
                       lesson.version(), " but version ", stored_version, " is stored"));
    }
    if (!remove && !route && !resign && !lesson_write.any_version &&
        lesson.version() <= stored_version) {
      return absl::FailedPreconditionError(
          absl::StrCat("lesson ", lesson.id(), ": version ", lesson.version(),
                       " is not higher than the stored version ", stored_version));
    }
    v1::Change change;
    change.set_sequence(++sequence);
    change.set_lesson_id(lesson.id());
    change.set_version(remove || route ? stored_version : lesson.version());
    change.set_kind(lesson_write.change_kind);
    // A new signature leaves the indexed content as it was.
    if (indexer != nullptr && !route && !resign) {
      indexer->Index(stored.ok() ? &*stored : nullptr, remove ? nullptr : &lesson,
                     remove ? nullptr : batch.prepared_[i].get(), &index_writes);
    }
    if (remove) {
      write.Delete(handles_[kLessons], ToSlice(lesson.id()));
    } else if (!route) {
      *change.mutable_at() = lesson.updated_at();
      lesson.SerializeToString(&encoded);
      write.Put(handles_[kLessons], ToSlice(lesson.id()), encoded);
    }
    std::string encoded_change = change.SerializeAsString();
    // A new route is not something that happened to the lesson.
    if (!route) {
      write.Put(handles_[kLessonHistory], HistoryKey(lesson.id(), sequence), encoded_change);
    }
    write.Put(handles_[kChanges], SequenceKey(sequence), encoded_change);
    sequences.push_back(sequence);
  }
  for (const v1::Peer& peer : batch.peers_) {
    write.Put(handles_[kPeers], ToSlice(peer.org_id()), peer.SerializeAsString());
  }
  for (const std::string& org_id : batch.deleted_peers_) write.Delete(handles_[kPeers], org_id);
  for (const v1::PeerPolicy& policy : batch.policies_) {
    write.Put(handles_[kPolicies], PolicyKey(policy.peer_org(), policy.version()),
              policy.SerializeAsString());
  }
  uint64_t audit_sequence = last_audit_sequence_;
  for (v1::AuditEvent event : batch.audit_) {
    event.set_sequence(++audit_sequence);
    write.Put(handles_[kAudit], SequenceKey(audit_sequence), event.SerializeAsString());
  }
  for (const auto& [key, value] : batch.meta_) write.Put(handles_[kMeta], key, value);
  AddRaw(batch, &write);
  AddRaw(index_writes, &write);
  rocksdb::WriteOptions options;
  options.sync = true;
  CAIRN_RETURN_IF_ERROR(FromRocks(db_->Write(options, &write), "writing to the database"));
  written = true;
  last_sequence_ = sequence;
  last_audit_sequence_ = audit_sequence;
  if (!batch.audit_.empty()) {
    absl::MutexLock counts_lock(&audit_counts_mu_);
    for (const v1::AuditEvent& event : batch.audit_) ++audit_counts_[event.action()];
  }
  {
    absl::MutexLock commit_lock(&commit_mu_);
    ++commit_count_;
    committed_.SignalAll();
  }
  return sequences;
}

absl::StatusOr<v1::Peer> Store::GetPeer(absl::string_view org_id) const {
  rocksdb::PinnableSlice value;
  rocksdb::Status status = db_->Get({}, handles_[kPeers], ToSlice(org_id), &value);
  if (status.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("peer ", org_id, ": not a known peer"));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(status, absl::StrCat("reading peer ", org_id)));
  return ParseStored<v1::Peer>(value, absl::StrCat("peer ", org_id));
}

absl::StatusOr<std::vector<v1::Peer>> Store::ListPeers() const {
  std::vector<v1::Peer> peers;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kPeers]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::Peer peer, ParseStored<v1::Peer>(it->value(), "peer"));
    peers.push_back(std::move(peer));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "listing peers"));
  return peers;
}

absl::StatusOr<v1::PeerPolicy> Store::GetPolicy(absl::string_view peer_org,
                                                uint64_t version) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kPolicies]));
  std::string prefix = PolicyPrefix(peer_org);
  it->SeekForPrev(PolicyKey(peer_org, version == 0 ? UINT64_MAX : version));
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "reading policies"));
  if (!it->Valid() || !it->key().starts_with(prefix) ||
      (version != 0 && it->key() != rocksdb::Slice(PolicyKey(peer_org, version)))) {
    return absl::NotFoundError(
        version == 0 ? absl::StrCat("peer ", peer_org, " has no policy")
                     : absl::StrCat("peer ", peer_org, " has no policy version ", version));
  }
  return ParseStored<v1::PeerPolicy>(it->value(), "policy");
}

absl::StatusOr<std::vector<v1::PeerPolicy>> Store::PolicyHistory(absl::string_view peer_org) const {
  std::vector<v1::PeerPolicy> history;
  std::string prefix = PolicyPrefix(peer_org);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kPolicies]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::PeerPolicy policy,
                           ParseStored<v1::PeerPolicy>(it->value(), "policy"));
    history.push_back(std::move(policy));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "reading policy history"));
  return history;
}

absl::Status Store::ScanAuditNewestFirst(
    uint64_t before, const std::function<bool(const v1::AuditEvent&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kAudit]));
  if (before == 0) {
    it->SeekToLast();
  } else {
    it->SeekForPrev(SequenceKey(before - 1));
  }
  for (; it->Valid(); it->Prev()) {
    CAIRN_ASSIGN_OR_RETURN(v1::AuditEvent event,
                           ParseStored<v1::AuditEvent>(it->value(), "audit event"));
    if (!visit(event)) break;
  }
  return FromRocks(it->status(), "reading the audit log");
}

template <typename Proto>
absl::StatusOr<Proto> Store::GetRecord(int family, absl::string_view key,
                                       absl::string_view what) const {
  rocksdb::PinnableSlice value;
  rocksdb::Status status = db_->Get({}, handles_[family], ToSlice(key), &value);
  if (status.IsNotFound()) return absl::NotFoundError(absl::StrCat("no ", what));
  CAIRN_RETURN_IF_ERROR(FromRocks(status, absl::StrCat("reading ", what)));
  return ParseStored<Proto>(value, what);
}

absl::StatusOr<v1::LedgerEntry> Store::GetLedger(absl::string_view peer,
                                                 absl::string_view lesson_id) const {
  return GetRecord<v1::LedgerEntry>(kLedger, PairKey(peer, lesson_id), "ledger entry");
}

bool Store::HasSentTo(absl::string_view peer) const {
  std::string prefix = PairKey(peer, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kLedger]));
  it->Seek(prefix);
  return it->Valid() && it->key().starts_with(prefix);
}

absl::StatusOr<std::vector<std::pair<std::string, v1::HolderEntry>>> Store::ListHolders(
    absl::string_view lesson_id) const {
  std::vector<std::pair<std::string, v1::HolderEntry>> holders;
  std::string prefix = PairKey(lesson_id, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kHolders]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::HolderEntry entry,
                           ParseStored<v1::HolderEntry>(it->value(), "holder"));
    holders.emplace_back(it->key().ToString().substr(prefix.size()), std::move(entry));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "reading holders"));
  return holders;
}

absl::StatusOr<std::vector<v1::Change>> Store::LessonHistory(absl::string_view lesson_id,
                                                             size_t max, bool* more) const {
  std::vector<v1::Change> events;
  *more = false;
  std::string prefix = HistoryKey(lesson_id, 0).substr(0, lesson_id.size() + 1);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kLessonHistory]));
  for (it->SeekForPrev(HistoryKey(lesson_id, UINT64_MAX));
       it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    if (events.size() == max) {
      *more = true;
      break;
    }
    CAIRN_ASSIGN_OR_RETURN(v1::Change change, ParseStored<v1::Change>(it->value(), "history"));
    events.push_back(std::move(change));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "reading a lesson's history"));
  return events;
}

absl::Status Store::ScanHeldFrom(
    absl::string_view source,
    const std::function<bool(absl::string_view, const v1::HolderEntry&)>& visit) const {
  std::string prefix = PairKey(source, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kHeldFrom]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::HolderEntry entry,
                           ParseStored<v1::HolderEntry>(it->value(), "holder"));
    absl::string_view key(it->key().data(), it->key().size());
    if (!visit(key.substr(prefix.size()), entry)) break;
  }
  return FromRocks(it->status(), "reading holders");
}

absl::StatusOr<v1::PullState> Store::GetPullState(absl::string_view peer) const {
  return GetRecord<v1::PullState>(kReplication, absl::StrCat("pull/", peer), "pull state");
}

absl::StatusOr<v1::SendState> Store::GetSendState(absl::string_view peer) const {
  return GetRecord<v1::SendState>(kReplication, absl::StrCat("send/", peer), "send state");
}

uint64_t Store::FirstSequence() const {
  absl::MutexLock lock(&write_mu_);
  return first_sequence_;
}

absl::Status Store::TrimChangeLog(uint64_t keep) {
  // The newest entry always stays: it is how a reopened store knows its last sequence number, so
  // numbers are never given out twice.
  keep = std::max<uint64_t>(keep, 1);
  absl::MutexLock lock(&write_mu_);
  uint64_t held = last_sequence_ + 1 - first_sequence_;
  if (held <= keep) return absl::OkStatus();
  uint64_t new_first = last_sequence_ + 1 - keep;
  rocksdb::WriteOptions options;
  options.sync = true;
  CAIRN_RETURN_IF_ERROR(FromRocks(
      db_->DeleteRange(options, handles_[kChanges], SequenceKey(first_sequence_),
                       SequenceKey(new_first)),
      "trimming the change log"));
  first_sequence_ = new_first;
  return absl::OkStatus();
}

uint64_t Store::CommitCount() const {
  absl::MutexLock lock(&commit_mu_);
  return commit_count_;
}

void Store::AwaitCommitAfter(uint64_t seen, absl::Duration timeout) const {
  absl::MutexLock lock(&commit_mu_);
  absl::Time deadline = absl::Now() + timeout;
  while (commit_count_ <= seen) {
    if (committed_.WaitWithDeadline(&commit_mu_, deadline)) break;
  }
}

absl::StatusOr<std::string> Store::GetMeta(absl::string_view key) const {
  std::string value;
  rocksdb::Status status = db_->Get({}, handles_[kMeta], ToSlice(key), &value);
  if (status.IsNotFound()) return absl::NotFoundError(absl::StrCat("no value for ", key));
  CAIRN_RETURN_IF_ERROR(FromRocks(status, absl::StrCat("reading ", key)));
  return value;
}

absl::StatusOr<uint64_t> Store::RenewIncarnation(const StoreBatch& with) {
  uint64_t incarnation = RandomIncarnation();
  StoreBatch batch = with;
  batch.PutMeta(std::string(kIncarnationKey), SequenceKey(incarnation));
  CAIRN_RETURN_IF_ERROR(Commit(batch).status());
  incarnation_ = incarnation;
  return incarnation;
}

absl::StatusOr<CheckpointStats> Store::Checkpoint(const std::string& dir,
                                                  absl::string_view field) const {
  namespace fs = std::filesystem;
  fs::path target(dir);
  if (dir.empty() || !target.is_absolute()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": the backup directory must be an absolute path on the node's host, not \"", dir,
        "\""));
  }
  target = ResolvedPath(dir);
  const fs::path data = ResolvedPath(dir_);
  if (PathWithin(target, data)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", target.string(), " is inside the data directory ", data.string(),
                     "; a backup there would be lost with the database it copies"));
  }
  std::error_code error;
  if (fs::exists(fs::symlink_status(target, error))) {
    return absl::AlreadyExistsError(
        absl::StrCat(field, ": ", target.string(),
                     " already exists; name a new directory (the backup creates it)"));
  }
  if (!fs::is_directory(target.parent_path(), error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": the parent directory ", target.parent_path().string(), " does not exist"));
  }
  rocksdb::Checkpoint* raw = nullptr;
  CAIRN_RETURN_IF_ERROR(
      FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "starting a backup"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  CheckpointStats stats;
  stats.last_sequence = LastSequence();  // every write that returned before this is in the copy
  // Flushes every column family first, so the copy holds whole SST files rather than logs to
  // replay. RocksDB builds it in a temporary directory and renames it at the end.
  CAIRN_RETURN_IF_ERROR(FromRocks(checkpoint->CreateCheckpoint(target.string()),
                                  absl::StrCat("writing the backup to ", target.string())));
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(target, error)) {
    if (!entry.is_regular_file()) continue;
    ++stats.files;
    stats.bytes += entry.file_size();
  }
  return stats;
}

absl::Status Store::ScanLessons(absl::string_view start_after,
                                const std::function<bool(const v1::Lesson&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kLessons]));
  it->Seek(ToSlice(start_after));
  if (it->Valid() && !start_after.empty() && it->key() == ToSlice(start_after)) it->Next();
  for (; it->Valid(); it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::Lesson lesson,
                           ParseStored<v1::Lesson>(it->value(), it->key().ToString()));
    if (!visit(lesson)) break;
  }
  return FromRocks(it->status(), "scanning lessons");
}

absl::StatusOr<v1::StoredSubmission> Store::GetSubmission(absl::string_view lesson_id) const {
  return GetRecord<v1::StoredSubmission>(kSubmissions, lesson_id,
                                         absl::StrCat("observation ", lesson_id));
}

absl::Status Store::ScanSubmissions(
    absl::string_view from, bool newest_first,
    const std::function<bool(const v1::StoredSubmission&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kSubmissions]));
  if (from.empty()) {
    newest_first ? it->SeekToLast() : it->SeekToFirst();
  } else {
    newest_first ? it->SeekForPrev(ToSlice(from)) : it->Seek(ToSlice(from));
    if (it->Valid() && it->key() == ToSlice(from)) newest_first ? it->Prev() : it->Next();
  }
  for (; it->Valid(); newest_first ? it->Prev() : it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(
        v1::StoredSubmission submission,
        ParseStored<v1::StoredSubmission>(it->value(), "observation " + it->key().ToString()));
    if (!visit(submission)) break;
  }
  return FromRocks(it->status(), "scanning observations");
}

absl::StatusOr<v1::Watch> Store::GetWatch(absl::string_view owner, absl::string_view id) const {
  return GetRecord<v1::Watch>(kWatches, PairKey(owner, id), absl::StrCat("saved search ", id));
}

absl::Status Store::ScanWatches(const std::function<bool(const v1::Watch&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kWatches]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::Watch watch, ParseStored<v1::Watch>(it->value(), "saved search"));
    if (!visit(watch)) break;
  }
  return FromRocks(it->status(), "reading saved searches");
}

absl::Status Store::ScanAlerts(absl::string_view owner, uint64_t after, uint64_t before,
                              bool newest_first,
                              const std::function<bool(const v1::Alert&)>& visit) const {
  const std::string lower = PairKey(owner, SequenceKey(after + 1));
  const std::string upper =
      before == 0 ? absl::StrCat(owner, "\x01")
                  : PairKey(owner, SequenceKey(before));
  rocksdb::ReadOptions options;
  const rocksdb::Slice lower_slice(lower), upper_slice(upper);
  options.iterate_lower_bound = &lower_slice;
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, handles_[kAlerts]));
  for (newest_first ? it->SeekToLast() : it->SeekToFirst(); it->Valid();
       newest_first ? it->Prev() : it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::Alert alert, ParseStored<v1::Alert>(it->value(), "alert"));
    if (!visit(alert)) break;
  }
  return FromRocks(it->status(), "reading alerts");
}

absl::StatusOr<v1::Feedback> Store::GetFeedback(absl::string_view lesson_id,
                                                absl::string_view giver_org) const {
  return GetRecord<v1::Feedback>(kFeedback, PairKey(lesson_id, giver_org),
                                 absl::StrCat("feedback from ", giver_org));
}

absl::Status Store::ScanFeedback(absl::string_view lesson_id,
                                 const std::function<bool(const v1::Feedback&)>& visit) const {
  const std::string prefix = PairKey(lesson_id, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kFeedback]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::Feedback feedback, ParseStored<v1::Feedback>(it->value(), "feedback"));
    if (!visit(feedback)) break;
  }
  return FromRocks(it->status(), "reading feedback");
}

absl::StatusOr<v1::GivenFeedback> Store::GetGivenFeedback(absl::string_view lesson_id) const {
  return GetRecord<v1::GivenFeedback>(kFeedbackGiven, lesson_id, "feedback given");
}

absl::StatusOr<v1::PendingFeedback> Store::GetPendingFeedback(absl::string_view lesson_id,
                                                              absl::string_view giver_org) const {
  return GetRecord<v1::PendingFeedback>(kFeedbackOutbox, PairKey(lesson_id, giver_org),
                                        "pending feedback");
}

absl::StatusOr<std::vector<v1::PendingFeedback>> Store::ReadPendingFeedback(size_t max) const {
  std::vector<v1::PendingFeedback> pending;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kFeedbackOutbox]));
  for (it->SeekToFirst(); it->Valid() && pending.size() < max; it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::PendingFeedback entry,
                           ParseStored<v1::PendingFeedback>(it->value(), "pending feedback"));
    pending.push_back(std::move(entry));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "reading pending feedback"));
  return pending;
}

absl::StatusOr<size_t> Store::CountPendingFeedbackNotFrom(absl::string_view giver_org) const {
  size_t count = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kFeedbackOutbox]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const absl::string_view key(it->key().data(), it->key().size());
    count += key.substr(key.find('\0') + 1) != giver_org;
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "counting pending feedback"));
  return count;
}

absl::StatusOr<std::vector<v1::PendingWebhook>> Store::ReadPendingWebhooks(size_t max) const {
  std::vector<v1::PendingWebhook> pending;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kWebhookOutbox]));
  for (it->SeekToFirst(); it->Valid() && pending.size() < max; it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::PendingWebhook entry,
                           ParseStored<v1::PendingWebhook>(it->value(), "pending webhook"));
    pending.push_back(std::move(entry));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "reading pending webhooks"));
  return pending;
}

absl::StatusOr<std::vector<v1::Change>> Store::ReadChanges(uint64_t after, size_t max) const {
  std::vector<v1::Change> changes;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kChanges]));
  for (it->Seek(SequenceKey(after + 1)); it->Valid() && changes.size() < max; it->Next()) {
    CAIRN_ASSIGN_OR_RETURN(v1::Change change, ParseStored<v1::Change>(it->value(), "change"));
    changes.push_back(std::move(change));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "reading the change log"));
  return changes;
}

void Store::AddRaw(const StoreBatch& batch, rocksdb::WriteBatch* write) const {
  // Each key's updates, grouped in the order they were made (a counting sort by key number).
  const size_t key_count = batch.posting_keys_.size();
  std::vector<uint32_t> group_begin(key_count + 1, 0);
  for (const auto& update : batch.posting_updates_) ++group_begin[update.key + 1];
  for (size_t key = 0; key < key_count; ++key) group_begin[key + 1] += group_begin[key];
  std::vector<const StoreBatch::PostingUpdate*> grouped(batch.posting_updates_.size());
  {
    std::vector<uint32_t> next(group_begin.begin(), group_begin.end() - 1);
    for (const auto& update : batch.posting_updates_) grouped[next[update.key]++] = &update;
  }
  // Merges go in key order: the memtable's skip list then reuses its search from the previous
  // insert instead of starting again from the top, which made these inserts the write's main cost.
  std::vector<std::pair<absl::string_view, uint32_t>> keys(batch.posting_keys_.begin(),
                                                           batch.posting_keys_.end());
  std::sort(keys.begin(), keys.end());
  for (const auto& [key, number] : keys) {
    auto begin = grouped.begin() + group_begin[number];
    auto end = grouped.begin() + group_begin[number + 1];
    // Blocks list documents in order; of two updates of one document the later wins.
    auto by_doc = [](const auto* a, const auto* b) { return a->doc < b->doc; };
    if (!std::is_sorted(begin, end, by_doc)) std::stable_sort(begin, end, by_doc);
    DocBlockWriter operand;
    for (auto it = begin; it != end; ++it) {
      if (it + 1 != end && (*(it + 1))->doc == (*it)->doc) continue;
      const StoreBatch::PostingUpdate& update = **it;
      if (update.removed) {
        operand.Remove(update.doc);
      } else {
        operand.Add(update.doc, absl::string_view(batch.posting_payloads_)
                                    .substr(update.payload_begin, update.payload_size));
      }
    }
    write->Merge(handles_[kSearchPostings], ToSlice(key), std::move(operand).Finish());
  }
  for (const StoreBatch::Raw& raw : batch.raw_) {
    rocksdb::ColumnFamilyHandle* family = handles_[raw.column_family];
    switch (raw.op) {
      case StoreBatch::Raw::kPut:
        write->Put(family, raw.key, raw.value);
        break;
      case StoreBatch::Raw::kDelete:
        write->Delete(family, raw.key);
        break;
      case StoreBatch::Raw::kDeleteRange:
        write->DeleteRange(family, raw.key, raw.value);
        break;
    }
  }
}

void Store::SetIndexer(LessonIndexer* indexer) {
  absl::MutexLock lock(&write_mu_);
  indexer_ = indexer;
}

std::shared_ptr<const PreparedIndexing> Store::PrepareIndexing(const v1::Lesson& lesson) const {
  LessonIndexer* indexer = indexer_;
  return indexer != nullptr ? indexer->Prepare(lesson) : nullptr;
}

absl::Status Store::RebuildIndex(absl::string_view done_key, absl::string_view done_value) {
  absl::MutexLock lock(&write_mu_);
  LessonIndexer* const indexer = indexer_;
  if (indexer == nullptr) return absl::FailedPreconditionError("no search index to rebuild");
  // Until the last write records `done_value`, a crash leaves `done_key` unset, and the index is
  // rebuilt again when the node next starts.
  rocksdb::WriteBatch clear;
  clear.Delete(handles_[kMeta], ToSlice(done_key));
  for (ColumnFamily family : {kSearchDocs, kSearchPostings}) {
    clear.DeleteRange(handles_[family], "", std::string(256, '\xff'));
  }
  rocksdb::WriteOptions synced;
  synced.sync = true;
  CAIRN_RETURN_IF_ERROR(FromRocks(db_->Write(synced, &clear), "clearing the search index"));
  indexer->Reset();
  StoreBatch chunk;
  size_t in_chunk = 0;
  auto write_chunk = [&]() -> absl::Status {
    rocksdb::WriteBatch write;
    AddRaw(chunk, &write);
    absl::Status written = FromRocks(db_->Write({}, &write), "rebuilding the search index");
    indexer->Finish(written.ok());
    chunk = StoreBatch();
    in_chunk = 0;
    return written;
  };
  absl::Status failed;
  absl::Status scanned = ScanLessons("", [&](const v1::Lesson& lesson) {
    indexer->Index(nullptr, &lesson, nullptr, &chunk);
    if (++in_chunk < kRebuildChunk) return true;
    failed = write_chunk();
    return failed.ok();
  });
  if (!scanned.ok()) {
    indexer->Finish(false);  // the chunk in hand is never written
    return scanned;
  }
  CAIRN_RETURN_IF_ERROR(failed);
  CAIRN_RETURN_IF_ERROR(write_chunk());
  // Merge every block's operands now, so queries after a rebuild read whole blocks. Forced at
  // the bottom level too: files moved there unchanged would still hold operands.
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (ColumnFamily family : {kSearchDocs, kSearchPostings}) {
    CAIRN_RETURN_IF_ERROR(FromRocks(db_->CompactRange(compact, handles_[family], nullptr, nullptr),
                                    "compacting the search index"));
  }
  rocksdb::WriteBatch done;
  done.Put(handles_[kMeta], ToSlice(done_key), ToSlice(done_value));
  return FromRocks(db_->Write(synced, &done), "rebuilding the search index");
}

Store::Usage Store::DiskUsage() const {
  Usage usage;
  db_->GetAggregatedIntProperty("rocksdb.total-sst-files-size", &usage.sst_bytes);
  db_->GetAggregatedIntProperty("rocksdb.cur-size-all-mem-tables", &usage.memtable_bytes);
  db_->GetAggregatedIntProperty("rocksdb.estimate-pending-compaction-bytes",
                                &usage.pending_compaction_bytes);
  db_->GetIntProperty("rocksdb.background-errors", &usage.background_errors);
  return usage;
}

std::map<std::string, uint64_t> Store::AuditEventCounts() const {
  absl::MutexLock lock(&audit_counts_mu_);
  return audit_counts_;
}

uint64_t Store::SearchIndexBytes() const {
  uint64_t total = 0;
  for (ColumnFamily family : {kSearchDocs, kSearchPostings}) {
    for (const char* property : {"rocksdb.total-sst-files-size", "rocksdb.cur-size-all-mem-tables"}) {
      uint64_t bytes = 0;
      if (db_->GetIntProperty(handles_[family], property, &bytes)) total += bytes;
    }
  }
  return total;
}

absl::Status Store::ScanSearchDocs(
    const std::function<bool(absl::string_view lesson_id, absl::string_view record)>& visit)
    const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, handles_[kSearchDocs]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!visit(absl::string_view(it->key().data(), it->key().size()),
               absl::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "reading the search index");
}

Store::ReadView::~ReadView() { db_->ReleaseSnapshot(snapshot_); }

std::unique_ptr<Store::ReadView> Store::ViewNow() const {
  return std::unique_ptr<ReadView>(new ReadView(db_.get(), db_->GetSnapshot()));
}

absl::Status Store::ScanPostings(
    absl::string_view prefix,
    const std::function<bool(absl::string_view key, absl::string_view block)>& visit,
    const ReadView* view) const {
  rocksdb::ReadOptions options;
  if (view != nullptr) options.snapshot = view->snapshot_;
  std::string upper(prefix);
  // The first key after every key starting with `prefix` (no bound when it is all 0xff).
  while (!upper.empty() && static_cast<uint8_t>(upper.back()) == 0xff) upper.pop_back();
  rocksdb::Slice upper_slice;
  if (!upper.empty()) {
    upper.back() = static_cast<char>(static_cast<uint8_t>(upper.back()) + 1);
    upper_slice = ToSlice(upper);
    options.iterate_upper_bound = &upper_slice;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, handles_[kSearchPostings]));
  for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
    if (!visit(absl::string_view(it->key().data(), it->key().size()),
               absl::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "reading the search index");
}

absl::Status Store::SkipThroughPostingsKeys(
    absl::string_view from,
    const std::function<std::string(absl::string_view key)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[kSearchPostings]));
  for (it->Seek(ToSlice(from)); it->Valid();) {
    std::string next = visit(absl::string_view(it->key().data(), it->key().size()));
    if (next.empty()) break;
    it->Seek(ToSlice(next));
  }
  return FromRocks(it->status(), "reading the search index");
}

uint64_t Store::LastSequence() const {
  absl::MutexLock lock(&write_mu_);
  return last_sequence_;
}

}  // namespace cairn
