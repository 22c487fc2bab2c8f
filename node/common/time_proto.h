// absl::Time <-> google.protobuf.Timestamp, in one place.
#ifndef CAIRN_NODE_COMMON_TIME_PROTO_H_
#define CAIRN_NODE_COMMON_TIME_PROTO_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace cairn {

inline google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(time));
}

inline absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixNanos(google::protobuf::util::TimeUtil::TimestampToNanoseconds(timestamp));
}

}  // namespace cairn

#endif  // CAIRN_NODE_COMMON_TIME_PROTO_H_
