#include "tests/support/console_client.h"

#include <httplib.h>

#include <openssl/ssl.h>

#include <csignal>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cairn::testing {

namespace {

// Where `url` ("https://HOST:PORT") points.
std::pair<std::string, int> HostAndPort(const std::string& url) {
  absl::string_view host_port = absl::StripPrefix(url, "https://");
  size_t colon = host_port.rfind(':');
  int port = 0;
  (void)absl::SimpleAtoi(host_port.substr(colon + 1), &port);
  return {std::string(host_port.substr(0, colon)), port};
}

}  // namespace

struct ConsoleClient::Impl {
  std::unique_ptr<httplib::SSLClient> client;
};

ConsoleClient::ConsoleClient(const std::string& url, const CertPaths& user,
                             const std::string& ca_file)
    : impl_(std::make_unique<Impl>()) {
  // A server that answers before reading the whole request closes while we still write.
  signal(SIGPIPE, SIG_IGN);
  auto [host, port] = HostAndPort(url);
  impl_->client = user.cert.empty()
                      ? std::make_unique<httplib::SSLClient>(host, port)
                      : std::make_unique<httplib::SSLClient>(host, port, user.cert, user.key);
  impl_->client->set_ca_cert_path(ca_file.c_str());
  impl_->client->enable_server_certificate_verification(true);
  impl_->client->set_read_timeout(60);
}

ConsoleClient::~ConsoleClient() = default;
ConsoleClient::ConsoleClient(ConsoleClient&&) = default;

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

std::vector<std::string> AdvertisedIssuers(const std::string& url) {
  auto [host, port] = HostAndPort(url);
  std::vector<std::string> issuers;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  // Called when the server asks for a certificate: note whose, and offer none.
  SSL_CTX_set_client_cert_cb(ctx, [](SSL* ssl, X509**, EVP_PKEY**) {
    auto* names = static_cast<std::vector<std::string>*>(SSL_get_app_data(ssl));
    STACK_OF(X509_NAME)* asked = SSL_get_client_CA_list(ssl);
    for (int i = 0; i < sk_X509_NAME_num(asked); ++i) {
      char line[512];
      X509_NAME_oneline(sk_X509_NAME_value(asked, i), line, sizeof(line));
      names->push_back(line);
    }
    return 0;
  });
  BIO* connection = BIO_new_connect(absl::StrCat(host, ":", port).c_str());
  SSL* ssl = SSL_new(ctx);
  SSL_set_app_data(ssl, &issuers);
  SSL_set_bio(ssl, connection, connection);
  // The handshake fails without a certificate; the request for one came first.
  (void)SSL_connect(ssl);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return issuers;
}

}  // namespace cairn::testing
