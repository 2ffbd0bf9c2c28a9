#include "lib/publish/publish.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "lib/base/status_macros.h"
#include "lib/catalog/catalog_store.h"
#include "lib/catalog/metadata.h"
#include "lib/copy/copy.h"
#include "lib/crypto/hash_files.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/json/json_writer.h"
#include "lib/markdown/markdown.h"
#include "lib/oci/layout.h"
#include "lib/oci/media_types.h"
#include "lib/publish/catalog.h"
#include "lib/publish/collisions.h"
#include "lib/publish/out_dir.h"
#include "lib/publish/state.h"
#include "lib/publish/tree_writer.h"
#include "lib/reference/reference.h"
#include "lib/site/site.h"
#include "lib/site/templates.h"
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

// www/_blobs: the blob folder of OUTDIR's layout, where servers send
// v2/<name>/blobs/ requests.
constexpr char kBlobLink[] = "_blobs";
constexpr char kBlobLinkTarget[] = "../blobs/sha256";
// The catalog's search index, under www/.
constexpr char kSearchIndexDir[] = "_catalog/search";

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

// --full: hashes every blob of `blobs` OUTDIR holds, on every core, and
// removes each that no longer has its digest (the copy that follows puts
// it back from the store, hashing it again, or fails naming it): a blob
// damaged in place is never left served under a digest it does not have.
// Returns the digests removed.
absl::StatusOr<std::vector<std::string>> RemoveDamagedBlobs(
    const oci::Layout& out, const std::vector<oci::Descriptor>& blobs, Progress* progress) {
  std::vector<FileHash> present;
  std::vector<const std::string*> digests;  // of present, index for index
  uint64_t bytes = 0;
  for (const oci::Descriptor& d : blobs) {
    std::string path = out.BlobPath(d.digest());
    if (!Exists(path)) continue;
    present.push_back({std::move(path), static_cast<uint64_t>(d.size()), "", ""});
    digests.push_back(&d.digest());
    bytes += static_cast<uint64_t>(d.size());
  }
  if (progress != nullptr) progress->Start(present.size(), bytes);
  HashFiles(present, /*threads=*/0, progress);
  std::vector<std::string> damaged;
  for (size_t i = 0; i < present.size(); ++i) {
    if (!present[i].error.empty()) return absl::DataLossError(present[i].error);
    if (absl::StrCat("sha256:", present[i].hex) != *digests[i]) damaged.push_back(*digests[i]);
  }
  std::sort(damaged.begin(), damaged.end());
  for (const std::string& d : damaged) RETURN_IF_ERROR(RemoveFile(out.BlobPath(d)));
  return damaged;
}

// One publish, as the phases Run() calls in order. Each phase reads what
// the ones before it decided (the members below) and adds its own part.
class Publisher {
 public:
  Publisher(const store::Store& store, const PublishOptions& options)
      : store_(store), options_(options) {}

  absl::StatusOr<PublishReport> Run();
  // After a failed Run: a new OUTDIR that got nothing is removed again.
  void Abandon() {
    if (claim_) claim_->Abandon();
  }

 private:
  // Settings, templates and metadata checked; OUTDIR claimed and locked;
  // the last publish's state and the store's index read.
  absl::Status Prepare();
  absl::Status ReadStore();
  // What the last publish left that is still right: repositories skipped.
  void FindUnchanged();
  // Every file to write, decided before anything is written.
  absl::Status PlanRepositories();
  absl::Status PlanCatalog();
  absl::Status PlanServers();
  absl::Status Verify();
  absl::Status WriteBlobs();
  absl::Status WriteManifestsAndTags();
  absl::Status WriteCatalog();
  absl::Status WriteServerConfigs();
  absl::Status Prune();
  absl::Status PruneConfigs();
  absl::Status PruneBlobs();
  absl::Status CommitState();
  absl::Status WriteIndex();

  const store::Store& store_;
  const PublishOptions& options_;
  PublishReport report_;

