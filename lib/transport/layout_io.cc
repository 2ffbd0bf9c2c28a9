#include "lib/transport/layout_io.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/oci/media_types.h"

namespace stowage::transport {
namespace {

constexpr size_t kChunk = 1 << 20;

absl::Status MissingBlob(const oci::Layout& layout, const oci::Descriptor& d) {
  return absl::NotFoundError(
      absl::StrCat("blob ", d.digest(), " is missing from ", layout.dir()));
}

}  // namespace

absl::StatusOr<ScratchDir> ScratchDir::Make(const std::string& scratch,
                                            absl::string_view prefix) {
  RETURN_IF_ERROR(MakeDirs(scratch));
  std::string tmpl = JoinPath(scratch, absl::StrCat(prefix, "-XXXXXX"));
  if (mkdtemp(tmpl.data()) == nullptr) return ErrnoStatus(tmpl, errno);
  return ScratchDir(std::move(tmpl));
}

ScratchDir::~ScratchDir() {
  if (!path_.empty()) RemoveAll(path_).IgnoreError();
}

absl::StatusOr<ScratchDir> StagingFor(const std::string& file, const OpenOptions& options,
                                      absl::string_view prefix) {
  absl::StatusOr<ScratchDir> dir = ScratchDir::Make(options.scratch, prefix);
  // EACCES, EPERM and EROFS alike.
  if (dir.ok() || !absl::IsPermissionDenied(dir.status())) return dir;
  return ScratchDir::Make(Dirname(file), absl::StrCat(".", prefix, "-staging"));
}

absl::StatusOr<size_t> FdBlobReader::Read(char* buf, size_t size) {
  return ReadSome(fd_, path_, buf, size);
}

absl::StatusOr<Fd> OpenBlob(const oci::Layout& layout, const oci::Descriptor& d) {
  std::string path = layout.BlobPath(d.digest());
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return MissingBlob(layout, d);
    if (err == ELOOP) {
      return absl::DataLossError(absl::StrCat(
          "blob ", d.digest(), " (", path, "): is a symbolic link, not a file"));
    }
    return ErrnoStatus(path, err);
  }
  Fd out(fd);
  ASSIGN_OR_RETURN(FileInfo info, StatFd(out, path));
  if (!info.is_regular) {
    return absl::DataLossError(
        absl::StrCat("blob ", d.digest(), " (", path, "): is not a regular file"));
  }
  return out;
}

absl::StatusOr<std::vector<Ref>> LayoutSource::Refs() {
  ASSIGN_OR_RETURN(oci::Index index, layout_.ReadIndex());
  std::vector<Ref> out;
  out.reserve(index.manifests.size());
  for (oci::Descriptor& d : index.manifests) {
    std::string ref = d.Annotation(oci::kRefNameAnnotation);
    out.push_back(Ref{std::move(ref), std::move(d)});
  }
  return out;
}

absl::StatusOr<std::string> LayoutSource::GetManifest(const oci::Descriptor& d) {
  ASSIGN_OR_RETURN(Fd fd, OpenBlob(layout_, d));
  std::string path = layout_.BlobPath(d.digest());
  ASSIGN_OR_RETURN(FileInfo info, StatFd(fd, path));
  if (info.size > oci::kMaxSmallBlob) {
    return absl::FailedPreconditionError(absl::StrCat(
        "blob ", d.digest(), " (", path, "): ", info.size,
        " bytes is too large for a manifest or config"));
  }
  return ReadAll(fd, path, oci::kMaxSmallBlob);
}

absl::StatusOr<std::unique_ptr<BlobReader>> LayoutSource::GetBlob(
    const oci::Descriptor& d) {
  ASSIGN_OR_RETURN(Fd fd, OpenBlob(layout_, d));
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<BlobReader>(
      new FdBlobReader(std::move(fd), layout_.BlobPath(d.digest())));
}

std::string LayoutSource::BlobFile(const oci::Descriptor& d) const {
  return layout_.BlobPath(d.digest());
}

