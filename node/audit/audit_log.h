// Reading the append-only audit log: who did what, when. Events are written by the code that makes
// each change, in the same atomic write (see StoreBatch::Audit).
#ifndef CAIRN_NODE_AUDIT_AUDIT_LOG_H_
#define CAIRN_NODE_AUDIT_AUDIT_LOG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cairn/v1/policy.pb.h"
#include "node/storage/store.h"

namespace cairn {

struct AuditQuery {
  static constexpr uint32_t kDefaultPageSize = 50;
  static constexpr uint32_t kMaxPageSize = 500;
  static constexpr size_t kMaxScan = 10'000;  // events examined for one page

  std::string actor;   // exact match, e.g. "user jo"; empty: anyone
  std::string action;  // exact ("policy.set"), or a prefix ending in '.' ("lesson."); empty: any
  std::optional<absl::Time> since;  // inclusive
  std::optional<absl::Time> until;  // exclusive
  uint32_t page_size = 0;           // 0: the default
  std::string page_token;
};

struct AuditPage {
  std::vector<v1::AuditEvent> events;  // newest first
  std::string next_page_token;         // empty on the last page
};

// An event for StoreBatch::Audit, which gives it its sequence number.
v1::AuditEvent NewAuditEvent(absl::Time at, absl::string_view actor, absl::string_view action,
                             absl::string_view target, uint64_t old_version = 0,
                             uint64_t new_version = 0, absl::string_view detail = "");

// One page of matching events, newest first. A page may be short when the filters are sparse
// (each call examines at most kMaxScan events) and still carry a token. INVALID_ARGUMENT for a bad
// page size or token.
absl::StatusOr<AuditPage> ListAudit(const Store& store, const AuditQuery& query);

}  // namespace cairn

#endif  // CAIRN_NODE_AUDIT_AUDIT_LOG_H_
