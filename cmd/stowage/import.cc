// stowage import: copy images from an OCI layout, an OCI archive or a
// `docker save` archive into the store.

#include <iostream>
#include <memory>
#include <set>
#include <string>

#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/copy/store_copy.h"

namespace stowage {
namespace {

struct ImportFlags {
  std::string store;
  copy::ImportOptions options;
  bool quiet = false;
};

int RunImport(ImportFlags& flags) {
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("import", s.status());
  absl::StatusOr<copy::ImportResult> result;
  {
    TerminalProgress progress("importing", flags.quiet);
    flags.options.progress = &progress;
    result = copy::Import(*s, flags.options);
  }
  if (!result.ok()) return Fail("import", result.status());
  if (!flags.quiet) {
    for (const store::TagEntry& e : result->tagged) {
      std::cout << e.name.String() << " " << e.descriptor.digest() << "\n";
    }
    const copy::Stats& st = result->stats;
    // Tags, not images: a docker archive's image may have several names.
    std::set<std::string> images;
    for (const store::TagEntry& e : result->tagged) images.insert(e.descriptor.digest());
    std::cerr << "imported " << images.size() << " image"
              << (images.size() == 1 ? "" : "s") << ": "
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
      "import", "Copy images from an OCI layout or archive, or a docker save "
                "archive, into the store");
  app->add_option("SOURCE", flags->options.source,
                  "oci:DIR[:REF], oci-archive:FILE[:REF] (tar, plain or "
                  "compressed) or docker-archive:FILE[:NAME[:TAG]|:@N] (a "
                  "docker save tar; NAME:TAG picks the image with that "
                  "RepoTag, @N the Nth image, from 0)")
      ->required();
  app->add_option("TARGET", flags->options.target,
                  "REPOSITORY[:TAG] to tag it as (tag 'latest' by default); "
                  "with --all, REPOSITORY alone, or nothing for a "
                  "docker-archive: (each image keeps its own names)");
  app->add_flag("--all", flags->options.all,
                "Import every image of SOURCE, each tagged REPOSITORY:<its "
                "ref>; from a docker archive, each under its RepoTags");
  app->add_flag("--copy", flags->options.copy,
                "Copy blobs even where a hard link would do (by default blobs "
                "on the same filesystem are hard-linked after verification)");
  app->add_flag("-q,--quiet", flags->quiet, "Print nothing but errors");
  AddStoreOption(app, &flags->store);
  app->footer(
      "Every blob is checked against its digest and size on the way in; on "
      "any mismatch nothing is tagged. A manifest that declares another size "
      "for a blob the store already has is refused.\n"
      "Archives are read in place, never unpacked: their JSON entries first, "
      "then only the blobs the chosen images reference (an entry no image "
      "names is read past, never written). So an archive must be a file, not "
      "a pipe; to carry images through a pipe, use `stowage bundle`.\n"
      "Prints 'REPOSITORY:TAG DIGEST' per image imported.\n\n"
      "docker-archive: reads `docker save` and `podman save` tars (both the "
      "layout before Docker 25 and the OCI-layout one since), layers plain or "
      "gzip/zstd-compressed. With --all and no REPOSITORY each image is "
      "tagged with each of its RepoTags (where it has none, with the names "
      "the archive's `repositories` file gives it), the registry host "
      "dropped and short names completed as Docker completes them: "
      "busybox:latest, docker.io/library/busybox:latest and "
      "localhost/busybox:latest all become library/busybox:latest, "
      "quay.io/team/app:1 becomes team/app:1. With --all and a REPOSITORY, "
      "each is tagged REPOSITORY:<its RepoTag's tag>.\n"
      "A docker archive holds no manifest, so one is synthesized exactly as "
      "skopeo does (Docker schema 2, the config unchanged, each layer "
      "uncompressed with its diff_id as digest): the digest printed is the "
      "one `skopeo inspect docker-archive:FILE` shows. It differs from the "
      "registry digest of the same image, whose manifest lists compressed "
      "layers; the image ID (config digest) is the same as docker's.\n\n"
      "Examples:\n"
      "  stowage import oci:./layout:v1 team/app:v1\n"
      "  stowage import oci-archive:images.tar.gz team/app --all\n"
      "  stowage import docker-archive:busybox.tar team/busybox:1.36\n"
      "  stowage import --all docker-archive:saved.tar.gz        # each image under its own names\n"
      "  stowage import docker-archive:saved.tar:@1 team/second\n"
      "  skopeo copy docker://... oci:$STORE:team/app:v2   # writing directly works too");
  return Command{app, [flags] { return RunImport(*flags); }};
}

}  // namespace stowage
