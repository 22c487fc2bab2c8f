// Alerts benchmark, with real cairnd processes over mTLS on loopback.
//
//   build/tests/bench/alert_bench [--lessons N] [--searches N] [--rounds N] [--probes N]
//
// 1. Replication throughput with and without saved searches: N lessons (default 20,000: the NASA
//    LLIS lessons repeated with distinct titles) imported at the police, then replicated to a
//    fresh council node, rounds taking turns between a council that holds no saved searches, one
//    that holds S (default 10,000, spread over 100 users, stored before it starts) phrases of two
//    to four LLIS title words, and one that holds S searches of the same words all required
//    anywhere. Median lessons/s of each: until stored, and until the alerter had matched every
//    lesson too (the metric cairn_alerts_behind_changes back at 0); their ratios to none; and
//    the alerts a lesson.
// 2. Alert latency: with the S phrases in place, a watcher at the council follows its
//    alerts (StreamAlerts) for one saved search; the police write P lessons (default 300) it
//    matches, one at a time; each is timed from the write's call to the alert's arrival.
#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "cairn/v1/alert_service.pb.h"
#include "client/admin_client.h"
#include "client/llis.h"
#include "node/storage/store.h"
#include "tests/bench/bench_nodes.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/llis_queries.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/files.h"
#include "tests/support/metrics_scrape.h"

namespace cairn::bench {
namespace {

using testing::CairndProcess;
using testing::NodeSpec;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "alert_bench: %s\n", what.c_str());
  std::exit(1);
}

// A node of `org`; its store first holds `searches` (for owners user0..user99) when given.
std::unique_ptr<CairndProcess> StartNode(const std::string& org,
                                         const std::vector<std::string>& searches = {}) {
  NodeSpec spec;
  spec.org_id = org;
  auto node = std::make_unique<CairndProcess>(spec);
  if (!searches.empty()) {
    auto store = Store::Open(node->data_dir());
    if (!store.ok()) Fail(store.status().ToString());
    StoreBatch batch;
    for (size_t i = 0; i < searches.size(); ++i) {
      v1::Watch watch;
      watch.set_id(absl::StrCat("w", i));
      watch.set_owner(absl::StrCat("user", i % 100));
      watch.set_query(searches[i]);
      watch.set_all_words(true);
      batch.PutWatch(watch);
    }
    if (!(*store)->Commit(batch).ok()) Fail("storing the saved searches");
  }
  node->EnableMetrics();
  if (absl::Status started = node->Start(); !started.ok()) Fail(std::string(started.message()));
  return node;
}

double Metric(const CairndProcess& node, const std::string& name) {
  absl::StatusOr<std::string> text = testing::HttpGet(node.metrics_port(), "/metrics");
  if (!text.ok()) return -1;
  absl::StatusOr<testing::Exposition> scraped = testing::Exposition::Parse(*text);
  return scraped.ok() ? scraped->Sum(name) : -1;
}

struct Round {
  double lessons_per_second = 0;      // until the last lesson was stored
  double matched_per_second = 0;      // until the alerter had matched it too
  double alerts_settled_seconds = 0;  // after the last lesson was stored
  double alerts = 0;                  // stored by the alerter
};