  // Prepare.
  std::optional<site::Templates> templates_;
  catalog::Catalog meta_;
  std::string meta_digest_;
  std::string options_line_;
  std::optional<OutDirClaim> claim_;
  std::string out_root_;
  std::string www_;
  bool fresh_ = false;  // www/ did not exist
  std::optional<PublishState> previous_;
  std::string store_index_path_;
  Fd store_index_fd_;
  std::optional<MappedFile> store_index_;
  std::string store_line_;

  // Plan.
  store::TagScan scan_;
  PlanOptions plan_options_;
  bool nginx_ = false;
  bool manifest_files_ = false;  // servers other than nginx need manifest files
  std::map<std::string, std::string> fingerprints_;
  std::vector<std::string> removed_repositories_;
  SitePlan plan_;
  std::string search_line_ = "search -";
  std::vector<site::SiteFile> site_files_;
  std::set<std::string> catalog_namespaces_;
  std::vector<std::string> catalog_files_;
  std::vector<std::string> catalog_removed_;  // pages of dropped repositories
  bool incremental_catalog_ = false;
  bool render_search_index_ = true;
  std::vector<GeneratedFile> generated_;

  // Write.
  std::optional<oci::Layout> out_;
  std::unique_ptr<TreeWriter> writer_;
  std::set<std::string> keep_;         // under www/
  std::set<std::string> keep_config_;  // under OUTDIR
};

absl::StatusOr<PublishReport> Publisher::Run() {
  RETURN_IF_ERROR(Prepare());
  if (!options_.full && previous_->Same(options_line_, store_line_)) {
    // The store's index.json is the same bytes, the options the same: done
    // without reading a manifest.
    report_.skipped_repositories = report_.repositories = previous_->repositories();
    report_.nothing_changed = true;
    return report_;
  }
  RETURN_IF_ERROR(PlanRepositories());
  RETURN_IF_ERROR(PlanCatalog());
  RETURN_IF_ERROR(PlanServers());
  RETURN_IF_ERROR(Verify());
  // From the first change to the state's commit, OUTDIR has no state: a
  // publish stopped in between is followed by a full one.
  RETURN_IF_ERROR(InvalidateState(out_root_));
  RETURN_IF_ERROR(WriteBlobs());
  RETURN_IF_ERROR(WriteManifestsAndTags());
  RETURN_IF_ERROR(WriteCatalog());
  RETURN_IF_ERROR(WriteServerConfigs());
  RETURN_IF_ERROR(Prune());
  RETURN_IF_ERROR(CommitState());
  const TreeCounts& c = writer_->counts();
  report_.written += c.written;
  report_.linked += c.linked;
  report_.removed += c.removed;
  report_.unchanged += c.unchanged;
  return report_;
}

absl::Status Publisher::Prepare() {
  // Everything that goes into a server configuration is checked before
  // anything is read or written (the serve root when it is OUTDIR, once
  // OUTDIR is resolved).
  RETURN_IF_ERROR(CheckListen(options_.listen));
  if (!options_.serve_root.empty()) RETURN_IF_ERROR(CheckServeRoot(options_.serve_root));
  if (!options_.base_url.empty()) {
    ASSIGN_OR_RETURN(report_.registry_host, RegistryHost(options_.base_url));
  } else {
    report_.registry_host = options_.listen;
  }
  if (options_.catalog) {
    ASSIGN_OR_RETURN(templates_, site::Templates::Load(options_.templates_dir));
    ASSIGN_OR_RETURN(meta_, catalog::ReadCatalog(store_.dir()));
    // Equal catalogs serialize to equal bytes: no second read of the file.
    meta_digest_ = Sha256::DigestOf(catalog::SerializeCatalog(meta_));
  }
  options_line_ = OptionsLine(options_, report_.registry_host, templates_ ? &*templates_ : nullptr);
  ASSIGN_OR_RETURN(OutDirClaim claim,
                   OutDirClaim::Claim(options_.out_dir, store_.dir(), options_.wait));
  claim_.emplace(std::move(claim));
  out_root_ = claim_->root();
  if (options_.serve_root.empty()) {
    RETURN_IF_ERROR(CheckServeRoot(out_root_, "OUTDIR (the default --serve-root)"));
  }
  www_ = JoinPath(out_root_, "www");
  ASSIGN_OR_RETURN(PublishState previous, PublishState::Read(out_root_));
  previous_.emplace(std::move(previous));
  return ReadStore();
}

