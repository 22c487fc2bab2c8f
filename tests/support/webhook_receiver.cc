#include "tests/support/webhook_receiver.h"

#include <httplib.h>

#include <thread>

#include "absl/synchronization/mutex.h"

namespace cairn::testing {

struct WebhookReceiver::Impl {
  explicit Impl(const CertPaths& identity) : server(identity.cert.c_str(), identity.key.c_str()) {}

  httplib::SSLServer server;
  int port = 0;
  std::thread serving;
  mutable absl::Mutex mu;
  int fail_left ABSL_GUARDED_BY(mu) = 0;
  int failed ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::string> bodies ABSL_GUARDED_BY(mu);
};

WebhookReceiver::WebhookReceiver(const CertPaths& identity, int fail_first)
    : impl_(std::make_unique<Impl>(identity)) {
  impl_->fail_left = fail_first;
  Impl* impl = impl_.get();
  impl->server.Post("/hooks/.*",
                    [impl](const httplib::Request& request, httplib::Response& response) {
                      absl::MutexLock lock(&impl->mu);
                      if (impl->fail_left > 0) {
                        --impl->fail_left;
                        ++impl->failed;
                        response.status = 503;
                        return;
                      }
                      impl->bodies.push_back(request.body);
                      response.set_content("1", "text/plain");
                    });
  impl->port = impl->server.bind_to_any_port("127.0.0.1");
  // Bound already: connections wait in the backlog until the loop starts accepting.
  impl->serving = std::thread([impl] { impl->server.listen_after_bind(); });
}

WebhookReceiver::~WebhookReceiver() {
  impl_->server.stop();
  impl_->serving.join();
}

int WebhookReceiver::port() const { return impl_->port; }

std::string WebhookReceiver::url() const {
  return "https://127.0.0.1:" + std::to_string(impl_->port) + "/hooks/";
}

std::vector<std::string> WebhookReceiver::bodies() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->bodies;
}

int WebhookReceiver::failed() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->failed;
}

void WebhookReceiver::FailNext(int count) {
  absl::MutexLock lock(&impl_->mu);
  impl_->fail_left = count;
}

std::vector<std::string> WebhookReceiver::WaitFor(size_t count, absl::Duration deadline) const {
  const absl::Time until = absl::Now() + deadline;
  while (true) {
    std::vector<std::string> taken = bodies();
    if (taken.size() >= count || absl::Now() >= until) return taken;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace cairn::testing
