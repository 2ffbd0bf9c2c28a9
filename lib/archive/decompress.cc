#include "lib/archive/decompress.h"

#include <archive.h>

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/archive/internal/handles.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"

namespace stowage::archive {

absl::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kXz:
      return "xz";
    case Compression::kBzip2:
      return "bzip2";
    case Compression::kNone:
      break;
  }
  return "none";
}

Compression DetectCompression(absl::string_view head) {
  // The magic numbers containers/image's AutoDecompress knows, so a layer
  // skopeo would decompress is decompressed here too.
  if (absl::StartsWith(head, absl::string_view("\x1f\x8b", 2))) {
    return Compression::kGzip;
  }
  if (absl::StartsWith(head, absl::string_view("\x28\xb5\x2f\xfd", 4))) {
    return Compression::kZstd;
  }
  if (absl::StartsWith(head, absl::string_view("\xfd" "7zXZ\x00", 6))) {
    return Compression::kXz;
  }
  if (absl::StartsWith(head, "BZh")) return Compression::kBzip2;
  return Compression::kNone;
}

absl::StatusOr<Compression> DetectFileCompression(const std::string& path) {
  ASSIGN_OR_RETURN(Fd fd, OpenForRead(path));
  char head[6];
  size_t got = 0;
  while (got < sizeof head) {
    ASSIGN_OR_RETURN(size_t n, ReadSome(fd, path, head + got, sizeof head - got));
    if (n == 0) break;
    got += n;
  }
  return DetectCompression(absl::string_view(head, got));
}

absl::StatusOr<uint64_t> ReadDecompressed(
    const std::string& path,
    const std::function<absl::Status(absl::string_view)>& sink) {
  internal::ReadArchive a(archive_read_new());
  // The raw format hands over the filtered (decompressed) stream as one
  // entry: libarchive's decompressors without its tar parser.
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 20) != ARCHIVE_OK) {
    if (!Exists(path)) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return internal::ArchiveError(path, a.get());
  }
  struct archive_entry* entry = nullptr;
  int rc = archive_read_next_header(a.get(), &entry);
  if (rc == ARCHIVE_EOF) return 0;  // an empty file
  if (rc < ARCHIVE_WARN) return internal::ArchiveError(path, a.get());
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  uint64_t total = 0;
  while (true) {
    la_ssize_t n = archive_read_data(a.get(), buf.get(), 1 << 20);
    if (n < 0) return internal::ArchiveError(path, a.get());
    if (n == 0) break;
    RETURN_IF_ERROR(sink(absl::string_view(buf.get(), static_cast<size_t>(n))));
    total += static_cast<uint64_t>(n);
  }
  return total;
}

}  // namespace stowage::archive
