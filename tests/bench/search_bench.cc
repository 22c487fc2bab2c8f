// Search benchmark: Cairn's RocksDB index against SQLite FTS5 on the same documents and queries.
//
//   build/tests/bench/search_bench [--lessons N] [--queries N]
//
// The corpus is N lessons (default 100,000): the NASA LLIS lessons repeated, each copy with its
// own id and a varied summary. The queries (default 1,000) come from LLIS titles and topics: one to
// four title words, some as phrases, some with a topic filter. Each engine runs in a child process
// of its own, so its peak RSS is its own, and runs every query set after building its index once:
//   Cairn:  lessons written to a RocksDB store, then the search index built (SearchIndex::Open
//           rebuilds and compacts it); queries ask for the top 10 ids: natural (the default: any
//           word, best first; block-max pruning), natural with every match evaluated
//           (exact_counts), natural with facets and snippets (the path a user gets), and strict
//           (all_words: every word must match); none with facets or snippets
//           unless said.
//   FTS5:   a contentless FTS5 table (title, summary, body, topics; porter tokenizer) filled in one
//           transaction; queries ORDER BY bm25 with the same field weights (3, 2, 1; topics 0)
//           LIMIT 10, with the words ORed (as Cairn's natural queries) and with every word required
//           (FTS5's default, as Cairn's strict queries).
// Both run in-process (no RPC), one query at a time, after one warm-up pass.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/llis.h"
#include "node/search/analyzer.h"
#include "node/search/search_index.h"
#include "node/storage/store.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"
#include "tests/bench/llis_queries.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/fts5_index.h"

namespace cairn::bench {
namespace {

constexpr int kTopK = 10;

std::string CorpusId(int64_t i) { return absl::StrFormat("bench-node:%026d", i); }

// Copy `i` of the corpus: LLIS lesson i mod 2,102, with its own id and a varied summary.
v1::Lesson CorpusLesson(const std::vector<v1::Lesson>& llis, int i) {
  static const char* kTeams[] = {"the safety board", "flight operations", "ground systems",
                                 "the project office", "mission assurance", "the test team",
                                 "procurement"};
  static const char* kPlaces[] = {"Houston", "Huntsville", "Pasadena", "Cleveland", "Greenbelt",
                                  "Hampton", "Moffett Field", "Kennedy", "Stennis", "Wallops",
                                  "Edwards"};
  v1::Lesson lesson = llis[i % llis.size()];
  int round = i / static_cast<int>(llis.size());
  lesson.set_id(CorpusId(i));
  lesson.set_origin_org("bench-node");
  lesson.set_origin_sector("space");
  lesson.set_version(1);
  if (round > 0) {
    lesson.set_summary(absl::StrCat(lesson.summary(), " Reviewed again (round ", round, ") by ",
                                    kTeams[round % 7], " in ", kPlaces[(round + i) % 11], "."));
  }
  return lesson;
}

struct Figures {
  double build_seconds = 0;
  double index_mb = 0;
  std::vector<double> latencies_us;
  std::vector<std::vector<std::string>> results;  // top ids of each query
};

void Report(const char* name, const Figures& figures, int lessons) {
  std::printf("  %-31s build %6.1f s (%7.0f lessons/s)  index %7.1f MB  p50 %7.0f µs  p99 %8.0f µs"
              "  %6.0f queries/s\n",
              name, figures.build_seconds, lessons / figures.build_seconds, figures.index_mb,
              Percentile(figures.latencies_us, 0.5), Percentile(figures.latencies_us, 0.99),
              figures.latencies_us.size() /
                  (std::accumulate(figures.latencies_us.begin(), figures.latencies_us.end(), 0.0) /
                   1e6));
}

// Runs every query twice (a warm-up pass, then the timed one), recording the timed latencies.
template <typename Run>
void TimeQueries(const std::vector<BenchQuery>& queries, Figures* figures, Run run) {
  for (const BenchQuery& query : queries) run(query);
  for (const BenchQuery& query : queries) {
    absl::Time start = absl::Now();
    figures->results.push_back(run(query));
    figures->latencies_us.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
  }
}

// Writes figure sets to `fd` as lines: per set "set", build seconds, index MB, then "latency
// id,id,..." per query.
void Send(int fd, const std::vector<Figures>& sets) {
  std::string out;
  for (const Figures& figures : sets) {
    absl::StrAppend(&out, "set\n", figures.build_seconds, "\n", figures.index_mb, "\n");
    for (size_t i = 0; i < figures.latencies_us.size(); ++i) {
      absl::StrAppend(&out, figures.latencies_us[i], " ", absl::StrJoin(figures.results[i], ","),
                      "\n");
    }
  }
  for (size_t done = 0; done < out.size();) {
    ssize_t n = write(fd, out.data() + done, out.size() - done);
    if (n <= 0) std::exit(1);
    done += n;
  }
}

std::vector<Figures> Receive(const std::string& text) {
  std::vector<Figures> sets;
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] == "set" && i + 2 < lines.size()) {
      Figures& figures = sets.emplace_back();
      (void)absl::SimpleAtod(lines[i + 1], &figures.build_seconds);
      (void)absl::SimpleAtod(lines[i + 2], &figures.index_mb);
      i += 2;
      continue;
    }
    if (sets.empty() || lines[i].empty()) continue;
    std::pair<std::string, std::string> parts = absl::StrSplit(lines[i], absl::MaxSplits(' ', 1));
    double latency = 0;
    (void)absl::SimpleAtod(parts.first, &latency);
    sets.back().latencies_us.push_back(latency);
    sets.back().results.push_back(absl::StrSplit(parts.second, ',', absl::SkipEmpty()));
  }
  return sets;
}

