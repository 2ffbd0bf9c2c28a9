#include "lib/crypto/hash_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>

#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"

namespace stowage {
namespace {

// Large reads: few system calls, and each 4 MiB chunk is hashed while it is
// still in cache.
constexpr size_t kReadChunk = size_t{4} << 20;

void HashFile(std::vector<char>& buf, Progress* progress, FileHash& f) {
  absl::StatusOr<Fd> fd = OpenForRead(f.path);
  if (!fd.ok()) {
    f.error = std::string(fd.status().message());
    return;
  }
  posix_fadvise(fd->get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  Sha256 h;
  uint64_t offset = 0;
  for (;;) {
    ssize_t n = pread(fd->get(), buf.data(), buf.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      f.error = std::string(ErrnoStatus(f.path, errno).message());
      return;
    }
    if (n == 0) break;
    h.Update(buf.data(), static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
    if (progress != nullptr) progress->AddBytes(static_cast<uint64_t>(n));
  }
  f.size = offset;
  f.hex = h.HexDigest();
}

}  // namespace

void HashFiles(std::vector<FileHash>& files, int threads, Progress* progress) {
  if (threads <= 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return files[a].size > files[b].size; });
  std::atomic<size_t> next{0};
  auto work = [&] {
    std::vector<char> buf(kReadChunk);
    for (size_t i; (i = next.fetch_add(1)) < order.size();) {
      HashFile(buf, progress, files[order[i]]);
      if (progress != nullptr) progress->BlobDone();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

}  // namespace stowage
