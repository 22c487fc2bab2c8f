#include "node/policy/sharing.h"

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/common/status_macros.h"
#include "node/common/text_proto.h"
#include "node/identity/principal.h"
#include "node/lessons/lesson_id.h"
#include "node/lessons/validation.h"

namespace cairn {
namespace {

using StringList = google::protobuf::RepeatedPtrField<std::string>;

constexpr absl::string_view kRedacted = "[redacted]";
constexpr absl::string_view kRedactableFields[] = {
    "summary",  "driving_event",   "lesson", "recommendations", "evidence",
    "project",  "lifecycle_phase", "tags",   "external_ref"};

v1::SharingDecision Deny(absl::string_view rule, std::string explanation) {
  v1::SharingDecision decision;
  decision.set_allowed(false);
  decision.set_rule(std::string(rule));
  decision.set_explanation(std::move(explanation));
  return decision;
}

std::string MarkingLabel(v1::TlpMarking marking) {
  switch (marking) {
    case v1::TLP_AMBER_STRICT:
      return "TLP:AMBER+STRICT";
    case v1::TLP_AMBER:
      return "TLP:AMBER";
    case v1::TLP_GREEN:
      return "TLP:GREEN";
    case v1::TLP_CLEAR:
      return "TLP:CLEAR";
    default:
      return "TLP:RED";
  }
}

// The first entry of `values` that is also in `wanted`, ignoring case; null when none is.
const std::string* FirstShared(const StringList& values, const StringList& wanted) {
  for (const std::string& value : values) {
    for (const std::string& entry : wanted) {
      if (absl::EqualsIgnoreCase(value, entry)) return &value;
    }
  }
  return nullptr;
}

template <typename Enum>
bool Contains(const google::protobuf::RepeatedField<int>& values, Enum value) {
  return std::find(values.begin(), values.end(), static_cast<int>(value)) != values.end();
}

std::string Quoted(const StringList& values) {
  return absl::StrCat("[", absl::StrJoin(values, ", "), "]");
}

// Whether the lesson has a non-empty value in field `name`.
bool HasContent(const v1::Lesson& lesson, const std::string& name) {
  const google::protobuf::FieldDescriptor* field = lesson.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr) return false;
  const google::protobuf::Reflection* reflection = lesson.GetReflection();
  return field->is_repeated() ? reflection->FieldSize(lesson, field) > 0
                              : reflection->HasField(lesson, field);
}

// The free-text fields personal-data scrubbing reads, where set: touching an absent proto2 field
// would mark it present and change the lesson's signed encoding.
std::vector<std::string*> ScrubbedTexts(v1::Lesson* lesson) {
  std::vector<std::string*> texts;
  auto add = [&](bool present, std::string* (v1::Lesson::*mutable_field)()) {
    if (present) texts.push_back((lesson->*mutable_field)());
  };
  add(lesson->has_title(), &v1::Lesson::mutable_title);
  add(lesson->has_summary(), &v1::Lesson::mutable_summary);
  add(lesson->has_driving_event(), &v1::Lesson::mutable_driving_event);
  add(lesson->has_lesson(), &v1::Lesson::mutable_lesson);
  add(lesson->has_evidence(), &v1::Lesson::mutable_evidence);
  add(lesson->has_project(), &v1::Lesson::mutable_project);
  add(lesson->has_lifecycle_phase(), &v1::Lesson::mutable_lifecycle_phase);
  add(lesson->has_retraction_reason(), &v1::Lesson::mutable_retraction_reason);
  for (std::string& recommendation : *lesson->mutable_recommendations()) {
    texts.push_back(&recommendation);
  }
  return texts;
}

bool HasPersonalData(const v1::Lesson& lesson) {
  v1::Lesson copy = lesson;
  for (const std::string* text : ScrubbedTexts(&copy)) {
    if (!FindPersonalData(*text).empty()) return true;
  }
  return false;
}

// False only when the view `rules` make of `lesson` surely keeps within every cap a receiver
// enforces (ValidateLessonContent, the truth, is asked whenever this is true): scrubbing makes a
// text at most kMaxScrubGrowth times longer, redaction a field a few bytes longer.
bool ViewMayOutgrowLimits(const v1::Lesson& lesson, const v1::ExportRules& rules) {
  constexpr size_t kRedactionGrowth = kRedacted.size() + 6;  // per field, with its tag and length
  size_t bound = lesson.ByteSizeLong() + kRedactionGrowth * rules.redact_fields_size();
  if (rules.scrub_personal_data()) {
    using L = LessonLimits;
    auto may_outgrow = [&](const std::string& text, size_t cap) {
      bound += (kMaxScrubGrowth - 1) * text.size();
      return kMaxScrubGrowth * text.size() > cap;
    };
    bool outgrows = false;
    for (const auto& [text, cap] :
         {std::pair<const std::string&, size_t>{lesson.title(), L::kTitleBytes},
          {lesson.summary(), L::kSummaryBytes},
          {lesson.driving_event(), L::kTextBytes},
          {lesson.lesson(), L::kTextBytes},
          {lesson.evidence(), L::kTextBytes},
          {lesson.project(), L::kShortTextBytes},
          {lesson.lifecycle_phase(), L::kShortTextBytes},
          {lesson.retraction_reason(), L::kShortTextBytes}}) {
      outgrows |= may_outgrow(text, cap);
    }
    for (const std::string& recommendation : lesson.recommendations()) {
      outgrows |= may_outgrow(recommendation, L::kTextBytes);
    }
    if (outgrows) return true;
  }
  return bound > LessonLimits::kLessonBytes;
}

// The lesson's own marking rules, which no policy can loosen.
std::optional<v1::SharingDecision> MarkingRefuses(const v1::Lesson& lesson, bool is_origin,
                                                  const v1::Peer& peer) {
  switch (lesson.marking()) {
    case v1::TLP_CLEAR:
      return std::nullopt;
    case v1::TLP_GREEN:
      if (is_origin || lesson.communities().empty() ||
          FirstShared(lesson.communities(), peer.communities()) != nullptr) {
        return std::nullopt;
      }
      return Deny("marking", absl::StrCat("TLP:GREEN copy from ", lesson.origin_org(),
                                          " may be passed on only within its communities ",
                                          Quoted(lesson.communities()), "; peer ", peer.org_id(),
                                          " belongs to none of them"));
    case v1::TLP_AMBER:
    case v1::TLP_AMBER_STRICT:
      if (is_origin) return std::nullopt;
      return Deny("marking", absl::StrCat(MarkingLabel(lesson.marking()), " copy from ",
                                          lesson.origin_org(),
                                          ": AMBER lessons go only to their origin's direct "
                                          "peers and are never passed on"));
    default:
      return Deny("marking", "TLP:RED lessons never leave their origin node");
  }
}

}  // namespace

