// A peer's answer tells nothing of what its export view hides: for a word found only in hidden
// text (lessons it may not see, fields its policy redacts, personal data it scrubs), the whole
// answer is byte for byte the answer for a word found nowhere. Thousands of random lessons,
// random policies and random queries, against a real index in RocksDB.
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "node/crypto/provenance.h"
#include "node/policy/sharing.h"
#include "node/search/search_index.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace cairn::search {
namespace {

constexpr char kHolder[] = "leeds-council";
constexpr char kPeer[] = "west-police";
const std::vector<std::string> kWords = {"radio",   "battery", "tablet", "wireless", "charger",
                                         "handset", "shift",   "vehicle", "custody", "ward"};
const std::vector<std::string> kSecrets = {"zebracorn", "quirkium"};  // only ever hidden
constexpr char kNowhere[] = "nowherex";                                // never anywhere
const std::vector<std::string> kTextFields = {"summary", "driving_event", "lesson", "evidence",
                                              "project", "lifecycle_phase"};

std::string Words(std::mt19937& random, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) absl::StrAppend(&text, i ? " " : "", kWords[random() % kWords.size()]);
  return text;
}

// Some personal data holding a secret word, which scrubbing removes whole.
std::string PersonalData(std::mt19937& random, const std::string& secret) {
  return random() % 2 ? absl::StrCat(" ", secret, ".doe@example.org ")
                      : absl::StrCat(" mail ", secret, "@police.example.uk today ");
}

void SetText(v1::Lesson* lesson, const std::string& field, const std::string& text) {
  if (field == "summary") lesson->set_summary(text);
  if (field == "driving_event") lesson->set_driving_event(text);
  if (field == "lesson") lesson->set_lesson(text);
  if (field == "evidence") lesson->set_evidence(text);
  if (field == "project") lesson->set_project(text);
  if (field == "lifecycle_phase") lesson->set_lifecycle_phase(text);
}

v1::PeerPolicy RandomPolicy(std::mt19937& random) {
  v1::PeerPolicy policy;
  policy.set_peer_org(kPeer);
  policy.set_version(1);
  v1::ExportRules& rules = *policy.mutable_export_();
  for (v1::TlpMarking marking : {v1::TLP_CLEAR, v1::TLP_GREEN, v1::TLP_AMBER}) {
    if (random() % 3 != 0) rules.add_markings(marking);
  }
  for (const std::string& field : kTextFields) {
    if (random() % 3 == 0) rules.add_redact_fields(field);
  }
  rules.set_scrub_personal_data(random() % 2 == 0);
  if (random() % 3 == 0) rules.add_exclude_topics("estates");
  return policy;
}

// A store and its index in a directory of their own.
struct Trial {
  Trial() : store(*Store::Open(dir.path() + "/db")), index(*SearchIndex::Open(store.get())) {}
  testing::TempDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<SearchIndex> index;
};

// The peer asking, allowed to query.
v1::Peer Asker() {
  v1::Peer peer;
  peer.set_org_id(kPeer);
  peer.set_may_query(true);
  peer.set_version(1);
  return peer;
}

