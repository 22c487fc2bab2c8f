// What one hostile peer can cost a node: the attacks of issue 12 against a real cairnd holding
// 5,000 lessons of about 4 KB, with a real peer certificate, while a local user's health checks
// run every 20 ms. For each phase it prints the node's peak threads and resident memory and the
// health checks' p50, p99 and failures, beside the same figures for the idle node in the same run.
//
//   build/tests/bench/attack_bench [--refused N] [--never-reading N] [--more N] [--raw-streams N]
//
//   refused        Pull streams opened by a peer that may not pull (4,000)
//   never-reading  Pull streams of a peer that may, none read (200), then `more` (500); then
//                  the first message of each, to count those served
//   raw-streams    link tests (PullRaw, 1 GiB each) started at once, each read to the end, for
//                  at most 12 s (8)
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/bench/bench_util.h"
#include "tests/support/attack.h"
#include "tests/support/fake_peer.h"
#include "tests/support/federation.h"

namespace cairn::bench {
namespace {

constexpr char kNode[] = "leeds-council";
constexpr char kAllowed[] = "west-police";   // may pull
constexpr char kRefused[] = "rogue-police";  // known, may not pull

struct Phase {
  std::string name;
  long peak_threads = 0;
  long peak_rss_mb = 0;
  std::vector<double> health_ms;
  int health_failures = 0;
  std::string note;
};

class Sampler {
 public:
  explicit Sampler(pid_t pid) : pid_(pid) {}
  void Sample(Phase* phase) const {
    phase->peak_threads = std::max(phase->peak_threads, testing::ProcessThreads(pid_));
    phase->peak_rss_mb = std::max(phase->peak_rss_mb, testing::ProcessRssMb(pid_));
  }
  // Samples every 10 ms for `how_long`.
  void Watch(Phase* phase, absl::Duration how_long) const {
    absl::Time end = absl::Now() + how_long;
    while (absl::Now() < end) {
      Sample(phase);
      absl::SleepFor(absl::Milliseconds(10));
    }
  }

