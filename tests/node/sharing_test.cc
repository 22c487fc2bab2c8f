// Tests of the sharing decision, written from the contract in node/policy/sharing.h and SPEC
// section 3 alone: an independent oracle for DecideSharing, RedactForPeer, ExportView and the
// policy and peer validators.
#include "node/policy/sharing.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "node/common/text_proto.h"
#include "node/lessons/validation.h"
#include "node/policy/peer_directory.h"  // ValidatePeer

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kOrigin[] = "leeds-council";
constexpr char kRelay[] = "york-council";
constexpr char kPeer[] = "west-police";

const std::vector<v1::TlpMarking> kAllMarkings = {v1::TLP_UNSPECIFIED, v1::TLP_RED,
                                                  v1::TLP_AMBER_STRICT, v1::TLP_AMBER,
                                                  v1::TLP_GREEN, v1::TLP_CLEAR};
const std::vector<v1::TlpMarking> kShareableMarkings = {v1::TLP_AMBER_STRICT, v1::TLP_AMBER,
                                                        v1::TLP_GREEN, v1::TLP_CLEAR};

// The TLP 2.0 label, e.g. "TLP:AMBER+STRICT".
std::string MarkingLabel(v1::TlpMarking marking) {
  return absl::StrReplaceAll(v1::TlpMarking_Name(marking), {{"TLP_", "TLP:"}, {"_", "+"}});
}

