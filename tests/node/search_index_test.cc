// The search index in-process, with a real RocksDB store: regression tests for what broke once.
#include "node/search/search_index.h"

#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/common/page_token.h"
#include "node/search/lesson_text.h"
#include "tests/support/temp_dir.h"

namespace cairn::search {
namespace {

using ::testing::HasSubstr;

class SearchIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    index_.reset();
    store_.reset();
    store_ = *Store::Open(dir_.path() + "/db");
    auto index = SearchIndex::Open(store_.get());
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);
  }

  static v1::Lesson Lesson(const std::string& suffix, const std::string& title, uint64_t version = 1) {
    v1::Lesson lesson;
    lesson.set_id("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5F" + suffix);
    lesson.set_origin_org("leeds-council");
    lesson.set_version(version);
    lesson.set_title(title);
    lesson.set_marking(v1::TLP_GREEN);
    lesson.set_status(v1::OBSERVATION);
    return lesson;
  }

  std::vector<std::string> Ids(const std::string& query) {
    v1::SearchRequest request;
    request.set_query(query);
    request.set_page_size(100);
    request.set_skip_snippets(true);
    absl::StatusOr<v1::SearchResponse> response = index_->Search(request);
    EXPECT_TRUE(response.ok()) << query << ": " << response.status();
    std::vector<std::string> ids;
    if (response.ok()) {
      for (const v1::SearchHit& hit : response->hits()) ids.push_back(hit.lesson_id());
    }
    return ids;
  }

  void ExpectConsistent() {
    absl::StatusOr<IndexCheck> check = index_->Check();
    ASSERT_TRUE(check.ok()) << check.status();
    EXPECT_THAT(check->problems, ::testing::IsEmpty());
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SearchIndex> index_;
};

TEST_F(SearchIndexTest, AFailedCommitOfSeveralLessonsLeavesTheIndexAsItWas) {
  v1::Lesson alpha = Lesson("A1", "alpha radios");
  ASSERT_TRUE(store_->Commit({LessonWrite{alpha, 0}}).ok());
  // A new lesson, then one with a stale expected version: the whole commit fails.
  v1::Lesson beta = Lesson("B1", "beta radios");
  v1::Lesson stale = Lesson("C1", "gamma radios");
  EXPECT_FALSE(store_->Commit({LessonWrite{beta, 0}, LessonWrite{stale, 7}}).ok());
  // A deletion, then the stale one again: fails too, and alpha stays findable.
  EXPECT_FALSE(store_->Commit({LessonWrite{Lesson("A1", ""), 1, v1::Change::DELETE},
                               LessonWrite{stale, 7}})
                   .ok());
  ASSERT_TRUE(store_->Commit({LessonWrite{Lesson("D1", "delta radios"), 0}}).ok());
  EXPECT_THAT(Ids("radios"), ::testing::UnorderedElementsAre(alpha.id(), Lesson("D1", "").id()));
  EXPECT_THAT(Ids("alpha"), ::testing::ElementsAre(alpha.id()));
  EXPECT_THAT(Ids("beta"), ::testing::IsEmpty());
  ExpectConsistent();
}

TEST_F(SearchIndexTest, DeletingALessonThatIsNotThereDoesNotCrash) {
  (void)store_->Commit({LessonWrite{Lesson("Z1", ""), 0, v1::Change::DELETE}});
  ExpectConsistent();
}

TEST_F(SearchIndexTest, PhrasesDoNotSpanTwoRecommendations) {
  v1::Lesson lesson = Lesson("E1", "spans");
  lesson.add_recommendations("alpha");
  lesson.add_recommendations("beta");
  ASSERT_TRUE(store_->Commit({LessonWrite{lesson, 0}}).ok());
  EXPECT_THAT(Ids("\"alpha beta\""), ::testing::IsEmpty());
  EXPECT_THAT(Ids("\"alpha the the the the the the the the beta\""), ::testing::IsEmpty());
  EXPECT_THAT(Ids("alpha beta"), ::testing::ElementsAre(lesson.id()));
}

