// Prometheus metrics for cairnd: a /metrics endpoint over plain HTTP on its own address
// (NodeConfig.metrics_address; off unless set). What the node already keeps (replication per peer,
// the database's size, audit events, the node certificate's expiry) is read at each scrape; calls,
// searches and federated searches are timed as they happen. README "Metrics (Prometheus)" lists
// every family.
//
// This header keeps prometheus-cpp and civetweb out of the files that include it.
#ifndef CAIRN_SERVER_METRICS_H_
#define CAIRN_SERVER_METRICS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc::experimental {
class ServerInterceptorFactoryInterface;
}  // namespace grpc::experimental

namespace cairn {
class ReplicaApplier;
class Store;
namespace v1 {
class FederatedSearchResult;
}  // namespace v1
}  // namespace cairn

namespace cairn::server {

// Owns the HTTP endpoint and every metric. Every method is thread-safe; the endpoint stops when the
// object is destroyed. The sources must outlive it.
class Metrics {
 public:
  // What is read at each scrape. Any may be null or empty: its families are left out.
  struct Sources {
    const ReplicaApplier* applier = nullptr;  // replication from each peer
    const Store* store = nullptr;             // database size, compactions, audit events
    std::string cert_file;                    // tls.cert_file, read afresh each scrape
  };

  // Metrics without an endpoint, for tests and benchmarks that read Scrape().
  explicit Metrics(Sources sources);
  // Serves GET /metrics on `address` (host:port; port 0 lets the OS choose). UNAVAILABLE naming
  // metrics_address and the address when it cannot listen there.
  static absl::StatusOr<std::unique_ptr<Metrics>> Serve(const std::string& address,
                                                        Sources sources);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The port /metrics is served on (0 when not serving).
  int port() const;

  // Adds a metric whose value `read` gives at each scrape, without labels: a gauge, or a counter
  // (which must only grow while the process runs). `name` follows Prometheus conventions (a cairn_
  // prefix, the base unit last: _seconds, _bytes; a counter ends _total) and is unique; `read` must
  // be quick and thread-safe, and must not call back into this object; NaN leaves the series out
  // of that scrape (nothing to report).
  void AddGauge(std::string name, std::string help, std::function<double()> read);
  void AddCounter(std::string name, std::string help, std::function<double()> read);

  // For grpc::ServerBuilder::experimental().SetInterceptorCreators: times every call the server
  // handles, labelled by its full method name and status code. Calls to methods no service defines
  // are labelled method="other", so callers cannot add label values.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewRpcTimerFactory();

  // A local search took `took`.
  void ObserveSearch(absl::Duration took);
  // A federated search took `took` in all and gave `result`: counts each node's outcome and times
  // its answer.
  void ObserveFederatedSearch(const v1::FederatedSearchResult& result, absl::Duration took);

  // Every metric in Prometheus' text format, as /metrics answers.
  std::string Scrape() const;

 private:
  struct Impl;
  class Endpoint;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Endpoint> endpoint_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_METRICS_H_
