// Prometheus metrics of real cairnd processes, scraped over HTTP on loopback: what replication,
// searches, refused calls and the store show, that the names follow Prometheus' conventions, and
// that the endpoint is off unless configured.
#include <map>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/federation.h"
#include "tests/support/metrics_scrape.h"

namespace cairn {
namespace {

using testing::CairndProcess;
using testing::Exposition;
using testing::Federation;
using ::testing::HasSubstr;

constexpr char kCouncil[] = "leeds-council";
constexpr char kPolice[] = "west-police";
constexpr char kDown[] = "york-fire";

v1::Lesson Draft(const std::string& title, v1::TlpMarking marking) {
  v1::Lesson draft;
  draft.set_title(title);
  draft.set_marking(marking);
  return draft;
}

Exposition Scrape(const CairndProcess& node) {
  absl::StatusOr<std::string> text = testing::HttpGet(node.metrics_port(), "/metrics");
  EXPECT_TRUE(text.ok()) << text.status();
  if (!text.ok()) return Exposition();
  absl::StatusOr<Exposition> parsed = Exposition::Parse(*text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : Exposition();
}

// Prometheus' naming conventions: our prefix, base units in the name, counters end _total,
// durations are histograms in seconds, every family explained.
void ExpectPrometheusNames(const Exposition& scrape) {
  EXPECT_FALSE(scrape.types().empty());
  for (const auto& [name, type] : scrape.types()) {
    EXPECT_TRUE(absl::StartsWith(name, "cairn_")) << name;
    EXPECT_TRUE(scrape.help().contains(name)) << name << " has no HELP";
    for (const char* wrong_unit : {"_ms", "milli", "micro", "_us", "kilo", "mega", "_kb", "_mb"}) {
      EXPECT_FALSE(absl::StrContains(name, wrong_unit)) << name;
    }
    if (type == "counter") {
      EXPECT_TRUE(absl::EndsWith(name, "_total")) << name;
    } else if (type == "histogram") {
      EXPECT_TRUE(absl::EndsWith(name, "_seconds")) << name;
    } else {
      EXPECT_EQ(type, "gauge") << name;
      EXPECT_FALSE(absl::EndsWith(name, "_total")) << name << " is a gauge named as a counter";
      bool has_unit = false;
      for (const char* unit :
           {"_seconds", "_bytes", "_changes", "_lessons", "_searches", "_state"}) {
        has_unit |= absl::EndsWith(name, unit);
      }
      EXPECT_TRUE(has_unit) << name << " names no unit";
    }
  }
}

TEST(MetricsTest, AScrapeShowsReplicationSearchesRefusalsAndTheStore) {
  Federation federation({kCouncil, kPolice, kDown});
  for (const char* org : {kCouncil, kPolice}) {
    CairndProcess& node = federation.node(org);
    ASSERT_TRUE(node.Stop().ok());
    node.EnableMetrics();
    ASSERT_TRUE(node.Start().ok()) << node.log();
    ASSERT_GT(node.metrics_port(), 0) << node.log();
  }
  auto police = federation.Editor(kPolice);
  testing::Holdings shared;
  for (const char* title : {"Radio battery swaps", "Radio handover log", "Radio charging bays"}) {
    absl::StatusOr<v1::Lesson> created = police->Create(Draft(title, v1::TLP_GREEN));
    ASSERT_TRUE(created.ok()) << created.status();
    shared[created->id()] = created->version();
  }
  ASSERT_TRUE(police->Create(Draft("Radio thefts from vans", v1::TLP_AMBER)).ok());
  const std::string policy = "export { markings: [TLP_GREEN, TLP_CLEAR] }";
  federation.Link(kPolice, kCouncil, policy);
  federation.AllowQueries(kPolice, kCouncil, policy);
  federation.Introduce(kCouncil, kDown);
  federation.node(kDown).Kill();
  ASSERT_TRUE(federation.Settles(kCouncil, kPolice, shared));

  auto analyst = federation.node(kCouncil).ClientFor("bob");
  v1::SearchRequest search;
  search.set_query("radio");
  absl::StatusOr<v1::SearchResponse> found = analyst->Search(search);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->hits_size(), 3);
  v1::FederatedSearchRequest federated;
  federated.set_query("radio");
  federated.set_deadline_ms(5000);
  ASSERT_TRUE(analyst->FederatedSearch(federated, [](const v1::FederatedSearchEvent&) {}).ok());
  absl::StatusOr<v1::Lesson> refused =
      analyst->Create(Draft("An analyst may not write", v1::TLP_RED));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);

