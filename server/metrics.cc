#include "server/metrics.h"

#include <CivetServer.h>

#include <cmath>
#include <exception>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "cairn/v1/search_service.pb.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/support/server_interceptor.h"
#include "node/crypto/provenance.h"
#include "node/replication/replica_applier.h"
#include "node/storage/store.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace cairn::server {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Latencies, in seconds: from half a millisecond (a point read on loopback) to a minute.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return *buckets;
}

// The children of one family by their label values, found without building a child on every call as
// Family::Add does.
template <typename T>
class Children {
 public:
  Children(prometheus::Family<T>* family, std::vector<std::string> label_names)
      : family_(family), label_names_(std::move(label_names)) {}

  template <typename... Args>
  T& Get(const std::vector<std::string>& values, const Args&... args) {
    absl::MutexLock lock(&mu_);
    T*& child = children_[values];
    if (child == nullptr) {
      prometheus::Labels labels;
      for (size_t i = 0; i < label_names_.size(); ++i) labels[label_names_[i]] = values[i];
      child = &family_->Add(labels, args...);
    }
    return *child;
  }

 private:
  prometheus::Family<T>* const family_;
  const std::vector<std::string> label_names_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::vector<std::string>, T*> children_ ABSL_GUARDED_BY(mu_);
};

// A status code's canonical name, e.g. "PERMISSION_DENIED".
std::string CodeName(grpc::StatusCode code) {
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? "UNKNOWN" : name;
}

// The method label: the full method name when a service this process links defines it, else
// "other", so a caller naming made-up methods cannot add label values.
std::string MethodLabel(const char* method) {
  absl::string_view name = method == nullptr ? "" : method;
  // The default health service is not generated from a .proto linked in.
  if (name == "/grpc.health.v1.Health/Check" || name == "/grpc.health.v1.Health/Watch") {
    return std::string(name);
  }
  // "/cairn.v1.LessonService/GetLesson" is "cairn.v1.LessonService.GetLesson" in the pool.
  if (absl::ConsumePrefix(&name, "/")) {
    size_t slash = name.find('/');
    if (slash != absl::string_view::npos &&
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
            absl::StrCat(name.substr(0, slash), ".", name.substr(slash + 1))) != nullptr) {
      return std::string(method);
    }
  }
  return "other";
}

MetricFamily NewFamily(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddSample(MetricFamily* family, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family->type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family->metric.push_back(std::move(metric));
}

// Pull stream states, as cairn_replication_pull_state labels them.
constexpr absl::string_view kPullStates[] = {"connected", "connecting", "retrying"};

absl::string_view PullState(const PullStatus& status) {
  if (status.connected) return "connected";
  // Failed since it last connected (or failed and never connected): waiting out its backoff.
  if (status.last_error_at != absl::InfinitePast() && status.last_error_at >= status.connected_at) {
    return "retrying";
  }
  return "connecting";
}

void CollectReplication(const ReplicaApplier& applier, absl::Time now,
                        std::vector<MetricFamily>* out) {
  MetricFamily lag_changes =
      NewFamily("cairn_replication_lag_changes",
                "Changes in the peer's change log not yet applied here, as of its last message",
                MetricType::Gauge);
  MetricFamily lag_seconds =
      NewFamily("cairn_replication_lag_seconds",
                "How long replication from the peer has been behind: 0 when up to date, else since "
                "it last was (or since this node started pulling from it, if it never was)",
                MetricType::Gauge);
  MetricFamily state = NewFamily("cairn_replication_pull_state",
                                 "1 for the pull stream's current state: connected, connecting, or "
                                 "retrying (the last attempt failed; waiting out the backoff)",
                                 MetricType::Gauge);
  MetricFamily errors =
      NewFamily("cairn_replication_pull_errors_total",
                "Pull streams from the peer that ended in an error", MetricType::Counter);
  MetricFamily last_success = NewFamily(
      "cairn_replication_last_success_timestamp_seconds",
      "When the last batch or heartbeat from the peer was applied (Unix time)", MetricType::Gauge);
  MetricFamily applied =
      NewFamily("cairn_replication_lessons_applied_total",
                "Lesson versions from the peer stored here", MetricType::Counter);
  MetricFamily retracted = NewFamily(
      "cairn_replication_retractions_applied_total",
      "Copies withdrawn because the peer retracted them (deleted when no other peer supplies them)",
      MetricType::Counter);
  MetricFamily rejected = NewFamily(
      "cairn_replication_lessons_rejected_total",
      "Lessons from the peer refused, by reason (the audit log, replication.rejected, has each)",
      MetricType::Counter);
  for (const PullStatus& status : applier.Status()) {
    const ClientMetric::Label peer{"peer", status.peer};
    AddSample(&lag_changes, {peer}, static_cast<double>(status.LagChanges()));
    std::optional<absl::Duration> lag = status.LagTime(now);
    AddSample(&lag_seconds, {peer}, absl::ToDoubleSeconds(lag ? *lag : now - status.tracked_since));
    absl::string_view current = PullState(status);
    for (absl::string_view name : kPullStates) {
      AddSample(&state, {peer, {"state", std::string(name)}}, name == current ? 1 : 0);
    }
    AddSample(&errors, {peer}, static_cast<double>(status.errors));
    if (status.last_success != absl::InfinitePast()) {
      AddSample(&last_success, {peer},
                absl::ToDoubleSeconds(status.last_success - absl::UnixEpoch()));
    }
    AddSample(&applied, {peer}, static_cast<double>(status.lessons_applied));
    AddSample(&retracted, {peer}, static_cast<double>(status.retractions_applied));
    for (int reason = 0; reason < kRejectReasonCount; ++reason) {
      AddSample(
          &rejected,
          {peer, {"reason", std::string(RejectReasonName(static_cast<RejectReason>(reason)))}},
          static_cast<double>(status.rejected_by_reason[reason]));
    }
  }
  for (MetricFamily* family : {&lag_changes, &lag_seconds, &state, &errors, &last_success, &applied,
                               &retracted, &rejected}) {
    out->push_back(std::move(*family));
  }
}

void CollectStore(const Store& store, std::vector<MetricFamily>* out) {
  Store::Usage usage = store.DiskUsage();
  auto gauge = [&](std::string name, std::string help, uint64_t value) {
    MetricFamily family = NewFamily(std::move(name), std::move(help), MetricType::Gauge);
    AddSample(&family, {}, static_cast<double>(value));
    out->push_back(std::move(family));
  };
  gauge("cairn_store_sst_bytes", "Size of the RocksDB database's SST files", usage.sst_bytes);
  gauge("cairn_store_memtable_bytes", "Size of RocksDB's memtables, not yet flushed to SST files",
        usage.memtable_bytes);
  gauge("cairn_store_pending_compaction_bytes",
        "RocksDB's estimate of the bytes compaction has yet to rewrite",
        usage.pending_compaction_bytes);
  MetricFamily errors =
      NewFamily("cairn_store_background_errors_total",
                "RocksDB flush and compaction errors since the node started", MetricType::Counter);
  AddSample(&errors, {}, static_cast<double>(usage.background_errors));
  out->push_back(std::move(errors));
  MetricFamily audit =
      NewFamily("cairn_audit_events_total",
                "Audit events written since the node started, by action", MetricType::Counter);
  for (const auto& [action, count] : store.AuditEventCounts()) {
    AddSample(&audit, {{"action", action}}, static_cast<double>(count));
  }
  out->push_back(std::move(audit));
}

}  // namespace

