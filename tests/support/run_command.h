// Runs a program to completion and captures its exit code, standard output and standard error.
#ifndef CAIRN_TESTS_SUPPORT_RUN_COMMAND_H_
#define CAIRN_TESTS_SUPPORT_RUN_COMMAND_H_

#include <string>
#include <vector>

namespace cairn::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `argv[0]` is the program's path; `env` entries ("NAME=value") are added to this process's
// environment. `stdin_file`, when not empty, is connected to standard input.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env = {},
                         const std::string& stdin_file = "");

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_RUN_COMMAND_H_
