#include "lib/oci/layout.h"

#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/json/json_value.h"
#include "lib/oci/descriptor.h"
#include "lib/oci/media_types.h"
#include "lib/oci/oci_testing.h"

namespace stowage::oci {
namespace {

using ::stowage::oci::oci_testing::AddBlob;
using ::stowage::oci::oci_testing::DescriptorOf;
using ::stowage::oci::oci_testing::FakeProgress;
using ::stowage::oci::oci_testing::NewLayout;
using ::stowage::oci::oci_testing::NewTempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kLayer[] = "application/vnd.oci.image.layer.v1.tar";
constexpr char kLayoutMarker[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// Names in `layout`'s blobs/sha256 that are temporary files.
std::vector<std::string> TempFilesIn(const Layout& layout) {
  std::vector<std::string> out;
  absl::StatusOr<std::vector<std::string>> names =
      ListDir(JoinPath(layout.dir(), "blobs/sha256"));
  EXPECT_TRUE(names.ok()) << names.status();
  if (!names.ok()) return out;
  for (const std::string& n : *names) {
    if (absl::StartsWith(n, ".tmp")) out.push_back(n);
  }
  return out;
}

// Deterministic bytes of a given length, different per seed.
std::string Bytes(size_t n, int seed) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u + seed * 7919u;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x);
  }
  return s;
}

// ---------------------------------------------------------------------------
// Open / OpenOrCreate

TEST(LayoutTest, OpenOrCreateMakesAnEmptyLayout) {
  std::string dir = JoinPath(NewTempDir(), "new/nested");
  absl::StatusOr<Layout> layout = Layout::OpenOrCreate(dir);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->dir(), dir);
  EXPECT_EQ(*ReadFile(JoinPath(dir, "oci-layout")), kLayoutMarker);
  EXPECT_TRUE(Stat(JoinPath(dir, "blobs/sha256"))->is_dir);
  EXPECT_THAT(*ListDir(dir), ElementsAre("blobs", "index.json", "oci-layout"));

  absl::StatusOr<Index> index = layout->ReadIndex();
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_THAT(index->manifests, IsEmpty());
  EXPECT_EQ(*ReadFile(JoinPath(dir, "index.json")),
            absl::StrCat("{\"schemaVersion\":2,\"mediaType\":\"", kOciIndex,
                         "\",\"manifests\":[]}"));
  // What was made opens.
  EXPECT_TRUE(Layout::Open(dir).ok());
}

TEST(LayoutTest, OpenOrCreateUsesAnEmptyDirectory) {
  std::string dir = NewTempDir();
  absl::StatusOr<Layout> layout = Layout::OpenOrCreate(dir);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_TRUE(Exists(JoinPath(dir, "oci-layout")));
}

TEST(LayoutTest, OpenOrCreateKeepsAnExistingLayout) {
  Layout layout = NewLayout();
  Descriptor d = AddBlob(layout, kOciManifest, "{}");
  d.SetAnnotation(kRefNameAnnotation, "v1");
  ASSERT_TRUE(layout.WriteIndex(Index{JsonValue::Object(), {d}}).ok());

  absl::StatusOr<Layout> again = Layout::OpenOrCreate(layout.dir());
  ASSERT_TRUE(again.ok()) << again.status();
  absl::StatusOr<Index> index = again->ReadIndex();
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->manifests.size(), 1u);
  EXPECT_EQ(index->manifests[0].Annotation(kRefNameAnnotation), "v1");
  EXPECT_TRUE(again->HasBlob(d.digest()));
}

TEST(LayoutTest, OpenOrCreateRefusesANonEmptyNonLayout) {
  std::string dir = NewTempDir();
  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, "notes.txt"), "hello").ok());
  absl::StatusOr<Layout> layout = Layout::OpenOrCreate(dir);
  EXPECT_EQ(layout.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Msg(layout.status()), HasSubstr(dir));
  EXPECT_THAT(Msg(layout.status()), HasSubstr("not empty"));
  // Nothing was added.
  EXPECT_THAT(*ListDir(dir), ElementsAre("notes.txt"));
}

