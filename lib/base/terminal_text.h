// Text from a store, a bundle or a remote site, made safe to print on a
// terminal: it cannot move the cursor, change colours, set the window title
// or ring the bell.

#ifndef STOWAGE_LIB_BASE_TERMINAL_TEXT_H_
#define STOWAGE_LIB_BASE_TERMINAL_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace stowage {

// Replaces every control character (C0 U+0000-U+001F, DEL U+007F, C1
// U+0080-U+009F) with a visible escape: "\x1b" for C0 and DEL, "\u009b" for
// C1; and every byte that is not UTF-8 with "\xNN". Backslashes are kept
// (an error message's JSON path holds them): a text that spells "\x1b" is
// harmless, only ambiguous. With `multi_line`, "\n" and "\t"
// are kept. Everything else is kept as it is. Human output only: JSON output
// is escaped by the JSON writer.
std::string SafeForTerminal(absl::string_view text, bool multi_line = false);

}  // namespace stowage

#endif  // STOWAGE_LIB_BASE_TERMINAL_TEXT_H_
