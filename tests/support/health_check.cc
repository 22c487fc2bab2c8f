#include "tests/support/health_check.h"

#include <future>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace cairn::testing {

absl::StatusOr<Serving> CheckHealth(const client::ConnectionOptions& options,
                                    const std::string& service) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::OpenChannel(options);
  if (!channel.ok()) return channel.status();
  grpc::GenericStub stub(*channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  // HealthCheckRequest: field 1, the service name (short names only: a one-byte length).
  std::string encoded;
  if (!service.empty()) {
    encoded = absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())), service);
  }
  grpc::Slice slice(encoded);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", {}, &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::InternalError("cannot read the response");
  std::string bytes;
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  // HealthCheckResponse: field 1, the status as a varint; absent when UNKNOWN (0).
  if (bytes.empty()) return Serving::kUnknown;
  if (bytes.size() != 2 || bytes[0] != '\x08') {
    return absl::InternalError("unexpected health response");
  }
  return static_cast<Serving>(bytes[1]);
}

bool AwaitHealth(const client::ConnectionOptions& options, Serving want, absl::Duration deadline) {
  absl::Time give_up = absl::Now() + deadline;
  while (true) {
    absl::StatusOr<Serving> now = CheckHealth(options);
    if (now.ok() && *now == want) return true;
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace cairn::testing