TEST(LayoutTest, OpenOrCreateRefusesAWrongVersion) {
  std::string dir = NewTempDir();
  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, "oci-layout"),
                              "{\"imageLayoutVersion\":\"2.0.0\"}")
                  .ok());
  absl::StatusOr<Layout> layout = Layout::OpenOrCreate(dir);
  EXPECT_EQ(layout.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(layout.status()), HasSubstr(JoinPath(dir, "oci-layout")));
}

struct OpenCase {
  std::string name;
  std::string marker;  // the oci-layout content; "" for no file
  absl::StatusCode code;
  std::string message;
};

TEST(LayoutTest, OpenTable) {
  const std::vector<OpenCase> cases = {
      {"valid", kLayoutMarker, absl::StatusCode::kOk, ""},
      {"valid with extra fields",
       "{\"imageLayoutVersion\":\"1.0.0\",\"x\":[1]}", absl::StatusCode::kOk, ""},
      {"no oci-layout", "", absl::StatusCode::kInvalidArgument,
       "has no oci-layout file"},
      {"wrong version", "{\"imageLayoutVersion\":\"1.1.0\"}",
       absl::StatusCode::kInvalidArgument, "not \"1.1.0\""},
      {"version a number", "{\"imageLayoutVersion\":1}",
       absl::StatusCode::kInvalidArgument, "imageLayoutVersion must be \"1.0.0\""},
      {"no version", "{}", absl::StatusCode::kInvalidArgument,
       "imageLayoutVersion must be \"1.0.0\""},
      {"not JSON", "imageLayoutVersion=1.0.0", absl::StatusCode::kInvalidArgument,
       "invalid JSON"},
  };
  for (const OpenCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::string dir = NewTempDir();
    if (!c.marker.empty()) {
      ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, "oci-layout"), c.marker).ok());
    }
    absl::StatusOr<Layout> layout = Layout::Open(dir);
    EXPECT_EQ(layout.status().code(), c.code) << layout.status();
    if (c.code != absl::StatusCode::kOk) {
      EXPECT_THAT(Msg(layout.status()), HasSubstr(dir));  // names the path
      EXPECT_THAT(Msg(layout.status()), HasSubstr(c.message));
    }
  }
}

TEST(LayoutTest, OpenAMissingDirectoryOrAFile) {
  std::string base = NewTempDir();
  std::string missing = JoinPath(base, "missing");
  absl::StatusOr<Layout> layout = Layout::Open(missing);
  EXPECT_EQ(layout.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(layout.status()), HasSubstr(missing));

  std::string file = JoinPath(base, "file");
  ASSERT_TRUE(WriteFileAtomic(file, kLayoutMarker).ok());
  layout = Layout::Open(file);
  EXPECT_EQ(layout.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(layout.status()), HasSubstr(file + ": not a directory"));
}

// ---------------------------------------------------------------------------
// index.json

