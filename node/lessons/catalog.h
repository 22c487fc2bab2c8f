// The node's lessons as its own users see them: creating, editing, reading, listing and retracting,
// with validation, ownership and versioning rules applied before anything is stored.
#ifndef CAIRN_NODE_LESSONS_CATALOG_H_
#define CAIRN_NODE_LESSONS_CATALOG_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cairn/v1/lesson.pb.h"
#include "cairn/v1/lesson_service.pb.h"
#include "node/common/clock.h"
#include "node/common/parallel_for.h"
#include "node/crypto/provenance.h"
#include "node/lessons/lesson_id.h"
#include "node/storage/store.h"

namespace cairn {

struct ListQuery {
  v1::LessonStatus status = v1::LESSON_STATUS_UNSPECIFIED;  // unset: all but RETRACTED
  v1::TlpMarking marking = v1::TLP_UNSPECIFIED;
  std::string topic;       // exact match on one of the lesson's topics
  std::string origin_org;
  uint32_t page_size = 0;  // 0: the default
  std::string page_token;
};

struct ListPage {
  std::vector<v1::Lesson> lessons;
  std::string next_page_token;  // empty on the last page
};

// Applies the editing rules of SPEC section 2 on top of the Store. Only this node's organisation
// (the origin) edits its lessons; every edit gets the next version, and is audited with its
// `actor` (e.g. "user alice") in the same atomic write. Thread-safe; the store and clock must
// outlive it.
class LessonCatalog {
 public:
  static constexpr uint32_t kDefaultPageSize = 50;
  static constexpr uint32_t kMaxPageSize = 500;
  static constexpr size_t kMaxBatch = 500;  // lessons in one CreateMany
  static constexpr size_t kMaxPageBytes = 4 * 1024 * 1024;  // encoded lessons in one page
  static constexpr size_t kMaxScan = 10'000;  // lessons examined for one page

  struct Identity {
    std::string org_id;
    std::string sector;
  };

  // Adds to `batch` what must be stored with `lesson` in the same atomic write (an observation's
  // record, for one).
  using AlsoWrite = std::function<absl::Status(const v1::Lesson& lesson, StoreBatch* batch)>;

  // `signer`, when not null, signs every version as it is stored, so replication can send it
  // without signing again (unless a peer's policy alters it).
  LessonCatalog(Store* store, Identity identity, Clock* clock, RandomSource* random,
                const LessonSigner* signer = nullptr);

  // Stores `draft` as a new lesson of this organisation with version 1. INVALID_ARGUMENT naming
  // the field for bad content or identity fields filled in by the client.
  absl::StatusOr<v1::Lesson> Create(absl::string_view actor, v1::Lesson draft,
                                    const AlsoWrite& also = nullptr);

  // Creates each draft independently and stores the valid ones in one durable batch. Each result
  // is the stored lesson or why that draft was refused. INVALID_ARGUMENT (nothing stored) for more
  // than kMaxBatch drafts.
  absl::StatusOr<std::vector<absl::StatusOr<v1::Lesson>>> CreateMany(
      absl::string_view actor, std::vector<v1::Lesson> drafts);

  // Replaces the content of lesson `edit.id()`; `edit.version()` must be the stored version. The
  // provenance of the version fetched may be sent back; it is replaced.
  // Outcomes: the stored lesson (version + 1); NOT_FOUND; PERMISSION_DENIED for another
  // organisation's lesson; FAILED_PRECONDITION when the version is stale or the lesson is
  // retracted, or when it changes the status or marking of an observation awaiting review
  // without `also` (only a review, which passes it, decides those); INVALID_ARGUMENT naming the
  // field.
  absl::StatusOr<v1::Lesson> Update(absl::string_view actor, v1::Lesson edit,
                                    const AlsoWrite& also = nullptr);

  // NOT_FOUND or INVALID_ARGUMENT for a malformed id.
  absl::StatusOr<v1::Lesson> Get(absl::string_view id) const;

  // What happened to the lesson on this node (newest first, at most kMaxHistoryEvents), the peers
  // its copy came from and the peers it was sent to. NOT_FOUND when this node never stored it;
  // INVALID_ARGUMENT for a malformed id.
  absl::StatusOr<v1::LessonHistory> History(absl::string_view id) const;
  static constexpr size_t kMaxHistoryEvents = 100;

  // One page of the lessons matching `query`, in id order. A page ends when it holds page_size
  // lessons or kMaxPageBytes, or after kMaxScan lessons were examined; so a page may be short, even
  // empty, and still have a next_page_token. INVALID_ARGUMENT for a bad page token or size.
  absl::StatusOr<ListPage> List(const ListQuery& query) const;

  // Marks the lesson RETRACTED with a new version. NOT_FOUND, PERMISSION_DENIED (another
  // organisation's), FAILED_PRECONDITION (already retracted, or an observation awaiting review
  // and no `also`), INVALID_ARGUMENT (reason too long).
  absl::StatusOr<v1::Lesson> Retract(absl::string_view actor, absl::string_view id,
                                     absl::string_view reason, const AlsoWrite& also = nullptr);

 private:
  // Validates a draft and fills in identity, version, times and defaults.
  absl::StatusOr<v1::Lesson> PrepareNew(v1::Lesson draft);
  // The stored lesson, if this organisation may change it.
  absl::StatusOr<v1::Lesson> GetOwn(absl::string_view id) const;
  // Signs `write` (when there is a signer), adds it and its audit event to `batch`, then what
  // `also` adds, and commits.
  absl::Status Record(absl::string_view actor, absl::string_view action, LessonWrite write,
                      const AlsoWrite& also) const;
  // FAILED_PRECONDITION when `lesson` is an observation awaiting review.
  absl::Status NotAwaitingReview(const v1::Lesson& lesson, absl::string_view change) const;
  // Adds signed `write`, with its preparation for the index (or null), and its audit event.
  void AddToBatch(absl::string_view actor, absl::string_view action, LessonWrite write,
                  std::shared_ptr<const PreparedIndexing> prepared, StoreBatch* batch) const;

  Store* const store_;
  const Identity identity_;
  Clock* const clock_;
  const LessonSigner* const signer_;
  LessonIdGenerator ids_;
  // Signs and prepares for the search index the lessons of one CreateMany, off the write lock.
  mutable ParallelFor batch_threads_{1};
};

}  // namespace cairn

#endif  // CAIRN_NODE_LESSONS_CATALOG_H_
