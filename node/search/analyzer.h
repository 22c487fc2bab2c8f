// Text analysis for the search index: words, lower-cased, stop words out, English Snowball stems.
// SPEC section 6.
#ifndef CAIRN_NODE_SEARCH_ANALYZER_H_
#define CAIRN_NODE_SEARCH_ANALYZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace cairn::search {

// One indexed word of a text.
struct Token {
  std::string term;       // the stem, e.g. "batteri" for "Batteries"
  uint32_t position = 0;  // word number in the text; stop words take a number too
  uint32_t begin = 0;     // byte offsets of the word as written, for snippets
  uint32_t end = 0;
};

// Words are maximal runs of ASCII letters and digits and of bytes of multi-byte UTF-8 characters,
// so "Wi-Fi" is two words and "café" one. ASCII letters are lower-cased, then each word is
// stemmed with the Snowball English stemmer (libstemmer). Stop words ("the", "of", ...) are not
// returned but keep their position, so a phrase matches across them as it does in the text.
// Words over kMaxWordBytes are skipped. Not thread-safe (the stemmer keeps state, and a cache of
// the words seen, since stemming is most of the work): one per thread.
class Analyzer {
 public:
  static constexpr size_t kMaxWordBytes = 64;

  Analyzer();
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // The tokens of `text`, numbering words from `first_position`.
  std::vector<Token> Analyze(absl::string_view text, uint32_t first_position = 0);
  // The same, one at a time and without copying: `term` is valid during the call only. Returns
  // the number of words in `text`, stop words included. May forget term numbers (ForgetIfFull):
  // never call it, or Analyze, while collecting numbers from ForEachTermId.
  uint32_t ForEachToken(absl::string_view text, uint32_t first_position,
                        absl::FunctionRef<void(absl::string_view term, uint32_t position,
                                               uint32_t begin, uint32_t end)>
                            visit);

  // The cheapest form, for indexing whole lessons: each term as a number that Term() turns into
  // its text. Numbers hold until ForgetIfFull forgets them; call that before a piece of work that
  // collects numbers, never during it.
  uint32_t ForEachTermId(absl::string_view text, uint32_t first_position,
                         absl::FunctionRef<void(uint32_t term_id, uint32_t position)> visit);
  const std::string& Term(uint32_t term_id) const { return terms_[term_id]; }
  // Forgets every word seen, and so every term number, once there are many.
  void ForgetIfFull();

  // This thread's analyzer, whose cache lasts as long as the thread: for work on threads that
  // serve many requests.
  static Analyzer& ForThisThread();

 private:
  struct Stemmer;
  static constexpr int32_t kStopWord = -1;
  // Calls visit(word's term number or kStopWord, position, begin, end) for every word kept.
  template <typename Visit>
  uint32_t ForEachWordTerm(absl::string_view text, uint32_t first_position, Visit visit);
  // The term number of a lower-cased word, or kStopWord.
  int32_t TermOf(const std::string& word);

  std::unique_ptr<Stemmer> stemmer_;
  absl::flat_hash_map<std::string, int32_t> words_;     // lower-cased word -> term or kStopWord
  absl::flat_hash_map<std::string, uint32_t> term_ids_;  // stem -> its number
  std::vector<std::string> terms_;                      // number -> stem
};

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_ANALYZER_H_
