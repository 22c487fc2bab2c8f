// Delivers adoption feedback (SPEC section 10): a thread that takes the deliveries the feedback
// desk keeps, oldest lesson first, and calls FeedbackExchange.DeliverFeedback on the next node
// towards each lesson's origin: the origin itself when it is a peer with an address, otherwise
// the peer this node's copy came from. A delivery leaves the store only once a node took it or
// refused it, so a crash loses none; a node that cannot be reached is tried again after doubling
// delays (others go on meanwhile).
#ifndef CAIRN_SERVER_FEEDBACK_SENDER_H_
#define CAIRN_SERVER_FEEDBACK_SENDER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "cairn/v1/config.pb.h"
#include "node/feedback/feedback_desk.h"
#include "node/policy/peer_directory.h"
#include "node/storage/store.h"
#include "server/retry_delays.h"

namespace grpc {
class ChannelCredentials;
}  // namespace grpc

namespace cairn::server {

struct FeedbackSenderOptions {
  std::string federation;
  absl::Duration retry_initial = absl::Milliseconds(200);
  absl::Duration retry_max = absl::Seconds(30);
  absl::Duration timeout = absl::Seconds(10);
  std::function<void(absl::string_view problem)> on_problem = [](absl::string_view) {};
};

class FeedbackSender {
 public:
  static constexpr size_t kReadAtOnce = 500;

  // Everything given must outlive it.
  FeedbackSender(FeedbackDesk* desk, const PeerDirectory* directory, Store* store,
                 const v1::TlsConfig& tls, FeedbackSenderOptions options);
  ~FeedbackSender();  // stops, after the delivery in flight
  FeedbackSender(const FeedbackSender&) = delete;
  FeedbackSender& operator=(const FeedbackSender&) = delete;

  void Start();
  uint64_t delivered() const { return delivered_; }

 private:
  void Run();
  bool SendDue();  // false when nothing was tried
  // The next node towards the origin of `lesson_id`: NOT_FOUND when there is none.
  absl::StatusOr<v1::Peer> NextHop(const std::string& lesson_id) const;

  FeedbackDesk* const desk_;
  const PeerDirectory* const directory_;
  Store* const store_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const FeedbackSenderOptions options_;
  RetryDelays delays_;  // by next hop; the thread's own
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> delivered_{0};
  std::thread thread_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_FEEDBACK_SENDER_H_