TEST_F(SearchIndexTest, HyphenChainsCountAgainstTheQueryLimit) {
  std::string chain = "ba";
  for (int i = 0; i < 100; ++i) chain += "-ca";
  v1::SearchRequest request;
  request.set_query(chain);
  absl::StatusOr<v1::SearchResponse> response = index_->Search(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("over 64 words"));
}

TEST_F(SearchIndexTest, AForgedPageTokenCannotWrapTheOffsetCheck) {
  ASSERT_TRUE(store_->Commit({LessonWrite{Lesson("F1", "radios"), 0},
                              LessonWrite{Lesson("F2", "radios"), 0}})
                  .ok());
  // A real token gives the query's fingerprint; the forged one keeps it with a huge offset.
  v1::SearchRequest request;
  request.set_query("radios");
  request.set_page_size(1);
  absl::StatusOr<v1::SearchResponse> first = index_->Search(request);
  ASSERT_TRUE(first.ok()) << first.status();
  std::string position = *DecodePageToken("search", first->next_page_token());
  std::string fingerprint = position.substr(0, position.find('/'));
  request.set_page_token(EncodePageToken("search", fingerprint + "/18446744073709551615"));
  absl::StatusOr<v1::SearchResponse> wrapped = index_->Search(request);
  EXPECT_EQ(wrapped.status().code(), absl::StatusCode::kInvalidArgument);
}

// Regression: once postings were read without decoding them, "did you mean" counted no lesson
// holding any candidate, and so suggested nothing. Of two words as near, the one more lessons hold.
TEST_F(SearchIndexTest, DidYouMeanSuggestsTheNearWordMostLessonsHold) {
  ASSERT_TRUE(store_->Commit({LessonWrite{Lesson("C1", "bolt"), 0},
                              LessonWrite{Lesson("T1", "bold"), 0},
                              LessonWrite{Lesson("T2", "bold"), 0}})
                  .ok());
  v1::SearchRequest request;
  request.set_query("bole");
  absl::StatusOr<v1::SearchResponse> response = index_->Search(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->interpretation().did_you_mean(), "bold");
}

TEST_F(SearchIndexTest, AnIndexOfAnotherFormatIsRebuiltAtOpen) {
  v1::Lesson lesson = Lesson("G1", "docking stations");
  ASSERT_TRUE(store_->Commit({LessonWrite{lesson, 0}}).ok());
  StoreBatch old_format;
  old_format.PutMeta("search/format", "0");
  ASSERT_TRUE(store_->Commit(old_format).ok());
  Open();
  EXPECT_THAT(Ids("docking"), ::testing::ElementsAre(lesson.id()));
  EXPECT_EQ(*store_->GetMeta("search/format"), "5");
  ExpectConsistent();
}

// Everything an index holds on disk, in key order.
std::vector<std::string> IndexContents(const Store& store) {
  std::vector<std::string> contents;
  EXPECT_TRUE(store.ScanSearchDocs([&](absl::string_view id, absl::string_view record) {
    contents.push_back(absl::StrCat("doc ", id, " ", record));
    return true;
  }).ok());
  EXPECT_TRUE(store.ScanPostings("", [&](absl::string_view key, absl::string_view block) {
    contents.push_back(absl::StrCat("postings ", key, " ", block));
    return true;
  }).ok());
  return contents;
}

