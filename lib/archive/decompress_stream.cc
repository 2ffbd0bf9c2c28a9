#include "lib/archive/decompress_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/archive/internal/handles.h"
#include "lib/base/status_macros.h"

namespace stowage::archive {
namespace {

constexpr size_t kBuffer = 256 << 10;
// DetectCompression needs six bytes at most.
constexpr size_t kHead = 6;

// Enables libarchive's decompressor for `c` alone, and libarchive's
// own (in-process) one only: the Support calls return ARCHIVE_WARN when
// they would run an external program instead.
bool SupportFilter(struct archive* a, Compression c, int* code) {
  switch (c) {
    case Compression::kGzip:
      *code = ARCHIVE_FILTER_GZIP;
      return archive_read_support_filter_gzip(a) == ARCHIVE_OK;
    case Compression::kZstd:
      *code = ARCHIVE_FILTER_ZSTD;
      return archive_read_support_filter_zstd(a) == ARCHIVE_OK;
    case Compression::kXz:
      *code = ARCHIVE_FILTER_XZ;
      return archive_read_support_filter_xz(a) == ARCHIVE_OK;
    case Compression::kBzip2:
      *code = ARCHIVE_FILTER_BZIP2;
      return archive_read_support_filter_bzip2(a) == ARCHIVE_OK;
    case Compression::kNone:
      break;
  }
  return false;
}

}  // namespace

struct DecompressedSource::Impl {
  ByteSource* source = nullptr;
  std::string name;
  Compression compression = Compression::kNone;
  std::string head;  // the bytes read to detect the compression
  size_t head_used = 0;
  uint64_t compressed_bytes = 0;
  internal::ReadArchive a;  // null when passing through
  std::unique_ptr<char[]> buf;
  absl::Status source_error;
  absl::Status failed;  // sticky: the first error Read returned
  bool at_end = false;

  // The source's own error when it failed, else libarchive's, as DataLoss.
  absl::Status Error() const {
    if (!source_error.ok()) return source_error;
    const char* msg = archive_error_string(a.get());
    return absl::DataLossError(absl::StrCat(
        name, ": damaged or truncated ", CompressionName(compression),
        " stream (", msg != nullptr ? msg : "unreadable", ")"));
  }

  // Up to `size` more bytes of the source: the head first, then the rest.
  absl::StatusOr<size_t> ReadSource(char* out, size_t size) {
    if (head_used < head.size()) {
      size_t n = std::min(size, head.size() - head_used);
      memcpy(out, head.data() + head_used, n);
      head_used += n;
      return n;
    }
    ASSIGN_OR_RETURN(size_t n, source->Read(out, size));
    compressed_bytes += n;
    return n;
  }
};

DecompressedSource::DecompressedSource(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
DecompressedSource::~DecompressedSource() = default;

absl::StatusOr<std::unique_ptr<DecompressedSource>> DecompressedSource::Open(
    ByteSource* source, std::string name) {
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  impl->name = std::move(name);
  impl->buf.reset(new char[kBuffer]);
  char head[kHead];
  size_t got = 0;
  while (got < kHead) {
    ASSIGN_OR_RETURN(size_t n, source->Read(head + got, kHead - got));
    if (n == 0) break;
    got += n;
  }
  impl->head.assign(head, got);
  impl->compressed_bytes = got;
  impl->compression = DetectCompression(impl->head);
  if (impl->compression == Compression::kNone) {
    return std::unique_ptr<DecompressedSource>(new DecompressedSource(std::move(impl)));
  }

  impl->a.reset(archive_read_new());
  struct archive* a = impl->a.get();
  int code = 0;
  if (!SupportFilter(a, impl->compression, &code)) {
    return absl::InternalError(
        absl::StrCat(impl->name, ": this libarchive cannot decompress ",
                     CompressionName(impl->compression), " in-process"));
  }
  // The raw format hands over the decompressed stream as one entry; the
  // empty format lets a stream that decompresses to nothing end cleanly
  // (the raw format does not bid on an empty stream).
  archive_read_support_format_raw(a);
  archive_read_support_format_empty(a);
  auto read = [](struct archive*, void* self, const void** out) -> la_ssize_t {
    Impl* impl = static_cast<Impl*>(self);
    absl::StatusOr<size_t> n = impl->ReadSource(impl->buf.get(), kBuffer);
    if (!n.ok()) {
      if (impl->source_error.ok()) impl->source_error = n.status();
      archive_set_error(impl->a.get(), EIO, "%s",
                        std::string(n.status().message()).c_str());
      return -1;
    }
    *out = impl->buf.get();
    return static_cast<la_ssize_t>(*n);
  };
  archive_read_set_callback_data(a, impl.get());
  archive_read_set_read_callback(a, read);
  if (archive_read_open1(a) != ARCHIVE_OK) return impl->Error();
  // The magic number matched but libarchive's decompressor did not take the
  // stream (a damaged header): never hand the compressed bytes on as plain.
  if (archive_filter_count(a) != 2 || archive_filter_code(a, 0) != code) {
    return absl::DataLossError(absl::StrCat(
        impl->name, ": starts as a ", CompressionName(impl->compression),
        " stream but is not one"));
  }
  struct archive_entry* entry = nullptr;
  int rc = archive_read_next_header(a, &entry);
  if (rc == ARCHIVE_EOF) {
    impl->at_end = true;
  } else if (rc < ARCHIVE_WARN) {
    return impl->Error();
  }
  return std::unique_ptr<DecompressedSource>(new DecompressedSource(std::move(impl)));
}

Compression DecompressedSource::compression() const { return impl_->compression; }

uint64_t DecompressedSource::compressed_bytes() const {
  return impl_->compressed_bytes;
}

absl::StatusOr<size_t> DecompressedSource::Read(char* buf, size_t size) {
  Impl& impl = *impl_;
  if (!impl.failed.ok()) return impl.failed;
  if (impl.at_end || size == 0) return 0;
  if (impl.a == nullptr) {
    absl::StatusOr<size_t> n = impl.ReadSource(buf, size);
    if (!n.ok()) {
      impl.failed = n.status();
      return impl.failed;
    }
    if (*n == 0) impl.at_end = true;
    return n;
  }
  la_ssize_t n = archive_read_data(impl.a.get(), buf, size);
  if (n < 0) {
    impl.failed = impl.Error();
    return impl.failed;
  }
  if (n == 0) impl.at_end = true;
  return static_cast<size_t>(n);
}

}  // namespace stowage::archive
