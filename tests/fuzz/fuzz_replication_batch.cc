// Fuzzes a replication batch as a receiver gets it: bytes parsed as cairn.v1.ReplicationBatch,
// then ReplicaApplier::Apply (check every lesson, apply, store the cursor) into a receiver on an
// in-memory RocksDB that holds a few copies from leeds-council (so retractions, replacements,
// withdrawals and resynchronisation sweeps have something to act on).
//
// Opening RocksDB is most of the cost of an input, so one receiver serves 500 inputs: after each,
// ForgetSource(leeds-council) withdraws everything it supplied, which must leave the receiver
// holding no lesson at all, and the next input starts from the same copies. What carries over
// (change-log and audit sequence numbers) does not change what a batch does.
//
// Input: one flags byte, then the serialized batch.
//   bit 0  sign each lesson, as its origin, when the origin is one of the test federation's
//          (so the fuzzer reaches past signature checks with content it chose)
//   bit 1  the batch comes from far-fire, a node that is not our peer (NOT_FOUND expected)
//   bit 2  apply the batch a second time: that must change nothing
//
// After every batch, whatever the outcome, everything the receiver holds must pass the checks a
// receiver makes (content, id, marking, signature), and none of it may be a RETRACTED copy, a
// RED copy, or a copy of the receiver's own lesson.
//
// The receiver is reused across inputs (see above); a finding reproduces from its input alone.
#include <cstddef>
#include <cstdint>
#include <string>

#include "node/lessons/validation.h"
#include "node/policy/sharing.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/replication_world.h"

namespace {

using cairn::fuzz::Federation;
using cairn::fuzz::Receiver;

const cairn::v1::ReplicationBatch& Baseline() {
  static const cairn::v1::ReplicationBatch* const batch = [] {
    auto* batch = new cairn::v1::ReplicationBatch();
    using cairn::fuzz::SignedChange;
    *batch->add_changes() = SignedChange(cairn::fuzz::kPeer, "01ARZ3NDEKTSV4RRFFQ69G5FA1", 1,
                                         "Lock down wireless", cairn::v1::TLP_GREEN);
    *batch->add_changes() = SignedChange(cairn::fuzz::kPeer, "01ARZ3NDEKTSV4RRFFQ69G5FA2", 2,
                                         "Charge radios", cairn::v1::TLP_AMBER);
    *batch->add_changes() = SignedChange(cairn::fuzz::kFarOrigin, "01ARZ3NDEKTSV4RRFFQ69G5FA3", 1,
                                         "Label chargers", cairn::v1::TLP_CLEAR);
    batch->set_cursor(10);
    batch->set_sender_sequence(10);
    return batch;
  }();
  return *batch;
}

void CheckHeld(Receiver& receiver) {
  const Federation& federation = Federation::Get();
  absl::Status scan = receiver.store().ScanLessons("", [&](const cairn::v1::Lesson& lesson) {
    FUZZ_CHECK(lesson.origin_org() != cairn::fuzz::kSelf, "%s", lesson.id().c_str());
    FUZZ_CHECK(lesson.status() != cairn::v1::RETRACTED, "%s", lesson.id().c_str());
    absl::Status offered = cairn::CheckOfferedLesson(lesson, lesson.origin_org(), {});
    FUZZ_CHECK(offered.ok(), "%s: %s", lesson.id().c_str(), offered.ToString().c_str());
    absl::Status signature = federation.verifier().Verify(lesson);
    FUZZ_CHECK(signature.ok(), "%s: %s", lesson.id().c_str(), signature.ToString().c_str());
    return true;
  });
  FUZZ_CHECK(scan.ok(), "%s", scan.ToString().c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  cairn::v1::ReplicationBatch batch;
  if (!batch.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  if (flags & 1) {
    for (cairn::v1::ReplicatedChange& change : *batch.mutable_changes()) {
      if (!change.has_lesson()) continue;
      const cairn::LessonSigner* signer = Federation::Get().SignerOf(change.lesson().origin_org());
      if (signer != nullptr) (void)signer->Sign(change.mutable_lesson());
    }
  }
  const char* source = (flags & 2) ? cairn::fuzz::kFarOrigin : cairn::fuzz::kPeer;

  static Receiver* receiver_in_use = nullptr;
  static int inputs = 0;
  if (receiver_in_use == nullptr || ++inputs % 500 == 0) {
    delete receiver_in_use;
    receiver_in_use = new Receiver();
  }
  Receiver& receiver = *receiver_in_use;
  absl::Status baseline = receiver.applier().Apply(cairn::fuzz::kPeer, Baseline());
  FUZZ_CHECK(baseline.ok(), "%s", baseline.ToString().c_str());

  absl::Status applied = receiver.applier().Apply(source, batch);
  if (flags & 2) FUZZ_CHECK(absl::IsNotFound(applied), "%s", applied.ToString().c_str());
  CheckHeld(receiver);
  if (applied.ok() && (flags & 4)) {
    uint64_t sequence = receiver.store().LastSequence();
    absl::Status again = receiver.applier().Apply(source, batch);
    FUZZ_CHECK(again.ok(), "%s", again.ToString().c_str());
    FUZZ_CHECK(receiver.store().LastSequence() == sequence,
               "applying the same batch again changed the store (%llu -> %llu)",
               static_cast<unsigned long long>(sequence),
               static_cast<unsigned long long>(receiver.store().LastSequence()));
    CheckHeld(receiver);
  }

  // Stopping to pull from leeds-council withdraws every copy: nothing else supplied any.
  absl::Status forgot = receiver.applier().ForgetSource(cairn::fuzz::kPeer);
  FUZZ_CHECK(forgot.ok(), "%s", forgot.ToString().c_str());
  absl::Status scan = receiver.store().ScanLessons("", [](const cairn::v1::Lesson& lesson) {
    FUZZ_CHECK(false, "%s is still held after its only source was forgotten", lesson.id().c_str());
    return false;
  });
  FUZZ_CHECK(scan.ok(), "%s", scan.ToString().c_str());
  return 0;
}
