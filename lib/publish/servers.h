// Server configurations generated from the same plan as the tree, so the
// Content-Type and Docker-Content-Digest of every manifest are decided once
// (in the plan) and every server sends the same.

#ifndef STOWAGE_LIB_PUBLISH_SERVERS_H_
#define STOWAGE_LIB_PUBLISH_SERVERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/publish/plan.h"

namespace stowage::publish {

enum class Server { kNginx, kApache, kCaddy, kS3 };

// Parses "nginx", "apache", "caddy" or "s3".
absl::StatusOr<Server> ParseServer(absl::string_view name);

struct ServerOptions {
  // Absolute path of the served root (OUTDIR/www) where the server runs.
  std::string www_root;
  // Absolute path of OUTDIR where the server runs (for included files).
  std::string out_root;
  // ADDRESS:PORT the standalone configurations listen on.
  std::string listen = "127.0.0.1:8080";
};

// A generated file, relative to OUTDIR (configuration) or to the served
// root (`in_www`: Apache's .htaccess files, error bodies).
struct GeneratedFile {
  std::string path;
  std::string content;
  bool in_www = false;
  bool executable = false;
};

// Files every server kind uses: the JSON error bodies under v2/_errors/.
std::vector<GeneratedFile> CommonFiles();

// nginx's maps are split into one fragment pair per repository, so that an
// incremental publish rewrites only the changed repositories' fragments.
// These are their paths, relative to OUTDIR.
std::vector<std::string> NginxFragments(absl::string_view repository);

// The configuration of one server kind for `plan` (for nginx, the fragments
// of the repositories in plan.planned).
std::vector<GeneratedFile> ServerFiles(Server server, const SitePlan& plan,
                                       const ServerOptions& options);

}  // namespace stowage::publish

#endif  // STOWAGE_LIB_PUBLISH_SERVERS_H_
