#include "server/peer_puller.h"

#include <future>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cairn/v1/replication.grpc.pb.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "node/common/status_macros.h"
#include "node/replication/change_feed.h"
#include "server/security.h"
#include "server/status.h"

namespace cairn::server {
namespace {

constexpr int kMaxReceiveBytes = 8 * 1024 * 1024;
// The largest batch a sender gives may pass its byte limit by one change: a lesson of at most
// 256 KiB with its provenance and relay path, well within this margin.
static_assert(FeedLimits::kMaxBytes + 1024 * 1024 <= kMaxReceiveBytes);

// A random delay between half and all of the current backoff, so peers that failed together do
// not retry together.
absl::Duration Jittered(absl::Duration backoff) {
  thread_local std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> fraction(0.5, 1.0);
  return backoff * fraction(random);
}

// A stub for a peer's replication service over this node's mTLS credentials.
std::unique_ptr<v1::ReplicationService::Stub> ReplicationStub(
    const v1::Peer& peer, const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  // Each attempt gets a fresh connection, so our backoff, not gRPC's, says when we try again.
  return v1::ReplicationService::NewStub(NewPeerChannel(peer.address(), credentials, args));
}

// Reads a Pull stream ahead on its own thread, holding up to two responses we have not taken.
// The sender builds each batch only once we have taken the previous one, so without this it
// would sit idle while we check and write a batch, and we would then wait for it (about a third
// of a bulk transfer's time).
class ReadAhead {
 public:
  ReadAhead(grpc::ClientReaderInterface<v1::PullResponse>* reader, grpc::ClientContext* context)
      : reader_(reader), context_(context), thread_([this] { Run(); }) {}

  // Abandons the stream unless it ended, so the reading thread returns. A stream that ended is
  // not cancelled: Finish must report the status the peer ended it with.
  ~ReadAhead() {
    bool ended;
    {
      absl::MutexLock lock(&mu_);
      abandoned_ = true;
      ended = ended_;
    }
    if (!ended) context_->TryCancel();
    thread_.join();
  }

  // The next response; false when the stream ended.
  bool Next(v1::PullResponse* response) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ReadAhead* self) { return self->ready_.has_value() || self->ended_; }, this));
    if (!ready_) return false;
    *response = *std::move(ready_);
    ready_.reset();
    return true;
  }

 private:
  void Run() {
    v1::PullResponse response;
    while (reader_->Read(&response)) {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ReadAhead* self) { return !self->ready_.has_value() || self->abandoned_; }, this));
      if (abandoned_) return;
      ready_ = std::move(response);
      response.Clear();
    }
    absl::MutexLock lock(&mu_);
    ended_ = true;
  }

  grpc::ClientReaderInterface<v1::PullResponse>* const reader_;
  grpc::ClientContext* const context_;
  absl::Mutex mu_;
  std::optional<v1::PullResponse> ready_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool abandoned_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the rest is set up
};

}  // namespace

PeerPuller::PeerPuller(v1::Peer peer, ReplicaApplier* applier,
                       std::shared_ptr<grpc::ChannelCredentials> credentials, PullerOptions options,
                       PullerWakeup* wakeup)
    : peer_(std::move(peer)),
      applier_(applier),
      credentials_(std::move(credentials)),
      options_(std::move(options)),
      wakeup_(wakeup),
      thread_([this] { Run(); }) {}

PeerPuller::~PeerPuller() { Stop(); }

bool PeerPuller::WaitToRetry(uint64_t seen, absl::Duration delay) {
  absl::MutexLock lock(&wakeup_->mu);
  auto woken = [this, seen]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return wakeup_->nudges != seen || stopping_.HasBeenNotified();
  };
  wakeup_->mu.AwaitWithTimeout(absl::Condition(&woken), delay);
  return !stopping_.HasBeenNotified();
}

