// Test helpers for lib/oci and its users: scratch directories under
// testing::TempDir(), small layouts built blob by blob, and a recording
// Progress. Test-only.

#ifndef STOWAGE_LIB_OCI_OCI_TESTING_H_
#define STOWAGE_LIB_OCI_OCI_TESTING_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/base/progress.h"
#include "lib/oci/descriptor.h"
#include "lib/oci/layout.h"

namespace stowage::oci::oci_testing {

// A new, empty directory under ::testing::TempDir().
std::string NewTempDir(absl::string_view prefix = "oci");

// A layout in a new directory. Fails the test (and returns a layout at a
// bogus path) if it cannot be made.
Layout NewLayout();

// Writes `bytes` as a blob of `layout` and returns its descriptor.
Descriptor AddBlob(const Layout& layout, absl::string_view media_type,
                   absl::string_view bytes);

// A descriptor of `bytes` (nothing is written).
Descriptor DescriptorOf(absl::string_view media_type, absl::string_view bytes);

// `d` with a "platform" object; `platform` is "os/arch[/variant]".
Descriptor WithPlatform(const Descriptor& d, absl::string_view platform);

// The JSON of an OCI image manifest (with "mediaType").
std::string ImageManifestJson(const Descriptor& config,
                              const std::vector<Descriptor>& layers);
// The JSON of an OCI index (with "mediaType").
std::string IndexJson(const std::vector<Descriptor>& manifests);

// Names in `layout`'s blobs/sha256 that are temporary files (".tmp...").
std::vector<std::string> TempFilesIn(const Layout& layout);

// Deterministic bytes of a given length, different per seed.
std::string Bytes(size_t n, int seed);

// A thread-safe Progress that records what it is told.
class FakeProgress : public Progress {
 public:
  void Start(uint64_t blobs, uint64_t bytes) override;
  void AddBytes(uint64_t bytes) override;
  void BlobDone() override;

  int starts() const;
  uint64_t start_blobs() const;
  uint64_t start_bytes() const;
  uint64_t bytes() const;
  uint64_t blobs_done() const;

 private:
  mutable std::mutex mu_;
  int starts_ = 0;
  uint64_t start_blobs_ = 0;
  uint64_t start_bytes_ = 0;
  uint64_t bytes_ = 0;
  uint64_t blobs_done_ = 0;
};

}  // namespace stowage::oci::oci_testing

#endif  // STOWAGE_LIB_OCI_OCI_TESTING_H_
