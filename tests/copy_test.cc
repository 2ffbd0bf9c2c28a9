// End-to-end: the copy engine's checks, with real images (make_images.sh)
// and the real binary. Every reader of the store hashes what it reads; every
// descriptor's size is checked against the blob the destination has; nothing
// of a failed copy is left where a reader would take it for an image.

#include <algorithm>
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

class CopyTest : public ::stowage::testing::StoreFixture {
 protected:
  // A jq expression on the manifest of `ref` in the layout at `dir`.
  static std::string ManifestField(const std::string& dir, const std::string& ref,
                                   const std::string& jq) {
    std::string digest = RefDigest(dir, ref).substr(7);
    return Trim(Shell("jq -r '" + jq + "' " + dir + "/blobs/sha256/" + digest).out);
  }

  // Flips one byte in the middle of the store's blob `digest`, in place:
  // same size, same name, other content.
  void FlipByte(const std::string& digest) {
    std::string path = store_ + "/blobs/sha256/" + digest.substr(7);
    Result r = Shell("set -e; f=" + path + "; n=$(stat -c %s $f); o=$((n / 2)); "
                     "b=$(dd if=$f bs=1 skip=$o count=1 2>/dev/null | od -An -tu1 | tr -d ' '); "
                     "printf \"$(printf '\\\\%03o' $(( (b + 1) % 256 )))\" | "
                     "dd of=$f bs=1 seek=$o count=1 conv=notrunc 2>/dev/null");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

};


// A same-size byte flip in a layer, then in a config: every command that
// reads the store fails naming the digest, and leaves nothing named.
TEST_F(CopyTest, ByteFlipInTheStoreFailsEveryReader) {
  std::string src = Images("single");
  // --copy: the store's blobs must not be the source's inodes, which the
  // flip would damage too.
  ASSERT_EQ(S("import", {"--copy", "oci:" + src + ":v1", "team/app:v1"}).exit_code, 0);
  const std::string layer = ManifestField(src, "v1", ".layers[0].digest");
  const std::string config = ManifestField(src, "v1", ".config.digest");
  ASSERT_THAT(layer, ::testing::StartsWith("sha256:"));
  for (const std::string& digest : {layer, config}) {
    SCOPED_TRACE(digest == layer ? "layer" : "config");
    std::string fresh = MakeTempDir();
    ASSERT_EQ(S("import", {"--copy", "oci:" + src + ":v1", "team/app:v1"}).exit_code, 0);
    FlipByte(digest);
    struct Case {
      std::vector<std::string> args;
      std::string left;  // a path that must not exist afterwards
    };
    const std::vector<Case> cases = {
        {{"export", "team/app:v1", "oci:" + fresh + "/linked"}, fresh + "/linked/index.json"},
        {{"export", "--copy", "team/app:v1", "oci:" + fresh + "/copied"},
         fresh + "/copied/index.json"},
        {{"export", "team/app:v1", "oci-archive:" + fresh + "/a.tar"}, fresh + "/a.tar"},
        {{"export", "team/app:v1", "docker-archive:" + fresh + "/d.tar"}, fresh + "/d.tar"},
        {{"bundle create", fresh + "/b.tar", "team/app"}, fresh + "/b.tar"},
        {{"publish", fresh + "/site", "--no-catalog"},
         fresh + "/site/www/v2/team/app/manifests/v1"},
    };
    for (const Case& c : cases) {
      std::vector<std::string> args(c.args.begin() + 1, c.args.end());
      Result r = c.args[0] == "bundle create" ? Stowage([&] {
        args.insert(args.begin(), {"bundle", "create", "--store", store_});
        return args;
      }())
                                               : S(c.args[0], args);
      EXPECT_NE(r.exit_code, 0) << c.args[0] << " " << c.args.back();
      EXPECT_THAT(r.err, HasSubstr("blob " + digest)) << c.args.back();
      EXPECT_THAT(r.err, HasSubstr("content hashes to sha256:")) << c.args.back();
      EXPECT_NE(Shell("test -e " + c.left).exit_code, 0) << c.left << " was left";
    }
    // The store's own blob is what is wrong: drop it, so that the next
    // round's import brings a clean one.
    ASSERT_EQ(S("untag", {"team/app:v1"}).exit_code, 0);
    ASSERT_EQ(Shell("rm " + store_ + "/blobs/sha256/" + digest.substr(7)).exit_code, 0);
  }
}

// A manifest that declares a wrong size for a blob the store already has
// is refused: the store's blob was verified, so the descriptor lies.
TEST_F(CopyTest, WrongDeclaredSizeForAPresentBlobIsRefused) {
  std::string src = Images("single");
  ASSERT_EQ(S("import", {"oci:" + src + ":v1", "team/app:v1"}).exit_code, 0);
  for (const std::string size : {"0", "1000000000000000"}) {
    SCOPED_TRACE(size);
    std::string bad = MakeTempDir() + "/bad";
    // A copy of the layout whose manifest gives its first layer `size`.
    Result made = Shell(
        "set -e; cp -r " + src + " " + bad + "; cd " + bad + "; "
        "m=$(jq -r '.manifests[] | select(.annotations[\"org.opencontainers.image.ref.name\"]"
        " == \"v1\") | .digest' index.json | cut -c8-); "
        "jq -c '.layers[0].size = " + size + "' blobs/sha256/$m > new; "
        "d=$(sha256sum new | cut -c1-64); s=$(stat -c %s new); mv new blobs/sha256/$d; "
        "jq -c --arg d sha256:$d --argjson s $s '.manifests = [.manifests[] | "
        "select(.annotations[\"org.opencontainers.image.ref.name\"] == \"v1\") | "
        ".digest = $d | .size = $s]' index.json > i && mv i index.json");
    ASSERT_EQ(made.exit_code, 0) << made.err;
    Result r = S("import", {"oci:" + bad + ":v1", "team/bad:v1"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat("declares it with ", size)));
    EXPECT_THAT(S("ls", {}).out, Not(HasSubstr("team/bad")));
  }
}

// Bytes under `dir`, as du counts them.
uint64_t DiskBytes(const std::string& dir) {
  return std::stoull(Trim(Shell("du -sb " + dir + " | cut -f1").out));
}

// A tiny compressed archive holding a huge entry no image references (a
// compression bomb), and one with unreferenced junk: import reads past
// them and writes no more than the referenced bytes, under a file-size
// limit that would kill it if it tried (ulimit -f).
TEST_F(CopyTest, UnreferencedEntriesAreNeverWritten) {
  std::string src = Images("single");
  std::string d = MakeTempDir();
  const uint64_t image_bytes = DiskBytes(src);
  Result made = Shell(
      "set -e; cd " + d + "; truncate -s 1G junk; "
      // oci-archive: the layout and the junk, zstd-compressed.
      "tar -C " + src + " -cf oci.tar . && tar -rf oci.tar junk && zstd -q -T0 oci.tar -o oci.tar.zst; "
      // docker-archive: a skopeo docker save archive with the junk added.
      "skopeo copy -q oci:" + src + ":v1 docker-archive:docker.tar:team/app:v1; "
      "tar -rf docker.tar junk && zstd -q -T0 docker.tar -o docker.tar.zst; rm oci.tar docker.tar junk; "
      "ls -l");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  for (const std::string& archive : {"oci-archive:" + d + "/oci.tar.zst:v1",
                                    "docker-archive:" + d + "/docker.tar.zst"}) {
    SCOPED_TRACE(archive);
    EXPECT_LT(std::stoull(Trim(Shell("stat -c %s " + archive.substr(archive.find(':') + 1,
                                                                   archive.find(".zst") + 4 -
                                                                       archive.find(':') - 1))
                                   .out)),
              uint64_t{4} << 20);  // the bomb is small
    const uint64_t before = DiskBytes(store_);
    // 64 MiB per file at most (ulimit -f counts 1 KiB blocks): the junk
    // would be 1 GiB.
    Result r = Shell("ulimit -f 65536; " + ::stowage::testing::StowageBinary() + " import --store " +
                     store_ + " " + archive + " team/app:v1");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("team/app:v1 sha256:"));
    const uint64_t written = DiskBytes(store_) - before;
    EXPECT_LE(written, image_bytes + (uint64_t{1} << 20)) << "wrote " << written;
    ASSERT_EQ(S("untag", {"team/app:v1"}).exit_code, 0);
    ASSERT_EQ(S("gc", {"--grace", "0s"}).exit_code, 0);
  }
}

