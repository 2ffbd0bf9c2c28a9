// JsonWriter: builds a JSON text in memory, keys in the order they are
// written, with no whitespace (compact) or two-space indentation (pretty).
//
//   JsonWriter w;
//   w.StartObject().Key("name").String("library/ubuntu").EndObject();
//   std::string text = w.Take();
//
// Strings are written as UTF-8 with JSON escapes; invalid UTF-8 bytes are
// written as U+FFFD so the output always parses (given RawNumber's
// precondition). A JsonWriter is not thread-safe.

#ifndef STOWAGE_LIB_JSON_JSON_WRITER_H_
#define STOWAGE_LIB_JSON_JSON_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace stowage {

class JsonWriter {
 public:
  enum class Style { kCompact, kPretty };

  explicit JsonWriter(Style style = Style::kCompact);
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& StartObject();
  JsonWriter& EndObject();
  JsonWriter& StartArray();
  JsonWriter& EndArray();
  JsonWriter& Key(absl::string_view key);
  JsonWriter& String(absl::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  // Writes a number given as its exact text, byte for byte, so that numbers
  // read from a document (for example "1.50" or "1e3", or integers beyond
  // 64 bits) come back unchanged. Precondition: `text` is a JSON number
  // (RFC 8259 grammar); it is not checked, and anything else makes the
  // output invalid JSON.
  JsonWriter& RawNumber(absl::string_view text);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  // The text written so far; the writer is empty afterwards.
  std::string Take();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stowage

#endif  // STOWAGE_LIB_JSON_JSON_WRITER_H_
