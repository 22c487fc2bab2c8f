#include "server/replication_service.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"
#include "server/security.h"
#include "server/status.h"

namespace cairn::server {
namespace {

// A call refused before anything was committed to it.
template <typename Response>
grpc::ServerWriteReactor<Response>* Refuse(const absl::Status& why) {
  class Refused final : public grpc::ServerWriteReactor<Response> {
   public:
    explicit Refused(const grpc::Status& status) { this->Finish(status); }
    void OnDone() override { delete this; }
  };
  return new Refused(ToGrpcStatus(why));
}

}  // namespace

// One peer's Pull. Its steps run one at a time: Produce on a pump worker, then (when it wrote)
// OnWriteDone, then Produce again; a stream with nothing to send parks in the pump. Only its own
// callbacks end it, and no lock is held while calling gRPC, which may run callbacks inline.
// Deletes itself when done.
class ReplicationServiceImpl::PullStream final
    : public grpc::ServerWriteReactor<v1::PullResponse> {
 public:
  PullStream(ReplicationServiceImpl* service, std::string peer, std::string certificate,
             PullPosition position, FeedLimits limits)
      : service_(service),
        peer_(std::move(peer)),
        certificate_(std::move(certificate)),
        position_(std::move(position)),
        limits_(limits),
        next_heartbeat_(absl::Now()) {}

  void Start() {
    service_->pump_.Run([this] { Produce(); });
  }

  // Ends the stream at its next step with `why`.
  void End(grpc::Status why) {
    {
      absl::MutexLock lock(&mu_);
      if (!ending_) ending_ = std::move(why);
    }
    service_->pump_.Wake(this, &woken_);
  }


  void OnWriteDone(bool ok) override {
    if (!ok) {  // the peer is gone
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
      return;
    }
    service_->pump_.Run([this] { Produce(); });
  }
  void OnCancel() override { End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")); }
  void OnDone() override {
    service_->Ended(peer_);
    delete this;
  }

 private:
  void Produce() {
    std::optional<grpc::Status> ending;
    {
      absl::MutexLock lock(&mu_);
      ending = ending_;
    }
    if (ending) {
      Finish(*ending);
      return;
    }
    if (service_->stopping_) {
      Finish(grpc::Status::OK);
      return;
    }
    // A stream outlives the handshake that admitted it: a peer revoked since gets nothing more.
    if (absl::Status usable = service_->authenticator_->CheckCertificate(certificate_);
        !usable.ok()) {
      Finish(ToGrpcStatus(usable));
      return;
    }
    const uint64_t seen = service_->store_->CommitCount();
    absl::StatusOr<v1::ReplicationBatch> batch =
        service_->feed_->Next(peer_, position_, limits_, &resync_);
    if (!batch.ok()) {
      Finish(ToGrpcStatus(batch.status()));
      return;
    }
    position_.cursor = batch->cursor();
    if (CursorFollowsIncarnation(*batch)) position_.sender_incarnation = batch->incarnation();
    // The peer's digest describes its copies as it connected: only a resync that starts at once
    // may use it, since every batch after changes them.
    position_.holdings_digest.clear();
    if (batch->changes_size() > 0 || batch->resync()) {
      response_.Clear();
      *response_.mutable_batch() = *std::move(batch);
      StartWrite(&response_);
      return;
    }
    if (position_.cursor < batch->sender_sequence()) {  // nothing for it in that stretch
      service_->pump_.Run([this] { Produce(); });
      return;
    }
    const absl::Time now = absl::Now();
    if (now >= next_heartbeat_) {
      response_.Clear();
      v1::Heartbeat* heartbeat = response_.mutable_heartbeat();
      heartbeat->set_cursor(position_.cursor);
      heartbeat->set_sender_sequence(batch->sender_sequence());
      heartbeat->set_incarnation(batch->incarnation());
      *heartbeat->mutable_at() = ToTimestamp(now);
      next_heartbeat_ = now + service_->heartbeat_;
      StartWrite(&response_);
      return;
    }
    // Wait, holding no thread, for the next commit (new changes, a policy change) or the next
    // heartbeat.
    service_->pump_.Park(this, seen, next_heartbeat_, &woken_, [this] { Produce(); });
  }

  ReplicationServiceImpl* const service_;
  const std::string peer_;
  const std::string certificate_;  // the peer's, as presented when it connected
  // Touched only by the stream's current step.
  PullPosition position_;
  const FeedLimits limits_;
  ResyncProgress resync_;
  absl::Time next_heartbeat_;
  v1::PullResponse response_;  // the message in flight
  std::atomic<bool> woken_{false};
  absl::Mutex mu_;
  std::optional<grpc::Status> ending_ ABSL_GUARDED_BY(mu_);
};

// One peer's link test: chunks written one at a time, each after the last was taken.
class ReplicationServiceImpl::RawStream final : public grpc::ServerWriteReactor<v1::RawChunk> {
 public:
  RawStream(ReplicationServiceImpl* service, std::string peer, uint64_t total, uint32_t chunk)
      : service_(service), peer_(std::move(peer)), total_(total) {
    chunk_.mutable_data()->assign(chunk, 'x');
  }
  void Start() { Next(); }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
      return;
    }
    Next();
  }
  void OnDone() override {
    service_->Ended(peer_, this);
    delete this;
  }

 private:
  void Next() {
    if (sent_ >= total_ || service_->stopping_) {
      Finish(grpc::Status::OK);
      return;
    }
    sent_ += chunk_.data().size();
    StartWrite(&chunk_);
  }

