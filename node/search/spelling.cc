#include "node/search/spelling.h"

#include <algorithm>
#include <cstdint>

namespace cairn::search {

size_t EditDistance(absl::string_view a, absl::string_view b, size_t limit) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > limit) return limit + 1;
  // Optimal string alignment over a band of `limit` either side of the diagonal: only the band's
  // cells are computed, and the cells just outside it read as over the limit. The rows are
  // reused across calls on a thread, since suggesting compares one word with many.
  const size_t over = limit + 1;
  thread_local std::vector<size_t> before, previous, current;
  before.assign(a.size() + 1, over);
  previous.assign(a.size() + 1, over);
  current.assign(a.size() + 1, over);
  for (size_t i = 0; i <= std::min(a.size(), limit); ++i) previous[i] = i;
  for (size_t j = 1; j <= b.size(); ++j) {
    const size_t low = j > limit ? j - limit : 0;
    const size_t high = std::min(a.size(), j + limit);
    if (low > 0) current[low - 1] = over;
    size_t best = over;
    for (size_t i = low; i <= high; ++i) {
      size_t value;
      if (i == 0) {
        value = j;
      } else {
        const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
        value = std::min({previous[i] + 1, current[i - 1] + 1, previous[i - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
          value = std::min(value, before[i - 2] + 1);
        }
      }
      current[i] = std::min(value, over);
      best = std::min(best, current[i]);
    }
    if (high < a.size()) current[high + 1] = over;
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
  // Only words with the first letter of a form: misspellings seldom change it, and so a word is
  // compared with a small part of what the lessons hold.
  std::vector<std::pair<size_t, size_t>> ranges;
  for (const std::string& form : forms) {
    if (form.empty()) continue;
    auto first = std::lower_bound(known.begin(), known.end(), form.substr(0, 1));
    auto last = std::lower_bound(first, known.end(), std::string(1, form[0] + 1));
    if (static_cast<unsigned char>(form[0]) == 0xff) last = known.end();
    ranges.emplace_back(first - known.begin(), last - known.begin());
  }
  std::sort(ranges.begin(), ranges.end());
  ranges.erase(std::unique(ranges.begin(), ranges.end()), ranges.end());
  for (const auto& [begin, end] : ranges) {
   for (size_t k = begin; k < end; ++k) {
    const std::string& candidate = known[k];
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
  }
  return found;
}

}  // namespace cairn::search
