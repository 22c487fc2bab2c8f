#include "tests/support/console_client.h"

#include <httplib.h>

#include <csignal>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace cairn::testing {

struct ConsoleClient::Impl {
  std::unique_ptr<httplib::SSLClient> client;
};

ConsoleClient::ConsoleClient(const std::string& url, const CertPaths& user,
                             const std::string& ca_file)
    : impl_(std::make_unique<Impl>()) {
  // A server that answers before reading the whole request closes while we still write.
  signal(SIGPIPE, SIG_IGN);
  absl::string_view host_port = absl::StripPrefix(url, "https://");
  size_t colon = host_port.rfind(':');
  int port = 0;
  (void)absl::SimpleAtoi(host_port.substr(colon + 1), &port);
  std::string host(host_port.substr(0, colon));
  impl_->client = user.cert.empty()
                      ? std::make_unique<httplib::SSLClient>(host, port)
                      : std::make_unique<httplib::SSLClient>(host, port, user.cert, user.key);
  impl_->client->set_ca_cert_path(ca_file.c_str());
  impl_->client->enable_server_certificate_verification(true);
  impl_->client->set_read_timeout(60);
}

ConsoleClient::~ConsoleClient() = default;

namespace {

HttpReply ReplyOf(const httplib::Result& result) {
  HttpReply reply;
  if (!result) {
    reply.error = httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.body = result->body;
  for (const auto& [name, value] : result->headers)
    reply.headers[absl::AsciiStrToLower(name)] = value;
  return reply;
}

}  // namespace

HttpReply ConsoleClient::Get(const std::string& path, const Headers& headers) {
  return ReplyOf(impl_->client->Get(path, httplib::Headers(headers.begin(), headers.end())));
}

HttpReply ConsoleClient::Post(const std::string& path, const std::string& body,
                              const Headers& headers) {
  httplib::Headers sent;
  std::string content_type = "application/json";
  for (const auto& [name, value] : headers) {
    if (absl::AsciiStrToLower(name) == "content-type") {
      content_type = value;
    } else {
      sent.emplace(name, value);
    }
  }
  return ReplyOf(impl_->client->Post(path, sent, body, content_type));
}

HttpReply ConsoleClient::Call(const std::string& method, const std::string& json) {
  return Post("/api/" + method, json, {{"X-Cairn-Console", "1"}});
}

}  // namespace cairn::testing
