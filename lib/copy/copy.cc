#include "lib/copy/copy.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/crypto/sha256.h"
#include "lib/oci/graph.h"
#include "lib/oci/manifest.h"
#include "lib/oci/media_types.h"

namespace stowage::copy {
namespace {

absl::Status BlobError(const oci::Descriptor& d, absl::string_view where,
                      absl::string_view what) {
  return absl::DataLossError(absl::StrCat("blob ", d.digest(), " (", where, "): ", what));
}

// What an image graph holds: its manifests (with their bytes, each child
// before the index that names it) and its other blobs, each digest once.
struct Graph {
  std::vector<std::pair<oci::Descriptor, std::string>> manifests;
  std::vector<oci::Descriptor> blobs;
  std::map<std::string, int64_t> sizes;  // every digest -> its declared size
};

// Notes `d` in the graph; DataLoss when the same digest was declared with
// another size: one of the two descriptors lies.
absl::StatusOr<bool> Note(Graph& g, const oci::Descriptor& d, absl::string_view from) {
  auto [it, added] = g.sizes.emplace(d.digest(), d.size());
  if (!added && it->second != d.size()) {
    return absl::DataLossError(absl::StrCat(
        from, ": blob ", d.digest(), " is declared with ", it->second,
        " bytes by one descriptor and ", d.size(), " by another"));
  }
  return added;
}

absl::Status Walk(transport::ImageSource& source, const oci::Descriptor& root,
                  Graph& g) {
  const std::vector<oci::Platform> held = oci::HeldPlatforms(root);
  std::deque<oci::Descriptor> queue = {root};
  std::vector<std::pair<oci::Descriptor, std::string>> found;
  while (!queue.empty()) {
    oci::Descriptor d = std::move(queue.front());
    queue.pop_front();
    ASSIGN_OR_RETURN(bool added, Note(g, d, source.name()));
    if (!added) continue;
    if (!oci::IsManifestMediaType(d.media_type())) {
      g.blobs.push_back(std::move(d));
      continue;
    }
    ASSIGN_OR_RETURN(std::string bytes, FetchManifest(source, d));
    absl::StatusOr<oci::Manifest> m = oci::Manifest::Parse(bytes, d.media_type());
    if (!m.ok()) {
      return absl::Status(m.status().code(),
                          absl::StrCat(source.name(), ": manifest ", d.digest(), ": ",
                                       m.status().message()));
    }
    if (m->is_index()) {
      for (const oci::Descriptor& child : m->manifests) {
        if (oci::Held(held, child)) queue.push_back(child);
      }
    } else {
      queue.push_back(*m->config);
      for (const oci::Descriptor& layer : m->layers) queue.push_back(layer);
    }
    found.emplace_back(std::move(d), std::move(bytes));
  }
  // Breadth first puts an index before its children: reversed, children
  // come first, as a destination must receive them.
  g.manifests.insert(g.manifests.end(), std::make_move_iterator(found.rbegin()),
                     std::make_move_iterator(found.rend()));
  return absl::OkStatus();
}

// True when the destination has `d` (and its size is d's): DataLoss when it
// has a blob of that digest with another size.
absl::StatusOr<bool> Present(transport::ImageDestination& dest,
                             const oci::Descriptor& d, absl::string_view source) {
  ASSIGN_OR_RETURN(std::optional<uint64_t> size, dest.BlobSize(d.digest()));
  if (!size.has_value()) return false;
  if (*size != static_cast<uint64_t>(d.size())) {
    return absl::DataLossError(absl::StrCat(
        dest.name(), " holds blob ", d.digest(), " with ", *size, " bytes, but ",
        source, " declares it with ", d.size(),
        ": the descriptor is wrong (or the copy there is damaged); nothing "
        "was named"));
  }
  return true;
}

// Reads a whole stream to its end (through a VerifyingReader: the check).
absl::Status Drain(transport::BlobReader& reader) {
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  while (true) {
    ASSIGN_OR_RETURN(size_t n, reader.Read(buf.get(), 1 << 20));
    if (n == 0) return absl::OkStatus();
  }
}

// A BlobReader of an open file it does not own.
class FdView : public transport::BlobReader {
 public:
  FdView(const Fd& fd, const std::string& path) : fd_(fd), path_(path) {}
  absl::StatusOr<size_t> Read(char* buf, size_t size) override {
    return ReadSome(fd_, path_, buf, size);
  }

