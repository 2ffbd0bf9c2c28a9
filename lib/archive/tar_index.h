// An index of a tar archive (oci-archive:, docker-archive:), read without
// unpacking it: one pass records every entry and keeps the few small ones
// the caller asks for (manifests, configs: JSON) in memory; the caller then
// reads only the entries it needs, at their offsets when the archive is a
// plain tar, or in one more pass when it is compressed. Nothing is ever
// written to disk, so an archive holding a huge entry that no image
// references costs the time to read past it and nothing more.
//
// Entries are checked as ExtractArchive (layout_archive.h) checks them; an
// archive that would not unpack safely is not indexed either.

#ifndef STOWAGE_LIB_ARCHIVE_TAR_INDEX_H_
#define STOWAGE_LIB_ARCHIVE_TAR_INDEX_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/archive/decompress.h"
#include "lib/archive/tar_stream.h"
#include "lib/base/progress.h"

namespace stowage::archive {
namespace internal {
struct ArchiveFile;  // the open archive file (tar_index.cc)
}  // namespace internal

// One regular file of an indexed tar, or an alias of one (a hard link, or a
// symbolic link resolved with IndexOptions::resolve_symlinks). Folders are
// checked but not listed.
struct IndexedEntry {
  std::string name;          // clean and relative (CleanEntryName)
  uint64_t size = 0;         // bytes of data (an alias: its target's)
  uint64_t data_offset = 0;  // where the data starts in the decompressed
                             // stream (an alias: its target's)
  bool kept = false;         // `data` holds its bytes (never for an alias)
  std::string data;
  // For an alias, the name of the regular entry it resolves to (through
  // any chain of links); empty for a regular entry.
  std::string alias_of;

  bool is_alias() const { return !alias_of.empty(); }
};

// The data of one entry, read in order: a ByteSource (tar_stream.h), so it
// can feed a DecompressedSource or a TarReader directly. Read returns 0 at
// the end of the entry.
using EntryReader = ByteSource;

struct IndexOptions {
  // Which regular entries to keep in memory, decided from the entry's name,
  // its size and its first bytes (`head`: min(size, 64) bytes). Not called
  // for aliases. Default (empty): keep none.
  std::function<bool(absl::string_view name, uint64_t size, absl::string_view head)>
      keep;
  // A kept entry larger than this is refused: ResourceExhausted naming the
  // archive, the entry, its size and the cap.
  uint64_t max_kept_entry = uint64_t{16} << 20;
  // All kept entries together: the entry that would take the total over is
  // refused the same way.
  uint64_t max_kept_total = uint64_t{256} << 20;
  // The index's own bookkeeping: every entry read, folders too, counts
  // twice its name's length plus 256 bytes (about what it takes). Past
  // this, ResourceExhausted naming the archive, the entry and the cap: a
  // tiny compressed archive of millions of entries must not take the
  // memory the entries' data may not.
  uint64_t max_index_bytes = uint64_t{64} << 20;
  // Old `docker save` archives hold a layer already written as a relative
  // symbolic link to it (<id>/layer.tar -> ../<other>/layer.tar). With this
  // set, a symbolic link whose target, read from the link's folder, is a
  // regular entry of the archive (or, through links, leads to one) becomes
  // an alias of that entry; links that are absolute, climb out of the
  // archive, or name a folder, a missing entry or a loop are refused.
  // Without it, any symbolic link is refused.
  bool resolve_symlinks = false;
  // Told the archive file's size (Start with 0 blobs), then how many of its
  // bytes Build has read or passed over (AddBytes). Build only.
  Progress* progress = nullptr;
};

// An index of one archive file. Move-only. All const methods are
// thread-safe; every reader they hand out is independent of the others and
// of the index (it may outlive the index), and is used from one thread.
class TarIndex {
 public:
  // Reads the tar in the regular file at `path` once: plain, or compressed
  // with gzip, zstd, xz or bzip2 (as libarchive detects; libarchive's own
  // decompressors only, never an external program). Records every regular
  // entry and alias, and keeps the bytes of those options.keep picks.
  //
  // Refuses, with DataLoss "<path>: entry \"<name>\" <why>", what
  // ExtractArchive refuses: absolute names, ".." components, names longer
  // than 4096 bytes, devices, FIFOs and sockets, sparse entries, a name
  // given twice (a folder may repeat), an entry under a name that is a file,
  // hard links to anything but an earlier file (regular or hard link) of
  // the archive, and symbolic links except as IndexOptions says. Hard links
  // become aliases of the regular entry they lead to; the data a link
  // entry may carry is ignored. A damaged or truncated archive is DataLoss
  // "<path>: ... damaged or truncated (<what libarchive says>)", one that
  // is no tar DataLoss too. Caps: see IndexOptions (ResourceExhausted).
  // NotFound when nothing is at `path`, FailedPrecondition when it is not a
  // regular file (the index reads it again later); other errno statuses as
  // lib/fs gives them.
  //
  // Writes nothing to disk. Memory: the kept bytes, the bookkeeping that
  // max_index_bytes caps, and a few MiB of buffers and decompressor state.
  // The decompressor's window is what the stream declares, within
  // libarchive's limits: 128 MiB for zstd, none of its own for xz.
  // The file stays open until the index and every reader are gone.
  static absl::StatusOr<TarIndex> Build(const std::string& path,
                                        const IndexOptions& options = {});

