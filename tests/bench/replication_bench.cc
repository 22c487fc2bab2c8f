// Replication benchmark, with real cairnd processes over mTLS on loopback.
//
//   build/tests/bench/replication_bench [--lessons N] [--edits N] [--rounds N]
//
// 1. Convergence: a council -> police -> NHS chain; N edits (default 1,000) at the council, each
//    timed until readable at the police (one hop) and at the NHS trust (two hops): p50, p90, p99.
// 2. Throughput: N lessons (default 100,000: the NASA LLIS lessons repeated with distinct ids and
//    varied text) imported at one node, then replicated to a second (signed by the sender,
//    verified and stored durably by the receiver), in N rounds (default 3) to a fresh node each
//    time: lessons/s and MB/s, median and range, and CPU per lesson at each end. In the same run,
//    the same number of bytes pulled over a bare gRPC stream on the same mTLS link between the
//    same two processes (`cairn peer link-test`): the physical limit, and the ratio.
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/admin_client.h"
#include "client/llis.h"
#include "node/crypto/provenance.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/files.h"
#include "tests/support/test_pki.h"
#include "tests/bench/bench_nodes.h"
#include "tests/bench/bench_util.h"

namespace cairn::bench {
namespace {

using testing::CairndProcess;
using testing::NodeSpec;

std::unique_ptr<CairndProcess> StartNode(const std::string& org) {
  NodeSpec spec;
  spec.org_id = org;
  auto node = std::make_unique<CairndProcess>(spec);
  if (absl::Status started = node->Start(); !started.ok()) {
    std::fprintf(stderr, "%s\n", std::string(started.message()).c_str());
    std::exit(1);
  }
  return node;
}

// Waits until `reader` sees `id` at `version` or later; false after 30 seconds.
bool AwaitVersion(client::LessonClient& reader, const std::string& id, uint64_t version) {
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    absl::StatusOr<v1::Lesson> lesson = reader.Get(id);
    if (lesson.ok() && lesson->version() >= version) return true;
  }
  return false;
}

void Convergence(int edits) {
  auto council = StartNode("leeds-council");
  auto police = StartNode("west-police");
  auto nhs = StartNode("leeds-nhs");
  Link(*council, *police);
  Link(*police, *nhs);
  auto editor = council->ClientFor("alice");
  auto at_police = police->ClientFor("bob");
  auto at_nhs = nhs->ClientFor("bob");
  v1::Lesson draft;
  draft.set_title("Convergence probe");
  draft.set_marking(v1::TLP_CLEAR);
  v1::Lesson lesson = *editor->Create(draft);
  AwaitVersion(*at_nhs, lesson.id(), 1);
  std::vector<double> one_hop_ms, two_hops_ms;
  for (int i = 0; i < edits; ++i) {
    lesson.set_summary(absl::StrCat("edit ", i));
    absl::Time start = absl::Now();
    lesson = *editor->Update(lesson);
    if (!AwaitVersion(*at_police, lesson.id(), lesson.version())) break;
    one_hop_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    if (!AwaitVersion(*at_nhs, lesson.id(), lesson.version())) break;
    two_hops_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  std::printf("convergence over %zu edits (from the edit's call until readable there):\n",
              two_hops_ms.size());
  for (const auto& [name, values] : {std::pair{"one hop (police)", &one_hop_ms},
                                     std::pair{"two hops (NHS trust)", &two_hops_ms}}) {
    std::printf("  %-22s p50 %6.1f ms   p90 %6.1f ms   p99 %6.1f ms   max %6.1f ms\n", name,
                Percentile(*values, 0.5), Percentile(*values, 0.9), Percentile(*values, 0.99),
                Percentile(*values, 1.0));
  }
}

// Signature verification alone, on one core, over LLIS lessons signed by a node key: the receiver
// must do this once per lesson, so twice this rate bounds replication on two cores.
double VerificationsPerSecond(const std::vector<v1::Lesson>& llis) {
  testing::TestPki pki;
  testing::CertPaths council = pki.Node("leeds-council");
  auto signer = *LessonSigner::Load(council.cert, council.key);
  auto verifier = *LessonVerifier::Load(pki.ca_file(), pki.federation());
  std::vector<v1::Lesson> signed_lessons;
  for (size_t i = 0; i < std::min<size_t>(llis.size(), 2000); ++i) {
    v1::Lesson lesson = llis[i];
    lesson.set_id(absl::StrCat("leeds-council:01ARZ3NDEKTSV4RRFFQ69", 10000 + i));
    lesson.set_origin_org("leeds-council");
    lesson.set_version(1);
    (void)signer->Sign(&lesson);
    signed_lessons.push_back(std::move(lesson));
  }
  std::vector<double> rates;
  for (int round = 0; round < 5; ++round) {
    absl::Time start = absl::Now();
    for (const v1::Lesson& lesson : signed_lessons) {
      if (!verifier->Verify(lesson).ok()) std::abort();
    }
    rates.push_back(signed_lessons.size() / absl::ToDoubleSeconds(absl::Now() - start));
  }
  return Percentile(rates, 0.5);
}

// One replication of everything `sender` holds to a fresh node.
struct Round {
  double seconds = 0;
  uint64_t applied = 0;
  double receiver_cpu = 0;  // CPU seconds, all threads
  double sender_cpu = 0;
  double lessons_per_second() const { return applied / seconds; }
};

Round ReplicateTo(const CairndProcess& sender, const CairndProcess& receiver, uint64_t target,
                  int count) {
  Round round;
  double sender_cpu_start = CpuSeconds(sender.pid());
  double receiver_cpu_start = CpuSeconds(receiver.pid());
  absl::Time start = absl::Now();
  Link(sender, receiver);
  auto receiver_admin = Admin(receiver);
  while (absl::Now() - start < absl::Minutes(20)) {
    auto status = receiver_admin->ReplicationStatus();
    if (status.ok() && status->peers_size() == 1) {
      round.applied = status->peers(0).lessons_applied();
      if (status->peers(0).cursor() >= target && round.applied >= static_cast<uint64_t>(count)) {
        break;
      }
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  round.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  round.sender_cpu = CpuSeconds(sender.pid()) - sender_cpu_start;
  round.receiver_cpu = CpuSeconds(receiver.pid()) - receiver_cpu_start;
  return round;
}

void Throughput(int count, int rounds, const std::string& llis_path) {
  auto sender = StartNode("leeds-council");
  std::vector<v1::Lesson> llis;
  std::istringstream lines(testing::ReadFileToString(llis_path));
  for (std::string line; std::getline(lines, line);) {
    llis.push_back(*client::LessonFromLlisJson(line, v1::TLP_CLEAR));
  }
  double verify_rate = VerificationsPerSecond(llis);
  auto editor = sender->ClientFor("alice");
  uint64_t payload_bytes = 0;
  int next = 0;
  absl::Time import_start = absl::Now();
  absl::Status imported = editor->Import(
      [&](v1::ImportLessonsRequest* request) {
        size_t bytes = 0;
        while (next < count && request->items_size() < 200 && bytes < 1'000'000) {
          v1::Lesson lesson = llis[next % llis.size()];
          int round = next / static_cast<int>(llis.size());
          lesson.set_title(absl::StrCat(lesson.title(), " (", round, ")"));
          lesson.set_summary(absl::StrCat("Round ", round, ": ", lesson.summary()));
          bytes += lesson.ByteSizeLong();
          *request->add_items()->mutable_lesson() = std::move(lesson);
          ++next;
        }
        payload_bytes += bytes;
        return request->items_size() > 0;
      },
      [](const v1::ImportLessonsResponse&) {});
  if (!imported.ok()) {
    std::fprintf(stderr, "import failed: %s\n", imported.ToString().c_str());
    return;
  }
  double import_seconds = absl::ToDoubleSeconds(absl::Now() - import_start);
  uint64_t target = Admin(*sender)->ReplicationStatus()->last_sequence();
  std::printf("\nthroughput: %d lessons (%.0f MB of lessons) imported at the sender in %.1f s\n",
              count, payload_bytes / 1e6, import_seconds);

  // Each round replicates everything to a new, empty node: the machine is shared and noisy, so
  // the median round is the figure to quote.
  std::vector<double> rates, receiver_cpu, sender_cpu;
  std::unique_ptr<CairndProcess> receiver;
  for (int r = 1; r <= rounds; ++r) {
    receiver.reset();
    receiver = StartNode(absl::StrCat("west-police-", r));
    Round round = ReplicateTo(*sender, *receiver, target, count);
    rates.push_back(round.lessons_per_second());
    receiver_cpu.push_back(round.receiver_cpu / round.applied * 1e6);
    sender_cpu.push_back(round.sender_cpu / round.applied * 1e6);
    // CPU per lesson shows where the work went; "cores busy" how much of the machine it had.
    std::printf("  round %d: %llu lessons in %.1f s = %.0f lessons/s; CPU per lesson: receiver "
                "%.0f us (%.2f cores busy), sender %.0f us (%.2f cores)\n",
                r, static_cast<unsigned long long>(round.applied), round.seconds,
                round.lessons_per_second(), receiver_cpu.back(), round.receiver_cpu / round.seconds,
                sender_cpu.back(), round.sender_cpu / round.seconds);
  }
  double rate = Percentile(rates, 0.5);
  double lesson_bytes = static_cast<double>(payload_bytes) / count;
  double replicated_mb_s = rate * lesson_bytes / 1e6;
  std::printf("  replication (median of %d rounds): %.0f lessons/s (min %.0f, max %.0f), %.1f MB/s "
              "of lessons (signed at the sender, verified and synced at the receiver); CPU per "
              "lesson: receiver %.0f us, sender %.0f us\n",
              rounds, rate, Percentile(rates, 0), Percentile(rates, 1), replicated_mb_s,
              Percentile(receiver_cpu, 0.5), Percentile(sender_cpu, 0.5));
  auto link = Admin(*receiver)->TestPeerLink(sender->spec().org_id, payload_bytes,
                                             absl::Minutes(10));
  if (!link.ok()) {
    std::fprintf(stderr, "link test failed: %s\n", link.status().ToString().c_str());
    return;
  }
  std::printf("  bare stream:  the same %.0f MB over PullRaw between the same processes in "
              "%.1f s = %.1f MB/s\n",
              payload_bytes / 1e6, link->seconds(), link->megabytes_per_second());
  std::printf("  replication / bare stream: %.2f\n",
              replicated_mb_s / link->megabytes_per_second());
  std::printf("  signature verification alone: %.0f lessons/s on one core (median of 5 rounds); "
              "on both cores at most %.0f lessons/s = %.2f of the bare stream\n",
              verify_rate, 2 * verify_rate,
              2 * verify_rate * lesson_bytes / 1e6 / link->megabytes_per_second());
  std::printf("  replication / verification ceiling: %.2f\n", rate / (2 * verify_rate));
}

int Run(int argc, char** argv) {
  int lessons = 100'000;
  int edits = 1000;
  int rounds = 3;
  ParseIntFlags(argc, argv, {{"lessons", &lessons}, {"edits", &edits}, {"rounds", &rounds}});
  std::optional<std::string> llis = LlisOrSkip();
  if (!llis) return 0;
  std::printf("replication benchmark: real cairnd processes, mTLS on loopback\n\n");
  Convergence(edits);
  Throughput(lessons, std::max(rounds, 1), *llis);
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Run(argc, argv); }
