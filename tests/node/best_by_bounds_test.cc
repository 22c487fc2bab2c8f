// The best results found by block bounds (SearchIndex::BestByBounds, used unless exact counts are
// asked for) are exactly those of evaluating every match: the same lessons in the same order with
// the same scores, on every page, for random corpora spanning many postings blocks and random
// queries of every kind, and for a peer whose view of the lessons the policy altered.
#include <atomic>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "node/crypto/provenance.h"
#include "node/policy/sharing.h"
#include "node/search/lesson_match.h"
#include "node/search/search_index.h"
#include "node/search/vocabulary.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace cairn::search {
namespace {

constexpr char kHolder[] = "leeds-council";
constexpr char kPeer[] = "west-police";
// Words from common to rare: a skewed draw makes postings lists of very different lengths, so
// that bounds differ between terms and blocks.
const std::vector<std::string> kWords = {
    "radio",   "battery", "the",     "tablet",  "wireless", "charger", "shift",  "handset",
    "vehicle", "custody", "ward",    "of",      "estates",  "signal",  "outage", "cooling",
    "ladder",  "drone",   "lithium", "antenna", "rota",     "triage",  "sensor", "hydrant"};
const std::vector<std::string> kTopics = {"mobile-working", "estates", "device-care"};
const std::vector<std::string> kSectors = {"policing", "health", "local-government"};

std::string Words(std::mt19937& random, int count) {
  std::uniform_real_distribution<double> unit(0, 1);
  std::string text;
  for (int i = 0; i < count; ++i) {
    double u = unit(random);
    absl::StrAppend(&text, i ? " " : "", kWords[static_cast<size_t>(kWords.size() * u * u * u)]);
  }
  return text;
}

v1::Lesson RandomLesson(std::mt19937& random, int n) {
  v1::Lesson lesson;
  const bool own = random() % 4 != 0;
  lesson.set_id(absl::StrCat(own ? kHolder : "leeds-nhs", ":01ARZ3NDEKTSV4RRFFQ6", 100000 + n));
  lesson.set_origin_org(own ? kHolder : "leeds-nhs");
  lesson.set_origin_sector(kSectors[random() % kSectors.size()]);
  lesson.set_version(1);
  lesson.set_title(Words(random, 1 + random() % 4));
  if (random() % 3) lesson.set_summary(Words(random, 1 + random() % 12));
  if (random() % 2) lesson.set_lesson(Words(random, random() % 40));
  if (random() % 3 == 0) lesson.set_evidence(Words(random, 1 + random() % 20));
  if (random() % 2) lesson.add_topics(kTopics[random() % kTopics.size()]);
  lesson.set_marking(random() % 3 ? v1::TLP_GREEN : v1::TLP_CLEAR);
  lesson.set_status(random() % 8 == 0 ? v1::RETRACTED : v1::LESSON_LEARNED);
  lesson.set_polarity(random() % 2 ? v1::GOOD_PRACTICE : v1::AREA_FOR_IMPROVEMENT);
  return lesson;
}

std::string RandomQuery(std::mt19937& random) {
  std::string query;
  int clauses = 1 + random() % 4;
  for (int i = 0; i < clauses; ++i) {
    if (!query.empty()) {
      int join = random() % 8;
      absl::StrAppend(&query, join == 0 ? " OR " : join == 1 ? " AND " : " ");
    }
    switch (random() % 8) {
      case 0:
        absl::StrAppend(&query, "\"", Words(random, 2), "\"");
        break;
      case 1:
        absl::StrAppend(&query, "-", Words(random, 1));
        break;
      case 2:
        absl::StrAppend(&query, "+", Words(random, 1));
        break;
      default:
        absl::StrAppend(&query, Words(random, 1));
        break;
    }
  }
  switch (random() % 8) {
    case 0:
      absl::StrAppend(&query, " topic:", kTopics[random() % kTopics.size()]);
      break;
    case 1:
      absl::StrAppend(&query, " sector:", kSectors[random() % kSectors.size()]);
      break;
    case 2:
      absl::StrAppend(&query, " status:retracted");
      break;
    default:
      break;
  }
  return query;
}

// A store of `count` random lessons and its index, in a directory of their own.
struct Corpus {
  Corpus(std::mt19937& random, int count)
      : store(*Store::Open(dir.path() + "/db")), index(*SearchIndex::Open(store.get())) {
    for (int n = 0; n < count;) {
      std::vector<LessonWrite> writes;
      for (int i = 0; i < 500 && n < count; ++i) writes.push_back({RandomLesson(random, n++), 0});
      EXPECT_TRUE(store->Commit(writes).ok());
    }
  }
  testing::TempDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<SearchIndex> index;
};

TEST(BestByBoundsTest, PagesAreThoseOfEvaluatingEveryMatch) {
  absl::StatusOr<Vocabulary> vocabulary = Vocabulary::Parse(
      "tablet, wireless charger, handset\nradio, shift\nbattery, lithium\n", "test");
  ASSERT_TRUE(vocabulary.ok()) << vocabulary.status();
  std::mt19937 random(20261203);
  int compared = 0, nonempty = 0, bounded = 0;
  for (int trial = 0; trial < 3; ++trial) {
    Corpus corpus(random, 2500 + 500 * trial);  // three to four postings blocks a term
    for (int q = 0; q < 250; ++q) {
      v1::SearchRequest request;
      request.set_query(RandomQuery(random));
      if (!ParseQuery(request.query()).ok()) continue;  // e.g. OR next to an exclusion
      request.set_all_words(random() % 4 == 0);
      request.set_page_size(1 + random() % 20);
      request.set_skip_snippets(true);
      request.set_skip_facets(random() % 2 == 0);
      // The first page, then maybe the next, each both ways.
      for (int page = 0; page < 2; ++page) {
        v1::SearchRequest exact = request;
        exact.set_exact_counts(true);
        absl::StatusOr<v1::SearchResponse> expected = corpus.index->Search(exact, *vocabulary);
        absl::StatusOr<v1::SearchResponse> pruned = corpus.index->Search(request, *vocabulary);
        ASSERT_TRUE(expected.ok()) << request.query() << ": " << expected.status();
        ASSERT_TRUE(pruned.ok()) << request.query() << ": " << pruned.status();
        SCOPED_TRACE(absl::StrCat("trial ", trial, ", query ", request.query(), ", page ", page,
                                  request.all_words() ? " (all words)" : ""));
        ASSERT_EQ(pruned->hits_size(), expected->hits_size());
        for (int i = 0; i < pruned->hits_size(); ++i) {
          EXPECT_EQ(pruned->hits(i).lesson_id(), expected->hits(i).lesson_id()) << i;
          EXPECT_NEAR(pruned->hits(i).score(), expected->hits(i).score(), 1e-9) << i;
        }
        EXPECT_EQ(pruned->next_page_token().empty(), expected->next_page_token().empty());
        if (pruned->total_hits_at_least()) {
          ++bounded;
          EXPECT_LE(pruned->total_hits(), expected->total_hits());
          EXPECT_GE(pruned->total_hits(), static_cast<uint64_t>(pruned->hits_size()));
        } else {
          EXPECT_EQ(pruned->total_hits(), expected->total_hits());
        }
        EXPECT_FALSE(expected->total_hits_at_least());
        ++compared;
        nonempty += pruned->hits_size() > 0;
        if (expected->next_page_token().empty()) break;
        request.set_page_token(expected->next_page_token());
      }
    }
  }
  EXPECT_GT(nonempty, compared / 2) << "most queries must find something to compare";
  EXPECT_GT(bounded, compared / 5) << "the bounds must often spare work, or nothing is tested";
}

// A search that overlaps a commit (its postings read before the commit, its table read after)
// falls back to evaluating every match, or answers from a table that was settled: either way every
// lesson it returns is one the query matches, in order of score, with no error. New lessons only,
// so a lesson's text never changes under the check.
TEST(BestByBoundsTest, SearchesDuringCommitsReturnOnlyMatchingLessons) {
  std::mt19937 random(20261204);
  Corpus corpus(random, 2500);
  absl::StatusOr<Vocabulary> none = Vocabulary::Parse("", "test");
  ASSERT_TRUE(none.ok()) << none.status();
  std::atomic<bool> writing = true;
  std::thread writer([&] {
    std::mt19937 own_random(7);
    for (int batch = 0, n = 2500; batch < 40; ++batch) {
      std::vector<LessonWrite> writes;
      for (int i = 0; i < 25; ++i) writes.push_back({RandomLesson(own_random, n++), 0});
      EXPECT_TRUE(corpus.store->Commit(writes).ok());
    }
    writing = false;
  });
  Analyzer analyzer;
  int searched = 0, found = 0, while_writing = 0;
  while (writing || searched < 200) {
    while_writing += writing;
    v1::SearchRequest request;
    request.set_query(RandomQuery(random));
    if (!ParseQuery(request.query()).ok()) continue;
    request.set_page_size(10);
    request.set_skip_snippets(true);
    SCOPED_TRACE(request.query());
    absl::StatusOr<v1::SearchResponse> response = corpus.index->Search(request, *none);
    ASSERT_TRUE(response.ok()) << response.status();
    absl::StatusOr<SearchIndex::PlannedSearch> planned =
        corpus.index->Plan(request.query(), false, "", *none);
    ASSERT_TRUE(planned.ok()) << planned.status();
    std::set<std::string> seen;
    for (int i = 0; i < response->hits_size(); ++i) {
      const v1::SearchHit& hit = response->hits(i);
      EXPECT_TRUE(seen.insert(hit.lesson_id()).second) << hit.lesson_id() << " twice";
      if (i > 0) {
        EXPECT_GE(response->hits(i - 1).score(), hit.score());
      }
      absl::StatusOr<v1::Lesson> lesson = corpus.store->GetLesson(hit.lesson_id());
      ASSERT_TRUE(lesson.ok()) << lesson.status();
      EXPECT_TRUE(MatchLesson(planned->plan, *lesson, &analyzer).matches) << hit.lesson_id();
    }
    EXPECT_GE(response->total_hits(), static_cast<uint64_t>(response->hits_size()));
    ++searched;
    found += response->hits_size() > 0;
  }
  writer.join();
  EXPECT_GT(found, searched / 2) << "most searches must find something to check";
  std::printf("%d searches, %d of them begun while lessons were being committed\n", searched,
              while_writing);
}

TEST(BestByBoundsTest, APeersAnswerIsThatOfEvaluatingEveryMatchOfItsView) {
  testing::CertPaths cert = testing::TestPki::Shared().Node(kHolder);
  auto signer = LessonSigner::Load(cert.cert, cert.key);
  ASSERT_TRUE(signer.ok()) << signer.status();
  std::mt19937 random(1203);
  v1::Peer peer;
  peer.set_org_id(kPeer);
  peer.set_may_query(true);
  peer.set_version(1);
  int compared = 0, nonempty = 0, bounded = 0;
  for (int trial = 0; trial < 2; ++trial) {
    Corpus corpus(random, 2200);
    // Some lessons hidden (clear only), and the views of the rest altered: summary redacted,
    // so their lengths and counts as the peer sees them differ from the index's.
    v1::PeerPolicy policy;
    policy.set_peer_org(kPeer);
    policy.set_version(1);
    policy.mutable_export_()->add_markings(v1::TLP_GREEN);
    if (trial == 1) policy.mutable_export_()->add_markings(v1::TLP_CLEAR);
    policy.mutable_export_()->add_redact_fields("summary");
    SearchIndex::Audience audience{kHolder, peer, policy, signer->get()};
    for (int q = 0; q < 120; ++q) {
      v1::PeerQueryRequest request;
      request.set_query(RandomQuery(random));
      if (!ParseQuery(request.query()).ok()) continue;
      request.set_max_results(1 + random() % 30);
      request.set_all_words(random() % 4 == 0);
      v1::PeerQueryRequest exact = request;
      exact.set_exact_counts(true);
      request.set_exact_counts(false);
      auto expected = corpus.index->Answer(exact, audience);
      auto pruned = corpus.index->Answer(request, audience);
      ASSERT_TRUE(expected.ok()) << expected.status();
      ASSERT_TRUE(pruned.ok()) << pruned.status();
      SCOPED_TRACE(absl::StrCat("trial ", trial, ", query ", request.query()));
      ASSERT_EQ(pruned->lessons_size(), expected->lessons_size());
      for (int i = 0; i < pruned->lessons_size(); ++i) {
        EXPECT_EQ(pruned->lessons(i).id(), expected->lessons(i).id()) << i;
        EXPECT_NEAR(pruned->scores(i), expected->scores(i), 1e-9) << i;
      }
      if (pruned->total_hits_at_least()) {
        ++bounded;
        EXPECT_LE(pruned->total_hits(), expected->total_hits());
      } else {
        EXPECT_EQ(pruned->total_hits(), expected->total_hits());
      }
      ++compared;
      nonempty += pruned->lessons_size() > 0;
    }
  }
  EXPECT_GT(nonempty, compared / 2);
  EXPECT_GT(bounded, compared / 5);
}

}  // namespace
}  // namespace cairn::search
