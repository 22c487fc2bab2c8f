// Suggesting a spelling from the words a node's lessons hold, for "did you mean". SPEC section 6.
#ifndef CAIRN_NODE_SEARCH_SPELLING_H_
#define CAIRN_NODE_SEARCH_SPELLING_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace cairn::search {

// The edit distance between `a` and `b` (insertions, deletions, substitutions and swaps of two
// adjacent bytes, each 1), or `limit` + 1 when it is over `limit`. Linear in the length of the
// longer word times `limit`, not quadratic.
size_t EditDistance(absl::string_view a, absl::string_view b, size_t limit);

// The most edits a misspelling of a word of `length` bytes is taken to have: 1 up to 5 bytes,
// 2 beyond (short words are a few edits from too many others).
size_t EditsAllowed(size_t length);

// The words of `known` (sorted, distinct) that begin with the first letter of one of `forms` (a
// word as typed, lower-cased, and its stem) and are nearest it by EditDistance within
// EditsAllowed of that form's length, every one at that nearest distance; empty when none is that
// near. A form that is itself known is no misspelling and finds nothing.
std::vector<std::string> NearestWords(const std::vector<std::string>& forms,
                                      const std::vector<std::string>& known);

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_SPELLING_H_
