#include "lib/publish/publish.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/oci/layout.h"
#include "lib/reference/reference.h"

namespace stowage::publish {
namespace {

// Writing order: blobs, then manifests by digest, then tags, then the rest,
// so nothing points at a file that is not there yet.
int Stage(const SiteFile& f) {
  if (absl::StrContains(f.path, "/blobs/")) return 0;
  if (f.manifest && absl::StrContains(f.path, "/manifests/sha256:")) return 1;
  if (f.manifest) return 2;
  return 3;
}

absl::StatusOr<std::string> Absolute(const std::string& path) {
  char* real = realpath(path.c_str(), nullptr);
  if (real == nullptr) return ErrnoStatus(path, errno);
  std::string out(real);
  free(real);
  return out;
}

class TreeWriter {
 public:
  explicit TreeWriter(PublishReport* report) : report_(report) {}

  // `path` becomes another name of `blob` (already complete).
  absl::Status Link(const std::string& blob, const std::string& path) {
    ASSIGN_OR_RETURN(FileInfo want, Stat(blob));
    absl::StatusOr<FileInfo> have = Stat(path);
    if (have.ok() && have->inode == want.inode && have->device == want.device) {
      ++report_->unchanged;
      return absl::OkStatus();
    }
    std::string dir = Dirname(path);
    RETURN_IF_ERROR(MakeDirs(dir));
    std::string tmp = JoinPath(dir, ".tmp-link");
    RETURN_IF_ERROR(RemoveFile(tmp));
    RETURN_IF_ERROR(HardLink(blob, tmp));
    RETURN_IF_ERROR(Rename(tmp, path));
    ++report_->linked;
    return absl::OkStatus();
  }

  // `path` holds exactly `content`.
  absl::Status Write(const std::string& path, absl::string_view content,
                     bool executable = false) {
    absl::StatusOr<FileInfo> have = Stat(path);
    if (have.ok() && have->is_regular && have->size == content.size() &&
        have->mode == (executable ? 0755u : 0644u)) {
      absl::StatusOr<std::string> old = ReadFile(path, content.size() + 1);
      if (old.ok() && *old == content) {
        ++report_->unchanged;
        return absl::OkStatus();
      }
    }
    RETURN_IF_ERROR(MakeDirs(Dirname(path)));
    ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(Dirname(path)));
    RETURN_IF_ERROR(tmp.Write(content));
    if (executable && fchmod(tmp.fd().get(), 0755) != 0) {
      return ErrnoStatus(tmp.path(), errno);
    }
    RETURN_IF_ERROR(tmp.Commit(path));
    ++report_->written;
    return absl::OkStatus();
  }

  // Removes every file under `root` whose path (relative) is not in `keep`,
  // then the folders left empty.
  absl::Status Prune(const std::string& root, const std::string& rel,
                     const std::set<std::string>& keep) {
    std::string dir = rel.empty() ? root : JoinPath(root, rel);
    ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir));
    for (const std::string& name : names) {
      std::string child_rel = rel.empty() ? name : JoinPath(rel, name);
      std::string child = JoinPath(root, child_rel);
      ASSIGN_OR_RETURN(FileInfo info, Stat(child));
      if (info.is_dir) {
        RETURN_IF_ERROR(Prune(root, child_rel, keep));
        ASSIGN_OR_RETURN(std::vector<std::string> left, ListDir(child));
        if (left.empty()) RETURN_IF_ERROR(RemoveDir(child));
      } else if (keep.count(child_rel) == 0) {
        RETURN_IF_ERROR(RemoveFile(child));
        ++report_->removed;
      }
    }
    return absl::OkStatus();
  }

 private:
  PublishReport* report_;
};

}  // namespace

absl::StatusOr<std::string> RegistryHost(absl::string_view base_url) {
  absl::string_view rest = base_url;
  if (!absl::ConsumePrefix(&rest, "https://") && !absl::ConsumePrefix(&rest, "http://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--base-url \"", base_url, "\" must start with https:// or http://"));
  }
  while (absl::ConsumeSuffix(&rest, "/")) {
  }
  size_t cut = rest.find_first_of("/?#");
  if (cut != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--base-url \"", base_url, "\" has a path: registry clients always ask for "
        "/v2/ at the root of the host, so the registry cannot live under \"",
        rest.substr(cut), "\""));
  }
  // The host as a reference's host: validated by the one reference parser.
  absl::StatusOr<Reference> ref =
      Reference::Parse(absl::StrCat(rest, "/x/y"), RuleSet::kOci);
  if (rest.empty() || !ref.ok() || ref->host() != rest) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--base-url \"", base_url, "\": \"", rest,
        "\" is not a host name with an optional :PORT"));
  }
  return std::string(rest);
}