  ReplicationServiceImpl* const service_;
  const std::string peer_;
  const uint64_t total_;
  uint64_t sent_ = 0;
  v1::RawChunk chunk_;
};

ReplicationServiceImpl::ReplicationServiceImpl(ChangeFeed* feed, const Store* store,
                                               const PeerDirectory* directory,
                                               const Authenticator* authenticator,
                                               absl::Duration heartbeat)
    : feed_(feed),
      store_(store),
      directory_(directory),
      authenticator_(authenticator),
      heartbeat_(heartbeat),
      pump_(store) {}

ReplicationServiceImpl::~ReplicationServiceImpl() = default;

void ReplicationServiceImpl::Stop() {
  stopping_ = true;
  pump_.WakeAll();
}

absl::StatusOr<Principal> ReplicationServiceImpl::AdmitPeer(
    grpc::CallbackServerContext* context) const {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, IdentifyCaller(*context, *authenticator_));
  if (caller.kind != Principal::Kind::kPeer) {
    return absl::PermissionDeniedError(
        absl::StrCat(caller.Describe(), " is not a peer node; replication is between nodes"));
  }
  absl::StatusOr<v1::Peer> known = directory_->GetPeer(caller.org_id);
  // A peer that may no longer pull is still served while it may hold lessons we sent it: it
  // receives their retractions, and nothing else.
  if (!known.ok() || (!known->may_pull() && !store_->HasSentTo(caller.org_id))) {
    return absl::PermissionDeniedError(
        absl::StrCat("peer ", caller.org_id, " may not pull from this node"));
  }
  return caller;
}

grpc::ServerWriteReactor<v1::PullResponse>* ReplicationServiceImpl::Pull(
    grpc::CallbackServerContext* context, const v1::PullRequest* request) {
  absl::StatusOr<Principal> peer = AdmitPeer(context);
  if (!peer.ok()) return Refuse<v1::PullResponse>(peer.status());
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
  position.sender_incarnation = request->sender_incarnation();
  position.holdings_digest.assign(request->holdings_digest().begin(),
                                  request->holdings_digest().end());
  {
    absl::MutexLock lock(&mu_);
    int& open = pulls_[peer->org_id];
    if (open >= kMaxPullsPerPeer) {
      return Refuse<v1::PullResponse>(absl::ResourceExhaustedError(absl::StrCat(
          "peer ", peer->org_id, " has ", open, " pulls open here already (the limit)")));
    }
    ++open;
  }
  auto* stream = new PullStream(this, peer->org_id, PresentedBy(*context).certificate_pem,
                                std::move(position), limits);
  stream->Start();
  return stream;
}

void ReplicationServiceImpl::Ended(const std::string& peer) {
  absl::MutexLock lock(&mu_);
  if (--pulls_[peer] == 0) pulls_.erase(peer);
}

absl::Status ReplicationServiceImpl::TakeRawAllowance(const std::string& peer, uint64_t bytes) {
  RawAllowance& allowance = raw_allowances_[peer];
  const absl::Time now = absl::Now();
  if (allowance.refilled != absl::InfinitePast()) {
    allowance.bytes = std::min(kRawBytesPerHour,
                               allowance.bytes + kRawBytesPerHour *
                                                     absl::ToDoubleHours(now - allowance.refilled));
  }
  allowance.refilled = now;
  if (static_cast<double>(bytes) > allowance.bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "peer ", peer, " has ", static_cast<uint64_t>(allowance.bytes) >> 20,
        " MiB left of its link-test allowance of ",
        static_cast<uint64_t>(kRawBytesPerHour) >> 20, " MiB an hour"));
  }
  allowance.bytes -= static_cast<double>(bytes);
  return absl::OkStatus();
}

grpc::ServerWriteReactor<v1::RawChunk>* ReplicationServiceImpl::PullRaw(
    grpc::CallbackServerContext* context, const v1::PullRawRequest* request) {
  absl::StatusOr<Principal> peer = AdmitPeer(context);
  if (!peer.ok()) return Refuse<v1::RawChunk>(peer.status());
  absl::StatusOr<v1::Peer> known = directory_->GetPeer(peer->org_id);
  if (!known.ok() || !known->may_pull()) {
    return Refuse<v1::RawChunk>(absl::PermissionDeniedError(
        absl::StrCat("peer ", peer->org_id, " may not pull from this node")));
  }
  if (request->total_bytes() > kMaxRawBytes || request->chunk_bytes() > kMaxRawChunk ||
      request->chunk_bytes() == 0) {
    return Refuse<v1::RawChunk>(absl::InvalidArgumentError(
        absl::StrCat("total_bytes must be at most ", kMaxRawBytes, " and chunk_bytes 1 to ",
                     kMaxRawChunk)));
  }
  RawStream* stream = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (raws_.contains(peer->org_id)) {
      return Refuse<v1::RawChunk>(absl::ResourceExhaustedError(
          absl::StrCat("a link test from ", peer->org_id, " is already running (one at a time)")));
    }
    if (absl::Status allowed = TakeRawAllowance(peer->org_id, request->total_bytes());
        !allowed.ok()) {
      return Refuse<v1::RawChunk>(allowed);
    }
    stream = new RawStream(this, peer->org_id, request->total_bytes(), request->chunk_bytes());
    raws_[peer->org_id] = stream;
  }
  stream->Start();
  return stream;
}

void ReplicationServiceImpl::Ended(const std::string& peer, const RawStream* stream) {
  absl::MutexLock lock(&mu_);
  auto it = raws_.find(peer);
  if (it != raws_.end() && it->second == stream) raws_.erase(it);
}

}  // namespace cairn::server
