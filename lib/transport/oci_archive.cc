// oci-archive:FILE[:REF]: a tar of an OCI image layout (plain, or gzip,
// zstd, xz or bzip2 compressed on read), as skopeo's oci-archive: reads and
// writes it. Written whole at Commit, replacing the file atomically; an
// existing archive's images are kept and the new ones added.

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/archive/layout_archive.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/transport/layout_io.h"

namespace stowage::transport {
namespace {

// The archive unpacked into a private folder, read as a layout.
class UnpackedSource : public LayoutSource {
 public:
  UnpackedSource(oci::Layout layout, std::string name, std::string ref,
                 ScratchDir dir)
      : LayoutSource(std::move(layout), std::move(name), RefKind::kTag, std::move(ref)),
        dir_(std::move(dir)) {}

 private:
  ScratchDir dir_;
};

absl::StatusOr<std::unique_ptr<ImageSource>> OpenSource(const Location& location,
                                                       const OpenOptions& options) {
  ASSIGN_OR_RETURN(PathRef where, SplitPathRef(location));
  if (!Exists(where.path)) {
    return absl::NotFoundError(absl::StrCat(where.path, ": no such file"));
  }
  ASSIGN_OR_RETURN(ScratchDir dir, ScratchDir::Make(options.scratch, "oci-archive"));
  archive::ExtractOptions extract;
  extract.progress = options.progress;
  RETURN_IF_ERROR(archive::ExtractArchive(where.path, dir.path(), extract));
  absl::StatusOr<oci::Layout> layout = oci::Layout::Open(dir.path());
  if (!layout.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where.path, ": the archive holds no OCI image layout (no "
                    "oci-layout file at its top)"));
  }
  return std::unique_ptr<ImageSource>(new UnpackedSource(
      std::move(*layout), location.String(), where.ref, std::move(dir)));
}

// A layout staged in a private folder, packed into the archive at Commit.
class ArchiveDestination : public LayoutDestination {
 public:
  ArchiveDestination(oci::Layout layout, std::string name, std::string ref,
                     ScratchDir dir, std::string path)
      : LayoutDestination(std::move(layout), std::move(name), std::move(ref),
                          LayoutWriter::Options{/*durable=*/false}),
        dir_(std::move(dir)),
        path_(std::move(path)) {}

  absl::Status Commit() override {
    RETURN_IF_ERROR(LayoutDestination::Commit());
    return archive::PackDirectory(dir_.path(), path_);
  }

 private:
  ScratchDir dir_;
  std::string path_;
};

absl::StatusOr<std::unique_ptr<ImageDestination>> OpenDestination(
    const Location& location, const OpenOptions& options) {
  ASSIGN_OR_RETURN(PathRef where, SplitPathRef(location));
  ASSIGN_OR_RETURN(ScratchDir dir, ScratchDir::Make(options.scratch, "oci-archive"));
  if (Exists(where.path)) {
    RETURN_IF_ERROR(archive::ExtractArchive(where.path, dir.path()));
  }
  ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::OpenOrCreate(dir.path()));
  return std::unique_ptr<ImageDestination>(
      new ArchiveDestination(std::move(layout), location.String(), where.ref,
                             std::move(dir), where.path));
}

const bool registered = RegisterTransport(TransportInfo{
    "oci-archive", "oci-archive:FILE[:REF]", 1, OpenSource, OpenDestination});

}  // namespace
}  // namespace stowage::transport