  // Lag reaches zero once the council has applied the police's last change.
  const std::map<std::string, std::string> from_police = {{"peer", kPolice}};
  Exposition council;
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  do {
    council = Scrape(federation.node(kCouncil));
    if (council.Sum("cairn_replication_lag_changes", from_police) == 0 &&
        council.Sum("cairn_replication_lag_seconds", from_police) == 0 &&
        council.Has("cairn_replication_lag_seconds")) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < give_up);
  ASSERT_TRUE(council.Has("cairn_replication_lag_seconds")) << "no replication metrics";
  EXPECT_EQ(council.Sum("cairn_replication_lag_changes", from_police), 0);
  EXPECT_EQ(council.Sum("cairn_replication_lag_seconds", from_police), 0);
  EXPECT_EQ(council.Sum("cairn_replication_lessons_applied_total", from_police), 3);
  EXPECT_EQ(council.Sum("cairn_replication_retractions_applied_total", from_police), 0);
  EXPECT_EQ(council.Sum("cairn_replication_lessons_rejected_total", from_police), 0);
  EXPECT_TRUE(council.Has("cairn_replication_lessons_rejected_total"));
  EXPECT_EQ(
      council.Sum("cairn_replication_pull_state", {{"peer", kPolice}, {"state", "connected"}}), 1);
  // One state at a time.
  EXPECT_EQ(council.Sum("cairn_replication_pull_state", from_police), 1);
  EXPECT_GT(council.Sum("cairn_replication_last_success_timestamp_seconds", from_police),
            absl::ToDoubleSeconds(absl::Now() - absl::Hours(1) - absl::UnixEpoch()));

  // Calls by method and status code: the refused write, and the search.
  EXPECT_EQ(council.Sum("cairn_rpc_duration_seconds_count",
                        {{"method", "/cairn.v1.LessonService/CreateLesson"},
                         {"code", "PERMISSION_DENIED"}}),
            1);
  EXPECT_EQ(council.Sum("cairn_rpc_duration_seconds_bucket",
                        {{"method", "/cairn.v1.LessonService/CreateLesson"},
                         {"code", "PERMISSION_DENIED"},
                         {"le", "+Inf"}}),
            1);
  EXPECT_EQ(council.Sum("cairn_rpc_duration_seconds_count",
                        {{"method", "/cairn.v1.SearchService/Search"}, {"code", "OK"}}),
            1);
  EXPECT_EQ(council.Sum("cairn_search_duration_seconds_count"), 1);
  EXPECT_GT(council.Sum("cairn_search_duration_seconds_sum"), 0);

  // The federated search: each node's outcome, this one's own answer included.
  EXPECT_EQ(council.Sum("cairn_federated_search_duration_seconds_count"), 1);
  EXPECT_EQ(council.Sum("cairn_federated_search_peer_answers_total",
                        {{"peer", kPolice}, {"outcome", "ok"}}),
            1);
  EXPECT_EQ(council.Sum("cairn_federated_search_peer_answers_total",
                        {{"peer", kCouncil}, {"outcome", "ok"}}),
            1);
  EXPECT_EQ(council.Sum("cairn_federated_search_peer_answers_total",
                        {{"peer", kDown}, {"outcome", "unreachable"}}),
            1);
  EXPECT_EQ(council.Sum("cairn_federated_search_peer_answers_total"), 3);
  EXPECT_EQ(council.Sum("cairn_federated_search_peer_duration_seconds_count", from_police), 1);

