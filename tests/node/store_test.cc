#include "node/storage/store.h"

#include <atomic>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/storage/doc_block.h"
#include "node/storage/restore.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "tests/support/temp_dir.h"

namespace cairn {
namespace {

// Counts syncs of RocksDB's write-ahead log files, so a test can tell whether a write was made
// durable before it was acknowledged (a SIGKILL alone cannot: the page cache survives it).
class WalSyncCounter : public rocksdb::FileSystemWrapper {
 public:
  WalSyncCounter() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "WalSyncCounter"; }
  uint64_t syncs() const { return syncs_; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* debug) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, debug);
    if (status.ok() && absl::EndsWith(name, ".log")) {
      *file = std::make_unique<CountingFile>(std::move(*file), &syncs_);
    }
    return status;
  }

 private:
  class CountingFile : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    CountingFile(std::unique_ptr<rocksdb::FSWritableFile> file, std::atomic<uint64_t>* syncs)
        : FSWritableFileOwnerWrapper(std::move(file)), syncs_(syncs) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
      ++*syncs_;
      return target()->Sync(options, debug);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* debug) override {
      ++*syncs_;
      return target()->Fsync(options, debug);
    }

   private:
    std::atomic<uint64_t>* syncs_;
  };

  std::atomic<uint64_t> syncs_{0};
};

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Lesson MakeLesson(const std::string& id, uint64_t version, const std::string& title = "t") {
  v1::Lesson lesson;
  lesson.set_id(id);
  lesson.set_version(version);
  lesson.set_title(title);
  return lesson;
}

v1::AuditEvent NewEvent(const std::string& action) {
  v1::AuditEvent event;
  event.set_action(action);
  return event;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto opened = Store::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, CommitGivesIncreasingSequenceNumbersInOrder) {
  auto first = store_->Commit({{MakeLesson("a:1", 1), 0}, {MakeLesson("b:1", 1), 0}});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(*first, ElementsAre(1, 2));
  auto second = store_->Commit({{MakeLesson("a:1", 2), 1, v1::Change::RETRACT}});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(*second, ElementsAre(3));
  EXPECT_EQ(store_->LastSequence(), 3u);

  auto changes = store_->ReadChanges(0, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 3u);
  EXPECT_EQ((*changes)[0].lesson_id(), "a:1");
  EXPECT_EQ((*changes)[1].lesson_id(), "b:1");
  EXPECT_EQ((*changes)[2].lesson_id(), "a:1");
  EXPECT_EQ((*changes)[2].version(), 2u);
  EXPECT_EQ((*changes)[2].kind(), v1::Change::RETRACT);
  auto tail = store_->ReadChanges(2, 10);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ((*tail)[0].sequence(), 3u);
  auto limited = store_->ReadChanges(0, 2);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);
}

// Metrics count audit events by action: only those a commit actually wrote.
TEST_F(StoreTest, AuditEventCountsAreWhatCommitsWrote) {
  EXPECT_TRUE(store_->AuditEventCounts().empty());
  StoreBatch created;
  created.PutLesson({MakeLesson("a:1", 1), 0});
  created.Audit(NewEvent("lesson.create"));
  created.Audit(NewEvent("policy.set"));
  ASSERT_TRUE(store_->Commit(created).ok());
  StoreBatch refused;  // a stale version: nothing of it is written, its event neither
  refused.PutLesson({MakeLesson("a:1", 2), 0});
  refused.Audit(NewEvent("lesson.edit"));
  ASSERT_FALSE(store_->Commit(refused).ok());
  StoreBatch edited;
  edited.PutLesson({MakeLesson("a:1", 2), 1});
  edited.Audit(NewEvent("lesson.edit"));
  edited.Audit(NewEvent("policy.set"));
  ASSERT_TRUE(store_->Commit(edited).ok());
  EXPECT_EQ(store_->AuditEventCounts(),
            (std::map<std::string, uint64_t>{
                {"lesson.create", 1}, {"lesson.edit", 1}, {"policy.set", 2}}));
}

