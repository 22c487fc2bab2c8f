#include "node/search/spelling.h"

#include <algorithm>
#include <cstdint>

namespace cairn::search {

size_t EditDistance(absl::string_view a, absl::string_view b, size_t limit) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > limit) return limit + 1;
  // Optimal string alignment over a band of `limit` either side of the diagonal; cells outside
  // the band are over the limit.
  const size_t over = limit + 1;
  std::vector<size_t> before(a.size() + 1), previous(a.size() + 1), current(a.size() + 1);
  for (size_t i = 0; i <= a.size(); ++i) previous[i] = std::min(i, over);
  for (size_t j = 1; j <= b.size(); ++j) {
    const size_t low = j > limit ? j - limit : 0;
    const size_t high = std::min(a.size(), j + limit);
    size_t best = over;
    for (size_t i = 0; i <= a.size(); ++i) {
      if (i < low || i > high) {
        current[i] = over;
        continue;
      }
      if (i == 0) {
        current[i] = std::min(j, over);
      } else {
        size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
        size_t value = std::min({previous[i] + 1, current[i - 1] + 1, previous[i - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
          value = std::min(value, before[i - 2] + 1);
        }
        current[i] = std::min(value, over);
      }
      best = std::min(best, current[i]);
    }
    if (best > limit) return over;
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return std::min(previous[a.size()], over);
}

size_t EditsAllowed(size_t length) { return length <= 5 ? 1 : 2; }

std::vector<std::string> NearestWords(const std::vector<std::string>& forms,
                                      const std::vector<std::string>& known) {
  size_t nearest = SIZE_MAX;
  std::vector<std::string> found;
  for (const std::string& candidate : known) {
    size_t distance = SIZE_MAX;
    for (const std::string& form : forms) {
      const size_t allowed = EditsAllowed(form.size());
      if (candidate.size() + allowed < form.size() || candidate.size() > form.size() + allowed) {
        continue;
      }
      size_t edits = EditDistance(form, candidate, std::min(allowed, nearest));
      if (edits <= allowed) distance = std::min(distance, edits);
    }
    if (distance == 0 || distance == SIZE_MAX || distance > nearest) continue;
    if (distance < nearest) {
      nearest = distance;
      found.clear();
    }
    found.push_back(candidate);
  }
  return found;
}

}  // namespace cairn::search
