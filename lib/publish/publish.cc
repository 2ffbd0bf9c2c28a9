#include "lib/publish/publish.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/crypto/sha256.h"
#include "lib/json/json_writer.h"
#include "lib/catalog/catalog_store.h"
#include "lib/catalog/metadata.h"
#include "lib/copy/copy.h"
#include "lib/markdown/markdown.h"
#include "lib/publish/catalog.h"
#include "lib/site/site.h"
#include "lib/site/templates.h"
#include "lib/oci/layout.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"

#include "lib/transport/layout_io.h"
#include "lib/transport/store_transport.h"

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
  static constexpr size_t kSyncEachLimit = 32;

  // `fresh`: the tree was empty when this publish began, so no file is
  // looked for before it is made.
  TreeWriter(std::string root, PublishReport* report, bool fresh = false)
      : root_(std::move(root)), report_(report), fresh_(fresh) {
    mode_t mask = umask(0);
    umask(mask);
    umask_hides_ = (mask & 0755) != 0;
  }

  // `path` becomes another name of `blob` (already complete).
  absl::Status Link(const std::string& blob, const std::string& path) {
    absl::StatusOr<FileInfo> have =
        fresh_ ? absl::StatusOr<FileInfo>(absl::NotFoundError(path)) : Stat(path);
    if (have.ok()) {
      auto known = inodes_.find(blob);
      if (known == inodes_.end()) {
        ASSIGN_OR_RETURN(FileInfo want, Stat(blob));
        known = inodes_.emplace(blob, std::make_pair(want.device, want.inode)).first;
      }
      if (have->device == known->second.first && have->inode == known->second.second) {
        ++report_->unchanged;
        return absl::OkStatus();
      }
    }
    std::string dir = Dirname(path);
    RETURN_IF_ERROR(Dirs(dir));
    if (absl::IsNotFound(have.status())) {
      // A new name: link(2) creates it whole, atomically.
      absl::Status linked = HardLink(blob, path);
      if (linked.ok()) {
        ++report_->linked;
        return absl::OkStatus();
      }
      if (!absl::IsAlreadyExists(linked)) return linked;
    }
    std::string tmp = JoinPath(dir, ".tmp-link");
    absl::Status linked = HardLink(blob, tmp);
    if (absl::IsAlreadyExists(linked)) {  // left by an interrupted publish
      RETURN_IF_ERROR(RemoveFile(tmp));
      linked = HardLink(blob, tmp);
    }
    RETURN_IF_ERROR(linked);
    RETURN_IF_ERROR(Rename(tmp, path));
    ++report_->linked;
    return absl::OkStatus();
  }

  // Makes `path` another name of the open file `from` (named `from_path`)
  // if it is readable by all. False (nothing changed) when it is not, or
  // cannot be linked there (another filesystem; replaced since it was read).
  absl::StatusOr<bool> LinkOpenFile(const Fd& from, const std::string& from_path,
                                    const std::string& path) {
    absl::StatusOr<FileInfo> have = Stat(path);
    ASSIGN_OR_RETURN(FileInfo want, StatFd(from, from_path));
    if (have.ok() && have->device == want.device && have->inode == want.inode) {
      ++report_->unchanged;
      return true;
    }
    if ((want.mode & 0444) != 0444) return false;
    std::string tmp = JoinPath(Dirname(path), ".tmp-index-link");
    RETURN_IF_ERROR(RemoveFile(tmp));
    if (!LinkFd(from, from_path, tmp).ok()) return false;
    RETURN_IF_ERROR(Rename(tmp, path));
    ++report_->linked;
    return true;
  }

  // `path` will hold exactly `content` once Flush() has run.
  absl::Status Write(const std::string& path, absl::string_view content,
                     bool executable = false) {
    absl::StatusOr<FileInfo> have =
        fresh_ ? absl::StatusOr<FileInfo>(absl::NotFoundError(path)) : Stat(path);
    if (have.ok() && have->is_regular && have->size == content.size() &&
        have->mode == (executable ? 0755u : 0644u)) {
      absl::StatusOr<std::string> old = ReadFile(path, content.size() + 1);
      if (old.ok() && *old == content) {
        ++report_->unchanged;
        return absl::OkStatus();
      }
    }
    RETURN_IF_ERROR(Dirs(Dirname(path)));
    ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(Dirname(path)));
    RETURN_IF_ERROR(tmp.Write(content));
    if (executable && fchmod(tmp.fd().get(), 0755) != 0) {
      return ErrnoStatus(tmp.path(), errno);
    }
    // A few files are synced one by one; many would hold too many
    // descriptors and are synced by one syncfs instead.
    if (pending_.size() >= kSyncEachLimit) tmp.Close();
    pending_.emplace_back(std::move(tmp), path);
    return absl::OkStatus();
  }

  // Makes the written files durable, then renames them into place: a crash
  // leaves old files or whole new ones, never a torn one.
  absl::Status Flush() {
    if (pending_.empty()) return absl::OkStatus();
    // syncfs writes back everything on the filesystem (an 11 MB store
    // index.json just replaced, say); a fsync per file only these.
    bool each = pending_.size() <= kSyncEachLimit;
    if (!each) RETURN_IF_ERROR(SyncFilesystem(root_));
    for (auto& [tmp, path] : pending_) {
      RETURN_IF_ERROR(tmp.Commit(path, /*replace=*/true, /*sync=*/each));
      ++report_->written;
    }
    pending_.clear();
    return absl::OkStatus();
  }

  // Removes every file under `root` whose path (relative) is not in `keep`,
  // then the folders left empty.
  absl::Status Prune(const std::string& root, const std::string& rel,
                     const std::set<std::string>& keep) {
    std::string dir = rel.empty() ? root : JoinPath(root, rel);
    ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ListDirEntries(dir));
    for (const DirEntry& e : entries) {
      std::string child_rel = rel.empty() ? e.name : JoinPath(rel, e.name);
      std::string child = JoinPath(root, child_rel);
      if (e.is_dir) {
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

  // Prunes one repository's folders under `www` (v2/<repo>/manifests/ and
  // the others): their files not in `keep` (all of them when `keep` is
  // null), then the folders left empty up to v2/. Subfolders are left alone:
  // they belong to other repositories (team/app/tags/... is team/app/tags's).
  absl::Status PruneRepository(const std::string& www, const std::string& repo,
                               const std::set<std::string>* keep) {
    for (const char* part : {"manifests", "blobs", "tags", "referrers"}) {
      std::string rel = absl::StrCat("v2/", repo, "/", part);
      std::string dir = JoinPath(www, rel);
      absl::StatusOr<std::vector<DirEntry>> entries = ListDirEntries(dir);
      if (absl::IsNotFound(entries.status())) continue;
      if (!entries.ok()) return entries.status();
      bool left = false;
      for (const DirEntry& e : *entries) {
        std::string child_rel = JoinPath(rel, e.name);
        if (e.is_dir || (keep != nullptr && keep->count(child_rel) > 0)) {
          left = true;
          continue;
        }
        RETURN_IF_ERROR(RemoveFile(JoinPath(www, child_rel)));
        ++report_->removed;
      }
      if (!left) RETURN_IF_ERROR(RemoveDir(dir));
    }
    // Folders left empty, up to v2/.
    for (std::string rel = absl::StrCat("v2/", repo); rel != "v2"; rel = Dirname(rel)) {
      std::string dir = JoinPath(www, rel);
      absl::StatusOr<std::vector<std::string>> left = ListDir(dir);
      if (absl::IsNotFound(left.status())) continue;
      if (!left.ok()) return left.status();
      if (!left->empty()) break;
      RETURN_IF_ERROR(RemoveDir(dir));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Dirs(const std::string& dir) {
    if (made_.count(dir) > 0) return absl::OkStatus();
    if (fresh_) {
      // In a new tree, one mkdir per folder: its parent is made first (from
      // made_, or by the recursion), where MakeDirs would look at each level.
      std::string parent = Dirname(dir);
      if (made_.count(parent) == 0 && dir != root_ && parent != dir) {
        RETURN_IF_ERROR(Dirs(parent));
      }
      if (mkdir(dir.c_str(), 0755) == 0) {
        if (umask_hides_ && chmod(dir.c_str(), 0755) != 0) {
          return ErrnoStatus(dir, errno);
        }
      } else if (errno != EEXIST) {
        return ErrnoStatus(dir, errno);
      }
      made_.insert(dir);
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(MakeDirs(dir));
    made_.insert(dir);
    return absl::OkStatus();
  }

  std::string root_;
  PublishReport* report_;
  bool fresh_ = false;
  bool umask_hides_ = false;
  std::unordered_map<std::string, std::pair<dev_t, ino_t>> inodes_;
  std::unordered_set<std::string> made_;
  std::vector<std::pair<TempFile, std::string>> pending_;
};

constexpr char kStateFile[] = "stowage-publish.state";
// www/_blobs: the blob folder of OUTDIR's layout, where servers send
// v2/<name>/blobs/ requests.
constexpr char kBlobLink[] = "_blobs";
// The catalog's search index, under www/.
constexpr char kSearchIndexDir[] = "_catalog/search";
constexpr char kBlobLinkTarget[] = "../blobs/sha256";

// What, besides the store, decides the published bytes.
std::string OptionsLine(const PublishOptions& options, const std::string& registry_host,
                        const site::Templates* templates) {
  JsonWriter w;
  w.StartObject().Key("format").Int(3).Key("servers").StartArray();
  for (Server s : options.servers) w.Int(static_cast<int>(s));
  w.EndArray();
  w.Key("serveRoot").String(options.serve_root);
  w.Key("listen").String(options.listen);
  w.Key("host").String(registry_host);
  if (templates != nullptr) {
    std::string all;
    for (const auto& [name, text] : templates->files()) {
      absl::StrAppend(&all, name, "\n", text.size(), "\n", text);
    }
    w.Key("catalog").String(Sha256::DigestOf(all));
  }
  w.EndObject();
  return w.Take();
}

// A repository's catalog metadata, as it decides its pages.
std::string MetadataText(const catalog::Catalog& meta, const std::string& repository) {
  auto it = meta.repositories.find(repository);
  if (it == meta.repositories.end()) return "";
  return catalog::RepositoryJson(it->second).Serialize();
}

// repository -> a fingerprint of its tags (names and digests). `tags` are
// sorted by repository.
// With `meta`, its metadata for the repository counts too (its catalog page
// shows it). The fingerprint hashes the repository's entries of the store's
// index.json as they are written (from the first to the last, all views
// into the one index text): no copies.
std::map<std::string, std::string> Fingerprints(const std::vector<store::TagSummary>& tags,
                                                const catalog::Catalog* meta) {
  std::map<std::string, std::string> out;
  const char* begin = nullptr;
  const char* end = nullptr;
  for (size_t i = 0; i < tags.size(); ++i) {
    const store::TagSummary& e = tags[i];
    const char* b = e.raw.data();
    const char* z = e.raw.data() + e.raw.size();
    if (begin == nullptr || b < begin) begin = b;
    if (end == nullptr || z > end) end = z;
    if (i + 1 == tags.size() || tags[i + 1].name.repository != e.name.repository) {
      Sha256 h;
      h.Update(absl::string_view(begin, end - begin));
      if (meta != nullptr) h.Update(MetadataText(*meta, e.name.repository));
      out.emplace_hint(out.end(), e.name.repository, h.HexDigest());
      begin = end = nullptr;
    }
  }
  return out;
}

// The state file: kStateHeaderLines lines (the options line; the store
// line: the digests of the store's index.json and catalog and the --repo
// patterns; the search line: the digest of what the catalog's search index
// shows, or "search -"), then "repository fingerprint" lines.
constexpr size_t kStateHeaderLines = 3;

std::string StateText(
    const std::string& options_line, const std::string& store_line,
    const std::string& search_line,
    const std::vector<std::pair<absl::string_view, absl::string_view>>& fingerprints) {
  std::string out = absl::StrCat(options_line, "\n", store_line, "\n", search_line, "\n");
  size_t size = out.size();
  for (const auto& [repo, fp] : fingerprints) size += repo.size() + fp.size() + 2;
  out.reserve(size);
  for (const auto& [repo, fp] : fingerprints) absl::StrAppend(&out, repo, " ", fp, "\n");
  return out;
}

// The state file's lines, without empty ones.
std::vector<absl::string_view> StateLines(absl::string_view state) {
  return absl::StrSplit(state, '\n', absl::SkipEmpty());
}

// Removes `rel` (a folder under `root`) and its parents up to `root` while
// they are empty.
absl::Status RemoveEmptyParents(const std::string& root, std::string rel) {
  for (; !rel.empty() && rel != "."; rel = Dirname(rel)) {
    absl::StatusOr<std::vector<std::string>> left = ListDir(JoinPath(root, rel));
    if (absl::IsNotFound(left.status())) continue;
    if (!left.ok()) return left.status();
    if (!left->empty()) break;
    RETURN_IF_ERROR(RemoveDir(JoinPath(root, rel)));
  }
  return absl::OkStatus();
}

// The fingerprints the last publish, whose state file is `previous` ("" for
// none), recorded, if it was made with the same options; otherwise none.
// Views into `previous`.
absl::flat_hash_map<absl::string_view, absl::string_view> PreviousFingerprints(
    absl::string_view previous, const std::string& options_line) {
  absl::flat_hash_map<absl::string_view, absl::string_view> out;
  std::vector<absl::string_view> lines = StateLines(previous);
  if (lines.empty() || lines[0] != options_line) return out;
  out.reserve(lines.size());
  for (size_t i = kStateHeaderLines; i < lines.size(); ++i) {
    size_t space = lines[i].find(' ');
    if (space == absl::string_view::npos) continue;
    out.emplace(lines[i].substr(0, space), lines[i].substr(space + 1));
  }
  return out;
}

// OUTDIR's blob folder as a copy destination: blobs only (publish writes
// OUTDIR's index.json itself, when every tag is published), linked only
// from store files every user may read (a web server must read them).
class PublishedBlobs : public transport::LayoutDestination {
 public:
  explicit PublishedBlobs(const oci::Layout& out)
      : LayoutDestination(out, absl::StrCat("the published tree ", out.dir()), "",
                          Options()) {}

 protected:
  absl::Status WriteRefs() override { return absl::OkStatus(); }

 private:
  static transport::LayoutWriter::Options Options() {
    transport::LayoutWriter::Options o;
    o.link_only_world_readable = true;
    return o;
  }
};

// Puts the plan's blobs into OUTDIR through the copy engine: each one the
// tree lacks is hashed as it is linked or copied, so that a blob damaged in
// the store since it came in is never served under a digest it no longer
// has; one the tree has must have its size.
absl::Status CopyBlobsOut(const store::Store& store, const oci::Layout& out,
                          const std::vector<oci::Descriptor>& blobs, Progress* progress) {
  std::unique_ptr<transport::ImageSource> source = transport::StoreSource(store);
  PublishedBlobs dest(out);
  copy::Options options;
  options.progress = progress;
  RETURN_IF_ERROR(copy::CopyBlobs(*source, dest, blobs, options).status());
  return dest.Commit();
}

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
  // The catalog's templates and metadata, checked before anything is read
  // or written.
  std::optional<site::Templates> templates;
  catalog::Catalog meta;
  std::string meta_digest;
  if (options.catalog) {
    ASSIGN_OR_RETURN(templates, site::Templates::Load(options.templates_dir));
    ASSIGN_OR_RETURN(meta, catalog::ReadCatalog(store.dir()));
    // Equal catalogs serialize to equal bytes: no second read of the file.
    meta_digest = Sha256::DigestOf(catalog::SerializeCatalog(meta));
  }
  std::string options_line =
      OptionsLine(options, report.registry_host, templates ? &*templates : nullptr);
  // The store's index.json, read once: hashed here, scanned below, and kept
  // open to become OUTDIR's index.json when every tag is published.
  const std::string store_index_path = JoinPath(store.dir(), "index.json");
  ASSIGN_OR_RETURN(Fd store_index_fd, OpenForRead(store_index_path));
  // Mapped, not read: at 50,000 tags a read copy of the 11 MB file costs
  // several times the whole scan on a machine where touching new memory is
  // slow. stowage replaces index.json by rename, so the mapping never
  // changes under us; another tool truncating it in place while publish
  // runs could stop publish (SIGBUS) before it has written anything of
  // this run's state.
  ASSIGN_OR_RETURN(MappedFile store_index, MappedFile::Map(store_index_fd, store_index_path));
  std::string store_line =
      absl::StrCat("store ", Sha256::DigestOf(store_index.data()), " ", meta_digest, " ",
                   absl::StrJoin(options.repo_patterns, " "));
  // The last publish's state file, read once; "" when there is none.
  std::string previous =
      ReadFile(JoinPath(options.out_dir, kStateFile), uint64_t{1} << 32).value_or("");
  if (!options.full) {
    // Nothing changed since the last publish: the store's index.json is the
    // same bytes, the options the same. Done without reading a manifest.
    if (absl::StartsWith(previous, absl::StrCat(options_line, "\n", store_line, "\n"))) {
      report.skipped_repositories =
          std::max(StateLines(previous).size(), kStateHeaderLines) - kStateHeaderLines;
      report.repositories = report.skipped_repositories;
      report.nothing_changed = true;
      return report;
    }
  }
  PlanOptions plan_options;
  plan_options.repo_patterns = options.repo_patterns;
  ASSIGN_OR_RETURN(store::TagScan scan, store.ScanTagsOf(std::move(store_index)));
  plan_options.scan = &scan;
  bool incremental = !options.full;
  bool nginx = false;
  // nginx serves manifests from the blob folder, found by its maps; the
  // other servers need a file per manifest path.
  bool manifest_files = false;
  for (Server s : options.servers) {
    // Caddy's and S3's configurations name every file: always a full pass.
    if (s == Server::kCaddy || s == Server::kS3) incremental = false;
    // S3 cannot rewrite: every repository gets its own blob files.
    if (s == Server::kS3) plan_options.blob_links = true;
    nginx |= s == Server::kNginx;
    manifest_files |= s != Server::kNginx;
  }
  std::map<std::string, std::string> fingerprints =
      Fingerprints(scan.tags, options.catalog ? &meta : nullptr);
  // Repositories published last time and not now: their files go.
  std::vector<std::string> removed_repositories;
  if (incremental) {
    // A repository is skipped when its tags are as the last publish left
    // them, and so are those of every other repository in its nginx shard
    // (a shard's map fragment is written whole).
    absl::flat_hash_map<absl::string_view, absl::string_view> before =
        PreviousFingerprints(previous, options_line);
    std::vector<bool> dirty(kNginxShards, false);
    std::vector<std::pair<const std::string*, int>> current;  // repository, shard
    for (const auto& [repo, fp] : fingerprints) {
      if (!RepositorySelected(repo, options.repo_patterns)) continue;
      int shard = NginxShard(repo);
      current.emplace_back(&repo, shard);
      auto it = before.find(repo);
      if (it == before.end() || it->second != fp) dirty[shard] = true;
    }
    for (const auto& [repo, fp] : before) {
      std::string name(repo);
      if (fingerprints.count(name) > 0 && RepositorySelected(name, options.repo_patterns)) {
        continue;
      }
      dirty[NginxShard(name)] = true;
      removed_repositories.push_back(std::move(name));
    }
    std::sort(removed_repositories.begin(), removed_repositories.end());
    if (!before.empty()) {
      for (const auto& [repo, shard] : current) {
        if (!dirty[shard]) plan_options.unchanged.insert(plan_options.unchanged.end(), *repo);
      }
    }
  }
  ASSIGN_OR_RETURN(SitePlan plan, PlanSite(store, plan_options));
  report.skipped_repositories = plan_options.unchanged.size();
  report.warnings = plan.warnings;
  report.repositories = plan.repositories.size();
  report.tags = plan.tags.size();
  for (size_t i = 0; i < plan.tags.size() && i < 3; ++i) {
    report.published_examples.push_back(plan.tags[i]->name);
  }

  // OUTDIR is itself an OCI layout holding the published images' blobs.
  absl::StatusOr<oci::Layout> out = oci::Layout::OpenOrCreate(options.out_dir);
  if (!out.ok()) {
    return Annotate(out.status(),
                    "publish writes only into a new folder or an earlier publish");
  }
  ASSIGN_OR_RETURN(std::string out_root, Absolute(options.out_dir));
  std::string www = JoinPath(out_root, "www");
  const bool fresh = !Exists(www);
  RETURN_IF_ERROR(MakeDirs(www));

  std::vector<oci::Descriptor> blobs;
  for (const auto& [digest, size] : plan.blobs) {
    blobs.push_back(oci::Descriptor::Make("application/octet-stream", digest, size));
    report.blob_bytes += size;
  }
  RETURN_IF_ERROR(CopyBlobsOut(store, *out, blobs, options.progress));

  TreeWriter writer(out_root, &report, fresh);
  // Blobs made here (referrers indexes) go beside the store's.
  for (const auto& [digest, content] : plan.generated_blobs) {
    RETURN_IF_ERROR(writer.Write(
        JoinPath(out_root, absl::StrCat("blobs/sha256/", oci::DigestHex(digest))), content));
  }
  // The one blob folder, as the servers see it.
  std::set<std::string> keep = {kBlobLink};
  {
    std::string link = JoinPath(www, kBlobLink);
    absl::StatusOr<std::string> target = ReadSymlink(link);
    if (!target.ok() || *target != kBlobLinkTarget) {
      if (!absl::IsNotFound(target.status())) RETURN_IF_ERROR(RemoveAll(link));
      RETURN_IF_ERROR(MakeSymlink(kBlobLinkTarget, link));
      ++report.written;
    }
  }
  RETURN_IF_ERROR(writer.Flush());

  std::vector<std::pair<int, const SiteFile*>> order;
  for (const SiteFile& f : plan.files) order.emplace_back(Stage(f), &f);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  report.files = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const SiteFile* f = order[i].second;
    if (f->manifest && !manifest_files) {
      // Served from _blobs/ (generated ones were written there above).
    } else {
      std::string path = JoinPath(www, f->path);
      if (!f->blob.empty()) {
        RETURN_IF_ERROR(writer.Link(out->BlobPath(f->blob), path));
      } else {
        RETURN_IF_ERROR(writer.Write(path, f->content));
      }
      keep.insert(f->path);
      ++report.files;
    }
    // Each stage is in place before the next one points at it.
    if (i + 1 == order.size() || order[i + 1].first != order[i].first) {
      RETURN_IF_ERROR(writer.Flush());
    }
  }

  // The catalog: the pages of the repositories planned (all of them in a
  // full publish; those whose tags or metadata changed otherwise), the
  // namespaces they are in (every page), the home page and the full
  // namespace list, and the search index when a repository's name,
  // description, stars or badges changed.
  std::string search_line = "search -";
  std::vector<std::string> catalog_files;    // written (or checked) now
  std::vector<std::string> catalog_removed;  // files of dropped repositories
  if (options.catalog) {
    std::map<std::string, std::vector<const store::TagSummary*>> by_repo;
    for (const store::TagSummary* t : plan.tags) by_repo[t->name.repository].push_back(t);
    std::set<std::string> pages(plan.planned.begin(), plan.planned.end());
    std::set<std::string> namespaces;
    site::SiteInput input;
    input.registry_host = report.registry_host;
    std::string search_text;
    TagDescriber describer(store.layout(), plan.manifests);
    for (const auto& [repo, repo_tags] : by_repo) {
      site::RepositoryInfo r;
      r.name = repo;
      r.tag_count = repo_tags.size();
      auto m = meta.repositories.find(repo);
      if (m != meta.repositories.end()) {
        r.short_description = m->second.short_description.value_or("");
        r.official = m->second.official.value_or(false);
        r.automated = m->second.automated.value_or(false);
        r.stars = m->second.stars.value_or(0);
      }
      if (pages.count(repo) > 0) {
        namespaces.insert(catalog::NamespaceOf(repo));
        for (const store::TagSummary* t : repo_tags) {
          absl::StatusOr<site::TagInfo> info = describer.Describe(*t);
          if (!info.ok()) return Annotate(info.status(), absl::StrCat("the image ", t->name.String()));
          r.tags.push_back(std::move(*info));
        }
        if (m != meta.repositories.end() && m->second.readme.has_value()) {
          r.readme_html = markdown::ToHtml(*m->second.readme);
        }
      }
      absl::StrAppend(&search_text, r.name, "\t", r.short_description, "\t", r.stars, "\t",
                      r.official, r.automated, r.is_signed, "\n");
      input.repositories.push_back(std::move(r));
    }
    for (const auto& [name, ns] : meta.namespaces) {
      input.namespaces[name] = {ns.title.value_or(""), ns.description.value_or("")};
    }
    // The namespaces that still have a repository, found once (not once per
    // dropped repository: dropping many from a large store was quadratic).
    std::set<std::string> live_namespaces;
    if (!removed_repositories.empty()) {
      for (const auto& [repo, unused] : by_repo) live_namespaces.insert(catalog::NamespaceOf(repo));
    }
    for (const std::string& repo : removed_repositories) {
      std::string ns = catalog::NamespaceOf(repo);
      namespaces.insert(ns);
      catalog_removed.push_back(absl::StrCat("r/", repo, "/index.html"));
      if (by_repo.count(repo) == 0 && live_namespaces.count(ns) == 0) {
        catalog_removed.push_back(absl::StrCat("u/", ns, "/index.html"));
      }
    }
    search_line = absl::StrCat("search ", Sha256::DigestOf(search_text));
    bool incremental_catalog = !plan_options.unchanged.empty();
    site::RenderOptions render;
    if (incremental_catalog) {
      render.repositories = &pages;
      render.namespaces = &namespaces;
      std::vector<absl::string_view> before = StateLines(previous);
      render.search_index = before.size() < kStateHeaderLines || before[2] != search_line;
    }
    ASSIGN_OR_RETURN(std::vector<site::SiteFile> site_files,
                     site::RenderSite(input, *templates, render));
    std::set<std::string> index_files;
    for (const site::SiteFile& f : site_files) {
      RETURN_IF_ERROR(writer.Write(JoinPath(www, f.path), f.content));
      keep.insert(f.path);
      catalog_files.push_back(f.path);
      if (absl::StartsWith(f.path, kSearchIndexDir)) index_files.insert(f.path);
      ++report.files;
    }
    RETURN_IF_ERROR(writer.Flush());
    if (incremental_catalog && render.search_index) {
      // The old index's nodes that the new one does not have.
      RETURN_IF_ERROR(writer.Prune(www, kSearchIndexDir, index_files));
    }
    if (incremental_catalog) {
      // Pages past a list's new end (site.h: page N of DIR is
      // DIR/_page/N/index.html): of the namespaces rendered, each with all
      // its pages, or none when it is gone, and of the full namespace list,
      // always rendered. A full publish prunes the whole tree instead.
      std::vector<std::string> lists = {site::kAllNamespacesFolder};
      for (const std::string& ns : namespaces) lists.push_back(absl::StrCat("u/", ns));
      for (const std::string& list : lists) {
        std::string rel = JoinPath(list, site::kPagesFolder);
        if (!Exists(JoinPath(www, rel))) continue;
        RETURN_IF_ERROR(writer.Prune(www, rel, keep));
        RETURN_IF_ERROR(RemoveEmptyParents(www, rel));
      }
    }
  }

  ServerOptions server_options;
  std::string serve_root = options.serve_root.empty() ? out_root : options.serve_root;
  server_options.out_root = serve_root;
  server_options.www_root = JoinPath(serve_root, "www");
  server_options.listen = options.listen;
  server_options.catalog_files = catalog_files;
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

  RETURN_IF_ERROR(writer.Flush());

  // What no longer belongs. A new tree has nothing to remove; an
  // incremental publish looks only at the folders of the repositories it
  // planned or dropped; otherwise the whole tree is walked.
  if (!plan_options.unchanged.empty()) {
    for (const std::string& repo : plan.planned) {
      RETURN_IF_ERROR(writer.PruneRepository(www, repo, &keep));
    }
    for (const std::string& repo : removed_repositories) {
      RETURN_IF_ERROR(writer.PruneRepository(www, repo, nullptr));
    }
    for (const std::string& page : catalog_removed) {
      if (keep.count(page) > 0) continue;
      RETURN_IF_ERROR(RemoveFile(JoinPath(www, page)));
      ++report.removed;
      RETURN_IF_ERROR(RemoveEmptyParents(www, Dirname(page)));
    }
    if (nginx) {
      // The shards of unchanged repositories keep their files (each shard
      // once: ten thousand repositories share a thousand shards).
      std::vector<bool> kept(kNginxShards, false);
      for (const std::string& repo : plan_options.unchanged) kept[NginxShard(repo)] = true;
      for (int shard = 0; shard < kNginxShards; ++shard) {
        if (!kept[shard]) continue;
        for (std::string& f : NginxShardFiles(shard)) keep_config.insert(std::move(f));
      }
    }
  } else if (!fresh) {
    RETURN_IF_ERROR(writer.Prune(www, "", keep));
  }
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
  // Blobs no longer published, only when every repository was planned: an
  // incremental publish does not know the skipped ones' blobs. They are not
  // served (nothing under www/ names them), only kept until a full publish.
  if (plan_options.unchanged.empty()) {
    std::string blob_dir = JoinPath(out_root, "blobs/sha256");
    ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(blob_dir));
    for (const std::string& name : names) {
      std::string digest = "sha256:" + name;
      if (plan.blobs.count(digest) == 0 && plan.generated_blobs.count(digest) == 0) {
        RETURN_IF_ERROR(RemoveAll(JoinPath(blob_dir, name)));
      }
    }
  }

  // Last, once the tree is complete: the layout's index (what is published)
  // and the options it was published with. A publish that stops before this
  // point leaves the previous index, so the next one redoes every
  // repository whose tags changed.
  // The published repositories' fingerprints: plan.tags are sorted by
  // repository, as `fingerprints` is.
  std::vector<std::pair<absl::string_view, absl::string_view>> published_fingerprints;
  for (size_t i = 0; i < plan.tags.size(); ++i) {
    const std::string& repo = plan.tags[i]->name.repository;
    if (i > 0 && plan.tags[i - 1]->name.repository == repo) continue;
    published_fingerprints.emplace_back(repo, fingerprints.at(repo));
  }
  std::string state_text =
      StateText(options_line, store_line, search_line, published_fingerprints);
  std::string state_path = JoinPath(out_root, kStateFile);
  if (previous == state_text) {
    // Nothing was published differently: index.json is as it should be.
    return report;
  }
  // OUTDIR's index.json: the store's entries of the published tags, as they
  // are. When that is every entry, in order, with nothing else, it is the
  // store's file byte for byte, and becomes a hard link to the file read
  // (the store replaces index.json by rename, never in place): no copy to
  // write and sync, which for a large store (11 MB at 50,000 tags) would be
  // most of a small publish.
  absl::string_view text = scan.text;
  const std::string head = absl::StrCat("{\"schemaVersion\":2,\"mediaType\":\"",
                                        oci::kOciIndex, "\",\"manifests\":[");
  bool whole = scan.skipped.empty() && plan.tags.size() == scan.tags.size() &&
               absl::StartsWith(text, head);
  for (size_t i = 0, at = head.size(); whole && i < plan.tags.size(); ++i) {
    if (i > 0) whole = at < text.size() && text[at++] == ',';
    whole = whole && plan.tags[i]->raw.data() == text.data() + at;
    at += plan.tags[i]->raw.size();
    if (i + 1 == plan.tags.size()) whole = whole && text.compare(at, std::string::npos, "]}") == 0;
  }
  if (plan.tags.empty()) whole = false;
  std::string index_path = JoinPath(out_root, "index.json");
  bool linked = false;
  if (whole) {
    ASSIGN_OR_RETURN(linked, writer.LinkOpenFile(store_index_fd, store_index_path, index_path));
  }
  if (!linked) {
    std::string index = head;
    for (size_t i = 0; i < plan.tags.size(); ++i) {
      absl::StrAppend(&index, i == 0 ? "" : ",", plan.tags[i]->raw);
    }
    index += "]}";
    RETURN_IF_ERROR(writer.Write(index_path, index));
  }
  RETURN_IF_ERROR(writer.Write(state_path, state_text));
  RETURN_IF_ERROR(writer.Flush());
  return report;
}

}  // namespace stowage::publish