// A lesson with visible words everywhere, and secrets planted only where `policy` hides them.
v1::Lesson RandomLesson(std::mt19937& random, int n, const v1::Peer& peer,
                        const v1::PeerPolicy& policy) {
  v1::Lesson lesson;
  const bool own = random() % 5 != 0;
  const std::string origin = own ? kHolder : "leeds-nhs";
  lesson.set_id(absl::StrCat(origin, ":01ARZ3NDEKTSV4RRFFQ6", 100000 + n));
  lesson.set_origin_org(origin);
  lesson.set_origin_sector(own ? "local-government" : "health");
  lesson.set_version(1 + random() % 3);
  lesson.set_title(Words(random, 1 + random() % 3));
  for (const std::string& field : kTextFields) {
    if (random() % 2) SetText(&lesson, field, Words(random, 1 + random() % 8));
  }
  lesson.add_topics(random() % 4 == 0 ? "estates" : "mobile-working");
  const v1::TlpMarking markings[] = {v1::TLP_CLEAR, v1::TLP_GREEN, v1::TLP_AMBER, v1::TLP_RED};
  lesson.set_marking(markings[random() % 4]);
  lesson.set_status(random() % 6 == 0 ? v1::LESSON_IDENTIFIED : v1::LESSON_LEARNED);
  const std::string& secret = kSecrets[random() % kSecrets.size()];
  if (random() % 3 == 0) {
    if (!DecideSharing(lesson, kHolder, peer, &policy, SharingChannel::kQuery).allowed()) {
      // The peer may not see this lesson at all: any of its text is hidden.
      lesson.set_title(absl::StrCat(lesson.title(), " ", secret));
    } else if (own && policy.export_().redact_fields_size() > 0) {
      const std::string& field =
          policy.export_().redact_fields(random() % policy.export_().redact_fields_size());
      SetText(&lesson, field, absl::StrCat(Words(random, 2), " ", secret));
    } else if (own && policy.export_().scrub_personal_data()) {
      lesson.set_lesson(absl::StrCat(lesson.lesson(), PersonalData(random, secret)));
    }
  }
  return lesson;
}

// The answer as bytes, its signatures left out: ECDSA signs with a fresh random number each time,
// and an altered view is signed when it is answered, so two signatures of one view differ (in
// bytes and signing time) while telling nothing.
std::string Bytes(v1::PeerQueryResponse answer) {
  for (v1::Lesson& lesson : *answer.mutable_lessons()) {
    lesson.mutable_provenance()->clear_signature();
    lesson.mutable_provenance()->clear_signed_at();
  }
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  answer.SerializeToCodedStream(&coded);
  return bytes;
}

TEST(PeerAnswerTest, AWordOnlyInHiddenTextIsAnsweredAsAWordFoundNowhere) {
  testing::CertPaths cert = testing::TestPki::Shared().Node(kHolder);
  auto signer = LessonSigner::Load(cert.cert, cert.key);
  ASSERT_TRUE(signer.ok()) << signer.status();
  std::mt19937 random(20261202);
  const std::vector<std::string> templates = {
      "{s}",          "{v} {s}",           "{v} OR {s}",     "{v} -{s}",
      "\"{v} {s}\"",  "{s} topic:estates", "{v} OR {w} OR {s}", "{v} {w} OR {s}",
      "-{s} {v}",     "{s} OR {s}"};
  int lessons = 0, compared = 0, nonempty = 0;
  for (int trial = 0; trial < 30; ++trial) {
    Trial t;
    const v1::Peer peer = Asker();
    v1::PeerPolicy policy = RandomPolicy(random);
    for (int n = 0; n < 120; ++n, ++lessons) {
      v1::Lesson lesson = RandomLesson(random, n, peer, policy);
      if (lesson.origin_org() == kHolder) {
        ASSERT_TRUE((*signer)->Sign(&lesson).ok());
      }
      ASSERT_TRUE(t.store->Commit({LessonWrite{lesson, 0}}).ok());
    }
    SearchIndex::Audience audience{kHolder, peer, policy, signer->get()};
    for (int q = 0; q < 20; ++q) {
      const std::string& raw = templates[random() % templates.size()];
      const std::string v = kWords[random() % kWords.size()];
      std::string shape = absl::StrReplaceAll(raw, {{"{v}", v},
                                                    {"{w}", kWords[random() % kWords.size()]}});
      const std::string& secret = kSecrets[random() % kSecrets.size()];
      v1::PeerQueryRequest hidden, nowhere;
      hidden.set_query(absl::StrReplaceAll(shape, {{"{s}", secret}}));
      nowhere.set_query(absl::StrReplaceAll(shape, {{"{s}", kNowhere}}));
      hidden.set_max_results(1 + random() % 20);
      nowhere.set_max_results(hidden.max_results());
      // Strict, natural, or natural with the hidden word as an equivalent of a word asked.
      const bool natural = random() % 3 != 0;
      hidden.set_all_words(!natural);
      nowhere.set_all_words(!natural);
      const bool v_plain = raw == "{v} {s}" || raw == "{v} -{s}" || raw == "{v} {w} OR {s}";
      if (natural && v_plain && random() % 2) {
        for (auto [request, phrase] : {std::pair{&hidden, secret}, {&nowhere, kNowhere}}) {
          v1::Equivalent* equivalent = request->add_equivalents();
          equivalent->set_words(v);
          equivalent->set_phrase(phrase);
        }
      }
      auto a = t.index->Answer(hidden, audience);
      auto b = t.index->Answer(nowhere, audience);
      ASSERT_TRUE(a.ok()) << a.status();
      ASSERT_TRUE(b.ok()) << b.status();
      ASSERT_EQ(Bytes(*a), Bytes(*b))
          << "trial " << trial << ", policy " << policy.ShortDebugString() << "\nrequest "
          << hidden.ShortDebugString() << ":\n" << a->ShortDebugString() << "\nquery " << nowhere.query()
          << ":\n" << b->ShortDebugString();
      ++compared;
      nonempty += a->lessons_size() > 0;
    }
  }
  EXPECT_GE(lessons, 3000);
  EXPECT_GT(nonempty, compared / 4) << "enough answers hold lessons to compare anything";
}

