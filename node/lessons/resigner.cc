#include "node/lessons/resigner.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"

namespace cairn {
namespace {

// Meta keys: the certificate the walk signs with, the last lesson id it examined, and "1" once
// it finished.
constexpr char kCertificateKey[] = "resign/certificate";
constexpr char kAfterKey[] = "resign/after";
constexpr char kCompleteKey[] = "resign/complete";
// Lessons examined in one step, re-signed or not, so a step stays short.
constexpr size_t kMaxExamined = 5000;

std::string MetaOr(const Store& store, absl::string_view key, std::string fallback) {
  absl::StatusOr<std::string> value = store.GetMeta(key);
  return value.ok() ? *std::move(value) : std::move(fallback);
}

}  // namespace

Resigner::Resigner(Store* store, const LessonSigner* signer, std::string self_org, Options options)
    : store_(store), signer_(signer), self_org_(std::move(self_org)), options_(options) {}

Resigner::~Resigner() { Stop(); }

absl::StatusOr<bool> Resigner::Step() {
  absl::MutexLock step_lock(&step_mu_);
  const std::string certificate = signer_->CertificateFingerprint();
  const std::string own_prefix = absl::StrCat(self_org_, ":");
  bool same_walk = MetaOr(*store_, kCertificateKey, "") == certificate;
  if (same_walk && MetaOr(*store_, kCompleteKey, "") == "1") {
    absl::MutexLock lock(&mu_);
    progress_.certificate = certificate;
    progress_.complete = true;
    return true;
  }
  std::string after = same_walk ? MetaOr(*store_, kAfterKey, "") : "";
  if (after < own_prefix) after = own_prefix;  // ids sort by origin: ours are together

  std::vector<LessonWrite> writes;
  size_t examined = 0;
  bool reached_end = true;
  std::string last = after;
  absl::Status failed;
  CAIRN_RETURN_IF_ERROR(store_->ScanLessons(after, [&](const v1::Lesson& lesson) {
    if (!absl::StartsWith(lesson.id(), own_prefix)) return false;  // past our own lessons
    if (writes.size() >= options_.batch || examined >= kMaxExamined) {
      reached_end = false;
      return false;
    }
    ++examined;
    last = lesson.id();
    const v1::Provenance& provenance = lesson.provenance();
    if (provenance.has_signed_at() && SignerFingerprint(provenance) == certificate) return true;
    // No peer holds a retracted lesson (peers get retractions), so its signature travels nowhere.
    if (lesson.status() == v1::RETRACTED) return true;
    v1::Lesson resigned = lesson;
    if (absl::Status signed_now = signer_->Sign(&resigned); !signed_now.ok()) {
      failed = signed_now;
      return false;
    }
    writes.push_back(LessonWrite{std::move(resigned), lesson.version(), v1::Change::RESIGN});
    return true;
  }));
  absl::Status outcome = failed;
  const size_t resigned = writes.size();
  if (outcome.ok()) {
    StoreBatch batch;
    for (LessonWrite& write : writes) batch.PutLesson(std::move(write));
    batch.PutMeta(kCertificateKey, certificate);
    batch.PutMeta(kAfterKey, last);
    batch.PutMeta(kCompleteKey, reached_end ? "1" : "0");
    outcome = store_->Commit(batch).status();
  }
  absl::MutexLock lock(&mu_);
  progress_.certificate = certificate;
  if (!outcome.ok()) {
    progress_.complete = false;
    return outcome;
  }
  progress_.resigned += resigned;
  progress_.complete = reached_end;
  return reached_end;
}

void Resigner::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Resigner::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Resigner::Run() {
  const absl::Duration per_batch =
      absl::Seconds(static_cast<double>(options_.batch) / options_.lessons_per_second);
  while (true) {
    absl::StatusOr<bool> complete = Step();
    // A finished walk (or a failing store) waits; an unfinished one goes on at the set rate.
    absl::Duration wait = complete.ok() && !*complete ? per_batch : options_.idle_check;
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), wait)) return;
  }
}

Resigner::Progress Resigner::progress() const {
  absl::MutexLock lock(&mu_);
  return progress_;
}

}  // namespace cairn
