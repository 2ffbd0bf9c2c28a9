// The store: an OCI image layout that holds named repositories.
//
// Each tag is one entry of index.json whose annotation
// org.opencontainers.image.ref.name is "<repository>:<tag>", for example
// "library/python:3.12", so any OCI tool reads it (skopeo copy
// oci:STORE:library/python:3.12 ...) and writes it. Blobs are stored once by
// digest. stowage's own files live under STORE/stowage/ and never inside
// image content.
//
// Writers hold the store's lock (STORE/stowage/lock) while they read, change
// and replace index.json, so two processes never lose each other's tags.
// Blobs are added before the index names them; a process killed midway
// leaves only unreferenced, complete blobs, which gc removes.
//
// Other OCI tools write the store without that lock. skopeo 1.9 (`skopeo
// copy ... oci:STORE:REF`) reads index.json when the copy starts, writes the
// blobs, and when it ends rewrites index.json in place (opened with O_TRUNC,
// one write) as the copy it read at the start plus its own entry. Hence:
//  - stowage never drops an entry skopeo wrote: UpdateIndex notices that
//    index.json changed under it and starts over;
//  - a tag stowage writes while such a copy runs (after skopeo read
//    index.json, before it wrote it back) is dropped by skopeo's stale copy,
//    which stowage cannot prevent: do not tag while a skopeo copy into the
//    same store runs, or tag again once it has finished;
//  - gc spares young unreferenced blobs (GcOptions::grace): skopeo's blobs
//    are unreferenced until its copy ends.
//
// A store that cannot be written (a read-only mount, files of another user)
// can still be read: Open creates nothing, readers take no lock or
// BlobReadLock, which does without one there, and writers fail at their
// first lock with PermissionDenied naming the store.

#ifndef STOWAGE_LIB_STORE_STORE_H_
#define STOWAGE_LIB_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/fs/file.h"
#include "lib/oci/descriptor.h"
#include "lib/oci/layout.h"

namespace stowage::store {

// The store to use when none is named: $STOWAGE_STORE, else
// $XDG_DATA_HOME/stowage, else $HOME/.local/share/stowage.
std::string DefaultStorePath();

// A repository and tag as the store names them.
struct TagName {
  std::string repository;  // normalized, e.g. "library/ubuntu"
  std::string tag;

  std::string String() const { return repository + ":" + tag; }
  bool operator<(const TagName& o) const {
    return repository != o.repository ? repository < o.repository : tag < o.tag;
  }
  bool operator==(const TagName& o) const {
    return repository == o.repository && tag == o.tag;
  }
};

// Parses "REPOSITORY[:TAG]" ("latest" by default) with the OCI name rules
// (nested paths allowed; a bare NAME means library/NAME). A host, or a
// digest, is InvalidArgument: store names have neither.
absl::StatusOr<TagName> ParseTagName(absl::string_view text);

struct TagEntry {
  TagName name;
  oci::Descriptor descriptor;
};

// One tag as Store::ScanTags reads it: the descriptor's required fields,
// validated as oci::Descriptor::FromJson validates them, and the entry's
// JSON text for the rest.
//
// Lifetime: `media_type`, `digest` and `raw` are views into memory that the
// TagScan holding this summary owns (index.json's text, or the decoded copy
// of a value written with escapes). They stay valid as long as that TagScan
// lives, moved or not: a summary copied out of its TagScan must not outlive
// it.
struct TagSummary {
  TagName name;
  absl::string_view media_type;
  absl::string_view digest;
  int64_t size = 0;
  // This entry's JSON object in index.json (from '{' to '}').
  absl::string_view raw;
};

// index.json as Store::ScanTags reads it. Move-only (callers keep pointers
// into `tags`); moving a TagScan keeps every view in it valid: the memory
// they point into is held by `owner` and never moves.
struct TagScan {
  TagScan() = default;
  TagScan(TagScan&&) = default;
  TagScan& operator=(TagScan&&) = default;
  TagScan(const TagScan&) = delete;
  TagScan& operator=(const TagScan&) = delete;