// The oracle: an index holding nothing but the peer's export views answers every query as the
// peer's answer does, in the same order with the same scores, totals and facets.
TEST(PeerAnswerTest, AnswersAsANodeHoldingOnlyThePeersViewsWould) {
  testing::CertPaths cert = testing::TestPki::Shared().Node(kHolder);
  auto signer = LessonSigner::Load(cert.cert, cert.key);
  ASSERT_TRUE(signer.ok()) << signer.status();
  std::mt19937 random(1202);
  const std::vector<std::string> templates = {
      "{v}", "{v} {w}", "{v} OR {w}", "{v} -{w}", "\"{v} {w}\"", "{v} topic:estates",
      "redacted", "email removed", "{v} OR redacted", "topic:mobile-working", "-{v} {w} OR {s}"};
  int compared = 0, nonempty = 0;
  for (int trial = 0; trial < 12; ++trial) {
    Trial t, oracle;
    const v1::Peer peer = Asker();
    v1::PeerPolicy policy = RandomPolicy(random);
    for (int n = 0; n < 150; ++n) {
      v1::Lesson lesson = RandomLesson(random, n, peer, policy);
      ASSERT_TRUE(t.store->Commit({LessonWrite{lesson, 0}}).ok());
      std::optional<v1::Lesson> view =
          ExportView(lesson, kHolder, peer, &policy, SharingChannel::kQuery);
      if (view) {
        ASSERT_TRUE(oracle.store->Commit({LessonWrite{*view, 0}}).ok());
      }
    }
    SearchIndex::Audience audience{kHolder, peer, policy, signer->get()};
    for (int q = 0; q < 25; ++q) {
      v1::PeerQueryRequest request;
      request.set_query(absl::StrReplaceAll(templates[random() % templates.size()],
                                            {{"{v}", kWords[random() % kWords.size()]},
                                             {"{w}", kWords[random() % kWords.size()]},
                                             {"{s}", kSecrets[random() % kSecrets.size()]}}));
      request.set_max_results(1 + random() % 30);
      request.set_all_words(random() % 3 == 0);  // natural two times in three
      auto answer = t.index->Answer(request, audience);
      QueryStatistics statistics;
      auto expected = oracle.index->AnswerHere(request, &statistics);
      ASSERT_TRUE(answer.ok()) << answer.status();
      ASSERT_TRUE(expected.ok()) << expected.status();
      SCOPED_TRACE(absl::StrCat("trial ", trial, ", policy ", policy.ShortDebugString(),
                                ", request ", request.ShortDebugString()));
      EXPECT_EQ(answer->total_hits(), expected->total_hits());
      ASSERT_EQ(answer->lessons_size(), expected->lessons_size());
      for (int i = 0; i < answer->lessons_size(); ++i) {
        EXPECT_NEAR(answer->scores(i), expected->scores(i), 1e-9) << i;
        // Equal scores may come in either order; different ones may not.
        bool tied = (i > 0 && expected->scores(i - 1) == expected->scores(i)) ||
                    (i + 1 < expected->scores_size() && expected->scores(i + 1) == expected->scores(i));
        if (!tied) {
          EXPECT_EQ(answer->lessons(i).id(), expected->lessons(i).id()) << i;
        }
      }
      EXPECT_EQ(answer->facets_size(), expected->facets_size());
      for (int f = 0; f < answer->facets_size() && f < expected->facets_size(); ++f) {
        EXPECT_EQ(answer->facets(f).ShortDebugString(), expected->facets(f).ShortDebugString());
      }
      ++compared;
      nonempty += expected->lessons_size() > 0;
    }
  }
  EXPECT_GT(nonempty, compared / 3);
}