TEST(LayoutTest, IndexRoundTripKeepsUnknownFields) {
  Layout layout = NewLayout();
  const std::string text = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"", kOciIndex,
      "\",\"annotations\":{\"x\":\"y\"},\"manifests\":[{\"mediaType\":\"",
      kOciManifest, "\",\"digest\":\"", Sha256::DigestOf("m"),
      "\",\"size\":1,\"x-extra\":1.50,\"annotations\":{\"",
      kRefNameAnnotation, "\":\"v1\"}}],\"x-top\":true}");
  ASSERT_TRUE(WriteFileAtomic(JoinPath(layout.dir(), "index.json"), text).ok());
  absl::StatusOr<Index> index = layout.ReadIndex();
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->manifests.size(), 1u);
  EXPECT_EQ(index->manifests[0].Annotation(kRefNameAnnotation), "v1");
  EXPECT_EQ(index->Serialize(), text);

  // Rewritten with one more entry, everything else stays.
  index->manifests.push_back(
      Descriptor::Make(kOciManifest, Sha256::DigestOf("n"), 1));
  ASSERT_TRUE(layout.WriteIndex(*index).ok());
  absl::StatusOr<Index> again = layout.ReadIndex();
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->manifests.size(), 2u);
  EXPECT_EQ(again->manifests[1].digest(), Sha256::DigestOf("n"));
  std::string written = *ReadFile(JoinPath(layout.dir(), "index.json"));
  EXPECT_THAT(written, HasSubstr("\"x-top\":true"));
  EXPECT_THAT(written, HasSubstr("\"x-extra\":1.50"));
  EXPECT_THAT(written, HasSubstr("\"annotations\":{\"x\":\"y\"}"));
  // No temporary file is left beside it.
  EXPECT_THAT(*ListDir(layout.dir()),
              ElementsAre("blobs", "index.json", "oci-layout"));
}

TEST(LayoutTest, IndexSerializeFillsInTheHeader) {
  Index index;  // a null doc
  index.manifests.push_back(Descriptor::Make(kOciManifest, Sha256::DigestOf(""), 0));
  EXPECT_EQ(index.Serialize(),
            absl::StrCat("{\"schemaVersion\":2,\"mediaType\":\"", kOciIndex,
                         "\",\"manifests\":[{\"mediaType\":\"", kOciManifest,
                         "\",\"digest\":\"", Sha256::DigestOf(""),
                         "\",\"size\":0}]}"));
}

struct BadIndexCase {
  std::string name;
  std::string content;  // "" for no index.json at all
  std::string message;
};

TEST(LayoutTest, ReadIndexDataLossTable) {
  const std::vector<BadIndexCase> cases = {
      {"missing", "", "missing"},
      {"corrupt", "{\"manifests\":[", "invalid JSON"},
      {"not an object", "[]", "not a JSON object"},
      {"manifests not an array", "{\"manifests\":{}}",
       "\"manifests\" must be an array"},
      {"bad descriptor", "{\"manifests\":[{\"mediaType\":\"x\",\"size\":1}]}",
       "manifests[0]: missing \"digest\""},
  };
  for (const BadIndexCase& c : cases) {
    SCOPED_TRACE(c.name);
    Layout layout = NewLayout();
    std::string path = JoinPath(layout.dir(), "index.json");
    if (c.content.empty()) {
      ASSERT_TRUE(RemoveFile(path).ok());
    } else {
      ASSERT_TRUE(WriteFileAtomic(path, c.content).ok());
    }
    absl::StatusOr<Index> index = layout.ReadIndex();
    EXPECT_EQ(index.status().code(), absl::StatusCode::kDataLoss) << index.status();
    EXPECT_THAT(Msg(index.status()), HasSubstr(path));
    EXPECT_THAT(Msg(index.status()), HasSubstr(c.message));
  }
}

TEST(LayoutTest, IndexWithoutManifestsIsEmpty) {
  Layout layout = NewLayout();
  ASSERT_TRUE(
      WriteFileAtomic(JoinPath(layout.dir(), "index.json"), "{\"schemaVersion\":2}")
          .ok());
  absl::StatusOr<Index> index = layout.ReadIndex();
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_THAT(index->manifests, IsEmpty());
}

// ---------------------------------------------------------------------------
// Blobs

