// The contract every transport keeps (transport.h), as one suite run over
// each of them: what a destination takes and commits, a source gives back,
// byte for byte, and nothing is named before Commit or from bad bytes.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/copy/copy.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/oci/layout.h"
#include "lib/oci/media_types.h"
#include "lib/store/store.h"
#include "lib/transport/layout_io.h"
#include "lib/transport/store_transport.h"
#include "lib/transport/transport.h"

namespace stowage::transport {
namespace {

using ::testing::HasSubstr;

// A small real image: one layer, a config naming it as its diff_id, an OCI
// manifest, in a layout tagged "v1".
struct Fixture {
  std::string dir;
  oci::Descriptor manifest = oci::Descriptor::Make("x", "sha256:0", 0);
  oci::Descriptor layer = oci::Descriptor::Make("x", "sha256:0", 0);
  std::string layer_bytes;
};

oci::Descriptor Put(const oci::Layout& layout, const std::string& media_type,
                    const std::string& bytes) {
  absl::StatusOr<std::string> digest = layout.WriteBlob(bytes);
  EXPECT_TRUE(digest.ok()) << digest.status();
  return oci::Descriptor::Make(media_type, *digest, static_cast<int64_t>(bytes.size()));
}

Fixture MakeFixture(const std::string& dir) {
  Fixture f;
  f.dir = dir;
  absl::StatusOr<oci::Layout> layout = oci::Layout::OpenOrCreate(dir);
  EXPECT_TRUE(layout.ok()) << layout.status();
  for (uint32_t i = 0; i < 300000; ++i) {
    f.layer_bytes.push_back(static_cast<char>((i * 7919u) >> 3));
  }
  f.layer = Put(*layout, "application/vnd.oci.image.layer.v1.tar", f.layer_bytes);
  std::string config = absl::StrCat(
      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
      "\"diff_ids\":[\"",
      f.layer.digest(), "\"]}}");
  oci::Descriptor c = Put(*layout, oci::kOciConfig, config);
  std::string manifest = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"", oci::kOciManifest,
      "\",\"config\":{\"mediaType\":\"", c.media_type(), "\",\"digest\":\"", c.digest(),
      "\",\"size\":", c.size(), "},\"layers\":[{\"mediaType\":\"", f.layer.media_type(),
      "\",\"digest\":\"", f.layer.digest(), "\",\"size\":", f.layer.size(), "}]}");
  f.manifest = Put(*layout, oci::kOciManifest, manifest);
  oci::Index index{JsonValue::Object(), {oci::IndexEntry(f.manifest, "v1")}};
  EXPECT_TRUE(layout->WriteIndex(index).ok());
  return f;
}

// One transport as the suite drives it.
struct Param {
  std::string label;
  // The text that names a place for it under `dir` ("" for the store).
  std::string (*text)(const std::string& dir);
  // The name the image is given at the destination.
  std::string ref;
  // A destination keeps the image's own manifest (a docker archive makes
  // its own: the digest then changes, the layers do not).
  bool same_digest;
};

class TransportContract : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    root_ = JoinPath(::testing::TempDir(), absl::StrCat("contract-", GetParam().label, "-",
                                                        counter_++));
    ASSERT_TRUE(RemoveAll(root_).ok());
    ASSERT_TRUE(MakeDirs(root_).ok());
    fixture_ = MakeFixture(JoinPath(root_, "fixture"));
    absl::StatusOr<store::Store> s = store::Store::Init(JoinPath(root_, "store"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_.emplace(std::move(*s));
    options_.scratch = store_->TempDir();
  }

  bool IsStore() const { return GetParam().text == nullptr; }
  std::string Text() const { return GetParam().text(JoinPath(root_, "place")); }

  absl::StatusOr<std::unique_ptr<ImageDestination>> Destination() {
    if (IsStore()) return StoreDestination(*store_);
    return OpenDestination(Text(), options_);
  }
  absl::StatusOr<std::unique_ptr<ImageSource>> Source() {
    if (IsStore()) return StoreSource(*store_);
    return OpenSource(Text(), options_);
  }
  std::unique_ptr<ImageSource> FixtureSource() {
    absl::StatusOr<oci::Layout> layout = oci::Layout::Open(fixture_.dir);
    EXPECT_TRUE(layout.ok());
    return std::make_unique<LayoutSource>(*layout, "oci:" + fixture_.dir);
  }

  // Copies the fixture to the transport and commits.
  void Write() {
    absl::StatusOr<std::unique_ptr<ImageDestination>> dest = Destination();
    ASSERT_TRUE(dest.ok()) << dest.status();
    std::unique_ptr<ImageSource> src = FixtureSource();
    absl::StatusOr<copy::Result> r =
        copy::CopyImages(*src, **dest, {{fixture_.manifest, GetParam().ref}}, {});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE((*dest)->Commit().ok());
  }

  static int counter_;
  std::string root_;
  Fixture fixture_;
  std::optional<store::Store> store_;
  OpenOptions options_;
};

int TransportContract::counter_ = 0;

TEST_P(TransportContract, WhatIsCommittedReadsBackByteForByte) {
  Write();
  absl::StatusOr<std::unique_ptr<ImageSource>> src = Source();
  ASSERT_TRUE(src.ok()) << src.status();
  absl::StatusOr<std::vector<Ref>> refs = (*src)->Refs();
  ASSERT_TRUE(refs.ok()) << refs.status();
  const Ref* found = nullptr;
  for (const Ref& r : *refs) {
    if (r.name == GetParam().ref) found = &r;
  }
  ASSERT_NE(found, nullptr) << "no ref " << GetParam().ref;
  if (GetParam().same_digest) {
    EXPECT_EQ(found->descriptor.digest(), fixture_.manifest.digest());
  }
  // The engine checks every manifest and blob on the way out of the source.
  std::string out = JoinPath(root_, "out");
  absl::StatusOr<oci::Layout> layout = oci::Layout::OpenOrCreate(out);
  ASSERT_TRUE(layout.ok());
  LayoutDestination dest(*layout, "oci:" + out, "", LayoutWriter::Options{});
  absl::StatusOr<copy::Result> r =
      copy::CopyImages(**src, dest, {{found->descriptor, "back"}}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(dest.Commit().ok());
  absl::StatusOr<std::string> bytes = ReadFile(layout->BlobPath(fixture_.layer.digest()));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, fixture_.layer_bytes);
}

TEST_P(TransportContract, NothingIsNamedWithoutCommit) {
  {
    absl::StatusOr<std::unique_ptr<ImageDestination>> dest = Destination();
    ASSERT_TRUE(dest.ok()) << dest.status();
    std::unique_ptr<ImageSource> src = FixtureSource();
    ASSERT_TRUE(
        copy::CopyImages(*src, **dest, {{fixture_.manifest, GetParam().ref}}, {}).ok());
  }  // destroyed uncommitted
  absl::StatusOr<std::unique_ptr<ImageSource>> src = Source();
  if (!src.ok()) return;  // nothing there at all: fine
  absl::StatusOr<std::vector<Ref>> refs = (*src)->Refs();
  if (!refs.ok()) return;
  for (const Ref& r : *refs) EXPECT_NE(r.name, GetParam().ref);
}

// A reader that hands out the layer's bytes with one byte changed.
class FlippedReader : public BlobReader {
 public:
  explicit FlippedReader(std::string bytes) : bytes_(std::move(bytes)) {
    bytes_[bytes_.size() / 2] ^= 1;
  }
  absl::StatusOr<size_t> Read(char* buf, size_t size) override {
    size_t n = std::min(size, bytes_.size() - at_);
    std::copy(bytes_.data() + at_, bytes_.data() + at_ + n, buf);
    at_ += n;
    return n;
  }

