// How subcommands plug into the stowage binary.
//
// Each cmd/stowage/<name>.cc defines one Add<Name>Command() that declares the
// subcommand's options on `root` and returns the function that runs it after
// parsing. The runner returns the process exit code.

#ifndef STOWAGE_CMD_STOWAGE_COMMAND_H_
#define STOWAGE_CMD_STOWAGE_COMMAND_H_

#include <functional>

#include "CLI/CLI.hpp"

namespace stowage {

// Exit codes every subcommand uses.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the work failed or found problems
inline constexpr int kExitUsage = 2;    // the command line was wrong
// `stowage check` found damaged or missing objects in the store (distinct
// from kExitFailure, which there means the store could not be checked).
inline constexpr int kExitDamaged = 3;

struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command AddValidateCommand(CLI::App& root);
Command AddInitCommand(CLI::App& root);
Command AddImportCommand(CLI::App& root);
Command AddExportCommand(CLI::App& root);
Command AddTagCommand(CLI::App& root);
Command AddUntagCommand(CLI::App& root);
Command AddRmCommand(CLI::App& root);
Command AddGcCommand(CLI::App& root);
Command AddCheckCommand(CLI::App& root);
Command AddLsCommand(CLI::App& root);
Command AddTagsCommand(CLI::App& root);
Command AddInspectCommand(CLI::App& root);
Command AddPublishCommand(CLI::App& root);
Command AddRepoCommand(CLI::App& root);
Command AddSearchCommand(CLI::App& root);
Command AddBundleCommand(CLI::App& root);
Command AddSyncCommand(CLI::App& root);
Command AddLoginCommand(CLI::App& root);
Command AddLogoutCommand(CLI::App& root);

}  // namespace stowage

#endif  // STOWAGE_CMD_STOWAGE_COMMAND_H_
