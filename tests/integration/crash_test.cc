// Durability: every write cairnd acknowledged is there after a kill -9 and restart.
#include <atomic>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/admin_client.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"

namespace cairn {
namespace {

using testing::CairndProcess;
using testing::NodeSpec;

TEST(CrashTest, KillNineRightAfterAcknowledgedWritesLosesNothing) {
  CairndProcess node{NodeSpec{}};
  ASSERT_TRUE(node.Start().ok()) << node.log();

  absl::Mutex mu;
  std::map<std::string, std::pair<uint64_t, std::string>> acknowledged;  // id -> version, title
  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};

  auto record = [&](const v1::Lesson& lesson) {
    absl::MutexLock lock(&mu);
    auto& entry = acknowledged[lesson.id()];
    if (lesson.version() >= entry.first) entry = {lesson.version(), lesson.title()};
    ++acks;
  };
  // Writers that create lessons and then edit each one, until the node dies under them.
  // Clients are made here: the certificate fixture is not thread-safe.
  std::shared_ptr<client::LessonClient> client = node.ClientFor("alice");
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        v1::Lesson draft;
        draft.set_title("writer " + std::to_string(w) + " lesson " + std::to_string(i));
        draft.set_marking(v1::TLP_GREEN);
        auto created = client->Create(draft);
        if (!created.ok()) return;
        record(*created);
        created->set_title(created->title() + " (edited)");
        auto edited = client->Update(*created);
        if (!edited.ok()) return;
        record(*edited);
      }
    });
  }
  // An importer whose batches are acknowledged as a whole.
  std::vector<std::string> imported;
  std::thread importer([&] {
    int batch = 0;
    (void)client->Import(
        [&](v1::ImportLessonsRequest* request) {
          if (stop) return false;
          for (int i = 0; i < 50; ++i) {
            auto* item = request->add_items();
            item->set_client_ref(i);
            item->mutable_lesson()->set_title("imported " + std::to_string(batch) + "/" +
                                              std::to_string(i));
            item->mutable_lesson()->set_marking(v1::TLP_CLEAR);
          }
          ++batch;
          return true;
        },
        [&](const v1::ImportLessonsResponse& response) {
          absl::MutexLock lock(&mu);
          for (const auto& result : response.results()) {
            if (result.has_id()) imported.push_back(result.id());
          }
          ++acks;
        });
  });

  absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (acks < 300 && absl::Now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  node.Kill();  // while writes are still in flight
  stop = true;
  for (std::thread& writer : writers) writer.join();
  importer.join();

  ASSERT_TRUE(node.Start().ok()) << node.log();
  client = node.ClientFor("bob");
  absl::MutexLock lock(&mu);
  ASSERT_GE(acks, 300) << "writers stalled:\n" << node.log();
  ASSERT_GT(acknowledged.size(), 50u);
  ASSERT_GT(imported.size(), 0u);
  for (const auto& [id, expected] : acknowledged) {
    auto lesson = client->Get(id);
    ASSERT_TRUE(lesson.ok()) << id << ": " << lesson.status();
    // A write in flight at the kill may also have landed, so the version is at least the one
    // acknowledged; never lower.
    EXPECT_GE(lesson->version(), expected.first) << id;
    if (lesson->version() == expected.first) {
      EXPECT_EQ(lesson->title(), expected.second) << id;
    }
  }
  for (const std::string& id : imported) EXPECT_TRUE(client->Get(id).ok()) << id;
  // The search index was written in the same batches: it agrees with the lessons exactly.
  auto admin = client::AdminClient::Connect(node.ConnectionFor("ada"));
  ASSERT_TRUE(admin.ok()) << admin.status();
  absl::StatusOr<v1::CheckSearchIndexResponse> check = (*admin)->CheckSearchIndex(absl::Minutes(1));
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->consistent()) << ::testing::PrintToString(check->problems());
}

}  // namespace
}  // namespace cairn