// Runs `work` in a child process; returns what it sent and its peak RSS in MB.
template <typename Work>
std::pair<std::vector<Figures>, double> InChild(Work work) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) std::exit(1);
  pid_t child = fork();
  if (child == 0) {
    close(pipe_fds[0]);
    Send(pipe_fds[1], work());
    close(pipe_fds[1]);
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string text;
  char buffer[65536];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) text.append(buffer, n);
  close(pipe_fds[0]);
  int status = 0;
  struct rusage usage;
  wait4(child, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "benchmark child failed\n");
    std::exit(1);
  }
  return {Receive(text), usage.ru_maxrss / 1024.0};
}

// How Cairn is asked.
struct CairnMode {
  bool all_words = false;
  bool exact_counts = false;
  bool full = false;  // facets and snippets
};

std::vector<Figures> RunCairn(const std::vector<v1::Lesson>& llis, int count,
                              const std::vector<BenchQuery>& queries,
                              const std::vector<CairnMode>& modes) {
  testing::TempDir dir;
  auto store = *Store::Open(dir.path() + "/db");
  for (int next = 0; next < count;) {
    std::vector<LessonWrite> writes;
    for (int i = 0; i < 1000 && next < count; ++i) writes.push_back({CorpusLesson(llis, next++), 0});
    if (!store->Commit(writes).ok()) std::exit(1);
  }
  absl::Time start = absl::Now();
  auto index = search::SearchIndex::Open(store.get());  // no index yet: builds it
  if (!index.ok()) {
    std::fprintf(stderr, "%s\n", index.status().ToString().c_str());
    std::exit(1);
  }
  const double build_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double index_mb = store->SearchIndexBytes() / 1e6;
  std::vector<Figures> sets;
  for (const CairnMode& mode : modes) {
    Figures& figures = sets.emplace_back();
    figures.build_seconds = build_seconds;
    figures.index_mb = index_mb;
    TimeQueries(queries, &figures, [&](const BenchQuery& query) {
      v1::SearchRequest request;
      request.set_query(query.cairn);
      request.set_page_size(kTopK);
      request.set_all_words(mode.all_words);
      request.set_exact_counts(mode.exact_counts);
      request.set_skip_facets(!mode.full);
      request.set_skip_snippets(!mode.full);
      absl::StatusOr<v1::SearchResponse> response = (*index)->Search(request);
      if (!response.ok()) {
        std::fprintf(stderr, "%s: %s\n", query.cairn.c_str(),
                     response.status().ToString().c_str());
        std::exit(1);
      }
      std::vector<std::string> ids;
      for (const v1::SearchHit& hit : response->hits()) ids.push_back(hit.lesson_id());
      return ids;
    });
  }
  return sets;
}

