// End-to-end: `docker save` archives (the docker-archive: transport) in and
// out of the store, against the real programs: archives written by skopeo
// and by a private dockerd's `docker save`, the committed fixtures of both
// manifest.json layouts (testdata/docker-archive), skopeo reading what
// stowage writes, and `docker load` (a private dockerd) and `podman load`
// (vfs storage under the test's folder) loading it.

#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/daemon.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::CountLines;
using ::stowage::testing::Daemon;
using ::stowage::testing::MakeImages;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::RefDigest;
using ::stowage::testing::Result;
using ::stowage::testing::Runfile;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::Trim;
using ::stowage::testing::WaitForFile;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// The fixtures' images (see lib/archive/docker_archive_test.cc).
constexpr char kBusybox[] =
    "sha256:4c2fd39d6e66551d01650d7a2e24b68b08db286980b5f121c488db0f2f8c1bcb";
constexpr char kApp[] =
    "sha256:16894794bb59027ece37efbb422135e11bba5c993fefa3e7227f2cdb37166743";
constexpr char kBusyboxConfig[] =
    "sha256:38e92b3cc4e5c269a8c661f66e0e878a26b5ea0f35b1ad8d9628927e59fd49be";
constexpr char kAppConfig[] =
    "sha256:291ce60ebc4b3b57341c4c38af5f59ab79cd97258f6bca16952ec2f74d66c8d6";

class DockerArchiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Under /tmp: dockerd and podman keep their roots beside the archives.
    char tmpl[] = "/tmp/stowage-docker-archive-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    Result r = MakeImages(*dir_ + "/images");
    ASSERT_EQ(r.exit_code, 0) << "make_images.sh failed: " << r.err;
    ASSERT_EQ(Shell("printf '{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}' > " +
                    *dir_ + "/policy.json")
                  .exit_code,
              0);
    // A real docker archive of a real image, written by skopeo.
    Result mk = Shell(Skopeo("copy -q oci:" + Images("single") + ":v1 docker-archive:" +
                             SkopeoArchive() + ":team/app:v1"));
    ASSERT_EQ(mk.exit_code, 0) << mk.err;
  }
  static void TearDownTestSuite() {
    Shell("rm -rf " + *dir_);
    delete dir_;
  }

  void SetUp() override {
    work_ = MakeTempDir();
    store_ = work_ + "/store";
    ASSERT_EQ(Stowage({"init", store_}).exit_code, 0);
  }

  static std::string Skopeo(const std::string& args) {
    return "skopeo --policy " + *dir_ + "/policy.json " + args;
  }
  static std::string Images(const std::string& name) { return *dir_ + "/images/" + name; }
  static std::string SkopeoArchive() { return *dir_ + "/single-skopeo.tar"; }
  static std::string Fixture(const std::string& name) {
    return Runfile("testdata/docker-archive/" + name);
  }

  // The digest skopeo gives the image of docker-archive:FILE[:REF].
  static std::string SkopeoDigest(const std::string& archive) {
    Result r = Shell(Skopeo("inspect --raw docker-archive:" + archive) +
                     " | sha256sum | cut -c1-64");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return "sha256:" + Trim(r.out);
  }

  // stowage SUBCOMMAND --store STORE ARGS...
  Result S(const std::string& sub, std::vector<std::string> args) {
    args.insert(args.begin(), {sub, "--store", store_});
    return Stowage(args);
  }
  std::string Index() { return Shell("cat " + store_ + "/index.json").out; }
  std::string ConfigDigest(const std::string& image) {
    return Trim(Shell("jq -r .config.digest <<'EOF'\n" + S("inspect", {image, "--raw"}).out +
                      "\nEOF")
                    .out);
  }

  static std::string* dir_;
  std::string work_;
  std::string store_;
};

std::string* DockerArchiveTest::dir_ = nullptr;

