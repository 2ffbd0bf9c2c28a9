#include "lib/archive/tar_stream.h"

#include <fcntl.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fs/file.h"

namespace stowage::archive {
namespace {

using ::testing::HasSubstr;

class StringSink : public ByteSink {
 public:
  absl::Status Write(absl::string_view data) override {
    out.append(data.data(), data.size());
    return absl::OkStatus();
  }
  std::string out;
};

class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string data, size_t chunk = 1 << 20)
      : data_(std::move(data)), chunk_(chunk) {}
  absl::StatusOr<size_t> Read(char* buf, size_t size) override {
    size_t n = std::min({size, chunk_, data_.size() - pos_});
    data_.copy(buf, n, pos_);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

struct Item {
  std::string name;
  bool dir;
  std::string data;
};

std::string Write(Compression c, const std::vector<Item>& items) {
  StringSink sink;
  absl::StatusOr<std::unique_ptr<TarWriter>> w = TarWriter::Open(&sink, c, "test.tar");
  EXPECT_TRUE(w.ok()) << w.status();
  for (const Item& i : items) {
    absl::Status s = i.dir ? (*w)->AddDirectory(i.name) : (*w)->AddFile(i.name, i.data);
    EXPECT_TRUE(s.ok()) << s;
  }
  EXPECT_TRUE((*w)->Close().ok());
  return sink.out;
}

absl::StatusOr<std::vector<Item>> ReadAllEntries(ByteSource* source) {
  absl::StatusOr<std::unique_ptr<TarReader>> r = TarReader::Open(source, "test.tar");
  if (!r.ok()) return r.status();
  std::vector<Item> out;
  TarEntry e;
  while (true) {
    absl::StatusOr<bool> more = (*r)->Next(&e);
    if (!more.ok()) return more.status();
    if (!*more) break;
    Item item{e.name, e.is_dir, ""};
    char buf[7];  // small, to read in many steps
    while (true) {
      absl::StatusOr<size_t> n = (*r)->Read(buf, sizeof buf);
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      item.data.append(buf, *n);
    }
    EXPECT_EQ(item.data.size(), e.size);
    out.push_back(item);
  }
  return out;
}

const std::vector<Item> kItems = {
    {"a.json", false, "{\"x\":1}"},
    {"blobs", true, ""},
    {"blobs/sha256", true, ""},
    {"blobs/sha256/big", false, std::string(3 << 20, 'z') + "end"},
    {"empty", false, ""},
};

TEST(TarStreamTest, RoundTripsEveryCompression) {
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    std::string bytes = Write(c, kItems);
    StringSource source(bytes, 4096);
    absl::StatusOr<std::vector<Item>> got = ReadAllEntries(&source);
    ASSERT_TRUE(got.ok()) << CompressionName(c) << ": " << got.status();
    ASSERT_EQ(got->size(), kItems.size());
    for (size_t i = 0; i < kItems.size(); ++i) {
      EXPECT_EQ((*got)[i].name, kItems[i].name);
      EXPECT_EQ((*got)[i].dir, kItems[i].dir);
      EXPECT_EQ((*got)[i].data, kItems[i].data);
    }
  }
}

TEST(TarStreamTest, SameInputSameBytes) {
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    std::string a = Write(c, kItems);
    sleep(1);  // a clock in the output would show now
    EXPECT_EQ(a, Write(c, kItems)) << CompressionName(c);
  }
  // Plain: the stream ends with the end-of-archive marker, unpadded.
  std::string plain = Write(Compression::kNone, {{"f", false, "x"}});
  EXPECT_EQ(plain.size(), 512u * 2 + 1024u);
  EXPECT_EQ(plain.substr(0, 2), std::string("f\0", 2));
}

