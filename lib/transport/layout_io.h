// Reading and writing OCI image layouts on disk for the transports that keep
// one (oci:, the store, and the staging layouts of archive destinations).
// Not a transport itself: the pieces they share.

#ifndef STOWAGE_LIB_TRANSPORT_LAYOUT_IO_H_
#define STOWAGE_LIB_TRANSPORT_LAYOUT_IO_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/oci/layout.h"
#include "lib/transport/transport.h"

namespace stowage::transport {

// A private directory under a scratch folder, removed with everything in it
// when the ScratchDir is destroyed. Move-only.
class ScratchDir {
 public:
  // Makes "<scratch>/<prefix>-XXXXXX" (and `scratch` if missing).
  static absl::StatusOr<ScratchDir> Make(const std::string& scratch,
                                         absl::string_view prefix);
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Where a destination that is one file (an archive) stages what it packs:
// under `options.scratch` (the store's, so blobs can be linked), or, when
// that cannot be written (a read-only store), in a hidden folder beside
// `file` itself.
absl::StatusOr<ScratchDir> StagingFor(const std::string& file, const OpenOptions& options,
                                      absl::string_view prefix);

// A BlobReader of an open file, from where it stands to its end.
class FdBlobReader : public BlobReader {
 public:
  FdBlobReader(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t size) override;
  const Fd& fd() const { return fd_; }

 private:
  Fd fd_;
  std::string path_;
};

// Opens blob `d` of `layout` for reading: a regular file, never a symbolic
// link (a layout from a disk that crossed an air gap may hold one pointing
// at /etc/shadow). NotFound "blob D is missing from DIR"; DataLoss for
// something that is not a regular file.
absl::StatusOr<Fd> OpenBlob(const oci::Layout& layout, const oci::Descriptor& d);

// An ImageSource over a layout on disk: refs from index.json, blobs as its
// files (BlobFile names them, so a destination may link them). Thread-safe.
class LayoutSource : public ImageSource {
 public:
  LayoutSource(oci::Layout layout, std::string name,
               RefKind kind = RefKind::kTag, std::string given_ref = "")
      : layout_(std::move(layout)),
        name_(std::move(name)),
        kind_(kind),
        given_ref_(std::move(given_ref)) {}

  const std::string& name() const override { return name_; }
  RefKind ref_kind() const override { return kind_; }
  const std::string& given_ref() const override { return given_ref_; }
  absl::StatusOr<std::vector<Ref>> Refs() override;
  absl::StatusOr<std::string> GetManifest(const oci::Descriptor& d) override;
  absl::StatusOr<std::unique_ptr<BlobReader>> GetBlob(const oci::Descriptor& d) override;
  std::string BlobFile(const oci::Descriptor& d) const override;

  const oci::Layout& layout() const { return layout_; }

 private:
  oci::Layout layout_;
  std::string name_;
  RefKind kind_;
  std::string given_ref_;
};

// Puts blobs into a layout. Each blob is written (or linked) under a
// temporary name in blobs/sha256 and given its own name only by
// CommitBlobs, after one syncfs has made every one durable: a blob that has
// its name is whole, even after a crash, without an fsync per blob. A
// LayoutWriter destroyed before CommitBlobs removes what it wrote.
// Thread-safe.
class LayoutWriter {
 public:
  struct Options {
    // syncfs before the blobs get their names (off for scratch layouts that
    // are packed into an archive and removed).
    bool durable = true;
    // Link only source files every user may read (mode 0444 or more).
    bool link_only_world_readable = false;
    // Make the layout (Layout::OpenOrCreate) before the first write, so
    // that a destination that fails before it writes leaves nothing; and
    // take what was made away again when the writer is destroyed before
    // CommitBlobs (only the files Layout::OpenOrCreate makes, and folders
    // left empty).
    bool create = false;
  };
  LayoutWriter(oci::Layout layout, std::string name, Options options);
  ~LayoutWriter();
  LayoutWriter(const LayoutWriter&) = delete;
  LayoutWriter& operator=(const LayoutWriter&) = delete;

  const oci::Layout& layout() const { return layout_; }