absl::Status Publisher::ReadStore() {
  // The store's index.json, read once: hashed here, scanned when planning,
  // and kept open to become OUTDIR's index.json when every tag is published.
  // Mapped, not read: at 50,000 tags a read copy of the 11 MB file costs
  // several times the whole scan on a machine where touching new memory is
  // slow. stowage replaces index.json by rename, so the mapping never
  // changes under us; another tool truncating it in place while publish
  // runs could stop publish (SIGBUS), before its first change to OUTDIR.
  store_index_path_ = JoinPath(store_.dir(), "index.json");
  ASSIGN_OR_RETURN(store::Store::MappedIndex index, store_.MapIndex());
  store_index_fd_ = std::move(index.fd);
  store_line_ = absl::StrCat("store ", Sha256::DigestOf(index.data.data()), " ", meta_digest_, " ",
                             absl::StrJoin(options_.repo_patterns, " "));
  store_index_.emplace(std::move(index.data));
  return absl::OkStatus();
}

absl::Status Publisher::PlanRepositories() {
  plan_options_.repo_patterns = options_.repo_patterns;
  ASSIGN_OR_RETURN(scan_, store_.ScanTagsOf(std::move(*store_index_)));
  plan_options_.scan = &scan_;
  for (Server s : options_.servers) {
    // S3 cannot rewrite: every repository gets its own blob files.
    if (s == Server::kS3) plan_options_.blob_links = true;
    // nginx serves manifests from the blob folder, found by its maps; the
    // other servers need a file per manifest path.
    nginx_ |= s == Server::kNginx;
    manifest_files_ |= s != Server::kNginx;
  }
  fingerprints_ = Fingerprints(scan_.tags, options_.catalog ? &meta_ : nullptr);
  FindUnchanged();
  ASSIGN_OR_RETURN(plan_, PlanSite(store_, plan_options_));
  report_.skipped_repositories = plan_options_.unchanged.size();
  report_.warnings = plan_.warnings;
  report_.repositories = plan_.repositories.size();
  report_.tags = plan_.tags.size();
  for (size_t i = 0; i < plan_.tags.size() && i < 3; ++i) {
    report_.published_examples.push_back(plan_.tags[i]->name);
  }
  for (const auto& [digest, size] : plan_.blobs) report_.blob_bytes += size;
  return absl::OkStatus();
}

void Publisher::FindUnchanged() {
  fresh_ = !Exists(www_);
  bool incremental = !options_.full && !fresh_;
  for (Server s : options_.servers) {
    // Caddy's and S3's configurations name every file: always a full pass.
    if (s == Server::kCaddy || s == Server::kS3) incremental = false;
  }
  if (!incremental) return;
  // A repository is skipped when its tags are as the last publish left
  // them, and so are those of every other repository in its nginx shard
  // (a shard's map fragment is written whole). Repositories published last
  // time and not now are removed.
  absl::flat_hash_map<absl::string_view, absl::string_view> before =
      previous_->Fingerprints(options_line_);
  std::vector<bool> dirty(kNginxShards, false);
  std::vector<std::pair<const std::string*, int>> current;  // repository, shard
  for (const auto& [repo, fp] : fingerprints_) {
    if (!RepositorySelected(repo, options_.repo_patterns)) continue;
    int shard = NginxShard(repo);
    current.emplace_back(&repo, shard);
    auto it = before.find(repo);
    if (it == before.end() || it->second != fp) dirty[shard] = true;
  }
  for (const auto& [repo, fp] : before) {
    std::string name(repo);
    if (fingerprints_.count(name) > 0 && RepositorySelected(name, options_.repo_patterns)) {
      continue;
    }
    dirty[NginxShard(name)] = true;
    removed_repositories_.push_back(std::move(name));
  }
  std::sort(removed_repositories_.begin(), removed_repositories_.end());
  if (before.empty()) return;
  for (const auto& [repo, shard] : current) {
    if (!dirty[shard]) plan_options_.unchanged.insert(plan_options_.unchanged.end(), *repo);
  }
}