void PeerPuller::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  {
    // Releasing the lock has a waiting WaitToRetry look at stopping_ again.
    absl::MutexLock lock(&wakeup_->mu);
  }
  {
    absl::MutexLock lock(&mu_);
    if (active_ != nullptr) active_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void PeerPuller::Run() {
  absl::Duration backoff = options_.retry_initial;
  while (!stopping_.HasBeenNotified()) {
    uint64_t seen;
    {
      absl::MutexLock lock(&wakeup_->mu);
      seen = wakeup_->nudges;
    }
    bool made_progress = false;
    absl::Status ended = PullOnce(&made_progress);
    applier_->SetConnected(peer_.org_id(), false);
    if (stopping_.HasBeenNotified()) break;
    if (!ended.ok()) applier_->RecordError(peer_.org_id(), ended);
    backoff = made_progress ? options_.retry_initial : std::min(backoff * 2, options_.retry_max);
    if (!WaitToRetry(seen, Jittered(backoff))) break;
  }
}

absl::Status PeerPuller::PullOnce(bool* made_progress) {
  CAIRN_RETURN_IF_ERROR(applier_->ReplayIfTrustChanged(peer_.org_id()));
  absl::StatusOr<v1::PullState> state = applier_->State(peer_.org_id());
  if (!state.ok()) return state.status();
  absl::StatusOr<std::vector<uint64_t>> digest = applier_->HoldingsDigestFor(peer_.org_id());
  if (!digest.ok()) return digest.status();
  auto stub = ReplicationStub(peer_, credentials_);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.stream_deadline));
  {
    absl::MutexLock lock(&mu_);
    if (stopping_.HasBeenNotified()) return absl::OkStatus();
    active_ = &context;  // cleared below before `context` goes; no return in between
  }
  v1::PullRequest request;
  request.set_cursor(state->cursor());
  request.set_completed_resync_id(state->completed_resync_id());
  request.set_sender_incarnation(state->sender_incarnation());
  // The largest batches a sender gives: a bulk transfer then makes fewer commits, and fewer and
  // fuller postings merges at this end (1,000 lessons were about 10% less work a lesson than the
  // defaults' 500).
  request.set_max_batch_lessons(FeedLimits::kMaxLessons);
  request.set_max_batch_bytes(FeedLimits::kMaxBytes);
  for (uint64_t bucket : *digest) request.add_holdings_digest(bucket);
  auto reader = stub->Pull(&context, request);
  auto ahead = std::make_unique<ReadAhead>(reader.get(), &context);
  absl::Status outcome;
  v1::PullResponse response;
  bool first = true;
  // The previous batch is written (and synced) on another thread while the next is checked.
  // Only a batch stored is progress: a node that cannot store (its disk is full) backs off
  // instead of fetching and checking the same batch again and again.
  std::future<absl::Status> applying;
  auto finish_applying = [&applying, made_progress]() {
    if (!applying.valid()) return absl::OkStatus();
    absl::Status applied = applying.get();
    if (applied.ok()) *made_progress = true;
    return applied;
  };
  absl::Time last_message = absl::InfinitePast();
  bool replay = false;  // this node's trust changed since it rejected a signature: pull again
  while (ahead->Next(&response)) {
    last_message = absl::Now();
    // The node at that address must be the peer we mean to pull from, and not revoked since.
    outcome = CheckAnsweringPeer(context, options_.federation, peer_.org_id(), peer_.address(),
                                 options_.certificates);
    if (!outcome.ok()) {
      context.TryCancel();
      break;
    }
    if (first) {
      applier_->SetConnected(peer_.org_id(), true);
      first = false;
    }
    if (response.has_batch()) {
      absl::StatusOr<ReplicaApplier::CheckedBatch> checked =
          applier_->CheckBatch(peer_.org_id(), std::move(*response.mutable_batch()));
      outcome = checked.ok() ? finish_applying() : checked.status();
      if (!outcome.ok()) {
        context.TryCancel();
        break;
      }
      size_t lessons = checked->size();
      applying = std::async(std::launch::async, [this, batch = *std::move(checked)]() mutable {
        return applier_->Apply(std::move(batch));
      });
      absl::Duration pause = applier_->Pace(peer_.org_id(), lessons);
      if (pause > absl::ZeroDuration() && stopping_.WaitForNotificationWithTimeout(pause)) break;
    } else if (response.has_heartbeat()) {
      outcome = finish_applying();
      if (outcome.ok()) outcome = applier_->Heartbeat(peer_.org_id(), response.heartbeat());
      if (!outcome.ok()) {
        context.TryCancel();
        break;
      }
      *made_progress = true;
    }
    if (applier_->TrustChangedSinceRejection(peer_.org_id())) {
      replay = true;
      *made_progress = true;  // reconnect at once
      context.TryCancel();
      break;
    }
  }
  if (absl::Status last = finish_applying(); outcome.ok()) outcome = last;
  ahead.reset();  // every Read is done before Finish
  grpc::Status finished = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    active_ = nullptr;
  }
  if (!outcome.ok()) return outcome;
  // Cancelled by Stop is how a stream ends on shutdown, and by a replay how it starts again; any
  // other status is the peer's.
  if (finished.error_code() == grpc::StatusCode::CANCELLED &&
      (stopping_.HasBeenNotified() || replay)) {
    return absl::OkStatus();
  }
  // A stream that reached our deadline while the sender still spoke had its planned end: we
  // reconnect from the cursor. (Senders never end a pull with this code themselves.)
  if (finished.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
      absl::Now() - last_message < options_.quiet_sender) {
    return absl::OkStatus();
  }
  return FromGrpcStatus(finished);
}

