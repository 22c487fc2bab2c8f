#include "node/lessons/validation.h"

#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

v1::Lesson Valid() {
  v1::Lesson lesson;
  lesson.set_title("Lock down the wireless before rollout");
  lesson.set_marking(v1::TLP_AMBER);
  return lesson;
}

void ExpectInvalid(const v1::Lesson& lesson, const std::string& mention) {
  absl::Status status = ValidateLessonContent(lesson);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr(mention));
}

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x8B"));  // é € 🔋
}

TEST(Utf8Test, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("a\x80z"));            // stray continuation byte
}

TEST(ValidateLessonTest, AcceptsAMinimalLesson) { EXPECT_TRUE(ValidateLessonContent(Valid()).ok()); }

TEST(ValidateLessonTest, TitleIsRequired) {
  v1::Lesson lesson = Valid();
  lesson.clear_title();
  ExpectInvalid(lesson, "lesson.title: is empty");
  lesson.set_title(" \t\n");
  ExpectInvalid(lesson, "lesson.title: is empty");
}

TEST(ValidateLessonTest, EachSizeCapNamesFieldAndLimit) {
  v1::Lesson lesson = Valid();
  lesson.set_title(std::string(LessonLimits::kTitleBytes + 1, 'x'));
  ExpectInvalid(lesson, "lesson.title: 501 bytes is over the limit of 500 bytes");

  lesson = Valid();
  lesson.set_summary(std::string(LessonLimits::kSummaryBytes + 1, 'x'));
  ExpectInvalid(lesson, "lesson.summary");

  lesson = Valid();
  lesson.mutable_local()->set_internal_notes(std::string(LessonLimits::kTextBytes + 1, 'x'));
  ExpectInvalid(lesson, "lesson.local.internal_notes");

  lesson = Valid();
  for (size_t i = 0; i <= LessonLimits::kListItems; ++i) lesson.add_topics("topic");
  ExpectInvalid(lesson, "lesson.topics: 65 entries is over the limit of 64");

  lesson = Valid();
  lesson.add_tags(std::string(LessonLimits::kListItemBytes + 1, 't'));
  ExpectInvalid(lesson, "lesson.tags[0]");
}

TEST(ValidateLessonTest, TextAtTheCapIsAccepted) {
  v1::Lesson lesson = Valid();
  lesson.set_title(std::string(LessonLimits::kTitleBytes, 'x'));
  lesson.set_lesson(std::string(LessonLimits::kTextBytes, 'x'));
  EXPECT_TRUE(ValidateLessonContent(lesson).ok());
}

TEST(ValidateLessonTest, WholeLessonHasACap) {
  v1::Lesson lesson = Valid();
  for (int i = 0; i < 5; ++i) lesson.add_recommendations(std::string(60 * 1024, 'r'));
  ExpectInvalid(lesson, "is over the limit of 262144 bytes");
}

// The origin validates before it signs, so a signed copy must not fail on its signature's bytes.
TEST(ValidateLessonTest, WholeLessonCapLeavesOutTheProvenance) {
  v1::Lesson lesson = Valid();
  lesson.add_recommendations(std::string(LessonLimits::kTextBytes, 'r'));
  lesson.add_recommendations(std::string(LessonLimits::kTextBytes, 'r'));
  lesson.add_recommendations(std::string(LessonLimits::kTextBytes, 'r'));
  size_t room = LessonLimits::kLessonBytes - lesson.ByteSizeLong();
  lesson.set_driving_event(std::string(room - 8, 'd'));  // just under the cap
  ASSERT_TRUE(ValidateLessonContent(lesson).ok());
  lesson.mutable_provenance()->add_certificate_chain(std::string(2000, 'c'));
  ASSERT_GT(lesson.ByteSizeLong(), LessonLimits::kLessonBytes);
  EXPECT_TRUE(ValidateLessonContent(lesson).ok());
  lesson.set_evidence(std::string(4096, 'e'));
  ExpectInvalid(lesson, "is over the limit of 262144 bytes");
}

TEST(ValidateLessonTest, InvalidUtf8NamesTheField) {
  v1::Lesson lesson = Valid();
  lesson.set_summary("bad \xFF byte");
  ExpectInvalid(lesson, "lesson.summary: is not valid UTF-8");

  lesson = Valid();
  lesson.add_recommendations("fine");
  lesson.add_recommendations("\xC0\x80");
  ExpectInvalid(lesson, "lesson.recommendations[1]: is not valid UTF-8");

  lesson = Valid();
  lesson.mutable_local()->set_contact("\xED\xA0\x80");
  ExpectInvalid(lesson, "lesson.local.contact: is not valid UTF-8");
}

TEST(ValidateLessonTest, UnknownEnumValueNamesTheField) {
  v1::Lesson sent = Valid();
  sent.clear_marking();
  // What a newer or hostile client would put on the wire: field 40 (marking) = 42.
  sent.GetReflection()->MutableUnknownFields(&sent)->AddVarint(
      v1::Lesson::kMarkingFieldNumber, 42);
  v1::Lesson received;
  ASSERT_TRUE(received.ParseFromString(sent.SerializeAsString()));
  ExpectInvalid(received, "lesson.marking: unknown value 42 for TlpMarking");
}

TEST(ValidateLessonTest, UnknownFieldIsRefused) {
  v1::Lesson lesson = Valid();
  lesson.GetReflection()->MutableUnknownFields(&lesson)->AddVarint(999, 1);
  ExpectInvalid(lesson, "unknown field number 999");
}

TEST(ValidateLessonTest, TimestampsMustBeRealDates) {
  v1::Lesson lesson = Valid();
  lesson.mutable_occurred_at()->set_seconds(1531872000);
  EXPECT_TRUE(ValidateLessonContent(lesson).ok());
  lesson.mutable_occurred_at()->set_nanos(-1);
  ExpectInvalid(lesson, "lesson.occurred_at: is not a date");
  lesson.mutable_occurred_at()->set_nanos(0);
  lesson.mutable_occurred_at()->set_seconds(253'402'300'800);  // year 10000
  ExpectInvalid(lesson, "lesson.occurred_at: is not a date");
}

TEST(ValidateLessonTest, MarkingMustBeChosen) {
  v1::Lesson lesson = Valid();
  lesson.clear_marking();
  ExpectInvalid(lesson, "lesson.marking: is not set");
}

TEST(ValidateLessonTest, RetractedStatusOnlyThroughRetract) {
  v1::Lesson lesson = Valid();
  lesson.set_status(v1::RETRACTED);
  ExpectInvalid(lesson, "lesson.status");
}

TEST(ValidateLessonTest, CommunitiesAreTokensAndListsHaveNoBlankEntries) {
  v1::Lesson lesson = Valid();
  lesson.add_communities("Mobile Working");
  ExpectInvalid(lesson, "lesson.communities[0]");

  lesson = Valid();
  lesson.add_topics("  ");
  ExpectInvalid(lesson, "lesson.topics[0]: is empty");
}

}  // namespace
}  // namespace cairn
