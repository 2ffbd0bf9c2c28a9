#include "lib/base/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace stowage {
namespace {

TEST(Utf8Test, DecodeTable) {
  struct Case {
    std::string bytes;
    char32_t code_point;
    size_t length;
    bool valid;
  } cases[] = {
      {"a", 'a', 1, true},
      {"\xc3\xa9", 0xE9, 2, true},
      {"\xe2\x82\xac", 0x20AC, 3, true},
      {"\xf0\x9f\x90\xb3", 0x1F433, 4, true},
      {"\xf4\x8f\xbf\xbf", 0x10FFFF, 4, true},
      {"\xc0\xaf", 0xFFFD, 1, false},          // overlong '/'
      {"\xe0\x80\xaf", 0xFFFD, 1, false},      // overlong, 3 bytes
      {"\xf0\x80\x80\xaf", 0xFFFD, 1, false},  // overlong, 4 bytes
      {"\xed\xa0\x80", 0xFFFD, 1, false},      // a surrogate
      {"\xf4\x90\x80\x80", 0xFFFD, 1, false},  // above U+10FFFF
      {"\xf5\x80\x80\x80", 0xFFFD, 1, false},
      {"\x80", 0xFFFD, 1, false},              // a lone continuation byte
      {"\xe2\x82", 0xFFFD, 1, false},          // truncated
      {"\xe2\x28\xa1", 0xFFFD, 1, false},      // bad continuation
  };
  for (const Case& c : cases) {
    Utf8Char got = DecodeUtf8(c.bytes, 0);
    EXPECT_EQ(got.code_point, c.code_point) << c.bytes;
    EXPECT_EQ(got.length, c.length) << c.bytes;
    EXPECT_EQ(got.valid, c.valid) << c.bytes;
  }
}

TEST(Utf8Test, EncodeRoundTrips) {
  for (char32_t r : {char32_t{0x41}, char32_t{0xE9}, char32_t{0x7FF}, char32_t{0x800},
                     char32_t{0xFFFF}, char32_t{0x10000}, char32_t{0x10FFFF}}) {
    std::string s;
    AppendUtf8(r, s);
    Utf8Char back = DecodeUtf8(s, 0);
    EXPECT_TRUE(back.valid);
    EXPECT_EQ(back.code_point, r);
    EXPECT_EQ(back.length, s.size());
  }
}

}  // namespace
}  // namespace stowage
