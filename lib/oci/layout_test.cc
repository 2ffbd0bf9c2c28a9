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
using ::stowage::oci::oci_testing::Bytes;
using ::stowage::oci::oci_testing::DescriptorOf;
using ::stowage::oci::oci_testing::FakeProgress;
using ::stowage::oci::oci_testing::NewLayout;
using ::stowage::oci::oci_testing::TempFilesIn;
using ::stowage::oci::oci_testing::NewTempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kLayer[] = "application/vnd.oci.image.layer.v1.tar";
constexpr char kLayoutMarker[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

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

}  // namespace
}  // namespace stowage::oci
