// The bundle's documents (lib/bundle/format.h): stowage-bundle.json and
// FILE.parts.json. A manifest or part index that parses serializes to bytes
// that parse again and serialize to the same bytes (the bundle id is the
// hash of those bytes, so they must be stable).

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "lib/bundle/format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace bundle = stowage::bundle;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<bundle::Manifest> m = bundle::ParseManifest(text, bundle::kManifestName);
  if (m.ok()) {
    const std::string out = bundle::SerializeManifest(*m);
    absl::StatusOr<bundle::Manifest> again = bundle::ParseManifest(out, bundle::kManifestName);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(bundle::SerializeManifest(*again) == out);
    FUZZ_CHECK(again->catalog == m->catalog);
    FUZZ_CHECK(bundle::BundleId(out).size() == 7 + 64);
    m->BlobBytes();
  }
  absl::StatusOr<bundle::PartIndex> parts = bundle::ParsePartIndex(text, "b.tar.parts.json");
  if (parts.ok()) {
    uint64_t total = 0;
    for (const bundle::PartInfo& p : parts->parts) {
      FUZZ_CHECK(!p.name.empty() && p.name.find('/') == std::string::npos);
      total += p.size;
    }
    FUZZ_CHECK(total == parts->size);
    const std::string out = bundle::SerializePartIndex(*parts);
    absl::StatusOr<bundle::PartIndex> again = bundle::ParsePartIndex(out, "b.tar.parts.json");
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(bundle::SerializePartIndex(*again) == out);
  }
  bundle::LooksLikeJson(text);
  return 0;
}