  // The store and the certificate (deploy/pki.sh makes node certificates for a year).
  EXPECT_GT(council.Sum("cairn_store_sst_bytes") + council.Sum("cairn_store_memtable_bytes"), 0);
  EXPECT_TRUE(council.Has("cairn_store_pending_compaction_bytes"));
  EXPECT_EQ(council.Sum("cairn_store_background_errors_total"), 0);
  double expiry_days = council.Sum("cairn_node_certificate_expiry_seconds") / 86400;
  EXPECT_GT(expiry_days, 300);
  EXPECT_LE(expiry_days, 366);
  // Storage writes; no CRL is configured; nothing needed re-signing.
  EXPECT_EQ(council.Sum("cairn_storage_writable_state"), 1);
  EXPECT_EQ(council.Sum("cairn_storage_damaged_state"), 0);
  EXPECT_TRUE(council.Has("cairn_storage_recoveries_total"));
  EXPECT_FALSE(council.Has("cairn_tls_crl_next_update_seconds"));
  EXPECT_EQ(council.Sum("cairn_tls_files_unusable_state"), 0);
  EXPECT_EQ(council.Sum("cairn_resign_lessons_total"), 0);
  EXPECT_TRUE(council.Has("cairn_resign_walk_complete_state"));
  // The council's admin added two peers (and changed one); the police's audit log has its four
  // lessons and its answer to the council's query.
  EXPECT_EQ(council.Sum("cairn_audit_events_total", {{"action", "peer.add"}}), 2);
  Exposition answering = Scrape(federation.node(kPolice));
  EXPECT_EQ(answering.Sum("cairn_audit_events_total", {{"action", "lesson.create"}}), 4);
  EXPECT_EQ(answering.Sum("cairn_audit_events_total", {{"action", "query.answered"}}), 1);
  EXPECT_GE(answering.Sum("cairn_audit_events_total", {{"action", "replication.sent"}}), 1);
  EXPECT_EQ(answering.Sum("cairn_rpc_duration_seconds_count",
                          {{"method", "/cairn.v1.FederationService/Query"}, {"code", "OK"}}),
            1);
  // The police pulls from nobody.
  EXPECT_FALSE(answering.Has("cairn_replication_lag_seconds"));

  ExpectPrometheusNames(council);
  ExpectPrometheusNames(answering);
}

TEST(MetricsTest, OffUnlessConfiguredAndABadAddressStopsTheStart) {
  CairndProcess plain(testing::NodeSpec{});
  ASSERT_TRUE(plain.Start().ok()) << plain.log();
  EXPECT_EQ(plain.metrics_port(), 0);
  EXPECT_THAT(plain.log(), ::testing::Not(HasSubstr("serving metrics")));
  ASSERT_TRUE(plain.Stop().ok());

  plain.EditConfig([](v1::NodeConfig* config) { config->set_metrics_address("127.0.0.1:99999"); });
  absl::Status out_of_range = plain.Start();
  EXPECT_EQ(out_of_range.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(out_of_range.message()),
              HasSubstr("metrics_address: port 99999 is outside 1-65535"));

  // A port another process serves on is refused, naming the field and the address.
  testing::NodeSpec other_spec;
  other_spec.org_id = kPolice;
  CairndProcess other(other_spec);
  other.EnableMetrics();
  ASSERT_TRUE(other.Start().ok()) << other.log();
  const std::string taken = absl::StrCat("127.0.0.1:", other.metrics_port());
  plain.EditConfig([&](v1::NodeConfig* config) { config->set_metrics_address(taken); });
  absl::Status in_use = plain.Start();
  EXPECT_EQ(in_use.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(in_use.message()),
              HasSubstr(absl::StrCat("metrics_address: cannot listen on ", taken)));
  // Anything but /metrics is not found.
  absl::StatusOr<std::string> elsewhere = testing::HttpGet(other.metrics_port(), "/");
  EXPECT_THAT(std::string(elsewhere.status().message()), HasSubstr("404"));
}

}  // namespace
}  // namespace cairn
