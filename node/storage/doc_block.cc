#include "node/storage/doc_block.h"

#include <algorithm>

namespace cairn {

// Each entry: varint(doc - previous doc), then varint(0) for a removal or varint(size + 1) and
// the payload. The first entry's delta is from 0.

void PutVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool GetVarint(absl::string_view* in, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) {
      *value = result;
      return true;
    }
  }
  return false;
}

void DocBlockWriter::PutDoc(uint32_t doc) {
  PutVarint(doc - last_doc_, &out_);
  last_doc_ = doc;
}

void DocBlockWriter::Add(uint32_t doc, absl::string_view payload) {
  PutDoc(doc);
  PutVarint(payload.size() + 1, &out_);
  out_.append(payload.data(), payload.size());
}

void DocBlockWriter::Remove(uint32_t doc) {
  PutDoc(doc);
  PutVarint(0, &out_);
}

bool DocBlockReader::Next(DocEntry* entry) {
  if (in_.empty() || corrupt_) return false;
  uint64_t delta = 0;
  uint64_t tag = 0;
  if (!GetVarint(&in_, &delta) || !GetVarint(&in_, &tag) || delta > UINT32_MAX - last_doc_ ||
      tag > in_.size() + 1) {
    corrupt_ = true;
    return false;
  }
  last_doc_ += static_cast<uint32_t>(delta);
  entry->doc = last_doc_;
  entry->removed = tag == 0;
  entry->payload = tag == 0 ? absl::string_view() : in_.substr(0, tag - 1);
  if (tag > 0) in_.remove_prefix(tag - 1);
  return true;
}

namespace {

// What MergeDocBlocks needs to know of one input to merge it by appending.
struct Extent {
  absl::string_view block;
  uint32_t first = 0;
  uint32_t last = 0;
  bool removes = false;
};

// `block`'s extent; false when it is malformed or not in strictly increasing order.
bool Scan(absl::string_view block, Extent* extent) {
  extent->block = block;
  DocBlockReader reader(block);
  DocEntry entry;
  for (bool first = true; reader.Next(&entry); first = false) {
    if (first) {
      extent->first = entry.doc;
    } else if (entry.doc <= extent->last) {
      return false;  // not a well-formed block: let the general merge sort it out
    }
    extent->last = entry.doc;
    extent->removes |= entry.removed;
  }
  return !reader.corrupt();
}

// The common case when indexing: each input only adds documents numbered after the previous
// input's. The merge is then the inputs back to back, each first entry's delta re-encoded (it
// is from 0 within its input). nullopt when that does not hold (or an input is malformed).
std::optional<std::string> AppendInputs(std::optional<absl::string_view> base,
                                        const std::vector<absl::string_view>& operands,
                                        bool keep_removals) {
  std::vector<Extent> inputs;
  inputs.reserve(operands.size() + 1);
  size_t bytes = 0;
  auto add = [&](absl::string_view block) {
    if (block.empty()) return true;
    Extent extent;
    if (!Scan(block, &extent) || (extent.removes && !keep_removals)) return false;
    if (!inputs.empty() && extent.first <= inputs.back().last) return false;
    inputs.push_back(extent);
    bytes += block.size() + 5;
    return true;
  };
  if (base && !add(*base)) return std::nullopt;
  for (absl::string_view operand : operands) {
    if (!add(operand)) return std::nullopt;
  }
  std::string out;
  out.reserve(bytes);
  for (size_t i = 0; i < inputs.size(); ++i) {
    absl::string_view rest = inputs[i].block;
    uint64_t delta = 0;
    GetVarint(&rest, &delta);  // the first document's number, as its delta from 0
    PutVarint(inputs[i].first - (i == 0 ? 0 : inputs[i - 1].last), &out);
    out.append(rest.data(), rest.size());
  }
  return out;
}

}  // namespace

std::optional<std::string> MergeDocBlocks(std::optional<absl::string_view> base,
                                          const std::vector<absl::string_view>& operands,
                                          bool keep_removals) {
  if (std::optional<std::string> appended = AppendInputs(base, operands, keep_removals)) {
    return appended;
  }
  // Every entry tagged with its input's rank (base 0, operands 1..n); per document the highest
  // rank wins.
  struct Ranked {
    DocEntry entry;
    size_t rank;
  };
  std::vector<Ranked> all;
  size_t bytes = base ? base->size() : 0;
  for (absl::string_view operand : operands) bytes += operand.size();
  all.reserve(bytes / 4);  // entries take 2 bytes or more, mostly 4 to 8: enough, rarely twice
  auto read = [&all](absl::string_view block, size_t rank) {
    DocBlockReader reader(block);
    DocEntry entry;
    while (reader.Next(&entry)) all.push_back({entry, rank});
    return !reader.corrupt();
  };
  if (base && !read(*base, 0)) return std::nullopt;
  for (size_t i = 0; i < operands.size(); ++i) {
    if (!read(operands[i], i + 1)) return std::nullopt;
  }
  std::stable_sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) {
    return a.entry.doc != b.entry.doc ? a.entry.doc < b.entry.doc : a.rank < b.rank;
  });
  DocBlockWriter out;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i + 1 < all.size() && all[i + 1].entry.doc == all[i].entry.doc) continue;  // superseded
    const DocEntry& entry = all[i].entry;
    if (!entry.removed) {
      out.Add(entry.doc, entry.payload);
    } else if (keep_removals) {
      out.Remove(entry.doc);
    }
  }
  return std::move(out).Finish();
}

std::optional<DocBlockSummary> SummarizeDocBlock(absl::string_view entries) {
  DocBlockSummary summary;
  DocBlockReader reader(entries);
  DocEntry entry;
  while (reader.Next(&entry)) {
    if (entry.removed) continue;
    ++summary.entries;
    absl::string_view payload = entry.payload;
    for (int i = 0; i < kDocBlockMaxima && !payload.empty(); ++i) {
      uint64_t value = 0;
      if (!GetVarint(&payload, &value)) break;  // payloads are opaque here: not corrupt
      summary.maxima[i] =
          std::max(summary.maxima[i], static_cast<uint32_t>(std::min<uint64_t>(value, UINT32_MAX)));
    }
  }
  if (reader.corrupt()) return std::nullopt;
  return summary;
}

std::optional<std::string> StoredDocBlock(absl::string_view entries) {
  std::optional<DocBlockSummary> summary = SummarizeDocBlock(entries);
  if (!summary) return std::nullopt;
  std::string out;
  out.reserve(entries.size() + 4 * (kDocBlockMaxima + 1));
  PutVarint(summary->entries, &out);
  for (uint32_t maximum : summary->maxima) PutVarint(maximum, &out);
  out.append(entries.data(), entries.size());
  return out;
}

bool ReadStoredDocBlock(absl::string_view stored, DocBlockSummary* summary,
                        absl::string_view* entries) {
  uint64_t value = 0;
  if (!GetVarint(&stored, &value) || value > UINT32_MAX) return false;
  summary->entries = static_cast<uint32_t>(value);
  for (uint32_t& maximum : summary->maxima) {
    if (!GetVarint(&stored, &value) || value > UINT32_MAX) return false;
    maximum = static_cast<uint32_t>(value);
  }
  *entries = stored;
  return true;
}

}  // namespace cairn