// Regression: the counts of a term in a view the policy altered were decoded from a temporary copy
// of its postings that was already destroyed (ASan: stack-use-after-scope, or heap-use-after-free
// for a long posting list), so a word repeated in a redacted or scrubbed lesson could be counted
// from freed memory, scoring the lesson wrongly or dropping it from the answer.
TEST(PeerAnswerTest, AWordRepeatedInAnAlteredViewScoresAsInTheView) {
  testing::CertPaths cert = testing::TestPki::Shared().Node(kHolder);
  auto signer = LessonSigner::Load(cert.cert, cert.key);
  ASSERT_TRUE(signer.ok()) << signer.status();
  Trial t, oracle;
  const v1::Peer peer = Asker();
  v1::PeerPolicy policy;
  policy.set_peer_org(kPeer);
  policy.set_version(1);
  policy.mutable_export_()->add_markings(v1::TLP_GREEN);
  policy.mutable_export_()->add_redact_fields("evidence");
  for (int n = 0; n < 3; ++n) {
    v1::Lesson lesson;
    lesson.set_id(absl::StrCat(kHolder, ":01ARZ3NDEKTSV4RRFFQ6", 100000 + n));
    lesson.set_origin_org(kHolder);
    lesson.set_version(1);
    lesson.set_title(absl::StrCat("Radios ", n));
    // Long posting lists (one position a word) for the lessons the policy alters.
    std::string summary;
    for (int i = 0; i < 40 * (n + 1); ++i) absl::StrAppend(&summary, "battery radio ");
    lesson.set_summary(summary);
    if (n != 2) lesson.set_evidence("the sergeant's log");  // redacted: the view is altered
    lesson.set_marking(v1::TLP_GREEN);
    lesson.set_status(v1::LESSON_LEARNED);
    ASSERT_TRUE((*signer)->Sign(&lesson).ok());
    ASSERT_TRUE(t.store->Commit({LessonWrite{lesson, 0}}).ok());
    std::optional<v1::Lesson> view = ExportView(lesson, kHolder, peer, &policy,
                                                SharingChannel::kQuery);
    ASSERT_TRUE(view.has_value());
    ASSERT_TRUE(oracle.store->Commit({LessonWrite{*view, 0}}).ok());
  }
  SearchIndex::Audience audience{kHolder, peer, policy, signer->get()};
  for (const char* query : {"battery", "\"battery radio\"", "radio OR redacted"}) {
    SCOPED_TRACE(query);
    v1::PeerQueryRequest request;
    request.set_query(query);
    request.set_max_results(10);
    auto answer = t.index->Answer(request, audience);
    QueryStatistics statistics;
    auto expected = oracle.index->AnswerHere(request, &statistics);
    ASSERT_TRUE(answer.ok()) << answer.status();
    ASSERT_TRUE(expected.ok()) << expected.status();
    EXPECT_EQ(answer->total_hits(), 3u);
    ASSERT_EQ(answer->lessons_size(), expected->lessons_size());
    for (int i = 0; i < answer->lessons_size(); ++i) {
      EXPECT_EQ(answer->lessons(i).id(), expected->lessons(i).id()) << i;
      EXPECT_NEAR(answer->scores(i), expected->scores(i), 1e-9) << i;
    }
  }
}

}  // namespace
}  // namespace cairn::search
