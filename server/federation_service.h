// cairn.v1.FederationService: answers the federated queries of peer nodes. SPEC section 6.
#ifndef CAIRN_SERVER_FEDERATION_SERVICE_H_
#define CAIRN_SERVER_FEDERATION_SERVICE_H_

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cairn/v1/federation.grpc.pb.h"
#include "node/crypto/provenance.h"
#include "node/identity/principal.h"
#include "node/policy/peer_directory.h"
#include "node/search/search_index.h"
#include "node/storage/store.h"

namespace cairn::server {

// Each answer comes from the asking peer's view of this node (SearchIndex::Answer) and is audited.
// Per peer, at most kMaxConcurrent queries at once and kMaxPerSecond a second (with as many in a
// burst); all peers together, at most kMaxConcurrentAllPeers at once. Everything it uses must outlive it. Thread-safe.
class FederationServiceImpl final : public v1::FederationService::Service {
 public:
  static constexpr int kMaxConcurrent = 4;
  // All peers' queries at once: the rest of the node's 32 call threads stay for its own users.
  static constexpr int kMaxConcurrentAllPeers = 12;
  static constexpr double kMaxPerSecond = 50;

  FederationServiceImpl(const search::SearchIndex* index, const PeerDirectory* directory,
                        Store* store, const Authenticator* authenticator,
                        const LessonSigner* signer, std::string self_org)
      : index_(index),
        directory_(directory),
        store_(store),
        authenticator_(authenticator),
        signer_(signer),
        self_org_(std::move(self_org)) {}

  grpc::Status Query(grpc::ServerContext* context, const v1::PeerQueryRequest* request,
                     v1::PeerQueryResponse* response) override;

 private:
  struct Allowance {
    int running = 0;
    double tokens = kMaxPerSecond;
    absl::Time refilled = absl::InfinitePast();
  };
  // Takes one query from `peer`'s allowance, or RESOURCE_EXHAUSTED naming the limit.
  absl::Status Begin(const std::string& peer);
  void End(const std::string& peer);

  const search::SearchIndex* const index_;
  const PeerDirectory* const directory_;
  Store* const store_;
  const Authenticator* const authenticator_;
  const LessonSigner* const signer_;
  const std::string self_org_;
  absl::Mutex mu_;
  std::map<std::string, Allowance> allowances_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;  // queries of every peer
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_FEDERATION_SERVICE_H_
