// Scraping a cairnd's Prometheus endpoint in tests: a plain HTTP GET on loopback, and the text
// format read back into families and samples.
#ifndef CAIRN_TESTS_SUPPORT_METRICS_SCRAPE_H_
#define CAIRN_TESTS_SUPPORT_METRICS_SCRAPE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn::testing {

// GET http://127.0.0.1:<port><path>. The body when the answer is 200; UNAVAILABLE when nothing
// answers; INTERNAL with the status line otherwise.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

// A scrape in Prometheus' text format, parsed.
class Exposition {
 public:
  // INVALID_ARGUMENT naming the line that is not a comment, a blank or a sample.
  static absl::StatusOr<Exposition> Parse(const std::string& text);

  // Family name -> its type ("counter", "gauge", "histogram"...), from the # TYPE lines.
  const std::map<std::string, std::string>& types() const { return types_; }
  // Family names with a # HELP line.
  const std::map<std::string, std::string>& help() const { return help_; }
  // Whether some sample is named `name` (e.g. "cairn_search_duration_seconds_count").
  bool Has(const std::string& name) const;
  // The sum of the samples named `name` whose labels include every one of `labels`; 0 when none
  // does.
  double Sum(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;

 private:
  struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
  };
  std::map<std::string, std::string> types_;
  std::map<std::string, std::string> help_;
  std::vector<Sample> samples_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_METRICS_SCRAPE_H_
