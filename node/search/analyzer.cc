#include "node/search/analyzer.h"

#include <libstemmer.h>

#include "absl/container/flat_hash_set.h"

namespace cairn::search {
namespace {

// Common English function words: they match nearly every lesson, so they only dilute ranking.
// (The list follows the usual short English stop lists: articles, pronouns, auxiliaries,
// prepositions, conjunctions.)
const absl::flat_hash_set<absl::string_view>& StopWords() {
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      "a",    "about", "above", "after", "again", "against", "all",   "am",    "an",    "and",
      "any",  "are",   "as",    "at",    "be",    "because", "been",  "before", "being", "below",
      "between", "both", "but", "by",    "can",   "could",   "did",   "do",    "does",  "doing",
      "down", "during", "each", "few",   "for",   "from",    "further", "had", "has",   "have",
      "having", "he",  "her",   "here",  "hers",  "herself", "him",   "himself", "his", "how",
      "i",    "if",    "in",    "into",  "is",    "it",      "its",   "itself", "just", "me",
      "more", "most",  "my",    "myself", "no",   "nor",     "not",   "now",   "of",    "off",
      "on",   "once",  "only",  "or",    "other", "our",     "ours",  "ourselves", "out", "over",
      "own",  "same",  "she",   "should", "so",   "some",    "such",  "than",  "that",  "the",
      "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those",
      "through", "to", "too",   "under", "until", "up",      "very",  "was",   "we",    "were",
      "what", "when",  "where", "which", "while", "who",     "whom",  "why",   "will",  "with",
      "would", "you",  "your",  "yours", "yourself", "yourselves"};
  return *words;
}

// Words remembered before the cache starts afresh: English text uses far fewer distinct words.
constexpr size_t kMaxCachedWords = 1 << 16;

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// Calls visit(begin, end) for each word of `text`.
template <typename Visit>
void ForEachWord(absl::string_view text, Visit visit) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsWordByte(text[i])) ++i;
    size_t begin = i;
    while (i < text.size() && IsWordByte(text[i])) ++i;
    if (i > begin) visit(begin, i);
  }
}

}  // namespace

struct Analyzer::Stemmer {
  ~Stemmer() { sb_stemmer_delete(stemmer); }
  sb_stemmer* stemmer = sb_stemmer_new("english", "UTF_8");
};

Analyzer::Analyzer() : stemmer_(std::make_unique<Stemmer>()) {}

Analyzer::~Analyzer() = default;

int32_t Analyzer::TermOf(const std::string& word) {
  auto known = words_.find(word);
  if (known != words_.end()) return known->second;
  int32_t term_id = kStopWord;
  if (!StopWords().contains(word)) {
    std::string stem = word;  // if the stemmer is out of memory, the word as it is
    const sb_symbol* stemmed =
        sb_stemmer_stem(stemmer_->stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                        static_cast<int>(word.size()));
    if (stemmed != nullptr) {
      stem.assign(reinterpret_cast<const char*>(stemmed), sb_stemmer_length(stemmer_->stemmer));
    }
    auto [it, added] = term_ids_.try_emplace(stem, static_cast<uint32_t>(terms_.size()));
    if (added) terms_.push_back(std::move(stem));
    term_id = static_cast<int32_t>(it->second);
  }
  words_.emplace(word, term_id);
  return term_id;
}

void Analyzer::ForgetIfFull() {
  if (words_.size() < kMaxCachedWords) return;
  words_.clear();
  term_ids_.clear();
  terms_.clear();
}

template <typename Visit>
uint32_t Analyzer::ForEachWordTerm(absl::string_view text, uint32_t first_position, Visit visit) {
  uint32_t position = first_position;
  std::string word;
  ForEachWord(text, [&](size_t begin, size_t end) {
    uint32_t this_position = position++;
    if (end - begin > kMaxWordBytes) return;
    word.assign(text.data() + begin, end - begin);
    for (char& c : word) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    int32_t term_id = TermOf(word);
    if (term_id == kStopWord) return;
    visit(static_cast<uint32_t>(term_id), this_position, begin, end);
  });
  return position - first_position;
}

uint32_t Analyzer::ForEachTermId(absl::string_view text, uint32_t first_position,
                                 absl::FunctionRef<void(uint32_t, uint32_t)> visit) {
  return ForEachWordTerm(text, first_position,
                         [&](uint32_t term_id, uint32_t position, size_t, size_t) {
                           visit(term_id, position);
                         });
}

uint32_t Analyzer::ForEachToken(
    absl::string_view text, uint32_t first_position,
    absl::FunctionRef<void(absl::string_view term, uint32_t position, uint32_t begin, uint32_t end)>
        visit) {
  ForgetIfFull();
  return ForEachWordTerm(text, first_position,
                         [&](uint32_t term_id, uint32_t position, size_t begin, size_t end) {
                           visit(terms_[term_id], position, static_cast<uint32_t>(begin),
                                 static_cast<uint32_t>(end));
                         });
}

std::vector<Token> Analyzer::Analyze(absl::string_view text, uint32_t first_position) {
  std::vector<Token> tokens;
  ForEachToken(text, first_position,
               [&](absl::string_view term, uint32_t position, uint32_t begin, uint32_t end) {
                 tokens.push_back(Token{std::string(term), position, begin, end});
               });
  return tokens;
}

Analyzer& Analyzer::ForThisThread() {
  thread_local Analyzer analyzer;
  return analyzer;
}

}  // namespace cairn::search