// FTS5 with the words ORed, then with every word required.
std::vector<Figures> RunFts5(const std::vector<v1::Lesson>& llis, int count,
                             const std::vector<BenchQuery>& queries) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/fts5.db";
  absl::Time start = absl::Now();
  Fts5Index fts5(path);
  fts5.Begin();
  for (int i = 0; i < count; ++i) fts5.Add(i, CorpusLesson(llis, i));
  fts5.Commit();
  fts5.Optimize();
  std::vector<Figures> sets(2);
  for (int ored = 1; ored >= 0; --ored) {
    Figures& figures = sets[1 - ored];
    figures.build_seconds = absl::ToDoubleSeconds(absl::Now() - start);
    figures.index_mb = testing::ReadFileToString(path).size() / 1e6;
    TimeQueries(queries, &figures, [&](const BenchQuery& query) {
      std::vector<std::string> ids;
      for (int64_t rowid : fts5.Search(ored ? query.fts5_or : query.fts5, kTopK)) {
        ids.push_back(CorpusId(rowid));
      }
      return ids;
    });
  }
  sets[1].build_seconds = sets[0].build_seconds;
  return sets;
}

// The mean share of the LLIS lessons behind FTS5's top 10 that are also behind Cairn's top 10,
// over queries where FTS5 found something. (Copies of one LLIS lesson score nearly alike, and
// each engine breaks those near-ties its own way, so ids alone would understate agreement.)
double Overlap(const Figures& cairn, const Figures& fts5, size_t llis_size) {
  auto bases = [llis_size](const std::vector<std::string>& ids) {
    std::set<int64_t> out;
    for (const std::string& id : ids) {
      int64_t number = 0;
      if (absl::SimpleAtoi(id.substr(id.find(':') + 1), &number)) out.insert(number % llis_size);
    }
    return out;
  };
  double total = 0;
  int counted = 0;
  for (size_t i = 0; i < fts5.results.size() && i < cairn.results.size(); ++i) {
    std::set<int64_t> theirs = bases(fts5.results[i]);
    if (theirs.empty()) continue;
    std::set<int64_t> ours = bases(cairn.results[i]);
    int shared = 0;
    for (int64_t base : theirs) shared += ours.contains(base);
    total += static_cast<double>(shared) / theirs.size();
    ++counted;
  }
  return counted > 0 ? total / counted : 0;
}

