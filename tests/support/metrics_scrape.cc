#include "tests/support/metrics_scrape.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cairn::testing {

absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("nothing answers on 127.0.0.1:", port));
  }
  std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::InternalError("cannot send the request");
  }
  std::string response;
  char buffer[65536];
  ssize_t got;
  while ((got = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, got);
  close(fd);
  size_t body = response.find("\r\n\r\n");
  std::string status_line = response.substr(0, response.find("\r\n"));
  if (body == std::string::npos || !absl::StartsWith(status_line, "HTTP/1.1 200")) {
    return absl::InternalError(absl::StrCat("GET ", path, ": ", status_line));
  }
  return response.substr(body + 4);
}

absl::StatusOr<Exposition> Exposition::Parse(const std::string& text) {
  Exposition parsed;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    if (line.empty()) continue;
    if (absl::StartsWith(line, "#")) {
      std::vector<std::string> words = absl::StrSplit(line, absl::MaxSplits(' ', 3));
      if (words.size() >= 4 && words[1] == "TYPE") parsed.types_[words[2]] = words[3];
      if (words.size() >= 3 && words[1] == "HELP") {
        parsed.help_[words[2]] = words.size() == 4 ? words[3] : "";
      }
      continue;
    }
    // name{a="x",b="y"} value, or name value. Label values here hold no '"', ',' or '}'.
    Sample sample;
    size_t space = line.rfind(' ');
    size_t brace = line.find('{');
    if (space == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("line ", number, ": ", line));
    }
    sample.name = std::string(line.substr(0, std::min(brace, space)));
    if (brace != absl::string_view::npos && brace < space) {
      size_t close = line.find('}', brace);
      for (absl::string_view pair :
           absl::StrSplit(line.substr(brace + 1, close - brace - 1), ',', absl::SkipEmpty())) {
        size_t equals = pair.find('=');
        if (equals == absl::string_view::npos || pair.size() < equals + 3) {
          return absl::InvalidArgumentError(absl::StrCat("line ", number, ": ", line));
        }
        sample.labels[std::string(pair.substr(0, equals))] =
            std::string(pair.substr(equals + 2, pair.size() - equals - 3));
      }
    }
    std::string value(line.substr(space + 1));
    char* end = nullptr;
    sample.value = std::strtod(value.c_str(), &end);
    if (end == value.c_str()) {
      return absl::InvalidArgumentError(absl::StrCat("line ", number, ": ", line));
    }
    parsed.samples_.push_back(std::move(sample));
  }
  return parsed;
}

bool Exposition::Has(const std::string& name) const {
  for (const Sample& sample : samples_) {
    if (sample.name == name) return true;
  }
  return false;
}

double Exposition::Sum(const std::string& name,
                       const std::map<std::string, std::string>& labels) const {
  double sum = 0;
  for (const Sample& sample : samples_) {
    if (sample.name != name) continue;
    bool all = true;
    for (const auto& [label, value] : labels) {
      auto it = sample.labels.find(label);
      all &= it != sample.labels.end() && it->second == value;
    }
    if (all) sum += sample.value;
  }
  return sum;
}

}  // namespace cairn::testing