// Writers may analyse lessons ahead, on their own threads (replication does): the index must end
// up exactly as when Commit analyses them itself.
TEST(PreparedIndexingTest, PreparedWritesIndexExactlyLikeUnpreparedOnes) {
  testing::TempDir dir;
  auto prepared_store = *Store::Open(dir.path() + "/prepared");
  auto plain_store = *Store::Open(dir.path() + "/plain");
  auto prepared_index = *SearchIndex::Open(prepared_store.get());
  auto plain_index = *SearchIndex::Open(plain_store.get());
  const std::vector<std::string> words = {"radio", "radios", "battery", "batteries", "the",
                                          "wireless", "tablet", "charging", "of", "kit"};
  std::mt19937 random(7);
  auto text = [&](int length) {
    std::string out;
    for (int i = 0; i < length; ++i) absl::StrAppend(&out, words[random() % words.size()], " ");
    return out;
  };
  std::map<std::string, uint64_t> versions;  // lesson id -> stored version
  for (int step = 0; step < 300; ++step) {
    StoreBatch prepared_batch, plain_batch;
    const int writes = 1 + random() % 6;
    std::set<std::string> in_batch;
    for (int w = 0; w < writes; ++w) {
      std::string id = absl::StrCat("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5F", 10 + random() % 40);
      if (!in_batch.insert(id).second) continue;
      uint64_t stored = versions[id];
      LessonWrite write{v1::Lesson(), stored};
      write.lesson.set_id(id);
      if (stored > 0 && random() % 5 == 0) {
        write.change_kind = v1::Change::DELETE;
        versions[id] = 0;
      } else {
        write.lesson.set_origin_org("leeds-council");
        write.lesson.set_version(stored + 1);
        write.lesson.set_title(text(1 + random() % 4));
        write.lesson.set_summary(text(random() % 8));
        write.lesson.set_lesson(text(random() % 30));
        write.lesson.add_recommendations(text(random() % 5));
        versions[id] = stored + 1;
      }
      std::shared_ptr<const PreparedIndexing> prepared;
      if (write.change_kind != v1::Change::DELETE) {
        std::thread ahead([&] { prepared = prepared_store->PrepareIndexing(write.lesson); });
        ahead.join();
        ASSERT_NE(prepared, nullptr);
      }
      prepared_batch.PutLesson(write, std::move(prepared));
      plain_batch.PutLesson(write);
    }
    ASSERT_TRUE(prepared_store->Commit(prepared_batch).ok());
    ASSERT_TRUE(plain_store->Commit(plain_batch).ok());
  }
  EXPECT_EQ(IndexContents(*prepared_store), IndexContents(*plain_store));
  for (SearchIndex* index : {prepared_index.get(), plain_index.get()}) {
    absl::StatusOr<IndexCheck> check = index->Check();
    ASSERT_TRUE(check.ok()) << check.status();
    EXPECT_THAT(check->problems, ::testing::IsEmpty());
    EXPECT_GT(check->postings, 0u);
  }
}

// A preparation of other content than is written is not used: the index stays right.
TEST(PreparedIndexingTest, APreparationOfOtherContentIsIgnored) {
  testing::TempDir dir;
  auto store = *Store::Open(dir.path() + "/db");
  auto index = *SearchIndex::Open(store.get());
  v1::Lesson lesson;
  lesson.set_id("leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAV");
  lesson.set_origin_org("leeds-council");
  lesson.set_version(1);
  lesson.set_title("charging tablets");
  v1::Lesson other = lesson;
  other.set_version(2);
  other.set_title("wireless radios");
  StoreBatch batch;
  batch.PutLesson(LessonWrite{lesson, 0}, store->PrepareIndexing(other));
  ASSERT_TRUE(store->Commit(batch).ok());
  absl::StatusOr<IndexCheck> check = index->Check();
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_THAT(check->problems, ::testing::IsEmpty());
}

TEST(DescribeHitTest, ASnippetWithoutSpacesStaysInsideItsText) {
  v1::Lesson lesson;
  lesson.set_summary(std::string(100, 'x') + "-battery");
  v1::SearchHit hit;
  DescribeHit(lesson, {"batteri"}, &hit);
  EXPECT_EQ(hit.snippet_field(), "summary");
  ASSERT_EQ(hit.highlights_size(), 1);
  EXPECT_EQ(hit.snippet().substr(hit.highlights(0).begin(),
                                 hit.highlights(0).end() - hit.highlights(0).begin()),
            "battery");
}

}  // namespace
}  // namespace cairn::search
