// stowage export: copy images from the store into an OCI layout or archive.

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/store/transfer.h"

namespace stowage {
namespace {

struct ExportFlags {
  std::string store;
  store::ExportOptions options;
  bool quiet = false;
};

int RunExport(ExportFlags& flags) {
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("export", s.status());
  absl::StatusOr<store::ExportResult> result;
  {
    TerminalProgress progress("exporting", flags.quiet);
    flags.options.progress = &progress;
    result = store::Export(*s, flags.options);
  }
  if (!result.ok()) return Fail("export", result.status());
  if (!flags.quiet) {
    const oci::TransferStats& st = result->stats;
    std::cerr << "exported " << result->refs.size() << " image"
              << (result->refs.size() == 1 ? "" : "s") << " to "
              << flags.options.destination << ": ";
    if (absl::StartsWith(flags.options.destination, "oci-archive:")) {
      // Into a tar, every blob is written; links only staged it.
      std::cerr << st.blobs_copied + st.blobs_linked << " blobs written ("
                << HumanSize(st.bytes_copied + st.bytes_linked) << ")";
    } else {
      std::cerr << st.blobs_copied << " blobs copied ("
                << HumanSize(st.bytes_copied) << "), " << st.blobs_linked
                << " linked (" << HumanSize(st.bytes_linked) << ")";
    }
    std::cerr << ", " << st.blobs_present << " already there\n";
  }
  return kExitOk;
}

}  // namespace

Command AddExportCommand(CLI::App& root) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* app = root.add_subcommand(
      "export", "Copy images from the store into an OCI layout or archive");
  app->add_option("IMAGE", flags->options.image,
                  "REPOSITORY[:TAG] or REPOSITORY@DIGEST; with --all-tags, "
                  "REPOSITORY")
      ->required();
  app->add_option("DESTINATION", flags->options.destination,
                  "oci:DIR[:REF] or oci-archive:FILE[:REF]; REF defaults to "
                  "the tag")
      ->required();
  app->add_flag("-a,--all-tags", flags->options.all_tags,
                "Export every tag of the repository, each under its tag");
  app->add_option("--platform", flags->options.platform,
                  "OS/ARCH[/VARIANT]: from a multi-platform index, export only "
                  "that platform's image (its digest is kept)");
  app->add_flag("--copy", flags->options.copy,
                "Copy blobs even where a hard link would do");
  app->add_flag("-q,--quiet", flags->quiet, "Print nothing but errors");
  AddStoreOption(app, &flags->store);
  app->footer(
      "A destination that exists keeps its images; one with the same ref is "
      "replaced. Digests are kept byte for byte.\n\n"
      "Examples:\n"
      "  stowage export team/app:v1 oci:/media/usb/layout\n"
      "  stowage export -a team/app oci-archive:team-app.tar\n"
      "  stowage export --platform linux/arm64 library/python:3.12 oci:py-arm64");
  return Command{app, [flags] { return RunExport(*flags); }};
}

}  // namespace stowage
