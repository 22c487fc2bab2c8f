// SQLite FTS5, the search benchmarks' yardstick: a contentless table of each lesson's title,
// summary, body and topics (porter tokenizer), ranked by bm25 with Cairn's field weights (title 3,
// summary 2, body 1; topics 0). Exits the benchmark on any SQLite error: a benchmark whose
// yardstick broke has nothing to report.
#ifndef CAIRN_TESTS_BENCH_FTS5_INDEX_H_
#define CAIRN_TESTS_BENCH_FTS5_INDEX_H_

#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "cairn/v1/lesson.pb.h"

namespace cairn::bench {

// What Cairn indexes as a lesson's body, as one text.
inline std::string LessonBody(const v1::Lesson& lesson) {
  std::vector<std::string> parts = {lesson.driving_event(), lesson.lesson()};
  for (const std::string& text : lesson.recommendations()) parts.push_back(text);
  for (const std::string& text : {lesson.evidence(), lesson.project(), lesson.lifecycle_phase()}) {
    parts.push_back(text);
  }
  for (const std::string& text : lesson.topics()) parts.push_back(text);
  for (const std::string& text : lesson.tags()) parts.push_back(text);
  return absl::StrJoin(parts, "\n");
}

class Fts5Index {
 public:
  // Creates the table in a new database file at `path`.
  explicit Fts5Index(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) Fail("opening", path);
    Exec("CREATE VIRTUAL TABLE lessons USING fts5(title, summary, body, topics, content='', "
         "tokenize='porter unicode61')");
    Prepare("INSERT INTO lessons(rowid, title, summary, body, topics) VALUES (?,?,?,?,?)",
            &insert_);
    Prepare("SELECT rowid FROM lessons WHERE lessons MATCH ? "
            "ORDER BY bm25(lessons, 3.0, 2.0, 1.0, 0.0) LIMIT ?",
            &select_);
  }
  ~Fts5Index() {
    sqlite3_finalize(insert_);
    sqlite3_finalize(select_);
    sqlite3_close(db_);
  }
  Fts5Index(const Fts5Index&) = delete;
  Fts5Index& operator=(const Fts5Index&) = delete;

  void Begin() { Exec("BEGIN"); }
  void Commit() { Exec("COMMIT"); }
  // Merges the table's segments into one, as Cairn's rebuild compacts its index.
  void Optimize() { Exec("INSERT INTO lessons(lessons) VALUES('optimize')"); }

  void Add(int64_t rowid, const v1::Lesson& lesson) {
    const std::string body = LessonBody(lesson);
    const std::string topics = absl::StrJoin(lesson.topics(), "\n");
    sqlite3_bind_int64(insert_, 1, rowid);
    Bind(insert_, 2, lesson.title());
    Bind(insert_, 3, lesson.summary());
    Bind(insert_, 4, body);
    Bind(insert_, 5, topics);
    if (sqlite3_step(insert_) != SQLITE_DONE) Fail("inserting", lesson.id());
    sqlite3_reset(insert_);
  }

  // The row ids of the best `k` lessons for the FTS5 query `match`, best first.
  std::vector<int64_t> Search(const std::string& match, int k) {
    Bind(select_, 1, match);
    sqlite3_bind_int(select_, 2, k);
    std::vector<int64_t> rowids;
    int step;
    while ((step = sqlite3_step(select_)) == SQLITE_ROW) {
      rowids.push_back(sqlite3_column_int64(select_, 0));
    }
    if (step != SQLITE_DONE) Fail("searching", match);
    sqlite3_reset(select_);
    return rowids;
  }

 private:
  static void Bind(sqlite3_stmt* statement, int column, const std::string& text) {
    sqlite3_bind_text(statement, column, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  }
  void Exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) Fail("running", sql);
  }
  void Prepare(const char* sql, sqlite3_stmt** statement) {
    if (sqlite3_prepare_v2(db_, sql, -1, statement, nullptr) != SQLITE_OK) Fail("preparing", sql);
  }
  [[noreturn]] void Fail(const char* doing, const std::string& what) {
    std::fprintf(stderr, "fts5: %s %s: %s\n", doing, what.c_str(), sqlite3_errmsg(db_));
    std::exit(1);
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
};

}  // namespace cairn::bench

#endif  // CAIRN_TESTS_BENCH_FTS5_INDEX_H_
