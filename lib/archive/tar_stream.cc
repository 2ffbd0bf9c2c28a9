#include "lib/archive/tar_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/archive/entry_name.h"
#include "lib/archive/internal/handles.h"
#include "lib/base/status_macros.h"

namespace stowage::archive {
namespace {

constexpr size_t kChunk = 1 << 20;

std::string LibarchiveMessage(struct archive* a) {
  const char* msg = archive_error_string(a);
  return msg != nullptr ? msg : "unreadable archive";
}

}  // namespace

absl::Status FdSink::Write(absl::string_view data) {
  return WriteAll(*fd_, name_, data);
}

FdSource::FdSource(Fd fd, std::string name)
    : fd_(std::move(fd)), name_(std::move(name)) {
  struct stat st;
  seekable_ = fstat(fd_.get(), &st) == 0 && S_ISREG(st.st_mode);
}

absl::StatusOr<size_t> FdSource::Read(char* buf, size_t size) {
  return ReadSome(fd_, name_, buf, size);
}

absl::StatusOr<uint64_t> FdSource::Skip(uint64_t size) {
  if (!seekable_) return 0;
  struct stat st;
  if (fstat(fd_.get(), &st) != 0) return ErrnoStatus(name_, errno);
  off_t here = lseek(fd_.get(), 0, SEEK_CUR);
  if (here < 0) return ErrnoStatus(name_, errno);
  // Never past the end: a short skip lets the reader see the truncation.
  uint64_t left = st.st_size > here ? static_cast<uint64_t>(st.st_size - here) : 0;
  uint64_t n = std::min(size, left);
  if (n == 0) return 0;
  if (lseek(fd_.get(), static_cast<off_t>(n), SEEK_CUR) < 0) {
    return ErrnoStatus(name_, errno);
  }
  return n;
}

absl::StatusOr<Compression> ParseCompression(absl::string_view name) {
  if (name == "none") return Compression::kNone;
  if (name == "gzip") return Compression::kGzip;
  if (name == "zstd") return Compression::kZstd;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown compression \"", name, "\"; use zstd, gzip or none"));
}

int64_t DeterministicMtime() {
  int64_t mtime = 0;
  if (const char* epoch = getenv("SOURCE_DATE_EPOCH"); epoch != nullptr) {
    if (!absl::SimpleAtoi(epoch, &mtime) || mtime < 0) mtime = 0;
  }
  return mtime;
}

// ------------------------------------------------------------------ writer

struct TarWriter::Impl {
  internal::WriteArchive a;
  ByteSink* sink = nullptr;
  std::string name;
  absl::Status sink_error;
  int64_t mtime = 0;
  bool closed = false;
  std::unique_ptr<char[]> buf;

  // The sink's own error when it failed, else libarchive's.
  absl::Status Error() const {
    if (!sink_error.ok()) return sink_error;
    return absl::InternalError(
        absl::StrCat(name, ": writing the archive: ", LibarchiveMessage(a.get())));
  }

  absl::Status Header(const std::string& entry, bool dir, uint64_t size) {
    if (closed) {
      return absl::FailedPreconditionError(absl::StrCat(name, ": already closed"));
    }
    internal::Entry e(archive_entry_new());
    archive_entry_set_pathname(e.get(), entry.c_str());
    archive_entry_set_mtime(e.get(), mtime, 0);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    if (dir) {
      archive_entry_set_filetype(e.get(), AE_IFDIR);
      archive_entry_set_perm(e.get(), 0755);
    } else {
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_perm(e.get(), 0644);
      archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    }
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) return Error();
    return absl::OkStatus();
  }

  absl::Status Data(const char* data, size_t size) {
    while (size > 0) {
      la_ssize_t n = archive_write_data(a.get(), data, size);
      if (n <= 0) return Error();
      data += n;
      size -= static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }
};

TarWriter::TarWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TarWriter::~TarWriter() {
  // Abandoned: mark the archive failed so that freeing it writes no
  // end-of-archive marker into the sink.
  if (impl_ != nullptr && impl_->a != nullptr && !impl_->closed) {
    archive_write_fail(impl_->a.get());
  }
}

