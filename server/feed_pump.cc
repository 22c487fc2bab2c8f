#include "server/feed_pump.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace cairn::server {

FeedPump::FeedPump(const Store* store) : store_(store) {
  for (int i = 0; i < kWorkers; ++i) threads_.emplace_back([this] { Work(); });
  threads_.emplace_back([this] { Watch(); });
}

FeedPump::~FeedPump() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void FeedPump::Run(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  ready_.push_back(std::move(task));
}

void FeedPump::Park(const void* key, uint64_t seen, absl::Time until,
                    const std::atomic<bool>* woken, std::function<void()> wake) {
  absl::MutexLock lock(&mu_);
  // Checked under the lock that Wake takes, so a wake between the caller's last look and here
  // is not lost.
  if (woken->load()) {
    ready_.push_back(std::move(wake));
    return;
  }
  parked_[key] = Parked{seen, until, std::move(wake)};
}

void FeedPump::Wake(const void* key, std::atomic<bool>* woken) {
  absl::MutexLock lock(&mu_);
  woken->store(true);
  auto it = parked_.find(key);
  if (it == parked_.end()) return;
  ready_.push_back(std::move(it->second.wake));
  parked_.erase(it);
}

void FeedPump::WakeAll() {
  absl::MutexLock lock(&mu_);
  for (auto& [key, parked] : parked_) ready_.push_back(std::move(parked.wake));
  parked_.clear();
}

void FeedPump::WakeDue(uint64_t commits, absl::Time now) {
  for (auto it = parked_.begin(); it != parked_.end();) {
    if (commits > it->second.seen || now >= it->second.until) {
      ready_.push_back(std::move(it->second.wake));
      it = parked_.erase(it);
    } else {
      ++it;
    }
  }
}

void FeedPump::Work() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !ready_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&has_work));
      if (ready_.empty()) return;  // stopping, and nothing left to run
      task = std::move(ready_.front());
      ready_.pop_front();
    }
    task();
  }
}

void FeedPump::Watch() {
  while (true) {
    uint64_t seen = 0;
    absl::Duration wait = kTick;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      WakeDue(store_->CommitCount(), absl::Now());
      if (parked_.empty()) {
        // Nothing to watch: sleep until something parks (or a tick passes).
        auto busy = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return !parked_.empty() || stopping_;
        };
        mu_.AwaitWithTimeout(absl::Condition(&busy), kTick);
        continue;
      }
      seen = parked_.begin()->second.seen;
      absl::Time first = absl::InfiniteFuture();
      for (const auto& [key, parked] : parked_) {
        seen = std::min(seen, parked.seen);
        first = std::min(first, parked.until);
      }
      wait = std::clamp(first - absl::Now(), absl::ZeroDuration(), kTick);
    }
    store_->AwaitCommitAfter(seen, wait);
  }
}

}  // namespace cairn::server