v1::SharingDecision DecideSharing(const v1::Lesson& lesson, absl::string_view holder_org,
                                  const v1::Peer& peer, const v1::PeerPolicy* policy,
                                  SharingChannel channel) {
  if (channel == SharingChannel::kReplication && !peer.may_pull()) {
    return Deny("peer.may_pull", absl::StrCat("peer ", peer.org_id(),
                                              " may not pull lessons from this node"));
  }
  if (channel == SharingChannel::kQuery && !peer.may_query()) {
    return Deny("peer.may_query", absl::StrCat("peer ", peer.org_id(),
                                               " may not run federated queries on this node"));
  }
  if (lesson.origin_org() == peer.org_id()) {
    return Deny("origin", absl::StrCat("peer ", peer.org_id(), " is this lesson's origin"));
  }
  if (lesson.status() == v1::RETRACTED) {
    return Deny("status", "the lesson is retracted; peers holding a copy get a retraction");
  }
  if (auto refused = MarkingRefuses(lesson, lesson.origin_org() == holder_org, peer)) {
    return *refused;
  }
  if (policy == nullptr) {
    return Deny("policy", absl::StrCat("peer ", peer.org_id(),
                                       " has no sharing policy, so it receives nothing"));
  }
  const v1::ExportRules& rules = policy->export_();
  const std::string version = absl::StrCat("policy v", policy->version());
  if (!Contains(rules.markings(), lesson.marking())) {
    std::vector<std::string> allowed;
    for (int marking : rules.markings()) {
      allowed.push_back(MarkingLabel(static_cast<v1::TlpMarking>(marking)));
    }
    return Deny("export.markings",
                absl::StrCat(version, " does not allow ", MarkingLabel(lesson.marking()),
                             " (export.markings: ",
                             allowed.empty() ? "none" : absl::StrJoin(allowed, ", "), ")"));
  }
  std::vector<std::string> reasons = {
      absl::StrCat(MarkingLabel(lesson.marking()), " is in export.markings")};
  v1::Classification classification = lesson.classification() == v1::CLASSIFICATION_UNSPECIFIED
                                           ? v1::OFFICIAL
                                           : lesson.classification();
  if (classification > rules.classification_ceiling()) {
    return Deny("export.classification_ceiling",
                absl::StrCat("the lesson is ", v1::Classification_Name(classification),
                             ", above the ceiling ",
                             v1::Classification_Name(rules.classification_ceiling())));
  }
  if (!rules.sectors().empty()) {
    StringList sector;
    *sector.Add() = lesson.origin_sector();
    if (FirstShared(sector, rules.sectors()) == nullptr) {
      return Deny("export.sectors", absl::StrCat("origin sector '", lesson.origin_sector(),
                                                 "' is not in export.sectors ",
                                                 Quoted(rules.sectors())));
    }
    reasons.push_back(absl::StrCat("sector '", lesson.origin_sector(), "' is in export.sectors"));
  }
  if (!rules.statuses().empty()) {
    if (!Contains(rules.statuses(), lesson.status())) {
      return Deny("export.statuses", absl::StrCat("status ", v1::LessonStatus_Name(lesson.status()),
                                                  " is not in export.statuses"));
    }
    reasons.push_back(
        absl::StrCat("status ", v1::LessonStatus_Name(lesson.status()), " is in export.statuses"));
  }
  if (const std::string* topic = FirstShared(lesson.topics(), rules.exclude_topics())) {
    return Deny("export.exclude_topics",
                absl::StrCat("the lesson has topic '", *topic, "', which export.exclude_topics excludes"));
  }
  if (const std::string* tag = FirstShared(lesson.tags(), rules.exclude_tags())) {
    return Deny("export.exclude_tags",
                absl::StrCat("the lesson has tag '", *tag, "', which export.exclude_tags excludes"));
  }
  if (!rules.include_topics().empty()) {
    const std::string* topic = FirstShared(lesson.topics(), rules.include_topics());
    if (topic == nullptr) {
      return Deny("export.include_topics", absl::StrCat("the lesson has none of export.include_topics ",
                                                        Quoted(rules.include_topics())));
    }
    reasons.push_back(absl::StrCat("topic '", *topic, "' is in export.include_topics"));
  }
  if (!rules.include_tags().empty()) {
    const std::string* tag = FirstShared(lesson.tags(), rules.include_tags());
    if (tag == nullptr) {
      return Deny("export.include_tags", absl::StrCat("the lesson has none of export.include_tags ",
                                                      Quoted(rules.include_tags())));
    }
    reasons.push_back(absl::StrCat("tag '", *tag, "' is in export.include_tags"));
  }
  if (lesson.origin_org() != holder_org) {
    // A relayed copy carries its origin's signature: it goes on exactly as received, or not at all.
    for (const std::string& name : rules.redact_fields()) {
      if (HasContent(lesson, name)) {
        return Deny("export.redact_fields",
                    absl::StrCat("this copy from ", lesson.origin_org(), " has '", name,
                                 "', which export.redact_fields would redact, and a relayed copy "
                                 "cannot be altered"));
      }
    }
    if (rules.scrub_personal_data() && HasPersonalData(lesson)) {
      return Deny("export.scrub_personal_data",
                  absl::StrCat("this copy from ", lesson.origin_org(),
                               " holds personal data that scrubbing would remove, and a relayed "
                               "copy cannot be altered"));
    }
  }
  if (lesson.origin_org() == holder_org && ViewMayOutgrowLimits(lesson, rules)) {
    // The receiver would refuse the view at every pull, so it is not sent at all, and `explain`
    // says why.
    absl::Status fits = ValidateLessonContent(RedactForPeer(lesson, *policy));
    if (!fits.ok()) {
      return Deny(rules.scrub_personal_data() ? "export.scrub_personal_data"
                                              : "export.redact_fields",
                  absl::StrCat("the lesson as ", version, " alters it for peer ", peer.org_id(),
                               " would be refused there: ", fits.message()));
    }
  }
  v1::SharingDecision decision;
  decision.set_allowed(true);
  decision.set_rule("export.markings");
  decision.set_explanation(absl::StrCat("allowed by ", version, ": ", absl::StrJoin(reasons, "; ")));
  return decision;
}