// An archive entry longer than its descriptor says: refused before a byte
// of it is copied, naming the blob; nothing is tagged.
TEST_F(CopyTest, AnEntryOfAnotherSizeThanDeclaredIsRefused) {
  std::string src = Images("single");
  const std::string layer = ManifestField(src, "v1", ".layers[0].digest");
  std::string d = MakeTempDir();
  Result made = Shell("set -e; cp -r " + src + " " + d + "/l; head -c 1000 /dev/zero >> " + d +
                      "/l/blobs/sha256/" + layer.substr(7) + "; tar -C " + d + "/l -cf " + d +
                      "/long.tar .");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  Result r = S("import", {"oci-archive:" + d + "/long.tar:v1", "team/app:v1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("blob " + layer));
  EXPECT_THAT(r.err, HasSubstr("its descriptor says"));
  EXPECT_THAT(S("ls", {}).out, Not(HasSubstr("team/app")));
}

// A store on a full filesystem: the import fails with one line naming
// the cause, tags nothing and leaves no temporary file behind.
TEST_F(CopyTest, AFullDiskFailsCleanly) {
  std::string mnt = MakeTempDir() + "/small";
  if (Shell("mkdir -p " + mnt + " && mount -t tmpfs -o size=4m tmpfs " + mnt).exit_code != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  }
  std::string store = mnt + "/store";
  std::string big = MakeTempDir() + "/big";
  Result made = Shell("set -e; " + ::stowage::testing::StowageBinary() + " init " + store +
                      "; cp -r " + Images("single") + " " + big);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  // 8 MiB in one more layer, which cannot fit.
  Result grown = Shell(
      "set -e; cd " + big + "; head -c 8388608 /dev/urandom > l; "
      "ld=$(sha256sum l | cut -c1-64); mv l blobs/sha256/$ld; "
      "m=$(jq -r '.manifests[] | select(.annotations[\"org.opencontainers.image.ref.name\"] == "
      "\"v1\") | .digest' index.json | cut -c8-); "
      "jq -c --arg d sha256:$ld '.layers += [{mediaType: \"application/vnd.oci.image.layer.v1.tar\","
      " digest: $d, size: 8388608}]' blobs/sha256/$m > n; "
      "nd=$(sha256sum n | cut -c1-64); ns=$(stat -c %s n); mv n blobs/sha256/$nd; "
      "jq -c --arg d sha256:$nd --argjson s $ns '.manifests = [{mediaType: .manifests[0].mediaType,"
      " digest: $d, size: $s, annotations: {\"org.opencontainers.image.ref.name\": \"v1\"}}]'"
      " index.json > i; mv i index.json");
  ASSERT_EQ(grown.exit_code, 0) << grown.err;
  std::string before = Shell("cat " + store + "/index.json").out;
  Result r = Stowage({"import", "--store", store, "oci:" + big + ":v1", "team/app:v1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
  EXPECT_EQ(Shell("cat " + store + "/index.json").out, before);
  EXPECT_EQ(Shell("find " + store + " -name '.tmp*' | wc -l").out, "0\n");
  Shell("umount " + mnt);
}

}  // namespace
}  // namespace stowage
