// Posts alerts to their saved searches' webhooks (SPEC section 10), e.g. a Teams or Slack
// connector. The alerter stores each such alert for it in the same write as the alert itself;
// this thread posts them oldest first, as JSON (cairn.v1.WebhookPost) over HTTPS, checking the
// server's certificate and name against the configured CAs. An alert leaves the store only once
// its webhook answered 2xx, so a restart loses none (and may post one twice: receivers can tell
// by alert.cursor). A URL that fails is retried with doubling delays while the others go on; an
// alert is given up after kMaxAttempts, or when the admin no longer allows its URL.
#ifndef CAIRN_SERVER_WEBHOOK_SENDER_H_
#define CAIRN_SERVER_WEBHOOK_SENDER_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "node/alerts/alerter.h"
#include "node/storage/store.h"
#include "server/retry_delays.h"

namespace cairn::server {

struct WebhookOptions {
  std::string ca_file = "/etc/ssl/certs/ca-certificates.crt";  // PEM
  std::string console_url;  // for each post's link to the lesson; empty: no link
  absl::Duration retry_initial = absl::Seconds(1);
  absl::Duration retry_max = absl::Minutes(5);
  absl::Duration timeout = absl::Seconds(10);  // to connect, and for each read and write
  // Told of each failure and each alert given up, e.g. to log it.
  std::function<void(absl::string_view problem)> on_problem = [](absl::string_view) {};
};

class WebhookSender {
 public:
  static constexpr uint32_t kMaxAttempts = 50;
  static constexpr size_t kReadAtOnce = 1000;

  // The store and alerter must outlive it.
  WebhookSender(Store* store, const Alerter* alerter, WebhookOptions options);
  ~WebhookSender();  // stops, after the post in flight
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void Start();

  uint64_t delivered() const { return delivered_; }
  uint64_t failed() const { return failed_; }      // attempts that failed
  uint64_t given_up() const { return given_up_; }  // alerts never delivered

  // Posts one alert; OK only on a 2xx answer. Public for tests.
  absl::Status Post(const v1::PendingWebhook& pending) const;

 private:
  void Run();
  // Tries what is due; false when there was nothing to try.
  bool SendDue();

  Store* const store_;
  const Alerter* const alerter_;
  const WebhookOptions options_;
  RetryDelays delays_;  // by URL; touched by the thread only
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> delivered_{0}, failed_{0}, given_up_{0};
  std::thread thread_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_WEBHOOK_SENDER_H_
