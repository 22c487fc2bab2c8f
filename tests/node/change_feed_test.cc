#include "node/replication/change_feed.h"

#include "gtest/gtest.h"
#include "node/lessons/catalog.h"
#include "node/replication/holdings_digest.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace cairn {
namespace {

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *Store::Open(dir_.path());
    directory_ = *PeerDirectory::Open(store_.get(), "leeds-council", &clock_);
    testing::CertPaths cert = testing::TestPki::Shared().Node("leeds-council");
    signer_ = *LessonSigner::Load(cert.cert, cert.key);
    catalog_ = std::make_unique<LessonCatalog>(
        store_.get(), LessonCatalog::Identity{"leeds-council", "local-government"}, &clock_,
        &random_, signer_.get());
    feed_ = std::make_unique<ChangeFeed>(store_.get(), directory_.get(), signer_.get(),
                                         "leeds-council", &clock_);
    v1::Peer police;
    police.set_org_id("west-police");
    police.set_may_pull(true);
    ASSERT_TRUE(directory_->PutPeer("user ada", police).ok());
    SetPolicy();
    for (int i = 0; i < 3; ++i) {
      v1::Lesson draft;
      draft.set_title("Lesson " + std::to_string(i));
      draft.set_marking(v1::TLP_GREEN);
      ASSERT_TRUE(catalog_->Create("user alice", draft).ok());
    }
  }

  void SetPolicy() {
    v1::PeerPolicy policy;
    policy.mutable_export_()->add_markings(v1::TLP_GREEN);
    ASSERT_TRUE(directory_->SetPolicy("user ada", "west-police", policy).ok());
    clock_.Advance(absl::Seconds(1));  // resync ids come from the clock
  }

  v1::ReplicationBatch Next(uint64_t cursor, uint64_t completed, size_t max_lessons,
                            ResyncProgress* progress, std::vector<uint64_t> digest = {},
                            uint64_t incarnation = 0) {
    FeedLimits limits;
    limits.max_lessons = max_lessons;
    PullPosition position{cursor, completed, std::move(digest), incarnation};
    auto batch = feed_->Next("west-police", position, limits, progress);
    EXPECT_TRUE(batch.ok()) << batch.status();
    return batch.value_or(v1::ReplicationBatch());
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::CountingRandom random_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<PeerDirectory> directory_;
  std::unique_ptr<LessonSigner> signer_;
  std::unique_ptr<LessonCatalog> catalog_;
  std::unique_ptr<ChangeFeed> feed_;
};

TEST_F(ChangeFeedTest, AResyncIsOutstandingUntilThePeerConfirmsFinishingIt) {
  ResyncProgress first_stream;
  v1::ReplicationBatch batch = Next(0, 0, 10, &first_stream);
  EXPECT_FALSE(batch.resync());  // a new peer learns everything from the change log
  EXPECT_EQ(batch.changes_size(), 3);
  const uint64_t cursor = batch.cursor();

  // A policy change starts a resync; the stream breaks after its first page.
  SetPolicy();
  ResyncProgress broken;
  batch = Next(cursor, 0, 1, &broken);
  ASSERT_TRUE(batch.resync());
  ASSERT_FALSE(batch.ends_resync());

  // The peer reconnects without having finished it: it gets the resync again, not just changes.
  ResyncProgress again;
  batch = Next(cursor, 0, 1, &again);
  ASSERT_TRUE(batch.resync());
  while (!batch.ends_resync()) batch = Next(batch.cursor(), 0, 1, &again);
  const uint64_t resync_id = batch.resync_id();
  // Not again on the same stream...
  EXPECT_FALSE(Next(batch.cursor(), 0, 1, &again).resync());
  // ...and, once the peer confirms it on its next Pull, not again at all.
  ResyncProgress confirmed;
  EXPECT_FALSE(Next(batch.cursor(), resync_id, 1, &confirmed).resync());
  ResyncProgress later;
  EXPECT_FALSE(Next(batch.cursor(), 0, 1, &later).resync());
}

TEST_F(ChangeFeedTest, AResyncSendsOnlyTheBucketsWhereThePeersDigestDiffers) {
  ResyncProgress stream;
  v1::ReplicationBatch first = Next(0, 0, 10, &stream);
  ASSERT_EQ(first.changes_size(), 3);
  // The peer holds exactly what it was sent...
  HoldingsDigest exact;
  for (const auto& change : first.changes()) {
    exact.Add(change.lesson().id(), change.lesson().version(), change.path());
  }
  SetPolicy();  // ...then a policy change forces a resynchronisation that allows the same.
  ResyncProgress resync;
  v1::ReplicationBatch batch = Next(first.cursor(), 0, 10, &resync, exact.buckets());
  ASSERT_TRUE(batch.ends_resync());
  EXPECT_EQ(batch.changes_size(), 0);  // nothing to resend
  EXPECT_EQ(batch.confirmed_buckets_size(), static_cast<int>(kDigestBuckets));

  // A peer missing one lesson gets that lesson's bucket only.
  HoldingsDigest missing_one;
  for (int i = 1; i < first.changes_size(); ++i) {
    missing_one.Add(first.changes(i).lesson().id(), first.changes(i).lesson().version(),
                    first.changes(i).path());
  }
  SetPolicy();
  ResyncProgress again;
  batch = Next(first.cursor(), 0, 10, &again, missing_one.buckets());
  ASSERT_TRUE(batch.ends_resync());
  bool resent = false;
  for (const auto& change : batch.changes()) {
    resent |= change.lesson().id() == first.changes(0).lesson().id();
  }
  EXPECT_TRUE(resent);
  EXPECT_EQ(batch.confirmed_buckets_size(), static_cast<int>(kDigestBuckets) - 1);
}

