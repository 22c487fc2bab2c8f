// Writes the seed corpora that are easier made in C++ than by hand: replication batches (a flags
// byte, then the serialized cairn.v1.ReplicationBatch; see fuzz_replication_batch.cc) and page
// tokens. Usage: write_seeds CORPUS_DIR (it writes CORPUS_DIR/fuzz_replication_batch/* and
// CORPUS_DIR/fuzz_page_token/*).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "node/common/page_token.h"
#include "tests/fuzz/replication_world.h"

namespace {

using cairn::fuzz::SignedChange;
using cairn::v1::ReplicationBatch;

void Write(const std::filesystem::path& dir, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

void WriteBatch(const std::filesystem::path& dir, const std::string& name, uint8_t flags,
                const ReplicationBatch& batch) {
  Write(dir, name, std::string(1, static_cast<char>(flags)) + batch.SerializeAsString());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_seeds CORPUS_DIR\n";
    return 2;
  }
  const std::filesystem::path root = argv[1];
  const std::filesystem::path batches = root / "fuzz_replication_batch";
  const std::string peer = cairn::fuzz::kPeer;
  const std::string far = cairn::fuzz::kFarOrigin;
  constexpr uint8_t kSign = 1, kStranger = 2, kTwice = 4;

  ReplicationBatch empty;
  empty.set_cursor(11);
  empty.set_sender_sequence(11);
  WriteBatch(batches, "empty", 0, empty);

  ReplicationBatch fresh;
  *fresh.add_changes() =
      SignedChange(peer, "01ARZ3NDEKTSV4RRFFQ69G5FB1", 1, "New lesson", cairn::v1::TLP_GREEN);
  *fresh.add_changes() =
      SignedChange(far, "01ARZ3NDEKTSV4RRFFQ69G5FB2", 1, "Relayed", cairn::v1::TLP_CLEAR);
  fresh.set_cursor(12);
  WriteBatch(batches, "new_lessons_signed", kSign, fresh);
  WriteBatch(batches, "new_lessons_twice", kSign | kTwice, fresh);
  WriteBatch(batches, "new_lessons_stale_signature", 0, fresh);
  WriteBatch(batches, "from_a_stranger", kSign | kStranger, fresh);

  ReplicationBatch newer;
  *newer.add_changes() = SignedChange(peer, "01ARZ3NDEKTSV4RRFFQ69G5FA1", 2,
                                      "Lock down wireless v2", cairn::v1::TLP_GREEN);
  *newer.add_changes() =
      SignedChange(peer, "01ARZ3NDEKTSV4RRFFQ69G5FA2", 1, "Older version", cairn::v1::TLP_AMBER);
  newer.set_cursor(13);
  WriteBatch(batches, "newer_and_older_versions", kSign | kTwice, newer);

  ReplicationBatch retract;
  retract.add_changes()->mutable_retraction()->set_lesson_id(peer + ":01ARZ3NDEKTSV4RRFFQ69G5FA1");
  retract.mutable_changes(0)->mutable_retraction()->set_reason("retracted by its origin");
  retract.add_changes()->mutable_retraction()->set_lesson_id(far + ":01ARZ3NDEKTSV4RRFFQ69G5FA3");
  cairn::v1::ReplicatedChange retracted =
      SignedChange(peer, "01ARZ3NDEKTSV4RRFFQ69G5FA2", 3, "Charge radios", cairn::v1::TLP_AMBER);
  retracted.mutable_lesson()->set_status(cairn::v1::RETRACTED);
  retracted.mutable_lesson()->set_retraction_reason("superseded");
  *retract.add_changes() = retracted;
  retract.set_cursor(14);
  WriteBatch(batches, "retractions", kSign | kTwice, retract);

  ReplicationBatch hostile;
  cairn::v1::ReplicatedChange red =
      SignedChange(peer, "01ARZ3NDEKTSV4RRFFQ69G5FB3", 1, "Red", cairn::v1::TLP_RED);
  *hostile.add_changes() = red;
  cairn::v1::ReplicatedChange amber_relayed =
      SignedChange(far, "01ARZ3NDEKTSV4RRFFQ69G5FB4", 1, "Amber relayed", cairn::v1::TLP_AMBER);
  *hostile.add_changes() = amber_relayed;
  cairn::v1::ReplicatedChange cycle =
      SignedChange(far, "01ARZ3NDEKTSV4RRFFQ69G5FB5", 1, "Cycle", cairn::v1::TLP_CLEAR);
  cycle.add_path(cairn::fuzz::kSelf);
  *hostile.add_changes() = cycle;
  cairn::v1::ReplicatedChange own = SignedChange(cairn::fuzz::kSelf, "01ARZ3NDEKTSV4RRFFQ69G5FB6",
                                                 1, "Our own", cairn::v1::TLP_CLEAR);
  *hostile.add_changes() = own;
  cairn::v1::ReplicatedChange wrong_sector =
      SignedChange(peer, "01ARZ3NDEKTSV4RRFFQ69G5FB7", 1, "Sector", cairn::v1::TLP_GREEN);
  wrong_sector.mutable_lesson()->set_origin_sector("health");
  *hostile.add_changes() = wrong_sector;
  cairn::v1::ReplicatedChange untitled =
      SignedChange(peer, "01ARZ3NDEKTSV4RRFFQ69G5FB8", 1, "", cairn::v1::TLP_GREEN);
  *hostile.add_changes() = untitled;
  cairn::v1::ReplicatedChange bad_id =
      SignedChange(peer, "not-a-ulid", 1, "Bad id", cairn::v1::TLP_GREEN);
  *hostile.add_changes() = bad_id;
  hostile.set_cursor(15);
  WriteBatch(batches, "hostile_mix", kSign, hostile);
  WriteBatch(batches, "hostile_mix_unsigned", 0, hostile);

  ReplicationBatch resync;
  resync.set_resync(true);
  resync.set_resync_id(7);
  *resync.add_changes() = SignedChange(peer, "01ARZ3NDEKTSV4RRFFQ69G5FA1", 1, "Lock down wireless",
                                       cairn::v1::TLP_GREEN);
  resync.set_cursor(20);
  WriteBatch(batches, "resync_page", kSign, resync);
  resync.set_ends_resync(true);
  WriteBatch(batches, "resync_end", kSign | kTwice, resync);
  resync.clear_changes();
  resync.add_confirmed_buckets(0);
  resync.add_confirmed_buckets(17);
  resync.add_confirmed_buckets(4294967295u);
  WriteBatch(batches, "resync_end_confirmed_buckets", kSign | kTwice, resync);

  ReplicationBatch big;
  for (int i = 0; i < 40; ++i) {
    *big.add_changes() = SignedChange(peer, absl::StrCat("01ARZ3NDEKTSV4RRFFQ69G5F", 10 + i), 1,
                                      absl::StrCat("Lesson ", i), cairn::v1::TLP_GREEN);
  }
  big.set_cursor(30);
  WriteBatch(batches, "forty_lessons", kSign, big);

  const std::filesystem::path tokens = root / "fuzz_page_token";
  Write(tokens, "lessons",
        cairn::EncodePageToken("lessons", "leeds-council:01ARZ3NDEKTSV4RRFFQ69G5FA1"));
  Write(tokens, "audit", cairn::EncodePageToken("audit", "1234"));
  Write(tokens, "search", cairn::EncodePageToken("search", "9876543210/10"));
  Write(tokens, "export",
        cairn::EncodePageToken("export", "west-police:01ARZ3NDEKTSV4RRFFQ69G5FA1"));
  Write(tokens, "empty_position", cairn::EncodePageToken("lessons", ""));
  Write(tokens, "padded", "bGVzc29uczp4eQ==");
  Write(tokens, "not_base64", "!!!not base64!!!");
  Write(tokens, "other_kind", cairn::EncodePageToken("other", "x"));
  return 0;
}
