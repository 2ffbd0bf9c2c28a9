#include "lib/archive/tar_index.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/archive/entry_name.h"
#include "lib/archive/internal/handles.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"

namespace stowage::archive {

namespace internal {

// The archive file as Build opened it. Every later read goes through this
// descriptor with pread, never its file offset, so passes and readers on
// several threads do not disturb each other, and a file renamed over the
// path since is not read by mistake.
struct ArchiveFile {
  std::string path;
  Fd fd;
  uint64_t size = 0;
  struct timespec mtime = {};

  // DataLoss when the file was written to since Build (its size or mtime).
  absl::Status CheckUnchanged() const {
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return ErrnoStatus(path, errno);
    if (static_cast<uint64_t>(st.st_size) != size ||
        st.st_mtim.tv_sec != mtime.tv_sec || st.st_mtim.tv_nsec != mtime.tv_nsec) {
      return absl::DataLossError(absl::StrCat(
          path, ": changed since it was indexed (its size or modification time "
                "differ)"));
    }
    return absl::OkStatus();
  }
};

}  // namespace internal

namespace {

using internal::ArchiveFile;

constexpr size_t kChunk = 1 << 20;
constexpr size_t kHead = 64;
constexpr size_t kMaxName = 4096;  // PATH_MAX: no longer name unpacks anywhere
constexpr uint64_t kEntryOverhead = 256;
constexpr int kMaxHops = 40;  // as the kernel follows symbolic links

absl::Status EntryError(const std::string& file, absl::string_view name,
                        absl::string_view why) {
  return absl::DataLossError(absl::StrCat(file, ": entry \"", name, "\" ", why));
}

// libarchive's names in the locale's encoding, or as UTF-8 when they cannot
// be converted; nullptr when there is none.
const char* Pathname(struct archive_entry* e) {
  const char* p = archive_entry_pathname(e);
  return p != nullptr ? p : archive_entry_pathname_utf8(e);
}
const char* Hardlink(struct archive_entry* e) {
  const char* p = archive_entry_hardlink(e);
  return p != nullptr ? p : archive_entry_hardlink_utf8(e);
}
std::string Symlink(struct archive_entry* e) {
  const char* p = archive_entry_symlink(e);
  if (p == nullptr) p = archive_entry_symlink_utf8(e);
  return p != nullptr ? p : "";
}

Compression FromFilterCode(int code) {
  switch (code) {
    case ARCHIVE_FILTER_GZIP:
      return Compression::kGzip;
    case ARCHIVE_FILTER_ZSTD:
      return Compression::kZstd;
    case ARCHIVE_FILTER_XZ:
      return Compression::kXz;
    case ARCHIVE_FILTER_BZIP2:
      return Compression::kBzip2;
    default:
      return Compression::kNone;
  }
}

// Names in an order where everything under a folder "d/" comes right after
// "d" itself: bytes compared with '/' below every other byte.
bool ComponentLess(absl::string_view a, absl::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = a[i] == '/' ? 0 : static_cast<unsigned char>(a[i]);
    unsigned char y = b[i] == '/' ? 0 : static_cast<unsigned char>(b[i]);
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}

// The archive name a symbolic link at `name` holding `target` points at,
// read from the link's folder; refused when absolute or leaving the archive.
absl::StatusOr<std::string> ResolveSymlink(const std::string& file,
                                           const std::string& name,
                                           const std::string& target) {
  auto link_error = [&](absl::string_view why) {
    return EntryError(file, name,
                      absl::StrCat("is a symbolic link to \"", target, "\"", why));
  };
  if (target.empty()) return EntryError(file, name, "is a symbolic link with no target");
  if (target[0] == '/') return link_error(", an absolute name");
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  parts.pop_back();  // the link itself
  for (absl::string_view p : absl::StrSplit(target, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (parts.empty()) return link_error(", which points outside the archive");
      parts.pop_back();
      continue;
    }
    parts.emplace_back(p);
  }
  if (parts.empty()) return link_error(", the archive's top folder");
  return absl::StrJoin(parts, "/");
}

// One reading of the archive from its start, through libarchive's tar
// reader and decompressors, over the file's descriptor with pread.
class Pass {
 public:
  static absl::StatusOr<std::unique_ptr<Pass>> Open(
      std::shared_ptr<const ArchiveFile> file, Progress* progress) {
    std::unique_ptr<Pass> pass(new Pass(std::move(file), progress));
    struct archive* a = pass->a_.get();
    // libarchive's in-process decompressors only: these return ARCHIVE_WARN
    // when they would run an external program instead.
    if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
        archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
        archive_read_support_filter_xz(a) != ARCHIVE_OK ||
        archive_read_support_filter_bzip2(a) != ARCHIVE_OK) {
      return absl::InternalError(absl::StrCat(
          pass->file_->path,
          ": this libarchive cannot decompress gzip, zstd, xz and bzip2 "
          "in-process"));
    }
    archive_read_support_format_tar(a);
    archive_read_set_callback_data(a, pass.get());
    archive_read_set_read_callback(a, &Pass::ReadCallback);
    archive_read_set_skip_callback(a, &Pass::SkipCallback);
    if (archive_read_open1(a) != ARCHIVE_OK) {
      return pass->Error("not a tar archive stowage can read");
    }
    return pass;
  }