 private:
  std::string bytes_;
  size_t at_ = 0;
};

TEST_P(TransportContract, ABlobThatDoesNotMatchIsNotKept) {
  absl::StatusOr<std::unique_ptr<ImageDestination>> dest = Destination();
  ASSERT_TRUE(dest.ok()) << dest.status();
  FlippedReader flipped(fixture_.layer_bytes);
  copy::VerifyingReader check(flipped, fixture_.layer, "test", nullptr);
  absl::Status s = (*dest)->PutBlob(fixture_.layer, check);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(s.message(), HasSubstr("content hashes to sha256:"));
  ASSERT_TRUE((*dest)->Commit().ok());
  absl::StatusOr<std::optional<uint64_t>> size = (*dest)->BlobSize(fixture_.layer.digest());
  ASSERT_TRUE(size.ok());
  EXPECT_FALSE(size->has_value());
}

TEST_P(TransportContract, ASourceNamesWhatItLacks) {
  Write();
  absl::StatusOr<std::unique_ptr<ImageSource>> src = Source();
  ASSERT_TRUE(src.ok()) << src.status();
  oci::Descriptor absent = oci::Descriptor::Make(
      "application/vnd.oci.image.layer.v1.tar", Sha256::DigestOf("not there"), 9);
  absl::StatusOr<std::unique_ptr<BlobReader>> blob = (*src)->GetBlob(absent);
  EXPECT_EQ(blob.status().code(), absl::StatusCode::kNotFound) << blob.status();
  EXPECT_THAT(blob.status().message(), HasSubstr(absent.digest()));
  absl::StatusOr<std::string> manifest = (*src)->GetManifest(absent);
  EXPECT_EQ(manifest.status().code(), absl::StatusCode::kNotFound) << manifest.status();
}

INSTANTIATE_TEST_SUITE_P(
    Every, TransportContract,
    ::testing::Values(
        Param{"oci", [](const std::string& d) { return "oci:" + d; }, "v1", true},
        Param{"oci_archive",
              [](const std::string& d) { return "oci-archive:" + d + ".tar"; }, "v1", true},
        Param{"docker_archive",
              [](const std::string& d) { return "docker-archive:" + d + ".tar"; },
              "team/app:v1", false},
        Param{"store", nullptr, "team/app:v1", true}),
    [](const ::testing::TestParamInfo<Param>& info) { return info.param.label; });

}  // namespace
}  // namespace stowage::transport
