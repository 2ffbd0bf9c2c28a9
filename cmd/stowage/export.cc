// stowage export: copy images from the store into an OCI layout or archive,
// or a `docker save` archive.

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "cmd/stowage/registry_flags.h"
#include "lib/copy/store_copy.h"

namespace stowage {
namespace {

struct ExportFlags {
  std::string store;
  std::vector<std::string> args;  // IMAGE... DESTINATION
  copy::ExportOptions options;
  RegistryFlags registry;
  bool quiet = false;
};

int RunExport(ExportFlags& flags) {
  if (flags.args.size() < 2) {
    std::fprintf(stderr,
                 "stowage export: name one or more IMAGEs, then the "
                 "DESTINATION\n");
    return kExitUsage;
  }
  flags.options.destination = flags.args.back();
  flags.options.images.assign(flags.args.begin(), flags.args.end() - 1);
  absl::StatusOr<transport::RegistryOptions> registry = ResolveRegistryFlags(flags.registry);
  if (!registry.ok()) return Fail("export", registry.status());
  flags.options.registry = *registry;
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("export", s.status());
  absl::StatusOr<copy::ExportResult> result;
  {
    TerminalProgress progress("exporting", flags.quiet);
    flags.options.progress = &progress;
    result = copy::Export(*s, flags.options);
  }
  if (!result.ok()) return Fail("export", result.status());
  if (!flags.quiet) {
    const copy::Stats& st = result->stats;
    std::cerr << "exported " << result->refs.size() << " image"
              << (result->refs.size() == 1 ? "" : "s") << " to "
              << flags.options.destination;
    if (absl::StartsWith(flags.options.destination, "docker-archive:")) {
      // Staged blobs say little of a docker archive: its layers are
      // written uncompressed, its manifests not at all.
      std::cerr << "\n";
      return kExitOk;
    }
    std::cerr << ": ";
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
      "export", "Copy images from the store to a registry (docker push), an "
                "OCI layout or archive, or a docker save archive");
  app->add_option("IMAGE...DESTINATION", flags->args,
                  "One or more images, REPOSITORY[:TAG] or REPOSITORY@DIGEST "
                  "(with --all-tags, REPOSITORY), then the destination: "
                  "docker://[HOST[:PORT]/]NAME[:TAG], oci:DIR[:REF], oci-archive:FILE[:REF] or "
                  "docker-archive:FILE[:NAME:TAG]; TAG, REF and NAME:TAG name a "
                  "single image")
      ->required();
  app->add_flag("-a,--all-tags", flags->options.all_tags,
                "Export every tag of each repository, each under its tag");
  app->add_option("--platform", flags->options.platform,
                  "OS/ARCH[/VARIANT]: from a multi-platform index, export only "
                  "that platform's image (its digest is kept); required for an "
                  "index going into a docker-archive:");
  app->add_flag("--copy", flags->options.copy,
                "Copy blobs even where a hard link would do");
  app->add_option("-j,--jobs", flags->options.threads,
                  "Blobs transferred at once (default: 4 to a registry, one "
                  "per core otherwise)");
  app->add_flag("-q,--quiet", flags->quiet,
                "Print nothing but errors and security warnings (plain HTTP, unverified TLS)");
  AddRegistryFlags(app, &flags->registry);
  AddStoreOption(app, &flags->store);
  std::string footer =
      "A layout or OCI archive that exists keeps its images; one with the same "
      "ref is replaced. Digests are kept byte for byte, and every blob read "
      "from the store is hashed on the way out: a blob damaged in the store "
      "fails the export, naming it, and nothing is written. Without a REF, "
      "each image is named by its tag.\n\n"
      "docker-archive: writes what `docker load` and `podman load` read: "
      "manifest.json, repositories, each config unchanged (so the image ID is "
      "the store's config digest) and each layer uncompressed (gzip and zstd "
      "layers are decompressed and checked against the config's diff_ids). "
      "Each image is named REPOSITORY:TAG (busybox:latest for "
      "library/busybox:latest) unless NAME:TAG is given. The file is written "
      "whole and atomically, replacing one that exists; bytes are "
      "deterministic (sorted, owner 0:0, mtime $SOURCE_DATE_EPOCH or 0). A "
      "docker archive holds one image per name and no multi-platform index: "
      "export an index with --platform.\n\n"
      "docker:// pushes as docker push does: each blob the registry lacks is "
      "uploaded (one PUT, or 64 MiB PATCH chunks for larger blobs, each "
      "retried alone), after a HEAD; one this process pushed to another "
      "repository of the registry is mounted from there; manifests go by "
      "digest after their blobs, an index after its manifests, and the tags "
      "last, so a push cut short tags nothing. Digests are kept byte for "
      "byte.\n%REGISTRY%\n\n"
      "Examples:\n"
      "  stowage export team/app:v1 oci:/media/usb/layout\n"
      "  stowage export team/app:v1 docker://registry.local:5000/team/app   # tag v1\n"
      "  stowage export --all-tags team/app docker://registry.local:5000/team/app\n"
      "  stowage export -a team/app oci-archive:team-app.tar\n"
      "  stowage export --platform linux/arm64 library/python:3.12 oci:py-arm64\n"
      "  stowage export team/app:v1 team/tool:2 docker-archive:images.tar   # docker load -i images.tar\n"
      "  stowage export --platform linux/amd64 library/python:3.12 "
      "docker-archive:py.tar:python:3.12";
  footer.replace(footer.find("%REGISTRY%"), 10, kRegistryHelp);
  app->footer(footer);
  return Command{app, [flags] { return RunExport(*flags); }};
}

}  // namespace stowage
