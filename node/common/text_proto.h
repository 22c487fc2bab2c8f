// Parsing protobuf text format (config files, policy files) with errors a person can find.
#ifndef CAIRN_NODE_COMMON_TEXT_PROTO_H_
#define CAIRN_NODE_COMMON_TEXT_PROTO_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace cairn {

// Where each field of a parsed text was written, so that a problem found after parsing (a value out
// of range, a rule broken) can be shown at its line as a syntax error is.
class TextLocations {
 public:
  // The status, its message led by "<source>: line L, column C: " when its message starts with a
  // field path ("<source>.export.markings[1]: ...") naming a field the text wrote; else as it was.
  absl::Status Locate(const absl::Status& status) const;

 private:
  friend absl::Status ParseTextProto(absl::string_view, absl::string_view,
                                     google::protobuf::Message*, TextLocations*);
  std::string source_;
  const google::protobuf::Descriptor* descriptor_ = nullptr;
  google::protobuf::TextFormat::ParseInfoTree tree_;
};

// Parses `text` into `message`. INVALID_ARGUMENT "<source>: line L, column C: <problem>" for the
// first syntax error, unknown field or unknown enum value. `locations`, when given, records where
// each field was written.
absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* message,
                            TextLocations* locations = nullptr);

}  // namespace cairn

#endif  // CAIRN_NODE_COMMON_TEXT_PROTO_H_