PullerPool::PullerPool(const v1::TlsConfig& tls, ReplicaApplier* applier, PullerOptions options)
    : applier_(applier), options_(std::move(options)) {
  credentials_ = MakePeerChannelCredentials(tls);
}

PullerPool::~PullerPool() { StopAll(); }

void PullerPool::Update(const std::vector<v1::Peer>& peers) {
  std::vector<std::string> dropped;
  {
    absl::MutexLock lock(&mu_);
    dropped = Reconcile(peers);
  }
  // Copies from a peer we no longer pull from would go stale: withdraw them.
  for (const std::string& org : dropped) {
    if (absl::Status forgot = applier_->ForgetSource(org); !forgot.ok()) {
      applier_->RecordError(org, forgot);
    }
  }
}

std::vector<std::string> PullerPool::Reconcile(const std::vector<v1::Peer>& peers) {
  std::map<std::string, std::unique_ptr<PeerPuller>> keep;
  for (const v1::Peer& peer : peers) {
    if (!peer.pull_from() || peer.address().empty()) continue;
    auto it = pullers_.find(peer.org_id());
    if (it != pullers_.end() && it->second->peer().address() == peer.address()) {
      keep[peer.org_id()] = std::move(it->second);
    } else {
      keep[peer.org_id()] =
          std::make_unique<PeerPuller>(peer, applier_, credentials_, options_, &wakeup_);
    }
  }
  pullers_.swap(keep);
  // `keep` now holds the pullers no longer wanted; destroying them stops them.
  std::vector<std::string> dropped;
  for (const auto& [org, puller] : keep) {
    if (!pullers_.contains(org)) dropped.push_back(org);
  }
  return dropped;
}

absl::StatusOr<absl::Duration> PullerPool::MeasureLink(const v1::Peer& peer, uint64_t total_bytes,
                                                      uint32_t chunk_bytes) const {
  if (peer.address().empty()) {
    return absl::FailedPreconditionError(absl::StrCat("peer ", peer.org_id(), " has no address"));
  }
  auto stub = ReplicationStub(peer, credentials_);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(10)));
  v1::PullRawRequest request;
  request.set_total_bytes(total_bytes);
  request.set_chunk_bytes(chunk_bytes);
  absl::Time start = absl::Now();
  auto reader = stub->PullRaw(&context, request);
  v1::RawChunk chunk;
  uint64_t received = 0;
  while (reader->Read(&chunk)) received += chunk.data().size();
  absl::Duration took = absl::Now() - start;
  if (grpc::Status finished = reader->Finish(); !finished.ok()) return FromGrpcStatus(finished);
  if (received < total_bytes) {
    return absl::UnavailableError(absl::StrCat("the link ended after ", received, " bytes"));
  }
  return took;
}

void PullerPool::NudgeAll() {
  absl::MutexLock lock(&wakeup_.mu);
  ++wakeup_.nudges;
}

void PullerPool::StopAll() {
  std::map<std::string, std::unique_ptr<PeerPuller>> stopping;
  {
    absl::MutexLock lock(&mu_);
    stopping.swap(pullers_);
  }
}

}  // namespace cairn::server
