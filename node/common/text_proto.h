// Parsing protobuf text format (config files, policy files) with errors a person can find.
#ifndef CAIRN_NODE_COMMON_TEXT_PROTO_H_
#define CAIRN_NODE_COMMON_TEXT_PROTO_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace cairn {

// Parses `text` into `message`. INVALID_ARGUMENT "<source>: line L, column C: <problem>" for the
// first syntax error, unknown field or unknown enum value.
absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* message);

}  // namespace cairn

#endif  // CAIRN_NODE_COMMON_TEXT_PROTO_H_
