#include "node/lessons/catalog.h"

#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/audit/audit_log.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

constexpr absl::string_view kActor = "user alice";

v1::Lesson Draft(const std::string& title, v1::TlpMarking marking = v1::TLP_AMBER) {
  v1::Lesson lesson;
  lesson.set_title(title);
  lesson.set_marking(marking);
  return lesson;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    catalog_ = std::make_unique<LessonCatalog>(
        store_.get(), LessonCatalog::Identity{"leeds-council", "local-government"}, &clock_,
        &random_);
  }

  v1::Lesson MustCreate(v1::Lesson draft) {
    auto created = catalog_->Create(kActor, std::move(draft));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(v1::Lesson());
  }

  // A copy of another organisation's lesson, as replication will store it.
  v1::Lesson StoreForeignCopy() {
    v1::Lesson copy = Draft("Police radio battery swaps");
    copy.set_id("west-police:01ARZ3NDEKTSV4RRFFQ69G5FAV");
    copy.set_origin_org("west-police");
    copy.set_version(4);
    EXPECT_TRUE(store_->Commit({{copy, 0}}).ok());
    return copy;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  testing::CountingRandom random_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<LessonCatalog> catalog_;
};

TEST_F(CatalogTest, CreateAssignsIdentityVersionTimesAndDefaults) {
  v1::Lesson lesson = MustCreate(Draft("Secure the wireless"));
  EXPECT_THAT(lesson.id(), ::testing::StartsWith("leeds-council:"));
  EXPECT_EQ(lesson.origin_org(), "leeds-council");
  EXPECT_EQ(lesson.origin_sector(), "local-government");
  EXPECT_EQ(lesson.version(), 1u);
  EXPECT_EQ(lesson.created_at().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(lesson.status(), v1::OBSERVATION);
  EXPECT_EQ(lesson.classification(), v1::OFFICIAL);
  auto stored = catalog_->Get(lesson.id());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->SerializeAsString(), lesson.SerializeAsString());
}

TEST_F(CatalogTest, ClientSuppliedIdentityIsRefusedAndNothingIsWritten) {
  struct Case {
    std::string field;
    std::function<void(v1::Lesson*)> fill;
  };
  for (const Case& c : std::vector<Case>{
           {"lesson.id", [](v1::Lesson* l) { l->set_id("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV"); }},
           {"lesson.origin_org", [](v1::Lesson* l) { l->set_origin_org("west-police"); }},
           {"lesson.origin_sector", [](v1::Lesson* l) { l->set_origin_sector("policing"); }},
           {"lesson.version", [](v1::Lesson* l) { l->set_version(7); }},
           {"lesson.created_at", [](v1::Lesson* l) { l->mutable_created_at()->set_seconds(1); }},
           {"lesson.provenance", [](v1::Lesson* l) { l->mutable_provenance()->set_algorithm("x"); }},
       }) {
    v1::Lesson draft = Draft("x");
    c.fill(&draft);
    absl::Status status = catalog_->Create(kActor, draft).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(status.message(), HasSubstr(c.field + ": is assigned by the node"));
  }
  EXPECT_EQ(store_->LastSequence(), 0u);
}

TEST_F(CatalogTest, UpdateIncrementsVersionAndKeepsIdentity) {
  v1::Lesson lesson = MustCreate(Draft("Batteries"));
  clock_.Advance(absl::Minutes(5));
  lesson.set_summary("Swap batteries at shift change");
  lesson.set_status(v1::LESSON_IDENTIFIED);
  auto updated = catalog_->Update(kActor, lesson);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->version(), 2u);
  EXPECT_EQ(updated->summary(), "Swap batteries at shift change");
  EXPECT_EQ(updated->created_at().seconds(), lesson.created_at().seconds());
  EXPECT_EQ(updated->updated_at().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(catalog_->Get(lesson.id())->version(), 2u);
}

TEST_F(CatalogTest, StaleVersionIsAFailedPreconditionAndChangesNothing) {
  v1::Lesson lesson = MustCreate(Draft("Batteries"));
  v1::Lesson first_edit = lesson;
  first_edit.set_summary("first");
  ASSERT_TRUE(catalog_->Update(kActor, first_edit).ok());
  v1::Lesson late_edit = lesson;  // still based on version 1
  late_edit.set_summary("late");
  auto result = catalog_->Update(kActor, late_edit);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr("lesson.version 1 is behind the stored version 2"));
  EXPECT_EQ(catalog_->Get(lesson.id())->summary(), "first");
  EXPECT_EQ(store_->LastSequence(), 2u);
}

