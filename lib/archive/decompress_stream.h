// A compressed stream read back plain as it arrives, from any ByteSource:
// a `docker save` layer converted on the fly, straight out of the archive,
// without a decompressed copy on disk.

#ifndef STOWAGE_LIB_ARCHIVE_DECOMPRESS_STREAM_H_
#define STOWAGE_LIB_ARCHIVE_DECOMPRESS_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lib/archive/decompress.h"
#include "lib/archive/tar_stream.h"

namespace stowage::archive {

// The decompressed bytes of a ByteSource. Memory stays bounded (a buffer of
// 256 KiB and the decompressor's own state) whatever the stream's size or
// ratio. Not thread-safe: use one from one thread.
//
// Damage is found as far as libarchive's decompressors find it: xz and
// bzip2 check their own checksums, zstd those of frames that carry one;
// libarchive's gzip reader checks no CRC32 or length, so a flipped byte
// inside a gzip stream may come out as different bytes rather than an
// error. Callers that know a digest of either side must check it.
class DecompressedSource : public ByteSource {
 public:
  // Reads the first bytes of `source`, which must outlive the returned
  // reader, and tells its compression from them (DetectCompression): a
  // gzip, zstd, xz or bzip2 stream is decompressed, anything else is passed
  // through byte for byte. `name` names the stream in errors. A stream that
  // starts with a compression's magic number but is not one is DataLoss
  // "<name>: ..."; an error of `source` is returned as the source gave it.
  static absl::StatusOr<std::unique_ptr<DecompressedSource>> Open(
      ByteSource* source, std::string name);
  ~DecompressedSource() override;
  DecompressedSource(const DecompressedSource&) = delete;
  DecompressedSource& operator=(const DecompressedSource&) = delete;

  // What Open found: kNone when the bytes are passed through.
  Compression compression() const;

  // Reads up to `size` decompressed bytes into `buf`; returns how many, 0 at
  // the end of the stream (and after it). A damaged or truncated stream is
  // DataLoss "<name>: damaged or truncated <gzip|zstd|xz|bzip2> stream
  // (<what libarchive says>)"; an error of the source is returned as it gave
  // it. After an error the reader is done: every later Read fails the same.
  absl::StatusOr<size_t> Read(char* buf, size_t size) override;

  // How many bytes have been taken from the source so far.
  uint64_t compressed_bytes() const;

 private:
  struct Impl;
  explicit DecompressedSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stowage::archive

#endif  // STOWAGE_LIB_ARCHIVE_DECOMPRESS_STREAM_H_
