#include "node/common/text_proto.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace cairn {
namespace {

// Keeps the first parse error with its position.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (error_.empty()) {
      error_ = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
    }
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace

absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* message, TextLocations* locations) {
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (locations != nullptr) {
    locations->source_ = std::string(source);
    locations->descriptor_ = message->GetDescriptor();
    parser.WriteLocationsTo(&locations->tree_);
  }
  if (!parser.ParseFromString(std::string(text), message)) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", errors.error()));
  }
  return absl::OkStatus();
}

absl::Status TextLocations::Locate(const absl::Status& status) const {
  const absl::string_view message = status.message();
  const size_t colon = message.find(": ");
  if (descriptor_ == nullptr || colon == absl::string_view::npos) return status;
  absl::string_view path = message.substr(0, colon);
  if (!absl::ConsumePrefix(&path, source_) || !absl::ConsumePrefix(&path, ".")) return status;
  // Walk the path: each step a field name, with [index] for an element of a repeated field.
  const google::protobuf::Descriptor* descriptor = descriptor_;
  const google::protobuf::TextFormat::ParseInfoTree* tree = &tree_;
  const std::vector<absl::string_view> steps = absl::StrSplit(path, '.');
  for (size_t i = 0; i < steps.size(); ++i) {
    absl::string_view name = steps[i];
    int index = -1;
    if (const size_t bracket = name.find('['); bracket != absl::string_view::npos) {
      if (!absl::EndsWith(name, "]") ||
          !absl::SimpleAtoi(name.substr(bracket + 1, name.size() - bracket - 2), &index) ||
          index < 0) {
        return status;
      }
      name = name.substr(0, bracket);
    }
    const google::protobuf::FieldDescriptor* field =
        descriptor == nullptr ? nullptr : descriptor->FindFieldByName(std::string(name));
    if (field == nullptr || (index >= 0 && !field->is_repeated())) return status;
    if (i + 1 == steps.size()) {
      // The parser records where each "field:" was written, not each element of a list written
      // [a, b]: an element is shown where its field was first written.
      const google::protobuf::TextFormat::ParseLocation at =
          tree->GetLocation(field, field->is_repeated() ? 0 : -1);
      if (at.line < 0) return status;
      return absl::Status(status.code(), absl::StrCat(source_, ": line ", at.line + 1, ", column ",
                                                      at.column + 1, ": ", message));
    }
    // As for locations, a message in a list is looked for where its field was first written.
    tree = tree->GetTreeForNested(field, field->is_repeated() ? 0 : -1);
    if (tree == nullptr) return status;
    descriptor = field->message_type();
  }
  return status;
}

}  // namespace cairn
