// Benchmark queries drawn from the NASA LLIS lessons, in Cairn's query language and in SQLite
// FTS5's: one to four title words, some as phrases, some with a topic filter.
#ifndef CAIRN_TESTS_BENCH_LLIS_QUERIES_H_
#define CAIRN_TESTS_BENCH_LLIS_QUERIES_H_

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cairn/v1/lesson.pb.h"
#include "node/search/analyzer.h"

namespace cairn::bench {

// One query in both languages.
struct BenchQuery {
  std::string cairn;
  std::string fts5;     // every word must match, as Cairn's all_words
  std::string fts5_or;  // the same words joined by OR, as Cairn's natural queries
};

// Words of `text` that are indexed (not stop words), lower-cased, at least 3 letters.
inline std::vector<std::string> QueryWords(const std::string& text, search::Analyzer* analyzer) {
  std::vector<std::string> words;
  for (absl::string_view word : absl::StrSplit(text, absl::ByAnyChar(" ,.;:()/-'\"&[]?!"))) {
    std::string lower = absl::AsciiStrToLower(word);
    bool letters = lower.size() >= 3 && std::all_of(lower.begin(), lower.end(), [](char c) {
                     return c >= 'a' && c <= 'z';
                   });
    if (letters && !analyzer->Analyze(lower).empty()) words.push_back(lower);
  }
  return words;
}

inline std::vector<BenchQuery> MakeQueries(const std::vector<v1::Lesson>& llis, int count) {
  std::mt19937 random(20261126);
  search::Analyzer analyzer;
  std::vector<BenchQuery> queries;
  while (static_cast<int>(queries.size()) < count) {
    const v1::Lesson& lesson = llis[random() % llis.size()];
    std::vector<std::string> words = QueryWords(lesson.title(), &analyzer);
    if (words.empty()) continue;
    size_t length = std::min<size_t>(words.size(), 1 + random() % 4);
    size_t start = random() % (words.size() - length + 1);
    std::vector<std::string> chosen(words.begin() + start, words.begin() + start + length);
    BenchQuery query;
    int kind = static_cast<int>(random() % 10);
    if (kind < 2 && chosen.size() > 1) {  // a phrase
      query.cairn = absl::StrCat("\"", absl::StrJoin(chosen, " "), "\"");
      query.fts5 = query.cairn;
      query.fts5_or = query.cairn;
    } else {
      query.cairn = absl::StrJoin(chosen, " ");
      std::vector<std::string> quoted;
      for (const std::string& word : chosen) quoted.push_back(absl::StrCat("\"", word, "\""));
      query.fts5 = absl::StrJoin(quoted, " ");
      query.fts5_or = absl::StrCat("(", absl::StrJoin(quoted, " OR "), ")");
    }
    if (kind >= 8 && !lesson.topics().empty()) {  // with a topic filter
      const std::string& topic = lesson.topics(0);
      std::vector<std::string> topic_words = QueryWords(topic, &analyzer);
      if (topic.find('"') != std::string::npos || topic_words.empty()) continue;
      absl::StrAppend(&query.cairn, " topic:\"", topic, "\"");
      absl::StrAppend(&query.fts5, " AND topics : \"", absl::StrJoin(topic_words, " "), "\"");
      absl::StrAppend(&query.fts5_or, " AND topics : \"", absl::StrJoin(topic_words, " "), "\"");
    }
    queries.push_back(std::move(query));
  }
  return queries;
}

}  // namespace cairn::bench

#endif  // CAIRN_TESTS_BENCH_LLIS_QUERIES_H_
