// stowage import: copy images from an OCI layout or archive into the store.

#include <iostream>
#include <memory>
#include <string>

#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/store/transfer.h"

namespace stowage {
namespace {

struct ImportFlags {
  std::string store;
  store::ImportOptions options;
  bool quiet = false;
};

int RunImport(ImportFlags& flags) {
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("import", s.status());
  absl::StatusOr<store::ImportResult> result;
  {
    TerminalProgress progress("importing", flags.quiet);
    flags.options.progress = &progress;
    result = store::Import(*s, flags.options);
  }
  if (!result.ok()) return Fail("import", result.status());
  if (!flags.quiet) {
    for (const store::TagEntry& e : result->tagged) {
      std::cout << e.name.String() << " " << e.descriptor.digest() << "\n";
    }
    const oci::TransferStats& st = result->stats;
    std::cerr << "imported " << result->tagged.size() << " image"
              << (result->tagged.size() == 1 ? "" : "s") << ": "
              << st.blobs_copied << " blobs copied (" << HumanSize(st.bytes_copied)
              << "), " << st.blobs_linked << " linked ("
              << HumanSize(st.bytes_linked) << "), " << st.blobs_present
              << " already in the store\n";
  }
  return kExitOk;
}

}  // namespace

Command AddImportCommand(CLI::App& root) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* app = root.add_subcommand(
      "import", "Copy images from an OCI layout or archive into the store");
  app->add_option("SOURCE", flags->options.source,
                  "oci:DIR[:REF] or oci-archive:FILE[:REF] (tar, plain or "
                  "compressed)")
      ->required();
  app->add_option("TARGET", flags->options.target,
                  "REPOSITORY[:TAG] to tag it as (tag 'latest' by default); "
                  "with --all, REPOSITORY alone")
      ->required();
  app->add_flag("--all", flags->options.all,
                "Import every image of SOURCE, each tagged REPOSITORY:<its ref>");
  app->add_flag("--copy", flags->options.copy,
                "Copy blobs even where a hard link would do (by default blobs "
                "on the same filesystem are hard-linked after verification)");
  app->add_flag("-q,--quiet", flags->quiet, "Print nothing but errors");
  AddStoreOption(app, &flags->store);
  app->footer(
      "Every blob is checked against its digest and size on the way in; on "
      "any mismatch nothing is tagged.\n"
      "Prints 'REPOSITORY:TAG DIGEST' per image imported.\n\n"
      "Examples:\n"
      "  stowage import oci:./layout:v1 team/app:v1\n"
      "  stowage import oci-archive:images.tar.gz team/app --all\n"
      "  skopeo copy docker://... oci:$STORE:team/app:v2   # writing directly works too");
  return Command{app, [flags] { return RunImport(*flags); }};
}

}  // namespace stowage