TEST(LayoutTest, WriteAndReadBlob) {
  Layout layout = NewLayout();
  const std::string bytes = "{\"architecture\":\"amd64\"}";
  absl::StatusOr<std::string> digest = layout.WriteBlob(bytes);
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(*digest, Sha256::DigestOf(bytes));
  EXPECT_EQ(layout.BlobPath(*digest),
            JoinPath(layout.dir(), "blobs/sha256/" + std::string(DigestHex(*digest))));
  EXPECT_TRUE(layout.HasBlob(*digest));
  EXPECT_FALSE(layout.HasBlob(Sha256::DigestOf("other")));
  EXPECT_EQ(*ReadFile(layout.BlobPath(*digest)), bytes);
  EXPECT_EQ(Stat(layout.BlobPath(*digest))->mode, 0644u);

  // Writing it again is a no-op.
  absl::StatusOr<std::string> again = layout.WriteBlob(bytes);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *digest);
  EXPECT_THAT(TempFilesIn(layout), IsEmpty());

  absl::StatusOr<std::string> read =
      layout.ReadBlob(DescriptorOf(kOciManifest, bytes));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, bytes);

  // The empty blob is a blob too.
  Descriptor empty = AddBlob(layout, kLayer, "");
  EXPECT_EQ(*layout.ReadBlob(empty), "");
}

TEST(LayoutTest, ReadBlobMissingIsNotFound) {
  Layout layout = NewLayout();
  Descriptor d = DescriptorOf(kOciManifest, "absent");
  absl::StatusOr<std::string> read = layout.ReadBlob(d);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(read.status()), HasSubstr(d.digest()));
  EXPECT_THAT(Msg(read.status()), HasSubstr(layout.dir()));
}

TEST(LayoutTest, ReadBlobSizeMismatchIsDataLoss) {
  Layout layout = NewLayout();
  Descriptor real = AddBlob(layout, kOciManifest, "0123456789");
  for (int64_t size : {int64_t{9}, int64_t{11}, int64_t{0}}) {
    SCOPED_TRACE(size);
    Descriptor d = Descriptor::Make(kOciManifest, real.digest(), size);
    absl::StatusOr<std::string> read = layout.ReadBlob(d);
    EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(Msg(read.status()), HasSubstr(real.digest()));
    EXPECT_THAT(Msg(read.status()),
                HasSubstr(absl::StrCat("has 10 bytes, its descriptor says ", size)));
  }
}

TEST(LayoutTest, ReadBlobDigestMismatchIsDataLoss) {
  Layout layout = NewLayout();
  Descriptor d = AddBlob(layout, kOciManifest, "original");
  ASSERT_TRUE(WriteFileAtomic(layout.BlobPath(d.digest()), "tampered").ok());
  absl::StatusOr<std::string> read = layout.ReadBlob(d);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(read.status()), HasSubstr(d.digest()));
  EXPECT_THAT(Msg(read.status()),
              HasSubstr("content hashes to " + Sha256::DigestOf("tampered")));
}

TEST(LayoutTest, VerifyBlobFile) {
  Layout layout = NewLayout();
  const std::string big = Bytes((1 << 20) * 2 + 123, 1);  // several chunks
  Descriptor d = AddBlob(layout, kLayer, big);
  FakeProgress progress;
  EXPECT_TRUE(VerifyBlobFile(layout.BlobPath(d.digest()), d, &progress).ok());
  EXPECT_EQ(progress.bytes(), big.size());
  EXPECT_TRUE(VerifyBlobFile(layout.BlobPath(d.digest()), d).ok());

  Descriptor shorter = Descriptor::Make(kLayer, d.digest(), d.size() - 1);
  absl::Status s = VerifyBlobFile(layout.BlobPath(d.digest()), shorter);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(s), HasSubstr("longer than the"));

  Descriptor longer = Descriptor::Make(kLayer, d.digest(), d.size() + 1);
  s = VerifyBlobFile(layout.BlobPath(d.digest()), longer);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(s), HasSubstr(absl::StrCat("has ", big.size(), " bytes")));

  Descriptor other = Descriptor::Make(kLayer, Sha256::DigestOf("x"), d.size());
  s = VerifyBlobFile(layout.BlobPath(d.digest()), other);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(s), HasSubstr(other.digest()));
  EXPECT_THAT(Msg(s), HasSubstr("content hashes to " + d.digest()));

  s = VerifyBlobFile(JoinPath(layout.dir(), "nope"), d);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------
