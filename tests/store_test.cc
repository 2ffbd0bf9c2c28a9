// End-to-end: the store, with real images built by umoci, skopeo and
// buildah (tests/images/make_images.sh), and skopeo reading what stowage
// writes and writing what stowage reads.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"
#include "tests/harness/store_fixture.h"

namespace stowage {
namespace {

using ::stowage::testing::CountLines;
using ::stowage::testing::MakeImages;
using ::stowage::testing::MakeTinyLayout;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::RefDigest;
using ::stowage::testing::Result;
using ::stowage::testing::Runfile;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::Trim;
using ::testing::HasSubstr;
using ::testing::Not;

class StoreTest : public ::stowage::testing::StoreFixture {
 protected:
  // "digest size" of every blob file, sorted: equal listings mean equal
  // content, byte for byte.
  static std::string BlobListing(const std::string& layout) {
    return Shell(absl::StrCat("cd ", layout,
                              "/blobs/sha256 && for f in *; do echo \"$(sha256sum < $f | cut -c1-64) $f\"; done"))
        .out;
  }

};


TEST_F(StoreTest, ImportExportKeepsEveryDigest) {
  std::string src = Images("single");
  std::string want = RefDigest(src, "v1");
  ASSERT_THAT(want, ::testing::StartsWith("sha256:"));

  Result imp = S("import", {"oci:" + src + ":v1", "team/app:v1"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_EQ(imp.out, "team/app:v1 " + want + "\n");

  std::string out = work_ + "/out";
  Result exp = S("export", {"team/app:v1", "oci:" + out});
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  EXPECT_EQ(RefDigest(out, "v1"), want);
  // Every blob file hashes to its name, and the set is the source's.
  Result check = Shell("cd " + out + "/blobs/sha256 && for f in *; do echo \"$f  $f\"; done | sed 's/^/x/' >/dev/null; for f in *; do [ \"$(sha256sum < $f | cut -c1-64)\" = \"$f\" ] || exit 1; done");
  EXPECT_EQ(check.exit_code, 0);
  EXPECT_EQ(BlobListing(out), BlobListing(src));

  // skopeo reads the export, and the store itself, and agrees on the digest.
  Result inspect = Shell("skopeo inspect oci:" + out + ":v1 | jq -r .Digest");
  EXPECT_EQ(Trim(inspect.out), want) << inspect.err;
  inspect = Shell("skopeo inspect oci:" + store_ + ":team/app:v1 | jq -r .Digest");
  EXPECT_EQ(Trim(inspect.out), want) << inspect.err;
  Result raw = Shell("skopeo inspect --raw oci:" + out + ":v1 | sha256sum | cut -c1-64");
  EXPECT_EQ("sha256:" + Trim(raw.out), want);
  Result copy = Shell("skopeo copy -q --preserve-digests oci:" + out + ":v1 oci:" +
                      work_ + "/copied:v1");
  EXPECT_EQ(copy.exit_code, 0) << copy.err;
  EXPECT_EQ(RefDigest(work_ + "/copied", "v1"), want);
}

TEST_F(StoreTest, SkopeoWritesIntoTheStoreAndStowageReadsIt) {
  Result copy = Shell("skopeo copy -q --preserve-digests oci:" + Images("multiref") +
                      ":b oci:" + store_ + ":team/from-skopeo:v2");
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  Result tags = S("tags", {"team/from-skopeo", "--json"});
  ASSERT_EQ(tags.exit_code, 0) << tags.err;
  Result tag = Shell("echo '" + tags.out + "' | jq -r '.[0].tag + \" \" + .[0].digest'");
  EXPECT_EQ(Trim(tag.out), "v2 " + RefDigest(Images("multiref"), "b"));
  // And stowage's own writes keep skopeo's entry.
  ASSERT_EQ(S("import", {"oci:" + Images("single") + ":v1", "team/app:v1"}).exit_code, 0);
  Result ls = S("ls", {"--json"});
  Result names = Shell("echo '" + ls.out + "' | jq -r '.[].repository' | tr '\\n' ' '");
  EXPECT_EQ(names.out, "team/app team/from-skopeo ");
}

TEST_F(StoreTest, MultiPlatformIndexAndPlatformExport) {
  std::string src = Images("multi");
  std::string index = RefDigest(src, "latest");
  ASSERT_EQ(S("import", {"oci:" + src, "library/multi:1"}).exit_code, 0);

  Result inspect = S("inspect", {"multi:1", "--json"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  Result platforms = Shell("echo '" + inspect.out +
                           "' | jq -r '[.manifests[].platform] | join(\",\")'");
  EXPECT_EQ(Trim(platforms.out), "linux/amd64,linux/arm64");

  // The whole index, as skopeo copies it with --all.
  Result all = Shell("skopeo copy -q --all --preserve-digests oci:" + store_ +
                     ":library/multi:1 oci:" + work_ + "/all:x");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(RefDigest(work_ + "/all", "x"), index);

  // One platform, its manifest digest kept.
  Result arm = Shell("jq -r '.manifests[] | select(.platform.architecture == \"arm64\") | .digest' " +
                     src + "/blobs/sha256/" + index.substr(7));
  std::string out = work_ + "/arm";
  Result exp = S("export", {"--platform", "linux/arm64", "multi:1", "oci:" + out + ":arm"});
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  EXPECT_EQ(RefDigest(out, "arm"), Trim(arm.out));
  Result sk = Shell("skopeo inspect oci:" + out + ":arm | jq -r .Architecture");
  EXPECT_EQ(Trim(sk.out), "arm64") << sk.err;

  Result none = S("export", {"--platform", "linux/s390x", "multi:1", "oci:" + work_ + "/none"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.err, HasSubstr("no image for platform linux/s390x"));
  EXPECT_THAT(none.err, HasSubstr("linux/amd64, linux/arm64"));
}

TEST_F(StoreTest, DockerSchema2ArtifactsAndNestedIndexesCarriedUnchanged) {
  struct Case {
    std::string layout, ref, target;
  };
  for (const Case& c : {Case{"docker", "v1", "team/docker:v1"},
                        Case{"artifact", "sbom", "team/app:sbom"},
                        Case{"nested", "nested", "team/nested:v1"}}) {
    std::string src = Images(c.layout);
    Result imp = S("import", {"oci:" + src + ":" + c.ref, c.target});
    ASSERT_EQ(imp.exit_code, 0) << c.layout << ": " << imp.err;
    std::string out = work_ + "/out-" + c.layout;
    Result exp = S("export", {c.target, "oci:" + out + ":" + c.ref});
    ASSERT_EQ(exp.exit_code, 0) << c.layout << ": " << exp.err;
    EXPECT_EQ(RefDigest(out, c.ref), RefDigest(src, c.ref)) << c.layout;
    // Only the selected image's blobs, each equal to the source's.
    Result same = Shell("cd " + out + "/blobs/sha256 && for f in *; do cmp -s $f " +
                        src + "/blobs/sha256/$f || exit 1; done");
    EXPECT_EQ(same.exit_code, 0) << c.layout;
  }
  // The media types as they came.
  Result docker = S("inspect", {"team/docker:v1", "--json"});
  EXPECT_THAT(docker.out,
              HasSubstr("application/vnd.docker.distribution.manifest.v2+json"));
  Result sbom = S("inspect", {"team/app:sbom"});
  EXPECT_THAT(sbom.out, HasSubstr("Artifact:    application/vnd.example.sbom.v1+json"));
}

TEST_F(StoreTest, ArchivesInAndOut) {
  std::string tar = work_ + "/single.tar";
  Result mk = Shell("skopeo copy -q --preserve-digests oci:" + Images("single") +
                    ":v1 oci-archive:" + tar + ":v1 && gzip -k " + tar +
                    " && zstd -q -k " + tar);
  ASSERT_EQ(mk.exit_code, 0) << mk.err;
  std::string want = RefDigest(Images("single"), "v1");
  for (const std::string& file : {tar, tar + ".gz", tar + ".zst"}) {
    Result imp = S("import", {"oci-archive:" + file, "team/arch:v1"});
    ASSERT_EQ(imp.exit_code, 0) << file << ": " << imp.err;
    EXPECT_EQ(imp.out, "team/arch:v1 " + want + "\n") << file;
  }
  // No unpacked copy is left behind.
  EXPECT_EQ(Shell("ls -A " + store_ + "/stowage/tmp").out, "");

  std::string out = work_ + "/out.tar";
  ASSERT_EQ(S("export", {"team/arch:v1", "oci-archive:" + out}).exit_code, 0);
  Result sk = Shell("skopeo inspect oci-archive:" + out + ":v1 | jq -r .Digest");
  EXPECT_EQ(Trim(sk.out), want) << sk.err;
  // Deterministic: the same export twice is the same file.
  std::string again = work_ + "/again.tar";
  ASSERT_EQ(S("export", {"team/arch:v1", "oci-archive:" + again}).exit_code, 0);
  EXPECT_EQ(Shell("cmp " + out + " " + again).exit_code, 0);
  Result listing = Shell("tar tvf " + out + " | awk '{print $1, $2, $4, $5}' | sort -u");
  EXPECT_THAT(listing.out, HasSubstr("-rw-r--r-- 0/0 1970-01-01 00:00"));
  EXPECT_THAT(listing.out, Not(HasSubstr("root")));
}

TEST_F(StoreTest, SeveralImagesNeedARefOrAll) {
  Result r = S("import", {"oci:" + Images("multiref"), "team/x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u);
  EXPECT_THAT(r.err, HasSubstr("holds 2 images (a, b)"));
  EXPECT_THAT(r.err, HasSubstr("--all"));

  r = S("import", {"--all", "oci:" + Images("multiref"), "team/x"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(CountLines(r.out), 2u);
  r = S("tags", {"team/x"});
  EXPECT_THAT(r.out, HasSubstr(RefDigest(Images("multiref"), "a")));
  EXPECT_THAT(r.out, HasSubstr(RefDigest(Images("multiref"), "b")));

  r = S("import", {"oci:" + Images("multiref") + ":zzz", "team/x:z"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no image named \"zzz\" (it has: a, b)"));

  // --all-tags export, into an archive skopeo reads.
  std::string out = work_ + "/x.tar";
  ASSERT_EQ(S("export", {"-a", "team/x", "oci-archive:" + out}).exit_code, 0);
  for (const char* tag : {"a", "b"}) {
    Result sk = Shell(absl::StrCat("skopeo inspect oci-archive:", out, ":", tag,
                                   " | jq -r .Digest"));
    EXPECT_EQ(Trim(sk.out), RefDigest(Images("multiref"), tag));
  }
}

TEST_F(StoreTest, DamagedBlobAbortsAndTagsNothing) {
  std::string bad = work_ + "/bad";
  ASSERT_EQ(Shell("cp -r " + Images("single") + " " + bad).exit_code, 0);
  // Flip the last byte of the biggest blob (the 1 MiB layer).
  Result big = Shell("cd " + bad + "/blobs/sha256 && ls -S | head -1");
  std::string layer = Trim(big.out);
  ASSERT_EQ(Shell("cd " + bad + "/blobs/sha256 && printf 'X' | dd of=" + layer +
                  " bs=1 seek=$(( $(stat -c %s " + layer + ") - 1 )) conv=notrunc 2>/dev/null")
                .exit_code,
            0);
  std::string before = Shell("cat " + store_ + "/index.json").out;
  for (const char* mode : {"--copy", "--quiet"}) {
    Result r = S("import", {mode, "oci:" + bad + ":v1", "team/app:v1"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(CountLines(r.err), 1u) << r.err;
    EXPECT_THAT(r.err, HasSubstr("blob sha256:" + layer));
    EXPECT_THAT(r.err, HasSubstr("content hashes to sha256:"));
    EXPECT_EQ(Shell("cat " + store_ + "/index.json").out, before);
    EXPECT_FALSE(Shell("test -e " + store_ + "/blobs/sha256/" + layer).exit_code == 0);
    EXPECT_EQ(Shell("ls -A " + store_ + "/blobs/sha256 | grep -c tmp").out, "0\n");
  }
  // A missing blob, and a missing index.json.
  ASSERT_EQ(Shell("rm " + bad + "/blobs/sha256/" + layer).exit_code, 0);
  Result missing = S("import", {"oci:" + bad + ":v1", "team/app:v1"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("blob sha256:" + layer + " is missing from " + bad));
  ASSERT_EQ(Shell("rm " + bad + "/index.json").exit_code, 0);
  Result no_index = S("import", {"oci:" + bad, "team/app:v1"});
  EXPECT_EQ(no_index.exit_code, 1);
  EXPECT_THAT(no_index.err, HasSubstr(bad + "/index.json: missing"));
  Result not_layout = S("import", {"oci:" + work_, "team/app:v1"});
  EXPECT_EQ(not_layout.exit_code, 1);
  EXPECT_THAT(not_layout.err, HasSubstr("not an OCI image layout"));
}

TEST_F(StoreTest, HostileAndBrokenArchivesAreRejected) {
  std::string d = work_ + "/h";
  ASSERT_EQ(Shell("mkdir -p " + d + " && cp -r " + Images("single") + "/. " + d +
                  "/layout && cd " + d + "/layout && ln -s /etc/passwd evil-link && "
                  "tar cf ../symlink.tar . && rm evil-link && "
                  "tar cf ../absolute.tar -P " + d + "/layout/oci-layout . && "
                  "tar cf ../good.tar . && head -c 600000 ../good.tar > ../truncated.tar && "
                  "tar cf ../dotdot.tar --transform 's,^\\./index.json,../index.json,' .")
                .exit_code,
            0);
  struct Case {
    std::string file, message;
  } cases[] = {
      {"symlink.tar", "evil-link\" is a symbolic link (to \"/etc/passwd\")"},
      {"absolute.tar", "has an absolute name"},
      {"dotdot.tar", "climbs out of the archive with '..'"},
      {"truncated.tar", "runcated"},
  };
  std::string before = Shell("cat " + store_ + "/index.json").out;
  for (const Case& c : cases) {
    Result r = S("import", {"oci-archive:" + d + "/" + c.file, "team/app:v1"});
    EXPECT_EQ(r.exit_code, 1) << c.file;
    EXPECT_EQ(CountLines(r.err), 1u) << r.err;
    EXPECT_THAT(r.err, HasSubstr(d + "/" + c.file)) << c.file;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.file;
    EXPECT_EQ(Shell("cat " + store_ + "/index.json").out, before);
  }
  EXPECT_EQ(Shell("ls -A " + store_ + "/stowage/tmp").out, "");
  EXPECT_NE(Shell("test -e " + d + "/index.json").exit_code, 0);
  EXPECT_EQ(S("import", {"oci-archive:" + d + "/good.tar", "team/app:v1"}).exit_code, 0);
}

TEST_F(StoreTest, HardLinksUnlessCopyIsAsked) {
  std::string src = work_ + "/src";
  ASSERT_EQ(Shell("cp -r " + Images("single") + " " + src).exit_code, 0);
  std::string layer = Trim(Shell("cd " + src + "/blobs/sha256 && ls -S | head -1").out);
  ASSERT_EQ(S("import", {"oci:" + src + ":v1", "team/app:v1"}).exit_code, 0);
  EXPECT_EQ(Trim(Shell("stat -c %h " + store_ + "/blobs/sha256/" + layer).out), "2");

  std::string other = work_ + "/store2";
  ASSERT_EQ(Stowage({"init", other}).exit_code, 0);
  ASSERT_EQ(Stowage({"import", "--store", other, "--copy", "oci:" + src + ":v1",
                     "team/app:v1"})
                .exit_code,
            0);
  EXPECT_EQ(Trim(Shell("stat -c %h " + other + "/blobs/sha256/" + layer).out), "1");
  // Export links out of the store too.
  ASSERT_EQ(S("export", {"team/app:v1", "oci:" + work_ + "/out"}).exit_code, 0);
  EXPECT_EQ(Trim(Shell("stat -c %h " + store_ + "/blobs/sha256/" + layer).out), "3");
}

TEST_F(StoreTest, ConcurrentImportsKeepEveryTag) {
  std::string script;
  for (int i = 0; i < 8; ++i) {
    absl::StrAppend(&script, Runfile("cmd/stowage/stowage"), " import -q --store ",
                    store_, " oci:", Images("multiref"), ":", i % 2 ? "a" : "b",
                    " team/par:t", i, " & ");
  }
  absl::StrAppend(&script, "wait");
  ASSERT_EQ(Shell(script).exit_code, 0);
  Result tags = S("tags", {"team/par"});
  EXPECT_EQ(CountLines(tags.out), 9u) << tags.out;  // header + 8 tags
}

TEST_F(StoreTest, TagUntagRmAndGc) {
  ASSERT_EQ(S("import", {"oci:" + Images("single") + ":v1", "team/app:v1"}).exit_code, 0);
  ASSERT_EQ(S("import", {"oci:" + Images("multi"), "team/multi"}).exit_code, 0);
  Result t = S("tag", {"team/app:v1", "team/app:stable"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(t.out, "team/app:stable " + RefDigest(Images("single"), "v1") + "\n");
  // By digest, into another repository.
  ASSERT_EQ(S("tag", {"team/app@" + RefDigest(Images("single"), "v1"), "other/app"})
                .exit_code,
            0);
  EXPECT_THAT(S("tags", {"other/app"}).out, HasSubstr("latest"));

  Result dry = S("gc", {"--dry-run"});
  EXPECT_EQ(dry.out.substr(0, 24), "would delete 0 blobs, fr");

  ASSERT_EQ(S("rm", {"team/multi"}).exit_code, 0);
  std::string count_before = Shell("ls " + store_ + "/blobs/sha256 | wc -l").out;
  // Just imported: too young for the default grace period of an hour.
  Result young = S("gc", {});
  ASSERT_EQ(young.exit_code, 0) << young.err;
  EXPECT_EQ(young.out,
            "deleted 0 blobs, freed 0 B (0 bytes); 4 kept; 9 unreferenced kept "
            "as younger than 1h (--grace)\n");
  EXPECT_EQ(Shell("ls " + store_ + "/blobs/sha256 | wc -l").out, count_before);
  dry = S("gc", {"-n", "--grace", "0s"});
  EXPECT_THAT(dry.out, HasSubstr("would delete 9 blobs"));
  EXPECT_EQ(Shell("ls " + store_ + "/blobs/sha256 | wc -l").out, count_before);
  Result bad = S("gc", {"--grace", "an hour"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "stowage gc: --grace \"an hour\": not a duration such as "
                     "1h, 30m or 0s\n");
  EXPECT_EQ(S("gc", {"--grace", "-1h"}).exit_code, 2);
  EXPECT_THAT(S("gc", {"--help"}).out, HasSubstr("gc.pruneExpire"));
  Result gc = S("gc", {"--grace", "0s"});
  ASSERT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_THAT(gc.out, HasSubstr("deleted 9 blobs"));
  EXPECT_EQ(Trim(Shell("ls " + store_ + "/blobs/sha256 | wc -l").out), "4");
  // What is left still exports and verifies.
  ASSERT_EQ(S("export", {"team/app:stable", "oci:" + work_ + "/o"}).exit_code, 0);

  ASSERT_EQ(S("untag", {"team/app:v1"}).exit_code, 0);
  Result gone = S("untag", {"team/app:v1"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.err, HasSubstr("no image tagged team/app:v1"));
  Result rm = S("rm", {"team/nothing"});
  EXPECT_EQ(rm.exit_code, 1);
  EXPECT_THAT(rm.err, HasSubstr("no repository team/nothing"));
}

TEST_F(StoreTest, BadNamesAndMissingStore) {
  Result r = S("import", {"oci:" + Images("single") + ":v1", "Team/App"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Team/App: position 1: oci/name-component"));
  r = S("import", {"oci:" + Images("single") + ":v1", "localhost:5000/team/app"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("store names have no registry host"));
  r = S("import", {"ftp://example.com/ubuntu", "team/app"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("unknown transport \"ftp\""));
  r = S("import", {"docker://Team/App"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("docker://Team/App: Team/App: position 1: oci/name-component"));
  r = Stowage({"ls", "--store", work_ + "/nowhere"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no store at " + work_ + "/nowhere"));
  EXPECT_THAT(r.err, HasSubstr("stowage init"));
}

TEST_F(StoreTest, KilledImportLeavesTheStoreAsItWas) {
  ASSERT_EQ(S("import", {"oci:" + Images("multi"), "team/multi"}).exit_code, 0);
  std::string before = Shell("cat " + store_ + "/index.json").out;
  // An archive with a 96 MiB layer, so that an import takes long enough to
  // be killed at several points on the way.
  std::string big = work_ + "/big";
  ASSERT_EQ(MakeTinyLayout(big).exit_code, 0);
  Result made = Shell(
      "set -e; cd " + big + "; head -c 100663296 /dev/urandom > l; "
      "ld=$(sha256sum l | cut -c1-64); mv l blobs/sha256/$ld; "
      "m=$(jq -r '.manifests[0].digest' index.json | cut -c8-); "
      "jq -c --arg d sha256:$ld '.layers = [{mediaType: \"application/vnd.oci.image.layer.v1.tar\","
      " digest: $d, size: 100663296}]' blobs/sha256/$m > n; "
      "nd=$(sha256sum n | cut -c1-64); ns=$(stat -c %s n); mv n blobs/sha256/$nd; "
      "jq -c --arg d sha256:$nd --argjson s $ns '.manifests[0].digest = $d | "
      ".manifests[0].size = $s' index.json > i; mv i index.json; "
      "tar -cf ../big.tar .");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  int killed = 0;
  for (const char* delay : {"0.01", "0.03", "0.06", "0.1", "0.15", "0.2", "0.3", "0.5"}) {
    SCOPED_TRACE(delay);
    Result r = Shell(absl::StrCat(Runfile("cmd/stowage/stowage"), " import -q --copy --store ",
                                  store_, " oci-archive:", work_, "/big.tar team/app:v1 & pid=$!; "
                                  "sleep ", delay, "; kill -9 $pid 2>/dev/null; wait $pid; echo $?"));
    std::string rc = Trim(r.out);
    std::string index = Shell("cat " + store_ + "/index.json").out;
    if (rc == "137") {
      ++killed;
      // A killed import tags nothing.
      EXPECT_EQ(index, before);
      EXPECT_THAT(S("ls", {}).out, Not(HasSubstr("team/app")));
    } else {
      ASSERT_EQ(rc, "0") << r.err;  // it finished first: then it is whole
      ASSERT_EQ(S("untag", {"team/app:v1"}).exit_code, 0);
    }
  }
  EXPECT_GT(killed, 0) << "no trial was killed mid-way";
  // gc clears what the killed processes left (blobs written, never named),
  // once it is older than the grace period (here, at once).
  ASSERT_EQ(S("gc", {"--grace", "0s"}).exit_code, 0);
  EXPECT_EQ(Shell("ls -A " + store_ + "/stowage/tmp").out, "");
  EXPECT_EQ(Shell("ls -A " + store_ + "/blobs/sha256 | grep -c '^\\.tmp' || true").out, "0\n");
  EXPECT_EQ(Shell("cat " + store_ + "/index.json").out, before);
  EXPECT_EQ(S("export", {"team/multi", "oci:" + work_ + "/still-fine"}).exit_code, 0);
}

TEST_F(StoreTest, ProgressLineOnlyOnATerminal) {
  // script(1) gives the import a terminal; stderr then carries the line.
  Result tty = Shell("script -qec '" + Runfile("cmd/stowage/stowage") + " import --store " +
                     store_ + " oci:" + Images("multi") + " team/multi' /dev/null");
  ASSERT_EQ(tty.exit_code, 0) << tty.out;
  EXPECT_THAT(tty.out, HasSubstr("importing: "));
  EXPECT_THAT(tty.out, HasSubstr(" blobs, "));
  // Not a terminal: only the result lines.
  Result plain = S("import", {"oci:" + Images("multi"), "team/multi:2"});
  EXPECT_THAT(plain.err, Not(HasSubstr("importing: ")));
  Result quiet = S("import", {"-q", "oci:" + Images("multi"), "team/multi:3"});
  EXPECT_EQ(quiet.out + quiet.err, "");
}

TEST_F(StoreTest, InspectShowsTheImage) {
  ASSERT_EQ(S("import", {"oci:" + Images("single") + ":v1", "team/app:v1"}).exit_code, 0);
  Result r = S("inspect", {"team/app:v1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Result fields = Shell("echo '" + r.out +
                        "' | jq -r '[.platform, .created, .labels[\"org.example.name\"], "
                        "(.layers|length|tostring)] | join(\" \")'");
  EXPECT_EQ(Trim(fields.out), "linux/amd64 2024-01-01T00:00:00Z single 2");
  Result raw = S("inspect", {"team/app:v1", "--raw"});
  Result digest = Shell("printf '%s' '" + raw.out + "' | sha256sum | cut -c1-64");
  EXPECT_EQ("sha256:" + Trim(digest.out), RefDigest(Images("single"), "v1"));
}

}  // namespace
}  // namespace stowage