// The catalog: the pages of the repositories planned (all of them in a full
// publish; those whose tags or metadata changed otherwise), the namespaces
// they are in (every page), the home page and the full namespace list, and
// the search index when a repository's name, description, stars or badges
// changed.
absl::Status Publisher::PlanCatalog() {
  if (!options_.catalog) return absl::OkStatus();
  std::map<std::string, std::vector<const store::TagSummary*>> by_repo;
  for (const store::TagSummary* t : plan_.tags) by_repo[t->name.repository].push_back(t);
  std::set<std::string> pages(plan_.planned.begin(), plan_.planned.end());
  site::SiteInput input;
  input.registry_host = report_.registry_host;
  std::string search_text;
  TagDescriber describer(store_.layout(), plan_.manifests);
  for (const auto& [repo, repo_tags] : by_repo) {
    site::RepositoryInfo r;
    r.name = repo;
    r.tag_count = repo_tags.size();
    auto m = meta_.repositories.find(repo);
    if (m != meta_.repositories.end()) {
      r.short_description = m->second.short_description.value_or("");
      r.official = m->second.official.value_or(false);
      r.automated = m->second.automated.value_or(false);
      r.stars = m->second.stars.value_or(0);
    }
    if (pages.count(repo) > 0) {
      catalog_namespaces_.insert(catalog::NamespaceOf(repo));
      for (const store::TagSummary* t : repo_tags) {
        absl::StatusOr<site::TagInfo> info = describer.Describe(*t);
        if (!info.ok()) return Annotate(info.status(), absl::StrCat("the image ", t->name.String()));
        r.tags.push_back(std::move(*info));
      }
      if (m != meta_.repositories.end() && m->second.readme.has_value()) {
        r.readme_html = markdown::ToHtml(*m->second.readme);
      }
    }
    absl::StrAppend(&search_text, r.name, "\t", r.short_description, "\t", r.stars, "\t",
                    r.official, r.automated, r.is_signed, "\n");
    input.repositories.push_back(std::move(r));
  }
  for (const auto& [name, ns] : meta_.namespaces) {
    input.namespaces[name] = {ns.title.value_or(""), ns.description.value_or("")};
  }
  // The namespaces that still have a repository, found once (not once per
  // dropped repository: dropping many from a large store was quadratic).
  std::set<std::string> live_namespaces;
  if (!removed_repositories_.empty()) {
    for (const auto& [repo, unused] : by_repo) live_namespaces.insert(catalog::NamespaceOf(repo));
  }
  for (const std::string& repo : removed_repositories_) {
    std::string ns = catalog::NamespaceOf(repo);
    catalog_namespaces_.insert(ns);
    catalog_removed_.push_back(absl::StrCat("r/", repo, "/index.html"));
    if (by_repo.count(repo) == 0 && live_namespaces.count(ns) == 0) {
      catalog_removed_.push_back(absl::StrCat("u/", ns, "/index.html"));
    }
  }
  search_line_ = absl::StrCat("search ", Sha256::DigestOf(search_text));
  incremental_catalog_ = !plan_options_.unchanged.empty();
  site::RenderOptions render;
  if (incremental_catalog_) {
    render.repositories = &pages;
    render.namespaces = &catalog_namespaces_;
    render.search_index = previous_->search_line() != search_line_;
  }
  render_search_index_ = render.search_index;
  ASSIGN_OR_RETURN(site_files_, site::RenderSite(input, *templates_, render));
  for (const site::SiteFile& f : site_files_) catalog_files_.push_back(f.path);
  return absl::OkStatus();
}

