// The payload of one posting (a term in one lesson) as the index stores it: the term's count in
// each field, then each field's word positions as deltas, all varints.
#ifndef CAIRN_NODE_SEARCH_POSTING_H_
#define CAIRN_NODE_SEARCH_POSTING_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "node/search/lesson_text.h"

namespace cairn::search {

std::string EncodePosting(const Occurrences& occurrences);

// Reads the counts off the front of `payload`, leaving the positions; false when corrupt.
bool DecodeCounts(absl::string_view* payload, std::array<uint32_t, kFields>* counts);

// Reads a whole payload; false when corrupt.
bool DecodePositions(absl::string_view payload, Occurrences* occurrences);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_POSTING_H_
