// cairn.v1.ReplicationService: the peer-facing feed other nodes pull our lessons from.
#ifndef CAIRN_SERVER_REPLICATION_SERVICE_H_
#define CAIRN_SERVER_REPLICATION_SERVICE_H_

#include <atomic>

#include "absl/time/time.h"
#include "cairn/v1/replication.grpc.pb.h"
#include "node/identity/principal.h"
#include "node/replication/change_feed.h"
#include "node/storage/store.h"

namespace cairn::server {

// Each Pull holds one server thread for as long as the peer stays connected: it sends batches
// while there is something to send, then sleeps on the store's commit signal, waking at least
// every heartbeat interval. Everything it uses must outlive it. Thread-safe.
class ReplicationServiceImpl final : public v1::ReplicationService::Service {
 public:
  ReplicationServiceImpl(ChangeFeed* feed, const Store* store, const PeerDirectory* directory,
                         const Authenticator* authenticator, absl::Duration heartbeat)
      : feed_(feed),
        store_(store),
        directory_(directory),
        authenticator_(authenticator),
        heartbeat_(heartbeat) {}

  grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullResponse>* writer) override;
  grpc::Status PullRaw(grpc::ServerContext* context, const v1::PullRawRequest* request,
                       grpc::ServerWriter<v1::RawChunk>* writer) override;

  // Ends every open Pull within a second, ahead of a graceful shutdown.
  void Stop() { stopping_ = true; }

 private:
  // The calling peer, if it is a known peer.
  absl::StatusOr<Principal> AdmitPeer(grpc::ServerContext* context) const;

  ChangeFeed* const feed_;
  const Store* const store_;
  const PeerDirectory* const directory_;
  const Authenticator* const authenticator_;
  const absl::Duration heartbeat_;
  std::atomic<bool> stopping_{false};
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_REPLICATION_SERVICE_H_