// The configurations, from values checked for every server's syntax (the
// flags in Prepare, and here what the plan puts into them).
absl::Status Publisher::PlanServers() {
  ServerOptions server_options;
  std::string serve_root = options_.serve_root.empty() ? out_root_ : options_.serve_root;
  server_options.out_root = serve_root;
  server_options.www_root = JoinPath(serve_root, "www");
  server_options.listen = options_.listen;
  server_options.catalog_files = catalog_files_;
  RETURN_IF_ERROR(CheckServerOptions(server_options));
  RETURN_IF_ERROR(CheckPlanForServers(plan_));
  generated_ = CommonFiles();
  for (Server s : options_.servers) {
    for (GeneratedFile& g : ServerFiles(s, plan_, server_options)) {
      generated_.push_back(std::move(g));
    }
  }
  return absl::OkStatus();
}

// Before the first change: no repository where another keeps a file, no
// file of the plan where another needs a folder.
absl::Status Publisher::Verify() {
  std::map<std::string, std::set<std::string>> tags;
  for (const store::TagSummary* t : plan_.tags) {
    tags[t->name.repository].insert(t->name.tag);
  }
  RETURN_IF_ERROR(CheckRepositoryCollisions(tags));
  std::vector<absl::string_view> paths;
  paths.reserve(plan_.files.size() + site_files_.size() + generated_.size() + 1);
  paths.push_back(kBlobLink);
  for (const SiteFile& f : plan_.files) paths.push_back(f.path);
  for (const site::SiteFile& f : site_files_) paths.push_back(f.path);
  for (const GeneratedFile& g : generated_) {
    if (g.in_www) paths.push_back(g.path);
  }
  return CheckPathCollisions(std::move(paths));
}

// Blobs first: the plan's store blobs through the copy engine (each one the
// tree lacks is hashed as it is linked or copied; with --full, each one it
// has is hashed too), then the blobs made here, then the served link to
// them.
absl::Status Publisher::WriteBlobs() {
  ASSIGN_OR_RETURN(oci::Layout out, oci::Layout::OpenOrCreateIn(out_root_));
  out_.emplace(std::move(out));
  RETURN_IF_ERROR(MakeDirs(www_));
  std::vector<oci::Descriptor> blobs;
  for (const auto& [digest, size] : plan_.blobs) {
    blobs.push_back(oci::Descriptor::Make("application/octet-stream", digest, size));
  }
  if (options_.full) {
    ASSIGN_OR_RETURN(std::vector<std::string> damaged,
                     RemoveDamagedBlobs(*out_, blobs, options_.progress));
    for (const std::string& d : damaged) {
      report_.warnings.push_back(absl::StrCat(
          "the published copy of ", d, " did not hash to its digest; it was removed and is "
          "copied again from the store"));
    }
  }
  RETURN_IF_ERROR(CopyBlobsOut(store_, *out_, blobs, options_.progress));
  writer_ = std::make_unique<TreeWriter>(out_root_, fresh_);
  for (const auto& [digest, content] : plan_.generated_blobs) {
    RETURN_IF_ERROR(writer_->Write(out_->BlobPath(digest), content));
  }
  keep_.insert(kBlobLink);
  std::string link = JoinPath(www_, kBlobLink);
  absl::StatusOr<std::string> target = ReadSymlink(link);
  if (!target.ok() || *target != kBlobLinkTarget) {
    if (!absl::IsNotFound(target.status())) RETURN_IF_ERROR(RemoveAll(link));
    RETURN_IF_ERROR(MakeSymlink(kBlobLinkTarget, link));
    ++report_.written;
  }
  return writer_->Flush();
}

// Manifests by digest, then tags, then the rest of the pull API, each stage
// in place before the next one points at it.
absl::Status Publisher::WriteManifestsAndTags() {
  std::vector<std::pair<int, const SiteFile*>> order;
  for (const SiteFile& f : plan_.files) order.emplace_back(Stage(f), &f);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < order.size(); ++i) {
    const SiteFile* f = order[i].second;
    // nginx serves manifests from _blobs/ (generated ones were written there).
    if (!f->manifest || manifest_files_) {
      std::string path = JoinPath(www_, f->path);
      if (!f->blob.empty()) {
        RETURN_IF_ERROR(writer_->Link(out_->BlobPath(f->blob), path));
      } else {
        RETURN_IF_ERROR(writer_->Write(path, f->content));
      }
      keep_.insert(f->path);
      ++report_.files;
    }
    if (i + 1 == order.size() || order[i + 1].first != order[i].first) {
      RETURN_IF_ERROR(writer_->Flush());
    }
  }
  return absl::OkStatus();
}

