// Asks a cairnd for its gRPC health (grpc.health.v1.Health/Check) over mTLS, with no generated
// health stubs: the request and response are small enough to encode by hand.
#ifndef CAIRN_TESTS_SUPPORT_HEALTH_CHECK_H_
#define CAIRN_TESTS_SUPPORT_HEALTH_CHECK_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/connection.h"

namespace cairn::testing {

// HealthCheckResponse.ServingStatus values.
enum class Serving { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

// The status Check answers for `service` ("": the node as a whole), or the call's error.
absl::StatusOr<Serving> CheckHealth(const client::ConnectionOptions& options,
                                    const std::string& service = "");

// Asks until Check answers `want`, or `deadline` passes: true when it did.
bool AwaitHealth(const client::ConnectionOptions& options, Serving want,
                 absl::Duration deadline = absl::Seconds(60));

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_HEALTH_CHECK_H_
