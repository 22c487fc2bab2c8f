// Pulling from peers: one thread per peer we pull from, which keeps a Pull stream open, applies
// what arrives, and reconnects with exponential backoff and jitter when the peer is unreachable.
#ifndef CAIRN_SERVER_PEER_PULLER_H_
#define CAIRN_SERVER_PEER_PULLER_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "cairn/v1/config.pb.h"
#include "cairn/v1/policy.pb.h"
#include "node/replication/replica_applier.h"

namespace grpc {
class ChannelCredentials;
class ClientContext;
}  // namespace grpc

namespace cairn::server {

struct PullerOptions {
  std::string federation;
  absl::Duration retry_initial = absl::Milliseconds(200);
  absl::Duration retry_max = absl::Seconds(30);
  absl::Duration stream_deadline = absl::Hours(1);  // then it reconnects from its cursor
  // A sender silent this long when the deadline comes had stalled (it heartbeats every few
  // seconds): reported as an error, not taken for the stream's planned end.
  absl::Duration quiet_sender = absl::Minutes(1);
  // When set, a sender whose certificate it refuses (revoked) is not pulled from. Must outlive
  // the pullers.
  const PresentedCertificateCheck* certificates = nullptr;
};

// Wakes pullers waiting to try again (PullerPool::NudgeAll). Thread-safe.
struct PullerWakeup {
  absl::Mutex mu;
  uint64_t nudges ABSL_GUARDED_BY(mu) = 0;
};

// Pulls from one peer until stopped. Thread-safe.
class PeerPuller {
 public:
  // `wakeup` (not owned) must outlive the puller.
  PeerPuller(v1::Peer peer, ReplicaApplier* applier,
             std::shared_ptr<grpc::ChannelCredentials> credentials, PullerOptions options,
             PullerWakeup* wakeup);
  ~PeerPuller();  // stops

  const v1::Peer& peer() const { return peer_; }
  void Stop();

 private:
  void Run();
  // One connection: returns how it ended. `made_progress`: whether it stored anything.
  absl::Status PullOnce(bool* made_progress);
  // Waits `delay`, or until stopped or nudged after the nudge count was `seen`; false once
  // stopped.
  bool WaitToRetry(uint64_t seen, absl::Duration delay);

  const v1::Peer peer_;
  ReplicaApplier* const applier_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const PullerOptions options_;
  PullerWakeup* const wakeup_;
  absl::Notification stopping_;
  absl::Mutex mu_;
  grpc::ClientContext* active_ ABSL_GUARDED_BY(mu_) = nullptr;  // to cancel on Stop
  std::thread thread_;
};

// Keeps exactly one puller running for each peer we pull from (pull_from set and an address
// known), restarting one whose settings changed. Thread-safe.
class PullerPool {
 public:
  // Node credentials: this node's certificate and key, and the trust bundle, re-read on rotation.
  PullerPool(const v1::TlsConfig& tls, ReplicaApplier* applier, PullerOptions options);
  ~PullerPool();

  // Call with every peer after any change (a PeerDirectory listener). Copies supplied by a peer
  // we stop pulling from (removed, or pull_from cleared) are withdrawn.
  void Update(const std::vector<v1::Peer>& peers);

  // Streams `total_bytes` of raw data from `peer` (ReplicationService.PullRaw) over a link like
  // the pullers', and returns how long it took.
  // Ends every puller's wait before its next attempt, e.g. because what made the last ones fail
  // (this node's full disk) is gone. Takes no lock a puller may hold: safe from any thread.
  void NudgeAll();

  absl::StatusOr<absl::Duration> MeasureLink(const v1::Peer& peer, uint64_t total_bytes,
                                             uint32_t chunk_bytes) const;
  void StopAll();

 private:
  // Starts and stops pullers to match `peers`; returns the peers no longer pulled from.
  std::vector<std::string> Reconcile(const std::vector<v1::Peer>& peers)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ReplicaApplier* const applier_;
  const PullerOptions options_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  PullerWakeup wakeup_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<PeerPuller>> pullers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_PEER_PULLER_H_
