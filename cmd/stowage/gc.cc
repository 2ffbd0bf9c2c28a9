// stowage gc: delete the blobs no tag reaches.

#include <iostream>
#include <memory>
#include <string>

#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/store/store.h"

namespace stowage {

Command AddGcCommand(CLI::App& root) {
  struct Flags {
    std::string store;
    bool dry_run = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand(
      "gc", "Delete blobs that no tag reaches and report the space freed");
  app->add_flag("-n,--dry-run", flags->dry_run,
                "Only report what would be deleted");
  AddStoreOption(app, &flags->store);
  app->footer(
      "gc waits for imports in progress to finish, and stops without "
      "deleting anything if a tagged image is damaged.");
  return Command{app, [flags] {
                   absl::StatusOr<store::Store> s = store::Store::Open(flags->store);
                   if (!s.ok()) return Fail("gc", s.status());
                   absl::StatusOr<store::Store::GcReport> r = s->Gc(flags->dry_run);
                   if (!r.ok()) return Fail("gc", r.status());
                   std::cout << (flags->dry_run ? "would delete " : "deleted ")
                             << r->blobs_removed << " blob"
                             << (r->blobs_removed == 1 ? "" : "s") << ", "
                             << (flags->dry_run ? "freeing " : "freed ")
                             << HumanSize(r->bytes_freed) << " (" << r->bytes_freed
                             << " bytes); " << r->blobs_kept << " kept\n";
                   return kExitOk;
                 }};
}

}  // namespace stowage
