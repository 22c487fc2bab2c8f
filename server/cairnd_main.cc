// cairnd: one organisation's Cairn node.
//
//   cairnd --config FILE [--port-file PATH] [--metrics-port-file PATH] [--console-port-file PATH]
//          [--restore-from DIR [--replace-data]]
//
// With --restore-from, first restores the backup in DIR (written by `cairn backup`) into the
// configured data_dir with a new incarnation, then serves. A data_dir that already holds files
// is refused, unless --replace-data moves them aside (to <data_dir>.before-restore-<time>).
//
// Serves LessonService, AdminService and the peer-facing ReplicationService over mTLS on the
// configured address, with gRPC health checking and server reflection. With --port-file, writes the
// bound port there once listening (useful with a listen port of 0); --metrics-port-file does the
// same for the metrics endpoint (metrics_address), and --console-port-file for the web console
// (console.listen_address), before the port file. SIGTERM or SIGINT shuts
// down gracefully.
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/support/server_interceptor.h"
#include "node/config/config.h"
#include "node/lessons/catalog.h"
#include "node/search/node_vocabulary.h"
#include "node/storage/restore.h"
#include "node/storage/store.h"
#include "node/audit/audit_log.h"
#include "node/policy/peer_directory.h"
#include "server/admin_service.h"
#include "node/crypto/provenance.h"
#include "node/crypto/trust.h"
#include "node/feedback/feedback_desk.h"
#include "node/lessons/resigner.h"
#include "node/replication/change_feed.h"
#include "node/replication/replica_applier.h"
#include "server/lesson_service.h"
#include "server/console_server.h"
#include "server/metrics.h"
#include "server/feedback_sender.h"
#include "server/feedback_service.h"
#include "server/peer_puller.h"
#include "server/report_service.h"
#include "server/webhook_sender.h"
#include "server/federation_service.h"
#include "server/replication_service.h"
#include "server/alert_service.h"
#include "node/alerts/alerter.h"
#include "server/search_service.h"
#include "server/security.h"

namespace cairn::server {
namespace {

// Largest request a client may send; larger ones fail with RESOURCE_EXHAUSTED before parsing.
constexpr int kMaxReceiveBytes = 4 * 1024 * 1024;
// Server-wide caps, whatever callers do (README, "What a peer can cost"). Threads serve the
// unary and user-facing calls (replication streams hold none); calls beyond them are refused
// with RESOURCE_EXHAUSTED. No memory quota: under its pressure gRPC stops reading from every
// connection, so one peer could stall all; memory is bounded per stream and per peer instead.
constexpr int kMaxServerThreads = 32;
constexpr int kMaxStreamsPerConnection = 100;
// Connections are pinged after a minute of silence and dropped when no answer comes in 20 s, so
// a peer whose network vanished does not keep its streams (and their place in its limit).
constexpr int kKeepaliveMs = 60'000;
constexpr int kKeepaliveTimeoutMs = 20'000;
constexpr absl::Duration kShutdownGrace = absl::Seconds(5);

// One structured log line on stderr: time, level, message, then key=value pairs.
void Log(absl::string_view level, absl::string_view message, absl::string_view fields = "") {
  std::cerr << absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone())
            << " level=" << level << " msg=\"" << message << "\"" << (fields.empty() ? "" : " ")
            << fields << std::endl;
}

// Keeps gRPC's health status in step with the store's: NOT_SERVING while the store cannot write
// or has found damaged data, SERVING again once it recovers. Logs every change, so an operator
// sees what happened and what to do. Thread-safe: the store calls it from its own threads.
class StorageHealthReporter {
 public:
  // The health service to keep in step from now on, and what to call when writes succeed again
  // (null: none, as during shutdown).
  void Serve(grpc::HealthCheckServiceInterface* service, const StoreHealth& now,
             std::function<void()> on_writable) {
    absl::MutexLock lock(&mu_);
    service_ = service;
    on_writable_ = std::move(on_writable);
    if (service_ != nullptr) service_->SetServingStatus(now.serving());
  }

