// stowage sync: keep a declared set of registry images in the store,
// copying only what changed upstream (lib/sync).

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "cmd/stowage/registry_flags.h"
#include "lib/fs/file.h"
#include "lib/sync/sync.h"

namespace stowage {
namespace {

struct SyncFlags {
  std::string store;
  std::string file;
  RegistryFlags registry;
  bool dry_run = false;
  int checks = 8;
  int threads = 0;
  bool quiet = false;
};

const char* StateWord(sync::Item::State state, bool dry_run) {
  switch (state) {
    case sync::Item::State::kAdded: return dry_run ? "would add" : "added";
    case sync::Item::State::kUpdated: return dry_run ? "would update" : "updated";
    case sync::Item::State::kUnchanged: return "unchanged";
    case sync::Item::State::kFailed: return "FAILED";
  }
  return "";
}

// One line per tag on stdout: "added library/busybox:1.36 sha256:…"; a
// failure's reason goes to stderr, naming the source.
void PrintItem(const sync::Item& item, bool dry_run, bool quiet) {
  if (item.state == sync::Item::State::kFailed) {
    std::cerr << "stowage sync: " << item.error << "\n";
  }
  if (quiet) return;
  std::cout << StateWord(item.state, dry_run) << " "
            << (item.target.repository.empty() ? item.source : item.target.String());
  if (!item.digest.empty()) std::cout << " " << item.digest;
  std::cout << std::endl;
}

int RunSync(SyncFlags& flags) {
  absl::StatusOr<std::string> text = ReadFile(flags.file, 4 << 20);
  if (!text.ok()) return Fail("sync", text.status());
  absl::StatusOr<sync::Spec> spec = sync::ParseSpec(*text, flags.file);
  if (!spec.ok()) return Fail("sync", spec.status());
  if (flags.checks < 1 || flags.checks > 64) {
    return Fail("sync", absl::InvalidArgumentError("--checks must be between 1 and 64"));
  }
  absl::StatusOr<transport::RegistryOptions> registry = ResolveRegistryFlags(flags.registry);
  if (!registry.ok()) return Fail("sync", registry.status());
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("sync", s.status());

  sync::Options options;
  options.registry = *registry;
  options.dry_run = flags.dry_run;
  options.checks = flags.checks;
  options.threads = flags.threads;
  options.on_item = [&](const sync::Item& item) { PrintItem(item, flags.dry_run, flags.quiet); };
  absl::StatusOr<sync::Result> result;
  {
    TerminalProgress progress("syncing", flags.quiet);
    options.progress = &progress;
    result = sync::Run(*s, *spec, options);
  }
  if (!result.ok()) return Fail("sync", result.status());
  if (!flags.quiet) {
    std::cerr << (flags.dry_run ? "would sync: " : "synced: ") << result->added << " added, "
              << result->updated << " updated, " << result->unchanged << " unchanged, "
              << result->failed << " failed (" << Count(result->check_requests, "request", "requests")
              << " to check)\n";
  }
  return result->failed > 0 ? kExitFailure : kExitOk;
}

constexpr char kSyncFooter[] =
    "FILE is JSON, kept beside the pipeline that needs the images:\n\n"
    "  {\n"
    "    \"registries\": {\n"
    "      \"registry.local:5000\": {\n"
    "        \"tls-verify\": true,\n"
    "        \"cert-dir\": \"/etc/stowage/certs\",\n"
    "        \"images\": [\n"
    "          {\"repository\": \"team/app\", \"tags\": [\"v1\", \"1.*\"],\n"
    "           \"target\": \"mirror/app\", \"platform\": \"linux/amd64\",\n"
    "           \"referrers\": true},\n"
    "          {\"repository\": \"team/tool\"},\n"
    "          {\"repository\": \"team/base\", \"platforms\": [\"linux/amd64\", \"linux/arm64\"]}\n"
    "        ]\n"
    "      },\n"
    "      \"docker.io\": {\"images\": [{\"repository\": \"busybox\", \"tags\": [\"1.36\"]}]}\n"
    "    }\n"
    "  }\n\n"
    "tags: tags and fnmatch(3) globs (*, ?, [...]) matched against the "
    "registry's tag list; without it, every tag. target: the store "
    "repository (default: the source's, library/busybox for docker.io's "
    "busybox). platform: keep one platform's image of a multi-platform tag, "
    "in its place; platforms: keep the index itself, byte for byte, with only "
    "those platforms' images (a partial index; see `stowage import --help`). "
    "referrers: bring each image's referrers too, as `stowage import "
    "--referrers` does (OCI 1.1 referrers and cosign's .sig/.att/.sbom tags; "
    "a new or changed one updates the tag, at four or five more requests "
    "per tag). A "
    "registry's tls-verify and cert-dir override the command line's.\n\n"
    "Every name in the file is checked before a request is sent. Each tag is "
    "then asked for with one HEAD request (--checks at once) and copied only "
    "when its digest differs from the store's: a second run with nothing "
    "changed upstream downloads nothing and writes nothing. Each tag's copy "
    "is the one `stowage import docker://...` makes: verified, and tagged "
    "only when complete.\n"
    "Prints one line per tag: 'added|updated|unchanged|FAILED TARGET DIGEST' "
    "('would add', 'would update' with --dry-run), then a summary on stderr. "
    "Exit status: 0 when every tag is in the store as the registry has it, "
    "1 when any failed (the others are still synced), 2 for a wrong command "
    "line.\n"
    "%REGISTRY%\n\n"
    "Examples:\n"
    "  stowage sync images.json\n"
    "  stowage sync --dry-run images.json      # what would change, nothing written\n"
    "  stowage sync --tls-verify=false local.json";

}  // namespace

Command AddSyncCommand(CLI::App& root) {
  auto flags = std::make_shared<SyncFlags>();
  CLI::App* app = root.add_subcommand(
      "sync", "Keep a declared set of registry images in the store, copying only what changed");
  app->add_option("FILE", flags->file, "The sync file (JSON; see below)")->required();
  app->add_flag("-n,--dry-run", flags->dry_run,
                "Check every tag and print what would change; copy nothing");
  app->add_option("--checks", flags->checks, "HEAD requests at once (default 8, at most 64)");
  app->add_option("-j,--jobs", flags->threads, "Blobs transferred at once per image (default 4)");
  AddRegistryFlags(app, &flags->registry);
  app->add_flag("-q,--quiet", flags->quiet,
                "Print nothing but errors and security warnings (plain HTTP, unverified TLS)");
  AddStoreOption(app, &flags->store);
  std::string footer = kSyncFooter;
  footer.replace(footer.find("%REGISTRY%"), 10, kRegistryHelp);
  app->footer(footer);
  return Command{app, [flags] { return RunSync(*flags); }};
}

}  // namespace stowage
