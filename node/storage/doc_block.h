// DocBlock: the value of a key that many documents share, such as one search term's postings for
// a range of document numbers. It maps document numbers to small payloads, sorted by number,
// delta- and varint-encoded. RocksDB merges operands into it (a document added, changed or
// removed), so updating one document never reads the block, and the update can sit in the same
// atomic WriteBatch as the lesson it comes from.
#ifndef CAIRN_NODE_STORAGE_DOC_BLOCK_H_
#define CAIRN_NODE_STORAGE_DOC_BLOCK_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace cairn {

struct DocEntry {
  uint32_t doc = 0;
  absl::string_view payload;  // points into the block
  bool removed = false;       // only in operands: the document left the block
};

// Builds a block or an operand. Documents must be added in increasing order.
class DocBlockWriter {
 public:
  void Add(uint32_t doc, absl::string_view payload);
  void Remove(uint32_t doc);
  bool empty() const { return out_.empty(); }
  std::string Finish() && { return std::move(out_); }

 private:
  void PutDoc(uint32_t doc);
  std::string out_;
  uint32_t last_doc_ = 0;
};

// Reads a block or an operand, in document order.
class DocBlockReader {
 public:
  explicit DocBlockReader(absl::string_view block) : in_(block) {}
  // The next entry, or false at the end or on a malformed block (then corrupt() is true).
  bool Next(DocEntry* entry);
  bool corrupt() const { return corrupt_; }

 private:
  absl::string_view in_;
  uint32_t last_doc_ = 0;
  bool corrupt_ = false;
};

// `base` (nullopt: none) with `operands` applied in order; a later entry for a document replaces
// an earlier one. Removals are dropped from a full merge and kept in a partial one (operands
// combined before the base is known). nullopt when any input is malformed.
std::optional<std::string> MergeDocBlocks(std::optional<absl::string_view> base,
                                          const std::vector<absl::string_view>& operands,
                                          bool keep_removals);

// How many leading varints of its payloads a stored block keeps the maximum of.
inline constexpr int kDocBlockMaxima = 6;

// What a stored block says of its entries, so that a reader may judge it without decoding it:
// how many there are and, for each of the first kDocBlockMaxima varints of their payloads, the
// largest (a payload with fewer counts 0 for those it lacks). What those varints mean is the
// payloads' owner's business (search keeps what bounds a posting's score there).
struct DocBlockSummary {
  uint32_t entries = 0;
  std::array<uint32_t, kDocBlockMaxima> maxima{};
  bool operator==(const DocBlockSummary&) const = default;
};

// The summary of a block's entries (without removals); nullopt when malformed.
std::optional<DocBlockSummary> SummarizeDocBlock(absl::string_view entries);

// A block as stored (what a full merge gives): its summary, then its entries. nullopt when the
// entries are malformed.
std::optional<std::string> StoredDocBlock(absl::string_view entries);

// Splits a stored block into its summary and its entries; false when malformed.
bool ReadStoredDocBlock(absl::string_view stored, DocBlockSummary* summary,
                        absl::string_view* entries);

// Little helpers for payloads: LEB128 varints.
void PutVarint(uint64_t value, std::string* out);
bool GetVarint(absl::string_view* in, uint64_t* value);

}  // namespace cairn

#endif  // CAIRN_NODE_STORAGE_DOC_BLOCK_H_
