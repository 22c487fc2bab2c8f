// A real HTTPS server standing in for a Teams or Slack connector: it takes JSON POSTs on a
// loopback port the OS chooses, answers 503 to as many as it is told to fail first, and keeps
// the bodies of the others.
#ifndef CAIRN_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_
#define CAIRN_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/test_pki.h"

namespace cairn::testing {

class WebhookReceiver {
 public:
  // Serves with `identity` (its certificate must name 127.0.0.1); answers 503 to the first
  // `fail_first` posts.
  WebhookReceiver(const CertPaths& identity, int fail_first = 0);
  ~WebhookReceiver();

  int port() const;
  // "https://127.0.0.1:PORT/hooks/"
  std::string url() const;
  // The bodies of the posts it took (answered 200), in order.
  std::vector<std::string> bodies() const;
  int failed() const;  // posts it answered 503
  // Answers 503 to the next `count` posts (0: takes every post from now on).
  void FailNext(int count);
  // Waits until it has taken `count` posts or `deadline` passes; the bodies taken.
  std::vector<std::string> WaitFor(size_t count, absl::Duration deadline = absl::Seconds(60)) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_
