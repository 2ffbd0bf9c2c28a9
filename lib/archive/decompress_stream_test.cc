#include "lib/archive/decompress_stream.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stowage::archive {
namespace {

using ::testing::HasSubstr;

// Deterministic bytes that compress a little.
std::string Bytes(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>('a' + x % 7);
  }
  return s;
}

struct WriteDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

// `size` bytes, `data` repeated (zeros when empty), compressed with
// libarchive's writer (raw format: the stream alone), into memory.
std::string Compress(Compression c, const std::string& data, uint64_t size) {
  std::string out;
  std::unique_ptr<struct archive, WriteDeleter> a(archive_write_new());
  switch (c) {
    case Compression::kGzip:
      EXPECT_EQ(archive_write_add_filter_gzip(a.get()), ARCHIVE_OK);
      break;
    case Compression::kZstd:
      EXPECT_EQ(archive_write_add_filter_zstd(a.get()), ARCHIVE_OK);
      break;
    case Compression::kXz:
      EXPECT_EQ(archive_write_add_filter_xz(a.get()), ARCHIVE_OK);
      break;
    case Compression::kBzip2:
      EXPECT_EQ(archive_write_add_filter_bzip2(a.get()), ARCHIVE_OK);
      break;
    case Compression::kNone:
      break;
  }
  EXPECT_EQ(archive_write_set_format_raw(a.get()), ARCHIVE_OK);
  archive_write_set_bytes_per_block(a.get(), 0);
  auto write = [](struct archive*, void* self, const void* buf,
                  size_t n) -> la_ssize_t {
    static_cast<std::string*>(self)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  EXPECT_EQ(archive_write_open(a.get(), &out, nullptr, write, nullptr), ARCHIVE_OK)
      << archive_error_string(a.get());
  std::unique_ptr<struct archive_entry, EntryDeleter> e(archive_entry_new());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
  EXPECT_EQ(archive_write_header(a.get(), e.get()), ARCHIVE_OK)
      << archive_error_string(a.get());
  std::string piece = data.empty() ? std::string(1 << 20, '\0') : data;
  for (uint64_t left = size; left > 0;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, piece.size()));
    EXPECT_EQ(archive_write_data(a.get(), piece.data(), n), static_cast<la_ssize_t>(n));
    left -= n;
  }
  EXPECT_EQ(archive_write_close(a.get()), ARCHIVE_OK) << archive_error_string(a.get());
  return out;
}

std::string Compress(Compression c, const std::string& data) {
  return Compress(c, data, data.size());
}

// Hands out `data` in pieces of at most `chunk` bytes, then `error` (OK:
// the end).
class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string data, size_t chunk = 1 << 20,
                        absl::Status error = absl::OkStatus())
      : data_(std::move(data)), chunk_(chunk), error_(std::move(error)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t size) override {
    if (pos_ == data_.size() && !error_.ok()) return error_;
    size_t n = std::min({size, chunk_, data_.size() - pos_});
    data_.copy(buf, n, pos_);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t chunk_;
  absl::Status error_;
  size_t pos_ = 0;
};

// Everything `r` gives, read `piece` bytes at a time.
absl::StatusOr<std::string> ReadAll(DecompressedSource& r, size_t piece) {
  std::string out;
  std::string buf(piece, '\0');
  while (true) {
    absl::StatusOr<size_t> n = r.Read(buf.data(), buf.size());
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

constexpr Compression kCompressed[] = {Compression::kGzip, Compression::kZstd,
                                       Compression::kXz, Compression::kBzip2};

TEST(DecompressedSourceTest, EveryCompressionRoundTrips) {
  std::string data = Bytes(600 * 1024 + 17);  // more than a buffer
  for (Compression c : kCompressed) {
    std::string packed = Compress(c, data);
    for (size_t chunk : {size_t{1}, size_t{4099}, size_t{1} << 20}) {
      SCOPED_TRACE(absl::StrCat(CompressionName(c), " chunk ", chunk));
      StringSource source(packed, chunk);
      absl::StatusOr<std::unique_ptr<DecompressedSource>> r =
          DecompressedSource::Open(&source, "layer");
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ((*r)->compression(), c);
      absl::StatusOr<std::string> got = ReadAll(**r, chunk == 1 ? 65536 : 1000);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(*got == data);
      EXPECT_EQ((*r)->compressed_bytes(), packed.size());
      EXPECT_EQ(*(*r)->Read(nullptr, 0), 0u);
      char b;
      EXPECT_EQ(*(*r)->Read(&b, 1), 0u);  // and after the end
    }
  }
}

TEST(DecompressedSourceTest, PlainBytesPassThrough) {
  for (std::string data : {std::string(), std::string("a"), std::string("BZ"),
                           std::string("\x1f", 1), std::string("hello.txt"),
                           Bytes(3 << 20)}) {
    SCOPED_TRACE(data.substr(0, 10));
    for (size_t chunk : {size_t{1}, size_t{1} << 20}) {
      StringSource source(data, chunk);
      absl::StatusOr<std::unique_ptr<DecompressedSource>> r =
          DecompressedSource::Open(&source, "layer");
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ((*r)->compression(), Compression::kNone);
      absl::StatusOr<std::string> got = ReadAll(**r, 4096);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(*got == data);
      EXPECT_EQ((*r)->compressed_bytes(), data.size());
    }
  }
}

TEST(DecompressedSourceTest, EmptyCompressedStreams) {
  for (Compression c : kCompressed) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    StringSource source(Compress(c, ""));
    absl::StatusOr<std::unique_ptr<DecompressedSource>> r =
        DecompressedSource::Open(&source, "layer");
    ASSERT_TRUE(r.ok()) << r.status();
    absl::StatusOr<std::string> got = ReadAll(**r, 100);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, "");
  }
}

