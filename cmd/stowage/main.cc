// stowage: a static registry generator and OCI layout tool.

#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cmd/stowage/command.h"

#ifndef STOWAGE_VERSION
#define STOWAGE_VERSION "0.1.0"
#endif

int main(int argc, char** argv) {
  CLI::App app(
      "stowage keeps container images where no registry runs: a store of "
      "named repositories that is itself an OCI image layout, filled from and "
      "emptied into registries, OCI layouts and archives, published as a "
      "static registry, and reference checks against Docker Hub and OCI rules.",
      "stowage");
  app.set_version_flag("--version", "stowage " STOWAGE_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  stowage init /srv/stowage && export STOWAGE_STORE=/srv/stowage\n"
      "  stowage import docker://python:3.12   # docker pull\n"
      "  stowage import oci:./layout:v1 team/app:v1\n"
      "  stowage export team/app:v1 docker://registry.local:5000/team/app:v1\n"
      "  stowage sync images.json   # a declared set of registry images\n"
      "  stowage login registry.local:5000 -u alice\n"
      "  stowage ls; stowage tags team/app; stowage inspect team/app:v1\n"
      "  stowage check   # hash every blob, walk every image\n"
      "  stowage export team/app:v1 oci-archive:/media/usb/app.tar\n"
      "  stowage bundle create /media/usb/week1.tar --all --max-size 4G\n"
      "  stowage repo set library/python --short 'Python, official' --official\n"
      "  stowage search python; stowage search python --site http://127.0.0.1:8080/\n"
      "  stowage validate ubuntu:22.04 myorg/app@sha256:<64 hex digits>\n"
      "  stowage validate --rules=oci --json - < references.txt\n"
      "\n"
      "Exit status: 0 success, 1 failure (bad input, damaged content, "
      "an invalid reference), 2 wrong command line, 3 (check) damage found.\n"
      "Run 'stowage COMMAND --help' for a command's options.");

  std::vector<stowage::Command> commands = {
      stowage::AddInitCommand(app),    stowage::AddImportCommand(app),
      stowage::AddExportCommand(app),  stowage::AddLsCommand(app),
      stowage::AddTagsCommand(app),    stowage::AddInspectCommand(app),
      stowage::AddTagCommand(app),     stowage::AddUntagCommand(app),
      stowage::AddRmCommand(app),      stowage::AddGcCommand(app),
      stowage::AddCheckCommand(app),
      stowage::AddPublishCommand(app),
      stowage::AddRepoCommand(app),
      stowage::AddSearchCommand(app),
      stowage::AddBundleCommand(app),
      stowage::AddSyncCommand(app),
      stowage::AddLoginCommand(app),
      stowage::AddLogoutCommand(app),
      stowage::AddValidateCommand(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      return app.exit(e);  // --help, --version
    }
    // One line, naming what was wrong, then where to look. CLI11 checks for a
    // missing subcommand before it complains of unknown arguments; the
    // unknown argument is the better message.
    // The error belongs to the deepest command given (stowage repo bogus:
    // to `stowage repo`), whose help is the one to read.
    CLI::App* at = &app;
    std::string path = "stowage";
    for (bool deeper = true; deeper;) {
      deeper = false;
      for (CLI::App* sub : at->get_subcommands()) {
        at = sub;
        path += " " + sub->get_name();
        deeper = true;
        break;
      }
    }
    std::string message = e.what();
    std::vector<std::string> rest = at->remaining();
    if (!rest.empty() && dynamic_cast<const CLI::RequiredError*>(&e)) {
      bool has_commands = !at->get_subcommands([](CLI::App*) { return true; }).empty();
      message = (has_commands && at != &app ? "unknown command or argument "
                                            : "unknown argument ") +
                rest.front();
    }
    std::cerr << path << ": " << message << " (see '" << path << " --help')\n";
    return stowage::kExitUsage;
  }
  for (const stowage::Command& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  return stowage::kExitUsage;
}
