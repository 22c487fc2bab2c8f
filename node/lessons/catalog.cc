#include "node/lessons/catalog.h"

#include "absl/strings/str_cat.h"
#include "node/audit/audit_log.h"
#include "node/common/page_token.h"
#include "node/common/time_proto.h"
#include "node/common/status_macros.h"
#include "node/lessons/validation.h"

namespace cairn {
namespace {

constexpr absl::string_view kPageTokenKind = "lessons";
// CreateMany batches with at least this many lessons are signed and prepared on two threads.
constexpr int kParallelThreshold = 16;

absl::Status AssignedByNode(absl::string_view field) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": is assigned by the node; leave it empty"));
}

// Identity fields are the node's to set; a client that sends them is confused about what it is
// doing, so say so rather than silently overwrite.
absl::Status RefuseClientIdentity(const v1::Lesson& draft) {
  if (draft.has_id()) return AssignedByNode("lesson.id");
  if (draft.has_origin_org()) return AssignedByNode("lesson.origin_org");
  if (draft.has_origin_sector()) return AssignedByNode("lesson.origin_sector");
  if (draft.has_version()) return AssignedByNode("lesson.version");
  if (draft.has_created_at()) return AssignedByNode("lesson.created_at");
  if (draft.has_updated_at()) return AssignedByNode("lesson.updated_at");
  if (draft.has_provenance()) return AssignedByNode("lesson.provenance");
  return absl::OkStatus();
}

bool Matches(const ListQuery& query, const v1::Lesson& lesson) {
  if (query.status == v1::LESSON_STATUS_UNSPECIFIED ? lesson.status() == v1::RETRACTED
                                                    : lesson.status() != query.status) {
    return false;
  }
  if (query.marking != v1::TLP_UNSPECIFIED && lesson.marking() != query.marking) return false;
  if (!query.origin_org.empty() && lesson.origin_org() != query.origin_org) return false;
  if (!query.topic.empty() &&
      std::find(lesson.topics().begin(), lesson.topics().end(), query.topic) ==
          lesson.topics().end()) {
    return false;
  }
  return true;
}

}  // namespace

LessonCatalog::LessonCatalog(Store* store, Identity identity, Clock* clock, RandomSource* random,
                             const LessonSigner* signer)
    : store_(store),
      identity_(std::move(identity)),
      clock_(clock),
      signer_(signer),
      ids_(identity_.org_id, clock, random) {}

absl::StatusOr<v1::Lesson> LessonCatalog::PrepareNew(v1::Lesson draft) {
  CAIRN_RETURN_IF_ERROR(RefuseClientIdentity(draft));
  CAIRN_RETURN_IF_ERROR(ValidateLessonContent(draft));
  draft.set_id(ids_.Next());
  draft.set_origin_org(identity_.org_id);
  draft.set_origin_sector(identity_.sector);
  draft.set_version(1);
  *draft.mutable_created_at() = ToTimestamp(clock_->Now());
  *draft.mutable_updated_at() = draft.created_at();
  if (draft.status() == v1::LESSON_STATUS_UNSPECIFIED) draft.set_status(v1::OBSERVATION);
  if (draft.classification() == v1::CLASSIFICATION_UNSPECIFIED) {
    draft.set_classification(v1::OFFICIAL);
  }
  return draft;
}

absl::Status LessonCatalog::Record(absl::string_view actor, absl::string_view action,
                                   LessonWrite write, const AlsoWrite& also) const {
  if (signer_ != nullptr) CAIRN_RETURN_IF_ERROR(signer_->Sign(&write.lesson));
  StoreBatch batch;
  if (also) CAIRN_RETURN_IF_ERROR(also(write.lesson, &batch));
  AddToBatch(actor, action, std::move(write), nullptr, &batch);
  return store_->Commit(batch).status();
}

absl::Status LessonCatalog::NotAwaitingReview(const v1::Lesson& lesson,
                                              absl::string_view change) const {
  if (lesson.status() != v1::OBSERVATION) return absl::OkStatus();
  absl::StatusOr<v1::StoredSubmission> submitted = store_->GetSubmission(lesson.id());
  if (absl::IsNotFound(submitted.status())) return absl::OkStatus();  // an editor's own
  CAIRN_RETURN_IF_ERROR(submitted.status());
  if (submitted->submission().state() != v1::Submission::PENDING) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "lesson ", lesson.id(), ": is an observation awaiting review, so ", change,
      " is decided by reviewing it: promote, merge or decline it (cairn observation ...)"));
}

void LessonCatalog::AddToBatch(absl::string_view actor, absl::string_view action,
                               LessonWrite write, std::shared_ptr<const PreparedIndexing> prepared,
                               StoreBatch* batch) const {
  batch->Audit(NewAuditEvent(FromTimestamp(write.lesson.updated_at()), actor, action,
                             write.lesson.id(), write.expected_stored_version,
                             write.lesson.version()));
  batch->PutLesson(std::move(write), std::move(prepared));
}