absl::StatusOr<std::unique_ptr<TarWriter>> TarWriter::Open(ByteSink* sink,
                                                          Compression compression,
                                                          std::string name) {
  auto impl = std::make_unique<Impl>();
  impl->a.reset(archive_write_new());
  impl->sink = sink;
  impl->name = std::move(name);
  impl->mtime = DeterministicMtime();
  impl->buf.reset(new char[kChunk]);
  struct archive* a = impl->a.get();
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) return impl->Error();
  switch (compression) {
    case Compression::kNone:
      break;
    case Compression::kGzip:
      if (archive_write_add_filter_gzip(a) != ARCHIVE_OK) return impl->Error();
      // No time in the gzip header: the same input gives the same bytes.
      if (archive_write_set_filter_option(a, "gzip", "timestamp", nullptr) <
          ARCHIVE_WARN) {
        return impl->Error();
      }
      break;
    case Compression::kZstd:
      if (archive_write_add_filter_zstd(a) != ARCHIVE_OK) return impl->Error();
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(impl->name, ": stowage writes ", CompressionName(compression),
                       " streams only as none, gzip or zstd"));
  }
  // No blocking: the stream ends where the archive ends (a padded last
  // block would be garbage after a compressed stream), and the sink sees
  // every byte as it is made.
  archive_write_set_bytes_per_block(a, 0);
  archive_write_set_bytes_in_last_block(a, 1);
  auto write = [](struct archive*, void* self, const void* data,
                  size_t size) -> la_ssize_t {
    Impl* impl = static_cast<Impl*>(self);
    absl::Status s = impl->sink->Write(
        absl::string_view(static_cast<const char*>(data), size));
    if (!s.ok()) {
      if (impl->sink_error.ok()) impl->sink_error = s;
      archive_set_error(impl->a.get(), EIO, "%s",
                        std::string(s.message()).c_str());
      return -1;
    }
    return static_cast<la_ssize_t>(size);
  };
  if (archive_write_open(a, impl.get(), nullptr, write, nullptr) != ARCHIVE_OK) {
    return impl->Error();
  }
  return std::unique_ptr<TarWriter>(new TarWriter(std::move(impl)));
}

absl::Status TarWriter::AddDirectory(const std::string& name) {
  return impl_->Header(name, /*dir=*/true, 0);
}

absl::Status TarWriter::AddFile(const std::string& name, absl::string_view data) {
  RETURN_IF_ERROR(impl_->Header(name, /*dir=*/false, data.size()));
  return impl_->Data(data.data(), data.size());
}

absl::Status TarWriter::AddFileFrom(const std::string& name, const Fd& fd,
                                    const std::string& path, uint64_t size) {
  return AddFileFrom(
      name, [&](char* buf, size_t n) { return ReadSome(fd, path, buf, n); }, path, size);
}

absl::Status TarWriter::AddFileFrom(const std::string& name, const ReadFn& read,
                                    const std::string& path, uint64_t size) {
  RETURN_IF_ERROR(impl_->Header(name, /*dir=*/false, size));
  uint64_t left = size;
  char* buf = impl_->buf.get();
  while (left > 0) {
    ASSIGN_OR_RETURN(size_t n, read(buf, std::min<uint64_t>(left, kChunk)));
    if (n == 0) {
      return absl::DataLossError(absl::StrCat(
          path, ": ended after ", size - left, " of ", size, " bytes"));
    }
    RETURN_IF_ERROR(impl_->Data(buf, n));
    left -= n;
  }
  // One more read: the end must come now (and a checking reader checks).
  ASSIGN_OR_RETURN(size_t more, read(buf, 1));
  if (more != 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": holds more than the ", size, " bytes expected"));
  }
  return absl::OkStatus();
}

absl::Status TarWriter::Close() {
  if (impl_->closed) return absl::OkStatus();
  // Close before free: errors after archive_write_free are lost.
  if (archive_write_close(impl_->a.get()) != ARCHIVE_OK) {
    absl::Status s = impl_->Error();
    impl_->closed = true;
    return s;
  }
  impl_->closed = true;
  return absl::OkStatus();
}

// ------------------------------------------------------------------ reader

struct TarReader::Impl {
  internal::ReadArchive a;
  ByteSource* source = nullptr;
  std::string name;
  std::unique_ptr<char[]> buf;
  absl::Status source_error;
  std::string entry;  // the current entry, for errors