  void Report(const StoreHealth& health) {
    absl::MutexLock lock(&mu_);
    std::string counts = absl::StrCat("background_errors=", health.background_errors,
                                      " recoveries=", health.recoveries);
    std::string problem = absl::StrCat("problem=\"", absl::CEscape(health.problem), "\"");
    if (health.damaged) {
      Log("error",
          "stored data is damaged; the node reports NOT_SERVING until it is restored from a "
          "backup (cairnd --restore-from DIR)",
          absl::StrCat("file=\"", absl::CEscape(health.damaged_file), "\" ", problem, " ", counts));
    } else if (!health.writable) {
      Log("error",
          health.disk_full ? "the data directory's disk is full; writes are refused and the node "
                             "reports NOT_SERVING until space is freed"
                           : "writes stopped after a storage error; the node reports NOT_SERVING "
                             "until they resume",
          absl::StrCat(problem, " ", counts));
    } else {
      Log("info", "storage writes again; the node reports SERVING", counts);
    }
    if (service_ != nullptr) service_->SetServingStatus(health.serving());
    if (health.writable && on_writable_) on_writable_();
  }

 private:
  absl::Mutex mu_;
  grpc::HealthCheckServiceInterface* service_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::function<void()> on_writable_ ABSL_GUARDED_BY(mu_);
};

int Fail(const absl::Status& status) {
  Log("error", "cairnd cannot start", absl::StrCat("error=\"", status.ToString(), "\""));
  return 1;
}

// Writes the port to `path` atomically, so a reader never sees a half-written number.
absl::Status WritePortFile(const std::string& path, int port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  if (error) return absl::InternalError(absl::StrCat("cannot rename ", tmp, ": ", error.message()));
  return absl::OkStatus();
}

// Where a build or an install puts the console: share/cairn/console beside cairnd's directory.
std::string DefaultConsoleAssets(const char* argv0) {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) self = std::filesystem::absolute(argv0);
  return (self.parent_path().parent_path() / "share" / "cairn" / "console").string();
}

