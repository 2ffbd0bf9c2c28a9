#include "lib/bundle/parts.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"

namespace stowage::bundle {
namespace {

using ::testing::HasSubstr;

std::string NewDir() {
  std::string dir = JoinPath(::testing::TempDir(), "parts-XXXXXX");
  EXPECT_NE(mkdtemp(dir.data()), nullptr);
  return dir;
}

std::string Data(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 131 + 7);
  return s;
}

// Writes `data` as parts of `max` bytes; returns the index.
PartIndex Split(const std::string& file, const std::string& data, uint64_t max) {
  PartWriter w(file, max);
  // In odd pieces, as a tar writer hands them over.
  for (size_t i = 0; i < data.size(); i += 777) {
    EXPECT_TRUE(w.Write(absl::string_view(data).substr(i, 777)).ok());
  }
  absl::StatusOr<PartIndex> index = w.Commit("sha256:" + std::string(64, 'f'));
  EXPECT_TRUE(index.ok()) << index.status();
  return *index;
}

absl::StatusOr<std::string> ReadAllOf(archive::ByteSource& source) {
  std::string out;
  char buf[1000];
  while (true) {
    absl::StatusOr<size_t> n = source.Read(buf, sizeof buf);
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}

TEST(PartsTest, SplitsAndReadsBack) {
  std::string dir = NewDir();
  std::string file = JoinPath(dir, "b.tar");
  std::string data = Data(10000);
  PartIndex index = Split(file, data, 4000);
  ASSERT_EQ(index.parts.size(), 3u);
  EXPECT_EQ(index.parts[0].name, "b.tar.001");
  EXPECT_EQ(index.parts[2].size, 2000u);
  EXPECT_EQ(index.size, 10000u);
  EXPECT_EQ(index.parts[1].digest, Sha256::DigestOf(data.substr(4000, 4000)));
  EXPECT_EQ(*ReadFile(PartPath(file, 2)), data.substr(4000, 4000));
  EXPECT_FALSE(Exists(file));

  for (const std::string& name : {file, PartIndexPath(file), PartPath(file, 2)}) {
    absl::StatusOr<Input> in = OpenInput(name);
    ASSERT_TRUE(in.ok()) << in.status();
    ASSERT_NE(in->parts, nullptr);
    EXPECT_EQ(in->name, PartIndexPath(file));
    EXPECT_TRUE(in->parts->CheckPresence().empty());
    absl::StatusOr<std::string> back = ReadAllOf(*in->source);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, data);
    EXPECT_EQ(in->parts->parts_checked(), 3u);
  }
}

TEST(PartsTest, ALongerEarlierSetLosesItsExtraParts) {
  std::string dir = NewDir();
  std::string file = JoinPath(dir, "b.tar");
  Split(file, Data(10000), 2000);
  ASSERT_TRUE(Exists(PartPath(file, 5)));
  ASSERT_TRUE(WriteFileAtomic(file, "an earlier unsplit bundle").ok());
  Split(file, Data(10000), 5000);
  EXPECT_FALSE(Exists(file));
  EXPECT_TRUE(Exists(PartPath(file, 2)));
  EXPECT_FALSE(Exists(PartPath(file, 3)));
  EXPECT_FALSE(Exists(PartPath(file, 5)));
}

TEST(PartsTest, MissingAndDamagedPartsAreNamed) {
  std::string dir = NewDir();
  std::string file = JoinPath(dir, "b.tar");
  std::string data = Data(10000);
  Split(file, data, 3000);  // 4 parts
  ASSERT_TRUE(RemoveFile(PartPath(file, 2)).ok());
  std::string bad = data.substr(6000, 3000);
  bad[10] ^= 1;
  ASSERT_TRUE(WriteFileAtomic(PartPath(file, 3), bad).ok());
  ASSERT_TRUE(WriteFileAtomic(PartPath(file, 4), "short").ok());

  absl::StatusOr<Input> in = OpenInput(file);
  ASSERT_TRUE(in.ok()) << in.status();
  std::vector<std::string> problems = in->parts->CheckPresence();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], PartPath(file, 2) + ": missing (part 2 of 4)");
  EXPECT_THAT(problems[1], HasSubstr(PartPath(file, 4) + ": 5 bytes, the part index says 1000"));

  absl::StatusOr<std::string> read = ReadAllOf(*in->source);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(read.status().message(), PartPath(file, 2) + ": missing (part 2 of 4)");
  problems = in->parts->CheckRest();
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_THAT(problems[1], HasSubstr(PartPath(file, 3) +
                                     ": damaged, or a part of another bundle: its sha256 is"));
  EXPECT_THAT(problems[2], HasSubstr(PartPath(file, 4) + ": 5 bytes"));
}

TEST(PartsTest, SkipSeeksAcrossParts) {
  std::string dir = NewDir();
  std::string file = JoinPath(dir, "b.tar");
  std::string data = Data(10000);
  Split(file, data, 3000);
  absl::StatusOr<Input> in = OpenInput(file);
  ASSERT_TRUE(in.ok());
  char buf[100];
  ASSERT_EQ(*in->source->Read(buf, 100), 100u);
  absl::StatusOr<uint64_t> skipped = in->source->Skip(5000);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(*skipped, 5000u);
  absl::StatusOr<std::string> rest = ReadAllOf(*in->source);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(*rest, data.substr(5100));
  // Parts 1 and 2 were skipped in part: only 3 and 4 could be hashed.
  EXPECT_EQ(in->parts->parts_checked(), 2u);
}

TEST(PartsTest, OpenInputOfNothing) {
  std::string dir = NewDir();
  absl::StatusOr<Input> in = OpenInput(JoinPath(dir, "none.tar"));
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(in.status().message(),
              HasSubstr("none.tar: no such file (nor " + JoinPath(dir, "none.tar") +
                        ".parts.json of a split bundle)"));
}

}  // namespace
}  // namespace stowage::bundle