struct Metrics::Impl {
  explicit Impl(Sources from)
      : sources(std::move(from)),
        registry(std::make_shared<prometheus::Registry>()),
        rpc(&prometheus::BuildHistogram()
                 .Name("cairn_rpc_duration_seconds")
                 .Help("gRPC calls this node served, by full method name and status code, from the "
                       "call's start to its status (a Pull stream: its whole life)")
                 .Register(*registry),
            {"method", "code"}),
        search(&prometheus::BuildHistogram()
                    .Name("cairn_search_duration_seconds")
                    .Help("Local searches: the index's work for one query")
                    .Register(*registry),
               {}),
        federated(&prometheus::BuildHistogram()
                       .Name("cairn_federated_search_duration_seconds")
                       .Help("Federated searches, as the analyst waits: every node asked, answers "
                             "checked and merged")
                       .Register(*registry),
                  {}),
        peer_latency(&prometheus::BuildHistogram()
                          .Name("cairn_federated_search_peer_duration_seconds")
                          .Help("How long each node took to answer a federated search (this node's "
                                "own answer included), whatever the outcome")
                          .Register(*registry),
                     {"peer"}),
        peer_outcomes(&prometheus::BuildCounter()
                           .Name("cairn_federated_search_peer_answers_total")
                           .Help("Each node's outcome in federated searches: ok, timed_out, "
                                 "unreachable, refused or failed")
                           .Register(*registry),
                      {"peer", "outcome"}) {
    // Shown from the start, at zero, so that rates work from the first scrape.
    search.Get({}, LatencyBuckets());
    federated.Get({}, LatencyBuckets());
  }

  struct Callback {
    std::string name;
    std::string help;
    MetricType type;
    std::function<double()> read;
  };

  // What is read at scrape time: the sources, and the callbacks added.
  void CollectCurrent(std::vector<MetricFamily>* out) const {
    const absl::Time now = absl::Now();
    if (sources.applier != nullptr) CollectReplication(*sources.applier, now, out);
    if (sources.store != nullptr) CollectStore(*sources.store, out);
    if (!sources.cert_file.empty()) {
      // Left out when the file cannot be read: an absent series is what alerts can test for.
      absl::StatusOr<absl::Time> not_after = CertificateNotAfter(sources.cert_file);
      if (not_after.ok()) {
        MetricFamily family = NewFamily("cairn_node_certificate_expiry_seconds",
                                        "Seconds until the node certificate (tls.cert_file, read "
                                        "at each scrape) expires; negative once it has",
                                        MetricType::Gauge);
        AddSample(&family, {}, absl::ToDoubleSeconds(*not_after - now));
        out->push_back(std::move(family));
      }
    }
    absl::MutexLock lock(&callbacks_mu);
    for (const Callback& callback : callbacks) {
      const double value = callback.read();
      if (std::isnan(value)) continue;  // nothing to say now: the series is absent
      MetricFamily family = NewFamily(callback.name, callback.help, callback.type);
      AddSample(&family, {}, value);
      out->push_back(std::move(family));
    }
  }

