// stowage gc: delete the blobs no tag reaches.

#include <iostream>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/store/store.h"

namespace stowage {
namespace {

struct GcFlags {
  std::string store;
  bool dry_run = false;
  std::string grace = "1h";
};

void PrintReport(const store::Store::GcReport& r, const GcFlags& flags,
                 absl::Duration grace) {
  std::cout << (flags.dry_run ? "would delete " : "deleted ") << r.blobs_removed
            << " blob" << (r.blobs_removed == 1 ? "" : "s") << ", "
            << (flags.dry_run ? "freeing " : "freed ") << HumanSize(r.bytes_freed)
            << " (" << r.bytes_freed << " bytes); " << r.blobs_kept << " kept";
  if (r.kept_young > 0) {
    std::cout << "; " << r.kept_young << " unreferenced kept as younger than "
              << absl::FormatDuration(grace) << " (--grace)";
  }
  std::cout << "\n";
}

int RunGc(const GcFlags& flags) {
  store::Store::GcOptions options;
  options.dry_run = flags.dry_run;
  if (!absl::ParseDuration(flags.grace, &options.grace) ||
      options.grace < absl::ZeroDuration() ||
      options.grace == absl::InfiniteDuration()) {
    std::cerr << "stowage gc: --grace \"" << flags.grace
              << "\": not a duration such as 1h, 30m or 0s\n";
    return kExitUsage;
  }
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("gc", s.status());
  absl::StatusOr<store::Store::GcReport> r = s->Gc(options);
  if (!r.ok()) return Fail("gc", r.status());
  PrintReport(*r, flags, options.grace);
  return kExitOk;
}

}  // namespace

Command AddGcCommand(CLI::App& root) {
  auto flags = std::make_shared<GcFlags>();
  CLI::App* app = root.add_subcommand(
      "gc", "Delete blobs that no tag reaches and report the space freed");
  app->add_flag("-n,--dry-run", flags->dry_run,
                "Only report what would be deleted");
  app->add_option("--grace", flags->grace,
                  "Keep unreferenced blobs and temporary files younger than "
                  "DURATION (1h, 30m, 0s)")
      ->type_name("DURATION")
      ->capture_default_str();
  AddStoreOption(app, &flags->store);
  app->footer(
      "gc waits for stowage's imports in progress to finish, and stops "
      "without deleting anything if a tagged image is damaged.\n\n"
      "Other tools that write into the store (skopeo copy ... oci:STORE:...) "
      "take none of stowage's locks: they add blobs first and name them in "
      "index.json only when the copy ends, so until then those blobs look "
      "like garbage. gc therefore keeps unreferenced blobs written, linked or "
      "renamed within the last --grace (default 1h, as git's gc.pruneExpire "
      "keeps loose objects for two weeks so that a concurrent git process "
      "does not lose them). Use --grace 0s only when no other tool is writing "
      "into the store.");
  return Command{app, [flags] { return RunGc(*flags); }};
}

}  // namespace stowage
