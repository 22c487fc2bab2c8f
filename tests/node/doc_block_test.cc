#include "node/storage/doc_block.h"

#include <map>
#include <random>

#include "gtest/gtest.h"

namespace cairn {
namespace {

std::map<uint32_t, std::string> Read(const std::string& block) {
  std::map<uint32_t, std::string> entries;
  DocBlockReader reader(block);
  DocEntry entry;
  while (reader.Next(&entry)) {
    EXPECT_FALSE(entry.removed);
    entries[entry.doc] = std::string(entry.payload);
  }
  EXPECT_FALSE(reader.corrupt());
  return entries;
}

std::string Operand(uint32_t doc, const std::optional<std::string>& payload) {
  DocBlockWriter writer;
  if (payload) {
    writer.Add(doc, *payload);
  } else {
    writer.Remove(doc);
  }
  return std::move(writer).Finish();
}

TEST(DocBlockTest, LaterOperandsWinAndRemovalsDisappearFromAFullMerge) {
  DocBlockWriter base;
  base.Add(3, "three");
  base.Add(7, "seven");
  std::string stored = std::move(base).Finish();
  std::string add = Operand(5, "five"), change = Operand(7, "SEVEN"), remove = Operand(3, std::nullopt);
  std::optional<std::string> merged = MergeDocBlocks(stored, {add, change, remove}, false);
  ASSERT_TRUE(merged);
  EXPECT_EQ(Read(*merged), (std::map<uint32_t, std::string>{{5, "five"}, {7, "SEVEN"}}));
}

// Operands combined early (a partial merge) then applied give what applying them one by one
// gives, for random sequences of additions and removals.
TEST(DocBlockTest, PartialThenFullMergeEqualsApplyingInOrder) {
  std::mt19937 random(7);
  for (int round = 0; round < 500; ++round) {
    std::map<uint32_t, std::string> expected;
    std::vector<std::string> operands;
    for (int i = 0; i < 20; ++i) {
      uint32_t doc = random() % 16;
      if (random() % 3 == 0) {
        operands.push_back(Operand(doc, std::nullopt));
        expected.erase(doc);
      } else {
        std::string payload(random() % 4, static_cast<char>('a' + random() % 26));
        operands.push_back(Operand(doc, payload));
        expected[doc] = payload;
      }
    }
    size_t split = random() % operands.size();
    std::vector<absl::string_view> first(operands.begin(), operands.begin() + split);
    std::vector<absl::string_view> second(operands.begin() + split, operands.end());
    std::optional<std::string> partial = MergeDocBlocks(std::nullopt, second, true);
    ASSERT_TRUE(partial);
    std::optional<std::string> base = MergeDocBlocks(std::nullopt, first, false);
    ASSERT_TRUE(base);
    std::optional<std::string> full = MergeDocBlocks(*base, {*partial}, false);
    ASSERT_TRUE(full);
    EXPECT_EQ(Read(*full), expected) << "round " << round;
  }
}

// Indexing mostly appends: inputs whose documents all follow the previous input's. Those merge
// by concatenation, which must give exactly the block that writing the entries afresh gives.
TEST(DocBlockTest, InputsInDocumentOrderMergeToTheSameBytesAsWritingAfresh) {
  std::mt19937 random(11);
  for (int round = 0; round < 500; ++round) {
    const bool keep_removals = round % 2 == 1;
    std::vector<std::string> inputs;
    DocBlockWriter expected;
    uint32_t doc = random() % 3;
    const int input_count = 1 + random() % 5;
    for (int input = 0; input < input_count; ++input) {
      DocBlockWriter writer;
      const int entry_count = random() % 4;
      for (int entry = 0; entry < entry_count; ++entry) {
        doc += 1 + random() % 300;  // deltas of one and two varint bytes
        std::string payload(random() % 3, static_cast<char>('a' + random() % 26));
        if (keep_removals && random() % 4 == 0) {
          writer.Remove(doc);
          expected.Remove(doc);
        } else {
          writer.Add(doc, payload);
          expected.Add(doc, payload);
        }
      }
      inputs.push_back(std::move(writer).Finish());
    }
    std::vector<absl::string_view> operands(inputs.begin() + 1, inputs.end());
    std::optional<std::string> merged = MergeDocBlocks(inputs[0], operands, keep_removals);
    ASSERT_TRUE(merged);
    EXPECT_EQ(*merged, std::move(expected).Finish()) << "round " << round;
  }
  // Out of order, the same inputs still merge right (by sorting).
  std::string late = Operand(9, "nine"), early = Operand(2, "two");
  std::optional<std::string> merged = MergeDocBlocks(late, {early}, false);
  ASSERT_TRUE(merged);
  EXPECT_EQ(Read(*merged), (std::map<uint32_t, std::string>{{2, "two"}, {9, "nine"}}));
  // An input starting at the previous one's last document: the later entry wins.
  DocBlockWriter base;
  base.Add(2, "two");
  base.Add(9, "nine");
  std::string stored = std::move(base).Finish();
  std::string again = Operand(9, "NINE");
  merged = MergeDocBlocks(stored, {again}, false);
  ASSERT_TRUE(merged);
  EXPECT_EQ(Read(*merged), (std::map<uint32_t, std::string>{{2, "two"}, {9, "NINE"}}));
  // A removal after the last document, in a full merge: dropped, not appended.
  std::string gone = Operand(12, std::nullopt);
  merged = MergeDocBlocks(stored, {gone}, false);
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged, stored);
}

// A stored block says how many entries it has and the largest of each leading varint of their
// payloads, which readers skip blocks by: it must be exactly that of its entries.
TEST(DocBlockTest, AStoredBlockSummarizesItsEntries) {
  DocBlockWriter writer;
  std::string first, second;
  for (uint64_t value : {3, 0, 200, 7}) PutVarint(value, &first);
  for (uint64_t value : {1, 9, 5, 7, 1, 2, 99}) PutVarint(value, &second);  // beyond 6: not kept
  writer.Add(4, first);
  writer.Add(1000, second);
  const std::string entries = std::move(writer).Finish();
  std::optional<std::string> stored = StoredDocBlock(entries);
  ASSERT_TRUE(stored);
  DocBlockSummary summary;
  absl::string_view read;
  ASSERT_TRUE(ReadStoredDocBlock(*stored, &summary, &read));
  EXPECT_EQ(read, entries);
  EXPECT_EQ(summary.entries, 2u);
  EXPECT_EQ(summary.maxima, (std::array<uint32_t, kDocBlockMaxima>{3, 9, 200, 7, 1, 2}));
  EXPECT_FALSE(StoredDocBlock(std::string("\x01\x09x", 3)));
  EXPECT_FALSE(ReadStoredDocBlock(std::string("\x02\x01", 2), &summary, &read));  // cut short
}

TEST(DocBlockTest, MalformedInputIsRefused) {
  EXPECT_FALSE(MergeDocBlocks(std::string("\x01\x09x", 3), {}, false));  // payload runs off
  EXPECT_FALSE(MergeDocBlocks(std::nullopt, {std::string("\x80", 1)}, false));  // cut varint
}

}  // namespace
}  // namespace cairn
