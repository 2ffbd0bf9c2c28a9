// Tar archives of OCI image layouts (skopeo's oci-archive: transport), and
// the safe unpacking that `docker save` archives share with them.

#ifndef STOWAGE_LIB_ARCHIVE_LAYOUT_ARCHIVE_H_
#define STOWAGE_LIB_ARCHIVE_LAYOUT_ARCHIVE_H_

#include <string>

#include "absl/status/status.h"
#include "lib/base/progress.h"

namespace stowage::archive {

struct ExtractOptions {
  // Old `docker save` archives hold a layer they have already written as a
  // symbolic link to it (<id>/layer.tar -> ../<other id>/layer.tar). With
  // this set, a relative symbolic link whose target, read from the link's
  // folder, is a regular file of the archive becomes a hard link to that
  // file; no symbolic link is ever made on disk. Links that are absolute,
  // climb out of the archive, or name a folder, a missing file or a loop are
  // refused as any link is without it.
  bool resolve_symlinks = false;
  // Told the archive file's size (Start with 0 blobs), then how many of its
  // bytes have been read (AddBytes), as the entries are unpacked.
  Progress* progress = nullptr;
};

// Unpacks the tar at `archive_path` (plain, gzip, zstd, xz or bzip2, as
// libarchive detects) into the existing empty directory `dest`. Refuses,
// with DataLoss naming the archive and the entry, anything that could land
// outside `dest` or is no part of a layout: absolute names, ".."
// components, symbolic links (but see ExtractOptions), hard links to names
// outside the archive, devices and FIFOs, and duplicate entries. A
// truncated or corrupt archive is DataLoss too. On error `dest` may hold a
// partial tree: the caller owns and removes it.
absl::Status ExtractArchive(const std::string& archive_path,
                            const std::string& dest,
                            const ExtractOptions& options = {});

// Writes the tree under `src_dir` as a tar to `archive_path`, replacing it
// atomically. Deterministic: entries sorted by name, owner 0:0 with no names,
// modes 0755 (folders) and 0644 (files), and mtime $SOURCE_DATE_EPOCH or 0.
absl::Status PackDirectory(const std::string& src_dir,
                           const std::string& archive_path);

}  // namespace stowage::archive

#endif  // STOWAGE_LIB_ARCHIVE_LAYOUT_ARCHIVE_H_
