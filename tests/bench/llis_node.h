// The NASA LLIS lessons for benchmarks that run real nodes: read from the data file's text, and
// imported into a node through the client library, as an editor would.
#ifndef CAIRN_TESTS_BENCH_LLIS_NODE_H_
#define CAIRN_TESTS_BENCH_LLIS_NODE_H_

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "client/lesson_import.h"
#include "client/llis.h"
#include "tests/support/cairnd_process.h"

namespace cairn::bench {

// Each line of the LLIS file as the lesson the importer makes of it (TLP:CLEAR).
inline std::vector<v1::Lesson> LlisLessons(const std::string& data) {
  std::vector<v1::Lesson> lessons;
  std::istringstream lines(data);
  for (std::string line; std::getline(lines, line);) {
    lessons.push_back(*client::LessonFromLlisJson(line, v1::TLP_CLEAR));
  }
  return lessons;
}

// Starts `node` and imports every LLIS lesson as its editor alice; false, having said why, when
// either fails.
inline bool StartWithLlis(testing::CairndProcess& node, const std::string& data) {
  if (absl::Status started = node.Start(); !started.ok()) {
    std::fprintf(stderr, "%s\n", std::string(started.message()).c_str());
    return false;
  }
  std::istringstream in(data);
  client::ImportOptions options;
  options.format = client::ImportFormat::kLlis;
  auto summary = client::ImportJsonLines(*node.ClientFor("alice"), in, options);
  if (!summary.ok() || !summary->failures.empty()) {
    std::fprintf(stderr, "importing the LLIS lessons failed\n");
    return false;
  }
  return true;
}

}  // namespace cairn::bench

#endif  // CAIRN_TESTS_BENCH_LLIS_NODE_H_
