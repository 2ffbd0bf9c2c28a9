#include "lib/json/internal/reader_support.h"

#include <cstdint>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/error/en.h"

namespace stowage::json_internal {
namespace {

// Given the offset just past a string's closing quote in valid JSON text,
// returns the offset of its opening quote: the nearest earlier '"' preceded
// by an even number of backslashes (an odd number escapes it).
size_t StringStart(absl::string_view text, size_t end) {
  size_t p = end - 1;  // the closing quote
  while (p > 0) {
    --p;
    if (text[p] != '"') continue;
    size_t backslashes = 0;
    while (backslashes < p && text[p - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return p;
  }
  return p;
}

bool IsJsonWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string SyntaxError(size_t offset, absl::string_view what) {
  return absl::StrCat("invalid JSON at offset ", offset, ": ", what);
}

}  // namespace

// RapidJSON encodes a lone "\udc00".."\udfff" escape as the UTF-8 of a
// surrogate (ED B0..BF xx), which is not UTF-8. Validated raw input cannot
// contain ED A0..BF, so that pair only ever comes from such an escape.
// memchr: every string of every document passes through here.
bool HasSurrogate(absl::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
    const char* ed = static_cast<const char*>(std::memchr(p, 0xed, end - p));
    if (ed == nullptr) return false;
    if (ed + 1 < end && static_cast<unsigned char>(ed[1]) >= 0xa0) return true;
    p = ed + 1;
  }
  return false;
}

bool IsAscii(absl::string_view text) {
  // Eight bytes at a time: a loop the compiler vectorizes.
  const char* p = text.data();
  size_t n = text.size();
  uint64_t bits = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    bits |= word;
  }
  for (; i < n; ++i) bits |= static_cast<unsigned char>(p[i]);
  return (bits & 0x8080808080808080ULL) == 0;
}

std::string QuoteKey(absl::string_view key) {
  return absl::StrCat("\"", absl::Utf8SafeCHexEscape(key), "\"");
}

absl::Status ReaderError(absl::string_view text,
                         const rapidjson::ParseResult& result,
                         HandlerFailure failure,
                         absl::string_view duplicate_key) {
  size_t offset = result.Offset();
  switch (failure) {
    case HandlerFailure::kDepth:
      // RapidJSON reports the offset just past the '[' or '{'.
      return absl::InvalidArgumentError(SyntaxError(
          offset - 1,
          absl::StrCat("nesting deeper than ", kMaxDepth, " levels")));
    case HandlerFailure::kDuplicateKey:
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate key ", QuoteKey(duplicate_key), " at offset ",
                       StringStart(text, offset)));
    case HandlerFailure::kSurrogate:
      return absl::InvalidArgumentError(SyntaxError(
          StringStart(text, offset),
          rapidjson::GetParseError_En(
              rapidjson::kParseErrorStringUnicodeSurrogateInvalid)));
    case HandlerFailure::kNone:
      break;
  }
  return absl::InvalidArgumentError(
      SyntaxError(offset, rapidjson::GetParseError_En(result.Code())));
}

absl::Status CheckTrailing(absl::string_view text, size_t end) {
  for (size_t i = end; i < text.size(); ++i) {
    if (!IsJsonWhitespace(text[i])) {
      return absl::InvalidArgumentError(
          SyntaxError(i, rapidjson::GetParseError_En(
                             rapidjson::kParseErrorDocumentRootNotSingular)));
    }
  }
  return absl::OkStatus();
}

}  // namespace stowage::json_internal