  struct archive* a() const { return a_.get(); }

  // The compression of the file: libarchive's outermost filter.
  Compression compression() const {
    int n = archive_filter_count(a_.get());
    return n >= 2 ? FromFilterCode(archive_filter_code(a_.get(), n - 2))
                  : Compression::kNone;
  }

  // The next header, nullptr at the end of the archive.
  absl::StatusOr<struct archive_entry*> Next() {
    struct archive_entry* e = nullptr;
    int rc = archive_read_next_header(a_.get(), &e);
    if (rc == ARCHIVE_EOF) return nullptr;
    if (rc < ARCHIVE_WARN) {
      return Error(last_.empty()
                       ? std::string("not a tar archive stowage can read, or at its start")
                       : absl::StrCat("after entry \"", last_, "\""));
    }
    return e;
  }
  // The entry now read, for errors.
  void set_last(const std::string& name) { last_ = name; }

  // Up to `size` bytes of the current entry's data; 0 at its end.
  absl::StatusOr<size_t> Read(char* buf, size_t size) {
    la_ssize_t n = archive_read_data(a_.get(), buf, size);
    if (n < 0) return Error(absl::StrCat("entry \"", last_, "\""));
    return static_cast<size_t>(n);
  }

  // The file's own error when reading it failed, else libarchive's, as
  // DataLoss "<path>: <where>: damaged or truncated (<libarchive>)".
  absl::Status Error(absl::string_view where) const {
    if (!io_error_.ok()) return io_error_;
    const char* msg = archive_error_string(a_.get());
    return absl::DataLossError(absl::StrCat(file_->path, ": ", where,
                                            ": damaged or truncated (",
                                            msg != nullptr ? msg : "unreadable",
                                            ")"));
  }

 private:
  Pass(std::shared_ptr<const ArchiveFile> file, Progress* progress)
      : file_(std::move(file)),
        progress_(progress),
        a_(archive_read_new()),
        buf_(new char[kChunk]) {}