  TarIndex(TarIndex&&) noexcept;
  TarIndex& operator=(TarIndex&&) noexcept;
  ~TarIndex();

  // The archive's path, as given to Build.
  const std::string& path() const;
  // Regular entries and aliases, in archive order.
  const std::vector<IndexedEntry>& entries() const;
  // The entry named `name` (clean, as in IndexedEntry::name); for an alias,
  // the regular entry it resolves to. nullptr when there is none. The
  // pointer lives as long as the index (or the one it is moved into).
  const IndexedEntry* Find(absl::string_view name) const;
  // The archive file's compression (the outermost, were there several).
  Compression compression() const;
  // The bytes of all kept entries together.
  uint64_t kept_bytes() const;

  // True for a plain (uncompressed) tar: then OpenEntry works, for entries
  // in any order and from several threads at once.
  bool random_access() const;

  // A reader of the data of the entry named `e.name` (an alias reads its
  // target's data), which reads the file at the entry's offset (pread) and
  // never outside the entry. FailedPrecondition unless random_access();
  // NotFound when the index has no such entry. DataLoss "<path>: changed
  // since it was indexed" when the file's size or mtime differ from what
  // Build saw (checked here), or the file ends inside the entry (checked
  // as it is read). The reader's Skip skips within the entry.
  absl::StatusOr<std::unique_ptr<EntryReader>> OpenEntry(const IndexedEntry& e) const;

  // One more pass over the archive from its start (for compressed
  // archives; it works for plain ones too, seeking past what it skips).
  // Calls `fn` in archive order once for each regular entry that a name of
  // `names` finds (Find: an alias and its target count once, and `fn` sees
  // the target entry), with a reader of its data valid during the call;
  // what `fn` leaves unread is skipped, and so are entries not asked for,
  // without being kept. Stops after the last entry asked for, or at fn's
  // first error, which it returns as it is.
  //
  // NotFound "<path>: no entry \"a\", \"b\"" naming the names the index has
  // no entry for, before reading anything. DataLoss "<path>: changed since
  // it was indexed ..." when the file's size or mtime differ from Build's,
  // or an entry read on the way differs in name, kind, size or (plain tar)
  // offset from the index; other damage as Build reports it.
  absl::Status Stream(
      const std::set<std::string>& names,
      const std::function<absl::Status(const IndexedEntry&, EntryReader&)>& fn) const;

 private:
  TarIndex();

  std::shared_ptr<const internal::ArchiveFile> file_;
  std::vector<IndexedEntry> entries_;
  absl::flat_hash_map<std::string, size_t> by_name_;  // -> the regular entry
  Compression compression_ = Compression::kNone;
  uint64_t kept_bytes_ = 0;
};

}  // namespace stowage::archive

#endif  // STOWAGE_LIB_ARCHIVE_TAR_INDEX_H_
