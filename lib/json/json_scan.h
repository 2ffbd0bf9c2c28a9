// ScanArrayElements and VisitArrayElements: a fast, read-only pass over one
// large JSON document that pulls a few string or number fields out of each
// element of one array (for example the names and digests of index.json's
// "manifests") without building a JsonValue tree.
//
//   absl::StatusOr<std::vector<ScannedElement>> entries = ScanArrayElements(
//       text, "manifests", {{"digest"}, {"annotations", "org.example.name"}});
//   for (const ScannedElement& e : *entries) {
//     absl::string_view raw = text.substr(e.begin, e.end - e.begin);
//     if (e.present[1]) Use(e.fields[1], raw);
//   }
//
// VisitArrayElements hands each element to a callback instead, with its
// values as views into `text` where they can be (no escapes): nothing is
// allocated per element, which matters for a large array when fresh memory
// is expensive (a 50,000-entry index.json).
//
// The whole text is still validated exactly as JsonValue::Parse validates
// it, so a document one accepts the other accepts; but no tree is built, and
// nothing is copied but what is asked for: on an 11 MB index.json of 50,000
// entries, VisitArrayElements with four paths takes about 20 ms where
// JsonValue::Parse takes about 65 ms (and building 50,000 Descriptors from
// its tree 300 ms more); ScanArrayElements, which copies each element's
// fields into vectors and strings, about 30 ms.
// Thread-safe: pure functions of their arguments.

#ifndef STOWAGE_LIB_JSON_JSON_SCAN_H_
#define STOWAGE_LIB_JSON_JSON_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace stowage {

// What ScanArrayElements found in one array element.
struct ScannedElement {
  // The element's JSON text is text.substr(begin, end - begin): from its '{'
  // to its '}' inclusive, without surrounding whitespace.
  size_t begin = 0;
  size_t end = 0;
  // One entry per requested path, in the order of `paths`:
  //   fields[i]: a string's decoded value, a number's exact text
  //     ("1.50" stays "1.50"), "" when absent;
  //   present[i]: whether the path was present;
  //   is_number[i]: whether it was a number (a present path that is not a
  //     number was a string), so a caller can tell "5" from 5.
  std::vector<std::string> fields;
  std::vector<bool> present;
  std::vector<bool> is_number;
};

// One requested value of an element, as VisitArrayElements passes it.
struct ScannedField {
  enum class Kind : uint8_t { kAbsent, kString, kNumber };
  Kind kind = Kind::kAbsent;
  // A string's decoded value, a number's exact text ("1.50" stays "1.50"),
  // "" when absent.
  absl::string_view value;
  // Whether `value` lies inside the scanned text (every number and every
  // string without escapes): it then lives as long as the text does.
  // Otherwise (a string with escapes, decoded) it points into the scanner's
  // own buffer and is valid only during the visitor's call.
  bool in_text = false;
};

// One element of the array, as VisitArrayElements passes it.
struct ScannedElementView {
  size_t index = 0;  // its position in the array
  // Its JSON text is text.substr(begin, end - begin), as in ScannedElement.
  size_t begin = 0;
  size_t end = 0;
  // One per requested path, in the order of `paths`; valid only during the
  // visitor's call (copy a value that is not `in_text` to keep it).
  absl::Span<const ScannedField> fields;
};

// Scans `text`, a JSON object, and returns, for each element of its
// top-level member `array_key` (an array of objects), in array order, the
// fields at `paths`. A path is a non-empty list of keys into nested objects,
// such as {"annotations", "org.opencontainers.image.ref.name"}; it is absent
// when a key is missing or a value on the way is not an object. Paths may
// repeat or share prefixes. Only the top-level member counts: a nested
// `array_key` is ignored. An absent `array_key` gives no elements.
//
// Returns InvalidArgument:
//   - for any text JsonValue::Parse rejects, with the message it gives
//     ("invalid JSON at offset N: ...", "duplicate key \"k\" at offset N");
//     such errors take precedence over the ones below;
//   - "not a JSON object" when the text is valid JSON but not an object;
//   - "\"manifests\" must be an array" when `array_key` is not an array;
//   - "manifests[3] is not an object" for an element that is not an object;
//   - "manifests[3]: \"annotations\".\"k\" must be a string or a number, got
//     object" for a requested value that is an object, array, bool or null;
//   - "empty path", before anything else, for an empty entry of `paths`.
// Of several structural errors, the first in document order is reported.
// Besides the results, needs only a few small buffers.
absl::StatusOr<std::vector<ScannedElement>> ScanArrayElements(
    absl::string_view text, absl::string_view array_key,
    const std::vector<std::vector<std::string>>& paths);

// The same scan, with the same errors, calling `visit` once per element of
// the array, in array order, as soon as the element's '}' is read, instead
// of collecting the elements. Allocates nothing per element; besides a few
// small buffers, touches no memory but `text`.
//
// The text after an element is not validated yet when `visit` sees it: when
// this returns an error, `visit` may have seen elements, and what it built
// from them should be dropped. After the first structural error `visit` is
// not called again. Elements seen by `visit` are exactly those
// ScanArrayElements returns when both succeed.
absl::Status VisitArrayElements(
    absl::string_view text, absl::string_view array_key,
    const std::vector<std::vector<std::string>>& paths,
    absl::FunctionRef<void(const ScannedElementView&)> visit);

}  // namespace stowage

#endif  // STOWAGE_LIB_JSON_JSON_SCAN_H_
