// How the index stores a posting (a term in one lesson). Each term's postings are kept in blocks
// of 1,024 document numbers, under the key: term, NUL, big-endian block number. A posting's
// payload is the term's count in each field, then its density ceiling in each (ranking.h), then
// each field's word positions as deltas, all varints. Counts and densities lead, so each stored
// block keeps their maxima (doc_block.h): what bounds the term's score in the block's documents.
#ifndef CAIRN_NODE_SEARCH_POSTING_H_
#define CAIRN_NODE_SEARCH_POSTING_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "node/search/lesson_text.h"
#include "node/search/ranking.h"
#include "node/storage/doc_block.h"

namespace cairn::search {

// A postings block holds the documents numbered alike but for these low bits: its range.
inline constexpr int kBlockShift = 10;

// Sets `key` (reused, to spare allocations) to the key of `term`'s block holding `doc`.
void SetPostingsKey(absl::string_view term, uint32_t doc, std::string* key);

// What the keys of all of `term`'s blocks begin with.
std::string TermPrefix(absl::string_view term);

// The payload of a term with `occurrences` in a lesson with `words` in each field.
std::string EncodePosting(const Occurrences& occurrences,
                          const std::array<uint32_t, kFields>& words);

// Reads the counts (and the densities) off the front of `payload`, leaving the positions; false
// when corrupt.
bool DecodeCounts(absl::string_view* payload, std::array<uint32_t, kFields>* counts);

// The bound of the scores of a block's postings, from its summary (doc_block.h).
ScoreBound BoundOf(const DocBlockSummary& summary);

// The bound of one posting's score.
ScoreBound BoundOf(const std::array<uint32_t, kFields>& counts,
                   const std::array<uint32_t, kFields>& words);

// Reads a whole payload; false when corrupt.
bool DecodePositions(absl::string_view payload, Occurrences* occurrences);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_POSTING_H_
