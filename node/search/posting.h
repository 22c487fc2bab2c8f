// How the index stores a posting (a term in one lesson). Each term's postings are kept in blocks
// of 1,024 document numbers, under the key: term, NUL, big-endian block number. A posting's
// payload is the term's count in each field, then each field's word positions as deltas, all
// varints.
#ifndef CAIRN_NODE_SEARCH_POSTING_H_
#define CAIRN_NODE_SEARCH_POSTING_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "node/search/lesson_text.h"

namespace cairn::search {

// Sets `key` (reused, to spare allocations) to the key of `term`'s block holding `doc`.
void SetPostingsKey(absl::string_view term, uint32_t doc, std::string* key);

// What the keys of all of `term`'s blocks begin with.
std::string TermPrefix(absl::string_view term);

std::string EncodePosting(const Occurrences& occurrences);

// Reads the counts off the front of `payload`, leaving the positions; false when corrupt.
bool DecodeCounts(absl::string_view* payload, std::array<uint32_t, kFields>* counts);

// Reads a whole payload; false when corrupt.
bool DecodePositions(absl::string_view payload, Occurrences* occurrences);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_POSTING_H_
