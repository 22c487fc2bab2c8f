// cairn: the command-line client for editors, analysts and admins of a Cairn node.
//
//   cairn [connection flags] lesson|observation|search|peer|policy|audit|index ...
//
// `cairn help` lists every command. Connection flags (or environment): --addr (CAIRN_ADDR),
// --ca (CAIRN_CA), --cert (CAIRN_CERT), --key (CAIRN_KEY), --timeout SECONDS. --json prints
// machine-readable output.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/common.h"

namespace cairn::cli {
namespace {

int Run(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "help") {
    PrintUsage();
    return 0;
  }
  std::vector<Command> commands = LessonCommands();
  for (Command& command : AdminCommands()) commands.push_back(std::move(command));
  for (Command& command : SearchCommands()) commands.push_back(std::move(command));
  for (Command& command : ObservationCommands()) commands.push_back(std::move(command));
  for (Command& command : WatchCommands()) commands.push_back(std::move(command));
  for (Command& command : FeedbackCommands()) commands.push_back(std::move(command));
  for (Command& command : ReportCommands()) commands.push_back(std::move(command));
  // A flag takes a value in every command or in none, so one parse finds the command words
  // wherever the flags stand; then each command's own flags are checked.
  FlagSpec all{kConnectionFlags, {"json"}};
  for (const Command& command : commands) {
    all.valued.insert(command.valued.begin(), command.valued.end());
    all.switches.insert(command.switches.begin(), command.switches.end());
  }
  absl::StatusOr<Args> args = Args::Parse(argv, all);
  if (!args.ok()) Usage(std::string(args.status().message()));
  std::vector<std::string> group = args->TakePositionals(1);
  if (group.empty()) Usage("which command?");
  for (const Command& command : commands) {
    if (command.group != group[0]) continue;
    if (!command.name.empty()) {
      if (args->positional().empty() || args->positional()[0] != command.name) continue;
      args->TakePositionals(1);
    }
    std::string full = absl::StrCat(command.group, command.name.empty() ? "" : " ", command.name);
    for (const std::string& flag : args->FlagNames()) {
      if (!kConnectionFlags.contains(flag) && flag != "json" && !command.valued.contains(flag) &&
          !command.switches.contains(flag)) {
        Usage(absl::StrCat("'", full, "' does not take --", flag));
      }
    }
    return command.run(*args);
  }
  Usage(absl::StrCat("unknown command '", group[0],
                     args->positional().empty() ? "" : " " + args->positional()[0], "'"));
}

}  // namespace
}  // namespace cairn::cli

int main(int argc, char** argv) {
  try {
    return cairn::cli::Run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const cairn::cli::Exit& exit) {
    return exit.code;
  }
}