TEST_F(StoreTest, DiskUsageCountsWhatIsWrittenAndNoErrors) {
  Store::Usage empty = store_->DiskUsage();
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 1, std::string(100'000, 'x')), 0}}).ok());
  Store::Usage written = store_->DiskUsage();
  EXPECT_GE(written.memtable_bytes + written.sst_bytes,
            empty.memtable_bytes + empty.sst_bytes + 100'000);
  EXPECT_EQ(written.background_errors, 0u);
}

TEST_F(StoreTest, StaleExpectedVersionIsRefusedAndWritesNothing) {
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 1, "first"), 0}}).ok());
  auto stale = store_->Commit({{MakeLesson("a:1", 2, "second"), 0}});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.status().message(), HasSubstr("a:1"));
  EXPECT_EQ(store_->LastSequence(), 1u);
  EXPECT_EQ(store_->GetLesson("a:1")->title(), "first");
}

TEST_F(StoreTest, VersionThatDoesNotIncreaseIsRefused) {
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 3), 0}}).ok());
  auto backwards = store_->Commit({{MakeLesson("a:1", 2), 3}});
  EXPECT_EQ(backwards.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(backwards.status().message(), HasSubstr("not higher"));
  auto same = store_->Commit({{MakeLesson("a:1", 3), 3}});
  EXPECT_EQ(same.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->GetLesson("a:1")->version(), 3u);
}

TEST_F(StoreTest, BatchIsAllOrNothing) {
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 1), 0}}).ok());
  auto mixed = store_->Commit({{MakeLesson("b:1", 1), 0}, {MakeLesson("a:1", 2), 0}});
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::IsNotFound(store_->GetLesson("b:1").status()));
  EXPECT_EQ(store_->LastSequence(), 1u);
}

TEST_F(StoreTest, ReopenedStoreKeepsLessonsAndContinuesTheSequence) {
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 1, "kept"), 0}}).ok());
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 2, "kept too"), 1}}).ok());
  Reopen();
  EXPECT_EQ(store_->LastSequence(), 2u);
  auto lesson = store_->GetLesson("a:1");
  ASSERT_TRUE(lesson.ok());
  EXPECT_EQ(lesson->title(), "kept too");
  EXPECT_EQ(lesson->version(), 2u);
  auto next = store_->Commit({{MakeLesson("b:1", 1), 0}});
  ASSERT_TRUE(next.ok());
  EXPECT_THAT(*next, ElementsAre(3));
}

TEST_F(StoreTest, ScanVisitsLessonsInIdOrderAfterTheStart) {
  ASSERT_TRUE(store_->Commit({{MakeLesson("c:1", 1), 0},
                              {MakeLesson("a:1", 1), 0},
                              {MakeLesson("b:1", 1), 0}})
                  .ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(store_->ScanLessons("a:1", [&](const v1::Lesson& lesson) {
                        seen.push_back(lesson.id());
                        return true;
                      }).ok());
  EXPECT_THAT(seen, ElementsAre("b:1", "c:1"));
}

TEST_F(StoreTest, SecondOpenOfTheSameDirectoryIsUnavailable) {
  auto second = Store::Open(dir_.path());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

TEST(StoreDurabilityTest, EveryCommitSyncsTheWriteAheadLogBeforeReturning) {
  testing::TempDir dir;
  auto counter = std::make_shared<WalSyncCounter>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(counter);
  auto store = Store::Open(dir.path(), Store::Options{env.get()});
  ASSERT_TRUE(store.ok()) << store.status();
  for (int i = 1; i <= 3; ++i) {
    uint64_t before = counter->syncs();
    ASSERT_TRUE((*store)->Commit({{MakeLesson("a:" + std::to_string(i), 1), 0}}).ok());
    EXPECT_GT(counter->syncs(), before) << "commit " << i << " was acknowledged unsynced";
  }
}

TEST_F(StoreTest, OneLessonTwiceInABatchIsRefused) {
  auto twice = store_->Commit({{MakeLesson("a:1", 1), 0}, {MakeLesson("a:1", 2), 0}});
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->LastSequence(), 0u);
}

TEST_F(StoreTest, TrimmingEverythingKeepsTheLastSequenceAcrossAReopen) {
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(store_->Commit({{MakeLesson("a:" + std::to_string(i), 1), 0}}).ok());
  }
  ASSERT_TRUE(store_->TrimChangeLog(0).ok());
  EXPECT_EQ(store_->FirstSequence(), 3u);  // the newest entry stays
  Reopen();
  EXPECT_EQ(store_->LastSequence(), 3u);
  auto next = store_->Commit({{MakeLesson("b:1", 1), 0}});
  ASSERT_TRUE(next.ok());
  EXPECT_THAT(*next, ElementsAre(4));  // never a number given out before
}

