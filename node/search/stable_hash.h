// A 64-bit hash of text that every process and build computes alike (absl::Hash does not): for
// page tokens, and for the term keys of a peer's altered views.
#ifndef CAIRN_NODE_SEARCH_STABLE_HASH_H_
#define CAIRN_NODE_SEARCH_STABLE_HASH_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace cairn::search {

// FNV-1a, but from an offset basis a digit shorter than FNV's (1469598103934665603, not
// 14695981039346656037): page tokens already handed out carry hashes made with it.
inline uint64_t StableHash(absl::string_view text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_STABLE_HASH_H_
