// docker-archive:FILE[:REF]: a `docker save` tar (lib/archive/docker_archive.h).
// Read as the OCI layout its images convert to, each entry named with its
// RepoTag as a store name; written whole at Commit, replacing the file as
// `docker save -o` replaces it.

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/archive/docker_archive.h"
#include "lib/archive/layout_archive.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/transport/layout_io.h"

namespace stowage::transport {
namespace {

class ConvertedSource : public LayoutSource {
 public:
  ConvertedSource(oci::Layout layout, std::string name, std::string ref,
                  ScratchDir dir)
      : LayoutSource(std::move(layout), std::move(name), RefKind::kImageName,
                     std::move(ref)),
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
  ASSIGN_OR_RETURN(ScratchDir dir, ScratchDir::Make(options.scratch, "docker-archive"));
  std::string unpacked = JoinPath(dir.path(), "archive");
  std::string converted = JoinPath(dir.path(), "layout");
  RETURN_IF_ERROR(MakeDirs(unpacked));
  archive::ExtractOptions extract;
  extract.resolve_symlinks = true;  // old docker save links shared layers
  extract.progress = options.progress;
  RETURN_IF_ERROR(archive::ExtractArchive(where.path, unpacked, extract));
  RETURN_IF_ERROR(
      archive::DockerArchiveToLayout(where.path, unpacked, where.ref, converted));
  // The layout links what it needs; the rest goes now, not at the end.
  RETURN_IF_ERROR(RemoveAll(unpacked));
  ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::Open(converted));
  return std::unique_ptr<ImageSource>(new ConvertedSource(
      std::move(layout), location.String(), where.ref, std::move(dir)));
}

class DockerArchiveDestination : public LayoutDestination {
 public:
  DockerArchiveDestination(oci::Layout layout, std::string name, std::string ref,
                           ScratchDir dir, std::string path)
      : LayoutDestination(std::move(layout), std::move(name), std::move(ref),
                          LayoutWriter::Options{/*durable=*/false}),
        dir_(std::move(dir)),
        path_(std::move(path)) {}

  bool holds_indexes() const override { return false; }
  std::string DefaultRef(const std::string& repository,
                         const std::string& tag) const override {
    return archive::FamiliarName(repository, tag);
  }

  absl::Status Commit() override {
    RETURN_IF_ERROR(LayoutDestination::Commit());
    std::string tree = JoinPath(dir_.path(), "tree");
    RETURN_IF_ERROR(MakeDirs(tree));
    return archive::LayoutToDockerArchive(writer().layout(), tree, path_);
  }

 private:
  ScratchDir dir_;
  std::string path_;
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
  ASSIGN_OR_RETURN(ScratchDir dir, ScratchDir::Make(options.scratch, "docker-archive"));
  ASSIGN_OR_RETURN(oci::Layout layout,
                   oci::Layout::OpenOrCreate(JoinPath(dir.path(), "layout")));
  return std::unique_ptr<ImageDestination>(
      new DockerArchiveDestination(std::move(layout), location.String(), ref,
                                   std::move(dir), where.path));
}

const bool registered = RegisterTransport(TransportInfo{
    "docker-archive", "docker-archive:FILE[:REF]", 2, OpenSource, OpenDestination});

}  // namespace
}  // namespace stowage::transport