TEST_F(StoreTest, MissingLessonIsNotFound) {
  EXPECT_EQ(store_->GetLesson("nope:1").status().code(), absl::StatusCode::kNotFound);
}

// The postings blocks as (key, "doc:payload ...") pairs, read back from the store.
std::vector<std::pair<std::string, std::string>> Postings(const Store& store) {
  std::vector<std::pair<std::string, std::string>> postings;
  EXPECT_TRUE(store.ScanPostings("", [&](absl::string_view key, absl::string_view block) {
    std::string entries;
    DocBlockSummary summary;
    absl::string_view stored;
    EXPECT_TRUE(ReadStoredDocBlock(block, &summary, &stored));
    DocBlockReader reader(stored);
    for (DocEntry entry; reader.Next(&entry);) {
      absl::StrAppend(&entries, entries.empty() ? "" : " ", entry.doc, ":", entry.payload);
    }
    EXPECT_FALSE(reader.corrupt());
    postings.emplace_back(std::string(key), entries);
    return true;
  }).ok());
  return postings;
}

TEST_F(StoreTest, PostingUpdatesBecomeSortedBlocksAndTheLaterUpdateOfADocumentWins) {
  StoreBatch first;
  first.UpdatePosting("radio", 7, "r7");
  first.UpdatePosting("battery", 3, "b3");
  first.UpdatePosting("radio", 2, "r2");
  first.UpdatePosting("radio", 7, "r7-again");  // later in the batch: wins
  first.UpdatePosting("battery", 1, std::nullopt);    // removing what is not there
  first.UpdatePosting("radio", 5, "r5");
  ASSERT_TRUE(store_->Commit(first).ok());
  using Block = std::pair<std::string, std::string>;
  EXPECT_THAT(Postings(*store_),
              ElementsAre(Block("battery", "3:b3"), Block("radio", "2:r2 5:r5 7:r7-again")));
  StoreBatch second;
  second.UpdatePosting("radio", 5, std::nullopt);
  second.UpdatePosting("radio", 9, "r9");
  second.UpdatePosting("radio", 2, "r2-new");
  ASSERT_TRUE(store_->Commit(second).ok());
  Reopen();
  EXPECT_THAT(Postings(*store_),
              ElementsAre(Block("battery", "3:b3"), Block("radio", "2:r2-new 7:r7-again 9:r9")));
}

// A disk that can be made full: while it is, every append fails as a full disk's does, and it
// reports no free space.
class FillableDisk : public rocksdb::FileSystemWrapper {
 public:
  FillableDisk() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FillableDisk"; }
  void SetFull(bool full) { full_ = full; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* debug) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, debug);
    if (status.ok()) *file = std::make_unique<File>(std::move(*file), &full_);
    return status;
  }
  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& options,
                                 uint64_t* free, rocksdb::IODebugContext* debug) override {
    if (full_) {
      *free = 0;
      return rocksdb::IOStatus::OK();
    }
    return target()->GetFreeSpace(path, options, free, debug);
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, const std::atomic<bool>* full)
        : FSWritableFileOwnerWrapper(std::move(file)), full_(full) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      if (*full_) return rocksdb::IOStatus::NoSpace("No space left on device");
      return target()->Append(data, options, debug);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* debug) override {
      if (*full_) return rocksdb::IOStatus::NoSpace("No space left on device");
      return target()->Append(data, options, info, debug);
    }

   private:
    const std::atomic<bool>* full_;
  };

  std::atomic<bool> full_{false};
};

class StoreHealthTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto opened = Store::Open(dir_.path(), Store::Options{env_.get()});
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
    store_->AddHealthListener([this](const StoreHealth& health) {
      absl::MutexLock lock(&mu_);
      heard_.push_back(health);
    });
  }
  absl::Status Write(const std::string& id) {
    return store_->Commit({{MakeLesson(id, 1), 0}}).status();
  }
  std::vector<bool> HeardWritable() {
    absl::MutexLock lock(&mu_);
    std::vector<bool> writable;
    for (const StoreHealth& health : heard_) writable.push_back(health.writable);
    return writable;
  }

  testing::TempDir dir_;
  std::shared_ptr<FillableDisk> disk_ = std::make_shared<FillableDisk>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(disk_);
  std::unique_ptr<Store> store_;
  absl::Mutex mu_;
  std::vector<StoreHealth> heard_ ABSL_GUARDED_BY(mu_);
};

