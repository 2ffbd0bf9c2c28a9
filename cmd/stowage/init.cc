// stowage init: create a store.

#include <iostream>
#include <memory>
#include <string>

#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/store/store.h"

namespace stowage {

Command AddInitCommand(CLI::App& root) {
  auto dir = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand(
      "init", "Create a store: an OCI image layout that holds named repositories");
  app->add_option("DIR", *dir,
                  "Where; default $STOWAGE_STORE, else $XDG_DATA_HOME/stowage, "
                  "else ~/.local/share/stowage");
  app->footer("An existing store or OCI layout at DIR is left as it is.");
  return Command{app, [dir] {
                   std::string path = dir->empty() ? store::DefaultStorePath() : *dir;
                   absl::StatusOr<store::Store> s = store::Store::Init(path);
                   if (!s.ok()) return Fail("init", s.status());
                   std::cout << "store ready at " << path << "\n";
                   return kExitOk;
                 }};
}

}  // namespace stowage
