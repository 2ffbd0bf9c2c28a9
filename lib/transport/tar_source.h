// What the archive transports' sources share: an archive read in place
// through archive::TarIndex, never unpacked. Small JSON entries (index.json,
// manifests, configs) are read once into memory; every other blob is read
// from its entry when the copy asks for it: at its offset (several at once)
// in a plain tar, or in one more pass front to back in a compressed one.
// Nothing the chosen images do not reference is read past the first pass,
// and nothing at all is written to disk.

#ifndef STOWAGE_LIB_TRANSPORT_TAR_SOURCE_H_
#define STOWAGE_LIB_TRANSPORT_TAR_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/archive/tar_index.h"
#include "lib/transport/transport.h"

namespace stowage::transport {

// Builds the index of the archive at `path` for a source named `name`,
// refusing clearly what it cannot read: a missing file (NotFound) and a
// pipe or device (FailedPrecondition: an archive source reads the file
// twice; save the stream to a file, or carry it as a bundle).
absl::StatusOr<archive::TarIndex> IndexArchive(const std::string& path,
                                               const archive::IndexOptions& options);

// True for bytes that start (after white space) as a JSON object: how a
// manifest, an index or a config is told from a layer without reading it.
bool LooksLikeJsonObject(absl::string_view head);

class TarSource : public ImageSource {
 public:
  const std::string& name() const override { return name_; }
  const std::string& given_ref() const override { return given_ref_; }
  absl::StatusOr<std::string> GetManifest(const oci::Descriptor& d) override;
  absl::StatusOr<std::unique_ptr<BlobReader>> GetBlob(const oci::Descriptor& d) override;
  bool sequential() const override { return !index_.random_access(); }
  absl::Status StreamBlobs(
      const std::vector<oci::Descriptor>& blobs,
      const std::function<absl::Status(const oci::Descriptor&, BlobReader&)>& fn) override;

 protected:
  TarSource(archive::TarIndex index, std::string name, std::string given_ref)
      : index_(std::move(index)), name_(std::move(name)), given_ref_(std::move(given_ref)) {}

  // Where blob `d` is: bytes in memory, or an entry of the archive, stored
  // plain or compressed (then its blob is the entry decompressed).
  struct Place {
    const std::string* bytes = nullptr;
    std::string entry;
    bool decompress = false;
  };
  // NotFound naming the blob when the archive does not hold it.
  virtual absl::StatusOr<Place> Locate(const oci::Descriptor& d) const = 0;

  const archive::TarIndex& index() const { return index_; }

 private:
  // The entry of `place`, checked against `d`'s size when it is stored plain.
  absl::StatusOr<const archive::IndexedEntry*> Entry(const oci::Descriptor& d,
                                                     const Place& place) const;
  absl::StatusOr<std::unique_ptr<BlobReader>> Open(const Place& place,
                                                   std::unique_ptr<archive::ByteSource> raw);

  archive::TarIndex index_;
  std::string name_;
  std::string given_ref_;
};

}  // namespace stowage::transport

#endif  // STOWAGE_LIB_TRANSPORT_TAR_SOURCE_H_
