// OCI documents (lib/oci): image manifests and indexes as Manifest::Parse
// reads them (under each media type a parent descriptor may give), a
// layout's index.json as ParseIndex reads it, single descriptors and
// platform strings. A parsed index.json serializes to text that parses to
// the same entries; every descriptor parsed has a valid digest and size.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "lib/json/json_value.h"
#include "lib/oci/descriptor.h"
#include "lib/oci/layout.h"
#include "lib/oci/manifest.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"

namespace {

void CheckDescriptor(const stowage::oci::Descriptor& d) {
  FUZZ_CHECK(!d.media_type().empty());
  FUZZ_CHECK(d.size() >= 0);
  FUZZ_CHECK(stowage::ValidateDigest(d.digest()).ok());
  FUZZ_CHECK(stowage::oci::DigestHex(d.digest()).size() == 64);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  namespace oci = stowage::oci;
  for (const char* parent : {"", oci::kOciManifest, oci::kOciIndex, oci::kDockerManifest,
                             oci::kDockerManifestList}) {
    absl::StatusOr<oci::Manifest> m = oci::Manifest::Parse(text, parent);
    if (!m.ok()) continue;
    FUZZ_CHECK(!m->media_type.empty());
    if (m->config) CheckDescriptor(*m->config);
    if (m->subject) CheckDescriptor(*m->subject);
    for (const oci::Descriptor& d : m->layers) CheckDescriptor(d);
    for (const oci::Descriptor& d : m->manifests) CheckDescriptor(d);
    FUZZ_CHECK(m->is_index() || m->manifests.empty());
  }

  absl::StatusOr<oci::Index> index = oci::ParseIndex(text, "index.json");
  if (index.ok()) {
    for (const oci::Descriptor& d : index->manifests) CheckDescriptor(d);
    const std::string out = index->Serialize();
    absl::StatusOr<oci::Index> again = oci::ParseIndex(out, "index.json");
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->manifests.size() == index->manifests.size());
    for (size_t i = 0; i < index->manifests.size(); ++i) {
      FUZZ_CHECK(again->manifests[i].json() == index->manifests[i].json());
    }
    FUZZ_CHECK(again->Serialize() == out);
  }

  absl::StatusOr<stowage::JsonValue> json = stowage::JsonValue::Parse(text);
  if (json.ok()) {
    absl::StatusOr<oci::Descriptor> d = oci::Descriptor::FromJson(*json);
    if (d.ok()) CheckDescriptor(*d);
  }
  absl::StatusOr<oci::Platform> platform = oci::Platform::Parse(text);
  if (platform.ok()) {
    absl::StatusOr<oci::Platform> again = oci::Platform::Parse(platform->String());
    FUZZ_CHECK(again.ok() && again->String() == platform->String());
  }
  return 0;
}
