// Transports: where images come from and go to, named as skopeo names them.
//
//   oci:DIR[:REF]               an OCI image layout directory
//   oci-archive:FILE[:REF]      a tar of one (plain, gzip, zstd, ... on read)
//   docker-archive:FILE[:REF]   a `docker save` tar (lib/archive/docker_archive.h)
//
// REF is an index.json entry's org.opencontainers.image.ref.name; for a
// docker archive, a RepoTag NAME[:TAG] or @N (the Nth image) when reading
// and the NAME:TAG to write. It runs from the first ':' after the path to
// the end, so it may itself hold ':' (oci:STORE:library/python:3.12), and
// the path cannot.

#ifndef STOWAGE_LIB_TRANSPORT_TRANSPORT_H_
#define STOWAGE_LIB_TRANSPORT_TRANSPORT_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/base/progress.h"
#include "lib/oci/layout.h"

namespace stowage::transport {

enum class Kind { kOciDir, kOciArchive, kDockerArchive };

struct Location {
  Kind kind = Kind::kOciDir;
  std::string path;
  std::string ref;  // "" when none was given

  std::string String() const;
};

// InvalidArgument for an unknown transport or an empty path, naming the
// transports there are.
absl::StatusOr<Location> ParseLocation(absl::string_view text);

// A source opened for reading as a layout on disk. An archive is unpacked
// into a private directory under `scratch` (on the destination's filesystem,
// so blobs can be linked, not copied), removed again on destruction. A
// docker archive is unpacked there and converted into an OCI layout (see
// DockerArchiveToLayout): only the images its REF picks (all without one),
// each entry named with its RepoTag as a store name.
class Source {
 public:
  // `progress`, when given, is told how far unpacking an archive has come.
  static absl::StatusOr<Source> Open(const Location& location,
                                     const std::string& scratch,
                                     Progress* progress = nullptr);
  ~Source();
  Source(Source&& other) noexcept;
  Source(const Source&) = delete;

  const oci::Layout& layout() const { return *layout_; }
  // True when the layout is a private unpacked copy (safe to link from).
  bool unpacked() const { return !staging_.empty(); }
  // True when every blob was hashed against its digest and made durable
  // while the source was prepared (a converted docker archive): a copy may
  // link them without hashing them again.
  bool verified() const { return verified_; }

 private:
  Source() = default;
  std::optional<oci::Layout> layout_;
  std::string staging_;
  bool verified_ = false;
};

// A destination written as a layout on disk. For a directory, the layout
// itself (created if missing, added to if it exists). For an archive, a
// private layout under `scratch` that Finish() packs into the file
// atomically; if the archive file exists, its images are kept and the new
// ones added, as with a directory. A docker archive is staged as a layout
// too, then written whole by Finish() (LayoutToDockerArchive): an existing
// file is replaced, not added to, as `docker save -o` replaces it; each
// index entry's ref name is the image's RepoTag.
class Destination {
 public:
  static absl::StatusOr<Destination> Open(const Location& location,
                                          const std::string& scratch);
  ~Destination();
  Destination(Destination&& other) noexcept;
  Destination(const Destination&) = delete;

  const oci::Layout& layout() const { return *layout_; }
  // Makes the result visible: packs an archive; nothing for a directory.
  absl::Status Finish();

 private:
  Destination() = default;
  Location location_;
  std::optional<oci::Layout> layout_;
  std::string staging_;
};

}  // namespace stowage::transport

#endif  // STOWAGE_LIB_TRANSPORT_TRANSPORT_H_
