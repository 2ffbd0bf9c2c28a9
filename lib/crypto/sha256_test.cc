#include "lib/crypto/sha256.h"

#include <string>

#include "gtest/gtest.h"

namespace stowage {
namespace {

struct Case {
  std::string input;
  std::string hex;
};

TEST(Sha256Test, KnownVectors) {
  // FIPS 180-2 examples and the empty string.
  const Case cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc",
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1000000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const Case& c : cases) {
    Sha256 h;
    h.Update(c.input);
    EXPECT_EQ(h.HexDigest(), c.hex) << c.input.substr(0, 20);
  }
}

TEST(Sha256Test, IncrementalEqualsWholeAndRestarts) {
  Sha256 h;
  h.Update("ab");
  h.Update("c");
  EXPECT_EQ(h.HexDigest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  h.Update("abc");  // starts over after HexDigest
  EXPECT_EQ(h.HexDigest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256::DigestOf("abc"),
            "sha256:"
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace stowage