v1::Lesson RedactForPeer(const v1::Lesson& lesson, const v1::PeerPolicy& policy,
                         ScrubCounts* counts) {
  v1::Lesson view = lesson;
  view.clear_local();
  const google::protobuf::Descriptor* descriptor = view.GetDescriptor();
  const google::protobuf::Reflection* reflection = view.GetReflection();
  for (const std::string& name : policy.export_().redact_fields()) {
    const google::protobuf::FieldDescriptor* field = descriptor->FindFieldByName(name);
    if (field == nullptr || !IsRedactableField(name)) continue;  // ValidatePolicy refuses these
    if (field->is_repeated()) {
      if (reflection->FieldSize(view, field) == 0) continue;
      reflection->ClearField(&view, field);
      reflection->AddString(&view, field, std::string(kRedacted));
    } else if (reflection->HasField(view, field)) {
      reflection->SetString(&view, field, std::string(kRedacted));
    }
  }
  if (policy.export_().scrub_personal_data()) {
    for (std::string* text : ScrubbedTexts(&view)) {
      if (!text->empty()) *text = ScrubPersonalData(*text, counts);
    }
  }
  return view;
}

std::optional<v1::Lesson> ExportView(const v1::Lesson& lesson, absl::string_view holder_org,
                                     const v1::Peer& peer, const v1::PeerPolicy* policy,
                                     SharingChannel channel, ScrubCounts* counts) {
  if (!DecideSharing(lesson, holder_org, peer, policy, channel).allowed()) return std::nullopt;
  return RedactForPeer(lesson, *policy, counts);
}