LayoutWriter::LayoutWriter(oci::Layout layout, std::string name, Options options)
    : layout_(std::move(layout)),
      name_(std::move(name)),
      options_(options),
      blobs_dir_(JoinPath(layout_.dir(), "blobs/sha256")) {}

LayoutWriter::~LayoutWriter() {
  for (const auto& [digest, temp] : pending_) RemoveFile(temp).IgnoreError();
  if (!created_ || committed_) return;
  const std::string& dir = layout_.dir();
  RemoveFile(JoinPath(dir, "oci-layout")).IgnoreError();
  RemoveFile(JoinPath(dir, "index.json")).IgnoreError();
  RemoveDir(blobs_dir_).IgnoreError();  // each only when empty
  RemoveDir(JoinPath(dir, "blobs")).IgnoreError();
  if (made_dir_) RemoveDir(dir).IgnoreError();
}

absl::StatusOr<std::optional<uint64_t>> LayoutWriter::BlobSize(
    const std::string& digest) const {
  std::string path = layout_.BlobPath(digest);
  absl::StatusOr<FileInfo> info = Stat(path);
  if (absl::IsNotFound(info.status())) return std::optional<uint64_t>();
  if (!info.ok()) return info.status();
  if (!info->is_regular) {
    return absl::DataLossError(absl::StrCat(
        name_, ": blob ", digest, " (", path, ") is not a regular file"));
  }
  return std::optional<uint64_t>(info->size);
}

void LayoutWriter::AddPending(const oci::Descriptor& d, std::string temp) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, added] = pending_.emplace(d.digest(), temp);
  if (!added) RemoveFile(temp).IgnoreError();  // put twice: one is enough
}

absl::Status LayoutWriter::EnsureLayout() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!options_.create || created_) return absl::OkStatus();
  if (Exists(JoinPath(layout_.dir(), "oci-layout"))) {
    options_.create = false;  // there already: nothing to take away
    return absl::OkStatus();
  }
  made_dir_ = !Exists(layout_.dir());
  RETURN_IF_ERROR(oci::Layout::OpenOrCreate(layout_.dir()).status());
  created_ = true;
  return absl::OkStatus();
}

absl::Status LayoutWriter::PutBlob(const oci::Descriptor& d, BlobReader& reader) {
  RETURN_IF_ERROR(EnsureLayout());
  RETURN_IF_ERROR(MakeDirs(blobs_dir_));
  ASSIGN_OR_RETURN(TempFile out, TempFile::Create(blobs_dir_));
  std::unique_ptr<char[]> buf(new char[kChunk]);
  while (true) {
    ASSIGN_OR_RETURN(size_t n, reader.Read(buf.get(), kChunk));
    if (n == 0) break;
    RETURN_IF_ERROR(out.Write(absl::string_view(buf.get(), n)));
  }
  AddPending(d, out.Release());
  return absl::OkStatus();
}

absl::Status LayoutWriter::PutBytes(const oci::Descriptor& d, absl::string_view bytes) {
  RETURN_IF_ERROR(EnsureLayout());
  RETURN_IF_ERROR(MakeDirs(blobs_dir_));
  ASSIGN_OR_RETURN(TempFile out, TempFile::Create(blobs_dir_));
  RETURN_IF_ERROR(out.Write(bytes));
  AddPending(d, out.Release());
  return absl::OkStatus();
}

absl::StatusOr<TempFile> LayoutWriter::NewBlobFile() {
  RETURN_IF_ERROR(EnsureLayout());
  RETURN_IF_ERROR(MakeDirs(blobs_dir_));
  return TempFile::Create(blobs_dir_);
}

void LayoutWriter::Keep(const oci::Descriptor& d, TempFile file) {
  AddPending(d, file.Release());
}

absl::StatusOr<std::string> LayoutWriter::TempName(const oci::Descriptor& d) const {
  static std::atomic<uint64_t> counter{0};
  return JoinPath(blobs_dir_,
                  absl::StrCat(".tmp-link-", oci::DigestHex(d.digest()).substr(0, 16),
                               "-", getpid(), "-", counter.fetch_add(1)));
}

