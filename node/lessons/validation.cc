#include "node/lessons/validation.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/wire_format_lite.h"
#include "node/common/status_macros.h"
#include "node/identity/principal.h"

namespace cairn {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status TooLong(absl::string_view field, size_t size, size_t cap) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", size, " bytes is over the limit of ", cap, " bytes"));
}

absl::Status CheckText(absl::string_view field, absl::string_view value, size_t cap) {
  if (value.size() > cap) return TooLong(field, value.size(), cap);
  return absl::OkStatus();
}

// google.protobuf.Timestamp's own valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
absl::Status CheckTimestamp(absl::string_view field, const google::protobuf::Timestamp& time) {
  constexpr int64_t kMinSeconds = -62'135'596'800;
  constexpr int64_t kMaxSeconds = 253'402'300'799;
  if (time.seconds() < kMinSeconds || time.seconds() > kMaxSeconds || time.nanos() < 0 ||
      time.nanos() > 999'999'999) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": is not a date between the years 1 and 9999"));
  }
  return absl::OkStatus();
}

absl::Status CheckList(absl::string_view field, const google::protobuf::RepeatedPtrField<std::string>& items,
                       size_t item_cap) {
  if (static_cast<size_t>(items.size()) > LessonLimits::kListItems) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", items.size(),
                                                   " entries is over the limit of ",
                                                   LessonLimits::kListItems));
  }
  for (int i = 0; i < items.size(); ++i) {
    std::string name = absl::StrCat(field, "[", i, "]");
    if (absl::StripAsciiWhitespace(items[i]).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": is empty"));
    }
    CAIRN_RETURN_IF_ERROR(CheckText(name, items[i], item_cap));
  }
  return absl::OkStatus();
}

// The encoded size of the lesson without its provenance: the origin's node adds that after
// validating, so a copy that arrives signed is measured as its origin measured it.
size_t ContentBytes(const v1::Lesson& lesson) {
  using google::protobuf::internal::WireFormatLite;
  size_t size = lesson.ByteSizeLong();
  if (lesson.has_provenance()) {
    size -= WireFormatLite::TagSize(v1::Lesson::kProvenanceFieldNumber,
                                    WireFormatLite::TYPE_MESSAGE) +
            WireFormatLite::LengthDelimitedSize(lesson.provenance().ByteSizeLong());
  }
  return size;
}

std::string FieldPath(absl::string_view path, const FieldDescriptor* field, int index) {
  std::string name = absl::StrCat(path, path.empty() ? "" : ".", field->name());
  if (index >= 0) absl::StrAppend(&name, "[", index, "]");
  return name;
}

}  // namespace

absl::Status CheckUnknownFields(const Message& message, absl::string_view path) {
  const google::protobuf::UnknownFieldSet& unknown =
      message.GetReflection()->GetUnknownFields(message);
  if (unknown.empty()) return absl::OkStatus();
  const google::protobuf::UnknownField& first = unknown.field(0);
  // proto2 parks an out-of-range enum value under the enum field's own number.
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByNumber(first.number());
  if (field != nullptr && field->type() == FieldDescriptor::TYPE_ENUM &&
      first.type() == google::protobuf::UnknownField::TYPE_VARINT) {
    return absl::InvalidArgumentError(
        absl::StrCat(FieldPath(path, field, -1), ": unknown value ",
                     static_cast<int64_t>(first.varint()), " for ", field->enum_type()->name()));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": unknown field number ", first.number(), " (is the client newer than this node?)"));
}

absl::Status ValidateText(absl::string_view field, absl::string_view value, size_t cap) {
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is not valid UTF-8"));
  }
  return CheckText(field, value, cap);
}