absl::StatusOr<PublishReport> Publish(const store::Store& store,
                                      const PublishOptions& options) {
  PublishReport report;
  if (!options.base_url.empty()) {
    ASSIGN_OR_RETURN(report.registry_host, RegistryHost(options.base_url));
  } else {
    report.registry_host = options.listen;
  }
  PlanOptions plan_options;
  plan_options.repo_patterns = options.repo_patterns;
  ASSIGN_OR_RETURN(SitePlan plan, PlanSite(store, plan_options));
  report.warnings = plan.warnings;
  report.repositories = plan.repositories.size();
  report.tags = plan.tags.size();
  for (size_t i = 0; i < plan.tags.size() && i < 3; ++i) {
    report.published_examples.push_back(plan.tags[i]);
  }

  // OUTDIR is itself an OCI layout holding the published images' blobs.
  absl::StatusOr<oci::Layout> out = oci::Layout::OpenOrCreate(options.out_dir);
  if (!out.ok()) {
    return Annotate(out.status(),
                    "publish writes only into a new folder or an earlier publish");
  }
  ASSIGN_OR_RETURN(std::string out_root, Absolute(options.out_dir));
  std::string www = JoinPath(out_root, "www");
  RETURN_IF_ERROR(MakeDirs(www));

  std::vector<oci::Descriptor> blobs;
  for (const auto& [digest, size] : plan.blobs) {
    blobs.push_back(oci::Descriptor::Make("application/octet-stream", digest, size));
    report.blob_bytes += size;
  }
  oci::TransferOptions transfer;
  transfer.verify_links = false;  // the store's blobs were verified on import
  transfer.link_only_world_readable = true;
  transfer.progress = options.progress;
  ASSIGN_OR_RETURN(oci::TransferStats stats,
                   oci::TransferBlobs(store.layout(), *out, blobs, transfer));
  (void)stats;

  TreeWriter writer(&report);
  std::vector<const SiteFile*> order;
  for (const SiteFile& f : plan.files) order.push_back(&f);
  std::stable_sort(order.begin(), order.end(), [](const SiteFile* a, const SiteFile* b) {
    return Stage(*a) < Stage(*b);
  });
  std::set<std::string> keep;
  for (const SiteFile* f : order) {
    std::string path = JoinPath(www, f->path);
    if (!f->blob.empty()) {
      RETURN_IF_ERROR(writer.Link(out->BlobPath(f->blob), path));
    } else {
      RETURN_IF_ERROR(writer.Write(path, f->content));
    }
    keep.insert(f->path);
  }
  report.files = plan.files.size();

  ServerOptions server_options;
  std::string serve_root = options.serve_root.empty() ? out_root : options.serve_root;
  server_options.out_root = serve_root;
  server_options.www_root = JoinPath(serve_root, "www");
  server_options.listen = options.listen;
  std::vector<GeneratedFile> generated = CommonFiles();
  std::set<std::string> config_dirs = {"nginx", "apache", "caddy", "s3"};
  for (Server s : options.servers) {
    for (GeneratedFile& g : ServerFiles(s, plan, server_options)) {
      generated.push_back(std::move(g));
    }
  }
  std::set<std::string> keep_config;
  for (const GeneratedFile& g : generated) {
    if (g.in_www) {
      RETURN_IF_ERROR(writer.Write(JoinPath(www, g.path), g.content));
      keep.insert(g.path);
      ++report.files;
    } else {
      RETURN_IF_ERROR(writer.Write(JoinPath(out_root, g.path), g.content, g.executable));
      keep_config.insert(g.path);
    }
  }

  // The layout's index: the published tags.
  oci::Index index;
  index.doc = JsonValue::Object();
  for (const store::TagEntry& t : plan.tags) {
    index.manifests.push_back(store::StoreEntry(t.descriptor, t.name));
  }
  RETURN_IF_ERROR(writer.Write(JoinPath(out_root, "index.json"), index.Serialize()));

  // Last: what no longer belongs.
  RETURN_IF_ERROR(writer.Prune(www, "", keep));
  for (const std::string& dir : config_dirs) {
    std::string path = JoinPath(out_root, dir);
    if (!Exists(path)) continue;
    std::set<std::string> keep_here;
    for (const std::string& k : keep_config) {
      if (absl::StartsWith(k, dir + "/")) keep_here.insert(k.substr(dir.size() + 1));
    }
    // Runtime files of a running server (pid, logs) stay.
    if (keep_here.count("run/.keep") > 0) {
      absl::StatusOr<std::vector<std::string>> run = ListDir(JoinPath(path, "run"));
      if (run.ok()) {
        for (const std::string& n : *run) keep_here.insert("run/" + n);
      }
    }
    RETURN_IF_ERROR(writer.Prune(path, "", keep_here));
  }
  std::string blob_dir = JoinPath(out_root, "blobs/sha256");
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(blob_dir));
  for (const std::string& name : names) {
    if (plan.blobs.count("sha256:" + name) == 0) {
      RETURN_IF_ERROR(RemoveAll(JoinPath(blob_dir, name)));
    }
  }
  return report;
}

}  // namespace stowage::publish
