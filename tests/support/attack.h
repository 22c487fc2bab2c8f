// Measuring what an attack costs a real cairnd: its threads and resident memory, read from /proc,
// and how its gRPC health check answers meanwhile. Shared by the attack tests and attack_bench.
#ifndef CAIRN_TESTS_SUPPORT_ATTACK_H_
#define CAIRN_TESTS_SUPPORT_ATTACK_H_

#include <sys/types.h>

#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "cairn/v1/replication.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "server/security.h"

namespace cairn::testing {

// A number from /proc/PID/status ("Threads:", "VmRSS:" in kB, ...); -1 when unreadable.
inline long ProcStatus(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
  }
  return -1;
}
inline long ProcessThreads(pid_t pid) { return ProcStatus(pid, "Threads:"); }
inline long ProcessRssMb(pid_t pid) { return ProcStatus(pid, "VmRSS:") / 1024; }

// Pull streams opened by one peer, reading nothing, each connection carrying up to 50.
struct PullStreams {
  std::vector<std::unique_ptr<v1::ReplicationService::Stub>> stubs;  // one per connection
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::PullResponse>>> readers;

  // A connection of its own to `address` as the node whose `credentials` they are, taking
  // batches as large as a puller's.
  static std::shared_ptr<grpc::Channel> Connect(
      const std::string& address, const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(8 << 20);
    // The attacker's own windows stay small (64 KiB a stream), so what its streams leave unread
    // does not pile up in this process.
    arguments.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    return server::NewPeerChannel(address, credentials, arguments);
  }

  // Opens `count` more; `after_each` runs after each open (to sample the node, say).
  void Open(const std::string& address,
            const std::shared_ptr<grpc::ChannelCredentials>& credentials, int count,
            const std::function<void()>& after_each = [] {}) {
    for (int i = 0; i < count; ++i) {
      if (readers.size() % 50 == 0) {
        stubs.push_back(v1::ReplicationService::NewStub(Connect(address, credentials)));
      }
      auto context = std::make_unique<grpc::ClientContext>();
      context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
      v1::PullRequest request;
      request.set_max_batch_lessons(2000);
      request.set_max_batch_bytes(6 << 20);
      readers.push_back(stubs.back()->Pull(context.get(), request));
      contexts.push_back(std::move(context));
      after_each();
    }
  }
};

// Asks grpc.health.v1.Health/Check (the whole server) every `every`, on a thread of its own,
// until stopped; records each answer's latency and whether it was SERVING in time.
class HealthProbe {
 public:
  HealthProbe(std::shared_ptr<grpc::Channel> channel, absl::Duration every = absl::Milliseconds(20),
              absl::Duration deadline = absl::Seconds(2))
      : stub_(std::move(channel)), every_(every), deadline_(deadline) {
    thread_ = std::thread([this] { Run(); });
  }
  ~HealthProbe() { Stop(); }

  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  // Latencies in milliseconds of the checks that answered SERVING in time.
  std::vector<double> latencies() const {
    absl::MutexLock lock(&mu_);
    return latencies_;
  }
  int failures() const {
    absl::MutexLock lock(&mu_);
    return failures_;
  }

 private:
  void Run() {
    while (!stop_.load()) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
      grpc::Slice empty;  // an empty HealthCheckRequest asks about the whole server
      grpc::ByteBuffer request(&empty, 1), response;
      grpc::Status status;
      absl::Notification done;
      absl::Time start = absl::Now();
      stub_.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                      &response, [&](grpc::Status finished) {
                        status = std::move(finished);
                        done.Notify();
                      });
      done.WaitForNotification();
      double took = absl::ToDoubleMilliseconds(absl::Now() - start);
      std::vector<grpc::Slice> slices;
      std::string bytes;
      if (status.ok() && response.Dump(&slices).ok()) {
        for (const grpc::Slice& slice : slices) {
          bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
        }
      }
      {
        absl::MutexLock lock(&mu_);
        // HealthCheckResponse{status: SERVING} is field 1, varint 1.
        if (bytes == std::string("\x08\x01", 2)) {
          latencies_.push_back(took);
        } else {
          ++failures_;
        }
      }
      absl::SleepFor(every_);
    }
  }

  grpc::GenericStub stub_;
  const absl::Duration every_;
  const absl::Duration deadline_;
  std::atomic<bool> stop_{false};
  mutable absl::Mutex mu_;
  std::vector<double> latencies_ ABSL_GUARDED_BY(mu_);
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_ATTACK_H_
