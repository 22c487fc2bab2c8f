// Federated search benchmark: twelve real cairnd processes on this machine, one per NASA centre,
// holding the LLIS lessons; headquarters' analyst runs federated queries.
//
//   build/tests/bench/federation_bench [--queries N] [--deadline-ms MS]
//
// For each query: the latency the analyst sees (until the merged result arrives), the slowest
// node's own answer time as the asking node measured it, and the difference, which is what the
// fan-out, merging and streaming add. Then one peer is stopped and the same queries run again:
// the same figures, and how many queries took longer than the deadline (there should be none).
// Queries start at most 40 a second, under each node's limit of 50 a second per asking peer.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "tests/bench/llis_queries.h"
#include "tests/support/federation.h"
#include "tests/support/nasa_centres.h"
#include "tests/bench/bench_util.h"

namespace cairn::bench {
namespace {

constexpr char kAsker[] = "nasa-hq";

struct Round {
  std::vector<double> total_ms;    // what the analyst waited
  std::vector<double> slowest_ms;  // the slowest answering node, as the asker measured it
  std::vector<double> overhead_ms;
  int past_deadline = 0;
  int not_ok = 0;  // node outcomes other than OK
};

Round Run(testing::Federation& federation, const std::vector<BenchQuery>& queries,
          uint32_t deadline_ms) {
  Round round;
  auto analyst = federation.node(kAsker).ClientFor("bob");
  absl::Time next_start = absl::Now();
  for (const BenchQuery& query : queries) {
    absl::SleepFor(next_start - absl::Now());
    next_start = std::max(absl::Now(), next_start) + absl::Milliseconds(25);
    v1::FederatedSearchRequest request;
    request.set_query(query.cairn);
    request.set_page_size(10);
    request.set_deadline_ms(deadline_ms);
    double slowest = 0;
    absl::Time start = absl::Now();
    absl::Status finished = analyst->FederatedSearch(request, [&](const v1::FederatedSearchEvent& event) {
      if (!event.has_result()) return;
      for (const v1::PeerOutcome& outcome : event.result().peers()) {
        if (outcome.state() == v1::PeerOutcome::OK) {
          slowest = std::max(slowest, outcome.latency_ms());
        } else {
          ++round.not_ok;
        }
      }
    });
    double total = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (!finished.ok()) {
      std::fprintf(stderr, "%s: %s\n", query.cairn.c_str(), finished.ToString().c_str());
      std::exit(1);
    }
    round.total_ms.push_back(total);
    round.slowest_ms.push_back(slowest);
    round.overhead_ms.push_back(total - slowest);
    round.past_deadline += total > deadline_ms;
  }
  return round;
}

void Report(const char* name, const Round& round) {
  std::printf("%s\n", name);
  for (const auto& [label, values] : {std::pair{"federated query, as the analyst waits", &round.total_ms},
                                      std::pair{"slowest node's answer", &round.slowest_ms},
                                      std::pair{"fan-out overhead (difference)", &round.overhead_ms}}) {
    std::printf("  %-38s p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms\n", label,
                Percentile(*values, 0.5), Percentile(*values, 0.99), Percentile(*values, 1.0));
  }
}

int Run(int argc, char** argv) {
  int query_count = 1000;
  int deadline_ms = 2000;
  ParseIntFlags(argc, argv, {{"queries", &query_count}, {"deadline-ms", &deadline_ms}});
  std::optional<std::string> llis = LlisOrSkip();
  if (!llis) return 0;
  std::vector<std::string> orgs = testing::NasaCentres();
  testing::Federation federation(orgs);
  std::vector<v1::Lesson> all;
  for (const auto& [org, lessons] : testing::NasaCentreLessons(*llis)) {
    federation.Import(org, lessons);
    all.insert(all.end(), lessons.begin(), lessons.end());
  }
  for (const std::string& org : orgs) {
    if (org != kAsker) federation.AllowQueries(org, kAsker, "export { markings: [TLP_GREEN, TLP_CLEAR] }");
  }
  std::vector<BenchQuery> queries = MakeQueries(all, query_count);
  std::printf("federated search benchmark: %zu nodes (real cairnd processes, mTLS on loopback), "
              "%zu lessons, %zu queries from %s, top 10, deadline %d ms, one query at a time\n\n",
              orgs.size(), all.size(), queries.size(), kAsker, deadline_ms);
  Run(federation, std::vector<BenchQuery>(queries.begin(), queries.begin() + std::min<size_t>(50, queries.size())),
      deadline_ms);  // warm-up: connections, caches
  Round up = Run(federation, queries, static_cast<uint32_t>(deadline_ms));
  Report("all twelve nodes up:", up);
  std::printf("  node outcomes other than ok: %d\n\n", up.not_ok);

  federation.node("nasa-jpl").Kill();
  Round down = Run(federation, queries, static_cast<uint32_t>(deadline_ms));
  Report("nasa-jpl stopped:", down);
  std::printf("  node outcomes other than ok: %d (nasa-jpl's, one in each of %zu queries)\n",
              down.not_ok, queries.size());
  std::printf("  queries that waited past the %d ms deadline: %d of %zu (longest %.1f ms)\n",
              deadline_ms, down.past_deadline + up.past_deadline, 2 * queries.size(),
              std::max(Percentile(up.total_ms, 1.0), Percentile(down.total_ms, 1.0)));
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Run(argc, argv); }
