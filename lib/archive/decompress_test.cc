#include "lib/archive/decompress.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fs/file.h"

namespace stowage::archive {
namespace {

using ::testing::HasSubstr;

std::string NewDir() {
  std::string tmpl = ::testing::TempDir() + "/decompress-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

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

// `data` compressed with libarchive's writer (raw format: the stream alone).
void WriteCompressed(const std::string& path, const std::string& data,
                     Compression c) {
  std::unique_ptr<struct archive, WriteDeleter> a(archive_write_new());
  switch (c) {
    case Compression::kGzip:
      ASSERT_EQ(archive_write_add_filter_gzip(a.get()), ARCHIVE_OK);
      break;
    case Compression::kZstd:
      ASSERT_EQ(archive_write_add_filter_zstd(a.get()), ARCHIVE_OK);
      break;
    case Compression::kXz:
      ASSERT_EQ(archive_write_add_filter_xz(a.get()), ARCHIVE_OK);
      break;
    case Compression::kBzip2:
      ASSERT_EQ(archive_write_add_filter_bzip2(a.get()), ARCHIVE_OK);
      break;
    case Compression::kNone:
      break;
  }
  ASSERT_EQ(archive_write_set_format_raw(a.get()), ARCHIVE_OK);
  ASSERT_EQ(archive_write_open_filename(a.get(), path.c_str()), ARCHIVE_OK)
      << archive_error_string(a.get());
  std::unique_ptr<struct archive_entry, EntryDeleter> e(archive_entry_new());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
  ASSERT_EQ(archive_write_header(a.get(), e.get()), ARCHIVE_OK)
      << archive_error_string(a.get());
  ASSERT_EQ(archive_write_data(a.get(), data.data(), data.size()),
            static_cast<la_ssize_t>(data.size()));
  ASSERT_EQ(archive_write_close(a.get()), ARCHIVE_OK) << archive_error_string(a.get());
}

TEST(DetectCompression, ByMagicNumber) {
  struct Case {
    std::string head;
    Compression want;
  } cases[] = {
      {std::string("\x1f\x8b\x08\x00", 4), Compression::kGzip},
      {std::string("\x28\xb5\x2f\xfd\x00", 5), Compression::kZstd},
      {std::string("\xfd" "7zXZ\x00\x00", 7), Compression::kXz},
      {"BZh91AY", Compression::kBzip2},
      {"hello.txt", Compression::kNone},  // a tar starts with a name
      {std::string("\x1f", 1), Compression::kNone},
      {"", Compression::kNone},
      {std::string("\xfd" "7zXZ", 5), Compression::kNone},  // too short
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DetectCompression(c.head), c.want) << CompressionName(c.want);
  }
}

TEST(ReadDecompressed, EveryCompressionRoundTrips) {
  std::string dir = NewDir();
  std::string data = Bytes(2 * (1 << 20) + 17);  // several 1 MiB pieces
  for (Compression c : {Compression::kGzip, Compression::kZstd, Compression::kXz,
                        Compression::kBzip2}) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    std::string path = JoinPath(dir, std::string(CompressionName(c)));
    WriteCompressed(path, data, c);
    EXPECT_EQ(*DetectFileCompression(path), c);
    std::string got;
    size_t largest = 0;
    absl::StatusOr<uint64_t> n = ReadDecompressed(path, [&](absl::string_view piece) {
      largest = std::max(largest, piece.size());
      got.append(piece.data(), piece.size());
      return absl::OkStatus();
    });
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(*n, data.size());
    EXPECT_TRUE(got == data);
    EXPECT_LE(largest, size_t{1} << 20);
  }
}

TEST(ReadDecompressed, SinkErrorStopsAndIsReturned) {
  std::string path = JoinPath(NewDir(), "x.gz");
  WriteCompressed(path, Bytes(4 << 20), Compression::kGzip);
  int calls = 0;
  absl::StatusOr<uint64_t> n = ReadDecompressed(path, [&](absl::string_view) {
    ++calls;
    return absl::ResourceExhaustedError("disk full");
  });
  EXPECT_EQ(n.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(calls, 1);
}

TEST(ReadDecompressed, DamagedStreamsAreDataLoss) {
  std::string dir = NewDir();
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    std::string path = JoinPath(dir, std::string(CompressionName(c)));
    WriteCompressed(path, Bytes(1 << 20), c);
    std::string bytes = *ReadFile(path);
    ASSERT_TRUE(WriteFileAtomic(path, bytes.substr(0, bytes.size() / 2)).ok());
    absl::StatusOr<uint64_t> n =
        ReadDecompressed(path, [](absl::string_view) { return absl::OkStatus(); });
    EXPECT_EQ(n.status().code(), absl::StatusCode::kDataLoss) << n.status();
    EXPECT_THAT(std::string(n.status().message()), HasSubstr(path + ": "));
  }
  absl::StatusOr<uint64_t> missing = ReadDecompressed(
      JoinPath(dir, "nothing.gz"), [](absl::string_view) { return absl::OkStatus(); });
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace stowage::archive
