// `docker save` archives (skopeo's docker-archive: transport), converted to
// an OCI image layout on the way in and written from one on the way out.
//
// A docker archive lists its images in manifest.json:
//
//   [{"Config": "<path>", "RepoTags": ["busybox:latest", ...] or null,
//     "Layers": ["<path>", ...]}, ...]
//
// Paths are "<hex>.json" and "<id>/layer.tar" before Docker 25, and
// "blobs/sha256/<hex>" from Docker 25 on, where the archive is also an OCI
// image layout. Layers are tars, plain or compressed. An archive holds no
// image manifest: the one an image gets here is synthesized exactly as
// skopeo's docker-archive: source synthesizes it, so its digest is what
// `skopeo inspect docker-archive:FILE` prints, and differs from the digest
// the same image has in a registry (whose manifest lists compressed layers).

#ifndef STOWAGE_LIB_ARCHIVE_DOCKER_ARCHIVE_H_
#define STOWAGE_LIB_ARCHIVE_DOCKER_ARCHIVE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/archive/decompress.h"
#include "lib/oci/layout.h"

namespace stowage::archive {

// Converts the docker archive unpacked at `unpacked_dir` (see ExtractArchive
// with resolve_symlinks) into a new OCI image layout at `layout_dir`, which
// must be missing or empty. `archive` names the archive in errors.
//
// `ref` picks the images: "" every image; "@N" the Nth item of manifest.json
// (from 0, as skopeo's docker-archive:FILE:@N); otherwise a reference
// NAME[:TAG] (tag "latest" when none) that one of the image's RepoTags
// equals once both are normalized as Docker normalizes them ("busybox" is
// "docker.io/library/busybox:latest").
//
// Each image gets a Docker schema 2 manifest, byte for byte the one skopeo
// 1.9 synthesizes (`skopeo inspect --raw docker-archive:FILE:REF`): the
// config as the archive holds it (application/vnd.docker.container.image
// .v1+json), then one layer per diff_id of the config, in order, duplicates
// kept: the uncompressed tar, its digest the diff_id, its size the
// uncompressed size, its media type application/vnd.docker.image.rootfs
// .diff.tar.gzip (skopeo's choice, although the tar is not compressed).
// Layers stored compressed (gzip, zstd, xz or bzip2, told by their bytes)
// are decompressed; plain ones become hard links of the unpacked files.
// Every layer is hashed and must equal its diff_id, and the layout is made
// durable (syncfs) before this returns: its blobs need no further check.
// One deliberate difference from skopeo 1.9: a layer reached through a
// symbolic link gets its real size, where skopeo writes 0 (and then fails
// to copy that image).
//
// index.json gets, for each image converted, one entry per name, whose
// org.opencontainers.image.ref.name is the name without a registry host:
// "PATH:TAG" ("library/busybox:latest" for busybox:latest,
// "team/tool:1.0" for example.com:5000/team/tool:1.0). Names come from
// RepoTags; where that is empty or null, from the archive's `repositories`
// file (the tags it gives to the image's top layer). An image without any
// name gets one entry with no ref name.
//
// Errors, each one line naming `archive`: InvalidArgument when there is no
// manifest.json (not a docker archive) or `ref` is malformed; NotFound when
// `ref` matches nothing (the message lists what there is); DataLoss for
// malformed JSON, a path that leaves the archive or names nothing, a layer
// count that differs from the config's diff_ids, a layer whose content does
// not hash to its diff_id, or a compressed layer that is damaged, naming the
// manifest.json item (@N) and the entry.
absl::Status DockerArchiveToLayout(const std::string& archive,
                                   const std::string& unpacked_dir,
                                   absl::string_view ref,
                                   const std::string& layout_dir);

// What reading a docker archive needs of its entries, whether the archive
// is unpacked on disk or read in place (lib/transport/docker_archive.cc).
class DockerArchiveMembers {
 public:
  struct Facts {
    uint64_t size = 0;
    Compression compression = Compression::kNone;  // told by its first bytes
  };
  struct Digested {
    std::string digest;  // of the decompressed bytes
    uint64_t size = 0;
  };
  virtual ~DockerArchiveMembers() = default;
  // The bytes of a regular entry (manifest.json, repositories, a config).
  // NotFound when the archive has no such regular entry.
  virtual absl::StatusOr<std::string> Read(const std::string& name) = 0;
  // A regular entry's size and compression. NotFound as Read.
  virtual absl::StatusOr<Facts> Stat(const std::string& name) = 0;
  // Decompresses a compressed entry whole, keeping nothing: its digest and
  // size. DataLoss for a damaged stream.
  virtual absl::StatusOr<Digested> Decompress(const std::string& name) = 0;
};

// One layer of an image of a docker archive.
struct DockerLayer {
  std::string entry;    // the archive path of the layer file
  std::string diff_id;  // the digest of its uncompressed tar (the config's)
  int64_t size = 0;     // the size of its uncompressed tar
  Compression compression = Compression::kNone;  // how the entry holds it
};

// One image of a docker archive, as DockerArchiveToLayout converts it.
struct DockerImage {
  int index = 0;                   // its manifest.json item (@N)
  std::vector<std::string> names;  // store names; none: an unnamed image
  std::string config_entry;
  std::string config;              // its bytes
  std::string config_digest;
  std::vector<DockerLayer> layers;  // in order, duplicates kept
  std::string manifest;             // synthesized, skopeo's bytes
  std::string manifest_digest;
};

// What DockerArchiveToLayout makes of an archive, without writing anything:
// the images `ref` picks, their names, configs and synthesized manifests,
// and for each layer its entry and size. The bytes of plain layers are not
// read: their digests are the config's diff_ids, which whoever copies them
// must check; compressed layers are decompressed once, for their sizes, and
// checked. Errors as DockerArchiveToLayout's, except a plain layer whose
// bytes do not match.
absl::StatusOr<std::vector<DockerImage>> PlanDockerArchive(const std::string& archive,
                                                           DockerArchiveMembers& members,
                                                           absl::string_view ref);

// Writes the images that index.json of `layout` names as a docker archive
// at `archive_path`, replacing it atomically (nothing is left there on
// error). Each entry's ref name is written to RepoTags as it is (see
// DockerArchiveName); entries of one manifest digest become one image with
// several RepoTags, in index order. The archive holds manifest.json,
// `repositories` (each name's tag pointing at the top layer's chain ID, as
// skopeo writes it), each config unchanged as "<hex>.json" and each layer
// as an uncompressed "<diff_id hex>.tar": layers stored compressed are
// decompressed and must hash to their diff_id. The tree is staged in
// `work_dir` (an empty directory on the layout's filesystem; layer files
// are hard links where no decompression is needed) and packed as
// PackDirectory packs: sorted, owner 0:0, mtime $SOURCE_DATE_EPOCH or 0.
//
// Errors: FailedPrecondition for an entry that is an index (a docker
// archive holds one image per name, no manifest list) or not a container
// image (an artifact); InvalidArgument for an entry without a valid ref
// name; DataLoss for a layer that does not match its diff_id.
absl::Status LayoutToDockerArchive(const oci::Layout& layout,
                                   const std::string& work_dir,
                                   const std::string& archive_path);

// `repository:tag` as `docker save` writes a store name: "busybox:latest"
// for library/busybox, "team/app:v1" for team/app.
std::string FamiliarName(absl::string_view repository, absl::string_view tag);

// The RepoTags form of a reference given by a user, NAME[:TAG] with an
// optional registry host: familiar on Docker Hub ("busybox:latest" for
// docker.io/library/busybox), the host kept elsewhere, tag "latest" when
// none. InvalidArgument for an invalid reference or one with a digest.
absl::StatusOr<std::string> DockerArchiveName(absl::string_view text);

}  // namespace stowage::archive

#endif  // STOWAGE_LIB_ARCHIVE_DOCKER_ARCHIVE_H_
