// Online backup and restore of a real cairnd, and what its peers do when a node comes back from a
// backup with a change log that went back (SPEC section 5, "A node's life").
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/admin_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/federation.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace cairn {
namespace {

using testing::CairndProcess;
using testing::Federation;
using ::testing::HasSubstr;
using testing::NodeSpec;

constexpr char kCouncil[] = "leeds-council";
constexpr char kPolice[] = "west-police";
constexpr char kNhs[] = "leeds-nhs";
constexpr char kAmberUp[] = "export { markings: [TLP_AMBER, TLP_GREEN, TLP_CLEAR] }";
constexpr char kGreenUp[] = "export { markings: [TLP_GREEN, TLP_CLEAR] }";
const std::set<v1::TlpMarking> kAmberUpMarkings = {v1::TLP_AMBER, v1::TLP_GREEN, v1::TLP_CLEAR};
const std::set<v1::TlpMarking> kGreenUpMarkings = {v1::TLP_GREEN, v1::TLP_CLEAR};

v1::Lesson Draft(const std::string& title, v1::TlpMarking marking) {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.add_topics("mobile-working");
  lesson.set_marking(marking);
  return lesson;
}

// The lessons `holder` holds that originate at `origin`, retracted ones included, by id.
std::map<std::string, v1::Lesson> Lessons(Federation& federation, const std::string& holder,
                                          const std::string& origin) {
  return federation.Lessons(holder, origin).value_or(std::map<std::string, v1::Lesson>());
}

// Waits until `holder`'s copies of `origin`'s lessons are exactly those `origin` now holds, is not
// retracting, and marks with one of `allowed` (the policies here filter by marking only), each at
// the origin's version and with its title.
::testing::AssertionResult HoldsExactlyWhatPolicyAllows(Federation& federation,
                                                        const std::string& holder,
                                                        const std::string& origin,
                                                        const std::set<v1::TlpMarking>& allowed) {
  absl::Time give_up = absl::Now() + absl::Seconds(90);
  std::string difference;
  while (absl::Now() < give_up) {
    std::map<std::string, std::pair<uint64_t, std::string>> expected, held;
    for (const auto& [id, lesson] : Lessons(federation, origin, origin)) {
      if (lesson.status() != v1::RETRACTED && allowed.contains(lesson.marking())) {
        expected[id] = {lesson.version(), lesson.title()};
      }
    }
    for (const auto& [id, lesson] : Lessons(federation, holder, origin)) {
      held[id] = {lesson.version(), lesson.title()};
    }
    if (!expected.empty() && held == expected) return ::testing::AssertionSuccess();
    difference.clear();
    for (const auto& [id, copy] : held) {
      auto it = expected.find(id);
      if (it == expected.end()) {
        absl::StrAppend(&difference, "\n  stale copy ", id, "@", copy.first, " \"", copy.second,
                        "\"");
      } else if (it->second != copy) {
        absl::StrAppend(&difference, "\n  ", id, ": holds @", copy.first, " \"", copy.second,
                        "\", origin has @", it->second.first, " \"", it->second.second, "\"");
      }
    }
    for (const auto& [id, lesson] : expected) {
      if (!held.contains(id)) absl::StrAppend(&difference, "\n  missing ", id);
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return ::testing::AssertionFailure()
         << holder << "'s copies of " << origin << "'s lessons:" << difference;
}

// Writes lessons at one node until stopped: creates each, then edits it. Remembers what was
// acknowledged before `backup_started` was set.
class SteadyWriter {
 public:
  SteadyWriter(std::unique_ptr<client::LessonClient> client, std::string name,
               const std::atomic<bool>* backup_started)
      : client_(std::move(client)), name_(std::move(name)), backup_started_(backup_started) {
    thread_ = std::thread([this] { Run(); });
  }
  ~SteadyWriter() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Lesson id -> (version, title) acknowledged before the backup started.
  std::map<std::string, std::pair<uint64_t, std::string>> BeforeBackup() {
    absl::MutexLock lock(&mu_);
    return before_backup_;
  }
  int acknowledged() const { return acknowledged_; }

 private:
  void Run() {
    for (int i = 0; !stop_; ++i) {
      auto created = client_->Create(
          Draft(absl::StrCat(name_, " ", i), i % 3 == 0 ? v1::TLP_AMBER : v1::TLP_GREEN));
      if (!created.ok()) continue;  // the node may be busy; writes after the backup may fail
      Record(*created);
      created->set_title(absl::StrCat(created->title(), " (edited)"));
      auto edited = client_->Update(*created);
      if (edited.ok()) Record(*edited);
    }
  }
  void Record(const v1::Lesson& lesson) {
    ++acknowledged_;
    if (*backup_started_) return;  // read after the acknowledgement: it came before the backup
    absl::MutexLock lock(&mu_);
    before_backup_[lesson.id()] = {lesson.version(), lesson.title()};
  }

  std::unique_ptr<client::LessonClient> client_;
  const std::string name_;
  const std::atomic<bool>* const backup_started_;
  std::atomic<bool> stop_{false};
  std::atomic<int> acknowledged_{0};
  absl::Mutex mu_;
  std::map<std::string, std::pair<uint64_t, std::string>> before_backup_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once the rest is set up
};

::testing::AssertionResult IndexConsistent(Federation& federation, const std::string& org) {
  auto check = federation.Admin(org)->CheckSearchIndex(absl::Minutes(2));
  if (!check.ok()) return ::testing::AssertionFailure() << org << ": " << check.status();
  if (!check->consistent()) {
    return ::testing::AssertionFailure()
           << org << "'s search index: " << ::testing::PrintToString(check->problems());
  }
  return ::testing::AssertionSuccess();
}

// The council replicates both ways with the police and the NHS trust, the NHS trust receiving
// less (GREEN and up) and getting the police's GREEN lessons through the council. The council
// is backed up while everyone writes, writes more, dies, and comes back from the backup.
TEST(BackupRestoreTest, RestoredNodeKeepsEverythingBeforeTheBackupAndPeersResynchronise) {
  Federation federation({kCouncil, kPolice, kNhs});
  federation.Link(kCouncil, kPolice, kAmberUp);
  federation.Link(kCouncil, kNhs, kGreenUp);
  federation.Link(kPolice, kCouncil, kAmberUp);
  federation.Link(kNhs, kCouncil, kAmberUp);

  auto council = federation.Editor(kCouncil);
  auto police = federation.Editor(kPolice);
  auto nhs = federation.Editor(kNhs);
  v1::Lesson edited_after = *council->Create(Draft("Tablets need MDM", v1::TLP_GREEN));
  v1::Lesson edited_twice = *council->Create(Draft("Radios on nights", v1::TLP_AMBER));
  v1::Lesson retracted_after = *council->Create(Draft("Chargers in vans", v1::TLP_GREEN));
  ASSERT_TRUE(council->Create(Draft("Named teams", v1::TLP_RED)).ok());
  ASSERT_TRUE(council->Create(Draft("Weekly kit check", v1::TLP_CLEAR)).ok());
  v1::Lesson police_edited = *police->Create(Draft("Body cams at dawn", v1::TLP_GREEN));
  ASSERT_TRUE(police->Create(Draft("Custody handover", v1::TLP_AMBER)).ok());
  ASSERT_TRUE(nhs->Create(Draft("Handheld sign-in", v1::TLP_GREEN)).ok());

  // Writes and replication keep running while the backup is taken.
  const testing::TempDir backups;
  const std::string backup_dir = backups.path() + "/council-backup";
  std::atomic<bool> backup_started{false};
  SteadyWriter council_writer(federation.Editor(kCouncil), "council steady", &backup_started);
  SteadyWriter police_writer(federation.Editor(kPolice), "police steady", &backup_started);
  absl::Time give_up = absl::Now() + absl::Seconds(60);
  while ((council_writer.acknowledged() < 20 || police_writer.acknowledged() < 20) &&
         absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  backup_started = true;
  auto backup = federation.Admin(kCouncil)->BackupNode(backup_dir, absl::Minutes(5));
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_GT(backup->files(), 0u);

  // After the backup: edits, a retraction and new lessons on every side.
  edited_after.set_title("Tablets need MDM (edit lost with the restore)");
  edited_after = *council->Update(edited_after);
  for (int i = 0; i < 2; ++i) {
    edited_twice.set_title(absl::StrCat("Radios on nights, edit ", i + 1, " (lost)"));
    edited_twice = *council->Update(edited_twice);
  }
  ASSERT_TRUE(council->Retract(retracted_after.id(), "superseded").ok());
  v1::Lesson lost = *council->Create(Draft("Written after the backup", v1::TLP_GREEN));
  police_edited.set_title("Body cams at dawn, checked");
  police_edited = *police->Update(police_edited);
  v1::Lesson police_after = *police->Create(Draft("Police after the backup", v1::TLP_GREEN));
  v1::Lesson nhs_after = *nhs->Create(Draft("NHS after the backup", v1::TLP_AMBER));
  absl::SleepFor(absl::Milliseconds(300));  // let the steady writers write after it too
  council_writer.Stop();
  police_writer.Stop();
  // Everyone has seen the writes the restore will lose.
  ASSERT_TRUE(HoldsExactlyWhatPolicyAllows(federation, kPolice, kCouncil, kAmberUpMarkings));
  ASSERT_TRUE(HoldsExactlyWhatPolicyAllows(federation, kNhs, kCouncil, kGreenUpMarkings));
  ASSERT_TRUE(HoldsExactlyWhatPolicyAllows(federation, kCouncil, kPolice, kAmberUpMarkings));
  ASSERT_TRUE(HoldsExactlyWhatPolicyAllows(federation, kNhs, kPolice, kGreenUpMarkings));
  ASSERT_TRUE(federation.node(kPolice).ClientFor("bob")->Get(lost.id()).ok());

  // How far the peers have pulled the council's change log.
  uint64_t peers_cursor = 0;
  for (const char* peer : {kPolice, kNhs}) {
    auto status = federation.Admin(peer)->ReplicationStatus();
    ASSERT_TRUE(status.ok()) << status.status();
    for (const auto& from : status->peers()) {
      if (from.peer_org() == kCouncil) peers_cursor = std::max(peers_cursor, from.cursor());
    }
  }

  // The council's disk dies. Restoring over the old data directory needs saying so.
  CairndProcess& council_node = federation.node(kCouncil);
  council_node.Kill();
  council_node.EnableMetrics();
  absl::Status refused = council_node.Start({"--restore-from", backup_dir});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(council_node.log(), HasSubstr("--replace-data"));
  ASSERT_TRUE(council_node.Start({"--restore-from", backup_dir, "--replace-data"}).ok())
      << council_node.log();
  // Before its peers find it again, the council writes past where they had pulled to: sequence
  // numbers they already applied now name other changes.
  auto council_sequence = [&] {
    auto status = federation.Admin(kCouncil)->ReplicationStatus();
    EXPECT_TRUE(status.ok()) << status.status();
    return status.ok() ? status->last_sequence() : 0;
  };
  for (int round = 0; round < 20 && council_sequence() <= peers_cursor + 10; ++round) {
    std::vector<v1::Lesson> drafts;
    for (int i = 0; i < 50; ++i) {
      drafts.push_back(Draft(absl::StrCat("Restored node writes ", round, "/", i), v1::TLP_GREEN));
    }
    federation.Import(kCouncil, drafts);
  }
  ASSERT_GT(council_sequence(), peers_cursor + 10);
  federation.Readdress(kCouncil, kPolice);
  federation.Readdress(kCouncil, kNhs);

  // Every write acknowledged before the backup is there, and the index agrees with the lessons.
  council = federation.Editor(kCouncil);
  auto acknowledged = council_writer.BeforeBackup();
  ASSERT_GT(acknowledged.size(), 5u);
  for (const auto& [id, expected] : acknowledged) {
    auto lesson = council->Get(id);
    ASSERT_TRUE(lesson.ok()) << id << ": " << lesson.status();
    EXPECT_GE(lesson->version(), expected.first) << id;
    if (lesson->version() == expected.first) {
      EXPECT_EQ(lesson->title(), expected.second) << id;
    }
  }
  EXPECT_EQ(council->Get(edited_after.id())->version(), 1u);
  EXPECT_EQ(council->Get(retracted_after.id())->status(), retracted_after.status());
  EXPECT_TRUE(absl::IsNotFound(council->Get(lost.id()).status()));  // written after the backup
  EXPECT_TRUE(IndexConsistent(federation, kCouncil));

  // The council writes again, giving version numbers its lost edits had to other content.
  v1::Lesson reused = *council->Get(edited_after.id());
  reused.set_title("Tablets need MDM and a PIN");
  reused = *council->Update(reused);
  ASSERT_EQ(reused.version(), 2u);
  v1::Lesson rewound = *council->Get(edited_twice.id());
  rewound.set_title("Radios on nights, charged at base");
  rewound = *council->Update(rewound);
  ASSERT_EQ(rewound.version(), 2u);
  ASSERT_TRUE(council->Create(Draft("Written after the restore", v1::TLP_GREEN)).ok());

  // Peers hold exactly what the council's policy allows of what it now holds: the lost lesson
  // and the steady writers' lost lessons are gone, the retraction is undone, the edits are the
  // new ones. And the council got back what it had pulled from its peers after the backup.
  EXPECT_TRUE(HoldsExactlyWhatPolicyAllows(federation, kPolice, kCouncil, kAmberUpMarkings));
  EXPECT_TRUE(HoldsExactlyWhatPolicyAllows(federation, kNhs, kCouncil, kGreenUpMarkings));
  EXPECT_TRUE(HoldsExactlyWhatPolicyAllows(federation, kCouncil, kPolice, kAmberUpMarkings));
  EXPECT_TRUE(HoldsExactlyWhatPolicyAllows(federation, kCouncil, kNhs, kAmberUpMarkings));
  EXPECT_TRUE(HoldsExactlyWhatPolicyAllows(federation, kNhs, kPolice, kGreenUpMarkings));
  EXPECT_TRUE(HoldsExactlyWhatPolicyAllows(federation, kPolice, kNhs, kGreenUpMarkings));
  auto council_copies = Lessons(federation, kCouncil, kPolice);
  EXPECT_TRUE(council_copies.contains(police_after.id()));
  EXPECT_EQ(council_copies[police_edited.id()].version(), police_edited.version());
  EXPECT_TRUE(Lessons(federation, kCouncil, kNhs).contains(nhs_after.id()));
  for (const char* org : {kCouncil, kPolice, kNhs}) EXPECT_TRUE(IndexConsistent(federation, org));
  // Both peers were resynchronised because of the restore, and the restored node's metrics say so.
  auto scraped = testing::HttpGet(council_node.metrics_port(), "/metrics");
  ASSERT_TRUE(scraped.ok()) << scraped.status();
  auto exposition = testing::Exposition::Parse(*scraped);
  ASSERT_TRUE(exposition.ok()) << exposition.status();
  EXPECT_GE(exposition->Sum("cairn_replication_restored_resyncs_total"), 2);
}

TEST(BackupRestoreTest, BackupIsForAdminsNamesBadDirectoriesAndIsAudited) {
  CairndProcess node{NodeSpec{}};
  ASSERT_TRUE(node.Start().ok()) << node.log();
  const testing::TempDir backups;
  auto analyst = client::AdminClient::Connect(node.ConnectionFor("bob"));
  ASSERT_TRUE(analyst.ok());
  auto denied = (*analyst)->BackupNode(backups.path() + "/b", absl::Minutes(1));
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied) << denied.status();

  auto admin = *client::AdminClient::Connect(node.ConnectionFor("ada"));
  auto relative = admin->BackupNode("backups/today", absl::Minutes(1));
  EXPECT_EQ(relative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(relative.status().message(), HasSubstr("dir: "));
  auto inside = admin->BackupNode(node.data_dir() + "/backup", absl::Minutes(1));
  EXPECT_EQ(inside.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(inside.status().message(), HasSubstr("inside the data directory"));
  auto existing = admin->BackupNode(backups.path(), absl::Minutes(1));
  EXPECT_EQ(existing.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(std::filesystem::is_empty(backups.path()));

  // Through the CLI, as an operator would.
  client::ConnectionOptions options = node.ConnectionFor("ada");
  testing::CommandResult done =
      testing::RunCommand({CAIRN_CLI_PATH, "backup", backups.path() + "/nightly"},
                          {"CAIRN_ADDR=" + options.address, "CAIRN_CA=" + options.ca_file,
                           "CAIRN_CERT=" + options.cert_file, "CAIRN_KEY=" + options.key_file});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_THAT(done.out, HasSubstr("backup written to " + backups.path() + "/nightly"));
  EXPECT_TRUE(std::filesystem::exists(backups.path() + "/nightly/CURRENT"));

  v1::ListAuditRequest request;
  request.set_action("node.backup");
  auto events = admin->ListAudit(request);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->events_size(), 1);
  EXPECT_EQ(events->events(0).actor(), "user ada");
  EXPECT_EQ(events->events(0).target(), backups.path() + "/nightly");
}

}  // namespace
}  // namespace cairn