// TransferBlobs

// A source layout with blobs of assorted sizes (one spans several chunks).
struct Source {
  Layout layout;
  std::vector<Descriptor> blobs;
};

Source MakeSource(int count = 6) {
  Source s{NewLayout(), {}};
  for (int i = 0; i < count; ++i) {
    size_t size = i == 0 ? 0 : i == 1 ? (1 << 20) * 2 + 17 : 100 * i + 3;
    s.blobs.push_back(AddBlob(s.layout, kLayer, Bytes(size, i)));
  }
  return s;
}

uint64_t TotalBytes(const std::vector<Descriptor>& blobs) {
  uint64_t total = 0;
  for (const Descriptor& d : blobs) total += d.size();
  return total;
}

void ExpectSameBlobs(const Layout& src, const Layout& dst,
                     const std::vector<Descriptor>& blobs) {
  for (const Descriptor& d : blobs) {
    SCOPED_TRACE(d.digest());
    ASSERT_TRUE(dst.HasBlob(d.digest()));
    EXPECT_EQ(*ReadFile(dst.BlobPath(d.digest())),
              *ReadFile(src.BlobPath(d.digest())));
    EXPECT_TRUE(VerifyBlobFile(dst.BlobPath(d.digest()), d).ok());
  }
  EXPECT_THAT(TempFilesIn(dst), IsEmpty());
}

TEST(TransferBlobsTest, Copies) {
  Source src = MakeSource();
  Layout dst = NewLayout();
  TransferOptions options;
  options.allow_links = false;
  absl::StatusOr<TransferStats> stats =
      TransferBlobs(src.layout, dst, src.blobs, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_copied, src.blobs.size());
  EXPECT_EQ(stats->bytes_copied, TotalBytes(src.blobs));
  EXPECT_EQ(stats->blobs_linked, 0u);
  EXPECT_EQ(stats->bytes_linked, 0u);
  EXPECT_EQ(stats->blobs_present, 0u);
  ExpectSameBlobs(src.layout, dst, src.blobs);
  for (const Descriptor& d : src.blobs) {
    FileInfo a = *Stat(src.layout.BlobPath(d.digest()));
    FileInfo b = *Stat(dst.BlobPath(d.digest()));
    EXPECT_NE(a.inode, b.inode) << d.digest();
    EXPECT_EQ(b.mode, 0644u);
  }
}

TEST(TransferBlobsTest, Links) {
  Source src = MakeSource();
  Layout dst = NewLayout();
  TransferOptions options;  // allow_links by default; both under TempDir()
  absl::StatusOr<TransferStats> stats =
      TransferBlobs(src.layout, dst, src.blobs, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_linked, src.blobs.size());
  EXPECT_EQ(stats->bytes_linked, TotalBytes(src.blobs));
  EXPECT_EQ(stats->blobs_copied, 0u);
  ExpectSameBlobs(src.layout, dst, src.blobs);
  for (const Descriptor& d : src.blobs) {
    FileInfo a = *Stat(src.layout.BlobPath(d.digest()));
    FileInfo b = *Stat(dst.BlobPath(d.digest()));
    EXPECT_EQ(a.device, b.device);
    EXPECT_EQ(a.inode, b.inode) << d.digest();
  }
}

TEST(TransferBlobsTest, LinksWithoutVerification) {
  Source src = MakeSource(3);
  Layout dst = NewLayout();
  TransferOptions options;
  options.verify_links = false;
  FakeProgress progress;
  options.progress = &progress;
  absl::StatusOr<TransferStats> stats =
      TransferBlobs(src.layout, dst, src.blobs, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_linked, 3u);
  EXPECT_EQ(progress.bytes(), TotalBytes(src.blobs));
  EXPECT_EQ(progress.blobs_done(), 3u);
}

