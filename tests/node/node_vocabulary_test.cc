#include "node/search/node_vocabulary.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/audit/audit_log.h"
#include "node/common/time_proto.h"
#include "node/search/analyzer.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"

namespace cairn::search {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kAdminText[] =
    "# Leeds: words our partners use\n"
    "jesip, joint emergency services interoperability\n"
    "llpg, local land and property gazetteer, address gazetteer\n";

// What a query's words widen to under `vocabulary`, as "typed -> equivalents" per run.
std::vector<std::string> Widened(const Vocabulary& vocabulary, absl::string_view query) {
  Analyzer analyzer;
  std::vector<std::string> stems;
  for (Token& token : analyzer.Analyze(query)) stems.push_back(std::move(token.term));
  std::vector<std::string> runs;
  for (const Vocabulary::Widening& widening : vocabulary.Widen(stems)) {
    runs.push_back(absl::StrCat(widening.first, "+", widening.length, " -> ",
                                absl::StrJoin(widening.equivalents, "|")));
  }
  return runs;
}

// The audit log's vocabulary events, newest first.
std::vector<v1::AuditEvent> VocabularyEvents(const Store& store) {
  AuditQuery query;
  query.action = "vocabulary.set";
  absl::StatusOr<AuditPage> page = ListAudit(store, query);
  EXPECT_TRUE(page.ok()) << page.status();
  return page.ok() ? page->events : std::vector<v1::AuditEvent>();
}

class NodeVocabularyTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes and opens the store and the vocabulary again, as a restart of cairnd does.
  void Reopen() {
    vocabulary_.reset();
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    absl::StatusOr<std::unique_ptr<NodeVocabulary>> vocabulary =
        NodeVocabulary::Open(store_.get(), &clock_);
    ASSERT_TRUE(vocabulary.ok()) << vocabulary.status();
    vocabulary_ = *std::move(vocabulary);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<NodeVocabulary> vocabulary_;
};

TEST_F(NodeVocabularyTest, ANewNodeHasTheShippedVocabularyOnly) {
  EXPECT_EQ(vocabulary_->Current()->group_count(), NodeVocabulary::ShippedGroupCount());
  EXPECT_GT(NodeVocabulary::ShippedGroupCount(), 100u);
  EXPECT_EQ(vocabulary_->AdminGroupCount(), 0u);
  EXPECT_THAT(vocabulary_->AdminText(), IsEmpty());
  EXPECT_THAT(vocabulary_->Problem(), IsEmpty());
  EXPECT_THAT(NodeVocabulary::ShippedText(), HasSubstr("tablet, mobile data terminal"));
  EXPECT_THAT(Widened(*vocabulary_->Current(), "tablet"), ::testing::SizeIs(1));
  EXPECT_THAT(Widened(*vocabulary_->Current(), "jesip principles"), IsEmpty());
}

TEST_F(NodeVocabularyTest, SetAddsTheAdminsGroupsToTheShippedOnesAndSurvivesARestart) {
  ASSERT_TRUE(vocabulary_->Set(kAdminText, "user ada").ok());
  EXPECT_EQ(vocabulary_->AdminGroupCount(), 2u);
  EXPECT_EQ(vocabulary_->Current()->group_count(), NodeVocabulary::ShippedGroupCount() + 2);
  EXPECT_THAT(Widened(*vocabulary_->Current(), "jesip principles"),
              ElementsAre("0+1 -> joint emergency services interoperability"));
  EXPECT_THAT(Widened(*vocabulary_->Current(), "tablet"), ::testing::SizeIs(1));

  Reopen();
  EXPECT_EQ(vocabulary_->AdminText(), kAdminText);  // comments and all, as the admin wrote it
  EXPECT_EQ(vocabulary_->AdminGroupCount(), 2u);
  EXPECT_THAT(Widened(*vocabulary_->Current(), "address gazetteer errors"),
              ElementsAre("0+2 -> llpg|local land and property gazetteer"));
}

TEST_F(NodeVocabularyTest, SetIsAuditedWithTheActorAndWhatChanged) {
  ASSERT_TRUE(vocabulary_->Set(kAdminText, "user ada").ok());
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(vocabulary_->Set("", "user ben").ok());
  std::vector<v1::AuditEvent> events = VocabularyEvents(*store_);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].actor(), "user ada");
  EXPECT_EQ(events[1].detail(), absl::StrCat("2 groups, ", sizeof(kAdminText) - 1, " bytes"));
  EXPECT_EQ(events[0].actor(), "user ben");
  EXPECT_EQ(events[0].detail(), "0 groups, 0 bytes");
  EXPECT_EQ(FromTimestamp(events[0].at()), clock_.Now());
  // Empty text removes the admins' groups, and that too survives a restart.
  Reopen();
  EXPECT_EQ(vocabulary_->AdminGroupCount(), 0u);
  EXPECT_EQ(vocabulary_->Current()->group_count(), NodeVocabulary::ShippedGroupCount());
}