TEST_F(CatalogTest, VersionAheadOrMissingIsInvalid) {
  v1::Lesson lesson = MustCreate(Draft("Batteries"));
  lesson.set_version(5);
  EXPECT_EQ(catalog_->Update(kActor, lesson).status().code(), absl::StatusCode::kInvalidArgument);
  lesson.clear_version();
  EXPECT_THAT(catalog_->Update(kActor, lesson).status().message(), HasSubstr("lesson.version: is empty"));
}

TEST_F(CatalogTest, UpdateValidatesContent) {
  v1::Lesson lesson = MustCreate(Draft("Batteries"));
  lesson.clear_title();
  EXPECT_THAT(catalog_->Update(kActor, lesson).status().message(), HasSubstr("lesson.title"));
  lesson.set_title("Batteries");
  lesson.set_origin_org("west-police");
  absl::Status moved = catalog_->Update(kActor, lesson).status();
  EXPECT_EQ(moved.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(moved.message(), HasSubstr("lesson.origin_org: cannot be changed"));
  EXPECT_EQ(store_->LastSequence(), 1u);
}

TEST_F(CatalogTest, AnotherOrganisationsLessonCannotBeEditedOrRetracted) {
  v1::Lesson copy = StoreForeignCopy();
  v1::Lesson edit = copy;
  edit.set_title("Rewritten by the council");
  auto updated = catalog_->Update(kActor, edit);
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(updated.status().message(), HasSubstr("belongs to west-police"));
  EXPECT_EQ(catalog_->Retract(kActor, copy.id(), "no").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(catalog_->Get(copy.id())->title(), "Police radio battery swaps");
  EXPECT_EQ(store_->LastSequence(), 1u);
}

TEST_F(CatalogTest, RetractMakesATombstoneThatCannotBeEdited) {
  v1::Lesson lesson = MustCreate(Draft("Batteries"));
  auto retracted = catalog_->Retract(kActor, lesson.id(), "superseded by national guidance");
  ASSERT_TRUE(retracted.ok()) << retracted.status();
  EXPECT_EQ(retracted->status(), v1::RETRACTED);
  EXPECT_EQ(retracted->version(), 2u);
  EXPECT_EQ(retracted->retraction_reason(), "superseded by national guidance");
  EXPECT_EQ(catalog_->Retract(kActor, lesson.id(), "").status().code(),
            absl::StatusCode::kFailedPrecondition);
  retracted->set_title("revive");
  EXPECT_EQ(catalog_->Update(kActor, *retracted).status().code(), absl::StatusCode::kFailedPrecondition);
  auto changes = store_->ReadChanges(0, 10);
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[1].kind(), v1::Change::RETRACT);
}

TEST_F(CatalogTest, ChangeLogFollowsTheOrderOfOperations) {
  v1::Lesson a = MustCreate(Draft("A"));
  v1::Lesson b = MustCreate(Draft("B"));
  a.set_summary("edited");
  ASSERT_TRUE(catalog_->Update(kActor, a).ok());
  ASSERT_TRUE(catalog_->Retract(kActor, b.id(), "").ok());
  auto changes = store_->ReadChanges(0, 100);
  ASSERT_TRUE(changes.ok());
  std::vector<std::pair<std::string, uint64_t>> seen;
  for (const v1::Change& change : *changes) seen.emplace_back(change.lesson_id(), change.version());
  EXPECT_THAT(seen, ::testing::ElementsAre(std::pair{a.id(), 1ul}, std::pair{b.id(), 1ul},
                                           std::pair{a.id(), 2ul}, std::pair{b.id(), 2ul}));
  for (size_t i = 0; i < changes->size(); ++i) EXPECT_EQ((*changes)[i].sequence(), i + 1);
}

TEST_F(CatalogTest, ListFiltersAndPagesWithoutGapsOrRepeats) {
  std::set<std::string> amber_wireless;
  for (int i = 0; i < 23; ++i) {
    v1::Lesson draft = Draft("lesson " + std::to_string(i), i % 2 ? v1::TLP_AMBER : v1::TLP_GREEN);
    if (i % 3 == 0) draft.add_topics("wireless");
    v1::Lesson lesson = MustCreate(draft);
    if (i % 2 && i % 3 == 0) amber_wireless.insert(lesson.id());
    clock_.Advance(absl::Milliseconds(1));
  }
  ListQuery query;
  query.page_size = 4;
  std::vector<std::string> all;
  std::vector<size_t> page_sizes;
  do {
    auto page = catalog_->List(query);
    ASSERT_TRUE(page.ok()) << page.status();
    page_sizes.push_back(page->lessons.size());
    for (const auto& lesson : page->lessons) all.push_back(lesson.id());
    query.page_token = page->next_page_token;
  } while (!query.page_token.empty() && page_sizes.size() < 100);
  EXPECT_THAT(page_sizes, ::testing::ElementsAre(4, 4, 4, 4, 4, 3));
  EXPECT_EQ(all.size(), 23u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 23u);

  ListQuery filtered;
  filtered.marking = v1::TLP_AMBER;
  filtered.topic = "wireless";
  auto page = catalog_->List(filtered);
  ASSERT_TRUE(page.ok());
  std::set<std::string> got;
  for (const auto& lesson : page->lessons) got.insert(lesson.id());
  EXPECT_EQ(got, amber_wireless);
}

TEST_F(CatalogTest, ListHidesRetractedUnlessAskedAndFiltersByOrigin) {
  v1::Lesson kept = MustCreate(Draft("kept"));
  v1::Lesson gone = MustCreate(Draft("gone"));
  ASSERT_TRUE(catalog_->Retract(kActor, gone.id(), "").ok());
  v1::Lesson copy = StoreForeignCopy();
  auto page = catalog_->List({});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->lessons.size(), 2u);
  ListQuery retracted;
  retracted.status = v1::RETRACTED;
  EXPECT_EQ(catalog_->List(retracted)->lessons.at(0).id(), gone.id());
  ListQuery police;
  police.origin_org = "west-police";
  EXPECT_EQ(catalog_->List(police)->lessons.at(0).id(), copy.id());
}