template <typename List, typename T>
bool Contains(const List& list, const T& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

template <typename List>
bool ContainsIgnoreCase(const List& list, absl::string_view value) {
  return std::any_of(list.begin(), list.end(),
                     [&](absl::string_view item) { return absl::EqualsIgnoreCase(item, value); });
}

template <typename ListA, typename ListB>
bool IntersectsIgnoreCase(const ListA& a, const ListB& b) {
  return std::any_of(a.begin(), a.end(),
                     [&](absl::string_view item) { return ContainsIgnoreCase(b, item); });
}

// ---------------------------------------------------------------------------------------------
// Builders.

v1::Lesson MakeLesson(v1::TlpMarking marking) {
  v1::Lesson lesson;
  lesson.set_id(std::string(kOrigin) + ":01J0000000000000000000000");
  lesson.set_origin_org(kOrigin);
  lesson.set_origin_sector("local-government");
  lesson.set_title("Lock down the wireless before rollout");
  lesson.set_summary("Laptops joined open networks.");
  lesson.set_status(v1::LESSON_LEARNED);
  lesson.set_classification(v1::OFFICIAL);
  lesson.add_topics("Wireless");
  lesson.add_topics("Mobile Working");
  lesson.add_tags("laptops");
  if (marking != v1::TLP_UNSPECIFIED) lesson.set_marking(marking);
  lesson.mutable_local()->set_contact("ann.other@leeds.gov.uk");
  return lesson;
}

v1::Peer MakePeer(const std::string& org_id) {
  v1::Peer peer;
  peer.set_org_id(org_id);
  peer.set_address(org_id + ".example.org:7443");
  peer.set_sector("policing");
  peer.set_may_pull(true);
  peer.set_may_query(true);
  peer.add_communities("mobile-working");
  return peer;
}

// A policy that lets every shareable marking through and sets no other condition.
v1::PeerPolicy OpenPolicy(const std::string& peer_org) {
  v1::PeerPolicy policy;
  policy.set_peer_org(peer_org);
  for (v1::TlpMarking marking : kShareableMarkings) policy.mutable_export_()->add_markings(marking);
  return policy;
}

struct Scenario {
  v1::Lesson lesson;
  std::string holder;
  v1::Peer peer;
  std::optional<v1::PeerPolicy> policy;
  SharingChannel channel = SharingChannel::kReplication;

  const v1::PeerPolicy* policy_ptr() const { return policy ? &*policy : nullptr; }
  v1::ExportRules& rules() { return *policy->mutable_export_(); }
  v1::SharingDecision Decide() const {
    return DecideSharing(lesson, holder, peer, policy_ptr(), channel);
  }
};

Scenario BaseScenario(v1::TlpMarking marking, bool held_as_copy) {
  return Scenario{MakeLesson(marking), held_as_copy ? kRelay : kOrigin, MakePeer(kPeer),
                  OpenPolicy(kPeer), SharingChannel::kReplication};
}

// ---------------------------------------------------------------------------------------------
// 1. Table: every marking x origin/copy x each rule.

struct RuleCase {
  std::string name;
  std::function<void(Scenario&)> apply;
  std::string denies_with;              // the deciding rule, or "" when the case allows
  bool checked_before_marking = false;  // channel and status come before the marking
  bool shuts_green_copy = false;        // a GREEN copy may not go to this peer
};

// Shorthands for the cases below.
using Edit = std::function<void(Scenario&)>;
using AddString = void (v1::ExportRules::*)(const std::string&);
Edit AddTo(AddString add, std::string value) {
  return [add, value](Scenario& s) { (s.rules().*add)(value); };
}
constexpr AddString kIncludeTopic = &v1::ExportRules::add_include_topics;
constexpr AddString kExcludeTopic = &v1::ExportRules::add_exclude_topics;
constexpr AddString kIncludeTag = &v1::ExportRules::add_include_tags;
constexpr AddString kExcludeTag = &v1::ExportRules::add_exclude_tags;
constexpr AddString kSector = &v1::ExportRules::add_sectors;
Edit Both(Edit a, Edit b) {
  return [a, b](Scenario& s) {
    a(s);
    b(s);
  };
}
void SetSensitive(Scenario& s) { s.lesson.set_classification(v1::OFFICIAL_SENSITIVE); }
void Retract(Scenario& s) { s.lesson.set_status(v1::RETRACTED); }
void ClosePull(Scenario& s) { s.peer.set_may_pull(false); }
void CloseQuery(Scenario& s) { s.peer.set_may_query(false); }
void UseQuery(Scenario& s) { s.channel = SharingChannel::kQuery; }
void PeerIsOrigin(Scenario& s) {
  s.peer.set_org_id(s.lesson.origin_org());
  s.policy->set_peer_org(s.lesson.origin_org());
}
Edit Communities(std::vector<std::string> of_lesson, std::vector<std::string> of_peer) {
  return [=](Scenario& s) {
    for (const std::string& c : of_lesson) s.lesson.add_communities(c);
    s.peer.clear_communities();
    for (const std::string& c : of_peer) s.peer.add_communities(c);
  };
}

std::vector<RuleCase> RuleCases() {
  using S = Scenario&;
  const auto statuses = [](std::vector<v1::LessonStatus> list) -> Edit {
    return [list](S s) {
      for (v1::LessonStatus st : list) s.rules().add_statuses(st);
    };
  };
  return {
      {"baseline", [](S) {}, ""},
      {"no policy", [](S s) { s.policy.reset(); }, "policy"},
      {"export.markings empty", [](S s) { s.rules().clear_markings(); }, "export.markings"},
      {"export.markings lacks the marking",
       [](S s) {
         s.rules().clear_markings();
         for (v1::TlpMarking m : kShareableMarkings) {
           if (m != s.lesson.marking()) s.rules().add_markings(m);
         }
       },
       "export.markings"},
      {"export.markings lists only the marking (even RED or unset)",
       [](S s) {
         s.rules().clear_markings();
         s.rules().add_markings(s.lesson.marking());
       },
       ""},
      {"classification above default ceiling", SetSensitive, "export.classification_ceiling"},
      {"classification within raised ceiling",
       Both(SetSensitive,
            [](S s) { s.rules().set_classification_ceiling(v1::OFFICIAL_SENSITIVE); }),
       ""},
      {"sector listed in other case",
       Both(AddTo(kSector, "health"), AddTo(kSector, "LOCAL-Government")), ""},
      {"sector not listed", AddTo(kSector, "policing"), "export.sectors"},
      {"status listed", statuses({v1::OBSERVATION, v1::LESSON_LEARNED}), ""},
      {"status not listed", statuses({v1::OBSERVATION}), "export.statuses"},
      {"excluded topic in other case", AddTo(kExcludeTopic, "WIRELESS"), "export.exclude_topics"},
      {"exclude_topics without a match", AddTo(kExcludeTopic, "flooding"), ""},
      {"excluded tag in other case", AddTo(kExcludeTag, "Laptops"), "export.exclude_tags"},
      {"included topic in other case",
       Both(AddTo(kIncludeTopic, "flooding"), AddTo(kIncludeTopic, "mobile WORKING")), ""},
      {"no included topic", AddTo(kIncludeTopic, "flooding"), "export.include_topics"},
      {"topics match whole values", AddTo(kIncludeTopic, "wire"), "export.include_topics"},
      {"included tag in other case", AddTo(kIncludeTag, "LAPTOPS"), ""},
      {"no included tag", AddTo(kIncludeTag, "drones"), "export.include_tags"},
      {"may_pull off, replication", ClosePull, "peer.may_pull", true},
      {"may_pull off, query", Both(ClosePull, UseQuery), ""},
      {"may_query off, query", Both(CloseQuery, UseQuery), "peer.may_query", true},
      {"may_query off, replication", CloseQuery, ""},
      {"retracted", Retract, "status", true},
      {"retracted and channel closed", Both(Retract, ClosePull), "peer.may_pull", true},
      {"retracted with no policy", Both(Retract, [](S s) { s.policy.reset(); }), "status", true},
      {"markings and ceiling both refuse",
       Both(SetSensitive, [](S s) { s.rules().clear_markings(); }), "export.markings"},
      {"sectors and exclude_topics both refuse",
       Both(AddTo(kSector, "policing"), AddTo(kExcludeTopic, "wireless")), "export.sectors"},
      {"exclude_tags and include_topics both refuse",
       Both(AddTo(kExcludeTag, "laptops"), AddTo(kIncludeTopic, "flooding")),
       "export.exclude_tags"},
      // Not in the header's rule list: the implementation refuses, as rule "origin" (after the
      // channel, before status), to send a lesson to the organisation it came from.
      {"peer is the lesson's origin", PeerIsOrigin, "origin", true},
      {"peer is the origin, retracted", Both(PeerIsOrigin, Retract), "origin", true},
      {"peer is the origin, channel closed", Both(PeerIsOrigin, ClosePull), "peer.may_pull", true},
      {"lesson communities include the peer's",
       Communities({"flood-response", "mobile-working"}, {"mobile-working"}), ""},
      {"lesson communities exclude the peer's",
       Communities({"flood-response"}, {"mobile-working"}), "", false, /*shuts_green_copy=*/true},
      {"lesson has communities, peer none", Communities({"mobile-working"}, {}), "", false, true},
      {"no communities on either side", Communities({}, {}), ""},
  };
}

// What the marking row of the contract says, for the table's fixed shapes.
bool MarkingLetsThrough(v1::TlpMarking marking, bool copy, bool shuts_green_copy) {
  switch (marking) {
    case v1::TLP_AMBER_STRICT:
    case v1::TLP_AMBER: return !copy;
    case v1::TLP_GREEN: return !(copy && shuts_green_copy);
    case v1::TLP_CLEAR: return true;
    default: return false;  // RED and unset never leave
  }
}

std::string ExpectedRule(const RuleCase& c, v1::TlpMarking marking, bool copy) {
  if (!c.denies_with.empty() && c.checked_before_marking) return c.denies_with;
  if (!MarkingLetsThrough(marking, copy, c.shuts_green_copy)) return "marking";
  return c.denies_with;
}

TEST(SharingDecisionTable, EveryMarkingHolderAndRule) {
  for (const RuleCase& c : RuleCases()) {
    for (v1::TlpMarking marking : kAllMarkings) {
      for (bool copy : {false, true}) {
        SCOPED_TRACE(c.name + " / " + MarkingLabel(marking) + (copy ? " / copy" : " / origin"));
        Scenario s = BaseScenario(marking, copy);
        c.apply(s);
        const v1::SharingDecision decision = s.Decide();
        const std::string expected = ExpectedRule(c, marking, copy);
        EXPECT_EQ(decision.allowed(), expected.empty());
        EXPECT_EQ(decision.rule(), expected.empty() ? "export.markings" : expected);
        EXPECT_FALSE(decision.explanation().empty());
        if (expected.empty()) {
          EXPECT_THAT(decision.explanation(), HasSubstr(MarkingLabel(marking)));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Randomized property test against an independent predicate.

const std::vector<std::string> kOrgs = {kOrigin, kPeer, kRelay, "nhs-trust"};
const std::vector<std::string> kSectors = {"local-government", "policing", "health", "fire"};
const std::vector<std::string> kTopics = {"wireless", "mobile working", "flooding", "procurement",
                                          "training"};
const std::vector<std::string> kTags = {"laptops", "drones", "radios", "vendors"};
// Communities are tokens (lower case), as lesson and peer validation require.
const std::vector<std::string> kCommunities = {"mobile-working", "flood-response", "blue-light"};
const std::vector<std::string> kRedactable = {"evidence", "driving_event", "project"};

class Random {
 public:
  explicit Random(uint64_t seed) : rng_(seed) {}
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int Between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  const std::string& Pick(const std::vector<std::string>& v) {
    return v[static_cast<size_t>(Between(0, static_cast<int>(v.size()) - 1))];
  }
  std::string AnyCase(std::string s) {
    for (char& ch : s) {
      if (Chance(0.4)) ch = absl::ascii_toupper(static_cast<unsigned char>(ch));
    }
    return s;
  }
  // Each entry of `vocab` with probability `p`, in random case unless `keep_case`.
  std::vector<std::string> Some(const std::vector<std::string>& vocab, double p,
                                bool keep_case = false) {
    std::vector<std::string> out;
    for (const std::string& word : vocab) {
      if (Chance(p)) out.push_back(keep_case ? word : AnyCase(word));
    }
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

void Append(google::protobuf::RepeatedPtrField<std::string>* list,
            const std::vector<std::string>& values) {
  list->Add(values.begin(), values.end());
}

Scenario RandomSample(Random& r) {
  Scenario s;
  v1::Lesson& l = s.lesson;
  l.set_origin_org(r.Pick(kOrgs));
  l.set_id(l.origin_org() + ":01J0000000000000000000000");
  if (r.Chance(0.9)) l.set_origin_sector(r.AnyCase(r.Pick(kSectors)));
  l.set_title("A lesson");
  l.set_summary("Ring jane.doe@nasa.gov about it.");
  if (r.Chance(0.5)) l.set_evidence("The logs.");
  if (r.Chance(0.5)) l.set_project("Rollout");
  if (int marking = r.Between(0, 5); marking != 0) {
    l.set_marking(static_cast<v1::TlpMarking>(marking));
  }
  l.set_status(static_cast<v1::LessonStatus>(r.Chance(0.85) ? r.Between(1, 4) : r.Between(0, 5)));
  if (r.Chance(0.7)) l.set_classification(static_cast<v1::Classification>(r.Between(1, 2)));
  Append(l.mutable_topics(), r.Some(kTopics, 0.35));
  Append(l.mutable_tags(), r.Some(kTags, 0.35));
  if (r.Chance(0.5)) Append(l.mutable_communities(), r.Some(kCommunities, 0.4, true));
  if (r.Chance(0.7)) l.mutable_local()->set_contact("local-contact-sentinel");

  s.holder = r.Chance(0.5) ? l.origin_org() : r.Pick(kOrgs);
  s.peer.set_org_id(r.Pick(kOrgs));
  s.peer.set_may_pull(r.Chance(0.85));
  s.peer.set_may_query(r.Chance(0.85));
  Append(s.peer.mutable_communities(), r.Some(kCommunities, 0.4, true));
  s.channel = r.Chance(0.5) ? SharingChannel::kReplication : SharingChannel::kQuery;

  if (r.Chance(0.1)) return s;  // no policy
  s.policy.emplace();
  s.policy->set_peer_org(s.peer.org_id());
  if (r.Chance(0.05)) return s;  // a policy with no export rules
  v1::ExportRules& e = s.rules();
  for (v1::TlpMarking m : kShareableMarkings) {
    if (r.Chance(0.75)) e.add_markings(m);
  }
  if (r.Chance(0.3)) Append(e.mutable_include_topics(), r.Some(kTopics, 0.4));
  if (r.Chance(0.3)) Append(e.mutable_exclude_topics(), r.Some(kTopics, 0.2));
  if (r.Chance(0.3)) Append(e.mutable_include_tags(), r.Some(kTags, 0.5));
  if (r.Chance(0.3)) Append(e.mutable_exclude_tags(), r.Some(kTags, 0.2));
  if (r.Chance(0.3)) Append(e.mutable_sectors(), r.Some(kSectors, 0.6));
  for (int st = 1; st <= 4 && r.Chance(0.3); ++st) {
    if (r.Chance(0.6)) e.add_statuses(static_cast<v1::LessonStatus>(st));
  }
  if (r.Chance(0.6)) e.set_classification_ceiling(static_cast<v1::Classification>(r.Between(1, 2)));
  Append(e.mutable_redact_fields(), r.Some(kRedactable, 0.3, true));
  e.set_scrub_personal_data(r.Chance(0.5));
  return s;
}

// The documented rule list, read independently: the first rule that refuses, or nullopt.
std::optional<std::string> OracleRefusal(const Scenario& s) {
  const v1::Lesson& l = s.lesson;
  if (s.channel == SharingChannel::kReplication && !s.peer.may_pull()) return "peer.may_pull";
  if (s.channel == SharingChannel::kQuery && !s.peer.may_query()) return "peer.may_query";
  // Not in the header's list; see the table test's "peer is the lesson's origin" case.
  if (s.peer.org_id() == l.origin_org()) return "origin";
  if (l.status() == v1::RETRACTED) return "status";
  const bool copy = s.holder != l.origin_org();
  bool marking_ok = false;
  switch (l.marking()) {
    case v1::TLP_AMBER_STRICT:
    case v1::TLP_AMBER: marking_ok = !copy; break;
    case v1::TLP_GREEN:
      marking_ok = !copy || l.communities().empty() ||
                   IntersectsIgnoreCase(s.peer.communities(), l.communities());
      break;
    case v1::TLP_CLEAR: marking_ok = true; break;
    default: marking_ok = false;
  }
  if (!marking_ok) return "marking";
  if (s.policy == std::nullopt) return "policy";
  const v1::ExportRules& e = s.policy->export_();
  if (!Contains(e.markings(), l.marking())) return "export.markings";
  if (l.classification() > e.classification_ceiling()) return "export.classification_ceiling";
  if (!e.sectors().empty() && !ContainsIgnoreCase(e.sectors(), l.origin_sector())) {
    return "export.sectors";
  }
  if (!e.statuses().empty() && !Contains(e.statuses(), l.status())) return "export.statuses";
  if (IntersectsIgnoreCase(l.topics(), e.exclude_topics())) return "export.exclude_topics";
  if (IntersectsIgnoreCase(l.tags(), e.exclude_tags())) return "export.exclude_tags";
  if (!e.include_topics().empty() && !IntersectsIgnoreCase(l.topics(), e.include_topics())) {
    return "export.include_topics";
  }
  if (!e.include_tags().empty() && !IntersectsIgnoreCase(l.tags(), e.include_tags())) {
    return "export.include_tags";
  }
  if (copy) {
    // A relayed copy must go on unaltered: see what each kind of alteration would do to it.
    v1::Lesson original = l;
    original.clear_local();
    v1::PeerPolicy redact_only = *s.policy;
    redact_only.mutable_export_()->set_scrub_personal_data(false);
    v1::Lesson redacted = RedactForPeer(l, redact_only);
    if (redacted.SerializeAsString() != original.SerializeAsString()) {
      return "export.redact_fields";
    }
    if (RedactForPeer(l, *s.policy).SerializeAsString() != redacted.SerializeAsString()) {
      return "export.scrub_personal_data";
    }
  }
  return std::nullopt;
}

std::string Describe(const Scenario& s) {
  return "lesson {" + s.lesson.ShortDebugString() + "} holder=" + s.holder + " peer {" +
         s.peer.ShortDebugString() + "} policy " +
         (s.policy ? "{" + s.policy->ShortDebugString() + "}" : "null") +
         (s.channel == SharingChannel::kQuery ? " query" : " replication");
}

TEST(SharingPropertyTest, RandomLessonsAgreeWithTheDocumentedRules) {
  Random r(0xCA1B5EEDu);
  std::map<std::string, int> deciding_rules;
  for (int i = 0; i < 5000; ++i) {
    const Scenario s = RandomSample(r);
    SCOPED_TRACE("sample " + std::to_string(i) + ": " + Describe(s));
    const v1::SharingDecision d = s.Decide();
    const v1::TlpMarking marking = s.lesson.marking();
    const bool copy = s.holder != s.lesson.origin_org();
    // (a)-(c): RED, unset, AMBER copies and retracted lessons never leave, whatever the policy.
    const bool amber = marking == v1::TLP_AMBER || marking == v1::TLP_AMBER_STRICT;
    if (marking == v1::TLP_RED || marking == v1::TLP_UNSPECIFIED || (amber && copy) ||
        s.lesson.status() == v1::RETRACTED) {
      ASSERT_FALSE(d.allowed());
    }
    // (d): full agreement with the independent predicate, and the deciding rule.
    const std::optional<std::string> refusal = OracleRefusal(s);
    ASSERT_EQ(d.allowed(), !refusal.has_value()) << "rule=" << d.rule();
    ASSERT_EQ(d.rule(), refusal.value_or("export.markings"));
    if (d.allowed()) {
      ASSERT_THAT(d.explanation(), HasSubstr(MarkingLabel(marking)));
    }
    ++deciding_rules[(d.allowed() ? "allowed by " : "") + d.rule()];
    // ExportView: nullopt exactly when denied; local fields never leave.
    const std::optional<v1::Lesson> view =
        ExportView(s.lesson, s.holder, s.peer, s.policy_ptr(), s.channel);
    ASSERT_EQ(view.has_value(), d.allowed());
    if (!view) continue;
    EXPECT_FALSE(view->has_local());
    EXPECT_THAT(view->DebugString(), Not(HasSubstr("local-contact-sentinel")));
    const auto& redact = s.policy->export_().redact_fields();
    if (s.lesson.has_evidence() && Contains(redact, "evidence")) {
      EXPECT_EQ(view->evidence(), "[redacted]");
    }
    if (s.policy->export_().scrub_personal_data()) {
      EXPECT_THAT(view->summary(), Not(HasSubstr("jane.doe@nasa.gov")));
    }
  }
  // Every rule must have decided some samples, and some must be allowed, to mean anything.
  for (const char* rule : {"peer.may_pull", "peer.may_query", "origin", "status", "marking",
                           "policy", "export.markings", "export.classification_ceiling",
                           "export.sectors", "export.statuses", "export.exclude_topics",
                           "export.exclude_tags", "export.include_topics", "export.include_tags",
                           "allowed by export.markings"}) {
    EXPECT_GE(deciding_rules[rule], 10) << rule;
  }
}

// ---------------------------------------------------------------------------------------------
// 3. RedactForPeer and ExportView.

v1::Lesson RichLesson() {
  v1::Lesson lesson = MakeLesson(v1::TLP_CLEAR);
  lesson.set_driving_event("The wireless rollout went live early.");
  lesson.set_evidence("Incident log 42.");
  lesson.set_project("Agile working");
  lesson.add_recommendations("Audit access points.");
  lesson.add_recommendations("Train staff.");
  return lesson;
}

TEST(RedactForPeerTest, LocalFieldsNeverLeaveAndRedactedFieldsBecomePlaceholders) {
  const v1::Lesson plain = RedactForPeer(RichLesson(), OpenPolicy(kPeer));
  EXPECT_FALSE(plain.has_local());
  EXPECT_EQ(plain.evidence(), "Incident log 42.");

  v1::PeerPolicy policy = OpenPolicy(kPeer);
  for (const char* field : {"evidence", "driving_event", "project", "recommendations"}) {
    EXPECT_TRUE(IsRedactableField(field)) << field;
    policy.mutable_export_()->add_redact_fields(field);
  }
  const v1::Lesson exported = RedactForPeer(RichLesson(), policy);
  EXPECT_EQ(exported.evidence(), "[redacted]");
  EXPECT_EQ(exported.driving_event(), "[redacted]");
  EXPECT_EQ(exported.project(), "[redacted]");
  EXPECT_THAT(exported.recommendations(), ElementsAre("[redacted]"));
  EXPECT_EQ(exported.title(), RichLesson().title());
  EXPECT_EQ(exported.summary(), RichLesson().summary());
  EXPECT_FALSE(exported.has_local());

  v1::Lesson no_recommendations = RichLesson();
  no_recommendations.clear_recommendations();
  EXPECT_THAT(RedactForPeer(no_recommendations, policy).recommendations(), IsEmpty());
}

TEST(RedactForPeerTest, ScrubsPersonalDataWhenAsked) {
  v1::Lesson lesson = RichLesson();
  lesson.set_summary("Contact jane.doe@nasa.gov for the logs.");
  lesson.clear_recommendations();
  lesson.add_recommendations("Write to jane.doe@nasa.gov first.");
  lesson.add_recommendations("Nothing personal here.");

  v1::PeerPolicy policy = OpenPolicy(kPeer);
  EXPECT_EQ(RedactForPeer(lesson, policy).summary(), lesson.summary());  // scrubbing is opt-in

  policy.mutable_export_()->set_scrub_personal_data(true);
  ScrubCounts counts;
  const v1::Lesson exported = RedactForPeer(lesson, policy, &counts);
  EXPECT_EQ(exported.summary(), "Contact [email removed] for the logs.");
  EXPECT_THAT(exported.recommendations(),
              ElementsAre("Write to [email removed] first.", "Nothing personal here."));
  EXPECT_EQ(counts.found[static_cast<size_t>(PersonalData::kEmail)], 2u);
}

TEST(ExportViewTest, NulloptExactlyWhenDenied) {
  for (v1::TlpMarking marking : kAllMarkings) {
    for (bool copy : {false, true}) {
      SCOPED_TRACE(MarkingLabel(marking) + (copy ? " copy" : " origin"));
      Scenario s = BaseScenario(marking, copy);
      s.rules().set_scrub_personal_data(true);
      s.lesson.set_summary("Mail jane.doe@nasa.gov.");
      ScrubCounts counts;
      const auto view = ExportView(s.lesson, s.holder, s.peer, s.policy_ptr(), s.channel, &counts);
      ASSERT_EQ(view.has_value(), s.Decide().allowed());
      if (!view) continue;
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          *view, RedactForPeer(s.lesson, *s.policy)));
      EXPECT_FALSE(view->has_local());
      EXPECT_EQ(counts.total(), 1u);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 4. ValidatePolicy, ParsePolicyText, ValidatePeer.

void ExpectInvalid(const absl::Status& status, const std::string& mention) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(mention));
}

constexpr char kGoodPolicyText[] = R"pb(
  peer_org: "west-police"
  export {
    markings: [ TLP_GREEN, TLP_CLEAR ]
    include_topics: "Wireless" exclude_tags: "draft" sectors: "policing"
    statuses: LESSON_LEARNED classification_ceiling: OFFICIAL_SENSITIVE
    redact_fields: "evidence" scrub_personal_data: true
  }
  import { accepted_topics: "wireless" max_lesson_bytes: 100000 }
)pb";

TEST(SharingPolicyTextTest, GoodPolicyParses) {
  absl::StatusOr<v1::PeerPolicy> policy = ParsePolicyText(kGoodPolicyText);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->peer_org(), "west-police");
  EXPECT_THAT(policy->export_().markings(), ElementsAre(v1::TLP_GREEN, v1::TLP_CLEAR));
  EXPECT_EQ(policy->export_().classification_ceiling(), v1::OFFICIAL_SENSITIVE);
  EXPECT_THAT(policy->export_().redact_fields(), ElementsAre("evidence"));
  EXPECT_TRUE(policy->export_().scrub_personal_data());
  EXPECT_EQ(policy->import().max_lesson_bytes(), 100000u);
  EXPECT_TRUE(ValidatePolicy(*policy).ok());
}

TEST(SharingPolicyTextTest, BadTextIsRefusedWithLineAndField) {
  const absl::StatusOr<v1::PeerPolicy> unknown_field =
      ParsePolicyText("peer_org: \"west-police\"\nexport { colour: \"blue\" }\n");
  ExpectInvalid(unknown_field.status(), "line");
  ExpectInvalid(unknown_field.status(), "colour");

  const absl::StatusOr<v1::PeerPolicy> purple = ParsePolicyText("export { markings: TLP_PURPLE }");
  ExpectInvalid(purple.status(), "line");
  ExpectInvalid(purple.status(), "TLP_PURPLE");
  ExpectInvalid(purple.status(), "markings");

  ExpectInvalid(ParsePolicyText("export { markings: TLP_RED }").status(), "export.markings");
  ExpectInvalid(ParsePolicyText("export { redact_fields: \"title\" }").status(),
                "export.redact_fields");
  ExpectInvalid(ParsePolicyText("export { markings: TLP_GREEN ").status(), "line");
}

// Any message may reach Locate: one whose path does not fit the text comes back as it was.
TEST(SharingPolicyTextTest, LocatingLeavesMessagesThatNameNoWrittenFieldAsTheyWere) {
  v1::PeerPolicy policy;
  TextLocations locations;
  ASSERT_TRUE(ParseTextProto("export {\n  markings: TLP_GREEN\n}\nimport { max_lesson_bytes: 9 }\n",
                             "policy", &policy, &locations)
                  .ok());
  for (const char* message :
       {"policy.import.max_lesson_bytes[2]: an index on a single field",
        "policy.export.markings[1: no closing bracket", "policy.export.markings[-1]: negative",
        "policy.export.markings[x]: not a number", "policy.export.no_such_field: unknown",
        "policy.export.markings.deeper: into a scalar", "policy.import.accepted_topics: not written",
        "policy: the whole policy", "policy.: empty", "config.export: another source", "no colon",
        ""}) {
    const absl::Status status = absl::InvalidArgumentError(message);
    EXPECT_EQ(locations.Locate(status), status) << message;
  }
  EXPECT_EQ(locations.Locate(absl::InvalidArgumentError("policy.export: x")).message(),
            "policy: line 1, column 1: policy.export: x");
  EXPECT_EQ(locations.Locate(absl::InvalidArgumentError("policy.import.max_lesson_bytes: x"))
                .message(),
            "policy: line 4, column 10: policy.import.max_lesson_bytes: x");
  EXPECT_TRUE(locations.Locate(absl::OkStatus()).ok());
}

// A rule broken in a policy that parsed is shown at the line that broke it, as a syntax error is.
TEST(SharingPolicyTextTest, RulesBrokenAfterParsingNameTheirLine) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : {
           // The same list written twice: shown where it was first written.
           Case{"export {\n  markings: [TLP_GREEN, TLP_CLEAR]\n  markings: TLP_RED\n}\n",
                "policy: line 2, column 3: policy.export.markings[2]: TLP_RED"},
           Case{"export {\n  markings: [TLP_GREEN, TLP_RED]\n}\n",
                "policy: line 2, column 3: policy.export.markings[1]: TLP_RED"},
           Case{"export { markings: TLP_GREEN }\nimport {\n  max_lesson_bytes: 0\n}\n",
                "policy: line 3, column 3: policy.import.max_lesson_bytes: must be 1 to"},
           Case{"export {\n  markings: TLP_GREEN\n  classification_ceiling: "
                "CLASSIFICATION_UNSPECIFIED\n}\n",
                "policy: line 3, column 3: policy.export.classification_ceiling: name OFFICIAL"},
           Case{"export {\n  markings: TLP_GREEN\n  redact_fields: [\"summary\", \"title\"]\n}",
                "policy: line 3, column 3: policy.export.redact_fields[1]: 'title'"},
       }) {
    const absl::StatusOr<v1::PeerPolicy> parsed = ParsePolicyText(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(parsed.status().message()), ::testing::StartsWith(c.error)) << c.text;
  }
}

TEST(SharingValidatePolicyTest, RefusesRedAndUnredactableFields) {
  v1::PeerPolicy red = OpenPolicy(kPeer);
  red.mutable_export_()->add_markings(v1::TLP_RED);
  ExpectInvalid(ValidatePolicy(red), "export.markings");

  for (const char* field : {"title", "local", "no_such_field", ""}) {
    SCOPED_TRACE(field);
    EXPECT_FALSE(IsRedactableField(field));
    v1::PeerPolicy policy = OpenPolicy(kPeer);
    policy.mutable_export_()->add_redact_fields(field);
    ExpectInvalid(ValidatePolicy(policy), "export.redact_fields");
  }
}

using StringList = google::protobuf::RepeatedPtrField<std::string>;
struct NamedList {
  std::string name;
  std::function<StringList*(v1::PeerPolicy&)> list;
};

std::vector<NamedList> StringLists() {
  const auto rules = [](v1::PeerPolicy& p) { return p.mutable_export_(); };
  return {
      {"export.include_topics", [=](auto& p) { return rules(p)->mutable_include_topics(); }},
      {"export.exclude_topics", [=](auto& p) { return rules(p)->mutable_exclude_topics(); }},
      {"export.include_tags", [=](auto& p) { return rules(p)->mutable_include_tags(); }},
      {"export.exclude_tags", [=](auto& p) { return rules(p)->mutable_exclude_tags(); }},
      {"export.sectors", [=](auto& p) { return rules(p)->mutable_sectors(); }},
      {"import.accepted_topics",
       [](v1::PeerPolicy& p) { return p.mutable_import()->mutable_accepted_topics(); }},
  };
}

v1::PeerPolicy PolicyWith(const NamedList& named, const std::vector<std::string>& entries) {
  v1::PeerPolicy policy = OpenPolicy(kPeer);
  Append(named.list(policy), entries);
  return policy;
}

std::vector<std::string> Numbered(int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back("topic-" + std::to_string(i));
  return out;
}

TEST(SharingValidatePolicyTest, EnforcesListLimits) {
  const int max_entries = PolicyLimits::kListEntries;
  const size_t max_bytes = PolicyLimits::kEntryBytes;
  for (const NamedList& named : StringLists()) {
    SCOPED_TRACE(named.name);
    const v1::PeerPolicy at_limits = PolicyWith(named, Numbered(max_entries));
    EXPECT_TRUE(ValidatePolicy(at_limits).ok()) << ValidatePolicy(at_limits);
    const v1::PeerPolicy longest = PolicyWith(named, {std::string(max_bytes, 'a')});
    EXPECT_TRUE(ValidatePolicy(longest).ok()) << ValidatePolicy(longest);

    ExpectInvalid(ValidatePolicy(PolicyWith(named, Numbered(max_entries + 1))), named.name);
    ExpectInvalid(ValidatePolicy(PolicyWith(named, {std::string(max_bytes + 1, 'a')})),
                  named.name);
    ExpectInvalid(ValidatePolicy(PolicyWith(named, {"ok", ""})), named.name);  // empty entry
    ExpectInvalid(ValidatePolicy(PolicyWith(named, {"bad\xFF"})), named.name);  // not UTF-8
  }
  v1::PeerPolicy many_markings = OpenPolicy(kPeer);  // 4 markings + 256 more
  for (int i = 0; i < max_entries; ++i) {
    many_markings.mutable_export_()->add_markings(v1::TLP_CLEAR);
  }
  ExpectInvalid(ValidatePolicy(many_markings), "export.markings");
}

TEST(SharingValidatePolicyTest, RefusesUnknownEnumValuesAndFieldsFromTheWire) {
  // export { markings: 42 }: proto2 keeps the unknown enum value among the unknown fields.
  v1::PeerPolicy unknown_enum;
  ASSERT_TRUE(unknown_enum.ParseFromString(std::string("\x12\x02\x08\x2a", 4)));
  ExpectInvalid(ValidatePolicy(unknown_enum), "markings");
  // export { 99: 1 }
  v1::PeerPolicy unknown_field;
  ASSERT_TRUE(unknown_field.ParseFromString(std::string("\x12\x03\x98\x06\x01", 5)));
  ExpectInvalid(ValidatePolicy(unknown_field), "export");
}

TEST(SharingValidatePeerTest, OrgIdAndCommunities) {
  EXPECT_TRUE(ValidatePeer(MakePeer(kPeer)).ok()) << ValidatePeer(MakePeer(kPeer));
  v1::Peer peer = MakePeer(kPeer);
  peer.clear_org_id();
  ExpectInvalid(ValidatePeer(peer), "peer.org_id");
  peer.set_org_id("Not Valid");
  ExpectInvalid(ValidatePeer(peer), "peer.org_id");
  peer = MakePeer(kPeer);
  peer.add_communities("Not Valid");
  ExpectInvalid(ValidatePeer(peer), "peer.communities");
}

// Regression: scrubbing must not mark absent proto2 fields present, or a relayed copy's signed
// encoding would change.
TEST(SharingRegressionTest, ScrubbingLeavesAbsentFieldsAbsent) {
  v1::Lesson lesson;
  lesson.set_title("No personal data here");
  lesson.set_marking(v1::TLP_GREEN);
  v1::PeerPolicy policy;
  policy.mutable_export_()->set_scrub_personal_data(true);
  v1::Lesson view = RedactForPeer(lesson, policy);
  EXPECT_FALSE(view.has_retraction_reason());
  EXPECT_FALSE(view.has_summary());
  EXPECT_EQ(view.SerializeAsString(), lesson.SerializeAsString());
}

// Regression (found by fuzz_import_json): scrubbing lengthens a text ("[email removed]" for
// "a@b.co"), so a title of 420 bytes full of addresses became 960 bytes in the peer's view. The
// node allowed it, and the peer refused it (lesson.title is over 500 bytes) at every pull.
TEST(SharingScrubTest, AnOwnLessonWhoseScrubbedViewWouldBreakACapIsNotSent) {
  v1::Lesson lesson = MakeLesson(v1::TLP_GREEN);
  std::string title;
  for (int i = 0; i < 60; ++i) absl::StrAppend(&title, "a@b.co ");
  lesson.set_title(title);
  ASSERT_TRUE(ValidateLessonContent(lesson).ok());
  v1::PeerPolicy policy = OpenPolicy(kPeer);
  policy.mutable_export_()->set_scrub_personal_data(true);
  const v1::Peer peer = MakePeer(kPeer);
  for (SharingChannel channel : {SharingChannel::kReplication, SharingChannel::kQuery}) {
    v1::SharingDecision decision = DecideSharing(lesson, kOrigin, peer, &policy, channel);
    EXPECT_FALSE(decision.allowed());
    EXPECT_EQ(decision.rule(), "export.scrub_personal_data");
    EXPECT_THAT(decision.explanation(), HasSubstr("lesson.title"));
    EXPECT_FALSE(ExportView(lesson, kOrigin, peer, &policy, channel).has_value());
  }
  // Unscrubbed it fits, and so does a scrubbed lesson with room to spare.
  policy.mutable_export_()->set_scrub_personal_data(false);
  EXPECT_TRUE(
      DecideSharing(lesson, kOrigin, peer, &policy, SharingChannel::kReplication).allowed());
  policy.mutable_export_()->set_scrub_personal_data(true);
  lesson.set_title("Ask it-security@leeds.gov.uk before rollout");
  std::optional<v1::Lesson> view =
      ExportView(lesson, kOrigin, peer, &policy, SharingChannel::kReplication);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->title(), "Ask [email removed] before rollout");
  EXPECT_TRUE(ValidateLessonContent(*view).ok());
}

}  // namespace
}  // namespace cairn
