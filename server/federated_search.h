// Federated search for this node's analysts: one query to this node and every peer at once, under
// one deadline, merged into one ranked page. SPEC section 6.
#ifndef CAIRN_SERVER_FEDERATED_SEARCH_H_
#define CAIRN_SERVER_FEDERATED_SEARCH_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cairn/v1/config.pb.h"
#include "cairn/v1/search_service.pb.h"
#include "node/crypto/provenance.h"
#include "node/feedback/seen_lessons.h"
#include "node/policy/peer_directory.h"
#include "node/search/federated_merge.h"
#include "node/search/node_vocabulary.h"
#include "node/search/search_index.h"
#include "node/storage/store.h"

namespace grpc {
class Channel;
class ChannelCredentials;
}  // namespace grpc

namespace cairn::server {

// Asks every peer with an address (over mTLS, checking each answering node's identity) and this
// node's own index, in parallel. Believes of each peer's answer only what CheckPeerAnswer lets
// stand (every lesson verified against its origin's signature), and records each lesson it drops
// in the audit log ("federation.rejected"). Keeps one channel per peer address, made afresh (at
// most once a second) when it failed to connect. Everything it uses must outlive it. Thread-safe.
class FederatedSearcher {
 public:
  static constexpr absl::Duration kDefaultDeadline = absl::Seconds(2);
  static constexpr absl::Duration kMaxDeadline = absl::Seconds(30);

  FederatedSearcher(const search::SearchIndex* index, const search::NodeVocabulary* vocabulary,
                    const PeerDirectory* directory, const LessonVerifier* verifier,
                    Store* audit_store, const v1::TlsConfig& tls, std::string self_org,
                    std::string federation,
                    const PresentedCertificateCheck* certificates = nullptr,
                    SeenLessons* seen = nullptr);
  ~FederatedSearcher();

  // Runs `request`, widened by the node's vocabulary as it is now, until `deadline` at the latest
  // (or the request's own, if sooner). Calls `on_answer` from this thread as each node answers
  // or fails, then returns the merged result, whose `peers` hold every outcome (calls still
  // running at the deadline are cancelled and reported TIMED_OUT). For more like this
  // (like_lesson_id), a peer that may not see the lesson is not asked (NOT_ASKED): no word of it
  // leaves this node for that peer. The outcomes of SearchIndex::Plan, and INVALID_ARGUMENT for
  // a bad page_size or deadline.
  absl::StatusOr<v1::FederatedSearchResult> Search(
      const v1::FederatedSearchRequest& request, absl::Time deadline,
      const std::function<void(const v1::PeerAnswered&)>& on_answer);

 private:
  struct PeerCall;  // one peer asked

  std::shared_ptr<grpc::Channel> ChannelTo(const v1::Peer& peer);
  // What of `call`'s answer may be believed (CheckPeerAnswer), with its outcome; audits what was
  // rejected.
  search::NodeAnswer Believe(const search::QueryPlan& plan, size_t page_size,
                             const KnownSectors& sectors, PeerCall* call,
                             v1::PeerOutcome* outcome);
  // Whether more like this from `lesson` may send its words to `peer_org` (WordsMayGoTo under
  // its current record and policy); not to a peer removed a moment ago.
  bool WordsMayGo(const v1::Lesson& lesson, const std::string& peer_org) const;
  // Records in the audit log each lesson dropped from `peer`'s answer.
  absl::Status Audit(const std::string& peer, const std::vector<search::Rejection>& rejections);

  const search::SearchIndex* const index_;
  // The node's vocabulary (shipped and admins' groups), for widening queries.
  const search::NodeVocabulary* const vocabulary_;
  const PeerDirectory* const directory_;
  const LessonVerifier* const verifier_;
  Store* const audit_store_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const std::string self_org_;
  const std::string federation_;
  const PresentedCertificateCheck* const certificates_;  // null: no revocation check
  SeenLessons* const seen_;                               // null: none remembered
  absl::Mutex mu_;
  struct PeerChannel {
    std::shared_ptr<grpc::Channel> channel;
    absl::Time made;
  };
  std::map<std::string, PeerChannel> channels_ ABSL_GUARDED_BY(mu_);  // by address
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_FEDERATED_SEARCH_H_