TEST_F(NodeVocabularyTest, ABadLineIsNamedAndChangesNothing) {
  ASSERT_TRUE(vocabulary_->Set(kAdminText, "user ada").ok());
  std::shared_ptr<const Vocabulary> before = vocabulary_->Current();
  absl::Status refused = vocabulary_->Set(
      "tablet, slate\n"
      "# a comment\n"
      "just one term\n",
      "user ada");
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("vocabulary line 3: a group needs two or more"));
  EXPECT_EQ(vocabulary_->Current(), before);
  EXPECT_EQ(vocabulary_->AdminText(), kAdminText);
  EXPECT_EQ(VocabularyEvents(*store_).size(), 1u);
  Reopen();
  EXPECT_EQ(vocabulary_->AdminText(), kAdminText);
}

TEST_F(NodeVocabularyTest, TextOverTheLimitIsRefusedNamingTheField) {
  std::string line = "tablet, slate\n";
  std::string huge;
  while (huge.size() <= kMaxVocabularyTextBytes) huge += line;
  absl::Status refused = vocabulary_->Set(huge, "user ada");
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr(absl::StrCat("text: ", huge.size(),
                                                        " bytes is over the limit of 1048576")));
  EXPECT_THAT(VocabularyEvents(*store_), IsEmpty());
  EXPECT_EQ(vocabulary_->AdminGroupCount(), 0u);
}

TEST_F(NodeVocabularyTest, AVocabularyHeldByAQueryStaysAsItWasWhileAnAdminSetsAnother) {
  std::shared_ptr<const Vocabulary> held = vocabulary_->Current();
  ASSERT_TRUE(vocabulary_->Set(kAdminText, "user ada").ok());
  EXPECT_EQ(held->group_count(), NodeVocabulary::ShippedGroupCount());
  EXPECT_THAT(Widened(*held, "jesip"), IsEmpty());
  EXPECT_THAT(Widened(*vocabulary_->Current(), "jesip"), ::testing::SizeIs(1));
}

TEST_F(NodeVocabularyTest, AStoredTextThatNoLongerParsesLeavesTheShippedVocabularyAndSaysWhy) {
  // As a cairnd with looser limits might have stored it.
  StoreBatch batch;
  batch.PutMeta(std::string(kVocabularyMetaKey), "tablet, slate\nlonely\n");
  ASSERT_TRUE(store_->Commit(batch).ok());
  Reopen();
  EXPECT_EQ(vocabulary_->Current()->group_count(), NodeVocabulary::ShippedGroupCount());
  EXPECT_EQ(vocabulary_->AdminGroupCount(), 0u);
  EXPECT_EQ(vocabulary_->AdminText(), "tablet, slate\nlonely\n");
  EXPECT_THAT(vocabulary_->Problem(), HasSubstr("vocabulary line 2"));
  // Setting a good text again clears it.
  ASSERT_TRUE(vocabulary_->Set("tablet, slate\n", "user ada").ok());
  EXPECT_THAT(vocabulary_->Problem(), IsEmpty());
  EXPECT_EQ(vocabulary_->AdminGroupCount(), 1u);
}

TEST_F(NodeVocabularyTest, ConcurrentSetsLeaveTheStoreAndTheCurrentVocabularyAgreeing) {
  auto set_many = [this](std::string text, std::string actor) {
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(vocabulary_->Set(text, actor).ok());
  };
  std::thread ada(set_many, "jesip, joint working\n", "user ada");
  std::thread ben(set_many, "llpg, gazetteer\nmdt, slate\n", "user ben");
  ada.join();
  ben.join();
  std::string last = vocabulary_->AdminText();
  size_t groups = vocabulary_->AdminGroupCount();
  EXPECT_EQ(vocabulary_->Current()->group_count(), NodeVocabulary::ShippedGroupCount() + groups);
  EXPECT_EQ(VocabularyEvents(*store_).size(), 40u);
  EXPECT_EQ(VocabularyEvents(*store_).front().actor(),
            groups == 1 ? "user ada" : "user ben");  // the last commit is the current text
  Reopen();
  EXPECT_EQ(vocabulary_->AdminText(), last);
  EXPECT_EQ(vocabulary_->AdminGroupCount(), groups);
}

}  // namespace
}  // namespace cairn::search
