// Lesson API benchmark: imports the 2,102 NASA LLIS lessons into a real cairnd over mTLS and
// measures point reads.
//
//   build/tests/bench/lesson_bench [--rounds N] [--reads N]
//
// Prints, for import, lessons/s per round (median, min, max) with the batched ImportLessons stream
// next to one CreateLesson call per lesson (each its own synced write) as the comparison; for
// reads, GetLesson latency p50/p90/p99/max and reads/s from one client.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "client/lesson_import.h"
#include "client/llis.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/files.h"
#include "tests/bench/bench_util.h"

namespace cairn::bench {
namespace {

void PrintRates(const char* name, const std::vector<double>& rates, const char* unit) {
  std::printf("%-34s median %9.0f %s   min %9.0f   max %9.0f   (%zu rounds)\n", name,
              Percentile(rates, 0.5), unit, *std::min_element(rates.begin(), rates.end()),
              *std::max_element(rates.begin(), rates.end()), rates.size());
}

int Run(int argc, char** argv) {
  int rounds = 5;
  int reads = 20000;
  ParseIntFlags(argc, argv, {{"rounds", &rounds}, {"reads", &reads}});
  std::optional<std::string> llis = LlisOrSkip();
  if (!llis) return 0;
  const std::string data = testing::ReadFileToString(*llis);

  testing::CairndProcess node{testing::NodeSpec{}};
  if (absl::Status started = node.Start(); !started.ok()) {
    std::fprintf(stderr, "%s\n", std::string(started.message()).c_str());
    return 1;
  }
  auto client = node.ClientFor("alice");

  std::printf("cairn lesson benchmark: %s, one cairnd over mTLS on loopback\n\n", llis->c_str());
  std::vector<double> import_rates;
  std::vector<std::string> ids;
  uint64_t imported_bytes = 0;
  for (int round = 0; round < rounds; ++round) {
    std::istringstream in(data);
    client::ImportOptions options;
    options.format = client::ImportFormat::kLlis;
    absl::Time start = absl::Now();
    auto summary = client::ImportJsonLines(*client, in, options);
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (!summary.ok() || !summary->failures.empty()) {
      std::fprintf(stderr, "import failed\n");
      return 1;
    }
    import_rates.push_back(summary->imported / seconds);
    imported_bytes = data.size();
  }
  PrintRates("import, batched stream", import_rates, "lessons/s");

  // The comparison: the same lessons one CreateLesson at a time (one synced write each).
  std::vector<v1::Lesson> lessons;
  std::istringstream lines(data);
  for (std::string line; std::getline(lines, line);) {
    lessons.push_back(*client::LessonFromLlisJson(line, v1::TLP_CLEAR));
  }
  std::vector<double> single_rates;
  const size_t single_count = std::min<size_t>(lessons.size(), 500);
  for (int round = 0; round < std::min(rounds, 3); ++round) {
    absl::Time start = absl::Now();
    for (size_t i = 0; i < single_count; ++i) {
      auto created = client->Create(lessons[i]);
      if (!created.ok()) return 1;
      ids.push_back(created->id());
    }
    single_rates.push_back(single_count / absl::ToDoubleSeconds(absl::Now() - start));
  }
  PrintRates("import, one CreateLesson each", single_rates, "lessons/s");
  std::printf("%-34s %.1fx\n", "batched / one at a time", Percentile(import_rates, 0.5) /
                                                              Percentile(single_rates, 0.5));
  std::printf("%-34s %.1f MB of LLIS JSON per round\n\n", "input", imported_bytes / 1e6);

  std::mt19937_64 random(42);
  std::vector<double> latencies_us;
  latencies_us.reserve(reads);
  absl::Time start = absl::Now();
  for (int i = 0; i < reads; ++i) {
    const std::string& id = ids[random() % ids.size()];
    absl::Time before = absl::Now();
    auto lesson = client->Get(id);
    latencies_us.push_back(absl::ToDoubleMicroseconds(absl::Now() - before));
    if (!lesson.ok()) return 1;
  }
  double read_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf("point read (GetLesson), %d reads from one client:\n", reads);
  std::printf("  p50 %.0f us   p90 %.0f us   p99 %.0f us   max %.0f us   %.0f reads/s\n",
              Percentile(latencies_us, 0.5), Percentile(latencies_us, 0.9),
              Percentile(latencies_us, 0.99), Percentile(latencies_us, 1.0),
              reads / read_seconds);
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Run(argc, argv); }
