// UTF-8, decoded one code point at a time (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), and encoded.

#ifndef STOWAGE_LIB_BASE_UTF8_H_
#define STOWAGE_LIB_BASE_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace stowage {

struct Utf8Char {
  char32_t code_point = 0;
  size_t length = 0;   // bytes it takes; 1 for an invalid byte
  bool valid = false;  // false: `s[i]` starts no valid sequence
};

// The character of `s` starting at byte `i` (< s.size()). An invalid or
// truncated sequence gives valid false, code point U+FFFD and length 1, as
// Go and most decoders resynchronise.
Utf8Char DecodeUtf8(absl::string_view s, size_t i);

// Appends the UTF-8 form of `code_point` (<= U+10FFFF) to `out`.
void AppendUtf8(char32_t code_point, std::string& out);

}  // namespace stowage

#endif  // STOWAGE_LIB_BASE_UTF8_H_
