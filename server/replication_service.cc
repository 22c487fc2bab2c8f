#include "server/replication_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"
#include "server/security.h"
#include "server/status.h"

namespace cairn::server {
namespace {

constexpr uint64_t kMaxRawBytes = 1ull << 30;
constexpr uint32_t kMaxRawChunk = 4 * 1024 * 1024 - 1024;

}  // namespace

absl::StatusOr<Principal> ReplicationServiceImpl::AdmitPeer(grpc::ServerContext* context) const {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, IdentifyCaller(*context, *authenticator_));
  if (caller.kind != Principal::Kind::kPeer) {
    return absl::PermissionDeniedError(
        absl::StrCat(caller.Describe(), " is not a peer node; replication is between nodes"));
  }
  // A known peer that may no longer pull is still served: it receives the retractions of what it
  // holds from us, and nothing else.
  return caller;
}

grpc::Status ReplicationServiceImpl::Pull(grpc::ServerContext* context,
                                          const v1::PullRequest* request,
                                          grpc::ServerWriter<v1::PullResponse>* writer) {
  absl::StatusOr<Principal> peer = AdmitPeer(context);
  if (!peer.ok()) return ToGrpcStatus(peer.status());
  FeedLimits limits;
  if (request->max_batch_lessons() > 0) {
    limits.max_lessons = std::min<size_t>(request->max_batch_lessons(), FeedLimits::kMaxLessons);
  }
  if (request->max_batch_bytes() > 0) {
    limits.max_bytes = std::min<size_t>(request->max_batch_bytes(), FeedLimits::kMaxBytes);
  }
  PullPosition position;
  position.cursor = request->cursor();
  position.completed_resync_id = request->completed_resync_id();
  position.holdings_digest.assign(request->holdings_digest().begin(),
                                  request->holdings_digest().end());
  ResyncProgress resync;
  absl::Time next_heartbeat = absl::Now();
  while (!context->IsCancelled() && !stopping_) {
    uint64_t seen = store_->CommitCount();
    absl::StatusOr<v1::ReplicationBatch> batch = feed_->Next(peer->org_id, position, limits, &resync);
    if (!batch.ok()) return ToGrpcStatus(batch.status());
    position.cursor = batch->cursor();
    // The peer's digest describes its copies as it connected: only a resync that starts at once
    // may use it, since every batch after changes them.
    position.holdings_digest.clear();
    if (batch->changes_size() > 0 || batch->resync()) {
      v1::PullResponse response;
      *response.mutable_batch() = *std::move(batch);
      if (!writer->Write(response)) break;
      continue;
    }
    if (position.cursor < batch->sender_sequence()) continue;  // nothing for it in that stretch
    absl::Time now = absl::Now();
    if (now >= next_heartbeat) {
      v1::PullResponse response;
      v1::Heartbeat* heartbeat = response.mutable_heartbeat();
      heartbeat->set_cursor(position.cursor);
      heartbeat->set_sender_sequence(batch->sender_sequence());
      *heartbeat->mutable_at() = ToTimestamp(now);
      if (!writer->Write(response)) break;
      next_heartbeat = now + heartbeat_;
    }
    // Wake on the next commit (new changes, a policy change), or for the next heartbeat; never
    // sleep long, so a cancelled call is noticed.
    store_->AwaitCommitAfter(seen, std::min(next_heartbeat - absl::Now(), absl::Seconds(1)));
  }
  return grpc::Status::OK;
}

grpc::Status ReplicationServiceImpl::PullRaw(grpc::ServerContext* context,
                                             const v1::PullRawRequest* request,
                                             grpc::ServerWriter<v1::RawChunk>* writer) {
  absl::StatusOr<Principal> peer = AdmitPeer(context);
  if (!peer.ok()) return ToGrpcStatus(peer.status());
  absl::StatusOr<v1::Peer> known = directory_->GetPeer(peer->org_id);
  if (!known.ok() || !known->may_pull()) {
    return ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat("peer ", peer->org_id, " may not pull from this node")));
  }
  if (request->total_bytes() > kMaxRawBytes || request->chunk_bytes() > kMaxRawChunk ||
      request->chunk_bytes() == 0) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        absl::StrCat("total_bytes must be at most ", kMaxRawBytes, " and chunk_bytes 1 to ",
                     kMaxRawChunk)));
  }
  v1::RawChunk chunk;
  chunk.mutable_data()->assign(request->chunk_bytes(), 'x');
  for (uint64_t sent = 0; sent < request->total_bytes() && !context->IsCancelled();
       sent += request->chunk_bytes()) {
    if (!writer->Write(chunk)) break;
  }
  return grpc::Status::OK;
}

}  // namespace cairn::server
