// The web console's speed in a real browser: one cairnd holding the 2,102 NASA LLIS lessons with
// the console on, and Debian's Chromium (tests/bench/console_bench.mjs) as an analyst.
//
//   build/tests/bench/console_bench [--queries N]
//
// Prints, for the same queries in the same run: the search page's time from navigation to its
// first result (p50, p99), the JSON search call alone from that page (p50, p99) and their ratio;
// then the bytes of JavaScript and CSS each console page loads, against the 200 KB goal.
// Needs the Chromium policy the browser tests use (tests/browser/chromium_policy.sh install).
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/llis_node.h"
#include "tests/bench/llis_queries.h"
#include "tests/support/cairnd_process.h"
#include "tests/support/files.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace cairn::bench {
namespace {

// `text` as a JSON string literal.
std::string JsonString(const std::string& text) {
  google::protobuf::Value value;
  value.set_string_value(text);
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(value, &json);
  return json;
}

int Run(int argc, char** argv) {
  int query_count = 200;
  ParseIntFlags(argc, argv, {{"queries", &query_count}});
  std::optional<std::string> llis = LlisOrSkip();
  if (!llis) return 0;
  const std::string data = testing::ReadFileToString(*llis);
  const std::vector<v1::Lesson> lessons = LlisLessons(data);
  testing::CairndProcess node{testing::NodeSpec()};
  node.EnableConsole();
  if (!StartWithLlis(node, data)) return 1;
  auto some_lesson = node.ClientFor("bob")->List({});
  if (!some_lesson.ok() || some_lesson->lessons().empty()) return 1;

  // The queries the search benchmarks use, as a JSON file for the browser script.
  std::vector<std::string> quoted;
  for (const BenchQuery& query : MakeQueries(lessons, query_count)) {
    quoted.push_back(JsonString(query.cairn));
  }
  testing::TempDir dir;
  const std::string queries_file = dir.path() + "/queries.json";
  testing::ReplaceFile(queries_file, absl::StrCat("[", absl::StrJoin(quoted, ","), "]"));

  testing::CertPaths bob = testing::TestPki::Shared().User(node.spec().org_id, "bob");
  testing::CommandResult result = testing::RunCommand(
      {CAIRN_NODE_PATH, absl::StrCat(CAIRN_SOURCE_DIR, "/tests/bench/console_bench.mjs")},
      {"CAIRN_CONSOLE_URL=" + node.console_url(), "CAIRN_USER_CERT=" + bob.cert,
       "CAIRN_USER_KEY=" + bob.key, "CAIRN_CA=" + testing::TestPki::Shared().ca_file(),
       "CAIRN_BENCH_QUERIES=" + queries_file,
       "CAIRN_BENCH_LESSON=" + some_lesson->lessons(0).id(),
       absl::StrCat("CAIRN_CONSOLE_DIR=", CAIRN_CONSOLE_DIR)});
  std::printf("console_bench: %zu LLIS lessons, %d queries\n%s", lessons.size(), query_count,
              result.out.c_str());
  if (result.exit_code != 0) {
    std::fprintf(stderr, "console_bench.mjs failed:\n%s%s\n", result.out.c_str(),
                 result.err.c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Run(argc, argv); }
