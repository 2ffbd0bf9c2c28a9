// stowage publish: render the store as a static registry tree plus server
// configuration.

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/publish/publish.h"

namespace stowage {
namespace {

struct PublishFlags {
  std::string store;
  std::string out_dir;
  std::vector<std::string> repos;
  std::vector<std::string> servers = {"nginx"};
  std::string serve_root;
  std::string listen = "127.0.0.1:8080";
  std::string base_url;
  bool full = false;
  bool wait = false;
  bool no_catalog = false;
  std::string templates;
  bool quiet = false;
};

int RunPublish(const PublishFlags& flags) {
  publish::PublishOptions options;
  options.out_dir = flags.out_dir;
  options.repo_patterns = flags.repos;
  options.serve_root = flags.serve_root;
  options.listen = flags.listen;
  options.base_url = flags.base_url;
  options.full = flags.full;
  options.wait = flags.wait;
  options.catalog = !flags.no_catalog;
  options.templates_dir = flags.templates;
  options.servers.clear();
  for (const std::string& name : flags.servers) {
    absl::StatusOr<publish::Server> s = publish::ParseServer(name);
    if (!s.ok()) return Fail("publish", s.status());
    options.servers.push_back(*s);
  }
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("publish", s.status());
  absl::StatusOr<publish::PublishReport> r;
  {
    TerminalProgress progress("publishing", flags.quiet);
    options.progress = &progress;
    r = publish::Publish(*s, options);
  }
  if (!r.ok()) return Fail("publish", r.status());
  for (const std::string& w : r->warnings) {
    std::cerr << "stowage publish: warning: " << w << "\n";
  }
  if (!flags.quiet && r->nothing_changed) {
    std::cout << "nothing changed since the last publish to " << flags.out_dir
              << " (" << r->repositories << " repositories); --full checks every file\n";
  } else if (!flags.quiet) {
    std::cout << "published " << r->repositories << " repositor"
              << (r->repositories == 1 ? "y" : "ies") << ", " << r->tags << " tag"
              << (r->tags == 1 ? "" : "s") << " to " << flags.out_dir << "/www ("
              << r->files << " files, " << HumanSize(r->blob_bytes) << " of blobs): "
              << r->written << " written, " << r->linked << " linked, " << r->removed
              << " removed, " << r->unchanged << " unchanged";
    if (r->skipped_repositories > 0) {
      std::cout << " (" << r->skipped_repositories << " repositories unchanged "
                << "since the last publish were skipped)";
    }
    std::cout << "\n";
    for (const store::TagName& t : r->published_examples) {
      std::cout << "  docker pull " << r->registry_host << "/" << t.String() << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

Command AddPublishCommand(CLI::App& root) {
  auto flags = std::make_shared<PublishFlags>();
  CLI::App* app = root.add_subcommand(
      "publish",
      "Render the store as a static registry that nginx, Apache, Caddy or S3 serve");
  app->add_option("OUTDIR", flags->out_dir,
                  "A new or empty folder, or the folder of an earlier publish "
                  "(updated in place: only what changed is written). Never the "
                  "store, a folder inside it, or one holding it")
      ->required();
  app->add_option("--repo", flags->repos,
                  "Publish only repositories matching this pattern ('*' matches "
                  "'/' too, e.g. 'team/*'); repeatable");
  app->add_option("--server", flags->servers,
                  "Configuration to generate: nginx, apache, caddy, s3 "
                  "(comma-separated or repeated)")
      ->delimiter(',')
      ->capture_default_str();
  app->add_option("--serve-root", flags->serve_root,
                  "Where OUTDIR will be on the serving machine, if not here "
                  "(paths in the configuration use it): an absolute, normalised "
                  "path of letters, digits and . _ + @ = , ~ / - only");
  app->add_option("--listen", flags->listen,
                  "HOST:PORT or [IPv6]:PORT (HOST an IPv4 address or a DNS "
                  "name, PORT 1-65535) of the standalone nginx, Apache and "
                  "Caddy configurations")
      ->capture_default_str();
  app->add_option("--base-url", flags->base_url,
                  "Where clients will reach the registry, e.g. "
                  "https://registry.example.com (host and port only: clients "
                  "always ask for /v2/ at the root); used in the pull commands "
                  "shown");
  app->add_flag("--full", flags->full,
                "Check and rewrite every file, hash every published blob again, "
                "and delete blobs no longer published (by default, repositories "
                "whose tags have not changed since the last publish into OUTDIR "
                "are skipped, and blobs are hashed once, when they enter OUTDIR)");
  app->add_flag("--wait", flags->wait,
                "If another publish is writing OUTDIR, wait for it to finish "
                "(default: fail at once, naming its pid)");
  app->add_flag("--no-catalog", flags->no_catalog,
                "Publish the pull API only, without the HTML catalog (home, "
                "namespace and repository pages, search)");
  app->add_option("--templates", flags->templates,
                  "A folder of catalog templates to use instead of the built-in "
                  "ones, file by file (names as in site-templates/: "
                  "header.mustache, repository.mustache, stowage.css, ...)");
  app->add_flag("-q,--quiet", flags->quiet, "Print nothing but warnings and errors");
  AddStoreOption(app, &flags->store);
  app->footer(
      "OUTDIR/www is the served root: www/v2/... is the pull API, "
      "www/index.html the catalog (descriptions, badges and stars from "
      "'stowage repo'). OUTDIR/nginx, apache, caddy and s3 hold the "
      "configuration; OUTDIR itself is an OCI layout of the published "
      "images, each blob stored once. stowage-publish.marker marks OUTDIR as "
      "publish's own: files in it that publish did not write may be deleted. "
      "A publish that fails or is stopped leaves no state file, and the next "
      "publish rebuilds the tree in full.\n\n"
      "Examples:\n"
      "  stowage publish /srv/registry --server nginx,caddy\n"
      "  nginx -p /srv/registry/nginx -c /srv/registry/nginx/nginx.conf\n"
      "  skopeo inspect --tls-verify=false docker://127.0.0.1:8080/team/app:v1\n"
      "  stowage publish out --server s3 && out/s3/upload.sh my-bucket");
  return Command{app, [flags] { return RunPublish(*flags); }};
}

}  // namespace stowage
