#include "lib/bundle/parts.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/base/status_macros.h"

namespace stowage::bundle {
namespace {

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "FILE" when `path` is "FILE.NNN" (three or more digits), else "".
std::string StripPartNumber(const std::string& path) {
  size_t dot = path.rfind('.');
  if (dot == std::string::npos || path.size() - dot - 1 < 3) return "";
  for (size_t i = dot + 1; i < path.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(path[i]))) return "";
  }
  return path.substr(0, dot);
}

absl::StatusOr<Input> OpenIndex(const std::string& index_path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(index_path, 64 << 20));
  ASSIGN_OR_RETURN(PartIndex index, ParsePartIndex(text, index_path));
  auto reader = std::make_unique<PartReader>(Dirname(index_path), std::move(index));
  Input in;
  in.name = index_path;
  in.parts = reader.get();
  in.source = std::move(reader);
  return in;
}

}  // namespace

std::string PartPath(const std::string& file, size_t number) {
  return absl::StrFormat("%s.%03d", file, number);
}

std::string PartIndexPath(const std::string& file) {
  return file + ".parts.json";
}

// ------------------------------------------------------------------ writing

absl::Status PartWriter::FinishPart() {
  if (!current_.has_value()) return absl::OkStatus();
  PartInfo part;
  part.name = Basename(PartPath(file_, parts_.size() + 1));
  part.size = current_size_;
  part.digest = "sha256:" + hasher_.HexDigest();
  current_->Close();
  done_.push_back(std::move(*current_));
  current_.reset();
  parts_.push_back(std::move(part));
  return absl::OkStatus();
}