TEST(TarStreamTest, MtimeFromSourceDateEpoch) {
  setenv("SOURCE_DATE_EPOCH", "1704067200", 1);
  std::string with = Write(Compression::kNone, {{"f", false, "x"}});
  unsetenv("SOURCE_DATE_EPOCH");
  std::string without = Write(Compression::kNone, {{"f", false, "x"}});
  EXPECT_NE(with, without);
  // ustar mtime field: offset 136, 12 octal digits.
  EXPECT_EQ(with.substr(136, 11), "14544400200");
  EXPECT_EQ(without.substr(136, 11), "00000000000");
  // Owner 0:0, no names.
  EXPECT_EQ(with.substr(108, 6), "000000");  // uid
  EXPECT_EQ(with.substr(116, 6), "000000");  // gid
  EXPECT_EQ(with.substr(265, 1), std::string(1, '\0'));
}

TEST(TarStreamTest, TruncatedStreamNamesTheEntry) {
  std::string bytes = Write(Compression::kNone, kItems);
  for (Compression c : {Compression::kNone, Compression::kZstd}) {
    std::string all = Write(c, kItems);
    StringSource source(all.substr(0, all.size() / 2));
    absl::StatusOr<std::vector<Item>> got = ReadAllEntries(&source);
    ASSERT_FALSE(got.ok()) << CompressionName(c);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(got.status().message(), HasSubstr("test.tar: entry \"blobs/sha256/big\""));
  }
}

TEST(TarStreamTest, RefusesNamesOutsideAndLinks) {
  for (const char* name : {"../evil", "/etc/passwd", "a/../../b"}) {
    StringSource source(Write(Compression::kNone, {{"ok", false, "1"}, {name, false, "x"}}));
    absl::StatusOr<std::vector<Item>> got = ReadAllEntries(&source);
    ASSERT_FALSE(got.ok()) << name;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(got.status().message(), HasSubstr(absl::StrCat("test.tar: entry \"", name, "\"")));
  }
}

TEST(TarStreamTest, NotATar) {
  StringSource source(std::string(2048, 'x'));
  absl::StatusOr<std::vector<Item>> got = ReadAllEntries(&source);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(got.status().message(), HasSubstr("test.tar: "));
}

TEST(TarStreamTest, FileSourceSkipsBySeeking) {
  std::string dir = ::testing::TempDir();
  std::string path = JoinPath(dir, "skip.tar");
  ASSERT_TRUE(WriteFileAtomic(path, Write(Compression::kNone, kItems)).ok());
  absl::StatusOr<Fd> fd = OpenForRead(path);
  ASSERT_TRUE(fd.ok());
  FdSource source(std::move(*fd), path);
  absl::StatusOr<std::unique_ptr<TarReader>> r = TarReader::Open(&source, path);
  ASSERT_TRUE(r.ok()) << r.status();
  TarEntry e;
  std::vector<std::string> names;
  while (true) {
    absl::StatusOr<bool> more = (*r)->Next(&e);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    names.push_back(e.name);
    if (e.name == "blobs/sha256/big") {
      ASSERT_TRUE((*r)->Skip().ok());
    }
  }
  EXPECT_EQ(names.size(), kItems.size());
  EXPECT_EQ(names.back(), "empty");
}

TEST(TarStreamTest, SourceErrorsComeThrough) {
  class Broken : public ByteSource {
   public:
    absl::StatusOr<size_t> Read(char*, size_t) override {
      return absl::NotFoundError("part 2: missing");
    }
  } broken;
  absl::StatusOr<std::vector<Item>> got = ReadAllEntries(&broken);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(got.status().message(), "part 2: missing");
}

TEST(TarStreamTest, ParseCompression) {
  EXPECT_EQ(*ParseCompression("zstd"), Compression::kZstd);
  EXPECT_EQ(*ParseCompression("gzip"), Compression::kGzip);
  EXPECT_EQ(*ParseCompression("none"), Compression::kNone);
  EXPECT_THAT(ParseCompression("xz").status().message(),
              HasSubstr("unknown compression \"xz\"; use zstd, gzip or none"));
}

}  // namespace
}  // namespace stowage::archive
