// stowage sync: a declared set of registry images, kept in the store.
//
// A sync file is JSON a pipeline keeps in git:
//
//   {
//     "registries": {
//       "registry.local:5000": {
//         "tls-verify": true,                 // optional, as --tls-verify
//         "cert-dir": "/etc/stowage/certs",   // optional, as --cert-dir
//         "images": [
//           {"repository": "team/app", "tags": ["v1", "1.*"],
//            "target": "mirror/app", "platform": "linux/amd64",
//            "referrers": true},
//           {"repository": "team/tool"}       // every tag
//         ]
//       },
//       "docker.io": {"images": [{"repository": "busybox", "tags": ["1.36"]}]}
//     }
//   }
//
// `tags` holds tags and glob patterns (*, ?, [...], as fnmatch(3) reads
// them); without it every tag is meant. `target` is the store repository
// (by default the source's: library/busybox). `platform` keeps one
// platform's image of an index in its place; `platforms` (a list) keeps the
// index itself with only those platforms' images (a partial index, as
// `stowage import --platform A --platform B`). A sync is idempotent: each
// tag is asked for with a HEAD request (in parallel), and only a tag whose
// digest differs from the store's is copied. With nothing changed upstream
// a run sends one HEAD per tag (plus one tag list per repository whose
// `tags` has patterns or is absent, and, for a `platform`, one GET of each
// index) and writes nothing.

#ifndef STOWAGE_LIB_SYNC_SYNC_H_
#define STOWAGE_LIB_SYNC_SYNC_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/base/progress.h"
#include "lib/store/store.h"
#include "lib/transport/transport.h"

namespace stowage::sync {

struct ImageSpec {
  std::string repository;         // as written ("busybox")
  std::vector<std::string> tags;  // tags and patterns; empty for every tag
  std::string target;             // "" for the source's repository
  std::string platform;           // "" for the whole image
  // Of an index, these platforms' images and the index: a partial index.
  std::vector<std::string> platforms;
  bool referrers = false;
};

struct RegistrySpec {
  std::string host;
  std::optional<bool> tls_verify;
  std::string cert_dir;
  std::vector<ImageSpec> images;
};

struct Spec {
  std::vector<RegistrySpec> registries;  // in the file's order
};

// Parses and checks a sync file's text, every name and pattern in it, before
// any request is sent. InvalidArgument naming `file` and the field:
// "sync.json: registries.\"r:5000\".images[2].tags[0]: ...".
absl::StatusOr<Spec> ParseSpec(absl::string_view text, const std::string& file);

// One tag of the sync, after the check.
struct Item {
  enum class State { kUnchanged, kAdded, kUpdated, kFailed };
  std::string source;  // docker://HOST/REPOSITORY:TAG
  store::TagName target;
  std::string digest;  // the registry's ("" when the check failed)
  std::string platform;
  std::vector<std::string> platforms;
  bool referrers = false;
  State state = State::kUnchanged;
  std::string error;  // for kFailed
};

struct Options {
  // TLS and credentials from the command line; a registry's own tls-verify
  // and cert-dir in the file take precedence.
  transport::RegistryOptions registry;
  bool dry_run = false;
  int checks = 8;   // HEAD requests at once
  int threads = 0;  // blobs at once per copy (0: the engine's default)
  // Told of each item once its copy (if any) is done, in order.
  std::function<void(const Item&)> on_item;
  Progress* progress = nullptr;
};

struct Result {
  std::vector<Item> items;  // in the file's order, tags sorted
  int64_t check_requests = 0;
  int added = 0, updated = 0, unchanged = 0, failed = 0;
};

// Checks every declared tag against the store and copies what is missing
// or changed (nothing with `dry_run`). A tag that fails (missing upstream,
// a damaged blob, a registry that cannot be reached) is kFailed with its
// error and the others go on; the status is an error only when the store
// cannot be read.
absl::StatusOr<Result> Run(const store::Store& store, const Spec& spec,
                           const Options& options);

}  // namespace stowage::sync

#endif  // STOWAGE_LIB_SYNC_SYNC_H_