absl::Status PartWriter::Write(absl::string_view data) {
  while (!data.empty()) {
    if (current_.has_value() && current_size_ == max_size_) {
      RETURN_IF_ERROR(FinishPart());
    }
    if (!current_.has_value()) {
      ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(Dirname(file_)));
      current_.emplace(std::move(tmp));
      current_size_ = 0;
    }
    size_t n = static_cast<size_t>(
        std::min<uint64_t>(data.size(), max_size_ - current_size_));
    RETURN_IF_ERROR(current_->Write(data.substr(0, n)));
    hasher_.Update(data.data(), n);
    current_size_ += n;
    data.remove_prefix(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<PartIndex> PartWriter::Commit(const std::string& bundle_id) {
  RETURN_IF_ERROR(FinishPart());
  // One syncfs for every part instead of an fsync each.
  RETURN_IF_ERROR(SyncFilesystem(Dirname(file_)));
  PartIndex index;
  index.bundle = bundle_id;
  for (size_t i = 0; i < done_.size(); ++i) {
    RETURN_IF_ERROR(done_[i].Commit(PartPath(file_, i + 1), /*replace=*/true,
                                    /*sync=*/false));
    index.size += parts_[i].size;
  }
  // Parts of an earlier set that was longer would look like ours, and an
  // earlier unsplit FILE would be read instead of the parts (OpenInput
  // prefers FILE): this bundle replaces both.
  for (size_t n = done_.size() + 1; Exists(PartPath(file_, n)); ++n) {
    RETURN_IF_ERROR(RemoveFile(PartPath(file_, n)));
  }
  if (absl::StatusOr<FileInfo> old = Stat(file_); old.ok() && old->is_regular) {
    RETURN_IF_ERROR(RemoveFile(file_));
  }
  RETURN_IF_ERROR(SyncDir(Dirname(file_)));
  index.parts = parts_;
  RETURN_IF_ERROR(WriteFileAtomic(PartIndexPath(file_), SerializePartIndex(index)));
  return index;
}

// ------------------------------------------------------------------ reading

std::string PartReader::Path(size_t i) const {
  return dir_ == "." ? index_.parts[i].name : JoinPath(dir_, index_.parts[i].name);
}

std::vector<std::string> PartReader::CheckPresence() const {
  std::vector<std::string> problems;
  const size_t n = index_.parts.size();
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<FileInfo> info = Stat(Path(i));
    if (!info.ok()) {
      problems.push_back(absl::IsNotFound(info.status())
                             ? absl::StrCat(Path(i), ": missing (part ", i + 1,
                                            " of ", n, ")")
                             : std::string(info.status().message()));
    } else if (!info->is_regular || info->size != index_.parts[i].size) {
      problems.push_back(absl::StrCat(
          Path(i), ": ", info->size, " bytes, the part index says ",
          index_.parts[i].size, " (part ", i + 1, " of ", n,
          "): damaged, cut short, or a part of another bundle"));
    }
  }
  return problems;
}

absl::StatusOr<bool> PartReader::Advance() {
  const size_t n = index_.parts.size();
  if (fd_.has_value()) {
    const PartInfo& part = index_.parts[current_];
    std::string digest = "sha256:" + hasher_.HexDigest();
    if (whole_) {
      if (digest != part.digest) return Mismatch(current_, digest);
      ++parts_checked_;
    }
    fd_.reset();
    current_done_ = true;
  }
  if (next_ >= n) return false;
  current_ = next_++;
  current_done_ = false;
  pos_ = 0;
  whole_ = true;
  absl::StatusOr<Fd> fd = OpenForRead(Path(current_));
  if (!fd.ok()) {
    if (absl::IsNotFound(fd.status())) {
      return absl::NotFoundError(absl::StrCat(Path(current_), ": missing (part ",
                                              current_ + 1, " of ", n, ")"));
    }
    return fd.status();
  }
  ASSIGN_OR_RETURN(FileInfo info, StatFd(*fd, Path(current_)));
  if (info.size != index_.parts[current_].size) {
    return absl::DataLossError(absl::StrCat(
        Path(current_), ": ", info.size, " bytes, the part index says ",
        index_.parts[current_].size, " (part ", current_ + 1, " of ", n,
        "): damaged, cut short, or a part of another bundle"));
  }
  fd_.emplace(std::move(*fd));
  return true;
}

absl::StatusOr<size_t> PartReader::Read(char* buf, size_t size) {
  while (!fd_.has_value() || pos_ == index_.parts[current_].size) {
    ASSIGN_OR_RETURN(bool more, Advance());
    if (!more) return 0;
  }
  uint64_t left = index_.parts[current_].size - pos_;
  ASSIGN_OR_RETURN(size_t n, ReadSome(*fd_, Path(current_), buf,
                                      static_cast<size_t>(std::min<uint64_t>(size, left))));
  if (n == 0) {
    return absl::DataLossError(absl::StrCat(Path(current_), ": ends after ", pos_,
                                            " of ", index_.parts[current_].size,
                                            " bytes (cut short while read?)"));
  }
  hasher_.Update(buf, n);
  pos_ += n;
  return n;
}

absl::StatusOr<uint64_t> PartReader::Skip(uint64_t size) {
  uint64_t skipped = 0;
  while (skipped < size) {
    if (!fd_.has_value() || pos_ == index_.parts[current_].size) {
      ASSIGN_OR_RETURN(bool more, Advance());
      if (!more) break;
    }
    uint64_t n = std::min(size - skipped, index_.parts[current_].size - pos_);
    if (lseek(fd_->get(), static_cast<off_t>(n), SEEK_CUR) < 0) {
      return ErrnoStatus(Path(current_), errno);
    }
    whole_ = false;
    pos_ += n;
    skipped += n;
  }
  return skipped;
}

absl::Status PartReader::Mismatch(size_t i, const std::string& digest) const {
  return absl::DataLossError(absl::StrCat(
      Path(i), ": damaged, or a part of another bundle: its sha256 is ", digest,
      ", the part index says ", index_.parts[i].digest, " (part ", i + 1, " of ",
      index_.parts.size(), ")"));
}

absl::Status PartReader::CheckPart(size_t i) const {
  const PartInfo& part = index_.parts[i];
  absl::StatusOr<Fd> fd = OpenForRead(Path(i));
  if (!fd.ok()) {
    if (absl::IsNotFound(fd.status())) {
      return absl::NotFoundError(absl::StrCat(Path(i), ": missing (part ", i + 1,
                                              " of ", index_.parts.size(), ")"));
    }
    return fd.status();
  }
  ASSIGN_OR_RETURN(FileInfo info, StatFd(*fd, Path(i)));
  if (info.size != part.size) {
    return absl::DataLossError(absl::StrCat(
        Path(i), ": ", info.size, " bytes, the part index says ", part.size,
        " (part ", i + 1, " of ", index_.parts.size(),
        "): damaged, cut short, or a part of another bundle"));
  }
  Sha256 hasher;
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  while (true) {
    ASSIGN_OR_RETURN(size_t n, ReadSome(*fd, Path(i), buf.get(), 1 << 20));
    if (n == 0) break;
    hasher.Update(buf.get(), n);
  }
  std::string digest = "sha256:" + hasher.HexDigest();
  if (digest != part.digest) return Mismatch(i, digest);
  return absl::OkStatus();
}

std::vector<std::string> PartReader::CheckRest() {
  std::vector<std::string> problems;
  size_t first = current_done_ ? current_ + 1 : current_;
  fd_.reset();
  next_ = index_.parts.size();  // the stream is over
  for (size_t i = first; i < index_.parts.size(); ++i) {
    absl::Status s = CheckPart(i);
    if (!s.ok()) problems.emplace_back(s.message());
  }
  return problems;
}

absl::Status PartReader::Drain() {
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  while (true) {
    ASSIGN_OR_RETURN(size_t n, Read(buf.get(), 1 << 20));
    if (n == 0) return absl::OkStatus();
  }
}

// ------------------------------------------------------------------ inputs

absl::StatusOr<Input> OpenInput(const std::string& file) {
  if (file == "-") {
    int fd = dup(STDIN_FILENO);
    if (fd < 0) return ErrnoStatus("standard input", errno);
    Input in;
    in.name = "standard input";
    in.source = std::make_unique<archive::FdSource>(Fd(fd), in.name);
    return in;
  }
  // FILE.NNN of a split bundle: its index knows the rest.
  if (std::string base = StripPartNumber(file);
      !base.empty() && Exists(PartIndexPath(base))) {
    return OpenIndex(PartIndexPath(base));
  }
  if (Exists(file)) {
    ASSIGN_OR_RETURN(Fd fd, OpenForRead(file));
    char head[64];
    ASSIGN_OR_RETURN(size_t n, ReadSome(fd, file, head, sizeof head));
    if (LooksLikeJson(absl::string_view(head, n))) return OpenIndex(file);
    if (lseek(fd.get(), 0, SEEK_SET) < 0) return ErrnoStatus(file, errno);
    Input in;
    in.name = file;
    in.source = std::make_unique<archive::FdSource>(std::move(fd), file);
    return in;
  }
  if (Exists(PartIndexPath(file))) return OpenIndex(PartIndexPath(file));
  return absl::NotFoundError(absl::StrCat(
      file, ": no such file (nor ", PartIndexPath(file), " of a split bundle)"));
}

}  // namespace stowage::bundle