  static la_ssize_t ReadCallback(struct archive*, void* self, const void** out) {
    Pass* p = static_cast<Pass*>(self);
    ssize_t n;
    do {
      n = pread(p->file_->fd.get(), p->buf_.get(), kChunk,
                static_cast<off_t>(p->offset_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      int err = errno;
      if (p->io_error_.ok()) p->io_error_ = ErrnoStatus(p->file_->path, err);
      archive_set_error(p->a_.get(), err, "%s",
                        std::string(p->io_error_.message()).c_str());
      return -1;
    }
    p->offset_ += static_cast<uint64_t>(n);
    if (p->progress_ != nullptr && n > 0) p->progress_->AddBytes(n);
    *out = p->buf_.get();
    return n;
  }

  // Never past the end Build saw: a short skip lets libarchive see the
  // truncation.
  static la_int64_t SkipCallback(struct archive*, void* self, la_int64_t request) {
    Pass* p = static_cast<Pass*>(self);
    if (request <= 0) return 0;
    uint64_t left = p->file_->size > p->offset_ ? p->file_->size - p->offset_ : 0;
    uint64_t n = std::min(static_cast<uint64_t>(request), left);
    p->offset_ += n;
    if (p->progress_ != nullptr && n > 0) p->progress_->AddBytes(n);
    return static_cast<la_int64_t>(n);
  }

  std::shared_ptr<const ArchiveFile> file_;
  Progress* progress_;
  internal::ReadArchive a_;
  std::unique_ptr<char[]> buf_;
  uint64_t offset_ = 0;
  absl::Status io_error_;
  std::string last_;
};

// An entry's data read with pread at its offset, never outside it.
class PreadReader : public EntryReader {
 public:
  PreadReader(std::shared_ptr<const ArchiveFile> file, const IndexedEntry& e)
      : file_(std::move(file)), name_(e.name), start_(e.data_offset), size_(e.size) {}

  absl::StatusOr<size_t> Read(char* buf, size_t size) override {
    size_t want = static_cast<size_t>(std::min<uint64_t>(size, size_ - pos_));
    if (want == 0) return 0;
    ssize_t n;
    do {
      n = pread(file_->fd.get(), buf, want, static_cast<off_t>(start_ + pos_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return ErrnoStatus(file_->path, errno);
    if (n == 0) {
      return absl::DataLossError(absl::StrCat(
          file_->path, ": changed since it was indexed (it ends inside entry \"",
          name_, "\")"));
    }
    pos_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }

  absl::StatusOr<uint64_t> Skip(uint64_t size) override {
    uint64_t n = std::min(size, size_ - pos_);
    pos_ += n;
    return n;
  }

 private:
  std::shared_ptr<const ArchiveFile> file_;
  std::string name_;
  uint64_t start_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

// The current entry of a Pass, for Stream's callback.
class PassReader : public EntryReader {
 public:
  explicit PassReader(Pass* pass) : pass_(pass) {}
  absl::StatusOr<size_t> Read(char* buf, size_t size) override {
    return pass_->Read(buf, size);
  }

 private:
  Pass* pass_;
};

}  // namespace

TarIndex::TarIndex() = default;
TarIndex::TarIndex(TarIndex&&) noexcept = default;
TarIndex& TarIndex::operator=(TarIndex&&) noexcept = default;
TarIndex::~TarIndex() = default;

const std::string& TarIndex::path() const { return file_->path; }
const std::vector<IndexedEntry>& TarIndex::entries() const { return entries_; }
Compression TarIndex::compression() const { return compression_; }
uint64_t TarIndex::kept_bytes() const { return kept_bytes_; }
bool TarIndex::random_access() const { return compression_ == Compression::kNone; }

const IndexedEntry* TarIndex::Find(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

absl::StatusOr<TarIndex> TarIndex::Build(const std::string& path,
                                         const IndexOptions& options) {
  auto file = std::make_shared<ArchiveFile>();
  file->path = path;
  // O_NONBLOCK: a FIFO at `path` must be refused below, not wait for a
  // writer; reads of a regular file ignore the flag.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return ErrnoStatus(path, errno);
  file->fd = Fd(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus(path, errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": not a regular file (an archive is indexed, then read again)"));
  }
  file->size = static_cast<uint64_t>(st.st_size);
  file->mtime = st.st_mtim;
  if (options.progress != nullptr) options.progress->Start(0, file->size);

  TarIndex index;
  index.file_ = file;
  ASSIGN_OR_RETURN(std::unique_ptr<Pass> pass, Pass::Open(file, options.progress));
  index.compression_ = pass->compression();
  const bool plain = index.compression_ == Compression::kNone;

  // Build's own bookkeeping, beside the index: folders, the symbolic links
  // to resolve once every entry is known (entry index -> target name), and
  // which entries those links are.
  absl::flat_hash_set<std::string> dirs;
  std::vector<std::pair<size_t, std::string>> symlinks;
  absl::flat_hash_set<std::string> symlink_names;
  uint64_t index_bytes = 0;
  std::string head(kHead, '\0');

  while (true) {
    ASSIGN_OR_RETURN(struct archive_entry * e, pass->Next());
    if (e == nullptr) break;
    ASSIGN_OR_RETURN(std::string name, CleanEntryName(path, Pathname(e)));
    auto bad = [&](absl::string_view why) { return EntryError(path, name, why); };
    if (name.size() > kMaxName) {
      return bad(absl::StrCat("has a name of ", name.size(),
                              " bytes, longer than the ", kMaxName,
                              " a path may have"));
    }
    index_bytes += 2 * name.size() + kEntryOverhead;
    if (index_bytes > options.max_index_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          path, ": entry \"", name, "\": the archive has more entries than ",
          options.max_index_bytes,
          " bytes of index may record (max_index_bytes)"));
    }
    const char* hardlink = Hardlink(e);
    const mode_t type = archive_entry_filetype(e);
    if (name == ".") {
      if (hardlink == nullptr && type == AE_IFDIR) continue;
      return bad("names the archive's top folder");
    }
    pass->set_last(name);
    const bool is_dir = hardlink == nullptr && type == AE_IFDIR;
    if (index.by_name_.count(name) != 0 || (!is_dir && dirs.count(name) != 0)) {
      return bad("appears twice");
    }

    if (hardlink != nullptr) {
      absl::StatusOr<std::string> target = CleanEntryName(path, hardlink);
      auto it = target.ok() ? index.by_name_.find(*target) : index.by_name_.end();
      if (it == index.by_name_.end() || symlink_names.count(*target) != 0) {
        return bad(absl::StrCat("is a hard link to \"", hardlink,
                                "\", which is not an earlier file of the "
                                "archive"));
      }
      const IndexedEntry& t = index.entries_[it->second];
      IndexedEntry alias;
      alias.name = name;
      alias.size = t.size;
      alias.data_offset = t.data_offset;
      alias.alias_of = t.name;
      size_t target_index = it->second;
      index.by_name_.emplace(name, target_index);
      index.entries_.push_back(std::move(alias));
      continue;  // the data a link entry may carry is no file's: skipped
    }

    switch (type) {
      case AE_IFDIR:
        dirs.insert(name);
        break;
      case AE_IFREG: {
        if (archive_entry_sparse_count(e) > 0) {
          return bad("is a sparse file; an image archive holds none");
        }
        if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0) {
          return bad("has no size");
        }
        IndexedEntry entry;
        entry.name = name;
        entry.size = static_cast<uint64_t>(archive_entry_size(e));
        // libarchive has consumed every header block of this entry (pax
        // and GNU long-name blocks too) and none of its data: the count
        // is where the data starts in the decompressed stream.
        entry.data_offset = static_cast<uint64_t>(archive_filter_bytes(pass->a(), 0));
        if (plain && (entry.data_offset % 512 != 0 ||
                      entry.data_offset > file->size ||
                      entry.size > file->size - entry.data_offset)) {
          return bad(absl::StrCat("is truncated (", entry.size, " bytes at offset ",
                                  entry.data_offset, ", past the end of the file)"));
        }
        if (options.keep) {
          size_t want = static_cast<size_t>(std::min<uint64_t>(entry.size, kHead));
          size_t got = 0;
          while (got < want) {
            ASSIGN_OR_RETURN(size_t n, pass->Read(head.data() + got, want - got));
            if (n == 0) break;
            got += n;
          }
          if (got != want) return bad("ends before its size");
          absl::string_view first(head.data(), got);
          if (options.keep(name, entry.size, first)) {
            if (entry.size > options.max_kept_entry) {
              return absl::ResourceExhaustedError(absl::StrCat(
                  path, ": entry \"", name, "\" is ", entry.size,
                  " bytes, over the cap of ", options.max_kept_entry,
                  " bytes for an entry kept in memory (max_kept_entry)"));
            }
            if (entry.size > options.max_kept_total - std::min(options.max_kept_total,
                                                               index.kept_bytes_)) {
              return absl::ResourceExhaustedError(absl::StrCat(
                  path, ": entry \"", name, "\" (", entry.size,
                  " bytes) would take the entries kept in memory to ",
                  index.kept_bytes_ + entry.size, " bytes, over the cap of ",
                  options.max_kept_total, " bytes (max_kept_total)"));
            }
            entry.data.resize(static_cast<size_t>(entry.size));
            memcpy(entry.data.data(), first.data(), first.size());
            size_t at = first.size();
            while (at < entry.data.size()) {
              ASSIGN_OR_RETURN(size_t n,
                               pass->Read(entry.data.data() + at, entry.data.size() - at));
              if (n == 0) return bad("ends before its size");
              at += n;
            }
            entry.kept = true;
            index.kept_bytes_ += entry.size;
          }
        }
        index.by_name_.emplace(name, index.entries_.size());
        index.entries_.push_back(std::move(entry));
        break;
      }
      case AE_IFLNK: {
        std::string target = Symlink(e);
        if (!options.resolve_symlinks) {
          return bad(absl::StrCat("is a symbolic link (to \"", target,
                                  "\"); an image archive holds none"));
        }
        ASSIGN_OR_RETURN(std::string resolved, ResolveSymlink(path, name, target));
        index_bytes += resolved.size();  // kept until the links are resolved
        IndexedEntry link;
        link.name = name;
        symlinks.emplace_back(index.entries_.size(), std::move(resolved));
        symlink_names.insert(name);
        index.by_name_.emplace(name, index.entries_.size());
        index.entries_.push_back(std::move(link));
        break;
      }
      default:
        return bad("is a device, FIFO or socket; an image archive holds none");
    }
  }

  // Nothing may lie under a name that is a file. Sorted so that what is
  // under "d" comes right after "d", the check is one look at a neighbour.
  std::vector<std::pair<absl::string_view, bool>> names;  // name, is a folder
  names.reserve(index.entries_.size() + dirs.size());
  for (const IndexedEntry& entry : index.entries_) names.emplace_back(entry.name, false);
  for (const std::string& d : dirs) names.emplace_back(d, true);
  std::sort(names.begin(), names.end(), [](const auto& x, const auto& y) {
    return ComponentLess(x.first, y.first);
  });
  auto under = [](absl::string_view child, absl::string_view parent) {
    return child.size() > parent.size() && child[parent.size()] == '/' &&
           absl::StartsWith(child, parent);
  };
  for (size_t i = 0; i + 1 < names.size(); ++i) {
    if (!names[i].second && under(names[i + 1].first, names[i].first)) {
      return EntryError(path, names[i + 1].first,
                        absl::StrCat("lies under the file \"", names[i].first, "\""));
    }
  }
  auto is_folder = [&](const std::string& name) {
    if (dirs.count(name) != 0) return true;
    auto it = std::upper_bound(names.begin(), names.end(), name,
                               [](absl::string_view n, const auto& x) {
                                 return ComponentLess(n, x.first);
                               });
    return it != names.end() && under(it->first, name);
  };

  // Symbolic links, resolved now that every entry is known: through chains
  // of links, each to the regular entry it ends at.
  absl::flat_hash_map<std::string, const std::string*> link_targets;
  for (const auto& [at, target] : symlinks) {
    link_targets.emplace(index.entries_[at].name, &target);
  }
  for (const auto& [at, target] : symlinks) {
    const std::string& name = index.entries_[at].name;
    auto link_error = [&](absl::string_view why) {
      return EntryError(path, name,
                        absl::StrCat("is a symbolic link to \"", target, "\"", why));
    };
    std::string end = target;
    for (int hops = 0;; ++hops) {
      auto next = link_targets.find(end);
      if (next == link_targets.end()) break;
      if (hops == kMaxHops) return link_error(" that loops");
      end = *next->second;
    }
    if (is_folder(end)) return link_error(", a folder");
    auto it = index.by_name_.find(end);
    if (it == index.by_name_.end()) return link_error(", which is not a file of the archive");
    const IndexedEntry& t = index.entries_[it->second];
    IndexedEntry& link = index.entries_[at];
    link.size = t.size;
    link.data_offset = t.data_offset;
    link.alias_of = t.name;
    index.by_name_[name] = it->second;
  }
  return index;
}

absl::StatusOr<std::unique_ptr<EntryReader>> TarIndex::OpenEntry(
    const IndexedEntry& e) const {
  if (!random_access()) {
    return absl::FailedPreconditionError(absl::StrCat(
        file_->path, ": a ", CompressionName(compression_),
        "-compressed archive is read in order (Stream), not at offsets"));
  }
  const IndexedEntry* entry = Find(e.name);
  if (entry == nullptr) {
    return absl::NotFoundError(
        absl::StrCat(file_->path, ": no entry \"", e.name, "\""));
  }
  RETURN_IF_ERROR(file_->CheckUnchanged());
  return std::unique_ptr<EntryReader>(new PreadReader(file_, *entry));
}

absl::Status TarIndex::Stream(
    const std::set<std::string>& names,
    const std::function<absl::Status(const IndexedEntry&, EntryReader&)>& fn) const {
  std::set<size_t> wanted;  // indices of regular entries, in archive order
  std::vector<std::string> missing;
  for (const std::string& name : names) {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      missing.push_back(absl::StrCat("\"", name, "\""));
    } else {
      wanted.insert(it->second);
    }
  }
  if (!missing.empty()) {
    return absl::NotFoundError(absl::StrCat(file_->path, ": no entry ",
                                            absl::StrJoin(missing, ", ")));
  }
  if (wanted.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(file_->CheckUnchanged());
  ASSIGN_OR_RETURN(std::unique_ptr<Pass> pass, Pass::Open(file_, nullptr));
  const bool plain = random_access();
  auto changed = [&](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat(file_->path, ": changed since it was indexed (", why, ")"));
  };
  if (pass->compression() != compression_) {
    return changed(absl::StrCat("it was ", CompressionName(compression_),
                                ", it is ", CompressionName(pass->compression())));
  }
  size_t i = 0;  // the entry of entries_ the next listed header must be
  while (true) {
    ASSIGN_OR_RETURN(struct archive_entry * e, pass->Next());
    if (e == nullptr) break;
    ASSIGN_OR_RETURN(std::string name, CleanEntryName(file_->path, Pathname(e)));
    const bool link = Hardlink(e) != nullptr || archive_entry_filetype(e) == AE_IFLNK;
    if (!link && archive_entry_filetype(e) == AE_IFDIR) continue;  // not listed
    pass->set_last(name);
    if (i >= entries_.size()) {
      return changed(absl::StrCat("entry \"", name, "\" is new"));
    }
    const IndexedEntry& want = entries_[i];
    if (name != want.name || link != want.is_alias()) {
      return changed(absl::StrCat("entry ", i + 1, " is \"", name,
                                  "\", the index has \"", want.name, "\""));
    }
    if (!link) {
      uint64_t size = static_cast<uint64_t>(std::max<la_int64_t>(0, archive_entry_size(e)));
      uint64_t offset = static_cast<uint64_t>(archive_filter_bytes(pass->a(), 0));
      if (size != want.size || (plain && offset != want.data_offset)) {
        return changed(absl::StrCat("entry \"", name, "\" is ", size, " bytes at ",
                                    offset, ", the index has ", want.size,
                                    " bytes at ", want.data_offset));
      }
      if (wanted.erase(i) != 0) {
        PassReader reader(pass.get());
        RETURN_IF_ERROR(fn(want, reader));
        if (wanted.empty()) return absl::OkStatus();
      }
    }
    ++i;
  }
  return changed(absl::StrCat("it ends before entry \"",
                              entries_[*wanted.begin()].name, "\""));
}

}  // namespace stowage::archive
