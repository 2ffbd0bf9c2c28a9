// stowage import: copy images from an OCI layout, an OCI archive or a
// `docker save` archive into the store.

#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "cmd/stowage/registry_flags.h"
#include "lib/copy/store_copy.h"

namespace stowage {
namespace {

struct ImportFlags {
  std::string store;
  copy::ImportOptions options;
  RegistryFlags registry;
  std::vector<std::string> platforms;
  bool keep_index = false;
  bool referrers = false;
  bool quiet = false;
};

int RunImport(ImportFlags& flags) {
  if (flags.platforms.size() == 1 && !flags.keep_index) {
    flags.options.platform = flags.platforms[0];
  } else if (!flags.platforms.empty()) {
    flags.options.keep_platforms = flags.platforms;
  } else if (flags.keep_index) {
    return Fail("import", absl::InvalidArgumentError("--keep-index: name the platforms with --platform"));
  }
  absl::StatusOr<transport::RegistryOptions> registry = ResolveRegistryFlags(flags.registry);
  if (!registry.ok()) return Fail("import", registry.status());
  flags.options.registry = *registry;
  flags.options.registry.referrers = flags.referrers;
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
      "import", "Copy images from a registry (docker pull), an OCI layout or "
                "archive, or a docker save archive, into the store");
  app->add_option("SOURCE", flags->options.source,
                  "docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST] (a registry), "
                  "oci:DIR[:REF], oci-archive:FILE[:REF] (tar, plain or "
                  "compressed) or docker-archive:FILE[:NAME[:TAG]|:@N] (a "
                  "docker save tar; NAME:TAG picks the image with that "
                  "RepoTag, @N the Nth image, from 0)")
      ->required();
  app->add_option("TARGET", flags->options.target,
                  "REPOSITORY[:TAG] to tag it as (tag 'latest' by default); "
                  "with --all, REPOSITORY alone; nothing for docker:// and "
                  "docker-archive: sources, whose images keep their own names "
                  "(docker://python is library/python:latest)");
  app->add_flag("-a,--all,--all-tags", flags->options.all,
                "Import every image of SOURCE, each tagged REPOSITORY:<its "
                "ref>; from a docker archive, each under its RepoTags; from a "
                "docker:// repository named without a tag, every tag (docker pull -a)");
  app->add_option("--platform", flags->platforms,
                  "OS/ARCH[/VARIANT]: of a multi-platform image, import that "
                  "platform's image alone, tagged in place of the index; given "
                  "several times (or with --keep-index), those platforms' images "
                  "and the index itself, tagged: a partial index")
      ->allow_extra_args(false);  // one value per --platform: the positionals stay theirs
  app->add_flag("--keep-index", flags->keep_index,
                "With --platform: keep the index (its digest, and signatures over "
                "it, stay valid) and only the chosen platforms' images");
  app->add_flag("--referrers", flags->referrers,
                "docker:// only: bring each image's referrers too: OCI 1.1 "
                "referrers (the referrers API, else its sha256-<hex> fallback tag; "
                "each tagged sha256-<hex>.ref-<12 hex of its digest>) and cosign's "
                "sha256-<hex>.sig/.att/.sbom tags");
  app->add_option("-j,--jobs", flags->options.threads,
                  "Blobs transferred at once (default: 4 from a registry, one "
                  "per core otherwise)");
  AddRegistryFlags(app, &flags->registry);
  app->add_flag("--copy", flags->options.copy,
                "Copy blobs even where a hard link would do (by default blobs "
                "on the same filesystem are hard-linked after verification)");
  app->add_flag("-q,--quiet", flags->quiet,
                "Print nothing but errors and security warnings (plain HTTP, unverified TLS)");
  AddStoreOption(app, &flags->store);
  std::string footer =
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
      "A partial index (--platform twice, or --keep-index) is the index "
      "byte for byte, its digest unchanged, with only the chosen platforms' "
      "images: check, gc, inspect and publish follow those alone, and asking "
      "for another platform later (export --platform) says it was not "
      "pulled. Destinations other than the store need every platform's image, "
      "so a partial index leaves the store one platform at a time (export "
      "--platform); importing it again without --platform completes it.\n\n"
      "docker:// pulls as docker pull does: blobs the store has are not "
      "downloaded, the rest stream in 4 at a time, hashed on the way; a pull "
      "killed midway tags nothing (what it fetched is reused by the next pull "
      "or removed by gc). Signatures (--referrers) are off by default, as in "
      "docker and skopeo: they cost four or five more requests per image and "
      "add tags you did not name; turn them on to carry signatures, SBOMs and "
      "attestations across an air gap (a published tree serves OCI 1.1 "
      "referrers through the referrers API again).\n"
      "%REGISTRY%\n\n"
      "Examples:\n"
      "  stowage import docker://python:3.12                     # library/python:3.12\n"
      "  stowage import --all docker://registry.local:5000/team/app\n"
      "  stowage import --referrers docker://ghcr.io/org/tool:v1 org/tool:v1\n"
      "  stowage import --platform linux/amd64 --platform linux/arm64 docker://python:3.12\n"
      "  stowage import oci:./layout:v1 team/app:v1\n"
      "  stowage import oci-archive:images.tar.gz team/app --all\n"
      "  stowage import docker-archive:busybox.tar team/busybox:1.36\n"
      "  stowage import --all docker-archive:saved.tar.gz        # each image under its own names\n"
      "  stowage import docker-archive:saved.tar:@1 team/second\n"
      "  skopeo copy docker://... oci:$STORE:team/app:v2   # writing directly works too";
  footer.replace(footer.find("%REGISTRY%"), 10, kRegistryHelp);
  app->footer(footer);
  return Command{app, [flags] { return RunImport(*flags); }};
}

}  // namespace stowage
