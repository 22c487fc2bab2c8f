// What an operator sees when the disk fills or stored data is damaged, with real cairnd processes:
// writes refused with a clear error, health NOT_SERVING, and, for a full disk, recovery with no
// restart once space is freed, losing nothing acknowledged.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/admin_client.h"
#include "client/import_line.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/federation.h"
#include "tests/support/files.h"
#include "tests/support/health_check.h"
#include "tests/support/shared_data.h"
#include "tests/support/small_filesystem.h"

namespace cairn {
namespace {

using testing::AwaitHealth;
using testing::CairndProcess;
using testing::CheckHealth;
using ::testing::HasSubstr;
using testing::NodeSpec;
using testing::Serving;
using testing::SmallFilesystem;

#define CAIRN_MOUNT_OR_SKIP(disk)                                                       \
  if (absl::Status mounted = (disk).Mount(); !mounted.ok()) {                           \
    GTEST_SKIP() << mounted.message() << "; run the tests as root to test a full disk"; \
  }

v1::Lesson Draft(const std::string& title) {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.set_marking(v1::TLP_GREEN);
  return lesson;
}

// The NASA LLIS lessons in `path`, as drafts.
std::vector<v1::Lesson> LlisLessons(const std::string& path) {
  std::vector<v1::Lesson> lessons;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto lesson = client::LessonFromImportLine(line, client::ImportFormat::kLlis, v1::TLP_CLEAR);
    if (lesson.ok()) lessons.push_back(*std::move(lesson));
  }
  return lessons;
}

// Imports `lessons` from `*next` on, 50 a request, until they run out or the node refuses a
// request; adds the ids the node acknowledged to `*acknowledged`. Returns the import's status.
absl::Status ImportUntilRefused(client::LessonClient& client,
                                const std::vector<v1::Lesson>& lessons, size_t* next,
                                std::vector<std::string>* acknowledged) {
  return client.Import(
      [&](v1::ImportLessonsRequest* request) {
        for (; *next < lessons.size() && request->items_size() < 50; ++*next) {
          *request->add_items()->mutable_lesson() = lessons[*next];
        }
        return request->items_size() > 0;
      },
      [&](const v1::ImportLessonsResponse& response) {
        for (const auto& result : response.results()) {
          EXPECT_TRUE(result.has_id()) << result.error_message();
          if (result.has_id()) acknowledged->push_back(result.id());
        }
      });
}

// Every lesson the node holds, by id.
std::set<std::string> Listed(client::LessonClient& client) {
  std::set<std::string> ids;
  v1::ListLessonsRequest request;
  request.set_page_size(500);
  do {
    auto page = client.List(request);
    if (!page.ok()) return {"error: " + page.status().ToString()};
    for (const v1::Lesson& lesson : page->lessons()) ids.insert(lesson.id());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return ids;
}

// A node whose data directory is on a small tmpfs, filled by an import. 10 MiB of the 16 MiB are
// a file the test removes to make room, so the space freed does not depend on RocksDB.
class DiskFullTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kDiskBytes = 16 << 20;
  static constexpr uint64_t kFillerBytes = 10 << 20;

  DiskFullTest() : disk_(kDiskBytes) {}

  SmallFilesystem disk_;
  CairndProcess node_{NodeSpec{}};
};

TEST_F(DiskFullTest, WritesAreRefusedClearlyAndSucceedOnceSpaceIsFreedWithNoRestart) {
  CAIRN_MOUNT_OR_SKIP(disk_);
  CAIRN_SKIP_WITHOUT_LLIS(llis);
  ASSERT_TRUE(disk_.WriteFile("filler", kFillerBytes).ok());
  node_.EditConfig([&](v1::NodeConfig* config) { config->set_data_dir(disk_.path() + "/data"); });
  ASSERT_TRUE(node_.Start().ok()) << node_.log();
  auto alice = node_.ClientFor("alice");
  const client::ConnectionOptions bob = node_.ConnectionFor("bob");
  ASSERT_EQ(CheckHealth(bob).value_or(Serving::kUnknown), Serving::kServing);

  // The import fills the disk: the request that does not fit is refused as a whole.
  const std::vector<v1::Lesson> lessons = LlisLessons(*llis);
  size_t next = 0;
  std::vector<std::string> acknowledged;
  absl::Status imported = ImportUntilRefused(*alice, lessons, &next, &acknowledged);
  ASSERT_EQ(imported.code(), absl::StatusCode::kResourceExhausted) << imported;
  EXPECT_THAT(imported.message(), HasSubstr("the disk holding the data directory is full"));
  EXPECT_THAT(imported.message(), HasSubstr("nothing was written"));
  ASSERT_FALSE(acknowledged.empty());
  std::cout << "disk full after " << acknowledged.size() << " lessons of " << next << " sent\n";

  // What the operator sees: NOT_SERVING, a log line that says why, and reads still served.
  EXPECT_TRUE(AwaitHealth(bob, Serving::kNotServing)) << node_.log();
  EXPECT_THAT(node_.log(), HasSubstr("the data directory's disk is full"));
  EXPECT_TRUE(alice->Get(acknowledged.front()).ok());
  absl::StatusOr<v1::Lesson> refused = alice->Create(Draft("written while the disk is full"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();

  // Room again: the very next write succeeds, and the node reports SERVING, with no restart.
  std::filesystem::remove(disk_.path() + "/filler");
  absl::StatusOr<v1::Lesson> created = alice->Create(Draft("written once space was freed"));
  ASSERT_TRUE(created.ok()) << created.status() << "\n" << node_.log();
  EXPECT_TRUE(AwaitHealth(bob, Serving::kServing)) << node_.log();
  EXPECT_THAT(node_.log(), HasSubstr("storage writes again"));

  // Exactly what was acknowledged is there (the refused writes changed nothing), now and after a
  // restart.
  std::set<std::string> expected(acknowledged.begin(), acknowledged.end());
  expected.insert(created->id());
  EXPECT_EQ(Listed(*alice), expected);
  ASSERT_TRUE(node_.Stop().ok()) << node_.log();
  ASSERT_TRUE(node_.Start().ok()) << node_.log();
  alice = node_.ClientFor("alice");
  EXPECT_EQ(Listed(*alice), expected);
}

// Filled again after a restart, the node recovers on its own once space is freed: health turns
// SERVING with no write to prompt it.
TEST_F(DiskFullTest, HealthTurnsServingByItselfWhenSpaceReturnsAndAFullDiskCanRecur) {
  CAIRN_MOUNT_OR_SKIP(disk_);
  CAIRN_SKIP_WITHOUT_LLIS(llis);
  node_.EditConfig([&](v1::NodeConfig* config) { config->set_data_dir(disk_.path() + "/data"); });
  ASSERT_TRUE(node_.Start().ok()) << node_.log();
  auto alice = node_.ClientFor("alice");
  const std::vector<v1::Lesson> lessons = LlisLessons(*llis);
  size_t next = 0;
  std::vector<std::string> acknowledged;
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const client::ConnectionOptions bob = node_.ConnectionFor("bob");
    // Leave about 2 MiB for lessons, whatever earlier rounds used.
    const std::string filler = absl::StrCat("filler", round);
    ASSERT_GT(disk_.FreeBytes(), 3u << 20);
    ASSERT_TRUE(disk_.WriteFile(filler, disk_.FreeBytes() - (2u << 20)).ok());
    absl::Status imported = ImportUntilRefused(*alice, lessons, &next, &acknowledged);
    ASSERT_EQ(imported.code(), absl::StatusCode::kResourceExhausted) << imported;
    EXPECT_TRUE(AwaitHealth(bob, Serving::kNotServing)) << node_.log();

    std::filesystem::remove(disk_.path() + "/" + filler);
    EXPECT_TRUE(AwaitHealth(bob, Serving::kServing)) << node_.log();
    absl::StatusOr<v1::Lesson> created = alice->Create(Draft(absl::StrCat("round ", round)));
    ASSERT_TRUE(created.ok()) << created.status();
    acknowledged.push_back(created->id());
    // The next round starts from a fresh process: a full disk right after opening recovers too.
    ASSERT_TRUE(node_.Stop().ok()) << node_.log();
    ASSERT_TRUE(node_.Start().ok()) << node_.log();
    alice = node_.ClientFor("alice");
    EXPECT_EQ(Listed(*alice), std::set<std::string>(acknowledged.begin(), acknowledged.end()));
  }
}

// A node whose disk fills while it pulls from a peer skips nothing: the batch that does not fit
// is refused as a whole, its cursor stays, and once space is freed the node catches up to exactly
// what the peer shares, with no restart.
TEST(DiskFullReplicationTest, APullerThatFillsItsDiskCatchesUpOnceSpaceIsFreed) {
  // Room for all 600 lessons once the filler is gone: the index with its block bounds and the
  // lessons' histories outgrew 10 MiB.
  SmallFilesystem disk(24 << 20);
  CAIRN_MOUNT_OR_SKIP(disk);
  CAIRN_SKIP_WITHOUT_LLIS(llis);
  testing::Federation federation({"west-police", "leeds-council"});
  CairndProcess& receiver = federation.node("leeds-council");
  ASSERT_TRUE(receiver.Stop().ok()) << receiver.log();
  receiver.EditConfig([&](v1::NodeConfig* config) {
    config->set_data_dir(disk.path() + "/data");
    config->mutable_replication()->set_retry_max_ms(500);
  });
  ASSERT_TRUE(receiver.Start().ok()) << receiver.log();
  std::vector<v1::Lesson> lessons = LlisLessons(*llis);
  ASSERT_GE(lessons.size(), 600u);
  // The receiver first holds 300 lessons, pulled with room to spare...
  federation.Import("west-police", {lessons.begin(), lessons.begin() + 300});
  federation.Link("west-police", "leeds-council", "export { markings: [TLP_GREEN, TLP_CLEAR] }");
  ASSERT_TRUE(federation.Settles("leeds-council", "west-police",
                                 federation.Held("west-police", "west-police"),
                                 absl::Seconds(120)));
  // ...then the next 300 arrive when its disk has no room for them.
  ASSERT_TRUE(disk.WriteFile("filler", disk.FreeBytes() - (1u << 20)).ok());
  federation.Import("west-police", {lessons.begin() + 300, lessons.begin() + 600});
  const testing::Holdings expected = federation.Held("west-police", "west-police");
  ASSERT_EQ(expected.size(), 600u);
  EXPECT_TRUE(AwaitHealth(receiver.ConnectionFor("bob"), Serving::kNotServing)) << receiver.log();
  // The admin's view of the link says why it stalled.
  auto admin = federation.Admin("leeds-council");
  std::string last_error;
  for (absl::Time give_up = absl::Now() + absl::Seconds(60); absl::Now() < give_up;) {
    auto status = admin->ReplicationStatus();
    ASSERT_TRUE(status.ok()) << status.status();
    for (const auto& peer : status->peers()) last_error = peer.last_error();
    if (last_error.find("disk") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(last_error, HasSubstr("RESOURCE_EXHAUSTED"));
  EXPECT_THAT(last_error, HasSubstr("the disk holding the data directory is full"));
  const size_t held_when_full = federation.Held("leeds-council", "west-police").size();
  EXPECT_GE(held_when_full, 300u);
  EXPECT_LT(held_when_full, expected.size());

  std::filesystem::remove(disk.path() + "/filler");
  EXPECT_TRUE(federation.Settles("leeds-council", "west-police", expected, absl::Seconds(120)))
      << receiver.log();
  EXPECT_TRUE(AwaitHealth(receiver.ConnectionFor("bob"), Serving::kServing)) << receiver.log();
  std::cout << "the receiver held " << held_when_full << " of " << expected.size()
            << " lessons when its disk filled\n";
}

// A damaged SST file in the middle of the data: the read that meets the damage fails with
// DATA_LOSS, the node logs the file and what to do, and reports NOT_SERVING; lessons elsewhere in
// the file are still served.
TEST(DamagedDataTest, AReadOfDamagedDataFailsWithDataLossAndTheNodeReportsNotServing) {
  CairndProcess node{NodeSpec{}};
  ASSERT_TRUE(node.Start().ok()) << node.log();
  auto alice = node.ClientFor("alice");
  // 200 lessons of about 1 KB, so that the lessons' file holds many 4 KiB blocks; each summary
  // starts with a probe no other record holds in this case.
  std::vector<v1::Lesson> drafts;
  for (int i = 0; i < 200; ++i) {
    v1::Lesson draft = Draft(absl::StrCat("lesson ", i));
    draft.set_summary(absl::StrCat(absl::StrFormat("ZQXPROBE%04d ", i), std::string(900, 'w')));
    drafts.push_back(std::move(draft));
  }
  size_t next = 0;
  std::vector<std::string> ids;
  ASSERT_TRUE(ImportUntilRefused(*alice, drafts, &next, &ids).ok());
  ASSERT_EQ(ids.size(), drafts.size());
  // Opening again replays the write-ahead log into SST files.
  ASSERT_TRUE(node.Stop().ok()) << node.log();
  ASSERT_TRUE(node.Start().ok()) << node.log();
  ASSERT_TRUE(node.Stop().ok()) << node.log();

  // Damage lesson 100's record where it is stored.
  const std::string probe = "ZQXPROBE0100";
  std::string damaged_file;
  for (const auto& entry : std::filesystem::directory_iterator(node.data_dir())) {
    if (entry.path().extension() != ".sst") continue;
    std::string content = testing::ReadFileToString(entry.path().string());
    size_t at = content.find(probe);
    if (at == std::string::npos) continue;
    damaged_file = entry.path().string();
    std::fstream file(damaged_file, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(at));
    file.write("DAMAGED!", 8);
  }
  ASSERT_FALSE(damaged_file.empty()) << "no SST file holds " << probe;

  ASSERT_TRUE(node.Start().ok()) << node.log();
  alice = node.ClientFor("alice");
  const client::ConnectionOptions bob = node.ConnectionFor("bob");
  EXPECT_EQ(CheckHealth(bob).value_or(Serving::kUnknown), Serving::kServing);
  absl::StatusOr<v1::Lesson> read = alice->Get(ids[100]);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss) << read.status();
  const std::string first = *std::min_element(ids.begin(), ids.end());
  ASSERT_NE(first, ids[100]);
  EXPECT_TRUE(alice->Get(first).ok());

  EXPECT_TRUE(AwaitHealth(bob, Serving::kNotServing)) << node.log();
  std::string log = node.log();
  EXPECT_THAT(log, HasSubstr("stored data is damaged"));
  EXPECT_THAT(log, HasSubstr("restored from a backup"));
  EXPECT_THAT(log, HasSubstr(absl::StrCat(std::filesystem::path(damaged_file).filename().string(),
                                          "\" problem=")));
  // Damage does not heal: the node stays NOT_SERVING while it runs.
  ASSERT_TRUE(alice->Create(Draft("after the damage")).ok());
  EXPECT_EQ(CheckHealth(bob).value_or(Serving::kUnknown), Serving::kNotServing);
}

}  // namespace
}  // namespace cairn