absl::StatusOr<v1::Lesson> LessonCatalog::Create(absl::string_view actor, v1::Lesson draft,
                                                 const AlsoWrite& also) {
  CAIRN_ASSIGN_OR_RETURN(v1::Lesson lesson, PrepareNew(std::move(draft)));
  CAIRN_RETURN_IF_ERROR(Record(actor, "lesson.create", LessonWrite{lesson, 0}, also));
  return lesson;
}

absl::StatusOr<std::vector<absl::StatusOr<v1::Lesson>>> LessonCatalog::CreateMany(
    absl::string_view actor, std::vector<v1::Lesson> drafts) {
  if (drafts.size() > kMaxBatch) {
    return absl::InvalidArgumentError(absl::StrCat(
        "items: ", drafts.size(), " lessons in one batch is over the limit of ", kMaxBatch));
  }
  std::vector<absl::StatusOr<v1::Lesson>> results;
  for (v1::Lesson& draft : drafts) results.push_back(PrepareNew(std::move(draft)));
  // Signing and analysing the text for search are most of the work: both cores share it.
  const int count = static_cast<int>(results.size());
  std::vector<v1::Lesson> to_store(count);
  std::vector<absl::Status> signing(count);
  std::vector<std::shared_ptr<const PreparedIndexing>> prepared(count);
  batch_threads_.Run(count, kParallelThreshold, [&](int begin, int end) {
    for (int i = begin; i < end; ++i) {
      if (!results[i].ok()) continue;
      to_store[i] = *results[i];
      if (signer_ != nullptr) signing[i] = signer_->Sign(&to_store[i]);
      if (signing[i].ok()) prepared[i] = store_->PrepareIndexing(to_store[i]);
    }
  });
  StoreBatch batch;
  bool any = false;
  for (int i = 0; i < count; ++i) {
    if (!results[i].ok()) continue;
    CAIRN_RETURN_IF_ERROR(signing[i]);
    AddToBatch(actor, "lesson.create", LessonWrite{std::move(to_store[i]), 0},
               std::move(prepared[i]), &batch);
    any = true;
  }
  if (any) CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  return results;
}

absl::StatusOr<v1::Lesson> LessonCatalog::GetOwn(absl::string_view id) const {
  CAIRN_ASSIGN_OR_RETURN(v1::Lesson stored, Get(id));
  if (stored.origin_org() != identity_.org_id) {
    return absl::PermissionDeniedError(
        absl::StrCat("lesson ", id, ": belongs to ", stored.origin_org(),
                     "; only its origin organisation can change it"));
  }
  if (stored.status() == v1::RETRACTED) {
    return absl::FailedPreconditionError(absl::StrCat("lesson ", id, ": is retracted"));
  }
  return stored;
}

absl::StatusOr<v1::Lesson> LessonCatalog::Update(absl::string_view actor, v1::Lesson edit,
                                                 const AlsoWrite& also) {
  if (!edit.has_id()) return absl::InvalidArgumentError("lesson.id: is empty; which lesson?");
  CAIRN_RETURN_IF_ERROR(ParseLessonId("lesson.id", edit.id()).status());
  CAIRN_ASSIGN_OR_RETURN(v1::Lesson stored, GetOwn(edit.id()));
  if (!edit.has_version()) {
    return absl::InvalidArgumentError(
        "lesson.version: is empty; send the version your edit is based on");
  }
  if (edit.version() < stored.version()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "lesson ", edit.id(), ": lesson.version ", edit.version(), " is behind the stored version ",
        stored.version(), "; someone edited it meanwhile, so fetch it again"));
  }
  if (edit.version() > stored.version()) {
    return absl::InvalidArgumentError(absl::StrCat("lesson.version: ", edit.version(),
                                                   " is ahead of the stored version ",
                                                   stored.version()));
  }
  for (const auto& [field, sent, kept] :
       {std::tuple<absl::string_view, const std::string*, const std::string*>{
            "lesson.origin_org", &edit.origin_org(), &stored.origin_org()},
        {"lesson.origin_sector", &edit.origin_sector(), &stored.origin_sector()}}) {
    if (!sent->empty() && *sent != *kept) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": cannot be changed"));
    }
  }
  edit.clear_provenance();  // what the client fetched; the node signs the new version
  CAIRN_RETURN_IF_ERROR(ValidateLessonContent(edit));
  edit.set_origin_org(stored.origin_org());
  edit.set_origin_sector(stored.origin_sector());
  *edit.mutable_created_at() = stored.created_at();
  *edit.mutable_updated_at() = ToTimestamp(clock_->Now());
  edit.set_version(stored.version() + 1);
  if (edit.status() == v1::LESSON_STATUS_UNSPECIFIED) edit.set_status(stored.status());
  if (edit.classification() == v1::CLASSIFICATION_UNSPECIFIED) {
    edit.set_classification(stored.classification());
  }
  if (!also && (edit.status() != stored.status() || edit.marking() != stored.marking())) {
    CAIRN_RETURN_IF_ERROR(NotAwaitingReview(stored, "its status and marking"));
  }
  CAIRN_RETURN_IF_ERROR(Record(actor, "lesson.edit", LessonWrite{edit, stored.version()}, also));
  return edit;
}