TEST_F(DockerArchiveTest, SkopeoArchiveImportsWithSkopeosManifestByteForByte) {
  std::string want = SkopeoDigest(SkopeoArchive());
  Result imp = S("import", {"docker-archive:" + SkopeoArchive(), "team/app:v1"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_EQ(imp.out, "team/app:v1 " + want + "\n");

  // The manifest skopeo writes when it keeps the archive's (uncompressed)
  // layers: the same bytes.
  std::string oci = work_ + "/skopeo-oci";
  Result copy = Shell(Skopeo("copy -q --preserve-digests --dest-oci-accept-uncompressed-layers "
                             "docker-archive:" + SkopeoArchive() + " oci:" + oci + ":x"));
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  EXPECT_EQ(RefDigest(oci, "x"), want);
  std::string skopeo_manifest = Shell("cat " + oci + "/blobs/sha256/" + want.substr(7)).out;
  EXPECT_EQ(S("inspect", {"team/app:v1", "--raw"}).out, skopeo_manifest);
  // Config bytes unchanged; layers are the uncompressed diff_ids; every blob
  // is one skopeo wrote.
  EXPECT_EQ(Shell("cd " + oci + "/blobs/sha256 && for f in *; do cmp -s $f " + store_ +
                  "/blobs/sha256/$f || exit 1; done")
                .exit_code,
            0);
  EXPECT_EQ(Trim(Shell("tar xOf " + SkopeoArchive() + " manifest.json | jq -r '.[0].Config'").out),
            ConfigDigest("team/app:v1").substr(7) + ".json");

  // Compressed archives, the same.
  ASSERT_EQ(Shell("cd " + work_ + " && cp " + SkopeoArchive() +
                  " a.tar && gzip -k a.tar && zstd -q a.tar")
                .exit_code,
            0);
  for (std::string f : {"a.tar.gz", "a.tar.zst"}) {
    Result r = S("import", {"docker-archive:" + work_ + "/" + f, "team/app:" + f.substr(6)});
    ASSERT_EQ(r.exit_code, 0) << f << ": " << r.err;
    EXPECT_EQ(r.out, "team/app:" + f.substr(6) + " " + want + "\n");
  }
  EXPECT_EQ(Shell("ls -A " + store_ + "/stowage/tmp").out, "");
}

TEST_F(DockerArchiveTest, BothManifestLayoutsFromTheFixtures) {
  // Before Docker 25: <id>/layer.tar folders, a shared layer as a symbolic
  // link, one image named only in `repositories`.
  Result imp = S("import", {"--all", "docker-archive:" + Fixture("classic.tar")});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_EQ(imp.out, absl::StrCat("library/busybox:latest ", kBusybox, "\nteam/tool:1.0 ",
                                  kBusybox, "\nteam/app:v2 ", kApp, "\n"));
  EXPECT_THAT(imp.err, HasSubstr("imported 2 images"));
  EXPECT_EQ(SkopeoDigest(Fixture("classic.tar") + ":@0"), kBusybox);
  EXPECT_EQ(SkopeoDigest(Fixture("classic.tar") + ":busybox:latest"), kBusybox);
  // The one deliberate difference: skopeo 1.9 sizes a layer reached through
  // a symbolic link 0 (and cannot copy that image); stowage its real size.
  Result sk = Shell(Skopeo("inspect --raw docker-archive:" + Fixture("classic.tar") + ":@1") +
                    " | jq -c '[.layers[].size]'");
  EXPECT_EQ(Trim(sk.out), "[0,2048]");
  EXPECT_EQ(Trim(Shell("jq -c '[.layers[].size]' <<'EOF'\n" +
                       S("inspect", {"team/app:v2", "--raw"}).out + "\nEOF")
                     .out),
            "[2048,2048]");

  // Docker 25 on: an OCI layout inside, layers plain, gzip and zstd.
  std::string want = SkopeoDigest(Fixture("docker25.tar"));
  imp = S("import", {"docker-archive:" + Fixture("docker25.tar"), "team/d25"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_EQ(imp.out, "team/d25:latest " + want + "\n");
  std::string oci = work_ + "/d25";
  ASSERT_EQ(Shell(Skopeo("copy -q --preserve-digests --dest-oci-accept-uncompressed-layers "
                         "docker-archive:" + Fixture("docker25.tar") + " oci:" + oci + ":x"))
                .exit_code,
            0);
  EXPECT_EQ(S("inspect", {"team/d25", "--raw"}).out,
            Shell("cat " + oci + "/blobs/sha256/" + want.substr(7)).out);
}

TEST_F(DockerArchiveTest, RefPicksOneImageAndAllTagsEachByItsNames) {
  std::string classic = Fixture("classic.tar");
  struct Case {
    std::string ref, digest;
  } cases[] = {{"busybox:latest", kBusybox},
               {"docker.io/library/busybox", kBusybox},
               {"example.com:5000/team/tool:1.0", kBusybox},
               {"@1", kApp}};
  for (const Case& c : cases) {
    Result r = S("import", {"docker-archive:" + classic + ":" + c.ref, "team/pick:x"});
    ASSERT_EQ(r.exit_code, 0) << c.ref << ": " << r.err;
    EXPECT_EQ(r.out, "team/pick:x " + c.digest + "\n") << c.ref;
  }
  std::string before = Index();
  Result several = S("import", {"docker-archive:" + classic, "team/x"});
  EXPECT_EQ(several.exit_code, 1);
  EXPECT_EQ(CountLines(several.err), 1u) << several.err;
  EXPECT_THAT(several.err,
              HasSubstr("holds 2 images (library/busybox:latest team/tool:1.0, team/app:v2)"));
  EXPECT_THAT(several.err, HasSubstr(":@N (N from 0), or import them all with --all"));
  Result missing = S("import", {"docker-archive:" + classic + ":nginx:1", "team/x"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no image tagged \"nginx:1\" (it has: @0 busybox:latest "
                                     "example.com:5000/team/tool:1.0, @1 (no RepoTags))"));
  Result index = S("import", {"docker-archive:" + classic + ":@5", "team/x"});
  EXPECT_EQ(index.exit_code, 1);
  EXPECT_THAT(index.err, HasSubstr("no image @5; it holds 2"));
  EXPECT_EQ(Index(), before);

  // --all with a repository: each image under its RepoTag's tag.
  Result all = S("import", {"--all", "docker-archive:" + classic, "mirror/all"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, absl::StrCat("mirror/all:latest ", kBusybox, "\nmirror/all:1.0 ",
                                  kBusybox, "\nmirror/all:v2 ", kApp, "\n"));
  // Only a docker archive names its own images.
  Result no_target = S("import", {"--all", "oci:" + Images("multiref")});
  EXPECT_EQ(no_target.exit_code, 1);
  EXPECT_THAT(no_target.err, HasSubstr("name the REPOSITORY[:TAG]"));
  Result with_ref = S("import", {"--all", "docker-archive:" + classic + ":@0"});
  EXPECT_EQ(with_ref.exit_code, 1);
  EXPECT_THAT(with_ref.err, HasSubstr("--all imports every image; drop the :@0"));
}

TEST_F(DockerArchiveTest, RoundTripKeepsEveryDigest) {
  // Import, export, and skopeo, stowage and docker all see the same image.
  std::string want = SkopeoDigest(SkopeoArchive());
  ASSERT_EQ(S("import", {"docker-archive:" + SkopeoArchive(), "team/app:v1"}).exit_code, 0);
  std::string out = work_ + "/out.tar";
  Result exp = S("export", {"team/app:v1", "docker-archive:" + out});
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  EXPECT_EQ(exp.err, "exported 1 image to docker-archive:" + out + "\n");
  EXPECT_EQ(SkopeoDigest(out), want);
  std::string oci = work_ + "/copied";
  Result copy = Shell(Skopeo("copy -q --preserve-digests --dest-oci-accept-uncompressed-layers "
                             "docker-archive:" + out + " oci:" + oci + ":x"));
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  EXPECT_EQ(RefDigest(oci, "x"), want);
  Result again = S("import", {"docker-archive:" + out, "team/again:v1"});
  EXPECT_EQ(again.out, "team/again:v1 " + want + "\n") << again.err;
  EXPECT_EQ(Trim(Shell("tar xOf " + out + " manifest.json | jq -c '.[0].RepoTags'").out),
            "[\"team/app:v1\"]");

  // An OCI image with gzip layers: decompressed, its config unchanged, so
  // skopeo synthesizes the manifest it gives the skopeo-made archive.
  ASSERT_EQ(S("import", {"oci:" + Images("single") + ":v1", "team/oci:v1"}).exit_code, 0);
  std::string from_oci = work_ + "/from-oci.tar";
  ASSERT_EQ(S("export", {"team/oci:v1", "docker-archive:" + from_oci}).exit_code, 0);
  EXPECT_EQ(SkopeoDigest(from_oci), want);
  Result layers = Shell("cd " + work_ + " && mkdir x && tar xf " + from_oci +
                        " -C x && cd x && for f in *.tar; do echo $(sha256sum < $f | cut -c1-64).tar $f; done");
  for (absl::string_view line : absl::StrSplit(Trim(layers.out), '\n')) {
    std::vector<std::string> two = absl::StrSplit(line, ' ');
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two[0], two[1]);  // every layer file is its diff_id
  }
  EXPECT_EQ(Trim(Shell("tar xOf " + from_oci + " manifest.json | jq -r '.[0].Config'").out),
            ConfigDigest("team/oci:v1").substr(7) + ".json");

  // Deterministic bytes; entries sorted, owner 0:0, mtime 0.
  std::string twice = work_ + "/twice.tar";
  ASSERT_EQ(S("export", {"team/oci:v1", "docker-archive:" + twice}).exit_code, 0);
  EXPECT_EQ(Shell("cmp " + from_oci + " " + twice).exit_code, 0);
  Result listing = Shell("tar tvf " + from_oci + " | awk '{print $1, $2, $4, $5}' | sort -u");
  EXPECT_EQ(Trim(listing.out), "-rw-r--r-- 0/0 1970-01-01 00:00");
  Result names = Shell("tar tf " + from_oci);
  Result sorted = Shell("tar tf " + from_oci + " | LC_ALL=C sort");
  EXPECT_EQ(names.out, sorted.out);
}

TEST_F(DockerArchiveTest, SeveralImagesInOneArchiveAndNames) {
  ASSERT_EQ(S("import", {"--all", "docker-archive:" + Fixture("classic.tar")}).exit_code, 0);
  ASSERT_EQ(S("import", {"oci:" + Images("single") + ":v1", "team/oci:v1"}).exit_code, 0);
  std::string out = work_ + "/three.tar";
  Result exp = S("export", {"library/busybox", "team/tool:1.0", "team/app:v2", "team/oci:v1",
                            "docker-archive:" + out});
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  Result items = Shell("tar xOf " + out + " manifest.json | jq -c '[.[].RepoTags]'");
  EXPECT_EQ(Trim(items.out),
            "[[\"busybox:latest\",\"team/tool:1.0\"],[\"team/app:v2\"],[\"team/oci:v1\"]]");
  for (const char* ref : {"@0", "@1", "@2"}) {
    EXPECT_EQ(Shell(Skopeo("inspect --raw docker-archive:" + out + ":" + ref)).exit_code, 0)
        << ref;
  }
  EXPECT_EQ(SkopeoDigest(out + ":@0"), kBusybox);
  EXPECT_EQ(SkopeoDigest(out + ":team/app:v2"), kApp);

  // NAME:TAG names one image; a layout cannot take two images of one tag.
  std::string named = work_ + "/named.tar";
  ASSERT_EQ(S("export", {"team/oci:v1", "docker-archive:" + named +
                                           ":registry.example.com:5000/team/oci:1.0"})
                .exit_code,
            0);
  EXPECT_EQ(Trim(Shell("tar xOf " + named + " manifest.json | jq -c '.[0].RepoTags'").out),
            "[\"registry.example.com:5000/team/oci:1.0\"]");
  Result two = S("export", {"team/oci:v1", "team/app:v2", "docker-archive:" + named + ":x:1"});
  EXPECT_EQ(two.exit_code, 1);
  EXPECT_THAT(two.err, HasSubstr("names a single image"));
  Result tags = S("export", {"team/tool:1.0", "team/app:v2", "oci:" + work_ + "/layout"});
  ASSERT_EQ(tags.exit_code, 0) << tags.err;
  EXPECT_EQ(RefDigest(work_ + "/layout", "1.0"), kBusybox);
  EXPECT_EQ(RefDigest(work_ + "/layout", "v2"), kApp);
  ASSERT_EQ(S("tag", {"team/app:v2", "other/app:v2"}).exit_code, 0);
  Result same_tag = S("export", {"team/app:v2", "other/app:v2", "oci:" + work_ + "/l2"});
  EXPECT_EQ(same_tag.exit_code, 1);
  EXPECT_THAT(same_tag.err, HasSubstr("both team/app:v2 and other/app:v2 would be named \"v2\""));
  Result usage = S("export", {"team/app:v2"});
  EXPECT_EQ(usage.exit_code, 2);
}

TEST_F(DockerArchiveTest, MultiPlatformIndexNeedsAPlatform) {
  ASSERT_EQ(S("import", {"oci:" + Images("multi"), "team/multi:1"}).exit_code, 0);
  std::string out = work_ + "/multi.tar";
  Result r = S("export", {"team/multi:1", "docker-archive:" + out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_THAT(r.err, HasSubstr("team/multi:1 is a multi-platform image index (linux/amd64, "
                               "linux/arm64); a docker archive holds one image per name"));
  EXPECT_THAT(r.err, HasSubstr("--platform OS/ARCH[/VARIANT]"));
  EXPECT_NE(Shell("test -e " + out).exit_code, 0);
  ASSERT_EQ(S("export", {"--platform", "linux/arm64", "team/multi:1", "docker-archive:" + out})
                .exit_code,
            0);
  Result arch = Shell(Skopeo("inspect docker-archive:" + out) + " | jq -r .Architecture");
  EXPECT_EQ(Trim(arch.out), "arm64") << arch.err;
  // An artifact is no image either.
  ASSERT_EQ(S("import", {"oci:" + Images("artifact") + ":sbom", "team/sbom:1"}).exit_code, 0);
  Result sbom = S("export", {"team/sbom:1", "docker-archive:" + work_ + "/sbom.tar"});
  EXPECT_EQ(sbom.exit_code, 1);
  EXPECT_THAT(sbom.err, HasSubstr("team/sbom:1 is not a container image"));
  EXPECT_NE(Shell("test -e " + work_ + "/sbom.tar").exit_code, 0);
}

TEST_F(DockerArchiveTest, BrokenArchivesAreOneLineAndTagNothing) {
  std::string d = work_ + "/bad";
  std::string a = SkopeoArchive();
  ASSERT_EQ(
      Shell("set -e; mkdir -p " + d + " && cd " + d +
            " && head -c 600000 " + a + " > truncated.tar"
            " && mkdir t && tar xf " + a + " -C t && cd t"
            " && tar cf ../no-manifest.tar --exclude manifest.json ."
            " && ln -s ../../../etc/passwd escape && tar cf ../escape.tar . && rm escape"
            " && tar cf ../dotdot.tar --transform 's,^\\./repositories,../repositories,' ."
            " && L=$(jq -r '.[0].Layers[1]' manifest.json)"
            " && printf X | dd of=$L bs=1 seek=100 conv=notrunc 2>/dev/null"
            " && tar cf ../bad-layer.tar .")
          .exit_code,
      0);
  std::string layer = Trim(Shell("tar xOf " + a + " manifest.json | jq -r '.[0].Layers[1]'").out);
  struct Case {
    std::string file, message;
  } cases[] = {
      {"truncated.tar", "runcated"},
      {"no-manifest.tar", "no entry \"manifest.json\" at the archive's top"},
      {"escape.tar", "entry \"escape\" is a symbolic link to \"../../../etc/passwd\", which "
                     "points outside the archive"},
      {"dotdot.tar", "entry \"../repositories\" climbs out of the archive with '..'"},
      {"bad-layer.tar", "entry \"" + layer + "\" (layer 1 of manifest.json item @0) hashes to "
                        "sha256:"},
  };
  std::string before = Index();
  for (const Case& c : cases) {
    Result r = S("import", {"docker-archive:" + d + "/" + c.file, "team/app:v1"});
    EXPECT_EQ(r.exit_code, 1) << c.file;
    EXPECT_EQ(CountLines(r.err), 1u) << r.err;
    EXPECT_THAT(r.err, StartsWith("stowage import: " + d + "/" + c.file + ": ")) << c.file;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.file;
    EXPECT_EQ(Index(), before) << c.file;
  }
  Result truncated = S("import", {"docker-archive:" + d + "/truncated.tar", "team/app:v1"});
  EXPECT_THAT(truncated.err, HasSubstr(": entry \""));  // which entry it broke in
  EXPECT_THAT(S("import", {"docker-archive:" + d + "/bad-layer.tar", "team/app:v1"}).err,
              HasSubstr("but its config lists diff_id sha256:" + layer.substr(0, 64)));
  EXPECT_EQ(Shell("ls -A " + store_ + "/stowage/tmp").out, "");
  EXPECT_THAT(S("ls", {}).out, Not(HasSubstr("team/app")));
}

// A private dockerd, as in publish_test: own data and exec roots, vfs, no
// networking of its own. Stopped when the object goes.
class PrivateDocker {
 public:
  explicit PrivateDocker(const std::string& dir)
      : dir_(dir),
        daemon_({"dockerd", "--data-root", dir + "/data", "--exec-root", dir + "/exec",
                 "--pidfile", dir + "/docker.pid", "-H", "unix://" + dir + "/docker.sock",
                 "--storage-driver", "vfs", "--iptables=false", "--ip6tables=false",
                 "--bridge=none", "--ip-masq=false", "--userland-proxy=false",
                 "--config-file", Config(dir)},
                dir + "/dockerd.log") {}

  bool Ready() {
    if (!WaitForFile(dir_ + "/docker.sock", 30)) return false;
    return Shell("for i in $(seq 100); do " + Cli() +
                 "version >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1")
               .exit_code == 0;
  }
  std::string Cli() const { return "docker -H unix://" + dir_ + "/docker.sock "; }
  std::string Log() const { return daemon_.LogText(); }

 private:
  static std::string Config(const std::string& dir) {
    Shell("mkdir -p " + dir + " && echo '{}' > " + dir + "/daemon.json");
    return dir + "/daemon.json";
  }
  std::string dir_;
  Daemon daemon_;
};

TEST_F(DockerArchiveTest, DockerLoadsTheExportAndItsSaveImportsBack) {
  ASSERT_EQ(S("import", {"--all", "docker-archive:" + Fixture("classic.tar")}).exit_code, 0);
  ASSERT_EQ(S("import", {"oci:" + Images("single") + ":v1", "team/oci:v1"}).exit_code, 0);
  std::string out = work_ + "/for-docker.tar";
  ASSERT_EQ(S("export", {"library/busybox", "team/app:v2", "team/oci:v1",
                         "docker-archive:" + out})
                .exit_code,
            0);
  PrivateDocker docker(*dir_ + "/docker");
  ASSERT_TRUE(docker.Ready()) << docker.Log();
  Result load = Shell(docker.Cli() + "load -i " + out);
  ASSERT_EQ(load.exit_code, 0) << load.err << docker.Log();
  EXPECT_THAT(load.out, HasSubstr("Loaded image: busybox:latest"));
  EXPECT_THAT(load.out, HasSubstr("Loaded image: team/app:v2"));
  EXPECT_THAT(load.out, HasSubstr("Loaded image: team/oci:v1"));
  // The image ID docker computes is the config digest the store holds.
  for (const auto& [name, config] :
       std::vector<std::pair<std::string, std::string>>{
           {"busybox:latest", kBusyboxConfig},
           {"team/app:v2", kAppConfig},
           {"team/oci:v1", ConfigDigest("team/oci:v1")}}) {
    Result id = Shell(docker.Cli() + "image inspect --format '{{.Id}}' " + name);
    EXPECT_EQ(Trim(id.out), config) << name << ": " << id.err;
  }
  // And what docker saves, stowage imports as skopeo reads it.
  std::string saved = work_ + "/saved.tar";
  ASSERT_EQ(Shell(docker.Cli() + "save -o " + saved + " busybox:latest team/oci:v1").exit_code,
            0);
  Result imp = S("import", {"--all", "docker-archive:" + saved, "from/docker"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_THAT(imp.out, HasSubstr("from/docker:latest " + SkopeoDigest(saved + ":busybox:latest")));
  EXPECT_THAT(imp.out, HasSubstr("from/docker:v1 " + SkopeoDigest(saved + ":team/oci:v1")));
  EXPECT_THAT(imp.out, HasSubstr(kBusybox));
}

TEST_F(DockerArchiveTest, PodmanLoadsTheExport) {
  ASSERT_EQ(S("import", {"--all", "docker-archive:" + Fixture("classic.tar")}).exit_code, 0);
  ASSERT_EQ(S("import", {"oci:" + Images("single") + ":v1", "team/oci:v1"}).exit_code, 0);
  std::string out = work_ + "/for-podman.tar";
  ASSERT_EQ(S("export", {"library/busybox", "team/oci:v1", "docker-archive:" + out}).exit_code,
            0);
  std::string root = *dir_ + "/podman";
  std::string podman = "podman --root " + root + "/root --runroot " + root +
                       "/run --storage-driver vfs ";
  Result load = Shell(podman + "load -i " + out);
  ASSERT_EQ(load.exit_code, 0) << load.err;
  // Podman, as for `docker save` output, puts short names under localhost/.
  Result ids = Shell(podman + "images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' | sort");
  EXPECT_THAT(ids.out, HasSubstr(absl::StrCat("localhost/busybox:latest ", kBusyboxConfig)));
  EXPECT_THAT(ids.out,
              HasSubstr("localhost/team/oci:v1 " + ConfigDigest("team/oci:v1")));
  // What podman saves comes back under the same names and digests.
  std::string saved = work_ + "/podman-saved.tar";
  Result save = Shell(podman + "save -q --multi-image-archive -o " + saved +
                      " localhost/busybox:latest localhost/team/oci:v1");
  ASSERT_EQ(save.exit_code, 0) << save.err;
  Result imp = S("import", {"--all", "docker-archive:" + saved});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_EQ(imp.out, absl::StrCat("library/busybox:latest ", kBusybox, "\nteam/oci:v1 ",
                                  SkopeoDigest(out + ":team/oci:v1"), "\n"));
  Shell(podman + "rmi -af >/dev/null 2>&1");
}

}  // namespace
}  // namespace stowage
