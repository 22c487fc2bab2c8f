// Command-line arguments for the cairn CLI: positionals and --flags, checked against what each
// command accepts so a typo is an error rather than silently ignored.
#ifndef CAIRN_CLIENT_CLI_ARGS_H_
#define CAIRN_CLIENT_CLI_ARGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn::cli {

struct FlagSpec {
  std::set<std::string> valued;    // --name VALUE (may repeat)
  std::set<std::string> switches;  // --name
};

class Args {
 public:
  // Splits `argv` into positionals and flags ("--name value", "--name=value", "--switch").
  // INVALID_ARGUMENT naming an unknown flag or a valued flag with no value.
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv, const FlagSpec& spec);

  const std::vector<std::string>& positional() const { return positional_; }
  // Removes and returns up to `n` leading positionals (e.g. the command words).
  std::vector<std::string> TakePositionals(size_t n);
  // The distinct flag names given.
  std::set<std::string> FlagNames() const;
  bool Has(const std::string& name) const { return flags_.count(name) > 0; }
  // The last value given for `name`, or `fallback`.
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;

 private:
  std::vector<std::string> positional_;
  std::multimap<std::string, std::string> flags_;
};

}  // namespace cairn::cli

#endif  // CAIRN_CLIENT_CLI_ARGS_H_
