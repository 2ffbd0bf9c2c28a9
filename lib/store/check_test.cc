#include "lib/store/check.h"

#include <stdlib.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/oci/media_types.h"

namespace stowage::store {
namespace {

using ::testing::HasSubstr;

std::string NewDir() {
  std::string tmpl = ::testing::TempDir() + "/check-XXXXXX";
  return mkdtemp(tmpl.data());
}

// A store with one image, team/app:v1: a manifest, its config, one layer.
class CheckLibTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Store> s = Store::Init(NewDir() + "/store");
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::make_unique<Store>(std::move(*s));
    layer_ = Put(std::string(100000, 'x'));
    config_ = Put(R"({"architecture":"amd64","os":"linux"})");
    manifest_ = Put(absl::StrCat(
        R"({"schemaVersion":2,"mediaType":")", oci::kOciManifest,
        R"(","config":{"mediaType":")", oci::kOciConfig, R"(","digest":")", config_,
        R"(","size":37},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")",
        layer_, R"(","size":100000}]})"));
    ASSERT_TRUE(store_
                    ->SetTags({{TagName{"team/app", "v1"},
                                oci::Descriptor::Make(oci::kOciManifest, manifest_,
                                                      manifest_size_)}})
                    .ok());
  }
  std::string Put(const std::string& bytes) {
    absl::StatusOr<std::string> d = store_->layout().WriteBlob(bytes);
    EXPECT_TRUE(d.ok()) << d.status();
    manifest_size_ = static_cast<int64_t>(bytes.size());
    return *d;
  }
  std::string Path(const std::string& digest) const {
    return store_->dir() + "/blobs/sha256/" + digest.substr(7);
  }
  CheckReport Run(int threads = 2) {
    CheckOptions o;
    o.threads = threads;
    absl::StatusOr<CheckReport> r = Check(*store_, o);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : CheckReport{};
  }

  std::unique_ptr<Store> store_;
  std::string layer_, config_, manifest_;
  int64_t manifest_size_ = 0;
};

TEST_F(CheckLibTest, CleanStore) {
  for (int threads : {1, 2, 8}) {
    CheckReport r = Run(threads);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.blobs, 3u);
    EXPECT_EQ(r.manifests, 1u);
    EXPECT_EQ(r.tags, 1u);
    EXPECT_TRUE(r.strays.empty());
  }
}

TEST_F(CheckLibTest, ByteFlipNamesDigestRoleTagAndActualDigest) {
  std::string bytes(100000, 'x');
  bytes[50000] = 'y';
  ASSERT_TRUE(WriteFileAtomic(Path(layer_), bytes).ok());
  CheckReport r = Run();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].String(),
            absl::StrCat(layer_, " (layer of team/app:v1): content hashes to ",
                         Sha256::DigestOf(bytes)));
}

TEST_F(CheckLibTest, WrongSizeMissingAndUnparseable) {
  ASSERT_TRUE(WriteFileAtomic(Path(layer_), "short").ok());
  ASSERT_TRUE(RemoveFile(Path(config_)).ok());
  CheckReport r = Run();
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_THAT(r.problems[0].String() + r.problems[1].String(),
              HasSubstr("(layer of team/app:v1): size 5 bytes, descriptor says 100000"));
  EXPECT_THAT(r.problems[0].String() + r.problems[1].String(),
              HasSubstr("(config of team/app:v1): missing"));
}

TEST_F(CheckLibTest, ManifestThatIsNoManifest) {
  std::string junk = Put("not json at all");
  ASSERT_TRUE(store_
                  ->SetTags({{TagName{"team/app", "bad"},
                              oci::Descriptor::Make(oci::kOciManifest, junk, 15)}})
                  .ok());
  CheckReport r = Run();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].digest, junk);
  EXPECT_EQ(r.problems[0].role, "manifest");
  EXPECT_THAT(r.problems[0].what, HasSubstr("not a valid manifest"));
}

TEST_F(CheckLibTest, StraysAreWarningsAndDamagedUnreferencedBlobsProblems) {
  ASSERT_TRUE(WriteFileAtomic(store_->dir() + "/blobs/sha256/README", "hi").ok());
  ASSERT_TRUE(WriteFileAtomic(store_->dir() + "/blobs/sha256/.tmp-123", "x").ok());
  std::string loose = Put("loose");
  ASSERT_TRUE(WriteFileAtomic(Path(loose), "LOOSE").ok());
  CheckReport r = Run();
  ASSERT_EQ(r.strays.size(), 2u);
  EXPECT_EQ(r.strays[0].name, ".tmp-123");
  EXPECT_EQ(r.strays[1].name, "README");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].String(),
            absl::StrCat(loose, " (unreferenced): content hashes to ",
                         Sha256::DigestOf("LOOSE")));
}

}  // namespace
}  // namespace stowage::store
