#include "lib/transport/tar_source.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/archive/decompress_stream.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/oci/layout.h"

namespace stowage::transport {
namespace {

// Bytes in memory as a stream.
class BytesReader : public BlobReader {
 public:
  explicit BytesReader(absl::string_view bytes) : bytes_(bytes) {}
  absl::StatusOr<size_t> Read(char* buf, size_t size) override {
    size_t n = std::min(size, bytes_.size());
    std::copy(bytes_.data(), bytes_.data() + n, buf);
    bytes_.remove_prefix(n);
    return n;
  }

 private:
  absl::string_view bytes_;
};

// A ByteSource (an entry, or its decompressed bytes) as a BlobReader,
// owning what it reads from.
class SourceReader : public BlobReader {
 public:
  SourceReader(std::unique_ptr<archive::ByteSource> raw,
               std::unique_ptr<archive::DecompressedSource> plain)
      : raw_(std::move(raw)), plain_(std::move(plain)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t size) override {
    return plain_ != nullptr ? plain_->Read(buf, size) : raw_->Read(buf, size);
  }

 private:
  std::unique_ptr<archive::ByteSource> raw_;
  std::unique_ptr<archive::DecompressedSource> plain_;
};

// A ByteSource it does not own (Stream's reader, valid during the call).
class Borrowed : public archive::ByteSource {
 public:
  explicit Borrowed(archive::ByteSource& s) : s_(s) {}
  absl::StatusOr<size_t> Read(char* buf, size_t size) override { return s_.Read(buf, size); }

 private:
  archive::ByteSource& s_;
};

}  // namespace

absl::StatusOr<archive::TarIndex> IndexArchive(const std::string& path,
                                               const archive::IndexOptions& options) {
  absl::StatusOr<FileInfo> info = Stat(path);
  if (absl::IsNotFound(info.status())) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (info.ok() && !info->is_regular && !info->is_symlink) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": not a regular file; an archive is read in place, its JSON entries "
              "first and then the blobs they name, so it must be a file (save a "
              "stream to a file first, or carry it as a bundle: stowage bundle "
              "import - reads a stream)"));
  }
  return archive::TarIndex::Build(path, options);
}

bool LooksLikeJsonObject(absl::string_view head) {
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(head);
  return !rest.empty() && rest[0] == '{';
}

absl::StatusOr<std::string> TarSource::GetManifest(const oci::Descriptor& d) {
  ASSIGN_OR_RETURN(Place place, Locate(d));
  if (place.bytes == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        name_, ": blob ", d.digest(), " (entry ", place.entry,
        ") is named as a manifest, but is no JSON document of at most ",
        oci::kMaxSmallBlob, " bytes"));
  }
  return *place.bytes;
}

absl::StatusOr<std::unique_ptr<BlobReader>> TarSource::Open(
    const Place& place, std::unique_ptr<archive::ByteSource> raw) {
  if (!place.decompress) {
    return std::unique_ptr<BlobReader>(new SourceReader(std::move(raw), nullptr));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<archive::DecompressedSource> plain,
                   archive::DecompressedSource::Open(
                       raw.get(), absl::StrCat(index_.path(), ": entry \"", place.entry, "\"")));
  return std::unique_ptr<BlobReader>(new SourceReader(std::move(raw), std::move(plain)));
}

absl::StatusOr<const archive::IndexedEntry*> TarSource::Entry(const oci::Descriptor& d,
                                                             const Place& place) const {
  const archive::IndexedEntry* e = index_.Find(place.entry);
  if (e == nullptr) {
    return absl::NotFoundError(absl::StrCat(name_, ": no entry ", place.entry));
  }
  // A plain entry of another size than declared is wrong before a byte is
  // read; say so now rather than after copying it.
  if (!place.decompress && e->size != static_cast<uint64_t>(d.size())) {
    return BlobMismatch(d, absl::StrCat("has ", e->size, " bytes, its descriptor says ",
                                        d.size()));
  }
  return e;
}

absl::StatusOr<std::unique_ptr<BlobReader>> TarSource::GetBlob(const oci::Descriptor& d) {
  ASSIGN_OR_RETURN(Place place, Locate(d));
  if (place.bytes != nullptr) {
    return std::unique_ptr<BlobReader>(new BytesReader(*place.bytes));
  }
  ASSIGN_OR_RETURN(const archive::IndexedEntry* e, Entry(d, place));
  ASSIGN_OR_RETURN(std::unique_ptr<archive::EntryReader> raw, index_.OpenEntry(*e));
  return Open(place, std::move(raw));
}

absl::Status TarSource::StreamBlobs(
    const std::vector<oci::Descriptor>& blobs,
    const std::function<absl::Status(const oci::Descriptor&, BlobReader&)>& fn) {
  std::map<std::string, std::pair<const oci::Descriptor*, Place>> by_entry;
  std::set<std::string> names;
  for (const oci::Descriptor& d : blobs) {
    ASSIGN_OR_RETURN(Place place, Locate(d));
    if (place.bytes != nullptr) {
      BytesReader reader(*place.bytes);
      RETURN_IF_ERROR(fn(d, reader));
      continue;
    }
    ASSIGN_OR_RETURN(const archive::IndexedEntry* e, Entry(d, place));
    names.insert(place.entry);
    by_entry[e->name] = {&d, std::move(place)};  // the resolved name, as Stream gives it
  }
  if (names.empty()) return absl::OkStatus();
  return index_.Stream(names, [&](const archive::IndexedEntry& e,
                                  archive::EntryReader& raw) -> absl::Status {
    auto it = by_entry.find(e.name);
    if (it == by_entry.end()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader,
                     Open(it->second.second, std::make_unique<Borrowed>(raw)));
    return fn(*it->second.first, *reader);
  });
}

}  // namespace stowage::transport
