// Retry delays per destination, for the senders that work through an outbox (webhooks, adoption
// feedback): a destination that failed waits `initial`, then twice as long after each further
// failure up to `max`, while other destinations go on; a success forgets it. Not thread-safe: each
// sender's thread owns its own.
#ifndef CAIRN_SERVER_RETRY_DELAYS_H_
#define CAIRN_SERVER_RETRY_DELAYS_H_

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace cairn::server {

class RetryDelays {
 public:
  RetryDelays(absl::Duration initial, absl::Duration max) : initial_(initial), max_(max) {}

  // Whether `destination` may be tried at `now`.
  bool Due(const std::string& destination, absl::Time now) const {
    auto it = waiting_.find(destination);
    return it == waiting_.end() || it->second.until <= now;
  }
  // `destination` failed at `now`: how long it now waits.
  absl::Duration Failed(const std::string& destination, absl::Time now) {
    auto it = waiting_.find(destination);
    const absl::Duration delay =
        it == waiting_.end() ? initial_ : std::min(it->second.delay * 2, max_);
    waiting_[destination] = {now + delay, delay};
    return delay;
  }
  void Succeeded(const std::string& destination) { waiting_.erase(destination); }

 private:
  struct Waiting {
    absl::Time until;
    absl::Duration delay;
  };
  const absl::Duration initial_, max_;
  absl::flat_hash_map<std::string, Waiting> waiting_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_RETRY_DELAYS_H_
