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

std::optional<std::string> MergeDocBlocks(std::optional<absl::string_view> base,
                                          const std::vector<absl::string_view>& operands,
                                          bool keep_removals) {
  // Every entry tagged with its input's rank (base 0, operands 1..n); per document the highest
  // rank wins.
  struct Ranked {
    DocEntry entry;
    size_t rank;
  };
  std::vector<Ranked> all;
  size_t bytes = base ? base->size() : 0;
  for (absl::string_view operand : operands) bytes += operand.size();
  all.reserve(bytes / 4);  // an entry takes at least 2 bytes; most take 4 to 8
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
  auto in_order = [](const Ranked& a, const Ranked& b) {
    return a.entry.doc != b.entry.doc ? a.entry.doc < b.entry.doc : a.rank < b.rank;
  };
  // Usually each input only adds documents after the previous one's: already in order.
  if (!std::is_sorted(all.begin(), all.end(), in_order)) {
    std::stable_sort(all.begin(), all.end(), in_order);
  }
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

}  // namespace cairn
