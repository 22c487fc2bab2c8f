// Ranking quality on the judged query set (tests/data/ranking/: analysts' questions about the NASA
// LLIS lessons, each with graded judgements made by reading lessons; its README says how).
//
//   build/tests/bench/ranking_bench
//
// Holds the 2,102 LLIS lessons in Cairn's index and in SQLite FTS5 (bm25, the same field weights),
// puts every question to both as typed, and prints for each engine, in the same run: nDCG@10
// (graded gains 2^grade - 1; unjudged lessons count as not relevant) and the zero-result rate over
// the questions whose words all occur in the lessons. FTS5 is asked twice: its own default (every
// word must match, as typed) and with the words joined by OR.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "node/search/search_index.h"
#include "node/storage/store.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/fts5_index.h"
#include "tests/bench/llis_node.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace cairn::bench {
namespace {

constexpr int kDepth = 10;

struct JudgedQuery {
  std::string id;
  std::string text;
  bool words_in_corpus = true;   // every word occurs in some lesson
  std::map<int64_t, int> grades;  // LLIS lesson number -> 0..3
};

std::vector<JudgedQuery> ReadJudgements(const std::string& path) {
  google::protobuf::Struct root;
  if (!google::protobuf::util::JsonStringToMessage(testing::ReadFileToString(path), &root).ok()) {
    std::fprintf(stderr, "%s: not the judged query set\n", path.c_str());
    std::exit(1);
  }
  std::vector<JudgedQuery> queries;
  for (const google::protobuf::Value& value : root.fields().at("queries").list_value().values()) {
    const auto& fields = value.struct_value().fields();
    JudgedQuery query;
    query.id = fields.at("id").string_value();
    query.text = fields.at("query").string_value();
    auto missing = fields.find("words_missing_from_corpus");
    query.words_in_corpus =
        missing == fields.end() || missing->second.list_value().values().empty();
    for (const auto& [lesson, grade] : fields.at("judgements").struct_value().fields()) {
      int64_t number = 0;
      if (absl::SimpleAtoi(lesson, &number)) {
        query.grades[number] = static_cast<int>(grade.number_value());
      }
    }
    queries.push_back(std::move(query));
  }
  return queries;
}

// nDCG@kDepth of `ranked` (LLIS lesson numbers, best first) against the judgements.
double Ndcg(const std::vector<int64_t>& ranked, const std::map<int64_t, int>& grades) {
  auto gain = [](int grade) { return std::pow(2.0, grade) - 1; };
  double dcg = 0;
  for (size_t i = 0; i < ranked.size() && i < kDepth; ++i) {
    auto judged = grades.find(ranked[i]);
    if (judged != grades.end()) dcg += gain(judged->second) / std::log2(i + 2.0);
  }
  std::vector<int> ideal;
  for (const auto& [lesson, grade] : grades) ideal.push_back(grade);
  std::sort(ideal.rbegin(), ideal.rend());
  double idcg = 0;
  for (size_t i = 0; i < ideal.size() && i < kDepth; ++i) idcg += gain(ideal[i]) / std::log2(i + 2.0);
  return idcg > 0 ? dcg / idcg : 0;
}

// The question's words as FTS5 query strings, joined by `joiner` (" " for FTS5's AND): each word
// quoted, so punctuation typed in a question is never FTS5 syntax.
std::string Fts5Words(const std::string& text, const std::string& joiner) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text + " ") {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(absl::StrCat("\"", word, "\""));
      word.clear();
    }
  }
  return absl::StrJoin(words, joiner);
}

struct Quality {
  double ndcg = 0;        // mean over the questions
  int zero_results = 0;   // questions whose words occur in the lessons, answered with nothing
  int counted_for_zero = 0;
};

template <typename Rank>
Quality Measure(const std::vector<JudgedQuery>& queries, Rank rank) {
  Quality quality;
  for (const JudgedQuery& query : queries) {
    std::vector<int64_t> ranked = rank(query);
    quality.ndcg += Ndcg(ranked, query.grades) / queries.size();
    if (query.words_in_corpus) {
      ++quality.counted_for_zero;
      quality.zero_results += ranked.empty();
    }
  }
  return quality;
}

void Report(const char* engine, const Quality& quality) {
  std::printf("  %-40s nDCG@10 %.3f   zero results %d of %d (%.0f%%)\n", engine, quality.ndcg,
              quality.zero_results, quality.counted_for_zero,
              100.0 * quality.zero_results / std::max(quality.counted_for_zero, 1));
}