TEST(DecompressedSourceTest, TruncatedStreamsAreDataLoss) {
  std::string data = Bytes(1 << 20);
  for (Compression c : kCompressed) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    std::string packed = Compress(c, data);
    for (size_t keep : {packed.size() / 2, packed.size() - 1}) {
      StringSource source(packed.substr(0, keep));
      absl::StatusOr<std::unique_ptr<DecompressedSource>> r =
          DecompressedSource::Open(&source, "blobs/sha256/ab");
      absl::Status status = r.ok() ? ReadAll(**r, 65536).status() : r.status();
      EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
      EXPECT_THAT(std::string(status.message()),
                  HasSubstr(absl::StrCat("blobs/sha256/ab: damaged or truncated ",
                                         CompressionName(c), " stream (")));
    }
  }
}

// xz and bzip2 carry checksums that libarchive verifies; its gzip reader
// checks no CRC (see the header), and libarchive writes zstd frames without
// one, so a flip there is caught by the digests the callers check.
TEST(DecompressedSourceTest, FlippedByteIsDataLossAndStaysSo) {
  for (Compression c : {Compression::kXz, Compression::kBzip2}) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    std::string packed = Compress(c, Bytes(1 << 20));
    packed[packed.size() / 2] ^= 0x01;
    StringSource source(packed);
    absl::StatusOr<std::unique_ptr<DecompressedSource>> r =
        DecompressedSource::Open(&source, "layer.tar");
    ASSERT_TRUE(r.ok()) << r.status();
    absl::Status status = ReadAll(**r, 65536).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
    EXPECT_THAT(std::string(status.message()),
                HasSubstr(absl::StrCat("layer.tar: damaged or truncated ",
                                       CompressionName(c), " stream")));
    char b;
    EXPECT_EQ((*r)->Read(&b, 1).status(), status);
  }
}

TEST(DecompressedSourceTest, MagicNumberWithoutAStream) {
  struct Case {
    std::string bytes;
    std::string want;
  } cases[] = {
      {std::string("\x1f\x8b", 2), "starts as a gzip stream but is not one"},
      {std::string("\x1f\x8bnot gzip at all, just text", 28),
       "starts as a gzip stream but is not one"},
      {std::string("BZhello"), "starts as a bzip2 stream but is not one"},
      {std::string("\x28\xb5\x2f\xfd", 4) + "garbage garbage",
       "damaged or truncated zstd stream"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want);
    StringSource source(c.bytes);
    absl::StatusOr<std::unique_ptr<DecompressedSource>> r =
        DecompressedSource::Open(&source, "layer");
    absl::Status status = r.ok() ? ReadAll(**r, 100).status() : r.status();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr("layer: " + c.want));
  }
}

TEST(DecompressedSourceTest, SourceErrorsComeThrough) {
  std::string packed = Compress(Compression::kZstd, Bytes(1 << 20));
  absl::Status broken = absl::UnavailableError("disk gone");
  {  // at the start
    StringSource source("", 1 << 20, broken);
    EXPECT_EQ(DecompressedSource::Open(&source, "layer").status(), broken);
  }
  {  // inside the stream
    StringSource source(packed.substr(0, packed.size() / 2), 1000, broken);
    absl::StatusOr<std::unique_ptr<DecompressedSource>> r =
        DecompressedSource::Open(&source, "layer");
    absl::Status status = r.ok() ? ReadAll(**r, 65536).status() : r.status();
    EXPECT_EQ(status, broken);
  }
  {  // passing through
    StringSource source("plain bytes", 3, broken);
    absl::StatusOr<std::unique_ptr<DecompressedSource>> r =
        DecompressedSource::Open(&source, "layer");
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(ReadAll(**r, 100).status(), broken);
  }
}

// A bomb: a few kilobytes that decompress to 256 MiB. Read in pieces, it
// never needs more than the reader's buffers.
TEST(DecompressedSourceTest, BombIsReadInPieces) {
  constexpr uint64_t kSize = uint64_t{256} << 20;
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    std::string packed = Compress(c, "", kSize);
    EXPECT_LT(packed.size(), size_t{1} << 20);
    StringSource source(packed);
    absl::StatusOr<std::unique_ptr<DecompressedSource>> r =
        DecompressedSource::Open(&source, "bomb");
    ASSERT_TRUE(r.ok()) << r.status();
    std::unique_ptr<char[]> buf(new char[1 << 16]);
    uint64_t total = 0;
    bool zeros = true;
    while (true) {
      absl::StatusOr<size_t> n = (*r)->Read(buf.get(), 1 << 16);
      ASSERT_TRUE(n.ok()) << n.status();
      if (*n == 0) break;
      zeros = zeros && std::all_of(buf.get(), buf.get() + *n,
                                   [](char ch) { return ch == 0; });
      total += *n;
    }
    EXPECT_EQ(total, kSize);
    EXPECT_TRUE(zeros);
  }
}

}  // namespace
}  // namespace stowage::archive