absl::Status CheckOfferedLesson(const v1::Lesson& lesson, absl::string_view sender,
                                const KnownSectors& known) {
  // The origin's users could not have written anything else; nor may a peer send it.
  CAIRN_RETURN_IF_ERROR(ValidateLessonContent(lesson));
  CAIRN_ASSIGN_OR_RETURN(LessonIdParts id, ParseLessonId("lesson.id", lesson.id()));
  if (id.org_id != lesson.origin_org()) {
    return absl::InvalidArgumentError(absl::StrCat("lesson.id: names ", id.org_id,
                                                   " but the origin is ", lesson.origin_org()));
  }
  if (!lesson.origin_sector().empty()) {
    CAIRN_RETURN_IF_ERROR(ValidateOrgId("lesson.origin_sector", lesson.origin_sector()));
  }
  // Where we know the origin, its sector is what our record of it says (export.sectors rules,
  // here and downstream, rely on it).
  if (auto record = known.find(lesson.origin_org());
      record != known.end() && record->second != lesson.origin_sector()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "lesson.origin_sector: \"", lesson.origin_sector(), "\" is not \"", record->second,
        "\", the sector this node records for peer ", lesson.origin_org()));
  }
  if (lesson.marking() == v1::TLP_RED || lesson.marking() == v1::TLP_UNSPECIFIED) {
    return absl::PermissionDeniedError("a TLP:RED lesson must never leave its origin");
  }
  bool amber = lesson.marking() == v1::TLP_AMBER || lesson.marking() == v1::TLP_AMBER_STRICT;
  if (amber && lesson.origin_org() != sender) {
    return absl::PermissionDeniedError(absl::StrCat(
        "an AMBER lesson of ", lesson.origin_org(), " offered by the relay ", sender));
  }
  return absl::OkStatus();
}

bool IsRedactableField(absl::string_view name) {
  return std::find(std::begin(kRedactableFields), std::end(kRedactableFields), name) !=
         std::end(kRedactableFields);
}

