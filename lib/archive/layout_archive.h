// Tar archives of OCI image layouts (skopeo's oci-archive: transport).

#ifndef STOWAGE_LIB_ARCHIVE_LAYOUT_ARCHIVE_H_
#define STOWAGE_LIB_ARCHIVE_LAYOUT_ARCHIVE_H_

#include <string>

#include "absl/status/status.h"

namespace stowage::archive {

// Unpacks the tar at `archive_path` (plain, gzip, zstd, xz or bzip2, as
// libarchive detects) into the existing empty directory `dest`. Refuses,
// with DataLoss naming the archive and the entry, anything that could land
// outside `dest` or is no part of a layout: absolute names, ".."
// components, symbolic links, hard links to names outside the archive,
// devices and FIFOs, and duplicate entries. A truncated or corrupt archive
// is DataLoss too. On error `dest` may hold a partial tree: the caller owns
// and removes it.
absl::Status ExtractArchive(const std::string& archive_path,
                            const std::string& dest);

// Writes the tree under `src_dir` as a tar to `archive_path`, replacing it
// atomically. Deterministic: entries sorted by name, owner 0:0 with no names,
// modes 0755 (folders) and 0644 (files), and mtime $SOURCE_DATE_EPOCH or 0.
absl::Status PackDirectory(const std::string& src_dir,
                           const std::string& archive_path);

}  // namespace stowage::archive

#endif  // STOWAGE_LIB_ARCHIVE_LAYOUT_ARCHIVE_H_
