// JsonValue: a small, order-preserving JSON document model for reading,
// editing and rewriting documents such as OCI manifests and index.json.
//
//   absl::StatusOr<JsonValue> doc = JsonValue::Parse(text);
//   if (!doc.ok()) return doc.status();
//   absl::StatusOr<int64_t> version = doc->GetInt64("schemaVersion");
//   doc->Set("mediaType", JsonValue::String(kIndexMediaType));
//   std::string out = doc->Serialize();
//
// Fidelity: numbers keep their exact text ("1.50" stays "1.50", integers
// beyond 64 bits stay exact) and object members keep their order, so
// unknown fields survive an edit and a compact document whose strings need
// no escapes other than the minimal ones (\" \\ and control characters)
// serializes back byte for byte. Other escapes in the input (such as "\/"
// or "\u00e9") are decoded and written back in the minimal form.
//
// A JsonValue is a value type: copyable, movable, and, like std::string,
// safe for concurrent const access but not for concurrent mutation.

#ifndef STOWAGE_LIB_JSON_JSON_VALUE_H_
#define STOWAGE_LIB_JSON_JSON_VALUE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/json/json_writer.h"

namespace stowage {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, JsonValue>;

  // Parse() rejects documents nested deeper than this many arrays/objects.
  static constexpr int kMaxDepth = 256;

  // Parses one complete JSON text (RFC 8259), optionally surrounded by
  // whitespace. Strings must be valid UTF-8 (escapes included: a lone
  // surrogate such as "\udc00" is rejected). Numbers keep their exact text;
  // RapidJSON still rejects numbers beyond double range, such as 1e400.
  // Object members keep their order.
  //
  // Returns InvalidArgument, with no file name (callers prepend it), as
  //   "invalid JSON at offset N: <RapidJSON's error text>"  for syntax and
  //       encoding errors, trailing non-whitespace, and nesting deeper than
  //       kMaxDepth ("... nesting deeper than 256 levels"), or
  //   "duplicate key \"k\" at offset N"  when an object repeats a key
  //       (N is the offset of the repeated key's opening quote).
  // N is a byte offset into `text`.
  static absl::StatusOr<JsonValue> Parse(absl::string_view text);

  // Factories. A default-constructed JsonValue is null.
  JsonValue() = default;
  static JsonValue Null();
  static JsonValue Bool(bool value);
  static JsonValue String(std::string value);
  static JsonValue Int(int64_t value);
  static JsonValue Uint(uint64_t value);
  // A number from its text, for example "1.5e3". Precondition: `text` is a
  // JSON number (RFC 8259 grammar); it is not checked, and Serialize writes
  // it verbatim.
  static JsonValue NumberText(std::string text);
  static JsonValue Object();  // {}
  static JsonValue Array();   // []

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Scalar accessors: the value if the type matches, else false / "".
  bool bool_value() const;
  const std::string& string_value() const;
  const std::string& number_text() const;

  // The number as an int64. Only integer syntax is accepted ("12", "-3";
  // not "1.0" or "1e3"). InvalidArgument if this is not a number
  // ("expected an integer, got string"), not integer syntax ("expected an
  // integer, got 1.5") or out of range ("expected an integer in int64
  // range, got 9223372036854775808").
  absl::StatusOr<int64_t> AsInt64() const;

  // Arrays.
  // The elements; empty unless is_array().
  const std::vector<JsonValue>& items() const;
  // The elements, for editing. Replaces a non-array with an empty array
  // first.
  std::vector<JsonValue>& mutable_items();
  // Appends `value`. Replaces a non-array with an empty array first.
  void Append(JsonValue value);

  // Objects. Lookups are linear in the number of members.
  // The members in document order; empty unless is_object().
  const std::vector<Member>& members() const;
  // The value of `key`, or nullptr if absent or this is not an object. The
  // pointer is invalidated by any change to this object's members.
  const JsonValue* Find(absl::string_view key) const;
  JsonValue* FindMutable(absl::string_view key);
  // Replaces the value of `key` in place, keeping its position, or appends
  // the member if absent. Replaces a non-object with an empty object first.
  void Set(absl::string_view key, JsonValue value);
  // Removes `key`, keeping the order of the others. Returns true if it was
  // present; false (and no change) if absent or this is not an object.
  bool Erase(absl::string_view key);

  // Typed field readers for objects, with the key in every error message:
  //   GetString: InvalidArgument "missing \"key\"" if absent (or this is not
  //     an object), "\"key\" must be a string, got number" if not a string.
  //   GetInt64: InvalidArgument "missing \"key\"" if absent,
  //     "\"key\" must be an integer, got string" if not a number,
  //     "\"key\" must be an integer, got 1.5" if not integer syntax,
  //     "\"key\" must be an integer in int64 range, got 9223372036854775808".
  absl::StatusOr<std::string> GetString(absl::string_view key) const;
  absl::StatusOr<int64_t> GetInt64(absl::string_view key) const;

  // The JSON text of this value, in `style`. Numbers are written from their
  // text, so they come back byte-identical.
  std::string Serialize(
      JsonWriter::Style style = JsonWriter::Style::kCompact) const;
  // Writes this value as the next value of `w`.
  void WriteTo(JsonWriter& w) const;

  // Deep equality: same types, numbers with the same text ("1.0" != "1"),
  // objects with the same members in the same order.
  bool operator==(const JsonValue& other) const;
  bool operator!=(const JsonValue& other) const { return !(*this == other); }

 private:
  class Builder;  // Parse's RapidJSON handler, in json_value.cc.

  explicit JsonValue(Type type) : type_(type) {}
  // Makes this an empty value of `type` unless it already has that type.
  void ConvertTo(Type type);

  // Invariant: only the fields of type_ are set; the others are empty/false.
  Type type_ = Type::kNull;
  bool bool_ = false;              // kBool
  std::string text_;               // kString: the value; kNumber: the text
  std::vector<JsonValue> items_;   // kArray
  std::vector<Member> members_;    // kObject
};

}  // namespace stowage

#endif  // STOWAGE_LIB_JSON_JSON_VALUE_H_
