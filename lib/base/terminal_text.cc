#include "lib/base/terminal_text.h"

#include "absl/strings/str_format.h"
#include "lib/base/utf8.h"

namespace stowage {

std::string SafeForTerminal(absl::string_view text, bool multi_line) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    Utf8Char c = DecodeUtf8(text, i);
    if (!c.valid) {
      absl::StrAppendFormat(&out, "\\x%02x", static_cast<unsigned char>(text[i]));
    } else if (multi_line && (c.code_point == '\n' || c.code_point == '\t')) {
      out.push_back(static_cast<char>(c.code_point));
    } else if (c.code_point < 0x20 || c.code_point == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", static_cast<unsigned>(c.code_point));
    } else if (c.code_point >= 0x80 && c.code_point <= 0x9f) {
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned>(c.code_point));
    } else {
      out.append(text.data() + i, c.length);
    }
    i += c.length;
  }
  return out;
}

}  // namespace stowage