TEST(TransferBlobsTest, SkipsPresentBlobsAndDuplicates) {
  Source src = MakeSource(4);
  Layout dst = NewLayout();
  TransferOptions options;
  options.allow_links = false;
  // The first two are there already.
  ASSERT_TRUE(TransferBlobs(src.layout, dst, {src.blobs[0], src.blobs[1]}, options)
                  .ok());
  std::vector<Descriptor> with_duplicates = src.blobs;
  with_duplicates.push_back(src.blobs[3]);
  with_duplicates.push_back(src.blobs[0]);
  FakeProgress progress;
  options.progress = &progress;
  absl::StatusOr<TransferStats> stats =
      TransferBlobs(src.layout, dst, with_duplicates, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_present, 2u);
  EXPECT_EQ(stats->blobs_copied, 2u);
  EXPECT_EQ(stats->bytes_copied, src.blobs[2].size() + src.blobs[3].size());
  EXPECT_EQ(progress.start_blobs(), 2u);
  EXPECT_EQ(progress.start_bytes(), src.blobs[2].size() + src.blobs[3].size());
  ExpectSameBlobs(src.layout, dst, src.blobs);

  // All there: nothing to do, and Start still says so.
  FakeProgress none;
  options.progress = &none;
  stats = TransferBlobs(src.layout, dst, src.blobs, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_present, 4u);
  EXPECT_EQ(stats->blobs_copied + stats->blobs_linked, 0u);
  EXPECT_EQ(none.starts(), 1);
  EXPECT_EQ(none.start_blobs(), 0u);
  EXPECT_EQ(none.bytes(), 0u);

  // An empty list is fine.
  stats = TransferBlobs(src.layout, dst, {}, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_present, 0u);
}

class TransferModeTest : public ::testing::TestWithParam<bool> {};

TEST_P(TransferModeTest, CorruptedSourceBlobIsNotPlaced) {
  const bool allow_links = GetParam();
  Source src = MakeSource(4);
  // Same size, different bytes: only the digest can tell.
  const Descriptor& bad = src.blobs[2];
  std::string tampered = *ReadFile(src.layout.BlobPath(bad.digest()));
  tampered[tampered.size() / 2] ^= 0x55;
  ASSERT_TRUE(WriteFileAtomic(src.layout.BlobPath(bad.digest()), tampered).ok());

  Layout dst = NewLayout();
  TransferOptions options;
  options.allow_links = allow_links;
  options.threads = 2;
  absl::StatusOr<TransferStats> stats =
      TransferBlobs(src.layout, dst, src.blobs, options);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
  EXPECT_THAT(Msg(stats.status()), HasSubstr(bad.digest()));
  EXPECT_THAT(Msg(stats.status()), HasSubstr(src.layout.dir()));
  EXPECT_THAT(Msg(stats.status()), HasSubstr("content hashes to"));
  EXPECT_FALSE(dst.HasBlob(bad.digest()));
  EXPECT_THAT(TempFilesIn(dst), IsEmpty());
  // Whatever was placed is complete and verified.
  for (const Descriptor& d : src.blobs) {
    if (d.digest() != bad.digest() && dst.HasBlob(d.digest())) {
      EXPECT_TRUE(VerifyBlobFile(dst.BlobPath(d.digest()), d).ok()) << d.digest();
    }
  }
  // The source is left as it was.
  EXPECT_EQ(*ReadFile(src.layout.BlobPath(bad.digest())), tampered);
}

TEST_P(TransferModeTest, WrongSizeSourceBlobIsDataLoss) {
  Source src = MakeSource(2);
  Descriptor wrong = Descriptor::Make(kLayer, src.blobs[1].digest(),
                                      src.blobs[1].size() + 1);
  Layout dst = NewLayout();
  TransferOptions options;
  options.allow_links = GetParam();
  absl::StatusOr<TransferStats> stats =
      TransferBlobs(src.layout, dst, {wrong}, options);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
  EXPECT_THAT(Msg(stats.status()), HasSubstr(wrong.digest()));
  EXPECT_THAT(Msg(stats.status()), HasSubstr("its descriptor says"));
  EXPECT_FALSE(dst.HasBlob(wrong.digest()));
  EXPECT_THAT(TempFilesIn(dst), IsEmpty());
}

