// The catalog file (lib/catalog): STORE/stowage/catalog.json as
// ReadCatalog parses it (no base folder: a stored catalog names no README
// files). What parses is valid, and ParseCatalog(SerializeCatalog(c)) == c,
// as metadata.h promises; the serialized bytes are stable.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "lib/catalog/metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace catalog = stowage::catalog;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<catalog::Catalog> c = catalog::ParseCatalog(text, "catalog.json", "");
  if (!c.ok()) return 0;
  FUZZ_CHECK(catalog::ValidateCatalog(*c, "catalog.json").ok());
  const std::string out = catalog::SerializeCatalog(*c);
  absl::StatusOr<catalog::Catalog> again = catalog::ParseCatalog(out, "catalog.json", "");
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *c);
  FUZZ_CHECK(catalog::SerializeCatalog(*again) == out);
  const catalog::CatalogDiff diff = catalog::Diff(*c, *again);
  FUZZ_CHECK(diff.added == 0 && diff.changed == 0 && diff.removed == 0);
  catalog::Catalog merged;
  catalog::MergeCatalog(*c, merged);
  FUZZ_CHECK(merged == *c);
  return 0;
}
