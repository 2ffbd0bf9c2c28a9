// End-to-end: `stowage check` over a store of real images (make_images.sh):
// a clean store passes; same-size byte flips in a layer, a config and a
// manifest, a truncated blob, a missing blob and a missing manifest are each
// found, named with the tag that reaches them, with exit status 3; --json is
// read back with jq; a read-only store is checked.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"
#include "tests/harness/store_fixture.h"

namespace stowage {
namespace {

using ::stowage::testing::MakeImages;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::RefDigest;
using ::stowage::testing::Result;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::Trim;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kExitDamaged = 3;

class CheckTest : public ::stowage::testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    // --copy: the store's blobs must not share inodes with the fixtures.
    ASSERT_EQ(S("import", {"--copy", "oci:" + Images("single:v1"), "team/app:v1"}).exit_code, 0);
    ASSERT_EQ(S("import", {"--copy", "oci:" + Images("multi:latest"), "team/multi:latest"})
                  .exit_code, 0);
    manifest_ = RefDigest(Images("single"), "v1");
    layer_ = Field(manifest_, ".layers[0].digest");
    config_ = Field(manifest_, ".config.digest");
  }

  std::string Blob(const std::string& digest) const {
    return store_ + "/blobs/sha256/" + digest.substr(7);
  }
  std::string Field(const std::string& digest, const std::string& jq) const {
    return Trim(Shell("jq -r '" + jq + "' " + Blob(digest)).out);
  }
  // Flips one byte in the middle of blob `digest`, in place: same size.
  void FlipByte(const std::string& digest) {
    Result r = Shell("set -e; f=" + Blob(digest) + "; n=$(stat -c %s $f); o=$((n / 2)); "
                     "b=$(dd if=$f bs=1 skip=$o count=1 2>/dev/null | od -An -tu1 | tr -d ' '); "
                     "printf \"$(printf '\\\\%03o' $(( (b + 1) % 256 )))\" | "
                     "dd of=$f bs=1 seek=$o count=1 conv=notrunc 2>/dev/null");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string manifest_, layer_, config_;
};


TEST_F(CheckTest, CleanStorePasses) {
  Result r = S("check", {});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::MatchesRegex(
                         "checked [0-9]+ blobs \\(.*\\), [0-9]+ manifests, 2 tags: ok\n"));
  EXPECT_EQ(r.err, "");
}

TEST_F(CheckTest, SameSizeByteFlipsAreFound) {
  struct Case {
    std::string name;
    std::string digest;
  };
  for (const Case& c : std::vector<Case>{{"layer", layer_}, {"config", config_},
                                         {"manifest", manifest_}}) {
    SCOPED_TRACE(c.name);
    SetUp();
    FlipByte(c.digest);
    Result r = S("check", {});
    EXPECT_EQ(r.exit_code, kExitDamaged);
    EXPECT_THAT(r.err, HasSubstr(c.digest + " (" + c.name + " of team/app:v1): "
                                 "content hashes to sha256:"));
    EXPECT_THAT(r.err, Not(HasSubstr("team/multi")));
    EXPECT_THAT(r.out, HasSubstr("2 tags: 1 problem"));
  }
}

TEST_F(CheckTest, TruncatedBlobIsFound) {
  ASSERT_EQ(Shell("truncate -s -1 " + Blob(layer_)).exit_code, 0);
  Result r = S("check", {});
  EXPECT_EQ(r.exit_code, kExitDamaged);
  EXPECT_THAT(r.err, HasSubstr(layer_ + " (layer of team/app:v1): size "));
  EXPECT_THAT(r.err, HasSubstr("descriptor says"));
}

TEST_F(CheckTest, MissingBlobAndMissingManifestAreFound) {
  ASSERT_EQ(Shell("rm " + Blob(config_)).exit_code, 0);
  std::string multi = RefDigest(Images("multi"), "latest");
  std::string child = Field(multi, ".manifests[0].digest");
  ASSERT_EQ(Shell("rm " + Blob(child)).exit_code, 0);
  Result r = S("check", {});
  EXPECT_EQ(r.exit_code, kExitDamaged);
  EXPECT_THAT(r.err, HasSubstr(config_ + " (config of team/app:v1): missing"));
  EXPECT_THAT(r.err, HasSubstr(child + " (manifest of team/multi:latest): missing"));
  EXPECT_THAT(r.out, HasSubstr("2 problems"));
}

TEST_F(CheckTest, DamagedUnreferencedBlobIsReportedAndStraysWarned) {
  ASSERT_EQ(S("untag", {"team/multi:latest"}).exit_code, 0);
  std::string multi = RefDigest(Images("multi"), "latest");
  FlipByte(multi);
  ASSERT_EQ(Shell("echo hi > " + store_ + "/blobs/sha256/notes.txt").exit_code, 0);
  Result r = S("check", {});
  EXPECT_EQ(r.exit_code, kExitDamaged);
  EXPECT_THAT(r.err, HasSubstr(multi + " (unreferenced): content hashes to"));
  EXPECT_THAT(r.err, HasSubstr("warning: blobs/sha256/notes.txt: not a sha256 digest"));
  ASSERT_EQ(Shell("rm " + Blob(multi)).exit_code, 0);
  r = S("check", {});
  EXPECT_EQ(r.exit_code, 0) << "a stray file is only a warning: " << r.err;
}

TEST_F(CheckTest, JsonReportIsParsed) {
  FlipByte(layer_);
  std::string report = work_ + "/report.json";
  Result r = Shell(::stowage::testing::StowageBinary() + " check --store " + store_ + " --json > " + report);
  EXPECT_EQ(r.exit_code, kExitDamaged) << r.err;
  auto jq = [&](const std::string& expr) {
    return Trim(Shell("jq -r '" + expr + "' " + report).out);
  };
  EXPECT_EQ(jq(".ok"), "false");
  EXPECT_EQ(jq(".tags"), "2");
  EXPECT_EQ(jq(".problems | length"), "1");
  EXPECT_EQ(jq(".problems[0].digest"), layer_);
  EXPECT_EQ(jq(".problems[0].role"), "layer");
  EXPECT_EQ(jq(".problems[0].tags | join(\",\")"), "team/app:v1");
  EXPECT_THAT(jq(".problems[0].problem"), HasSubstr("content hashes to sha256:"));
}

// A read-only bind mount of the store (root, outside the sandbox: the test
// is tagged local); skipped where mounting is not allowed.
TEST_F(CheckTest, ReadOnlyStoreIsChecked) {
  std::string ro = work_ + "/ro";
  ASSERT_EQ(Shell("mkdir -p " + ro).exit_code, 0);
  if (Shell("mount --bind " + store_ + " " + ro + " && mount -o remount,bind,ro " + ro)
          .exit_code != 0) {
    Shell("umount " + ro + " 2>/dev/null");
    GTEST_SKIP() << "cannot make a read-only bind mount here";
  }
  ASSERT_NE(Shell("touch " + ro + "/probe").exit_code, 0) << "mount is writable";
  Result clean = Stowage({"check", "--store", ro});
  FlipByte(layer_);
  Result damaged = Stowage({"check", "--store", ro});
  Shell("umount " + ro);
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_THAT(clean.out, HasSubstr(": ok"));
  EXPECT_EQ(damaged.exit_code, kExitDamaged) << damaged.err;
  EXPECT_THAT(damaged.err, HasSubstr(layer_ + " (layer of team/app:v1)"));
}

}  // namespace
}  // namespace stowage
