#include "node/search/posting.h"

#include "node/storage/doc_block.h"

namespace cairn::search {

std::string EncodePosting(const Occurrences& occurrences) {
  std::string payload;
  for (const auto& positions : occurrences) PutVarint(positions.size(), &payload);
  for (const auto& positions : occurrences) {
    uint32_t last = 0;
    for (uint32_t position : positions) {
      PutVarint(position - last, &payload);
      last = position;
    }
  }
  return payload;
}

bool DecodeCounts(absl::string_view* payload, std::array<uint32_t, kFields>* counts) {
  for (uint32_t& count : *counts) {
    uint64_t value = 0;
    if (!GetVarint(payload, &value) || value > UINT32_MAX) return false;
    count = static_cast<uint32_t>(value);
  }
  return true;
}

bool DecodePositions(absl::string_view payload, Occurrences* occurrences) {
  std::array<uint32_t, kFields> counts;
  if (!DecodeCounts(&payload, &counts)) return false;
  for (int field = 0; field < kFields; ++field) {
    (*occurrences)[field].clear();
    uint64_t position = 0;
    for (uint32_t i = 0; i < counts[field]; ++i) {
      uint64_t delta = 0;
      if (!GetVarint(&payload, &delta)) return false;
      position += delta;
      (*occurrences)[field].push_back(static_cast<uint32_t>(position));
    }
  }
  return true;
}

}  // namespace cairn::search