// Regression: writes failed until a restart after the disk had filled and been freed.
TEST_F(StoreHealthTest, AFullDiskRefusesWritesUntilSpaceReturnsThenTheNextWriteSucceeds) {
  ASSERT_TRUE(Write("a:1").ok());
  disk_->SetFull(true);
  absl::Status refused = Write("b:1");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("the disk holding the data directory is full"));
  StoreHealth health = store_->Health();
  EXPECT_FALSE(health.writable);
  EXPECT_TRUE(health.disk_full);
  EXPECT_FALSE(health.serving());
  EXPECT_GE(health.background_errors, 1u);
  EXPECT_THAT(health.problem, HasSubstr("full"));
  // Refused again while full, and nothing of it was written; reads still work.
  EXPECT_EQ(Write("b:1").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(store_->GetLesson("b:1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetLesson("a:1").ok());

  disk_->SetFull(false);
  ASSERT_TRUE(Write("b:1").ok());
  health = store_->Health();
  EXPECT_TRUE(health.serving());
  EXPECT_FALSE(health.disk_full);
  EXPECT_EQ(health.recoveries, 1u);
  EXPECT_EQ(health.problem, "");
  EXPECT_THAT(HeardWritable(), ElementsAre(false, true));

  // Full again right after recovering, when every memtable was just flushed: the second
  // recovery must not leave a failed write-ahead log behind (a write to it aborted the process).
  disk_->SetFull(true);
  EXPECT_EQ(Write("c:1").code(), absl::StatusCode::kResourceExhausted);
  disk_->SetFull(false);
  ASSERT_TRUE(Write("c:1").ok());
  ASSERT_TRUE(Write("d:1").ok());
  EXPECT_EQ(store_->Health().recoveries, 2u);

  Reopen();
  for (const char* id : {"a:1", "b:1", "c:1", "d:1"}) EXPECT_TRUE(store_->GetLesson(id).ok()) << id;
  EXPECT_EQ(store_->LastSequence(), 4u);
}

TEST_F(StoreHealthTest, TheStoreRecoversByItselfOnceSpaceReturns) {
  disk_->SetFull(true);
  EXPECT_EQ(Write("a:1").code(), absl::StatusCode::kResourceExhausted);
  disk_->SetFull(false);
  // No write prompts it: the store's own retries find the space.
  absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (!store_->Health().writable && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(store_->Health().serving());
  EXPECT_THAT(HeardWritable(), ElementsAre(false, true));
  EXPECT_TRUE(Write("a:1").ok());
}

TEST_F(StoreTest, AnyVersionWriteMayLowerTheVersionAndIsLogged) {
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 3, "lost edit"), 0}}).ok());
  LessonWrite rewind{MakeLesson("a:1", 2, "as restored"), 3};
  rewind.any_version = true;
  auto written = store_->Commit({rewind});
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(store_->GetLesson("a:1")->title(), "as restored");
  auto changes = store_->ReadChanges(1, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].version(), 2u);
}

TEST_F(StoreTest, IncarnationIsGivenOnCreationAndKeptAcrossAReopen) {
  const uint64_t incarnation = store_->Incarnation();
  EXPECT_NE(incarnation, 0u);
  Reopen();
  EXPECT_EQ(store_->Incarnation(), incarnation);
  testing::TempDir other;
  auto second = Store::Open(other.path());
  ASSERT_TRUE(second.ok());
  EXPECT_NE((*second)->Incarnation(), incarnation);
}

