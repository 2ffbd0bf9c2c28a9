#include "lib/publish/out_dir.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace stowage::publish {
namespace {

constexpr char kMarkerText[] =
    "This folder is a registry tree written by `stowage publish`.\n"
    "publish rewrites and prunes it; files you add here may be deleted.\n";

absl::StatusOr<std::string> RealPath(const std::string& path) {
  char* real = realpath(path.c_str(), nullptr);
  if (real == nullptr) return ErrnoStatus(path, errno);
  std::string out(real);
  free(real);
  return out;
}

// The absolute path `path` has or will have once created: its longest
// existing ancestor resolved (symbolic links followed), the rest appended.
absl::StatusOr<std::string> ResolvedPath(const std::string& path) {
  std::string existing = path;
  std::vector<std::string> rest;
  while (!Exists(existing)) {
    std::string parent = Dirname(existing);
    std::string name = existing.substr(existing.find_last_of('/') + 1);
    if (existing.find('/') == std::string::npos) {
      parent = ".";
      name = existing;
    }
    if (name == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          "OUTDIR \"", path, "\": \"..\" after a folder that does not exist"));
    }
    if (!name.empty() && name != ".") rest.push_back(name);
    if (parent == existing) break;
    existing = parent;
  }
  ASSIGN_OR_RETURN(std::string out, RealPath(existing));
  for (auto it = rest.rbegin(); it != rest.rend(); ++it) out = JoinPath(out, *it);
  return out;
}

bool Within(const std::string& path, const std::string& dir) {
  return path == dir || absl::StartsWith(path, dir == "/" ? dir : dir + "/");
}

absl::Status CheckAgainstStore(const std::string& out_dir, const std::string& out,
                               const std::string& store_dir) {
  ASSIGN_OR_RETURN(std::string store, RealPath(store_dir));
  if (out == store) {
    return absl::InvalidArgumentError(absl::StrCat(
        "OUTDIR \"", out_dir, "\" is the store itself; publish into a folder of its own, "
        "e.g. ", JoinPath(Dirname(store), "site")));
  }
  if (Within(out, store)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "OUTDIR \"", out_dir, "\" is inside the store ", store,
        "; publish into a folder outside it"));
  }
  if (Within(store, out)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "OUTDIR \"", out_dir, "\" holds the store ", store,
        "; publish into a folder that does not contain it"));
  }
  return absl::OkStatus();
}

// Whether the folder (a listing of it) is publish's: the marker, or the
// state file of a publish made before the marker existed.
bool IsPublishTree(const std::string& root, const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    if (n == kMarkerFile) return true;
  }
  absl::StatusOr<std::string> state = ReadFile(JoinPath(root, kStateFile), 4096);
  return state.ok() && absl::StartsWith(*state, "{\"format\":");
}

// True when the folder holds nothing but the claim's own lock file.
bool Empty(const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    if (n != kLockFile) return false;
  }
  return true;
}

absl::StatusOr<bool> CheckOwned(const std::string& out_dir, const std::string& root) {
  absl::StatusOr<std::vector<std::string>> names = ListDir(root);
  if (absl::IsNotFound(names.status())) return true;
  if (!names.ok()) {
    return Annotate(names.status(), absl::StrCat("OUTDIR \"", out_dir, "\""));
  }
  if (Empty(*names)) return true;
  if (IsPublishTree(root, *names)) return false;
  return absl::FailedPreconditionError(absl::StrCat(
      "OUTDIR \"", out_dir, "\" is not empty and is not a stowage publish (it has no ",
      kMarkerFile, "): publish writes only into a new or empty folder or an earlier "
      "publish, and never deletes files it did not write"));
}

// The pid a lock file names, for the message; "unknown" if none.
std::string HolderPid(const Fd& fd) {
  char buf[32] = {0};
  ssize_t n = pread(fd.get(), buf, sizeof(buf) - 1, 0);
  uint64_t pid = 0;
  if (n > 0 && absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::string_view(buf, n)), &pid)) {
    return absl::StrCat(pid);
  }
  return "unknown";
}

