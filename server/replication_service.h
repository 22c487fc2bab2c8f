// cairn.v1.ReplicationService: the peer-facing feed other nodes pull our lessons from.
#ifndef CAIRN_SERVER_REPLICATION_SERVICE_H_
#define CAIRN_SERVER_REPLICATION_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cairn/v1/replication.grpc.pb.h"
#include "node/identity/principal.h"
#include "node/replication/change_feed.h"
#include "node/storage/store.h"
#include "server/feed_pump.h"

namespace cairn::server {

// Streams on the gRPC callback API: an open stream holds no thread, and at most one message of
// it is in flight (a slow reader is flow-controlled, never buffered for). What each peer may
// cost is bounded before anything is committed to it:
//   Pull     only a known peer that may pull, or that still holds lessons we sent it (it is
//            sent their retractions); at most kMaxPullsPerPeer open at once (a puller that
//            reconnects while its old stream lingers still gets in; keepalives reap dead ones).
//   PullRaw  a link test (`cairn peer link-test`): only a peer that may pull, one at a time,
//            at most kMaxRawBytes a test and kRawBytesPerHour an hour.
// Everything it uses must outlive it. Thread-safe.
class ReplicationServiceImpl final : public v1::ReplicationService::CallbackService {
 public:
  static constexpr int kMaxPullsPerPeer = 2;
  static constexpr uint64_t kMaxRawBytes = 1ull << 30;
  static constexpr double kRawBytesPerHour = 2.0 * (1ull << 30);
  static constexpr uint32_t kMaxRawChunk = 4 * 1024 * 1024 - 1024;

  ReplicationServiceImpl(ChangeFeed* feed, const Store* store, const PeerDirectory* directory,
                         const Authenticator* authenticator, absl::Duration heartbeat);
  ~ReplicationServiceImpl() override;

  grpc::ServerWriteReactor<v1::PullResponse>* Pull(grpc::CallbackServerContext* context,
                                                   const v1::PullRequest* request) override;
  grpc::ServerWriteReactor<v1::RawChunk>* PullRaw(grpc::CallbackServerContext* context,
                                                  const v1::PullRawRequest* request) override;

  // Ends every open stream soon, ahead of a graceful shutdown.
  void Stop();

 private:
  class PullStream;
  class RawStream;

  // The calling peer, if it is a known peer allowed `what`.
  absl::StatusOr<Principal> AdmitPeer(grpc::CallbackServerContext* context) const;
  // Takes `peer`'s raw-byte allowance for `bytes`, or RESOURCE_EXHAUSTED naming the limit.
  absl::Status TakeRawAllowance(const std::string& peer, uint64_t bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Ended(const std::string& peer);  // a Pull of `peer`
  void Ended(const std::string& peer, const RawStream* stream);

  ChangeFeed* const feed_;
  const Store* const store_;
  const PeerDirectory* const directory_;
  const Authenticator* const authenticator_;
  const absl::Duration heartbeat_;
  std::atomic<bool> stopping_{false};
  FeedPump pump_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> pulls_ ABSL_GUARDED_BY(mu_);  // open Pulls by peer
  absl::flat_hash_map<std::string, RawStream*> raws_ ABSL_GUARDED_BY(mu_);    // one per peer
  struct RawAllowance {
    double bytes = kRawBytesPerHour;
    absl::Time refilled = absl::InfinitePast();
  };
  absl::flat_hash_map<std::string, RawAllowance> raw_allowances_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_REPLICATION_SERVICE_H_
