#include "node/lessons/resigner.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/lessons/catalog.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace cairn {
namespace {

constexpr absl::Duration kRefresh = absl::Seconds(1);

std::multiset<std::string> Repeated(int times, const std::string& value) {
  std::vector<std::string> values(times, value);
  return {values.begin(), values.end()};
}

class ResignerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    testing::CertPaths node = pki_.Node("leeds-council");
    auto signer = LessonSigner::Load(node.cert, node.key, {kRefresh, &clock_});
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = *std::move(signer);
    catalog_ = std::make_unique<LessonCatalog>(
        store_.get(), LessonCatalog::Identity{"leeds-council", "local-government"}, &clock_,
        &random_, signer_.get());
    verifier_ = *LessonVerifier::Load(pki_.ca_file(), pki_.federation());
  }

  void CreateLessons(int count) {
    for (int i = 0; i < count; ++i) {
      v1::Lesson draft;
      draft.set_title("Tablet lesson " + std::to_string(i));
      draft.set_marking(v1::TLP_GREEN);
      ASSERT_TRUE(catalog_->Create("user alice", draft).ok());
    }
  }

  // Own lessons by the fingerprint of the certificate that signed them.
  std::multiset<std::string> SignersOfOwnLessons() {
    std::multiset<std::string> signers;
    EXPECT_TRUE(store_
                    ->ScanLessons("",
                                  [&](const v1::Lesson& lesson) {
                                    if (lesson.origin_org() == "leeds-council") {
                                      signers.insert(SignerFingerprint(lesson.provenance()));
                                      EXPECT_TRUE(verifier_->Verify(lesson).ok())
                                          << verifier_->Verify(lesson);
                                      EXPECT_EQ(lesson.version(), 1u);
                                    }
                                    return true;
                                  })
                    .ok());
    return signers;
  }

  // The lesson with the lowest id.
  v1::Lesson FirstLesson() {
    v1::Lesson first;
    EXPECT_TRUE(store_
                    ->ScanLessons("",
                                  [&](const v1::Lesson& found) {
                                    first = found;
                                    return false;
                                  })
                    .ok());
    return first;
  }

  // Renews the node's certificate and lets the signer see it.
  void Renew() {
    pki_.RenewNode("leeds-council");
    clock_.Advance(kRefresh);
    ASSERT_EQ(signer_->last_error(), "");
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
  testing::FakeClock clock_{absl::Now()};
  testing::CountingRandom random_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<LessonSigner> signer_;
  std::unique_ptr<LessonCatalog> catalog_;
  std::unique_ptr<LessonVerifier> verifier_;
};

TEST_F(ResignerTest, AfterARenewalEveryOwnLessonIsResignedInBatchesAndCopiesAreLeftAlone) {
  CreateLessons(7);
  v1::Lesson copy;
  copy.set_id("west-police:01ARZ3NDEKTSV4RRFFQ69G5FAV");
  copy.set_origin_org("west-police");
  copy.set_version(4);
  copy.set_title("Police radio battery swaps");
  ASSERT_TRUE(store_->Commit({{copy, 0}}).ok());
  const std::string old_certificate = signer_->CertificateFingerprint();

  Resigner resigner(store_.get(), signer_.get(), "leeds-council", {.batch = 3});
  ASSERT_EQ(*resigner.Step(), true);  // everything is signed by the current certificate
  EXPECT_EQ(resigner.progress().resigned, 0u);

  Renew();
  const uint64_t sequence_before = store_->LastSequence();
  int steps = 0;
  while (!*resigner.Step()) ++steps;
  EXPECT_EQ(steps, 2);  // 3 + 3, then 1 and the end
  EXPECT_EQ(resigner.progress().resigned, 7u);
  EXPECT_TRUE(resigner.progress().complete);
  EXPECT_EQ(SignersOfOwnLessons(), Repeated(7, signer_->CertificateFingerprint()));
  EXPECT_NE(signer_->CertificateFingerprint(), old_certificate);
  EXPECT_EQ(store_->GetLesson(copy.id())->SerializeAsString(), copy.SerializeAsString());

  // Each re-signature is in the change log, so peers receive it.
  auto changes = store_->ReadChanges(sequence_before, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 7u);
  for (const v1::Change& change : *changes) EXPECT_EQ(change.kind(), v1::Change::RESIGN);
}

TEST_F(ResignerTest, AWalkResumesWhereItStoppedAndIsNotRepeatedForTheSameCertificate) {
  CreateLessons(5);
  Renew();
  {
    Resigner first(store_.get(), signer_.get(), "leeds-council", {.batch = 2});
    ASSERT_FALSE(*first.Step());  // 2 of 5, then the process stops
  }
  Resigner second(store_.get(), signer_.get(), "leeds-council", {.batch = 2});
  while (!*second.Step()) {
  }
  EXPECT_EQ(second.progress().resigned, 3u);  // the other 3, not all 5 again
  EXPECT_EQ(SignersOfOwnLessons(), Repeated(5, signer_->CertificateFingerprint()));

  const uint64_t sequence = store_->LastSequence();
  Resigner third(store_.get(), signer_.get(), "leeds-council");
  EXPECT_TRUE(*third.Step());
  EXPECT_EQ(store_->LastSequence(), sequence);
}

TEST_F(ResignerTest, ALessonEditedAfterTheRenewalNeedsNoResigning) {
  CreateLessons(1);
  Renew();
  v1::Lesson lesson = FirstLesson();
  lesson.set_summary("edited after the renewal");
  auto edited = catalog_->Update("user alice", lesson);
  ASSERT_TRUE(edited.ok()) << edited.status();
  Resigner resigner(store_.get(), signer_.get(), "leeds-council");
  EXPECT_TRUE(*resigner.Step());
  EXPECT_EQ(resigner.progress().resigned, 0u);  // the edit was signed with the new certificate
  EXPECT_EQ(store_->GetLesson(lesson.id())->summary(), "edited after the renewal");
}

TEST_F(ResignerTest, TheStoreTakesANewSignatureOnlyForTheStoredVersion) {
  CreateLessons(1);
  v1::Lesson lesson = FirstLesson();
  lesson.set_version(2);
  auto refused = store_->Commit({{lesson, 1, v1::Change::RESIGN}});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("a new signature is for version 2"));
}

}  // namespace
}  // namespace cairn