int Run(int argc, char** argv) {
  int lessons = 100'000;
  int query_count = 1000;
  // To profile: one Cairn mode alone (0 natural, 1 every match, 2 user's, 3 strict, 4 strict
  // user's).
  int only = -1;
  ParseIntFlags(argc, argv, {{"lessons", &lessons}, {"queries", &query_count}, {"only", &only}});
  std::optional<std::string> path = LlisOrSkip();
  if (!path) return 0;
  std::vector<v1::Lesson> llis;
  std::istringstream lines(testing::ReadFileToString(*path));
  for (std::string line; std::getline(lines, line);) {
    llis.push_back(*client::LessonFromLlisJson(line, v1::TLP_CLEAR));
  }
  std::vector<BenchQuery> queries = MakeQueries(llis, query_count);
  int phrases = 0, filtered = 0;
  for (const BenchQuery& query : queries) {
    phrases += query.cairn.front() == '"';
    filtered += query.cairn.find("topic:") != std::string::npos;
  }
  std::printf("search benchmark: %d lessons, %zu queries (%d phrases, %d with a topic filter), "
              "top %d, one at a time, in-process\n\n",
              lessons, queries.size(), phrases, filtered, kTopK);
  const std::vector<CairnMode> modes = {{.all_words = false},
                                         {.all_words = false, .exact_counts = true},
                                         {.all_words = false, .full = true},
                                         {.all_words = true},
                                         {.all_words = true, .full = true}};
  if (only >= 0 && only < static_cast<int>(modes.size())) {
    auto [sets, rss] = InChild([&] { return RunCairn(llis, lessons, queries, {modes[only]}); });
    if (!sets.empty()) Report("Cairn, one mode", sets[0], lessons);
    return 0;
  }
  auto [cairn_sets, cairn_rss] = InChild([&] { return RunCairn(llis, lessons, queries, modes); });
  auto [fts5_sets, fts5_rss] = InChild([&] { return RunFts5(llis, lessons, queries); });
  if (cairn_sets.size() != modes.size() || fts5_sets.size() != 2) {
    std::fprintf(stderr, "a benchmark child sent too few figures\n");
    return 1;
  }
  const Figures& natural = cairn_sets[0];
  const Figures& exhaustive = cairn_sets[1];
  const Figures& user = cairn_sets[2];
  const Figures& strict = cairn_sets[3];
  const Figures& strict_user = cairn_sets[4];
  const Figures& fts5_or = fts5_sets[0];
  const Figures& fts5_and = fts5_sets[1];
  Report("Cairn natural (any word)", natural, lessons);
  Report("Cairn natural, every match", exhaustive, lessons);
  Report("Cairn natural, facets+snippets", user, lessons);
  Report("SQLite FTS5, words ORed", fts5_or, lessons);
  Report("Cairn strict (all words)", strict, lessons);
  Report("Cairn strict, facets+snippets", strict_user, lessons);
  Report("SQLite FTS5, every word", fts5_and, lessons);
  auto p50 = [](const Figures& figures) { return Percentile(figures.latencies_us, 0.5); };
  auto p99 = [](const Figures& figures) { return Percentile(figures.latencies_us, 0.99); };
  std::printf("\n  peak RSS: Cairn %.0f MB, FTS5 %.0f MB (each its own process, the 2,102 LLIS "
              "lessons included)\n",
              cairn_rss, fts5_rss);
  std::printf("  natural ÷ FTS5 ORed: p50 %.2f (goal ≤ 0.25), p99 %.2f (goal ≤ 0.5); "
              "every match evaluated: p50 %.2f, p99 %.2f\n",
              p50(natural) / p50(fts5_or), p99(natural) / p99(fts5_or),
              p50(exhaustive) / p50(fts5_or), p99(exhaustive) / p99(fts5_or));
  std::printf("  the user's path (natural, facets over the best 100, snippets) ÷ FTS5 bare: "
              "p50 %.2f of FTS5 ORed, %.2f of FTS5 every word (goal ≤ 1.0); p99 %.2f, %.2f\n",
              p50(user) / p50(fts5_or), p50(user) / p50(fts5_and), p99(user) / p99(fts5_or),
              p99(user) / p99(fts5_and));
  std::printf("  the user's path with every word required (strict, facets over the best 100, "
              "snippets) ÷ FTS5 every word bare: p50 %.2f (goal ≤ 1.0), p99 %.2f\n",
              p50(strict_user) / p50(fts5_and), p99(strict_user) / p99(fts5_and));
  std::printf("  strict ÷ FTS5 every word: p50 %.2f (goal ≤ 0.82), p99 %.2f; build time %.2f, "
              "index size %.2f\n",
              p50(strict) / p50(fts5_and), p99(strict) / p99(fts5_and),
              strict.build_seconds / fts5_and.build_seconds, strict.index_mb / fts5_and.index_mb);
  std::printf("  top-10 agreement (share of the LLIS lessons behind FTS5's top 10 that are behind "
              "Cairn's): natural vs ORed %.0f%%, strict vs every word %.0f%%\n",
              100 * Overlap(natural, fts5_or, llis.size()),
              100 * Overlap(strict, fts5_and, llis.size()));
  size_t same = 0;
  for (size_t i = 0; i < natural.results.size() && i < exhaustive.results.size(); ++i) {
    same += natural.results[i] == exhaustive.results[i];
  }
  std::printf("  pruned top 10 identical to every match evaluated: %zu of %zu queries\n", same,
              natural.results.size());
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Run(argc, argv); }
