#include "lib/registry/blob_locations.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/fs/file.h"
#include "lib/reference/reference.h"

namespace stowage::registry {
namespace {

std::string DefaultFile() {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::string dir = cache != nullptr && cache[0] == '/' ? cache
                    : home != nullptr && home[0] == '/' ? absl::StrCat(home, "/.cache")
                                                        : "";
  return dir.empty() ? "" : dir + "/stowage/blob-locations";
}

// A line as Add writes it, every field checked: the file is only a hint,
// and a hostile one must not make us ask for anything strange.
bool ParseLine(absl::string_view line, std::string* key, std::string* repository) {
  std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
  if (f.size() != 3 || f[0].empty() || f[0].size() > 255) return false;
  if (f[0].find_first_of("/?&#%") != absl::string_view::npos) return false;
  if (!ValidateDigest(f[1]).ok()) return false;
  if (!ValidateRepository(f[2], RuleSet::kOci).ok()) return false;
  *key = absl::StrCat(f[0], " ", f[1]);
  *repository = std::string(f[2]);
  return true;
}

}  // namespace

BlobLocations& BlobLocations::Default() {
  static BlobLocations* known = new BlobLocations(DefaultFile());
  return *known;
}

void BlobLocations::LoadLocked() {
  if (loaded_) return;
  loaded_ = true;
  if (file_.empty()) return;
  absl::StatusOr<std::string> text = ReadFile(file_, 64 << 20);
  if (!text.ok()) return;
  std::string key, repository;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    ++lines_;
    if (ParseLine(line, &key, &repository)) repos_[key] = repository;
  }
  if (lines_ > kMaxEntries) CompactLocked();
}

// Keeps one line per blob, and no more than kMaxEntries of them.
void BlobLocations::CompactLocked() {
  std::string text;
  size_t n = 0;
  for (auto it = repos_.begin(); it != repos_.end() && n < kMaxEntries; ++it, ++n) {
    absl::StrAppend(&text, it->first, " ", it->second, "\n");
  }
  if (WriteFileAtomic(file_, text).ok()) lines_ = n;
}

void BlobLocations::Add(const std::string& host, const std::string& digest,
                        const std::string& repository) {
  std::lock_guard<std::mutex> lock(mu_);
  LoadLocked();
  std::string key = absl::StrCat(host, " ", digest);
  auto [it, added] = repos_.emplace(key, repository);
  if (!added && it->second == repository) return;
  it->second = repository;
  std::string line = absl::StrCat(key, " ", repository, "\n");
  std::string check_key, check_repo;
  if (file_.empty() || !ParseLine(line.substr(0, line.size() - 1), &check_key, &check_repo)) {
    return;
  }
  const std::string dir = Dirname(file_);
  if (!Exists(dir) && !MakeDirs(dir, 0700).ok()) return;
  int fd = open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  // One write of one short line: appended whole, whoever else appends.
  (void)!write(fd, line.data(), line.size());
  close(fd);
  if (++lines_ > 2 * kMaxEntries) CompactLocked();
}

std::string BlobLocations::Find(const std::string& host, const std::string& digest) {
  std::lock_guard<std::mutex> lock(mu_);
  LoadLocked();
  auto it = repos_.find(absl::StrCat(host, " ", digest));
  return it == repos_.end() ? "" : it->second;
}

}  // namespace stowage::registry