// The folders publish writes into must be its own folders, not symbolic
// links someone put there to send its writes and deletions elsewhere.
absl::Status CheckOwnFolders(const std::string& out_dir, const std::string& root) {
  for (const char* name : {"www", "blobs", "blobs/sha256", "nginx", "apache", "caddy", "s3",
                           "index.json", kStateFile, kMarkerFile}) {
    absl::StatusOr<FileInfo> info = Stat(JoinPath(root, name));
    if (info.ok() && info->is_symlink) {
      return absl::FailedPreconditionError(absl::StrCat(
          "OUTDIR \"", out_dir, "\": ", name, " is a symbolic link; publish writes only into "
          "files and folders of its own (remove the link)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Fd> Lock(const std::string& out_dir, const std::string& root, bool wait) {
  std::string path = JoinPath(root, kLockFile);
  int raw = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (raw < 0) return ErrnoStatus(path, errno);
  Fd fd(raw);
  while (flock(fd.get(), LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    if (errno == EWOULDBLOCK && !wait) {
      return absl::UnavailableError(absl::StrCat(
          "OUTDIR \"", out_dir, "\" is being published by another stowage publish (pid ",
          HolderPid(fd), "); wait for it to finish, or pass --wait"));
    }
    if (errno != EINTR) return ErrnoStatus(path, errno);
  }
  std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd.get(), 0) != 0) return ErrnoStatus(path, errno);
  RETURN_IF_ERROR(WriteAll(fd, path, pid));
  return fd;
}

}  // namespace

absl::StatusOr<OutDirClaim> OutDirClaim::Claim(const std::string& out_dir,
                                               const std::string& store_dir, bool wait) {
  if (out_dir.empty()) {
    return absl::InvalidArgumentError(
        "OUTDIR is an empty path; name the folder to publish into (it is created if missing)");
  }
  OutDirClaim claim;
  ASSIGN_OR_RETURN(claim.root_, ResolvedPath(out_dir));
  RETURN_IF_ERROR(CheckAgainstStore(out_dir, claim.root_, store_dir));
  // Checked before anything is created in the folder, and again under the
  // lock (another publish may have claimed it meanwhile).
  RETURN_IF_ERROR(CheckOwned(out_dir, claim.root_).status());
  claim.created_ = !Exists(claim.root_);
  RETURN_IF_ERROR(MakeDirs(claim.root_));
  ASSIGN_OR_RETURN(claim.lock_, Lock(out_dir, claim.root_, wait));
  ASSIGN_OR_RETURN(claim.fresh_, CheckOwned(out_dir, claim.root_));
  RETURN_IF_ERROR(CheckOwnFolders(out_dir, claim.root_));
  std::string marker = JoinPath(claim.root_, kMarkerFile);
  if (!Exists(marker)) {
    RETURN_IF_ERROR(WriteFileAtomic(marker, kMarkerText));
  }
  return claim;
}

void OutDirClaim::Abandon() {
  if (!fresh_ || !lock_.valid()) return;
  absl::StatusOr<std::vector<std::string>> names = ListDir(root_);
  if (!names.ok()) return;
  for (const std::string& n : *names) {
    if (n != kLockFile && n != kMarkerFile) return;
  }
  // Best effort: what is left is harmless (an empty, marked folder).
  RemoveFile(JoinPath(root_, kMarkerFile)).IgnoreError();
  if (created_) {
    RemoveFile(JoinPath(root_, kLockFile)).IgnoreError();
    lock_ = Fd();
    RemoveDir(root_).IgnoreError();
  }
}

OutDirClaim::~OutDirClaim() {
  if (lock_.valid() && ftruncate(lock_.get(), 0) != 0) {
    // Nothing to do: the next holder rewrites it.
  }
}

}  // namespace stowage::publish
