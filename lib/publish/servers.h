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
  // The catalog's files (relative to the served root), for configurations
  // that name every file (S3).
  std::vector<std::string> catalog_files;
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

// nginx's maps are split into shards by a hash of the repository name, so
// that an incremental publish rewrites only the shards of changed
// repositories, and a large site is a few thousand files, not two per
// repository.
inline constexpr int kNginxShards = 1024;
// The shard of `repository`, in [0, kNginxShards).
int NginxShard(absl::string_view repository);
// The shard's two map fragments, relative to OUTDIR.
std::vector<std::string> NginxShardFiles(int shard);

// The configuration of one server kind for `plan`. For nginx, the map
// fragments of the shards of plan.planned: the caller plans every
// repository of a shard, or none.
std::vector<GeneratedFile> ServerFiles(Server server, const SitePlan& plan,
                                       const ServerOptions& options);

}  // namespace stowage::publish

#endif  // STOWAGE_LIB_PUBLISH_SERVERS_H_
