#include "node/search/node_vocabulary.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "node/audit/audit_log.h"
#include "node/common/status_macros.h"

namespace cairn::search {

// The text of node/search/vocabulary/cross_sector.txt, built in by CMake.
extern const char kShippedVocabulary[];

namespace {

// The source name in parse errors: the admin's text as a whole ("vocabulary line 3: ...").
constexpr absl::string_view kSource = "vocabulary";

std::shared_ptr<const Vocabulary> ShippedWith(const Vocabulary& admin) {
  return std::make_shared<const Vocabulary>(Vocabulary::Shipped().MergedWith(admin));
}

}  // namespace

absl::StatusOr<std::unique_ptr<NodeVocabulary>> NodeVocabulary::Open(Store* store, Clock* clock) {
  std::unique_ptr<NodeVocabulary> vocabulary(new NodeVocabulary(store, clock));
  absl::MutexLock lock(&vocabulary->mu_);
  absl::StatusOr<std::string> text = store->GetMeta(kVocabularyMetaKey);
  if (absl::IsNotFound(text.status())) {
    vocabulary->current_ = ShippedWith(Vocabulary());
    return vocabulary;
  }
  if (!text.ok()) return text.status();
  absl::StatusOr<Vocabulary> admin = Vocabulary::Parse(*text, kSource);
  if (admin.ok()) {
    vocabulary->current_ = ShippedWith(*admin);
    vocabulary->admin_groups_ = admin->group_count();
  } else {
    vocabulary->current_ = ShippedWith(Vocabulary());
    vocabulary->problem_ = absl::StrCat(
        "the stored vocabulary no longer parses, so only the shipped groups are in use until an "
        "admin sets it again: ",
        admin.status().message());
  }
  vocabulary->admin_text_ = *std::move(text);
  return vocabulary;
}

std::shared_ptr<const Vocabulary> NodeVocabulary::Current() const {
  absl::ReaderMutexLock lock(&mu_);
  return current_;
}

absl::Status NodeVocabulary::Set(std::string text, absl::string_view actor) {
  if (text.size() > kMaxVocabularyTextBytes) {
    return absl::InvalidArgumentError(absl::StrCat("text: ", text.size(),
                                                   " bytes is over the limit of ",
                                                   kMaxVocabularyTextBytes, " bytes (1 MiB)"));
  }
  CAIRN_ASSIGN_OR_RETURN(Vocabulary admin, Vocabulary::Parse(text, kSource));
  std::shared_ptr<const Vocabulary> merged = ShippedWith(admin);
  absl::MutexLock set_lock(&set_mu_);
  StoreBatch batch;
  batch.PutMeta(std::string(kVocabularyMetaKey), text);
  batch.Audit(NewAuditEvent(clock_->Now(), actor, "vocabulary.set", "", 0, 0,
                            absl::StrCat(admin.group_count(), " groups, ", text.size(), " bytes")));
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  absl::MutexLock lock(&mu_);
  current_ = std::move(merged);
  admin_text_ = std::move(text);
  admin_groups_ = admin.group_count();
  problem_.clear();
  return absl::OkStatus();
}

std::string NodeVocabulary::AdminText() const {
  absl::ReaderMutexLock lock(&mu_);
  return admin_text_;
}

size_t NodeVocabulary::AdminGroupCount() const {
  absl::ReaderMutexLock lock(&mu_);
  return admin_groups_;
}

std::string NodeVocabulary::Problem() const {
  absl::ReaderMutexLock lock(&mu_);
  return problem_;
}

absl::string_view NodeVocabulary::ShippedText() { return kShippedVocabulary; }

}  // namespace cairn::search