absl::StatusOr<v1::Lesson> LessonCatalog::Get(absl::string_view id) const {
  CAIRN_RETURN_IF_ERROR(ParseLessonId("id", id).status());
  return store_->GetLesson(id);
}

absl::StatusOr<v1::LessonHistory> LessonCatalog::History(absl::string_view id) const {
  CAIRN_ASSIGN_OR_RETURN(LessonIdParts parts, ParseLessonId("id", id));
  v1::LessonHistory history;
  bool more = false;
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Change> events,
                         store_->LessonHistory(id, kMaxHistoryEvents, &more));
  if (events.empty()) {
    // Lessons stored before the node kept histories have none yet: the lesson itself tells
    // its latest version.
    CAIRN_ASSIGN_OR_RETURN(v1::Lesson stored, store_->GetLesson(id));
    v1::LessonHistory::Event* event = history.add_events();
    event->set_version(stored.version());
    event->set_kind(stored.status() == v1::RETRACTED ? v1::Change::RETRACT : v1::Change::UPSERT);
    *event->mutable_at() = stored.updated_at();
  }
  for (const v1::Change& change : events) {
    v1::LessonHistory::Event* event = history.add_events();
    event->set_version(change.version());
    event->set_kind(change.kind());
    if (change.has_at()) *event->mutable_at() = change.at();
    event->set_sequence(change.sequence());
  }
  // Our own lesson's history starts at version 1: one that starts later began before this node
  // kept histories, so its older events are missing too.
  if (parts.org_id == identity_.org_id && history.events().rbegin()->version() > 1) more = true;
  history.set_more_events(more);
  CAIRN_ASSIGN_OR_RETURN(auto holders, store_->ListHolders(id));
  for (auto& [org, entry] : holders) {
    v1::LessonHistory::Source* source = history.add_sources();
    source->set_org(org);
    source->set_version(entry.version());
    for (std::string& node : *entry.mutable_path()) source->add_path(std::move(node));
  }
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Peer> peers, store_->ListPeers());
  for (const v1::Peer& peer : peers) {
    absl::StatusOr<v1::LedgerEntry> sent = store_->GetLedger(peer.org_id(), id);
    if (absl::IsNotFound(sent.status())) continue;
    if (!sent.ok()) return sent.status();
    v1::LessonHistory::Recipient* recipient = history.add_sent_to();
    recipient->set_org(peer.org_id());
    recipient->set_version(sent->version());
  }
  return history;
}

absl::StatusOr<ListPage> LessonCatalog::List(const ListQuery& query) const {
  if (query.page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: ", query.page_size,
                                                   " is over the limit of ", kMaxPageSize));
  }
  uint32_t page_size = query.page_size == 0 ? kDefaultPageSize : query.page_size;
  std::string start_after;
  if (!query.page_token.empty()) {
    CAIRN_ASSIGN_OR_RETURN(start_after, DecodePageToken(kPageTokenKind, query.page_token));
  }
  ListPage page;
  size_t page_bytes = 0;
  size_t scanned = 0;
  std::string last_seen;  // the id the next page starts after
  bool more = false;
  CAIRN_RETURN_IF_ERROR(store_->ScanLessons(start_after, [&](const v1::Lesson& lesson) {
    // Stop at a full page, or after scanning kMaxScan lessons for a sparse filter, so no call
    // does unbounded work; the token says where to go on.
    if (page.lessons.size() == page_size || scanned == kMaxScan) {
      more = true;
      return false;
    }
    ++scanned;
    if (Matches(query, lesson)) {
      size_t bytes = lesson.ByteSizeLong();
      if (!page.lessons.empty() && page_bytes + bytes > kMaxPageBytes) {
        more = true;
        return false;
      }
      page_bytes += bytes;
      page.lessons.push_back(lesson);
    }
    last_seen = lesson.id();
    return true;
  }));
  if (more) page.next_page_token = EncodePageToken(kPageTokenKind, last_seen);
  return page;
}

absl::StatusOr<v1::Lesson> LessonCatalog::Retract(absl::string_view actor, absl::string_view id,
                                                  absl::string_view reason,
                                                  const AlsoWrite& also) {
  CAIRN_RETURN_IF_ERROR(ValidateText("reason", reason, LessonLimits::kShortTextBytes));
  CAIRN_ASSIGN_OR_RETURN(v1::Lesson lesson, GetOwn(id));
  if (!also) CAIRN_RETURN_IF_ERROR(NotAwaitingReview(lesson, "whether it is withdrawn"));
  uint64_t stored_version = lesson.version();
  lesson.set_version(stored_version + 1);
  lesson.set_status(v1::RETRACTED);
  lesson.set_retraction_reason(std::string(reason));
  *lesson.mutable_updated_at() = ToTimestamp(clock_->Now());
  CAIRN_RETURN_IF_ERROR(Record(actor, "lesson.retract",
                               LessonWrite{lesson, stored_version, v1::Change::RETRACT}, also));
  return lesson;
}

}  // namespace cairn
