#include "client/cli/args.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cairn::cli {

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv, const FlagSpec& spec) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (!absl::StartsWith(arg, "--") || arg == "--") {
      args.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool inline_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (spec.switches.count(name) > 0 && !inline_value) {
      args.flags_.emplace(name, "true");
    } else if (spec.valued.count(name) > 0) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) {
          return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
        }
        value = argv[++i];
      }
      args.flags_.emplace(name, value);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
  }
  return args;
}

std::vector<std::string> Args::TakePositionals(size_t n) {
  n = std::min(n, positional_.size());
  std::vector<std::string> taken(positional_.begin(), positional_.begin() + n);
  positional_.erase(positional_.begin(), positional_.begin() + n);
  return taken;
}

std::set<std::string> Args::FlagNames() const {
  std::set<std::string> names;
  for (const auto& [name, value] : flags_) names.insert(name);
  return names;
}

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  auto [begin, end] = flags_.equal_range(name);
  if (begin == end) return fallback;
  return std::prev(end)->second;
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  std::vector<std::string> values;
  auto [begin, end] = flags_.equal_range(name);
  for (auto it = begin; it != end; ++it) values.push_back(it->second);
  return values;
}

}  // namespace cairn::cli
