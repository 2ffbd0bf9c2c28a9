#include "lib/base/terminal_text.h"

#include <string>

#include "gtest/gtest.h"

namespace stowage {
namespace {

TEST(SafeForTerminal, Table) {
  struct Case {
    std::string in;
    bool multi_line;
    std::string want;
  };
  const Case cases[] = {
      {"plain text", false, "plain text"},
      {"caf\xc3\xa9 \xe2\x9c\x93", false, "caf\xc3\xa9 \xe2\x9c\x93"},
      {"\x1b]0;pwned\x07", false, "\\x1b]0;pwned\\x07"},
      {"a\nb\tc", false, "a\\x0ab\\x09c"},
      {"a\nb\tc", true, "a\nb\tc"},
      {"cr\rlf", true, "cr\\x0dlf"},
      {"del\x7f", false, "del\\x7f"},
      {"csi\xc2\x9b" "2J", false, "csi\\u009b2J"},
      {"bad\xff\xfe", false, "bad\\xff\\xfe"},
      {std::string("nul\0x", 5), false, "nul\\x00x"},
      {"back\\x1b", false, "back\\x1b"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SafeForTerminal(c.in, c.multi_line), c.want) << c.in;
  }
}

}  // namespace
}  // namespace stowage