Round ReplicateTo(const CairndProcess& sender, const CairndProcess& receiver, uint64_t target,
                  int count) {
  Round round;
  absl::Time start = absl::Now();
  Link(sender, receiver);
  auto receiver_admin = Admin(receiver);
  uint64_t applied = 0;
  while (absl::Now() - start < absl::Minutes(20)) {
    auto status = receiver_admin->ReplicationStatus();
    if (status.ok() && status->peers_size() == 1) {
      applied = status->peers(0).lessons_applied();
      if (status->peers(0).cursor() >= target && applied >= static_cast<uint64_t>(count)) break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  const absl::Time replicated = absl::Now();
  round.lessons_per_second = applied / absl::ToDoubleSeconds(replicated - start);
  while (Metric(receiver, "cairn_alerts_behind_changes") != 0 &&
         absl::Now() - replicated < absl::Minutes(20)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  round.alerts_settled_seconds = absl::ToDoubleSeconds(absl::Now() - replicated);
  round.matched_per_second = applied / absl::ToDoubleSeconds(absl::Now() - start);
  round.alerts = Metric(receiver, "cairn_alerts_total");
  return round;
}

void ImportAt(const CairndProcess& node, const std::vector<v1::Lesson>& llis, int count) {
  auto editor = node.ClientFor("alice");
  int next = 0;
  absl::Status imported = editor->Import(
      [&](v1::ImportLessonsRequest* request) {
        while (next < count && request->items_size() < 200) {
          v1::Lesson lesson = llis[next % llis.size()];
          int round = next / static_cast<int>(llis.size());
          lesson.set_title(absl::StrCat(lesson.title(), " (", round, ")"));
          *request->add_items()->mutable_lesson() = std::move(lesson);
          ++next;
        }
        return request->items_size() > 0;
      },
      [](const v1::ImportLessonsResponse&) {});
  if (!imported.ok()) Fail(imported.ToString());
}

// A set of saved searches, as the benchmark names it.
struct Workload {
  std::string name;
  std::vector<std::string> searches;
};

void Throughput(const std::vector<v1::Lesson>& llis, const std::vector<Workload>& workloads,
                int count, int rounds) {
  auto sender = StartNode("west-police");
  ImportAt(*sender, llis, count);
  const uint64_t target = Admin(*sender)->ReplicationStatus()->last_sequence();
  std::printf(
      "throughput: %d lessons replicated from the police to a fresh council node, "
      "rounds taking turns\n",
      count);
  // Index 0: no saved searches; then each workload.
  const size_t kinds = workloads.size() + 1;
  std::vector<std::vector<double>> stored(kinds), matched(kinds), settled(kinds), alerts(kinds);
  for (int r = 0; r < rounds * static_cast<int>(kinds); ++r) {
    const size_t kind = r % kinds;
    const std::vector<std::string> none;
    const std::vector<std::string>& searches = kind == 0 ? none : workloads[kind - 1].searches;
    auto receiver = StartNode(absl::StrCat("leeds-council-", r), searches);
    Round round = ReplicateTo(*sender, *receiver, target, count);
    stored[kind].push_back(round.lessons_per_second);
    matched[kind].push_back(round.matched_per_second);
    settled[kind].push_back(round.alerts_settled_seconds);
    alerts[kind].push_back(round.alerts);
    std::printf(
        "  round %d, %s: %.0f lessons/s stored, %.0f stored and matched (the alerter "
        "done %.2f s after the last lesson; %.0f alerts)\n",
        r + 1, kind == 0 ? "no saved searches" : workloads[kind - 1].name.c_str(),
        round.lessons_per_second, round.matched_per_second, round.alerts_settled_seconds,
        round.alerts);
  }
  const double base = Percentile(stored[0], 0.5);
  std::printf("  medians: no saved searches %.0f lessons/s\n", base);
  for (size_t kind = 1; kind < kinds; ++kind) {
    std::printf(
        "  medians: %s: %.0f lessons/s stored (ratio %.2f), %.0f stored and matched "
        "against every saved search (ratio %.2f, goal >= 0.8); the alerter done %.2f s "
        "after the last lesson; %.1f alerts a lesson\n",
        workloads[kind - 1].name.c_str(), Percentile(stored[kind], 0.5),
        Percentile(stored[kind], 0.5) / base, Percentile(matched[kind], 0.5),
        Percentile(matched[kind], 0.5) / base, Percentile(settled[kind], 0.5),
        Percentile(alerts[kind], 0.5) / count);
  }
}

void Latency(const std::vector<std::string>& searches, int probes) {
  auto police = StartNode("west-police");
  auto council = StartNode("leeds-council", searches);
  Link(*police, *council);
  auto watcher = council->ClientFor("bob");
  v1::AddWatchRequest watch;
  watch.set_query("latency probe");
  watch.set_all_words(true);
  if (!watcher->AddWatch(watch).ok()) Fail("saving the probe's search");
  absl::Mutex mu;
  std::map<std::string, absl::Time> arrived;
  std::thread following([&] {
    (void)watcher->StreamAlerts(0, [&](const v1::AlertEvent& event) {
      if (!event.has_alert()) return true;
      absl::MutexLock lock(&mu);
      arrived[event.alert().title()] = absl::Now();
      return static_cast<int>(arrived.size()) < probes + 1;
    });
  });
  auto editor = police->ClientFor("alice");
  std::vector<double> latencies_ms;
  for (int i = 0; i <= probes; ++i) {  // the first warms the link up and is not counted
    v1::Lesson lesson;
    const std::string title = absl::StrCat("Latency probe ", i);
    lesson.set_title(title);
    lesson.set_marking(v1::TLP_GREEN);
    const absl::Time start = absl::Now();
    if (!editor->Create(lesson).ok()) Fail("writing a probe");
    auto here = [&] { return arrived.contains(title); };
    absl::MutexLock lock(&mu);
    if (!mu.AwaitWithTimeout(absl::Condition(&here), absl::Seconds(30))) Fail("a probe got lost");
    if (i > 0) latencies_ms.push_back(absl::ToDoubleMilliseconds(arrived[title] - start));
  }
  following.join();
  std::printf(
      "alert latency, %d probes, from the police's write to the council watcher's alert "
      "(one hop, %zu saved searches there): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms "
      "(goal p99 < 100 ms), max %.1f ms\n",
      probes, searches.size() + 1, Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.9),
      Percentile(latencies_ms, 0.99), Percentile(latencies_ms, 1.0));
}

int Run(int argc, char** argv) {
  int lessons = 20'000, search_count = 10'000, rounds = 3, probes = 300;
  ParseIntFlags(argc, argv,
                {{"lessons", &lessons},
                 {"searches", &search_count},
                 {"rounds", &rounds},
                 {"probes", &probes}});
  std::optional<std::string> path = LlisOrSkip();
  if (!path) return 0;
  std::vector<v1::Lesson> llis;
  std::istringstream lines(testing::ReadFileToString(*path));
  for (std::string line; std::getline(lines, line);) {
    llis.push_back(*client::LessonFromLlisJson(line, v1::TLP_CLEAR));
  }
  // Saved searches name a subject, not a single word (one common word alone would alert on most
  // of these long lessons): a phrase of two to four title words, or the same words all required
  // anywhere in the lesson (many more lessons match those).
  Workload phrases{absl::StrCat(search_count, " phrases"), {}};
  Workload words{absl::StrCat(search_count, " searches of every word"), {}};
  for (const BenchQuery& query : MakeQueries(llis, 8 * search_count)) {
    if (static_cast<int>(words.searches.size()) == search_count) break;
    std::string text = query.cairn.substr(0, query.cairn.find(" topic:"));
    if (text.find(' ') == std::string::npos) continue;
    words.searches.push_back(text);
    text.erase(std::remove(text.begin(), text.end(), '"'), text.end());
    phrases.searches.push_back(absl::StrCat("\"", text, "\""));
  }
  std::printf("alert benchmark: real cairnd processes, mTLS on loopback\n\n");
  Throughput(llis, {phrases, words}, lessons, std::max(rounds, 1));
  Latency(phrases.searches, probes);
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Run(argc, argv); }
