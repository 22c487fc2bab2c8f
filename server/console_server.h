// The web console (SPEC section 9): cairnd serves its pages and a JSON API over HTTPS, to this
// organisation's users presenting their user certificates, with the same roles as over gRPC.
#ifndef CAIRN_SERVER_CONSOLE_SERVER_H_
#define CAIRN_SERVER_CONSOLE_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cairn/v1/config.pb.h"
#include "node/crypto/trust.h"
#include "node/identity/principal.h"

namespace cairn::server {

class AdminServiceImpl;
class AlertServiceImpl;
class FeedbackServiceImpl;
class ReportServiceImpl;
class LessonServiceImpl;
class SearchServiceImpl;

// The JSON API is the gRPC API: `POST /api/<package.Service>/<Method>` takes the request message
// in protobuf's JSON mapping and answers the response message, by calling the service's own
// transport-independent method, so every rule and error is the gRPC API's. FederatedSearch
// streams its events as JSON lines. Every request must come from a user of this organisation;
// every POST must carry the header X-Cairn-Console and come from the console's own origin, which
// a cross-site form or script cannot do (browsers send client certificates cross-site too).
// Everything given must outlive the server.
class ConsoleServer {
 public:
  struct Services {
    LessonServiceImpl* lessons;
    SearchServiceImpl* search;
    AdminServiceImpl* admin;
    AlertServiceImpl* alerts;
    FeedbackServiceImpl* feedback;
    ReportServiceImpl* reports;
  };

  // Serves `config.console()`, with pages from its assets_dir (or `default_assets_dir`).
  // FAILED_PRECONDITION naming the file or directory when the certificate, key or console
  // cannot be used; UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<ConsoleServer>> Start(
      const v1::NodeConfig& config, const std::string& default_assets_dir,
      std::shared_ptr<const FederationTrust> trust, const Authenticator* authenticator,
      Services services);
  // Stops serving, after the requests in flight.
  ~ConsoleServer();

  int port() const;
  const std::string& assets_dir() const;

 private:
  struct Impl;
  explicit ConsoleServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_CONSOLE_SERVER_H_