TEST_F(StoreTest, CheckpointRefusesABadDirectoryNamingTheFieldAndWritesNothing) {
  testing::TempDir elsewhere;
  auto relative = store_->Checkpoint("backups/today");
  EXPECT_EQ(relative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(relative.status().message(), HasSubstr("dir: "));
  EXPECT_THAT(relative.status().message(), HasSubstr("absolute"));
  auto inside = store_->Checkpoint(dir_.path() + "/backup");
  EXPECT_EQ(inside.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(inside.status().message(), HasSubstr("inside the data directory"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/backup"));
  auto through_dots = store_->Checkpoint(elsewhere.path() + "/../" +
                                         std::filesystem::path(dir_.path()).filename().string() +
                                         "/backup");
  EXPECT_EQ(through_dots.status().code(), absl::StatusCode::kInvalidArgument);
  auto existing = store_->Checkpoint(elsewhere.path());
  EXPECT_EQ(existing.status().code(), absl::StatusCode::kAlreadyExists);
  auto orphan = store_->Checkpoint(elsewhere.path() + "/no/such/parent");
  EXPECT_EQ(orphan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(orphan.status().message(), HasSubstr("does not exist"));
  EXPECT_TRUE(std::filesystem::is_empty(elsewhere.path()));
}

TEST_F(StoreTest, ARestoredCheckpointHoldsEveryEarlierWriteUnderANewIncarnation) {
  testing::TempDir elsewhere;
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 1, "before"), 0}}).ok());
  const std::string backup = elsewhere.path() + "/backup";
  auto stats = store_->Checkpoint(backup);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_GT(stats->files, 0u);
  EXPECT_EQ(stats->last_sequence, 1u);
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 2, "after"), 1}, {MakeLesson("b:1", 1), 0}}).ok());
  const uint64_t original = store_->Incarnation();

  auto restored = RestoreCheckpoint(backup, elsewhere.path() + "/data", RestoreOptions());
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_NE(restored->incarnation, original);
  EXPECT_EQ(restored->last_sequence, 1u);
  EXPECT_TRUE(restored->moved_aside.empty());
  {
    auto opened = Store::Open(elsewhere.path() + "/data");
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ((*opened)->Incarnation(), restored->incarnation);
    EXPECT_EQ((*opened)->GetLesson("a:1")->title(), "before");
    EXPECT_TRUE(absl::IsNotFound((*opened)->GetLesson("b:1").status()));
    EXPECT_EQ((*opened)->LastSequence(), 1u);
  }
  // The backup is untouched: restoring it again gives yet another incarnation.
  auto again = RestoreCheckpoint(backup, elsewhere.path() + "/data2", RestoreOptions());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(again->incarnation, restored->incarnation);
  EXPECT_NE(again->incarnation, original);
}

TEST_F(StoreTest, RestoreReplacesADataDirectoryOnlyWhenAskedAndNeverOneInUse) {
  testing::TempDir elsewhere;
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 1, "backed up"), 0}}).ok());
  const std::string backup = elsewhere.path() + "/backup";
  ASSERT_TRUE(store_->Checkpoint(backup).ok());
  ASSERT_TRUE(store_->Commit({{MakeLesson("a:1", 2, "newer"), 1}}).ok());

  auto refused = RestoreCheckpoint(backup, dir_.path(), RestoreOptions());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("--replace-data"));
  RestoreOptions replace;
  replace.replace_existing = true;
  auto in_use = RestoreCheckpoint(backup, dir_.path(), replace);
  EXPECT_EQ(in_use.status().code(), absl::StatusCode::kUnavailable) << in_use.status();
  EXPECT_EQ(store_->GetLesson("a:1")->title(), "newer");

  store_.reset();
  auto replaced = RestoreCheckpoint(backup, dir_.path(), replace);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  ASSERT_FALSE(replaced->moved_aside.empty());
  Reopen();
  EXPECT_EQ(store_->GetLesson("a:1")->title(), "backed up");
  // What was replaced is kept, whole.
  auto aside = Store::Open(replaced->moved_aside);
  ASSERT_TRUE(aside.ok()) << aside.status();
  EXPECT_EQ((*aside)->GetLesson("a:1")->title(), "newer");
  aside->reset();
  std::filesystem::remove_all(replaced->moved_aside);
}

TEST_F(StoreTest, RestoreRefusesADirectoryThatIsNoBackup) {
  testing::TempDir empty;
  testing::TempDir elsewhere;
  auto refused = RestoreCheckpoint(empty.path(), elsewhere.path() + "/data", RestoreOptions());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("no CURRENT file"));
  EXPECT_FALSE(std::filesystem::exists(elsewhere.path() + "/data"));
}

}  // namespace
}  // namespace cairn
