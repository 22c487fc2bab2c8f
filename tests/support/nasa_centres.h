// The NASA LLIS lessons as a federation: one organisation per NASA centre. For the federated
// search test and benchmark.
#ifndef CAIRN_TESTS_SUPPORT_NASA_CENTRES_H_
#define CAIRN_TESTS_SUPPORT_NASA_CENTRES_H_

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "client/llis.h"
#include "tests/support/files.h"

namespace cairn::testing {

// The organisation ids of the twelve centres with the most lessons, e.g. "nasa-ksc".
inline std::vector<std::string> NasaCentres() {
  std::vector<std::string> orgs;
  for (const char* centre : {"KSC", "JPL", "JSC", "MSFC", "HQ", "GSFC", "ARC", "GRC", "LaRC",
                             "AFRC", "NESC", "WSTF"}) {
    orgs.push_back("nasa-" + absl::AsciiStrToLower(centre));
  }
  return orgs;
}

// Each centre's lessons from the LLIS file at `path` (the importer tags them "nasa-<centre>"),
// marked CLEAR, GREEN, AMBER or RED by lesson number modulo 4.
inline std::map<std::string, std::vector<v1::Lesson>> NasaCentreLessons(const std::string& path) {
  const v1::TlpMarking markings[] = {v1::TLP_CLEAR, v1::TLP_GREEN, v1::TLP_AMBER, v1::TLP_RED};
  std::vector<std::string> centres = NasaCentres();
  std::map<std::string, std::vector<v1::Lesson>> by_centre;
  std::istringstream lines(ReadFileToString(path));
  for (std::string line; std::getline(lines, line);) {
    v1::Lesson lesson = *client::LessonFromLlisJson(line, v1::TLP_CLEAR);
    for (const std::string& tag : lesson.tags()) {
      if (std::find(centres.begin(), centres.end(), tag) == centres.end()) continue;
      uint64_t number = 0;
      (void)absl::SimpleAtoi(absl::StripPrefix(lesson.external_ref(), "llis-"), &number);
      lesson.set_marking(markings[number % 4]);
      by_centre[tag].push_back(lesson);
      break;
    }
  }
  return by_centre;
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_NASA_CENTRES_H_