namespace {

absl::Status CheckList(absl::string_view field, const StringList& values) {
  if (values.size() > PolicyLimits::kListEntries) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", values.size(),
                                                   " entries is over the limit of ",
                                                   PolicyLimits::kListEntries));
  }
  for (int i = 0; i < values.size(); ++i) {
    std::string name = absl::StrCat(field, "[", i, "]");
    if (values[i].empty()) return absl::InvalidArgumentError(absl::StrCat(name, ": is empty"));
    CAIRN_RETURN_IF_ERROR(ValidateText(name, values[i], PolicyLimits::kEntryBytes));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePolicy(const v1::PeerPolicy& policy) {
  CAIRN_RETURN_IF_ERROR(ValidateWellFormed(policy, "policy"));
  if (policy.ByteSizeLong() > PolicyLimits::kPolicyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("policy: ", policy.ByteSizeLong(),
                                                   " bytes is over the limit of ",
                                                   PolicyLimits::kPolicyBytes, " bytes"));
  }
  const v1::ExportRules& rules = policy.export_();
  for (const auto& [field, size] : {std::pair<absl::string_view, int>{"policy.export.markings",
                                                                       rules.markings_size()},
                                     {"policy.export.statuses", rules.statuses_size()}}) {
    if (size > PolicyLimits::kListEntries) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", size, " entries is over the limit of ", PolicyLimits::kListEntries));
    }
  }
  for (int i = 0; i < rules.markings_size(); ++i) {
    if (rules.markings(i) == v1::TLP_RED || rules.markings(i) == v1::TLP_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy.export.markings[", i, "]: TLP_RED lessons never leave the node; remove it"));
    }
  }
  for (int i = 0; i < rules.statuses_size(); ++i) {
    if (rules.statuses(i) == v1::LESSON_STATUS_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy.export.statuses[", i, "]: name a status"));
    }
  }
  if (rules.classification_ceiling() == v1::CLASSIFICATION_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "policy.export.classification_ceiling: name OFFICIAL or OFFICIAL_SENSITIVE");
  }
  CAIRN_RETURN_IF_ERROR(CheckList("policy.export.include_topics", rules.include_topics()));
  CAIRN_RETURN_IF_ERROR(CheckList("policy.export.exclude_topics", rules.exclude_topics()));
  CAIRN_RETURN_IF_ERROR(CheckList("policy.export.include_tags", rules.include_tags()));
  CAIRN_RETURN_IF_ERROR(CheckList("policy.export.exclude_tags", rules.exclude_tags()));
  CAIRN_RETURN_IF_ERROR(CheckList("policy.export.sectors", rules.sectors()));
  CAIRN_RETURN_IF_ERROR(CheckList("policy.export.redact_fields", rules.redact_fields()));
  for (int i = 0; i < rules.redact_fields_size(); ++i) {
    if (!IsRedactableField(rules.redact_fields(i))) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy.export.redact_fields[", i, "]: '", rules.redact_fields(i),
                       "' cannot be redacted; choose from ",
                       absl::StrJoin(std::begin(kRedactableFields), std::end(kRedactableFields), ", ")));
    }
  }
  const v1::ImportRules& import = policy.import();
  CAIRN_RETURN_IF_ERROR(CheckList("policy.import.accepted_topics", import.accepted_topics()));
  if (import.max_lesson_bytes() == 0 || import.max_lesson_bytes() > PolicyLimits::kMaxLessonBytes) {
    return absl::InvalidArgumentError(absl::StrCat("policy.import.max_lesson_bytes: must be 1 to ",
                                                   PolicyLimits::kMaxLessonBytes));
  }
  if (import.max_lessons_per_minute() == 0 ||
      import.max_lessons_per_minute() > PolicyLimits::kMaxLessonsPerMinute) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy.import.max_lessons_per_minute: must be 1 to ", PolicyLimits::kMaxLessonsPerMinute));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PeerPolicy> ParsePolicyText(absl::string_view text) {
  if (text.size() > PolicyLimits::kPolicyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("policy: ", text.size(),
                                                   " bytes of text is over the limit of ",
                                                   PolicyLimits::kPolicyBytes, " bytes"));
  }
  v1::PeerPolicy policy;
  TextLocations locations;
  CAIRN_RETURN_IF_ERROR(ParseTextProto(text, "policy", &policy, &locations));
  if (absl::Status valid = ValidatePolicy(policy); !valid.ok()) return locations.Locate(valid);
  return policy;
}

}  // namespace cairn