absl::Status Publisher::WriteCatalog() {
  if (!options_.catalog) return absl::OkStatus();
  std::set<std::string> index_files;
  for (const site::SiteFile& f : site_files_) {
    RETURN_IF_ERROR(writer_->Write(JoinPath(www_, f.path), f.content));
    keep_.insert(f.path);
    if (absl::StartsWith(f.path, kSearchIndexDir)) index_files.insert(f.path);
    ++report_.files;
  }
  RETURN_IF_ERROR(writer_->Flush());
  if (!incremental_catalog_) return absl::OkStatus();  // the full prune does the rest
  if (render_search_index_) {
    // The old index's nodes that the new one does not have.
    RETURN_IF_ERROR(writer_->Prune(www_, kSearchIndexDir, index_files));
  }
  // Pages past a list's new end (site.h: page N of DIR is
  // DIR/_page/N/index.html): of the namespaces rendered, each with all its
  // pages, or none when it is gone, and of the full namespace list, always
  // rendered.
  std::vector<std::string> lists = {site::kAllNamespacesFolder};
  for (const std::string& ns : catalog_namespaces_) lists.push_back(absl::StrCat("u/", ns));
  for (const std::string& list : lists) {
    std::string rel = JoinPath(list, site::kPagesFolder);
    if (!Exists(JoinPath(www_, rel))) continue;
    RETURN_IF_ERROR(writer_->Prune(www_, rel, keep_));
    RETURN_IF_ERROR(RemoveEmptyParents(www_, rel));
  }
  return absl::OkStatus();
}

absl::Status Publisher::WriteServerConfigs() {
  for (const GeneratedFile& g : generated_) {
    if (g.in_www) {
      RETURN_IF_ERROR(writer_->Write(JoinPath(www_, g.path), g.content));
      keep_.insert(g.path);
      ++report_.files;
    } else {
      RETURN_IF_ERROR(writer_->Write(JoinPath(out_root_, g.path), g.content, g.executable));
      keep_config_.insert(g.path);
    }
  }
  return writer_->Flush();
}

// What no longer belongs. A new tree has nothing to remove; an incremental
// publish looks only at the folders of the repositories it planned or
// dropped; otherwise the whole tree is walked.
absl::Status Publisher::Prune() {
  if (!plan_options_.unchanged.empty()) {
    for (const std::string& repo : plan_.planned) {
      RETURN_IF_ERROR(writer_->PruneRepository(www_, repo, &keep_));
    }
    for (const std::string& repo : removed_repositories_) {
      RETURN_IF_ERROR(writer_->PruneRepository(www_, repo, nullptr));
    }
    for (const std::string& page : catalog_removed_) {
      if (keep_.count(page) == 0) RETURN_IF_ERROR(writer_->RemoveWithParents(www_, page));
    }
    if (nginx_) {
      // The shards of unchanged repositories keep their files (each shard
      // once: ten thousand repositories share a thousand shards).
      std::vector<bool> kept(kNginxShards, false);
      for (const std::string& repo : plan_options_.unchanged) kept[NginxShard(repo)] = true;
      for (int shard = 0; shard < kNginxShards; ++shard) {
        if (!kept[shard]) continue;
        for (std::string& f : NginxShardFiles(shard)) keep_config_.insert(std::move(f));
      }
    }
  } else if (!fresh_) {
    RETURN_IF_ERROR(writer_->Prune(www_, "", keep_));
  }
  RETURN_IF_ERROR(PruneConfigs());
  return PruneBlobs();
}

