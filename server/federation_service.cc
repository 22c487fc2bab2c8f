#include "server/federation_service.h"

#include <algorithm>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/audit/audit_log.h"
#include "node/lessons/validation.h"
#include "server/security.h"
#include "server/status.h"

namespace cairn::server {
namespace {

constexpr size_t kAuditedQueryBytes = 200;

// The first `bytes` of `text`, not splitting a UTF-8 character.
absl::string_view Prefix(absl::string_view text, size_t bytes) {
  if (text.size() <= bytes) return text;
  while (bytes > 0 && (static_cast<uint8_t>(text[bytes]) & 0xC0) == 0x80) --bytes;
  return text.substr(0, bytes);
}

}  // namespace

absl::Status FederationServiceImpl::Begin(const std::string& peer) {
  absl::MutexLock lock(&mu_);
  Allowance& allowance = allowances_[peer];
  absl::Time now = absl::Now();
  if (allowance.refilled != absl::InfinitePast()) {
    allowance.tokens = std::min(kMaxPerSecond, allowance.tokens + kMaxPerSecond *
                                                   absl::ToDoubleSeconds(now - allowance.refilled));
  }
  allowance.refilled = now;
  if (allowance.running >= kMaxConcurrent) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "peer ", peer, " has ", kMaxConcurrent, " queries running here already (the limit)"));
  }
  if (running_ >= kMaxConcurrentAllPeers) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "peers have ", kMaxConcurrentAllPeers, " queries running here already (the limit)"));
  }
  if (allowance.tokens < 1) {
    return absl::ResourceExhaustedError(
        absl::StrCat("peer ", peer, " is over the limit of ", kMaxPerSecond, " queries a second"));
  }
  allowance.tokens -= 1;
  ++allowance.running;
  ++running_;
  return absl::OkStatus();
}

void FederationServiceImpl::End(const std::string& peer) {
  absl::MutexLock lock(&mu_);
  --allowances_[peer].running;
  --running_;
}

grpc::Status FederationServiceImpl::Query(grpc::ServerContext* context,
                                          const v1::PeerQueryRequest* request,
                                          v1::PeerQueryResponse* response) {
  absl::StatusOr<Principal> caller = IdentifyCaller(*context, *authenticator_);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (caller->kind != Principal::Kind::kPeer) {
    return ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat(caller->Describe(), " is not a peer node; use SearchService to search")));
  }
  absl::StatusOr<PeerDirectory::PeerSnapshot> peer = directory_->Snapshot(caller->org_id);
  if (!peer.ok() || !peer->peer.may_query()) {
    return ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat("peer ", caller->org_id, " may not query this node")));
  }
  if (absl::Status well_formed = ValidateWellFormed(*request, "request"); !well_formed.ok()) {
    return ToGrpcStatus(well_formed);
  }
  if (absl::Status admitted = Begin(caller->org_id); !admitted.ok()) return ToGrpcStatus(admitted);
  absl::Cleanup end = [&] { End(caller->org_id); };
  search::SearchIndex::Audience audience{self_org_, peer->peer, peer->policy, signer_};
  absl::StatusOr<v1::PeerQueryResponse> answer = index_->Answer(*request, audience);
  if (!answer.ok()) return ToGrpcStatus(answer.status());
  StoreBatch audit;
  audit.Audit(NewAuditEvent(
      absl::Now(), absl::StrCat("peer ", caller->org_id), "query.answered",
      Prefix(request->query(), kAuditedQueryBytes), 0, 0,
      absl::StrCat(answer->lessons_size(), " results of ", answer->total_hits(), " hits")));
  if (absl::Status audited = store_->Commit(audit).status(); !audited.ok()) {
    return ToGrpcStatus(audited);
  }
  *response = *std::move(answer);
  return grpc::Status::OK;
}

}  // namespace cairn::server