  // Owns index.json's bytes (a string read, or a mapping of the file) and
  // the decoded values that the views point into; null for an empty scan.
  std::shared_ptr<const void> owner;
  // index.json's bytes; `tags[i].raw` points into them.
  absl::string_view text;
  // Exactly what Store::Tags() returns, in the same order.
  std::vector<TagSummary> tags;
  // Exactly what Store::Tags(&skipped) reports.
  std::vector<std::string> skipped;
};
// The full entry of a summary, its descriptor parsed from `summary.raw`
// (JsonValue::Parse, then oci::Descriptor::FromJson): for a summary from
// ScanTags, what Tags() gives for that tag. InvalidArgument (or
// Unimplemented, as FromJson) when `raw` is not a valid descriptor, which
// only a summary made by hand can be. `summary.raw` must be valid.
absl::StatusOr<TagEntry> Full(const TagSummary& summary);

class Store {
 public:
  // Creates a store at `dir` (its parents too), or opens the one there.
  static absl::StatusOr<Store> Init(const std::string& dir);
  // Opens an existing store, creating nothing, so that a store this process
  // cannot write (a read-only mount, no permission) can be read; writers
  // make what they need under STORE/stowage/ when they first need it.
  // NotFound, with the `stowage init` hint, when there is none. An
  // oci-layout file that is there but invalid is read again for 150 ms
  // first (skopeo rewrites it in place).
  static absl::StatusOr<Store> Open(const std::string& dir);

  const std::string& dir() const { return layout_.dir(); }
  const oci::Layout& layout() const { return layout_; }
  // A directory for temporary files on the store's filesystem. Made by
  // Init; on a store opened with Open it may be missing (writers make it).
  std::string TempDir() const;

  // index.json opened and mapped, for a caller that keeps the file (to hash
  // it, link it) as well as scanning it (ScanTagsOf). One that another
  // program is rewriting in place is mapped again for 150 ms, as Tags()
  // reads it.
  struct MappedIndex {
    Fd fd;
    MappedFile data;
  };
  absl::StatusOr<MappedIndex> MapIndex() const;

  // index.json as a whole, read as Tags() reads it (no lock; one that
  // another program is rewriting in place is read again for 150 ms).
  absl::StatusOr<oci::Index> ReadIndex() const;

  // Every tag, sorted by repository then tag. Entries of index.json whose
  // name is not "<repository>:<tag>" (written by other tools) are skipped
  // and counted in `*skipped` when given. Takes no lock: stowage replaces
  // index.json atomically; one that another program is rewriting in place
  // (no JSON yet) is read again for 150 ms, as in UpdateIndex.
  absl::StatusOr<std::vector<TagEntry>> Tags(std::vector<std::string>* skipped =
                                                 nullptr) const;
  // Tags() and its skipped names, about five times faster: reads only each
  // entry's name, media type, digest and size, without a JsonValue tree or
  // a Descriptor per entry (Full() makes one when needed). index.json is
  // validated as Tags() validates it, and the errors are the same: DataLoss
  // naming index.json's path and, for a bad entry, "manifests[i]". Like
  // Tags(), takes no lock and waits out a half-written index.json.
  absl::StatusOr<TagScan> ScanTags() const;
  // ScanTags() of index.json's bytes that the caller has read (to hash or
  // keep them as well); errors name index.json's path as ScanTags' do.
  absl::StatusOr<TagScan> ScanTagsOf(std::string index_json) const;
  // The same of index.json mapped by the caller (MappedFile::Map of a
  // descriptor it keeps, for example to link the very file later): no copy
  // of its bytes is made, and the TagScan owns the mapping from then on.
  // Much faster in a fresh process than reading the file. The views of the
  // TagScan read the mapping: the file must not be rewritten in place while
  // the TagScan lives (stowage replaces index.json by rename, which is safe;
  // see MappedFile).
  absl::StatusOr<TagScan> ScanTagsOf(MappedFile index_json) const;
  // One tag. NotFound when the store has no such tag.
  absl::StatusOr<TagEntry> Find(const TagName& name) const;