absl::Status Publisher::PruneConfigs() {
  for (const char* dir : {"nginx", "apache", "caddy", "s3"}) {
    std::string path = JoinPath(out_root_, dir);
    if (!Exists(path)) continue;
    std::string prefix = absl::StrCat(dir, "/");
    std::set<std::string> keep_here;
    for (const std::string& k : keep_config_) {
      if (absl::StartsWith(k, prefix)) keep_here.insert(k.substr(prefix.size()));
    }
    // Runtime files of a running server (pid, logs) stay.
    if (keep_here.count("run/.keep") > 0) {
      absl::StatusOr<std::vector<std::string>> run = ListDir(JoinPath(path, "run"));
      if (run.ok()) {
        for (const std::string& n : *run) keep_here.insert("run/" + n);
      }
    }
    RETURN_IF_ERROR(writer_->Prune(path, "", keep_here));
  }
  return absl::OkStatus();
}

// Blobs no longer published, only when every repository was planned: an
// incremental publish does not know the skipped ones' blobs. They are not
// served (nothing under www/ names them), only kept until a full publish.
absl::Status Publisher::PruneBlobs() {
  if (!plan_options_.unchanged.empty()) return absl::OkStatus();
  std::string blob_dir = JoinPath(out_root_, "blobs/sha256");
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(blob_dir));
  for (const std::string& name : names) {
    std::string digest = "sha256:" + name;
    if (plan_.blobs.count(digest) == 0 && plan_.generated_blobs.count(digest) == 0) {
      RETURN_IF_ERROR(RemoveAll(JoinPath(blob_dir, name)));
    }
  }
  return absl::OkStatus();
}

// Last, once the tree is complete: the layout's index (what is published),
// then the state (the options and store it was published from).
absl::Status Publisher::CommitState() {
  RETURN_IF_ERROR(WriteIndex());
  // The published repositories' fingerprints: plan.tags are sorted by
  // repository, as fingerprints_ is.
  std::vector<std::pair<absl::string_view, absl::string_view>> published;
  for (size_t i = 0; i < plan_.tags.size(); ++i) {
    const std::string& repo = plan_.tags[i]->name.repository;
    if (i > 0 && plan_.tags[i - 1]->name.repository == repo) continue;
    published.emplace_back(repo, fingerprints_.at(repo));
  }
  return publish::CommitState(
      out_root_, StateText(options_line_, store_line_, search_line_, published));
}

// OUTDIR's index.json: the store's entries of the published tags, as they
// are. When that is every entry, in order, with nothing else, it is the
// store's file byte for byte, and becomes a hard link to the file read (the
// store replaces index.json by rename, never in place): no copy to write
// and sync, which for a large store (11 MB at 50,000 tags) would be most of
// a small publish.
absl::Status Publisher::WriteIndex() {
  absl::string_view text = scan_.text;
  const std::string head = absl::StrCat("{\"schemaVersion\":2,\"mediaType\":\"",
                                        oci::kOciIndex, "\",\"manifests\":[");
  bool whole = !plan_.tags.empty() && scan_.skipped.empty() &&
               plan_.tags.size() == scan_.tags.size() && absl::StartsWith(text, head);
  for (size_t i = 0, at = head.size(); whole && i < plan_.tags.size(); ++i) {
    if (i > 0) whole = at < text.size() && text[at++] == ',';
    whole = whole && plan_.tags[i]->raw.data() == text.data() + at;
    at += plan_.tags[i]->raw.size();
    if (i + 1 == plan_.tags.size()) whole = whole && text.compare(at, std::string::npos, "]}") == 0;
  }
  std::string index_path = JoinPath(out_root_, "index.json");
  bool linked = false;
  if (whole) {
    ASSIGN_OR_RETURN(linked,
                     writer_->LinkOpenFile(store_index_fd_, store_index_path_, index_path));
  }
  if (!linked) {
    std::string index = head;
    for (size_t i = 0; i < plan_.tags.size(); ++i) {
      absl::StrAppend(&index, i == 0 ? "" : ",", plan_.tags[i]->raw);
    }
    index += "]}";
    RETURN_IF_ERROR(writer_->Write(index_path, index));
  }
  return writer_->Flush();
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
  Publisher publisher(store, options);
  absl::StatusOr<PublishReport> report = publisher.Run();
  if (!report.ok()) publisher.Abandon();
  return report;
}

}  // namespace stowage::publish
