#include "node/search/posting.h"

#include "absl/strings/str_cat.h"
#include "node/storage/doc_block.h"

namespace cairn::search {
void SetPostingsKey(absl::string_view term, uint32_t doc, std::string* key) {
  key->assign(term.data(), term.size());
  key->push_back('\0');
  uint32_t block = doc >> kBlockShift;
  for (int shift = 24; shift >= 0; shift -= 8) key->push_back(static_cast<char>(block >> shift));
}

std::string TermPrefix(absl::string_view term) {
  return absl::StrCat(term, absl::string_view("\0", 1));
}

static_assert(kDocBlockMaxima == 2 * kFields, "a block keeps the maxima of counts and densities");

std::string EncodePosting(const Occurrences& occurrences,
                          const std::array<uint32_t, kFields>& words) {
  std::string payload;
  for (const auto& positions : occurrences) PutVarint(positions.size(), &payload);
  for (int field = 0; field < kFields; ++field) {
    PutVarint(DensityCeiling(static_cast<uint32_t>(occurrences[field].size()), words[field]),
              &payload);
  }
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
  for (int field = 0; field < kFields; ++field) {
    uint64_t density = 0;
    if (!GetVarint(payload, &density)) return false;
  }
  return true;
}

ScoreBound BoundOf(const DocBlockSummary& summary) {
  ScoreBound bound;
  for (int field = 0; field < kFields; ++field) {
    bound.counts[field] = summary.maxima[field];
    bound.densities[field] = summary.maxima[kFields + field];
  }
  return bound;
}

ScoreBound BoundOf(const std::array<uint32_t, kFields>& counts,
                   const std::array<uint32_t, kFields>& words) {
  ScoreBound bound;
  bound.counts = counts;
  for (int field = 0; field < kFields; ++field) {
    bound.densities[field] = DensityCeiling(counts[field], words[field]);
  }
  return bound;
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