 private:
  pid_t pid_;
};

void Print(const Phase& phase) {
  std::printf("  %-44s %8ld %8ld %9.1f %9.1f %6d  %s\n", phase.name.c_str(), phase.peak_threads,
              phase.peak_rss_mb, Percentile(phase.health_ms, 0.5), Percentile(phase.health_ms, 0.99),
              phase.health_failures, phase.note.c_str());
}

int Main(int argc, char** argv) {
  int refused = 4000, never_reading = 200, more = 500, raw_streams = 8;
  ParseIntFlags(argc, argv, {{"refused", &refused}, {"never-reading", &never_reading},
                             {"more", &more}, {"raw-streams", &raw_streams}});
  testing::Federation federation({kNode});
  std::vector<v1::Lesson> lessons;
  for (int i = 0; i < 5000; ++i) {
    v1::Lesson lesson;
    lesson.set_title(absl::StrCat("Radio battery lesson ", i));
    lesson.set_lesson(std::string(4000, static_cast<char>('a' + i % 26)));
    lesson.set_marking(v1::TLP_CLEAR);
    lessons.push_back(std::move(lesson));
  }
  if (federation.Import(kNode, lessons).size() != lessons.size()) return 1;
  auto admin = federation.Admin(kNode);
  v1::Peer allowed;
  allowed.set_org_id(kAllowed);
  allowed.set_may_pull(true);
  v1::Peer rogue;
  rogue.set_org_id(kRefused);
  if (!admin->PutPeer(allowed).ok() || !admin->PutPeer(rogue).ok() ||
      !admin->SetPolicyText(kAllowed, "export { markings: [TLP_CLEAR] }").ok()) {
    return 1;
  }
  const std::string address = federation.node(kNode).address();
  const pid_t pid = federation.node(kNode).pid();
  Sampler sampler(pid);
  auto node_credentials = [](const char* org) {
    return server::MakePeerChannelCredentials(testing::NodeTls(testing::TestPki::Shared(), org));
  };
  auto user_channel = client::OpenChannel(federation.node(kNode).ConnectionFor("bob"));
  if (!user_channel.ok()) return 1;

  std::vector<Phase> phases;
  // Runs `attack` with a health probe and a sampler going, for at least `watch` after it.
  auto run = [&](const std::string& name, const std::function<void(Phase*)>& attack,
                 absl::Duration watch) {
    Phase phase;
    phase.name = name;
    testing::HealthProbe health(*user_channel);
    std::thread sampling([&] { sampler.Watch(&phase, watch); });
    attack(&phase);
    sampling.join();
    health.Stop();
    phase.health_ms = health.latencies();
    phase.health_failures = health.failures();
    phases.push_back(phase);
    Print(phases.back());
  };

  std::printf("cairnd under attack by one peer (5,000 lessons of 4 KB held)\n");
  std::printf("  %-44s %8s %8s %9s %9s %6s\n", "phase", "threads", "RSS MB", "health50",
              "health99", "failed");
  run("idle", [](Phase*) {}, absl::Seconds(3));
  run(absl::StrCat(refused, " Pulls from a peer that may not pull"), [&](Phase* phase) {
    testing::PullStreams streams;
    streams.Open(address, node_credentials(kRefused), refused);
    int denied = 0;
    for (auto& reader : streams.readers) {
      denied += reader->Finish().error_code() == grpc::StatusCode::PERMISSION_DENIED;
    }
    phase->note = absl::StrCat(denied, " refused");
  }, absl::Seconds(3));
  {
    testing::PullStreams streams;  // kept open through both phases
    auto credentials = node_credentials(kAllowed);
    run(absl::StrCat(never_reading, " never-reading Pulls of a peer that may"), [&](Phase*) {
      streams.Open(address, credentials, never_reading);
    }, absl::Seconds(5));
    run(absl::StrCat("... and ", more, " more"), [&](Phase* phase) {
      streams.Open(address, credentials, more);
      int served = 0;
      for (auto& reader : streams.readers) {
        v1::PullResponse response;
        if (reader->Read(&response)) {
          ++served;
        } else {
          (void)reader->Finish();
        }
      }
      phase->note = absl::StrCat(served, " of ", streams.readers.size(), " served, the rest refused");
    }, absl::Seconds(5));
    for (auto& context : streams.contexts) context->TryCancel();
  }
  run(absl::StrCat(raw_streams, " reading link tests of 1 GiB at once"), [&](Phase* phase) {
    auto stub = v1::ReplicationService::NewStub(
        testing::PullStreams::Connect(address, node_credentials(kAllowed)));
    std::vector<std::thread> readers;
    std::atomic<uint64_t> bytes{0};
    std::atomic<int> admitted{0};
    absl::Time start = absl::Now();
    for (int i = 0; i < raw_streams; ++i) {
      readers.emplace_back([&] {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(12));
        v1::PullRawRequest request;
        request.set_total_bytes(1ull << 30);
        request.set_chunk_bytes(1 << 20);
        auto reader = stub->PullRaw(&context, request);
        v1::RawChunk chunk;
        bool first = true;
        while (reader->Read(&chunk)) {
          if (first) ++admitted;
          first = false;
          bytes += chunk.data().size();
        }
        (void)reader->Finish();
      });
    }
    for (std::thread& reader : readers) reader.join();
    phase->note = absl::StrCat(admitted.load(), " admitted, ", bytes.load() >> 20, " MiB in ",
                               absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Milliseconds(100))));
  }, absl::Seconds(3));
  const Phase& idle = phases.front();
  long worst_threads = 0, worst_rss = 0;
  double worst_p99 = 0;
  for (const Phase& phase : phases) {
    worst_threads = std::max(worst_threads, phase.peak_threads);
    worst_rss = std::max(worst_rss, phase.peak_rss_mb);
    worst_p99 = std::max(worst_p99, Percentile(phase.health_ms, 0.99));
  }
  std::printf("worst under attack: %ld threads (idle %ld), %ld MB (idle %ld), health-check p99 "
              "%.1f ms (idle %.1f ms, %.1fx)\n",
              worst_threads, idle.peak_threads, worst_rss, idle.peak_rss_mb, worst_p99,
              Percentile(idle.health_ms, 0.99),
              worst_p99 / std::max(0.001, Percentile(idle.health_ms, 0.99)));
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Main(argc, argv); }