TEST_F(ChangeFeedTest, EveryBatchKeepsToTheByteLimitRetractionsIncluded) {
  for (int i = 0; i < 20; ++i) {
    v1::Lesson draft;
    draft.set_title("Long lesson " + std::to_string(i));
    draft.set_summary(std::string(2000, 'a' + i % 26));
    draft.set_marking(v1::TLP_GREEN);
    ASSERT_TRUE(catalog_->Create("user alice", draft).ok());
  }
  // Sends everything from `cursor` in batches of at most `max_bytes`, checking that each passes
  // it by no more than its last change; returns the new cursor.
  auto send_all = [&](uint64_t cursor, size_t max_bytes, std::vector<v1::ReplicatedChange>* sent) {
    ResyncProgress stream;
    for (int round = 0; round < 100; ++round) {
      FeedLimits limits;
      limits.max_lessons = FeedLimits::kMaxLessons;
      limits.max_bytes = max_bytes;
      auto batch = feed_->Next("west-police", PullPosition{cursor, 0, {}}, limits, &stream);
      EXPECT_TRUE(batch.ok()) << batch.status();
      if (!batch.ok() || batch->changes_size() == 0) break;
      size_t before_last = 0;
      for (int i = 0; i + 1 < batch->changes_size(); ++i) {
        before_last += batch->changes(i).ByteSizeLong();
      }
      EXPECT_LT(before_last, max_bytes) << batch->changes_size() << " changes";
      sent->insert(sent->end(), batch->changes().begin(), batch->changes().end());
      cursor = batch->cursor();
    }
    return cursor;
  };
  std::vector<v1::ReplicatedChange> lessons;
  uint64_t cursor = send_all(0, 5000, &lessons);
  ASSERT_EQ(lessons.size(), 23u);
  for (const v1::ReplicatedChange& change : lessons) {
    ASSERT_TRUE(catalog_->Retract("user alice", change.lesson().id(), "superseded").ok());
  }
  std::vector<v1::ReplicatedChange> retractions;
  send_all(cursor, 100, &retractions);
  ASSERT_EQ(retractions.size(), 23u);
  for (const v1::ReplicatedChange& change : retractions) EXPECT_TRUE(change.has_retraction());
}

TEST_F(ChangeFeedTest, ACursorBehindTheTrimmedLogGetsAResync) {
  ResyncProgress stream;
  v1::ReplicationBatch batch = Next(0, 0, 10, &stream);
  ASSERT_TRUE(store_->TrimChangeLog(1).ok());
  ResyncProgress behind;
  EXPECT_TRUE(Next(1, 0, 10, &behind).resync());
}

TEST_F(ChangeFeedTest, ACursorOfAnEarlierIncarnationGetsAFullResyncMarkedRestored) {
  ResyncProgress stream;
  v1::ReplicationBatch first = Next(0, 0, 10, &stream);
  ASSERT_EQ(first.changes_size(), 3);
  const uint64_t ours = store_->Incarnation();
  EXPECT_EQ(first.incarnation(), ours);
  HoldingsDigest exact;
  for (const auto& change : first.changes()) {
    exact.Add(change.lesson().id(), change.lesson().version(), change.path());
  }
  // The peer's cursor is of our incarnation, or of none it knows: changes from the cursor.
  ResyncProgress same;
  EXPECT_FALSE(Next(first.cursor(), 0, 10, &same, exact.buckets(), ours).resync());
  ResyncProgress unknown;
  EXPECT_FALSE(Next(first.cursor(), 0, 10, &unknown, exact.buckets(), 0).resync());

  // Of another incarnation (we were restored since): everything again, though its digest
  // matches, since equal versions may now be different content.
  ResyncProgress restored;
  v1::ReplicationBatch batch = Next(first.cursor(), 0, 2, &restored, exact.buckets(), ours + 1);
  ASSERT_TRUE(batch.resync());
  EXPECT_TRUE(batch.restored_origin());
  int sent = batch.changes_size();
  while (!batch.ends_resync()) {
    batch = Next(batch.cursor(), 0, 2, &restored, {}, ours + 1);
    ASSERT_TRUE(batch.resync());
    EXPECT_TRUE(batch.restored_origin());
    EXPECT_EQ(batch.incarnation(), ours);
    sent += batch.changes_size();
  }
  EXPECT_EQ(sent, 3);
  EXPECT_EQ(feed_->restored_resyncs(), 1u);
  EXPECT_EQ(batch.confirmed_buckets_size(), 0);
  EXPECT_EQ(batch.cursor(), store_->LastSequence());
}

}  // namespace
}  // namespace cairn
