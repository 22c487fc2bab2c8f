// An HTTPS client of cairnd's web console for tests: it presents a user's certificate as a
// browser does, and can send what a browser would, or what a hostile page would make it send.
#ifndef CAIRN_TESTS_SUPPORT_CONSOLE_CLIENT_H_
#define CAIRN_TESTS_SUPPORT_CONSOLE_CLIENT_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_pki.h"

namespace cairn::testing {

struct HttpReply {
  int status = 0;     // 0: no answer (see error)
  std::string error;  // why there was no answer, e.g. the handshake failed
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

class ConsoleClient {
 public:
  using Headers = std::map<std::string, std::string>;

  // `url` as CairndProcess::console_url(); `user`: the certificate to present (empty: none).
  ConsoleClient(const std::string& url, const CertPaths& user, const std::string& ca_file);
  ~ConsoleClient();
  ConsoleClient(ConsoleClient&&);

  HttpReply Get(const std::string& path, const Headers& headers = {});
  HttpReply Post(const std::string& path, const std::string& body, const Headers& headers);
  // A call of the JSON API as the console's own pages make it: POST /api/<method> with the
  // console's header and JSON.
  HttpReply Call(const std::string& method, const std::string& json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The names of the CAs the console at `url` asks a client certificate from (what a browser
// offers its user to choose among), as one-line subjects. Empty when there was no handshake.
std::vector<std::string> AdvertisedIssuers(const std::string& url);

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_CONSOLE_CLIENT_H_