int Run(int argc, char** argv) {
  // Debian's Abseil checks every lock for deadlock cycles; that costs on every lock and says
  // nothing a user can act on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::string config_path;
  std::string port_file;
  std::string metrics_port_file;
  std::string console_port_file;
  std::string restore_from;
  bool replace_data = false;
  constexpr absl::string_view kUsage =
      "usage: cairnd --config FILE [--port-file PATH] [--metrics-port-file PATH]\n"
      "              [--console-port-file PATH]\n"
      "              [--restore-from DIR [--replace-data]]\n";
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--port-file" && i + 1 < argc) {
      port_file = argv[++i];
    } else if (arg == "--metrics-port-file" && i + 1 < argc) {
      metrics_port_file = argv[++i];
    } else if (arg == "--console-port-file" && i + 1 < argc) {
      console_port_file = argv[++i];
    } else if (arg == "--restore-from" && i + 1 < argc) {
      restore_from = argv[++i];
    } else if (arg == "--replace-data") {
      replace_data = true;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  if (config_path.empty() || (replace_data && restore_from.empty())) {
    std::cerr << kUsage;
    return 2;
  }
  absl::StatusOr<v1::NodeConfig> config = LoadNodeConfig(config_path);
  if (!config.ok()) return Fail(config.status());
  // Before anything is written: a node must not serve, or sign lessons, as someone else.
  if (absl::Status own = CheckOwnCertificate(*config, absl::Now()); !own.ok()) return Fail(own);

  // Block the shutdown signals in every thread gRPC starts; this thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A browser that goes away mid-answer must cost the console a failed write, not the node its
  // life: OpenSSL writes to the console's sockets with plain write().
  signal(SIGPIPE, SIG_IGN);

  if (!restore_from.empty()) {
    RestoreOptions restore;
    restore.replace_existing = replace_data;
    restore.record.Audit(NewAuditEvent(
        absl::Now(), "operator", "node.restored", restore_from, 0, 0,
        "cairnd --restore-from: writes after the backup are lost; peers resynchronise"));
    absl::StatusOr<RestoreOutcome> restored =
        RestoreCheckpoint(restore_from, config->data_dir(), std::move(restore));
    if (!restored.ok()) return Fail(restored.status());
    Log("info", "restored from backup",
        absl::StrCat("from=", restore_from, " data_dir=", config->data_dir(),
                     " last_sequence=", restored->last_sequence,
                     " incarnation=", absl::Hex(restored->incarnation),
                     restored->moved_aside.empty() ? "" : " moved_aside=",
                     restored->moved_aside));
  }
  // Declared before the store, whose threads report to it until the store is gone.
  StorageHealthReporter health;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(config->data_dir());
  if (!store.ok()) return Fail(store.status());
  (*store)->AddHealthListener([&health](const StoreHealth& now) { health.Report(now); });
  // Before anything writes a lesson, so the index sees every write.
  absl::StatusOr<std::unique_ptr<search::SearchIndex>> index = search::SearchIndex::Open(store->get());
  if (!index.ok()) return Fail(index.status());
  absl::StatusOr<std::unique_ptr<search::NodeVocabulary>> vocabulary =
      search::NodeVocabulary::Open(store->get());
  if (!vocabulary.ok()) return Fail(vocabulary.status());
  if (std::string problem = (*vocabulary)->Problem(); !problem.empty()) {
    Log("warning", problem, "fix=\"cairn vocabulary get, then cairn vocabulary set FILE\"");
  }
  absl::StatusOr<std::unique_ptr<PeerDirectory>> directory =
      PeerDirectory::Open(store->get(), config->org_id(), Clock::Real());
  if (!directory.ok()) return Fail(directory.status());
  absl::Status seeded = (*directory)->SeedOnce({config->peers().begin(), config->peers().end()});
  if (!seeded.ok()) return Fail(seeded);
  const v1::TlsConfig& tls = config->tls();
  const absl::Duration refresh = absl::Seconds(tls.refresh_interval_seconds());
  // The trust bundle and revocation lists, followed as they change by the TLS handshake, every
  // call's caller check and the signature checks alike.
  absl::StatusOr<std::shared_ptr<FederationTrust>> trust =
      FederationTrust::Load({tls.trust_bundle_file(), tls.crl_file(), refresh});
  if (!trust.ok()) return Fail(trust.status());
  Authenticator authenticator(*config, trust->get());
  // Peers are accepted exactly while the directory knows them.
  (*directory)->AddPeersListener([&authenticator](const std::vector<v1::Peer>& peers) {
    absl::flat_hash_set<std::string> ids;
    for (const v1::Peer& peer : peers) ids.insert(peer.org_id());
    authenticator.SetPeers(std::move(ids));
  });
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(tls, *trust);
  if (!credentials.ok()) return Fail(credentials.status());
  // The signer follows the certificate and key as they rotate.
  absl::StatusOr<std::unique_ptr<LessonSigner>> signer =
      LessonSigner::Load(tls.cert_file(), tls.key_file(), {refresh, Clock::Real()});
  if (!signer.ok()) return Fail(signer.status());
  auto verifier = std::make_unique<LessonVerifier>(*trust, config->federation());

  LessonCatalog catalog(store->get(), {config->org_id(), config->sector()}, Clock::Real(),
                        RandomSource::Real(), signer->get());
  ChangeFeed feed(store->get(), directory->get(), signer->get(), config->org_id(), Clock::Real());
  ReplicaApplier applier(store->get(), directory->get(), verifier.get(), config->org_id(),
                         Clock::Real());
  const v1::ReplicationConfig& replication = config->replication();
  PullerPool pullers(config->tls(), &applier,
                     PullerOptions{.federation = config->federation(),
                                   .retry_initial = absl::Milliseconds(replication.retry_initial_ms()),
                                   .retry_max = absl::Milliseconds(replication.retry_max_ms()),
                                   .certificates = trust->get()});

  // After a renewal (and once after an upgrade), re-sign our own lessons with the new certificate.
  Resigner resigner(store->get(), signer->get(), config->org_id(),
                    Resigner::Options{.idle_check = std::max(refresh, absl::Seconds(1))});

  // Off unless configured: its figures name every peer (README, "Metrics (Prometheus)").
  std::unique_ptr<Metrics> metrics;
  if (!config->metrics_address().empty()) {
    absl::StatusOr<std::unique_ptr<Metrics>> serving = Metrics::Serve(
        config->metrics_address(), {&applier, store->get(), config->tls().cert_file()});
    if (!serving.ok()) return Fail(serving.status());
    metrics = *std::move(serving);
    if (!metrics_port_file.empty()) {
      absl::Status written = WritePortFile(metrics_port_file, metrics->port());
      if (!written.ok()) return Fail(written);
    }
    std::shared_ptr<FederationTrust> trust_files = *trust;
    metrics->AddGauge("cairn_tls_crl_next_update_seconds",
                      "Seconds until the earliest nextUpdate of the CRLs in tls.crl_file (when a "
                      "fresher list is due); negative once passed; absent without CRLs",
                      [trust_files] {
                        absl::Time due = trust_files->Current()->crl_next_update();
                        return due == absl::InfiniteFuture()
                                   ? std::nan("")
                                   : absl::ToDoubleSeconds(due - absl::Now());
                      });
    metrics->AddGauge("cairn_tls_files_unusable_state",
                      "1 while changed certificate, key, trust bundle or CRL files could not be "
                      "used (the last good ones serve on; see the log), else 0",
                      [trust_files, &signer] {
                        return trust_files->last_error().empty() &&
                                       (*signer)->last_error().empty()
                                   ? 0.0
                                   : 1.0;
                      });
    Store* storage = store->get();
    metrics->AddGauge("cairn_storage_writable_state",
                      "1 while the store can write; 0 while writes are refused (disk full, a "
                      "storage fault): health is NOT_SERVING meanwhile",
                      [storage] { return storage->Health().writable ? 1.0 : 0.0; });
    metrics->AddGauge("cairn_storage_damaged_state",
                      "1 once a read found damaged data (restore from a backup; see the log), "
                      "else 0",
                      [storage] { return storage->Health().damaged ? 1.0 : 0.0; });
    metrics->AddCounter("cairn_storage_recoveries_total",
                        "Times the store resumed writing by itself after a storage error",
                        [storage] { return static_cast<double>(storage->Health().recoveries); });
    metrics->AddCounter("cairn_resign_lessons_total",
                        "Own lessons re-signed with the current certificate since the node started",
                        [&resigner] { return static_cast<double>(resigner.progress().resigned); });
    metrics->AddGauge("cairn_resign_walk_complete_state",
                      "1 when every own lesson carries a signature by the current certificate; 0 "
                      "while re-signing after a renewal",
                      [&resigner] { return resigner.progress().complete ? 1.0 : 0.0; });
    metrics->AddCounter(
        "cairn_replication_restored_resyncs_total",
        "Full resynchronisations of peers started since the node started because a peer's cursor "
        "belonged to an earlier incarnation of this node (it was restored from a backup)",
        [&feed] { return static_cast<double>(feed.restored_resyncs()); });
    Log("info", "serving metrics",
        absl::StrCat("metrics_address=", config->metrics_address(), " port=", metrics->port()));
  }

  ObservationDesk observations(store->get(), &catalog, Clock::Real());
  LessonServiceImpl lesson_service(&catalog, &observations, &authenticator);
  AdminServiceImpl admin_service(directory->get(), &catalog, store->get(), &applier, &pullers,
                                 index->get(), vocabulary->get(), &authenticator);
  // Lessons federated searches showed, so that feedback can be given on them here.
  SeenLessons seen_lessons;
  FederatedSearcher federated(index->get(), vocabulary->get(), directory->get(), verifier.get(),
                              store->get(), config->tls(), config->org_id(),
                              config->federation(), trust->get(), &seen_lessons);
  SearchServiceImpl search_service(index->get(), vocabulary->get(), &federated, &authenticator,
                                   metrics.get());
  FederationServiceImpl federation_service(index->get(), directory->get(), store->get(),
                                           &authenticator, signer->get(), config->org_id());
  ReplicationServiceImpl replication_service(&feed, store->get(), directory->get(),
                                             &authenticator,
                                             absl::Milliseconds(replication.heartbeat_ms()));
  FeedbackDesk feedback(store->get(), signer->get(), verifier.get(), directory->get(),
                        config->org_id(), config->sector(), Clock::Real(), &seen_lessons);
  if (absl::Status started = feedback.Start(); !started.ok()) return Fail(started);
  FeedbackServiceImpl feedback_service(&feedback, &authenticator);
  ReportServiceImpl report_service(store->get(), index->get(), &authenticator, config->org_id(),
                                   config->sector());
  FeedbackExchangeImpl feedback_exchange(&feedback, &authenticator);
  FeedbackSender feedback_sender(
      &feedback, directory->get(), store->get(), config->tls(),
      FeedbackSenderOptions{
          .federation = config->federation(),
          .retry_initial = absl::Milliseconds(replication.retry_initial_ms()),
          .retry_max = absl::Milliseconds(replication.retry_max_ms()),
          .on_problem = [](absl::string_view problem) {
            Log("warning", "feedback delivery", absl::StrCat("problem=\"", problem, "\""));
          }});
  // Saved searches are planned as searches are, the node's vocabulary widening them.
  Alerter alerter(
      store->get(),
      [&index, &vocabulary](const std::string& query,
                            bool all_words) -> absl::StatusOr<search::QueryPlan> {
        absl::StatusOr<search::SearchIndex::PlannedSearch> planned =
            (*index)->Plan(query, all_words, "", *(*vocabulary)->Current());
        if (!planned.ok()) return planned.status();
        return std::move(planned->plan);
      },
      Clock::Real(), RandomSource::Real(),
      {.webhook_prefixes = {config->alerts().webhook_allowed_prefixes().begin(),
                            config->alerts().webhook_allowed_prefixes().end()}});
  if (absl::Status started = alerter.Start(); !started.ok()) return Fail(started);
  AlertServiceImpl alert_service(&alerter, store->get(), &authenticator);
  WebhookOptions webhook_options;
  if (!config->alerts().webhook_ca_file().empty()) {
    webhook_options.ca_file = config->alerts().webhook_ca_file();
  }
  webhook_options.console_url = config->alerts().console_url();
  webhook_options.on_problem = [](absl::string_view problem) {
    Log("warning", "webhook", absl::StrCat("problem=\"", problem, "\""));
  };
  // Runs even when no webhook is allowed now, to give up what was stored for one allowed before.
  WebhookSender webhooks(store->get(), &alerter, std::move(webhook_options));
  webhooks.Start();
  if (metrics != nullptr) {
    Store* storage = store->get();
    metrics->AddGauge("cairn_saved_searches", "Saved searches that alert their owners",
                      [&alerter] { return static_cast<double>(alerter.watches()); });
    metrics->AddCounter("cairn_alerts_total", "Alerts stored since the node started",
                        [&alerter] { return static_cast<double>(alerter.alerts_stored()); });
    metrics->AddGauge("cairn_alerts_behind_changes",
                      "Changes this node stored that the alerter has not yet matched against the "
                      "saved searches",
                      [&alerter, storage] {
                        const uint64_t last = storage->LastSequence();
                        const uint64_t done = alerter.percolated();
                        return static_cast<double>(last > done ? last - done : 0);
                      });
    metrics->AddCounter("cairn_webhook_posts_total",
                        "Alerts posted to their saved searches' webhooks",
                        [&webhooks] { return static_cast<double>(webhooks.delivered()); });
    metrics->AddCounter("cairn_webhook_failures_total",
                        "Webhook posts that failed (each is tried again, with a growing delay)",
                        [&webhooks] { return static_cast<double>(webhooks.failed()); });
    metrics->AddCounter("cairn_webhook_given_up_total",
                        "Alerts never posted: their webhook failed every attempt, or is no "
                        "longer allowed",
                        [&webhooks] { return static_cast<double>(webhooks.given_up()); });
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config->listen_address(), *credentials, &port);
  // gRPC lets listeners share a port (SO_REUSEPORT) by default: a second node started on ours,
  // or any process binding it, would silently take a share of our connections. Refuse instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  grpc::ResourceQuota quota("cairnd");
  quota.SetMaxThreads(kMaxServerThreads);
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, kMaxStreamsPerConnection);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  if (metrics != nullptr) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> timers;
    timers.push_back(metrics->NewRpcTimerFactory());
    builder.experimental().SetInterceptorCreators(std::move(timers));
  }
  builder.RegisterService(&lesson_service);
  builder.RegisterService(&admin_service);
  builder.RegisterService(&replication_service);
  builder.RegisterService(&search_service);
  builder.RegisterService(&federation_service);
  builder.RegisterService(&alert_service);
  builder.RegisterService(&feedback_service);
  builder.RegisterService(&feedback_exchange);
  builder.RegisterService(&report_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(absl::UnavailableError(
        absl::StrCat("cannot listen on ", config->listen_address())));
  }
  std::unique_ptr<ConsoleServer> console;
  if (config->has_console()) {
    absl::StatusOr<std::unique_ptr<ConsoleServer>> serving = ConsoleServer::Start(
        *config, DefaultConsoleAssets(argv[0]), *trust, &authenticator,
        {&lesson_service, &search_service, &admin_service, &alert_service, &feedback_service,
         &report_service});
    if (!serving.ok()) return Fail(serving.status());
    console = *std::move(serving);
    if (!console_port_file.empty()) {
      absl::Status written = WritePortFile(console_port_file, console->port());
      if (!written.ok()) return Fail(written);
    }
    Log("info", "serving the web console",
        absl::StrCat("console.listen_address=", config->console().listen_address(),
                     " port=", console->port(), " assets_dir=", console->assets_dir()));
  }
  // Pulls that failed on a full disk start again as soon as writes succeed.
  health.Serve(server->GetHealthCheckService(), (*store)->Health(),
               [&pullers] { pullers.NudgeAll(); });
  if (!port_file.empty()) {
    if (absl::Status written = WritePortFile(port_file, port); !written.ok()) return Fail(written);
  }
  resigner.Start();
  feedback_sender.Start();
  // Pull from the peers we pull from, now and whenever an admin changes them.
  (*directory)->AddPeersListener(
      [&pullers](const std::vector<v1::Peer>& peers) { pullers.Update(peers); });
  Log("info", "cairnd serving",
      absl::StrCat("org=", config->org_id(), " sector=", config->sector(),
                   " listen=", config->listen_address(), " port=", port,
                   " data_dir=", config->data_dir(), " last_sequence=", (*store)->LastSequence(),
                   " incarnation=", absl::Hex((*store)->Incarnation())));

  int received = 0;
  sigwait(&signals, &received);
  Log("info", "shutting down", absl::StrCat("signal=", strsignal(received)));
  console.reset();
  resigner.Stop();
  pullers.StopAll();
  replication_service.Stop();
  alert_service.Stop();
  health.Serve(nullptr, StoreHealth(), nullptr);  // the service and pullers go before the store
  server->Shutdown(absl::ToChronoTime(absl::Now() + kShutdownGrace));
  server->Wait();
  Log("info", "stopped");
  return 0;
}

}  // namespace
}  // namespace cairn::server

int main(int argc, char** argv) { return cairn::server::Run(argc, argv); }
