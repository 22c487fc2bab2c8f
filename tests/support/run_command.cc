#include "tests/support/run_command.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>


#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace cairn::testing {
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env, const std::string& stdin_file) {
  TempDir dir;
  std::string out = dir.path() + "/out";
  std::string err = dir.path() + "/err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO,
                                   stdin_file.empty() ? "/dev/null" : stdin_file.c_str(),
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT, 0644);

  std::vector<std::string> environment(env);
  for (char** entry = environ; *entry != nullptr; ++entry) environment.emplace_back(*entry);
  std::vector<char*> env_pointers;
  for (std::string& entry : environment) env_pointers.push_back(entry.data());
  env_pointers.push_back(nullptr);
  std::vector<std::string> args(argv);
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  arg_pointers.push_back(nullptr);

  CommandResult result;
  pid_t pid;
  if (posix_spawn(&pid, args[0].c_str(), &actions, nullptr, arg_pointers.data(),
                  env_pointers.data()) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  result.out = ReadFileToString(out);
  result.err = ReadFileToString(err);
  return result;
}

}  // namespace cairn::testing