bool IsValidUtf8(absl::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

absl::Status ValidateWellFormed(const Message& message, absl::string_view path) {
  CAIRN_RETURN_IF_ERROR(CheckUnknownFields(message, path));
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      int index = field->is_repeated() ? i : -1;
      if (field->type() == FieldDescriptor::TYPE_STRING) {
        std::string scratch;
        const std::string& value =
            field->is_repeated()
                ? reflection->GetRepeatedStringReference(message, field, i, &scratch)
                : reflection->GetStringReference(message, field, &scratch);
        if (!IsValidUtf8(value)) {
          return absl::InvalidArgumentError(
              absl::StrCat(FieldPath(path, field, index), ": is not valid UTF-8"));
        }
      } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
        const Message& child = field->is_repeated()
                                   ? reflection->GetRepeatedMessage(message, field, i)
                                   : reflection->GetMessage(message, field);
        std::string child_path = FieldPath(path, field, index);
        CAIRN_RETURN_IF_ERROR(ValidateWellFormed(child, child_path));
        if (const auto* time = dynamic_cast<const google::protobuf::Timestamp*>(&child)) {
          CAIRN_RETURN_IF_ERROR(CheckTimestamp(child_path, *time));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateLessonContent(const v1::Lesson& lesson) {
  CAIRN_RETURN_IF_ERROR(ValidateWellFormed(lesson, "lesson"));
  if (absl::StripAsciiWhitespace(lesson.title()).empty()) {
    return absl::InvalidArgumentError("lesson.title: is empty; every lesson needs a title");
  }
  struct CappedText {
    absl::string_view name;
    const std::string& value;
    size_t cap;
  };
  using L = LessonLimits;
  for (const CappedText& text : {
           CappedText{"lesson.title", lesson.title(), L::kTitleBytes},
           CappedText{"lesson.summary", lesson.summary(), L::kSummaryBytes},
           CappedText{"lesson.driving_event", lesson.driving_event(), L::kTextBytes},
           CappedText{"lesson.lesson", lesson.lesson(), L::kTextBytes},
           CappedText{"lesson.evidence", lesson.evidence(), L::kTextBytes},
           CappedText{"lesson.project", lesson.project(), L::kShortTextBytes},
           CappedText{"lesson.lifecycle_phase", lesson.lifecycle_phase(), L::kShortTextBytes},
           CappedText{"lesson.external_ref", lesson.external_ref(), L::kShortTextBytes},
           CappedText{"lesson.retraction_reason", lesson.retraction_reason(),
                      L::kShortTextBytes},
           CappedText{"lesson.local.contact", lesson.local().contact(), L::kShortTextBytes},
           CappedText{"lesson.local.internal_notes", lesson.local().internal_notes(),
                      L::kTextBytes},
       }) {
    CAIRN_RETURN_IF_ERROR(CheckText(text.name, text.value, text.cap));
  }
  CAIRN_RETURN_IF_ERROR(
      CheckList("lesson.recommendations", lesson.recommendations(), LessonLimits::kTextBytes));
  CAIRN_RETURN_IF_ERROR(CheckList("lesson.topics", lesson.topics(), LessonLimits::kListItemBytes));
  CAIRN_RETURN_IF_ERROR(CheckList("lesson.tags", lesson.tags(), LessonLimits::kListItemBytes));
  CAIRN_RETURN_IF_ERROR(
      CheckList("lesson.communities", lesson.communities(), LessonLimits::kListItemBytes));
  for (int i = 0; i < lesson.communities_size(); ++i) {
    CAIRN_RETURN_IF_ERROR(
        ValidateToken(absl::StrCat("lesson.communities[", i, "]"), lesson.communities(i)));
  }
  if (lesson.marking() == v1::TLP_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "lesson.marking: is not set; choose TLP_RED, TLP_AMBER_STRICT, TLP_AMBER, TLP_GREEN or "
        "TLP_CLEAR");
  }
  if (lesson.status() == v1::RETRACTED) {
    return absl::InvalidArgumentError(
        "lesson.status: RETRACTED is set only by retracting the lesson");
  }
  size_t encoded = ContentBytes(lesson);
  if (encoded > LessonLimits::kLessonBytes) {
    return TooLong("lesson", encoded, LessonLimits::kLessonBytes);
  }
  return absl::OkStatus();
}

}  // namespace cairn