  // The source's own error when it failed, else libarchive's, as DataLoss
  // naming the stream and where in it.
  absl::Status Error(absl::string_view where) const {
    if (!source_error.ok()) return source_error;
    return absl::DataLossError(absl::StrCat(name, ": ", where,
                                            ": damaged or truncated (",
                                            LibarchiveMessage(a.get()), ")"));
  }
};

TarReader::TarReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TarReader::~TarReader() = default;

absl::StatusOr<std::unique_ptr<TarReader>> TarReader::Open(ByteSource* source,
                                                          std::string name) {
  auto impl = std::make_unique<Impl>();
  impl->a.reset(archive_read_new());
  impl->source = source;
  impl->name = std::move(name);
  impl->buf.reset(new char[kChunk]);
  struct archive* a = impl->a.get();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  auto read = [](struct archive*, void* self, const void** out) -> la_ssize_t {
    Impl* impl = static_cast<Impl*>(self);
    absl::StatusOr<size_t> n = impl->source->Read(impl->buf.get(), kChunk);
    if (!n.ok()) {
      if (impl->source_error.ok()) impl->source_error = n.status();
      archive_set_error(impl->a.get(), EIO, "%s",
                        std::string(n.status().message()).c_str());
      return -1;
    }
    *out = impl->buf.get();
    return static_cast<la_ssize_t>(*n);
  };
  auto skip = [](struct archive*, void* self, la_int64_t request) -> la_int64_t {
    Impl* impl = static_cast<Impl*>(self);
    if (request <= 0) return 0;
    absl::StatusOr<uint64_t> n =
        impl->source->Skip(static_cast<uint64_t>(request));
    if (!n.ok()) {
      if (impl->source_error.ok()) impl->source_error = n.status();
      archive_set_error(impl->a.get(), EIO, "%s",
                        std::string(n.status().message()).c_str());
      return -1;
    }
    return static_cast<la_int64_t>(*n);
  };
  archive_read_set_callback_data(a, impl.get());
  archive_read_set_read_callback(a, read);
  archive_read_set_skip_callback(a, skip);
  if (archive_read_open1(a) != ARCHIVE_OK) {
    return impl->Error("not a tar archive, or not one stowage can read");
  }
  return std::unique_ptr<TarReader>(new TarReader(std::move(impl)));
}

absl::StatusOr<bool> TarReader::Next(TarEntry* entry) {
  struct archive_entry* e = nullptr;
  int rc = archive_read_next_header(impl_->a.get(), &e);
  if (rc == ARCHIVE_EOF) return false;
  if (rc < ARCHIVE_WARN) {
    return impl_->Error(impl_->entry.empty()
                            ? std::string("at its start")
                            : absl::StrCat("after entry \"", impl_->entry, "\""));
  }
  ASSIGN_OR_RETURN(std::string name,
                   CleanEntryName(impl_->name, archive_entry_pathname(e)));
  impl_->entry = name;
  auto bad = [&](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat(impl_->name, ": entry \"", name, "\" ", why));
  };
  if (const char* target = archive_entry_hardlink(e); target != nullptr) {
    return bad(absl::StrCat("is a hard link (to \"", target, "\")"));
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFDIR:
      entry->is_dir = true;
      entry->size = 0;
      break;
    case AE_IFREG:
      entry->is_dir = false;
      entry->size = static_cast<uint64_t>(std::max<la_int64_t>(0, archive_entry_size(e)));
      break;
    case AE_IFLNK:
      return bad(absl::StrCat("is a symbolic link (to \"",
                              archive_entry_symlink(e) != nullptr
                                  ? archive_entry_symlink(e)
                                  : "",
                              "\")"));
    default:
      return bad("is a device, FIFO or socket");
  }
  entry->name = std::move(name);
  return true;
}

absl::StatusOr<size_t> TarReader::Read(char* buf, size_t size) {
  la_ssize_t n = archive_read_data(impl_->a.get(), buf, size);
  if (n < 0) {
    return impl_->Error(absl::StrCat("entry \"", impl_->entry, "\""));
  }
  return static_cast<size_t>(n);
}

absl::Status TarReader::Skip() {
  if (archive_read_data_skip(impl_->a.get()) < ARCHIVE_WARN) {
    return impl_->Error(absl::StrCat("entry \"", impl_->entry, "\""));
  }
  return absl::OkStatus();
}

}  // namespace stowage::archive