absl::Status LayoutWriter::LinkBlob(
    const oci::Descriptor& d, const std::string& file,
    const std::function<absl::Status(const Fd&)>& verify) {
  // A file that is missing or odd is the source's to report (GetBlob).
  absl::StatusOr<FileInfo> info = Stat(file);
  if (!info.ok() || !info->is_regular ||
      (options_.link_only_world_readable && (info->mode & 0444) != 0444)) {
    return absl::UnimplementedError(absl::StrCat(file, ": not linked"));
  }
  RETURN_IF_ERROR(EnsureLayout());
  RETURN_IF_ERROR(MakeDirs(blobs_dir_));
  ASSIGN_OR_RETURN(std::string temp, TempName(d));
  absl::Status linked = HardLink(file, temp);
  if (!linked.ok()) {
    // EXDEV, EPERM (links forbidden here) and the like: the engine copies.
    return absl::UnimplementedError(absl::StrCat(file, ": ", linked.message()));
  }
  absl::StatusOr<Fd> fd = OpenForRead(temp);
  absl::Status s = fd.ok() ? verify(*fd) : fd.status();
  if (!s.ok()) {
    RemoveFile(temp).IgnoreError();
    return s;
  }
  AddPending(d, std::move(temp));
  return absl::OkStatus();
}

absl::Status LayoutWriter::CommitBlobs() {
  std::lock_guard<std::mutex> lock(mu_);
  committed_ = true;
  if (pending_.empty()) return absl::OkStatus();
  if (options_.durable) RETURN_IF_ERROR(SyncFilesystem(blobs_dir_));
  while (!pending_.empty()) {
    auto it = pending_.begin();
    std::string final_path = layout_.BlobPath(it->first);
    // link(), not rename(): a blob already there stays as it is.
    absl::Status linked = HardLink(it->second, final_path);
    if (!linked.ok() && !absl::IsAlreadyExists(linked)) return linked;
    RETURN_IF_ERROR(RemoveFile(it->second));
    pending_.erase(it);
  }
  if (options_.durable) RETURN_IF_ERROR(SyncDir(blobs_dir_));
  return absl::OkStatus();
}

LayoutDestination::LayoutDestination(oci::Layout layout, std::string name,
                                     std::string ref, LayoutWriter::Options options)
    : writer_(std::move(layout), name, options),
      name_(std::move(name)),
      given_ref_(std::move(ref)) {}

absl::Status LayoutDestination::SetRef(const std::string& ref,
                                       const oci::Descriptor& d) {
  std::lock_guard<std::mutex> lock(mu_);
  refs_.emplace_back(ref, d);
  return absl::OkStatus();
}

std::vector<std::pair<std::string, oci::Descriptor>> LayoutDestination::refs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refs_;
}

absl::Status LayoutDestination::WriteRefs() {
  const std::vector<std::pair<std::string, oci::Descriptor>> all = refs();
  ASSIGN_OR_RETURN(oci::Index index, writer_.layout().ReadIndex());
  std::set<std::string> names;
  for (const auto& [ref, d] : all) {
    if (!ref.empty()) names.insert(ref);
  }
  std::vector<oci::Descriptor> kept;
  for (oci::Descriptor& d : index.manifests) {
    std::string ref = d.Annotation(oci::kRefNameAnnotation);
    if (ref.empty() || names.count(ref) == 0) kept.push_back(std::move(d));
  }
  for (const auto& [ref, d] : all) kept.push_back(oci::IndexEntry(d, ref));
  index.manifests = std::move(kept);
  return writer_.layout().WriteIndex(index);
}

absl::Status LayoutDestination::Commit() {
  RETURN_IF_ERROR(writer_.EnsureLayout());
  RETURN_IF_ERROR(writer_.CommitBlobs());
  return WriteRefs();
}

}  // namespace stowage::transport