 private:
  const Fd& fd_;
  const std::string& path_;
};

VerifyingReader::Mismatch SourceMismatch(const transport::ImageSource& source,
                                         const oci::Descriptor& d) {
  return [&source, &d](absl::string_view what) { return source.BlobMismatch(d, what); };
}

// Moves one blob from a random-access source; true when it was linked.
absl::StatusOr<bool> MoveBlob(transport::ImageSource& source,
                              transport::ImageDestination& dest,
                              const oci::Descriptor& d, const Options& options) {
  if (options.progress != nullptr) options.progress->BlobStarted(d.digest(), d.size());
  std::string file = options.allow_links ? source.BlobFile(d) : "";
  if (!file.empty()) {
    absl::Status linked = dest.LinkBlob(d, file, [&](const Fd& fd) {
      FdView view(fd, file);
      VerifyingReader check(view, d, file, options.progress);
      return Drain(check);
    });
    if (linked.ok()) return true;
    if (!absl::IsUnimplemented(linked)) return linked;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<transport::BlobReader> reader, source.GetBlob(d));
  VerifyingReader check(*reader, d, SourceMismatch(source, d), options.progress);
  RETURN_IF_ERROR(dest.PutBlob(d, check));
  return false;
}

// Runs `work` over `todo` with up to `threads` threads; the first error
// stops the rest and is returned.
absl::Status ForEach(const std::vector<oci::Descriptor>& todo, int threads,
                     const std::function<absl::Status(const oci::Descriptor&)>& work) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  absl::Status first;
  auto worker = [&] {
    while (!failed.load()) {
      size_t i = next.fetch_add(1);
      if (i >= todo.size()) return;
      absl::Status s = work(todo[i]);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failed.exchange(true)) first = s;
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  return first;
}

int ThreadCount(const Options& options, size_t work) {
  int n = options.threads > 0 ? options.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, std::min<int>(n, static_cast<int>(work)));
}

// Moves the blobs the destination lacks.
absl::Status MoveBlobs(transport::ImageSource& source, transport::ImageDestination& dest,
                       std::vector<oci::Descriptor> todo, const Options& options,
                       Stats& stats) {
  // Largest first, so that one big layer does not start last and run alone.
  std::stable_sort(todo.begin(), todo.end(),
                   [](const oci::Descriptor& a, const oci::Descriptor& b) {
                     return a.size() > b.size();
                   });
  std::mutex mu;
  auto done = [&](const oci::Descriptor& d, bool linked) {
    std::lock_guard<std::mutex> lock(mu);
    (linked ? stats.blobs_linked : stats.blobs_copied) += 1;
    (linked ? stats.bytes_linked : stats.bytes_copied) += d.size();
    if (options.progress != nullptr) options.progress->BlobFinished(d.digest());
  };
  if (source.sequential()) {
    return source.StreamBlobs(todo, [&](const oci::Descriptor& d,
                                        transport::BlobReader& reader) -> absl::Status {
      if (options.progress != nullptr) options.progress->BlobStarted(d.digest(), d.size());
      VerifyingReader check(reader, d, SourceMismatch(source, d), options.progress);
      RETURN_IF_ERROR(dest.PutBlob(d, check));
      done(d, false);
      return absl::OkStatus();
    });
  }
  return ForEach(todo, ThreadCount(options, todo.size()),
                 [&](const oci::Descriptor& d) -> absl::Status {
                   ASSIGN_OR_RETURN(bool linked, MoveBlob(source, dest, d, options));
                   done(d, linked);
                   return absl::OkStatus();
                 });
}

absl::StatusOr<oci::Descriptor> Root(transport::ImageSource& source,
                                     transport::ImageDestination& dest,
                                     const Item& item, const Options& options) {
  oci::Descriptor root = item.image;
  if (options.platform.has_value() && oci::IsIndexMediaType(root.media_type())) {
    ASSIGN_OR_RETURN(root, oci::SelectPlatform(
                               [&](const oci::Descriptor& d) {
                                 return FetchManifest(source, d);
                               },
                               root, *options.platform));
  }
  if (!options.keep_platforms.empty() && oci::IsIndexMediaType(root.media_type())) {
    ASSIGN_OR_RETURN(root, oci::PartialIndex(
                               [&](const oci::Descriptor& d) { return FetchManifest(source, d); },
                               root, options.keep_platforms));
  }
  if (!oci::HeldPlatforms(root).empty() && !dest.holds_partial_indexes()) {
    return absl::FailedPreconditionError(absl::StrCat(
        item.ref.empty() ? root.digest() : item.ref, " is a partial index (of its platforms ",
        source.name(), " holds only ", root.Annotation(oci::kPlatformsAnnotation), "), and ",
        dest.name(), " needs every platform's image: choose one with --platform OS/ARCH[/VARIANT]"));
  }
  if (!dest.holds_indexes() && oci::IsIndexMediaType(root.media_type())) {
    return absl::FailedPreconditionError(absl::StrCat(
        item.ref.empty() ? root.digest() : item.ref,
        " is a multi-platform image index, and ", dest.name(),
        " holds single images only: choose one with --platform OS/ARCH[/VARIANT]"));
  }
  return root;
}

}  // namespace

struct VerifyingReader::Impl {
  transport::BlobReader& inner;
  const oci::Descriptor& d;
  Mismatch mismatch;
  Progress* progress;
  Sha256 hasher;
  uint64_t total = 0;
  bool ended = false;
};

VerifyingReader::VerifyingReader(transport::BlobReader& inner, const oci::Descriptor& d,
                                 Mismatch mismatch, Progress* progress)
    : impl_(new Impl{inner, d, std::move(mismatch), progress, Sha256()}) {}