  // Takes the store's lock, reads index.json, lets `change` edit it, and
  // replaces index.json atomically (entries sorted by name). When `change`
  // fails, nothing is written and its status is returned.
  //
  // Other programs write index.json without that lock, in place (skopeo
  // truncates it, then writes). So UpdateIndex reads index.json again just
  // before the rename, and when its bytes differ from what `change` saw it
  // writes nothing and runs the whole read-change-write again, on the new
  // bytes (up to 20 times, then Aborted, naming index.json). A read that is
  // no JSON at all, as a file halfway written is, is tried again for 150 ms
  // before it is DataLoss. `change` may therefore be called more than
  // once, each time with a fresh index: it must not accumulate results
  // across calls (reset what it records when it starts). Not closed: a write
  // by another program in the microseconds between that last read and the
  // rename is lost.
  absl::Status UpdateIndex(
      const std::function<absl::Status(oci::Index&)>& change) const;

  // Held by every writer while it adds blobs (shared), and by gc while it
  // deletes them (exclusive), so gc never deletes a blob that an import
  // has placed but not yet tagged. Makes STORE/stowage/gc.lock when missing;
  // PermissionDenied, naming the store, when the store cannot be written
  // (the same from every writer: UpdateIndex and Gc).
  absl::StatusOr<FileLock> BlobWriteLock() const;
  // The same lock, shared, for a reader that must not see blobs deleted
  // under it (bundle create reads every blob of the tags it picked). Works
  // on a store this process cannot write: opens gc.lock read-only; when it
  // is missing and cannot be made, or may not be opened (EACCES, EPERM,
  // EROFS), returns a FileLock that holds nothing (where nobody may write
  // the store, nobody can gc it; a user who may only read a store that
  // another user writes is not protected from that user's gc when gc.lock
  // is missing or unreadable to them). Other errors as FileLock gives them.
  absl::StatusOr<FileLock> BlobReadLock() const;

  // Sets tags to point at descriptors (a tag that exists is moved).
  absl::Status SetTags(const std::vector<TagEntry>& entries) const;

  // Removes tags: `tag` of `repository`, or every tag of it when `tag` is
  // empty. Returns how many were removed; NotFound when none matched.
  absl::StatusOr<size_t> RemoveTags(const std::string& repository,
                                    const std::string& tag) const;

  struct GcOptions {
    // Only count what would be deleted; delete nothing.
    bool dry_run = false;
    // Garbage younger than this is kept. Other tools (skopeo copy ...
    // oci:STORE:...) write blobs into the store without taking stowage's
    // locks and name them in index.json only at the end, so a blob that no
    // entry reaches may belong to a copy still running. Age is the newer of
    // a file's mtime and ctime (link(2) and rename(2) update ctime, so a
    // hard-linked blob with an old mtime that was just linked is young).
    absl::Duration grace = absl::Hours(1);
  };
  struct GcReport {
    uint64_t blobs_removed = 0;
    uint64_t bytes_freed = 0;
    uint64_t blobs_kept = 0;  // reached by an index entry
    // Unreferenced blobs, ".tmp-*" files of blobs/sha256 and entries of
    // TempDir() left alone because they are younger than the grace period.
    uint64_t kept_young = 0;
  };
  // Deletes blobs no index entry reaches, the temporary files of blobs/sha256
  // and the entries of TempDir(), except those younger than
  // `options.grace`. Takes STORE/stowage/gc.lock exclusively (waiting for
  // stowage's imports to finish) and the store's lock. Stops before deleting
  // anything when a tagged image is damaged (its error, annotated).
  absl::StatusOr<GcReport> Gc(const GcOptions& options) const;

 private:
  explicit Store(oci::Layout layout) : layout_(std::move(layout)) {}
  absl::StatusOr<FileLock> Lock() const;
  oci::Layout layout_;
};

// Builds the store's index entry for `name` from the descriptor of an image
// (media type, digest, size, platform and artifactType kept; other
// annotations dropped; the ref name set).
oci::Descriptor StoreEntry(const oci::Descriptor& image, const TagName& name);

}  // namespace stowage::store

#endif  // STOWAGE_LIB_STORE_STORE_H_