TEST_F(CatalogTest, BadListArgumentsAreInvalid) {
  ListQuery query;
  query.page_token = "not-a-token";
  EXPECT_THAT(catalog_->List(query).status().message(), HasSubstr("page_token"));
  query.page_token.clear();
  query.page_size = 501;
  EXPECT_THAT(catalog_->List(query).status().message(), HasSubstr("page_size: 501"));
}

TEST_F(CatalogTest, CreateManyStoresTheGoodAndReportsTheBad) {
  std::vector<v1::Lesson> drafts = {Draft("one"), Draft(""), Draft("three")};
  auto results = catalog_->CreateMany(kActor, drafts);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 3u);
  EXPECT_TRUE((*results)[0].ok());
  EXPECT_THAT((*results)[1].status().message(), HasSubstr("lesson.title"));
  EXPECT_TRUE((*results)[2].ok());
  EXPECT_EQ(store_->LastSequence(), 2u);
  EXPECT_EQ(catalog_->Get((*results)[2]->id())->title(), "three");

  std::vector<v1::Lesson> too_many(LessonCatalog::kMaxBatch + 1, Draft("x"));
  EXPECT_THAT(catalog_->CreateMany(kActor, too_many).status().message(), HasSubstr("over the limit of 500"));
  EXPECT_EQ(store_->LastSequence(), 2u);
}

TEST_F(CatalogTest, EveryChangeIsAuditedWithItsActorAndVersions) {
  v1::Lesson lesson = MustCreate(Draft("Batteries"));
  lesson.set_summary("edited");
  ASSERT_TRUE(catalog_->Update("user amira", lesson).ok());
  ASSERT_TRUE(catalog_->Retract("user amira", lesson.id(), "").ok());
  ASSERT_TRUE(catalog_->Update(kActor, Draft("")).status().code() != absl::StatusCode::kOk);
  auto page = ListAudit(*store_, {});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events.size(), 3u);  // newest first; the failed edit left nothing
  EXPECT_EQ(page->events[0].action(), "lesson.retract");
  EXPECT_EQ(page->events[0].actor(), "user amira");
  EXPECT_EQ(page->events[0].old_version(), 2u);
  EXPECT_EQ(page->events[0].new_version(), 3u);
  EXPECT_EQ(page->events[1].action(), "lesson.edit");
  EXPECT_EQ(page->events[2].action(), "lesson.create");
  EXPECT_EQ(page->events[2].actor(), "user alice");
  EXPECT_EQ(page->events[2].target(), lesson.id());
  AuditQuery by_actor;
  by_actor.actor = "user alice";
  EXPECT_EQ(ListAudit(*store_, by_actor)->events.size(), 1u);
  AuditQuery edits;
  edits.action = "lesson.edit";
  EXPECT_EQ(ListAudit(*store_, edits)->events.size(), 1u);
  AuditQuery all_lessons;
  all_lessons.action = "lesson.";
  all_lessons.page_size = 2;
  auto first = ListAudit(*store_, all_lessons);
  ASSERT_EQ(first->events.size(), 2u);
  all_lessons.page_token = first->next_page_token;
  auto second = ListAudit(*store_, all_lessons);
  ASSERT_EQ(second->events.size(), 1u);
  EXPECT_EQ(second->events[0].action(), "lesson.create");
  AuditQuery later;
  later.since = clock_.Now() + absl::Seconds(1);
  EXPECT_TRUE(ListAudit(*store_, later)->events.empty());
}

