#include "node/lessons/lesson_id.h"

#include "gtest/gtest.h"
#include "tests/support/fakes.h"

namespace cairn {
namespace {

TEST(LessonIdTest, IdsStrictlyIncreaseWithinOneMillisecond) {
  testing::FakeClock clock;
  testing::CountingRandom random;
  LessonIdGenerator ids("leeds-council", &clock, &random);
  std::string previous = ids.Next();
  for (int i = 0; i < 1000; ++i) {
    std::string next = ids.Next();
    ASSERT_LT(previous, next);
    previous = next;
  }
}

TEST(LessonIdTest, IdsStrictlyIncreaseWhenTheClockStepsBack) {
  testing::FakeClock clock;
  testing::CountingRandom random;
  LessonIdGenerator ids("leeds-council", &clock, &random);
  std::string before = ids.Next();
  clock.Advance(absl::Seconds(-5));
  EXPECT_LT(before, ids.Next());
}

TEST(LessonIdTest, LaterTimesSortLater) {
  testing::FakeClock clock;
  testing::CountingRandom random;
  LessonIdGenerator ids("leeds-council", &clock, &random);
  std::string early = ids.Next();
  clock.Advance(absl::Milliseconds(1));
  EXPECT_LT(early, ids.Next());
}

TEST(LessonIdTest, GeneratedIdsParse) {
  testing::FakeClock clock;
  testing::CountingRandom random;
  LessonIdGenerator ids("leeds-council", &clock, &random);
  std::string id = ids.Next();
  auto parts = ParseLessonId("id", id);
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->org_id, "leeds-council");
  EXPECT_EQ(parts->ulid.size(), 26u);
}

TEST(LessonIdTest, MalformedIdsAreInvalidArguments) {
  for (const char* bad : {"", "leeds-council", "leeds-council:", "Leeds:01ARZ3NDEKTSV4RRFFQ69G5FAV",
                          "leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FA",    // 25 characters
                          "leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FAU",   // U is not Crockford
                          "leeds-council:81ARZ3NDEKTSV4RRFFQ69G5FAV"}) {  // past 2^48 ms
    auto parts = ParseLessonId("lesson.id", bad);
    EXPECT_EQ(parts.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace cairn
