// What metrics cost a search: two real cairnd processes holding the same 2,102 NASA LLIS lessons,
// one serving metrics (every call timed by the interceptor, every search observed, /metrics scraped
// once a second meanwhile) and one without, asked the same queries in the same run, taking turns.
//
//   build/tests/bench/metrics_bench [--queries N] [--rounds N]
//
// Prints search latency p50 and p99 over mTLS for each node, per round and overall, the ratio
// (metrics on / off), and what one scrape costs (p50 time and size).
#include <atomic>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/llis_node.h"
#include "tests/bench/llis_queries.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/files.h"
#include "tests/support/metrics_scrape.h"

namespace cairn::bench {
namespace {

int Run(int argc, char** argv) {
  int query_count = 2000;
  int rounds = 3;
  ParseIntFlags(argc, argv, {{"queries", &query_count}, {"rounds", &rounds}});
  std::optional<std::string> llis = LlisOrSkip();
  if (!llis) return 0;
  const std::string data = testing::ReadFileToString(*llis);
  const std::vector<v1::Lesson> lessons = LlisLessons(data);
  const std::vector<BenchQuery> queries = MakeQueries(lessons, query_count);

  testing::NodeSpec plain_spec;
  testing::NodeSpec metered_spec;
  metered_spec.org_id = "west-police";
  testing::CairndProcess plain(plain_spec);
  testing::CairndProcess metered(metered_spec);
  metered.EnableMetrics();
  if (!StartWithLlis(plain, data) || !StartWithLlis(metered, data)) return 1;
  auto plain_client = plain.ClientFor("bob");
  auto metered_client = metered.ClientFor("bob");

  // Prometheus scrapes every 15 s or so; once a second here, to be sure scrapes overlap searches.
  std::atomic<bool> stop = false;
  std::vector<double> scrape_ms;
  size_t scrape_bytes = 0;
  std::thread scraper([&] {
    while (!stop) {
      absl::Time start = absl::Now();
      absl::StatusOr<std::string> text = testing::HttpGet(metered.metrics_port(), "/metrics");
      scrape_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
      if (text.ok()) scrape_bytes = text->size();
      for (int i = 0; i < 100 && !stop; ++i) absl::SleepFor(absl::Milliseconds(10));
    }
  });

  std::printf(
      "metrics overhead: %zu LLIS lessons in each of two cairnd, %d queries a round, top 10, one "
      "client each over mTLS, taking turns\n\n",
      lessons.size(), query_count);
  auto ask = [&](client::LessonClient& client, const BenchQuery& query) {
    v1::SearchRequest request;
    request.set_query(query.cairn);
    request.set_page_size(10);
    absl::Time start = absl::Now();
    bool ok = client.Search(request).ok();
    double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
    return ok ? ms : -1;
  };
  for (size_t i = 0; i < std::min<size_t>(200, queries.size()); ++i) {  // warm-up
    ask(*plain_client, queries[i]);
    ask(*metered_client, queries[i]);
  }
  std::vector<double> all_off, all_on;
  for (int round = 0; round < rounds; ++round) {
    std::vector<double> off, on;
    for (size_t i = 0; i < queries.size(); ++i) {
      // Alternate which node goes first, so neither always follows the other's work.
      bool plain_first = (i + round) % 2 == 0;
      double first = ask(plain_first ? *plain_client : *metered_client, queries[i]);
      double second = ask(plain_first ? *metered_client : *plain_client, queries[i]);
      if (first < 0 || second < 0) {
        std::fprintf(stderr, "query failed: %s\n", queries[i].cairn.c_str());
        stop = true;
        scraper.join();
        return 1;
      }
      (plain_first ? off : on).push_back(first);
      (plain_first ? on : off).push_back(second);
    }
    std::printf(
        "round %d: metrics off p50 %.3f ms p99 %.3f ms | on p50 %.3f ms p99 %.3f ms | on/off p50 "
        "%.3f p99 %.3f\n",
        round + 1, Percentile(off, 0.5), Percentile(off, 0.99), Percentile(on, 0.5),
        Percentile(on, 0.99), Percentile(on, 0.5) / Percentile(off, 0.5),
        Percentile(on, 0.99) / Percentile(off, 0.99));
    all_off.insert(all_off.end(), off.begin(), off.end());
    all_on.insert(all_on.end(), on.begin(), on.end());
  }
  stop = true;
  scraper.join();
  std::printf("\nall rounds: metrics off p50 %.3f ms p99 %.3f ms | on p50 %.3f ms p99 %.3f ms\n",
              Percentile(all_off, 0.5), Percentile(all_off, 0.99), Percentile(all_on, 0.5),
              Percentile(all_on, 0.99));
  std::printf("on / off: p50 %.3f, p99 %.3f\n", Percentile(all_on, 0.5) / Percentile(all_off, 0.5),
              Percentile(all_on, 0.99) / Percentile(all_off, 0.99));
  std::printf("scrapes during the run: %zu, p50 %.2f ms, %zu bytes each\n", scrape_ms.size(),
              Percentile(scrape_ms, 0.5), scrape_bytes);
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Run(argc, argv); }
