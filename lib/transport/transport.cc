#include "lib/transport/transport.h"

#include <stdlib.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/archive/docker_archive.h"
#include "lib/archive/layout_archive.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"

namespace stowage::transport {
namespace {

absl::StatusOr<std::string> MakeStaging(const std::string& scratch) {
  RETURN_IF_ERROR(MakeDirs(scratch));
  std::string tmpl = JoinPath(scratch, "transfer-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) return ErrnoStatus(tmpl, errno);
  return tmpl;
}

absl::string_view Prefix(Kind kind) {
  switch (kind) {
    case Kind::kOciArchive:
      return "oci-archive:";
    case Kind::kDockerArchive:
      return "docker-archive:";
    case Kind::kOciDir:
      break;
  }
  return "oci:";
}

}  // namespace

std::string Location::String() const {
  std::string out = absl::StrCat(Prefix(kind), path);
  if (!ref.empty()) absl::StrAppend(&out, ":", ref);
  return out;
}

absl::StatusOr<Location> ParseLocation(absl::string_view text) {
  Location loc;
  absl::string_view rest;
  if (absl::StartsWith(text, "oci:")) {
    loc.kind = Kind::kOciDir;
    rest = text.substr(4);
  } else if (absl::StartsWith(text, "oci-archive:")) {
    loc.kind = Kind::kOciArchive;
    rest = text.substr(12);
  } else if (absl::StartsWith(text, "docker-archive:")) {
    loc.kind = Kind::kDockerArchive;
    rest = text.substr(15);
  } else {
    size_t colon = text.find(':');
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\": ",
        colon == absl::string_view::npos
            ? "no transport"
            : absl::StrCat("unknown transport \"", text.substr(0, colon), "\""),
        "; use oci:DIR[:REF], oci-archive:FILE[:REF] or "
        "docker-archive:FILE[:REF]"));
  }
  size_t colon = rest.find(':');
  loc.path = std::string(rest.substr(0, colon));
  if (colon != absl::string_view::npos) loc.ref = std::string(rest.substr(colon + 1));
  if (loc.path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": the path is empty"));
  }
  if (colon != absl::string_view::npos && loc.ref.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": empty reference after ':'"));
  }
  return loc;
}

absl::StatusOr<Source> Source::Open(const Location& location,
                                    const std::string& scratch, Progress* progress) {
  Source source;
  if (location.kind == Kind::kOciDir) {
    ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::Open(location.path));
    source.layout_ = std::move(layout);
    return source;
  }
  if (!Exists(location.path)) {
    return absl::NotFoundError(absl::StrCat(location.path, ": no such file"));
  }
  ASSIGN_OR_RETURN(source.staging_, MakeStaging(scratch));
  if (location.kind == Kind::kDockerArchive) {
    std::string unpacked = JoinPath(source.staging_, "archive");
    std::string converted = JoinPath(source.staging_, "layout");
    RETURN_IF_ERROR(MakeDirs(unpacked));
    archive::ExtractOptions options;
    options.resolve_symlinks = true;  // old docker save links shared layers
    options.progress = progress;
    RETURN_IF_ERROR(archive::ExtractArchive(location.path, unpacked, options));
    RETURN_IF_ERROR(archive::DockerArchiveToLayout(location.path, unpacked,
                                                   location.ref, converted));
    // The layout links what it needs; the rest goes now, not at the end.
    RETURN_IF_ERROR(RemoveAll(unpacked));
    ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::Open(converted));
    source.layout_ = std::move(layout);
    source.verified_ = true;
    return source;
  }
  archive::ExtractOptions options;
  options.progress = progress;
  RETURN_IF_ERROR(archive::ExtractArchive(location.path, source.staging_, options));
  absl::StatusOr<oci::Layout> layout = oci::Layout::Open(source.staging_);
  if (!layout.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        location.path, ": the archive holds no OCI image layout (no "
                       "oci-layout file at its top)"));
  }
  source.layout_ = std::move(*layout);
  return source;
}

Source::Source(Source&& other) noexcept
    : layout_(std::move(other.layout_)),
      staging_(std::move(other.staging_)),
      verified_(other.verified_) {
  other.staging_.clear();
}

Source::~Source() {
  if (!staging_.empty()) RemoveAll(staging_).IgnoreError();
}

absl::StatusOr<Destination> Destination::Open(const Location& location,
                                              const std::string& scratch) {
  Destination dest;
  dest.location_ = location;
  if (location.kind == Kind::kOciDir) {
    ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::OpenOrCreate(location.path));
    dest.layout_ = std::move(layout);
    return dest;
  }
  ASSIGN_OR_RETURN(dest.staging_, MakeStaging(scratch));
  if (location.kind == Kind::kDockerArchive) {
    // Staged as a layout (blobs linked from the store), written by Finish.
    ASSIGN_OR_RETURN(oci::Layout layout,
                     oci::Layout::OpenOrCreate(JoinPath(dest.staging_, "layout")));
    dest.layout_ = std::move(layout);
    return dest;
  }
  if (Exists(location.path)) {
    RETURN_IF_ERROR(archive::ExtractArchive(location.path, dest.staging_));
  }
  ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::OpenOrCreate(dest.staging_));
  dest.layout_ = std::move(layout);
  return dest;
}

Destination::Destination(Destination&& other) noexcept
    : location_(std::move(other.location_)),
      layout_(std::move(other.layout_)),
      staging_(std::move(other.staging_)) {
  other.staging_.clear();
}

Destination::~Destination() {
  if (!staging_.empty()) RemoveAll(staging_).IgnoreError();
}

absl::Status Destination::Finish() {
  if (location_.kind == Kind::kOciDir) return absl::OkStatus();
  if (location_.kind == Kind::kDockerArchive) {
    std::string tree = JoinPath(staging_, "tree");
    RETURN_IF_ERROR(MakeDirs(tree));
    return archive::LayoutToDockerArchive(*layout_, tree, location_.path);
  }
  return archive::PackDirectory(staging_, location_.path);
}

}  // namespace stowage::transport
