// oci:DIR[:REF]: an OCI image layout directory, read in place and written
// in place (blobs added, index.json entries of the same ref name replaced).

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/transport/layout_io.h"

namespace stowage::transport {

namespace {

// The layout at `dir` when there is one; otherwise a layout made there at
// the first write. As Layout::OpenOrCreate, a directory that is neither
// empty nor a layout is FailedPrecondition, found now.
absl::StatusOr<oci::Layout> LayoutToWrite(const std::string& dir) {
  if (Exists(JoinPath(dir, "oci-layout"))) return oci::Layout::Open(dir);
  if (Exists(dir)) {
    ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir));
    if (!names.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, ": exists, is not empty and is not an OCI image layout"));
    }
  }
  return oci::Layout::Unchecked(dir);
}

absl::StatusOr<std::unique_ptr<ImageSource>> OpenOciSource(const Location& location,
                                                          const OpenOptions&) {
  ASSIGN_OR_RETURN(PathRef where, SplitPathRef(location));
  ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::Open(where.path));
  return std::unique_ptr<ImageSource>(
      new LayoutSource(std::move(layout), location.String(),
                       ImageSource::RefKind::kTag, where.ref));
}

absl::StatusOr<std::unique_ptr<ImageDestination>> OpenOciDestination(
    const Location& location, const OpenOptions&) {
  ASSIGN_OR_RETURN(PathRef where, SplitPathRef(location));
  ASSIGN_OR_RETURN(oci::Layout layout, LayoutToWrite(where.path));
  LayoutWriter::Options options;
  options.create = true;
  return std::unique_ptr<ImageDestination>(new LayoutDestination(
      std::move(layout), location.String(), where.ref, options));
}

const bool registered = RegisterTransport(
    TransportInfo{"oci", "oci:DIR[:REF]", 0, OpenOciSource, OpenOciDestination});

}  // namespace
}  // namespace stowage::transport