  // The size of the blob the layout has under `digest` (a regular file).
  absl::StatusOr<std::optional<uint64_t>> BlobSize(const std::string& digest) const;
  // As ImageDestination's.
  absl::Status PutBlob(const oci::Descriptor& d, BlobReader& reader);
  absl::Status LinkBlob(const oci::Descriptor& d, const std::string& file,
                        const std::function<absl::Status(const Fd&)>& verify);
  absl::Status PutBytes(const oci::Descriptor& d, absl::string_view bytes);
  // For writers that push bytes rather than hand over a reader: a new
  // temporary blob file, and then the blob `d` it holds (which the caller
  // has checked against `d`), kept until CommitBlobs.
  absl::StatusOr<TempFile> NewBlobFile();
  void Keep(const oci::Descriptor& d, TempFile file);
  // Gives every blob put so far its name (see above). A blob already there
  // under that name (another writer's) is kept and ours dropped.
  absl::Status CommitBlobs();
  // Makes the layout when Options::create asks for it (once).
  absl::Status EnsureLayout();

 private:
  absl::StatusOr<std::string> TempName(const oci::Descriptor& d) const;
  void AddPending(const oci::Descriptor& d, std::string temp);

  oci::Layout layout_;
  std::string name_;
  Options options_;
  std::string blobs_dir_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> pending_;  // digest -> temporary name
  bool created_ = false;   // EnsureLayout made the layout
  bool made_dir_ = false;  // ... and its folder
  bool committed_ = false;
};

// An ImageDestination over a layout on disk: blobs through a LayoutWriter,
// refs written to index.json at Commit (after the blobs have their names),
// replacing the entries of the same ref names and keeping the others.
// Subclasses change how refs are written (the store) or what Commit makes
// of the layout (archives). Thread-safe.
class LayoutDestination : public ImageDestination {
 public:
  LayoutDestination(oci::Layout layout, std::string name, std::string given_ref,
                    LayoutWriter::Options options);

  const std::string& name() const override { return name_; }
  const std::string& given_ref() const override { return given_ref_; }
  absl::StatusOr<std::optional<uint64_t>> BlobSize(const std::string& digest) override {
    return writer_.BlobSize(digest);
  }
  absl::Status PutBlob(const oci::Descriptor& d, BlobReader& reader) override {
    return writer_.PutBlob(d, reader);
  }
  absl::Status LinkBlob(const oci::Descriptor& d, const std::string& file,
                        const std::function<absl::Status(const Fd&)>& verify) override {
    return writer_.LinkBlob(d, file, verify);
  }
  absl::Status PutManifest(const oci::Descriptor& d, absl::string_view bytes) override {
    return writer_.PutBytes(d, bytes);
  }
  absl::Status SetRef(const std::string& ref, const oci::Descriptor& d) override;
  absl::Status Commit() override;

 protected:
  LayoutWriter& writer() { return writer_; }
  // The refs set so far, in order.
  std::vector<std::pair<std::string, oci::Descriptor>> refs() const;
  // Writes the refs into index.json.
  virtual absl::Status WriteRefs();

 private:
  LayoutWriter writer_;
  std::string name_;
  std::string given_ref_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, oci::Descriptor>> refs_;
};

// A destination that is one file (an archive): a layout staged in a
// private folder (StagingFor), made into the file by `pack` at Commit,
// after the blobs and refs are in the staged layout.
class PackedDestination : public LayoutDestination {
 public:
  using Pack = std::function<absl::Status(const oci::Layout& staged, const ScratchDir& dir)>;
  PackedDestination(oci::Layout layout, std::string name, std::string given_ref,
                    ScratchDir dir, Pack pack)
      : LayoutDestination(std::move(layout), std::move(name), std::move(given_ref),
                          LayoutWriter::Options{/*durable=*/false}),
        dir_(std::move(dir)),
        pack_(std::move(pack)) {}

  absl::Status Commit() override {
    RETURN_IF_ERROR(LayoutDestination::Commit());
    return pack_(writer().layout(), dir_);
  }

 private:
  ScratchDir dir_;
  Pack pack_;
};

}  // namespace stowage::transport

#endif  // STOWAGE_LIB_TRANSPORT_LAYOUT_IO_H_