int Run(const std::string& explain, bool per_question, bool pool) {
  std::optional<std::string> llis_path = LlisOrSkip();
  if (!llis_path) return 0;
  const std::vector<v1::Lesson> llis = LlisLessons(testing::ReadFileToString(*llis_path));
  const std::vector<JudgedQuery> queries =
      ReadJudgements(absl::StrCat(CAIRN_SOURCE_DIR, "/tests/data/ranking/judgements.json"));

  // Both engines know each lesson by its LLIS number.
  auto number_of = [](const v1::Lesson& lesson) {
    int64_t number = -1;
    (void)absl::SimpleAtoi(absl::StripPrefix(lesson.external_ref(), "llis-"), &number);
    return number;
  };
  testing::TempDir dir;
  auto store = Store::Open(dir.path() + "/db");
  if (!store.ok()) return 1;
  Fts5Index fts5(dir.path() + "/fts5.db");
  fts5.Begin();
  std::vector<LessonWrite> writes;
  for (v1::Lesson lesson : llis) {
    const int64_t number = number_of(lesson);
    fts5.Add(number, lesson);
    lesson.set_id(absl::StrFormat("llis:%026d", number));
    lesson.set_origin_org("llis");
    lesson.set_version(1);
    writes.push_back({std::move(lesson), 0});
  }
  fts5.Commit();
  fts5.Optimize();
  if (!(*store)->Commit(writes).ok()) return 1;
  auto index = search::SearchIndex::Open(store->get());
  if (!index.ok()) return 1;

  int refused = 0;
  auto cairn_ranking = [&](const std::string& text, bool all_words) {
    v1::SearchRequest request;
    request.set_query(text);
    request.set_page_size(kDepth);
    request.set_skip_facets(true);
    request.set_skip_snippets(true);
    request.set_all_words(all_words);
    std::vector<int64_t> ranked;
    absl::StatusOr<v1::SearchResponse> response = (*index)->Search(request);
    if (!response.ok()) {
      ++refused;
      return ranked;
    }
    for (const v1::SearchHit& hit : response->hits()) {
      int64_t number = 0;
      if (absl::SimpleAtoi(absl::StripPrefix(hit.lesson_id(), "llis:"), &number)) {
        ranked.push_back(number);
      }
    }
    return ranked;
  };
  if (!explain.empty()) {
    // One query's ranking, each hit with its grade where the judged set grades it.
    const JudgedQuery* judged = nullptr;
    for (const JudgedQuery& query : queries) {
      if (query.text == explain) judged = &query;
    }
    std::map<int64_t, const v1::Lesson*> by_number;
    for (const v1::Lesson& lesson : llis) by_number[number_of(lesson)] = &lesson;
    std::vector<int64_t> ranked = cairn_ranking(explain, false);
    for (size_t i = 0; i < ranked.size(); ++i) {
      std::string grade = "-";
      if (judged != nullptr && judged->grades.contains(ranked[i])) {
        grade = absl::StrCat(judged->grades.at(ranked[i]));
      }
      std::printf("%2zu. [%s] %6lld %s\n", i + 1, grade.c_str(), static_cast<long long>(ranked[i]),
                  by_number[ranked[i]]->title().c_str());
    }
    if (judged != nullptr) std::printf("nDCG@10 %.3f\n", Ndcg(ranked, judged->grades));
    return 0;
  }
  Quality cairn = Measure(queries, [&](const JudgedQuery& query) {
    return cairn_ranking(query.text, false);
  });
  Quality cairn_strict = Measure(queries, [&](const JudgedQuery& query) {
    return cairn_ranking(query.text, true);
  });
  Quality fts5_and = Measure(queries, [&](const JudgedQuery& query) {
    return fts5.Search(Fts5Words(query.text, " "), kDepth);
  });
  Quality fts5_or = Measure(queries, [&](const JudgedQuery& query) {
    return fts5.Search(Fts5Words(query.text, " OR "), kDepth);
  });

  if (pool) {
    // Lessons in some engine's top 10 that the judged set does not grade yet: what judging must
    // read next so that no engine is measured on lessons only another engine's pool brought.
    for (const JudgedQuery& query : queries) {
      std::set<int64_t> unjudged;
      for (const std::vector<int64_t>& ranked :
           {cairn_ranking(query.text, false), cairn_ranking(query.text, true),
            fts5.Search(Fts5Words(query.text, " "), kDepth),
            fts5.Search(Fts5Words(query.text, " OR "), kDepth)}) {
        for (int64_t number : ranked) {
          if (!query.grades.contains(number)) unjudged.insert(number);
        }
      }
      for (int64_t number : unjudged) {
        std::printf("%s\t%lld\n", query.id.c_str(), static_cast<long long>(number));
      }
    }
    return 0;
  }
  if (per_question) {
    for (const JudgedQuery& query : queries) {
      std::printf("%-60s Cairn %.3f  FTS5 OR %.3f\n", query.text.c_str(),
                  Ndcg(cairn_ranking(query.text, false), query.grades),
                  Ndcg(fts5.Search(Fts5Words(query.text, " OR "), kDepth), query.grades));
    }
  }
  std::printf("ranking quality: %zu judged questions over %zu LLIS lessons, top %d, as typed\n",
              queries.size(), llis.size(), kDepth);
  Report("Cairn (natural, the default)", cairn);
  Report("Cairn (every word: all_words)", cairn_strict);
  Report("SQLite FTS5 bm25 (every word)", fts5_and);
  Report("SQLite FTS5 bm25 (words joined by OR)", fts5_or);
  std::printf("  Cairn - FTS5: nDCG@10 %+.3f (every word), %+.3f (OR); goal: at least +0.05\n",
              cairn.ndcg - fts5_and.ndcg, cairn.ndcg - fts5_or.ndcg);
  if (refused > 0) std::printf("  Cairn refused %d questions as queries\n", refused);
  return 0;
}

}  // namespace
}  // namespace cairn::bench

// ranking_bench [--per-question | --pool | --explain "a judged question"]: the figures (with each
// question's, side by side with FTS5's), the lessons to judge next (question id, LLIS number), or
// one question's ranking with its grades.
int main(int argc, char** argv) {
  std::string explain;
  if (argc == 3 && std::string(argv[1]) == "--explain") explain = argv[2];
  const bool per_question = argc == 2 && std::string(argv[1]) == "--per-question";
  const bool pool = argc == 2 && std::string(argv[1]) == "--pool";
  return cairn::bench::Run(explain, per_question, pool);
}
