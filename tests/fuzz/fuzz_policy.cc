// Fuzzes policy text (node/policy/sharing.h ParsePolicyText). A policy that parses must pass
// ValidatePolicy, survive a round trip through text and binary unchanged, and decide and redact
// sample lessons without breaking what every decision promises.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "node/lessons/validation.h"
#include "node/policy/sharing.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using cairn::v1::Lesson;

// Lessons of west-police (the holder) of each marking and status, with topics, tags, a sector
// and personal data for the rules to look at.
std::vector<Lesson> SampleLessons() {
  std::vector<Lesson> lessons;
  for (auto marking : {cairn::v1::TLP_CLEAR, cairn::v1::TLP_GREEN, cairn::v1::TLP_AMBER,
                       cairn::v1::TLP_AMBER_STRICT, cairn::v1::TLP_RED}) {
    for (auto status : {cairn::v1::OBSERVATION, cairn::v1::LESSON_LEARNED}) {
      Lesson lesson;
      lesson.set_id("west-police:01ARZ3NDEKTSV4RRFFQ69G5FA1");
      lesson.set_origin_org("west-police");
      lesson.set_origin_sector("policing");
      lesson.set_version(1);
      lesson.set_title("Charge radios before a shift");
      lesson.set_summary("Call 0113 496 0000 or mail kit@example.gov.uk about spares");
      lesson.set_evidence("Sergeant's log");
      lesson.set_project("Airwave");
      lesson.add_recommendations("Label every charger");
      lesson.add_topics("battery-management");
      lesson.add_topics("Mobile-Working");
      lesson.add_tags("radios");
      lesson.add_communities("mobile-working");
      lesson.set_marking(marking);
      lesson.set_status(status);
      lesson.set_classification(cairn::v1::OFFICIAL);
      lesson.mutable_local()->set_contact("sgt@example.police.uk");
      lessons.push_back(lesson);
    }
  }
  return lessons;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Lesson> kLessons = SampleLessons();
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<cairn::v1::PeerPolicy> policy = cairn::ParsePolicyText(text);
  if (!policy.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(policy.status()), "%s", policy.status().ToString().c_str());
    return 0;
  }
  absl::Status valid = cairn::ValidatePolicy(*policy);
  FUZZ_CHECK(valid.ok(), "%s", valid.ToString().c_str());

  // What `cairn policy show` prints must set the same policy again.
  std::string printed;
  FUZZ_CHECK(google::protobuf::TextFormat::PrintToString(*policy, &printed));
  absl::StatusOr<cairn::v1::PeerPolicy> reparsed = cairn::ParsePolicyText(printed);
  FUZZ_CHECK(reparsed.ok(), "%s\n%s", reparsed.status().ToString().c_str(), printed.c_str());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*policy, *reparsed), "%s",
             printed.c_str());
  // As it is stored.
  cairn::v1::PeerPolicy stored;
  FUZZ_CHECK(stored.ParseFromString(policy->SerializeAsString()));
  FUZZ_CHECK(cairn::ValidatePolicy(stored).ok());

  cairn::v1::Peer peer;
  peer.set_org_id("leeds-council");
  peer.set_sector("local-government");
  peer.set_may_pull(true);
  peer.set_may_query(true);
  peer.add_communities("mobile-working");
  for (const Lesson& lesson : kLessons) {
    for (auto channel : {cairn::SharingChannel::kReplication, cairn::SharingChannel::kQuery}) {
      for (absl::string_view holder : {"west-police", "far-fire"}) {
        cairn::v1::SharingDecision decision =
            cairn::DecideSharing(lesson, holder, peer, &*policy, channel);
        FUZZ_CHECK(!decision.rule().empty());
        if (!decision.allowed()) continue;
        // The markings are enforced before any policy and no policy loosens them.
        FUZZ_CHECK(lesson.marking() != cairn::v1::TLP_RED);
        if (holder != lesson.origin_org()) {
          FUZZ_CHECK(lesson.marking() != cairn::v1::TLP_AMBER &&
                     lesson.marking() != cairn::v1::TLP_AMBER_STRICT);
        }
        Lesson view = cairn::RedactForPeer(lesson, *policy);
        FUZZ_CHECK(!view.has_local(), "local-only fields never leave");
        absl::Status accepted = cairn::ValidateLessonContent(view);
        FUZZ_CHECK(accepted.ok(), "the peer would refuse its view: %s",
                   accepted.ToString().c_str());
      }
    }
  }
  return 0;
}
