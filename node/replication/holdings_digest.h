// The digest a receiver and a sender compare to find which of a peer's copies differ from what it
// should hold: 256 buckets by lesson id, each the XOR of a hash of (lesson id, version, relay
// path), so the order of the copies does not matter and one copy's change touches one bucket. The
// path counts because a stale one could let a copy loop.
#ifndef CAIRN_NODE_REPLICATION_HOLDINGS_DIGEST_H_
#define CAIRN_NODE_REPLICATION_HOLDINGS_DIGEST_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

namespace cairn {

inline constexpr size_t kDigestBuckets = 256;

// 64-bit FNV-1a: stable across processes and builds, unlike absl::Hash.
inline uint64_t Fnv1a(absl::string_view bytes, uint64_t hash = 14695981039346656037ull) {
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 1099511628211ull;
  }
  return hash;
}

inline size_t DigestBucket(absl::string_view lesson_id) {
  return Fnv1a(lesson_id) % kDigestBuckets;
}

class HoldingsDigest {
 public:
  HoldingsDigest() : buckets_(kDigestBuckets, 0) {}

  template <typename Path>
  void Add(absl::string_view lesson_id, uint64_t version, const Path& path) {
    uint64_t hash = Fnv1a(lesson_id);
    for (int i = 0; i < 8; ++i) {
      hash ^= (version >> (8 * i)) & 0xff;
      hash *= 1099511628211ull;
    }
    for (const auto& hop : path) hash = Fnv1a(absl::string_view("\0", 1), Fnv1a(hop, hash));
    buckets_[DigestBucket(lesson_id)] ^= hash;
  }

  const std::vector<uint64_t>& buckets() const { return buckets_; }

 private:
  std::vector<uint64_t> buckets_;
};

}  // namespace cairn

#endif  // CAIRN_NODE_REPLICATION_HOLDINGS_DIGEST_H_
