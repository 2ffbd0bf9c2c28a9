// Tar archives as streams: written to, and read from, any byte stream (a
// file, a pipe, a set of numbered parts) one entry at a time, so no entry is
// ever held in memory whole. The whole stream may be compressed (gzip,
// zstd); readers detect the compression.
//
// Written archives are deterministic: the caller decides the order of
// entries; owner 0:0 without names, modes 0755 (folders) and 0644 (files),
// mtime DeterministicMtime().
//
// A TarWriter or TarReader is not thread-safe; use each from one thread.

#ifndef STOWAGE_LIB_ARCHIVE_TAR_STREAM_H_
#define STOWAGE_LIB_ARCHIVE_TAR_STREAM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/archive/decompress.h"
#include "lib/fs/file.h"

namespace stowage::archive {

// Where a TarWriter's bytes go.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual absl::Status Write(absl::string_view data) = 0;
};

// Where a TarReader's bytes come from.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `size` bytes into `buf`; returns how many, 0 at the end.
  virtual absl::StatusOr<size_t> Read(char* buf, size_t size) = 0;
  // Skips up to `size` bytes without reading them, where the source can
  // (a seekable file); returns how many were skipped, 0 when it cannot (the
  // reader then reads and drops them).
  virtual absl::StatusOr<uint64_t> Skip(uint64_t /*size*/) { return 0; }
};

// A ByteSink writing to an open file or pipe.
class FdSink : public ByteSink {
 public:
  // `fd` must outlive the sink; `name` names it in errors.
  FdSink(const Fd* fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  absl::Status Write(absl::string_view data) override;

 private:
  const Fd* fd_;
  std::string name_;
};

// A ByteSource reading an open file or pipe; it skips by seeking when the
// file is a regular file, never past its end.
class FdSource : public ByteSource {
 public:
  // `name` names the file in errors.
  FdSource(Fd fd, std::string name);
  absl::StatusOr<size_t> Read(char* buf, size_t size) override;
  absl::StatusOr<uint64_t> Skip(uint64_t size) override;

 private:
  Fd fd_;
  std::string name_;
  bool seekable_ = false;
};

// The compressions a TarWriter writes, by CompressionName: "none", "gzip"
// or "zstd"; InvalidArgument naming the choices otherwise.
absl::StatusOr<Compression> ParseCompression(absl::string_view name);

// $SOURCE_DATE_EPOCH when it is a non-negative integer, else 0.
int64_t DeterministicMtime();

class TarWriter {
 public:
  // A pax (restricted: plain ustar unless a name or size needs more) tar
  // written to `sink`, which must outlive the writer, compressed as asked
  // (xz and bzip2 are InvalidArgument: stowage reads them, never writes).
  // `name` names the output in errors.
  static absl::StatusOr<std::unique_ptr<TarWriter>> Open(ByteSink* sink,
                                                         Compression compression,
                                                         std::string name);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  absl::Status AddDirectory(const std::string& name);
  absl::Status AddFile(const std::string& name, absl::string_view data);
  // Streams the entry from `fd` (named `path` in errors), which must hold
  // exactly `size` more bytes: DataLoss when it holds fewer or more.
  absl::Status AddFileFrom(const std::string& name, const Fd& fd,
                           const std::string& path, uint64_t size);
  // The same from any reader (up to n bytes into buf; 0 at its end), which
  // is read once more after `size` bytes and must then end.
  using ReadFn = std::function<absl::StatusOr<size_t>(char* buf, size_t n)>;
  absl::Status AddFileFrom(const std::string& name, const ReadFn& read,
                           const std::string& path, uint64_t size);
  // Ends the archive and the compressed stream, and writes what is left to
  // the sink. The sink holds the complete archive only after an OK Close().
  absl::Status Close();

 private:
  struct Impl;
  explicit TarWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct TarEntry {
  std::string name;  // clean and relative (CleanEntryName), "." for the top
  bool is_dir = false;
  uint64_t size = 0;
};

class TarReader {
 public:
  // Reads a tar from `source`, which must outlive the reader; gzip, zstd,
  // xz and bzip2 are detected and undone. `name` names the stream in errors.
  static absl::StatusOr<std::unique_ptr<TarReader>> Open(ByteSource* source,
                                                         std::string name);
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  // Moves to the next entry (skipping what is left of the current one).
  // Returns false at the end of the archive. Entries are regular files and
  // folders only: DataLoss naming the stream and the entry for a name that
  // leaves the archive (CleanEntryName), a link, a device or a FIFO.
  // DataLoss for a damaged or truncated stream; an error of the source is
  // returned as the source gave it.
  absl::StatusOr<bool> Next(TarEntry* entry);
  // Reads up to `size` bytes of the current entry's data; 0 at its end.
  // DataLoss naming the entry when the stream ends or breaks inside it.
  absl::StatusOr<size_t> Read(char* buf, size_t size);
  // Skips the rest of the current entry's data (by seeking when the source
  // can and the stream is not compressed).
  absl::Status Skip();

 private:
  struct Impl;
  explicit TarReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stowage::archive

#endif  // STOWAGE_LIB_ARCHIVE_TAR_STREAM_H_
