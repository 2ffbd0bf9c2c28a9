// JSON reading (lib/json): JsonValue::Parse and the streaming scanner.
// A parsed document serializes (compact and pretty) to text that parses to
// an equal document; the scanner accepts exactly what Parse accepts (for a
// top-level object) and its element spans lie inside the text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "lib/json/json_scan.h"
#include "lib/json/json_value.h"
#include "lib/json/json_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<stowage::JsonValue> doc = stowage::JsonValue::Parse(text);
  if (doc.ok()) {
    for (stowage::JsonWriter::Style style :
         {stowage::JsonWriter::Style::kCompact, stowage::JsonWriter::Style::kPretty}) {
      const std::string out = doc->Serialize(style);
      absl::StatusOr<stowage::JsonValue> again = stowage::JsonValue::Parse(out);
      FUZZ_CHECK(again.ok());
      FUZZ_CHECK(*again == *doc);
      FUZZ_CHECK(again->Serialize(style) == out);
    }
  }

  const std::vector<std::vector<std::string>> paths = {
      {"mediaType"},
      {"digest"},
      {"size"},
      {"annotations", "org.opencontainers.image.ref.name"},
  };
  absl::StatusOr<std::vector<stowage::ScannedElement>> scanned =
      stowage::ScanArrayElements(text, "manifests", paths);
  // The scanner may also refuse what Parse accepts ("manifests" not an
  // array of objects, a requested value that is an object), never the
  // other way round.
  if (!doc.ok() || !doc->is_object()) FUZZ_CHECK(!scanned.ok());
  if (scanned.ok()) {
    for (const stowage::ScannedElement& e : *scanned) {
      FUZZ_CHECK(e.begin <= e.end && e.end <= size);
      FUZZ_CHECK(stowage::JsonValue::Parse(text.substr(e.begin, e.end - e.begin)).ok());
    }
  }
  size_t visited = 0;
  absl::Status visit = stowage::VisitArrayElements(
      text, "manifests", paths, [&](const stowage::ScannedElementView& e) {
        FUZZ_CHECK(e.begin <= e.end && e.end <= size);
        FUZZ_CHECK(e.fields.size() == paths.size());
        ++visited;
      });
  FUZZ_CHECK(visit.ok() == scanned.ok());
  if (scanned.ok()) FUZZ_CHECK(visited == scanned->size());
  return 0;
}
