// Compressed streams told apart by their content, and read back plain.
// Layers in `docker save` archives and in layouts may be stored plain or
// compressed whatever their names or media types say; these functions look
// at the bytes.

#ifndef STOWAGE_LIB_ARCHIVE_DECOMPRESS_H_
#define STOWAGE_LIB_ARCHIVE_DECOMPRESS_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace stowage::archive {

enum class Compression { kNone, kGzip, kZstd, kXz, kBzip2 };

// "gzip", "zstd", "xz", "bzip2" or "none".
absl::string_view CompressionName(Compression c);

// The compression whose magic number `head` (the first bytes of a stream;
// six are enough) starts with, kNone for anything else.
Compression DetectCompression(absl::string_view head);

// The compression of the file at `path`, from its first bytes (errno
// statuses from lib/fs when it cannot be read).
absl::StatusOr<Compression> DetectFileCompression(const std::string& path);

// Reads the file at `path`, compressed with gzip, zstd, xz or bzip2, and
// passes its decompressed bytes to `sink` in order, in pieces of at most
// 1 MiB; stops at the first error `sink` returns and returns it. A damaged
// or truncated stream is DataLoss "<path>: <what libarchive says>". Memory
// stays bounded whatever the size. Returns the number of decompressed bytes.
absl::StatusOr<uint64_t> ReadDecompressed(
    const std::string& path,
    const std::function<absl::Status(absl::string_view)>& sink);

}  // namespace stowage::archive

#endif  // STOWAGE_LIB_ARCHIVE_DECOMPRESS_H_
