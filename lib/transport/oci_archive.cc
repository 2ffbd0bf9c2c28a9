// oci-archive:FILE[:REF]: a tar of an OCI image layout (plain, or gzip,
// zstd, xz or bzip2 compressed on read), as skopeo's oci-archive: reads and
// writes it. Read in place (tar_source.h), never unpacked. Written whole at
// Commit, replacing the file atomically; an existing archive's images are
// kept and the new ones added.

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/archive/layout_archive.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/json/json_value.h"
#include "lib/oci/media_types.h"
#include "lib/transport/layout_io.h"
#include "lib/transport/tar_source.h"

namespace stowage::transport {
namespace {

// The archive read in place (TarSource): oci-layout and index.json, and
// every blob that looks like a manifest or config, read in the first pass.
class OciArchiveSource : public TarSource {
 public:
  OciArchiveSource(archive::TarIndex index, std::string name, std::string ref,
                   oci::Index layout_index)
      : TarSource(std::move(index), std::move(name), std::move(ref)),
        layout_index_(std::move(layout_index)) {}

  absl::StatusOr<std::vector<Ref>> Refs() override {
    std::vector<Ref> out;
    for (const oci::Descriptor& d : layout_index_.manifests) {
      out.push_back(Ref{d.Annotation(oci::kRefNameAnnotation), d});
    }
    return out;
  }

 protected:
  absl::StatusOr<Place> Locate(const oci::Descriptor& d) const override {
    size_t colon = d.digest().find(':');
    std::string entry = absl::StrCat("blobs/", d.digest().substr(0, colon), "/",
                                     d.digest().substr(colon + 1));
    const archive::IndexedEntry* e = index().Find(entry);
    if (e == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("blob ", d.digest(), " is missing from ", index().path()));
    }
    Place place;
    place.entry = entry;
    if (e->kept) place.bytes = &e->data;
    return place;
  }

 private:
  oci::Index layout_index_;
};

bool KeepEntry(absl::string_view name, uint64_t size, absl::string_view head) {
  if (name == "oci-layout" || name == "index.json") return true;
  return absl::StartsWith(name, "blobs/") && size <= oci::kMaxSmallBlob &&
         LooksLikeJsonObject(head);
}

absl::Status CheckLayoutFile(const archive::TarIndex& index) {
  const archive::IndexedEntry* e = index.Find("oci-layout");
  if (e == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        index.path(), ": the archive holds no OCI image layout (no oci-layout file at "
                      "its top)"));
  }
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(e->data);
  absl::StatusOr<std::string> version =
      doc.ok() ? doc->GetString("imageLayoutVersion") : doc.status();
  if (!version.ok() || *version != "1.0.0") {
    return absl::InvalidArgumentError(absl::StrCat(
        index.path(), ": entry \"oci-layout\": imageLayoutVersion must be \"1.0.0\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ImageSource>> OpenSource(const Location& location,
                                                       const OpenOptions& options) {
  ASSIGN_OR_RETURN(PathRef where, SplitPathRef(location));
  archive::IndexOptions indexing;
  indexing.keep = KeepEntry;
  // index.json may be large (about 220 bytes a tag); every other kept
  // entry is at most oci::kMaxSmallBlob (KeepEntry). Memory stays bounded
  // by the total however many JSON blobs a hostile archive holds.
  indexing.max_kept_entry = uint64_t{256} << 20;
  indexing.max_kept_total = uint64_t{512} << 20;
  indexing.progress = options.progress;
  ASSIGN_OR_RETURN(archive::TarIndex index, IndexArchive(where.path, indexing));
  RETURN_IF_ERROR(CheckLayoutFile(index));
  const archive::IndexedEntry* e = index.Find("index.json");
  if (e == nullptr) {
    return absl::DataLossError(absl::StrCat(where.path, ": no entry \"index.json\""));
  }
  ASSIGN_OR_RETURN(oci::Index layout_index,
                   oci::ParseIndex(e->data, absl::StrCat(where.path, ": entry \"index.json\"")));
  return std::unique_ptr<ImageSource>(new OciArchiveSource(
      std::move(index), location.String(), where.ref, std::move(layout_index)));
}

absl::StatusOr<std::unique_ptr<ImageDestination>> OpenDestination(
    const Location& location, const OpenOptions& options) {
  ASSIGN_OR_RETURN(PathRef where, SplitPathRef(location));
  ASSIGN_OR_RETURN(ScratchDir dir, StagingFor(where.path, options, "oci-archive"));
  if (Exists(where.path)) {
    RETURN_IF_ERROR(archive::ExtractArchive(where.path, dir.path()));
  }
  ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::OpenOrCreate(dir.path()));
  std::string path = where.path;
  return std::unique_ptr<ImageDestination>(new PackedDestination(
      std::move(layout), location.String(), where.ref, std::move(dir),
      [path](const oci::Layout&, const ScratchDir& staged) {
        return archive::PackDirectory(staged.path(), path);
      }));
}

const bool registered = RegisterTransport(TransportInfo{
    "oci-archive", "oci-archive:FILE[:REF]", 1, OpenSource, OpenDestination});

}  // namespace
}  // namespace stowage::transport