  const Sources sources;
  const std::shared_ptr<prometheus::Registry> registry;
  Children<prometheus::Histogram> rpc;
  Children<prometheus::Histogram> search;
  Children<prometheus::Histogram> federated;
  Children<prometheus::Histogram> peer_latency;
  Children<prometheus::Counter> peer_outcomes;
  mutable absl::Mutex callbacks_mu;
  std::vector<Callback> callbacks ABSL_GUARDED_BY(callbacks_mu);
};

namespace {

// Times one call: from when gRPC set it up to when its status is sent.
class RpcTimer final : public grpc::experimental::Interceptor {
 public:
  RpcTimer(Children<prometheus::Histogram>* histograms, std::string method)
      : histograms_(histograms), method_(std::move(method)), start_(absl::Now()) {}
  // A call that ends without sending a status was cancelled.
  ~RpcTimer() override {
    if (!observed_) Observe(grpc::StatusCode::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      Observe(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Observe(grpc::StatusCode code) {
    observed_ = true;
    histograms_->Get({method_, CodeName(code)}, LatencyBuckets())
        .Observe(absl::ToDoubleSeconds(absl::Now() - start_));
  }

  Children<prometheus::Histogram>* const histograms_;
  const std::string method_;
  const absl::Time start_;
  bool observed_ = false;
};

class RpcTimerFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcTimerFactory(Children<prometheus::Histogram>* histograms) : histograms_(histograms) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcTimer(histograms_, MethodLabel(info->method()));
  }

 private:
  Children<prometheus::Histogram>* const histograms_;
};

}  // namespace

// GET /metrics over civetweb, prometheus-cpp's own HTTP server.
class Metrics::Endpoint final : public CivetHandler {
 public:
  Endpoint(const Metrics* metrics, const std::string& address)
      : metrics_(metrics),
        server_(std::vector<std::string>{"listening_ports", address, "num_threads", "2"}) {
    server_.addHandler("/metrics", this);
  }
  ~Endpoint() override { server_.close(); }

  int port() {
    std::vector<int> ports = server_.getListeningPorts();
    return ports.empty() ? 0 : ports[0];
  }

  bool handleGet(CivetServer*, mg_connection* connection) override {
    const std::string body = metrics_->Scrape();
    mg_printf(connection,
              "HTTP/1.1 200 OK\r\n"
              "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
              "Content-Length: %zu\r\n"
              "Connection: close\r\n\r\n",
              body.size());
    mg_write(connection, body.data(), body.size());
    return true;
  }

 private:
  const Metrics* const metrics_;
  CivetServer server_;
};

Metrics::Metrics(Sources sources) : impl_(std::make_unique<Impl>(std::move(sources))) {}

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Serve(const std::string& address,
                                                        Sources sources) {
  auto metrics = std::make_unique<Metrics>(std::move(sources));
  try {
    metrics->endpoint_ = std::make_unique<Endpoint>(metrics.get(), address);
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("metrics_address: cannot listen on ", address, " (", error.what(), ")"));
  }
  return metrics;
}

Metrics::~Metrics() { endpoint_.reset(); }  // no scrape runs once the endpoint is gone

int Metrics::port() const { return endpoint_ == nullptr ? 0 : endpoint_->port(); }

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  absl::MutexLock lock(&impl_->callbacks_mu);
  impl_->callbacks.push_back(
      {std::move(name), std::move(help), MetricType::Gauge, std::move(read)});
}

void Metrics::AddCounter(std::string name, std::string help, std::function<double()> read) {
  absl::MutexLock lock(&impl_->callbacks_mu);
  impl_->callbacks.push_back(
      {std::move(name), std::move(help), MetricType::Counter, std::move(read)});
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Metrics::NewRpcTimerFactory() {
  return std::make_unique<RpcTimerFactory>(&impl_->rpc);
}

void Metrics::ObserveSearch(absl::Duration took) {
  impl_->search.Get({}, LatencyBuckets()).Observe(absl::ToDoubleSeconds(took));
}

void Metrics::ObserveFederatedSearch(const v1::FederatedSearchResult& result, absl::Duration took) {
  impl_->federated.Get({}, LatencyBuckets()).Observe(absl::ToDoubleSeconds(took));
  for (const v1::PeerOutcome& outcome : result.peers()) {
    impl_->peer_latency.Get({outcome.org()}, LatencyBuckets()).Observe(outcome.latency_ms() / 1000);
    impl_->peer_outcomes
        .Get({outcome.org(), absl::AsciiStrToLower(v1::PeerOutcome::State_Name(outcome.state()))})
        .Increment();
  }
}

std::string Metrics::Scrape() const {
  std::vector<MetricFamily> families = impl_->registry->Collect();
  impl_->CollectCurrent(&families);
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace cairn::server
