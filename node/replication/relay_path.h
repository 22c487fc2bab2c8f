// Relay paths: the nodes a copy came through, origin first. A node never takes a copy whose path
// holds itself, so copies cannot keep each other alive round a cycle once the origin withdraws
// them (as path-vector routing avoids loops).
#ifndef CAIRN_NODE_REPLICATION_RELAY_PATH_H_
#define CAIRN_NODE_REPLICATION_RELAY_PATH_H_

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "cairn/v1/storage.pb.h"

namespace cairn {

// Longer paths are not relayed further.
inline constexpr size_t kMaxRelayPath = 16;

using RelayPath = std::vector<std::string>;

// The shortest path among a copy's holders (ties: the smallest), or empty when it has none.
inline RelayPath BestPath(const std::vector<std::pair<std::string, v1::HolderEntry>>& holders) {
  RelayPath best;
  for (const auto& [source, entry] : holders) {
    RelayPath path(entry.path().begin(), entry.path().end());
    if (path.empty()) continue;
    if (best.empty() || path.size() < best.size() || (path.size() == best.size() && path < best)) {
      best = std::move(path);
    }
  }
  return best;
}

inline bool PathContains(const RelayPath& path, absl::string_view org) {
  return std::find(path.begin(), path.end(), org) != path.end();
}

}  // namespace cairn

#endif  // CAIRN_NODE_REPLICATION_RELAY_PATH_H_