VerifyingReader::VerifyingReader(transport::BlobReader& inner, const oci::Descriptor& d,
                                 std::string where, Progress* progress)
    : VerifyingReader(
          inner, d,
          Mismatch([&d, where = std::move(where)](absl::string_view what) {
            return BlobError(d, where, what);
          }),
          progress) {}

VerifyingReader::~VerifyingReader() = default;

absl::StatusOr<size_t> VerifyingReader::Read(char* buf, size_t size) {
  Impl& m = *impl_;
  if (m.ended) return 0;
  const uint64_t want = static_cast<uint64_t>(m.d.size());
  ASSIGN_OR_RETURN(size_t n, m.inner.Read(buf, size));
  if (n > 0) {
    m.total += n;
    if (m.total > want) {
      return m.mismatch(absl::StrCat("longer than the ", want, " bytes its descriptor gives"));
    }
    m.hasher.Update(buf, n);
    if (m.progress != nullptr) m.progress->BlobBytes(m.d.digest(), n);
    return n;
  }
  if (m.total != want) {
    return m.mismatch(absl::StrCat("has ", m.total, " bytes, its descriptor says ", want));
  }
  std::string actual = "sha256:" + m.hasher.HexDigest();
  if (actual != m.d.digest()) {
    return m.mismatch(absl::StrCat("content hashes to ", actual));
  }
  m.ended = true;
  return 0;
}

absl::StatusOr<std::string> FetchManifest(transport::ImageSource& source,
                                          const oci::Descriptor& d) {
  if (static_cast<uint64_t>(d.size()) > oci::kMaxSmallBlob) {
    return absl::FailedPreconditionError(absl::StrCat(
        source.name(), ": manifest ", d.digest(), " declares ", d.size(),
        " bytes, more than a manifest may have (", oci::kMaxSmallBlob, ")"));
  }
  ASSIGN_OR_RETURN(std::string bytes, source.GetManifest(d));
  if (bytes.size() != static_cast<uint64_t>(d.size())) {
    return source.BlobMismatch(d, absl::StrCat("has ", bytes.size(),
                                           " bytes, its descriptor says ", d.size()));
  }
  std::string actual = Sha256::DigestOf(bytes);
  if (actual != d.digest()) {
    return source.BlobMismatch(d, absl::StrCat("content hashes to ", actual));
  }
  return bytes;
}

absl::StatusOr<Stats> CopyBlobs(transport::ImageSource& source,
                                transport::ImageDestination& destination,
                                const std::vector<oci::Descriptor>& blobs,
                                const Options& options) {
  Stats stats;
  // Every size the destination reports is checked before anything moves.
  std::vector<oci::Descriptor> todo;
  std::set<std::string> seen;
  uint64_t todo_bytes = 0;
  for (const oci::Descriptor& d : blobs) {
    if (!seen.insert(d.digest()).second) continue;
    ASSIGN_OR_RETURN(bool present, Present(destination, d, source.name()));
    if (present) {
      ++stats.blobs_present;
      stats.bytes_present += d.size();
    } else {
      todo.push_back(d);
      todo_bytes += d.size();
    }
  }
  if (options.progress != nullptr) options.progress->Start(todo.size(), todo_bytes);
  RETURN_IF_ERROR(MoveBlobs(source, destination, std::move(todo), options, stats));
  return stats;
}

absl::StatusOr<Result> CopyImages(transport::ImageSource& source,
                                  transport::ImageDestination& destination,
                                  const std::vector<Item>& items,
                                  const Options& options) {
  Result result;
  Graph g;
  for (const Item& item : items) {
    ASSIGN_OR_RETURN(oci::Descriptor root, Root(source, destination, item, options));
    RETURN_IF_ERROR(Walk(source, root, g));
    result.items.push_back(Item{std::move(root), item.ref});
  }
  // Sizes of manifests the destination has are checked before anything
  // moves, as CopyBlobs checks those of the other blobs.
  std::vector<const std::pair<oci::Descriptor, std::string>*> manifests;
  uint64_t present_count = 0, present_bytes = 0;
  for (const auto& m : g.manifests) {
    ASSIGN_OR_RETURN(bool present, Present(destination, m.first, source.name()));
    if (!present) {
      manifests.push_back(&m);
      continue;
    }
    ++present_count;
    present_bytes += m.first.size();
  }
  ASSIGN_OR_RETURN(result.stats, CopyBlobs(source, destination, g.blobs, options));
  result.stats.blobs_present += present_count;
  result.stats.bytes_present += present_bytes;
  for (const auto* m : manifests) {
    RETURN_IF_ERROR(destination.PutManifest(m->first, m->second));
    ++result.stats.blobs_copied;
    result.stats.bytes_copied += m->first.size();
  }
  for (const Item& item : result.items) {
    RETURN_IF_ERROR(destination.SetRef(item.ref, item.image));
  }
  return result;
}

}  // namespace stowage::copy
