#include "node/audit/audit_log.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "node/common/page_token.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"

namespace cairn {
namespace {

constexpr absl::string_view kPageTokenKind = "audit";

bool Matches(const AuditQuery& query, const v1::AuditEvent& event) {
  if (!query.actor.empty() && event.actor() != query.actor) return false;
  if (!query.action.empty()) {
    bool prefix = absl::EndsWith(query.action, ".");
    if (prefix ? !absl::StartsWith(event.action(), query.action) : event.action() != query.action) {
      return false;
    }
  }
  absl::Time at = FromTimestamp(event.at());
  if (query.since && at < *query.since) return false;
  if (query.until && at >= *query.until) return false;
  return true;
}

}  // namespace

v1::AuditEvent NewAuditEvent(absl::Time at, absl::string_view actor, absl::string_view action,
                             absl::string_view target, uint64_t old_version, uint64_t new_version,
                             absl::string_view detail) {
  v1::AuditEvent event;
  *event.mutable_at() = ToTimestamp(at);
  event.set_actor(std::string(actor));
  event.set_action(std::string(action));
  event.set_target(std::string(target));
  event.set_old_version(old_version);
  event.set_new_version(new_version);
  if (!detail.empty()) event.set_detail(std::string(detail));
  return event;
}

absl::StatusOr<AuditPage> ListAudit(const Store& store, const AuditQuery& query) {
  if (query.page_size > AuditQuery::kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: ", query.page_size,
                                                   " is over the limit of ",
                                                   AuditQuery::kMaxPageSize));
  }
  uint32_t page_size = query.page_size == 0 ? AuditQuery::kDefaultPageSize : query.page_size;
  uint64_t before = 0;
  if (!query.page_token.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string position, DecodePageToken(kPageTokenKind, query.page_token));
    if (!absl::SimpleAtoi(position, &before) || before == 0) {
      return absl::InvalidArgumentError("page_token: is not a token this node gave out");
    }
  }
  AuditPage page;
  size_t scanned = 0;
  uint64_t last_seen = 0;
  bool more = false;
  CAIRN_RETURN_IF_ERROR(store.ScanAuditNewestFirst(before, [&](const v1::AuditEvent& event) {
    if (page.events.size() == page_size || scanned == AuditQuery::kMaxScan) {
      more = true;
      return false;
    }
    ++scanned;
    if (Matches(query, event)) page.events.push_back(event);
    last_seen = event.sequence();
    return true;
  }));
  if (more && last_seen > 1) {
    page.next_page_token = EncodePageToken(kPageTokenKind, absl::StrCat(last_seen));
  }
  return page;
}

}  // namespace cairn
