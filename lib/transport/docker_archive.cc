// docker-archive:FILE[:REF]: a `docker save` tar (lib/archive/docker_archive.h).
// Read in place (tar_source.h) as the OCI images its images convert to,
// each named with its RepoTag as a store name; written whole at Commit,
// replacing the file as `docker save -o` replaces it.

#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/archive/decompress_stream.h"
#include "lib/archive/docker_archive.h"
#include "lib/archive/layout_archive.h"
#include "lib/base/status_macros.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/oci/media_types.h"
#include "lib/transport/layout_io.h"
#include "lib/transport/tar_source.h"

namespace stowage::transport {
namespace {

// The archive's entries as PlanDockerArchive reads them, from its index.
class IndexMembers : public archive::DockerArchiveMembers {
 public:
  IndexMembers(const archive::TarIndex& index,
               const std::map<std::string, archive::Compression>& compressed)
      : index_(index), compressed_(compressed) {}

  absl::StatusOr<std::string> Read(const std::string& name) override {
    ASSIGN_OR_RETURN(const archive::IndexedEntry* e, Entry(name));
    if (!e->kept) {
      return absl::FailedPreconditionError(absl::StrCat(
          index_.path(), ": entry \"", name, "\" is no JSON document of at most ",
          oci::kMaxSmallBlob, " bytes"));
    }
    return e->data;
  }
  absl::StatusOr<Facts> Stat(const std::string& name) override {
    ASSIGN_OR_RETURN(const archive::IndexedEntry* e, Entry(name));
    auto it = compressed_.find(e->name);
    return Facts{e->size, it == compressed_.end() ? archive::Compression::kNone : it->second};
  }
  absl::StatusOr<Digested> Decompress(const std::string& name) override;

 private:
  absl::StatusOr<const archive::IndexedEntry*> Entry(const std::string& name) const {
    const archive::IndexedEntry* e = index_.Find(name);
    if (e == nullptr) return absl::NotFoundError(absl::StrCat(name, ": no such entry"));
    return e;
  }
  const archive::TarIndex& index_;
  const std::map<std::string, archive::Compression>& compressed_;
};

// Hashes and counts the decompressed bytes of `raw`.
absl::StatusOr<archive::DockerArchiveMembers::Digested> Digest(
    archive::ByteSource& raw, const std::string& what) {
  ASSIGN_OR_RETURN(std::unique_ptr<archive::DecompressedSource> plain,
                   archive::DecompressedSource::Open(&raw, what));
  Sha256 hasher;
  uint64_t size = 0;
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  while (true) {
    ASSIGN_OR_RETURN(size_t n, plain->Read(buf.get(), 1 << 20));
    if (n == 0) break;
    hasher.Update(buf.get(), n);
    size += n;
  }
  return archive::DockerArchiveMembers::Digested{"sha256:" + hasher.HexDigest(), size};
}

absl::StatusOr<archive::DockerArchiveMembers::Digested> IndexMembers::Decompress(
    const std::string& name) {
  ASSIGN_OR_RETURN(const archive::IndexedEntry* e, Entry(name));
  std::string what = absl::StrCat(index_.path(), ": entry \"", name, "\"");
  if (index_.random_access()) {
    ASSIGN_OR_RETURN(std::unique_ptr<archive::EntryReader> raw, index_.OpenEntry(*e));
    return Digest(*raw, what);
  }
  std::optional<Digested> out;
  RETURN_IF_ERROR(index_.Stream({e->name}, [&](const archive::IndexedEntry&,
                                               archive::EntryReader& raw) -> absl::Status {
    ASSIGN_OR_RETURN(out, Digest(raw, what));
    return absl::OkStatus();
  }));
  return *out;
}

// A layer of the archive: where it is and how it is described in errors.
struct LayerPlace {
  std::string entry;
  bool compressed = false;
  std::string where;  // "layer 1 of manifest.json item @0"
};

// The archive read in place: its images converted as PlanDockerArchive
// converts them, their configs and synthesized manifests in memory, their
// layers read from the archive (decompressed on the fly when stored
// compressed), each checked against the config's diff_id as it is copied.
class DockerArchiveSource : public TarSource {
 public:
  DockerArchiveSource(archive::TarIndex index, std::string name, std::string ref,
                      std::vector<archive::DockerImage> images)
      : TarSource(std::move(index), std::move(name), std::move(ref)),
        images_(std::move(images)) {
    for (const archive::DockerImage& image : images_) {
      manifests_[image.manifest_digest] = &image.manifest;
      configs_[image.config_digest] = &image.config;
      for (size_t i = 0; i < image.layers.size(); ++i) {
        const archive::DockerLayer& l = image.layers[i];
        layers_.emplace(l.diff_id,
                        LayerPlace{l.entry, l.compression != archive::Compression::kNone,
                                   absl::StrCat("layer ", i, " of manifest.json item @",
                                                image.index)});
      }
    }
  }