TEST_F(CatalogTest, HistoryTellsEveryVersionNewestFirstAndKeepsItAfterTheLogIsTrimmed) {
  v1::Lesson lesson = MustCreate(Draft("Batteries"));
  v1::Lesson other = MustCreate(Draft("Unrelated"));
  lesson.set_summary("edited once");
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(catalog_->Update(kActor, lesson).ok());
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(catalog_->Retract(kActor, lesson.id(), "superseded").ok());
  // A new route to a copy is not an event in the lesson's history.
  LessonWrite route{*catalog_->Get(other.id()), 1, v1::Change::ROUTE};
  ASSERT_TRUE(store_->Commit({route}).ok());
  ASSERT_TRUE(store_->TrimChangeLog(1).ok());

  auto history = catalog_->History(lesson.id());
  ASSERT_TRUE(history.ok()) << history.status();
  std::vector<std::pair<uint64_t, v1::Change::Kind>> events;
  for (const auto& event : history->events()) events.emplace_back(event.version(), event.kind());
  EXPECT_THAT(events, ::testing::ElementsAre(std::pair{3ul, v1::Change::RETRACT},
                                             std::pair{2ul, v1::Change::UPSERT},
                                             std::pair{1ul, v1::Change::UPSERT}));
  EXPECT_EQ(history->events(0).at().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_LT(history->events(2).at().seconds(), history->events(1).at().seconds());
  EXPECT_FALSE(history->more_events());
  EXPECT_TRUE(history->sources().empty());
  EXPECT_TRUE(history->sent_to().empty());
  EXPECT_EQ(catalog_->History(other.id())->events_size(), 1);
}

TEST_F(CatalogTest, AnOwnLessonWhoseHistoryBeganLateSaysOlderEventsAreMissing) {
  // Our own lesson first stored here at version 3, as a node that kept no histories before would
  // have held it: versions 1 and 2 are not in its history.
  v1::Lesson lesson = Draft("Batteries");
  lesson.set_id("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV");
  lesson.set_origin_org("leeds-council");
  lesson.set_version(3);
  ASSERT_TRUE(store_->Commit({{lesson, 0}}).ok());
  auto history = catalog_->History(lesson.id());
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->events_size(), 1);
  EXPECT_TRUE(history->more_events());
  // One recorded here from version 1 has its whole history; a copy's may start at any version.
  EXPECT_FALSE(catalog_->History(MustCreate(Draft("Radios")).id())->more_events());
  EXPECT_FALSE(catalog_->History(StoreForeignCopy().id())->more_events());
}

TEST_F(CatalogTest, HistoryNamesWhereACopyCameFromAndWhereALessonWent) {
  v1::Lesson copy = StoreForeignCopy();
  v1::Lesson own = MustCreate(Draft("Ours"));
  v1::Peer peer;
  peer.set_org_id("leeds-nhs");
  StoreBatch batch;
  batch.PutPeer(peer);
  batch.PutLedger("leeds-nhs", own.id(), 1);
  v1::HolderEntry holder;
  holder.set_version(4);
  holder.add_path("west-police");
  batch.PutHolder(copy.id(), "west-police", holder);
  ASSERT_TRUE(store_->Commit(batch).ok());

  auto copy_history = catalog_->History(copy.id());
  ASSERT_TRUE(copy_history.ok()) << copy_history.status();
  ASSERT_EQ(copy_history->sources_size(), 1);
  EXPECT_EQ(copy_history->sources(0).org(), "west-police");
  EXPECT_EQ(copy_history->sources(0).version(), 4u);
  EXPECT_THAT(copy_history->sources(0).path(), ::testing::ElementsAre("west-police"));
  EXPECT_TRUE(copy_history->sent_to().empty());
  auto own_history = catalog_->History(own.id());
  ASSERT_TRUE(own_history.ok());
  ASSERT_EQ(own_history->sent_to_size(), 1);
  EXPECT_EQ(own_history->sent_to(0).org(), "leeds-nhs");
  EXPECT_EQ(own_history->sent_to(0).version(), 1u);
}

TEST_F(CatalogTest, HistoryOfALongLivedLessonIsCapped) {
  v1::Lesson lesson = MustCreate(Draft("Edited often"));
  for (size_t i = 0; i < LessonCatalog::kMaxHistoryEvents + 5; ++i) {
    lesson.set_summary(absl::StrCat("edit ", i));
    auto updated = catalog_->Update(kActor, lesson);
    ASSERT_TRUE(updated.ok()) << updated.status();
    lesson = *updated;
  }
  auto history = catalog_->History(lesson.id());
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->events_size(), static_cast<int>(LessonCatalog::kMaxHistoryEvents));
  EXPECT_EQ(history->events(0).version(), lesson.version());
  EXPECT_TRUE(history->more_events());
}

TEST_F(CatalogTest, MalformedIdIsInvalidNotMissing) {
  EXPECT_EQ(catalog_->Get("nonsense").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->Get("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(catalog_->History("nonsense").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->History("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cairn