TEST_P(TransferModeTest, MissingBlobIsNotFound) {
  Source src = MakeSource(2);
  Descriptor missing = DescriptorOf(kLayer, "never written");
  std::vector<Descriptor> blobs = src.blobs;
  blobs.push_back(missing);
  Layout dst = NewLayout();
  TransferOptions options;
  options.allow_links = GetParam();
  options.threads = 1;
  absl::StatusOr<TransferStats> stats = TransferBlobs(src.layout, dst, blobs, options);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kNotFound) << stats.status();
  EXPECT_THAT(Msg(stats.status()), HasSubstr(missing.digest()));
  EXPECT_THAT(Msg(stats.status()), HasSubstr(src.layout.dir()));
  EXPECT_FALSE(dst.HasBlob(missing.digest()));
  EXPECT_THAT(TempFilesIn(dst), IsEmpty());
}

TEST_P(TransferModeTest, OneThreadOrFourGiveTheSameResult) {
  Source src = MakeSource(12);
  std::vector<std::vector<std::string>> listings;
  std::vector<TransferStats> all_stats;
  for (int threads : {1, 4}) {
    SCOPED_TRACE(threads);
    Layout dst = NewLayout();
    TransferOptions options;
    options.allow_links = GetParam();
    options.threads = threads;
    FakeProgress progress;
    options.progress = &progress;
    absl::StatusOr<TransferStats> stats =
        TransferBlobs(src.layout, dst, src.blobs, options);
    ASSERT_TRUE(stats.ok()) << stats.status();
    ExpectSameBlobs(src.layout, dst, src.blobs);
    listings.push_back(*ListDir(JoinPath(dst.dir(), "blobs/sha256")));
    all_stats.push_back(*stats);
    // Progress callbacks add up.
    EXPECT_EQ(progress.starts(), 1);
    EXPECT_EQ(progress.start_blobs(), src.blobs.size());
    EXPECT_EQ(progress.start_bytes(), TotalBytes(src.blobs));
    EXPECT_EQ(progress.bytes(), TotalBytes(src.blobs));
    EXPECT_EQ(progress.blobs_done(), src.blobs.size());
  }
  ASSERT_EQ(listings.size(), 2u);
  EXPECT_EQ(listings[0], listings[1]);
  EXPECT_EQ(listings[0].size(), src.blobs.size());
  EXPECT_EQ(all_stats[0].blobs_copied, all_stats[1].blobs_copied);
  EXPECT_EQ(all_stats[0].blobs_linked, all_stats[1].blobs_linked);
  EXPECT_EQ(all_stats[0].bytes_copied, all_stats[1].bytes_copied);
  EXPECT_EQ(all_stats[0].bytes_linked, all_stats[1].bytes_linked);
  EXPECT_EQ(all_stats[0].bytes_copied + all_stats[0].bytes_linked,
            TotalBytes(src.blobs));
}

INSTANTIATE_TEST_SUITE_P(CopyAndLink, TransferModeTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Link" : "Copy";
                         });

TEST(TransferBlobsTest, DefaultThreadCount) {
  Source src = MakeSource(5);
  Layout dst = NewLayout();
  TransferOptions options;
  options.threads = 0;  // one per core
  options.allow_links = false;
  absl::StatusOr<TransferStats> stats =
      TransferBlobs(src.layout, dst, src.blobs, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_copied, 5u);
  ExpectSameBlobs(src.layout, dst, src.blobs);
}

}  // namespace
}  // namespace stowage::oci
