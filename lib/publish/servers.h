// Server configurations generated from the same plan as the tree, so the
// Content-Type and Docker-Content-Digest of every manifest are decided once
// (in the plan) and every server sends the same.

#ifndef STOWAGE_LIB_PUBLISH_SERVERS_H_
#define STOWAGE_LIB_PUBLISH_SERVERS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

// Checks a --listen value: HOST:PORT or [IPv6]:PORT, PORT a decimal number
// from 1 to 65535 without sign or leading zero, HOST an IPv4 address in
// dotted decimal or a DNS name of RFC 1123 labels (letters, digits, inner
// hyphens, dots between labels). Only these reach a configuration, so no
// quoting is needed for `listen`, `Listen` or a Caddy site address.
// InvalidArgument names the flag, the value (escaped) and the rule.
absl::Status CheckListen(absl::string_view listen);

// Checks a --serve-root value (or the OUTDIR it defaults to, `what` naming
// which): an absolute, normalised path (no "." or ".." component, no "//",
// no trailing "/" but for "/" itself) of the characters [A-Za-z0-9._+@=,~/-]
// only. That allowlist is what nginx (where "$" cannot be escaped at all),
// Apache (line based: no newline, quoting with \") and Caddy (where "{"
// starts a placeholder even inside quotes) can all carry, and what shells
// (s3/upload.sh, the commands shown in comments) need no quoting for.
// InvalidArgument names `what`, the value (escaped) and the rule.
absl::Status CheckServeRoot(absl::string_view path,
                            absl::string_view what = "--serve-root");

// CheckListen(options.listen), CheckServeRoot on www_root and out_root, and
// catalog_files as relative paths of the same characters.
absl::Status CheckServerOptions(const ServerOptions& options);

// Checks what the plan puts into configurations: every path (the
// repository names, tags and digests in it) of [A-Za-z0-9._:/-], every
// digest sha256:<64 hex>, every Content-Type a media type of
// [A-Za-z0-9.+_-] on both sides of one "/" (RFC 6838 names without the
// rarely used !#$&^, each of which some syntax treats specially).
// Repository names and tags are already checked where they enter the store
// (lib/reference) and digests by the store; this is the last line, for
// anything that got past them. InvalidArgument names the file and the rule.
absl::Status CheckPlanForServers(const SitePlan& plan);

// The configuration of one server kind for `plan`, after CheckServerOptions
// and CheckPlanForServers: an error there is returned and nothing is
// generated. For nginx, the map fragments of the shards of plan.planned:
// the caller plans every repository of a shard, or none.
absl::StatusOr<std::vector<GeneratedFile>> CheckedServerFiles(
    Server server, const SitePlan& plan, const ServerOptions& options);

// As CheckedServerFiles without the checks; every value is still quoted for
// its syntax, but a value no quoting can carry (a newline for Apache, "$"
// for nginx, "{" for Caddy) makes an invalid configuration instead of an
// error. Publish() checks once (CheckServerOptions, CheckPlanForServers)
// and then calls this for each server kind.
std::vector<GeneratedFile> ServerFiles(Server server, const SitePlan& plan,
                                       const ServerOptions& options);

// The njs module (Debian: libnginx-mod-http-js) the nginx configuration
// loads for paginated tag lists.
inline constexpr char kNginxJsModule[] =
    "/usr/lib/nginx/modules/ngx_http_js_module.so";
// Largest `n` a paginated tag list accepts; more is 400
// PAGINATION_NUMBER_INVALID, as the reference registry answers.
inline constexpr int kMaxTagsPage = 10000;

}  // namespace stowage::publish

#endif  // STOWAGE_LIB_PUBLISH_SERVERS_H_