  RefKind ref_kind() const override { return RefKind::kImageName; }

  absl::StatusOr<std::vector<Ref>> Refs() override {
    std::vector<Ref> out;
    for (const archive::DockerImage& image : images_) {
      oci::Descriptor d = oci::Descriptor::Make(oci::kDockerManifest, image.manifest_digest,
                                                static_cast<int64_t>(image.manifest.size()));
      if (image.names.empty()) out.push_back(Ref{"", d});
      for (const std::string& n : image.names) out.push_back(Ref{n, d});
    }
    return out;
  }

  absl::Status BlobMismatch(const oci::Descriptor& d, absl::string_view what) const override {
    auto it = layers_.find(d.digest());
    if (it == layers_.end()) return TarSource::BlobMismatch(d, what);
    return absl::DataLossError(absl::StrCat(
        index().path(), ": entry \"", it->second.entry, "\" (", it->second.where, ") ",
        absl::StripPrefix(what, "content "), ", but its config lists diff_id ", d.digest()));
  }

 protected:
  absl::StatusOr<Place> Locate(const oci::Descriptor& d) const override {
    Place place;
    if (auto m = manifests_.find(d.digest()); m != manifests_.end()) {
      place.bytes = m->second;
    } else if (auto c = configs_.find(d.digest()); c != configs_.end()) {
      place.bytes = c->second;
    } else if (auto l = layers_.find(d.digest()); l != layers_.end()) {
      place.entry = l->second.entry;
      place.decompress = l->second.compressed;
    } else {
      return absl::NotFoundError(
          absl::StrCat("blob ", d.digest(), " is not in ", index().path()));
    }
    return place;
  }

 private:
  std::vector<archive::DockerImage> images_;
  std::map<std::string, const std::string*> manifests_, configs_;
  std::map<std::string, LayerPlace> layers_;  // by diff_id
};

absl::StatusOr<std::unique_ptr<ImageSource>> OpenSource(const Location& location,
                                                       const OpenOptions& options) {
  ASSIGN_OR_RETURN(PathRef where, SplitPathRef(location));
  std::map<std::string, archive::Compression> compressed;  // by entry
  archive::IndexOptions indexing;
  indexing.resolve_symlinks = true;  // old docker save links shared layers
  indexing.progress = options.progress;
  indexing.keep = [&compressed](absl::string_view name, uint64_t size,
                                absl::string_view head) {
    archive::Compression c = archive::DetectCompression(head);
    if (c != archive::Compression::kNone) compressed.emplace(std::string(name), c);
    return name == "manifest.json" || name == "repositories" ||
           (size <= oci::kMaxSmallBlob && LooksLikeJsonObject(head));
  };
  ASSIGN_OR_RETURN(archive::TarIndex index, IndexArchive(where.path, indexing));
  IndexMembers members(index, compressed);
  ASSIGN_OR_RETURN(std::vector<archive::DockerImage> images,
                   archive::PlanDockerArchive(where.path, members, where.ref));
  return std::unique_ptr<ImageSource>(new DockerArchiveSource(
      std::move(index), location.String(), where.ref, std::move(images)));
}

// Docker's names, single images only; written by LayoutToDockerArchive.
class DockerArchiveDestination : public PackedDestination {
 public:
  using PackedDestination::PackedDestination;
  bool holds_indexes() const override { return false; }
  std::string DefaultRef(const std::string& repository,
                         const std::string& tag) const override {
    return archive::FamiliarName(repository, tag);
  }
};

absl::StatusOr<std::unique_ptr<ImageDestination>> OpenDestination(
    const Location& location, const OpenOptions& options) {
  ASSIGN_OR_RETURN(PathRef where, SplitPathRef(location));
  std::string ref;  // the RepoTag the text asks for
  if (!where.ref.empty()) {
    absl::StatusOr<std::string> name = archive::DockerArchiveName(where.ref);
    if (!name.ok()) return Annotate(name.status(), location.String());
    ref = *name;
  }
  ASSIGN_OR_RETURN(ScratchDir dir, StagingFor(where.path, options, "docker-archive"));
  ASSIGN_OR_RETURN(oci::Layout layout,
                   oci::Layout::OpenOrCreate(JoinPath(dir.path(), "layout")));
  std::string path = where.path;
  return std::unique_ptr<ImageDestination>(new DockerArchiveDestination(
      std::move(layout), location.String(), ref, std::move(dir),
      [path](const oci::Layout& staged, const ScratchDir& dir) -> absl::Status {
        std::string tree = JoinPath(dir.path(), "tree");
        RETURN_IF_ERROR(MakeDirs(tree));
        return archive::LayoutToDockerArchive(staged, tree, path);
      }));
}

const bool registered = RegisterTransport(TransportInfo{
    "docker-archive", "docker-archive:FILE[:REF]", 2, OpenSource, OpenDestination});

}  // namespace
}  // namespace stowage::transport
