// End-to-end: the published tree itself. Deterministic (the same store gives
// the same bytes, checked against a golden listing), incremental (only what
// changed is written, what no longer belongs is removed), and careful with
// bad input (invalid names skipped with a warning, foreign folders refused).
//
// To regenerate the golden listing after an intended change:
//   STOWAGE_UPDATE_GOLDEN=$PWD bazel test //tests:publish_tree_test
//       --test_env=STOWAGE_UPDATE_GOLDEN   (one command)
// then review `git diff testdata/golden`.

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::MakeImages;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::RefDigest;
using ::stowage::testing::Result;
using ::stowage::testing::Runfile;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::Trim;
using ::testing::HasSubstr;
using ::testing::Not;

class PublishTreeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = new std::string(MakeTempDir() + "/images");
    Result r = MakeImages(*images_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  void SetUp() override {
    work_ = MakeTempDir();
    store_ = work_ + "/store";
    ASSERT_EQ(Stowage({"init", store_}).exit_code, 0);
    for (auto [src, dst] : std::vector<std::pair<std::string, std::string>>{
             {"single:v1", "team/app:v1"},
             {"artifact:sbom", "team/app:sbom"},
             {"multi:latest", "library/multi:latest"},
             {"multiref:a", "org/sub/tools:a"},
             {"multiref:b", "org/sub/tools:b"},
             {"docker:v1", "team/docker:v1"}}) {
      Result imp = S({"import", "oci:" + *images_ + "/" + src, dst});
      ASSERT_EQ(imp.exit_code, 0) << imp.err;
    }
  }

  Result S(std::vector<std::string> args) {
    args.push_back("--store");
    args.push_back(store_);
    return Stowage(args);
  }

  Result Publish(const std::string& out) {
    return S({"publish", out, "--server", "nginx,apache,caddy,s3", "--serve-root",
              "/srv/stowage", "--listen", "127.0.0.1:8080"});
  }

  // "sha256  path" of every file, sorted; hard links show as their content.
  static std::string Listing(const std::string& out) {
    return Shell("cd " + out + " && find . -type f ! -path './nginx/run/*' ! -path './apache/run/*' "
                 "| LC_ALL=C sort | xargs sha256sum; find . -type l -printf '%p -> %l\\n' "
                 "| LC_ALL=C sort")
        .out;
  }

  static std::string* images_;
  std::string work_;
  std::string store_;
};

std::string* PublishTreeTest::images_ = nullptr;

TEST_F(PublishTreeTest, SameStoreSameBytesAndGolden) {
  Result a = Publish(work_ + "/a");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  Result b = Publish(work_ + "/b");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  std::string listing = Listing(work_ + "/a");
  EXPECT_EQ(listing, Listing(work_ + "/b"));
  EXPECT_THAT(listing, HasSubstr("./www/v2/team/app/manifests/v1\n"));

  const char* update = getenv("STOWAGE_UPDATE_GOLDEN");
  if (update != nullptr && *update != '\0') {
    std::ofstream(std::string(update) + "/testdata/golden/publish_tree.txt") << listing;
    GTEST_SKIP() << "golden listing rewritten";
  }
  std::ifstream in(Runfile("testdata/golden/publish_tree.txt"));
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(listing, golden.str())
      << "the published tree changed; if that is intended, regenerate with "
         "STOWAGE_UPDATE_GOLDEN (see the top of this file)";
}

TEST_F(PublishTreeTest, RepublishWritesOnlyWhatChanged) {
  std::string out = work_ + "/out";
  Result first = Publish(out);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("0 removed, 0 unchanged"));

  Result again = Publish(out);
  ASSERT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.out, HasSubstr("nothing changed since the last publish"));
  // The store has 4 repositories (the state file's other lines are not).
  EXPECT_THAT(again.out, HasSubstr("(4 repositories)"));
  Result checked = S({"publish", out, "--full", "--server", "nginx,apache,caddy,s3",
                      "--serve-root", "/srv/stowage", "--listen", "127.0.0.1:8080"});
  ASSERT_EQ(checked.exit_code, 0);
  EXPECT_THAT(checked.out, HasSubstr(": 0 written, 0 linked, 0 removed"));

  // Move a tag: its manifest file is relinked, and OUTDIR/index.json (a
  // link to the store's: every tag is published); the lists and
  // configuration that name it are rewritten; nothing else.
  ASSERT_EQ(S({"tag", "org/sub/tools:b", "org/sub/tools:a"}).exit_code, 0);
  Result moved = Publish(out);
  ASSERT_EQ(moved.exit_code, 0);
  EXPECT_THAT(moved.out, HasSubstr("2 linked"));
  EXPECT_EQ(Shell("test " + out + "/index.json -ef " + store_ + "/index.json").exit_code, 0);
  std::string b_digest = RefDigest(*images_ + "/multiref", "b");
  EXPECT_EQ(Trim(Shell("sha256sum < " + out + "/www/v2/org/sub/tools/manifests/a | cut -c1-64").out),
            b_digest.substr(7));

  // The image "a" named before is now untagged: its files are gone.
  std::string a_digest = RefDigest(*images_ + "/multiref", "a");
  EXPECT_NE(Shell("test -e " + out + "/www/v2/org/sub/tools/manifests/" + a_digest).exit_code, 0);
  EXPECT_THAT(moved.out, Not(HasSubstr(" 0 removed")));

  // Remove a repository: its folder goes, and it leaves the catalog.
  ASSERT_EQ(S({"rm", "team/docker"}).exit_code, 0);
  Result removed = Publish(out);
  ASSERT_EQ(removed.exit_code, 0);
  EXPECT_THAT(removed.out, Not(HasSubstr(" 0 removed")));
  EXPECT_NE(Shell("test -e " + out + "/www/v2/team/docker").exit_code, 0);
  EXPECT_THAT(Shell("cat " + out + "/www/v2/_catalog").out, Not(HasSubstr("team/docker")));
  // And the tree equals a fresh publish of the same store.
  ASSERT_EQ(Publish(work_ + "/fresh").exit_code, 0);
  EXPECT_EQ(Listing(out), Listing(work_ + "/fresh"));
}

// A namespace's repositories are listed 100 a page: u/NS/index.html, then
// u/NS/_page/N/index.html. An incremental publish removes the pages past a
// shrunk namespace's new end, and all of a gone namespace's.
TEST_F(PublishTreeTest, NamespacePagesFollowTheNamespace) {
  // The store's index.json through a jq filter, as another tool would write
  // it: one write, where 201 `stowage tag` runs would take seconds.
  auto edit_index = [&](const std::string& filter) {
    return Shell("cd " + store_ + " && jq -c 'def ref: "
                 ".annotations[\"org.opencontainers.image.ref.name\"]; " + filter +
                 "' index.json > index.json.new && mv index.json.new index.json");
  };
  // Keeps many/app<i> for i < n.
  auto keep_many = [&](int n) {
    return edit_index(absl::StrCat(
        ".manifests |= map(select(((ref | startswith(\"many/\")) | not) or "
        "((ref[8:11] | tonumber) < ", n, ")))"));
  };
  auto files = [&](const std::string& dir) {
    return Shell("cd " + dir + " 2>/dev/null && find . -type f | LC_ALL=C sort").out;
  };
  // Without Caddy and S3, whose configurations name every file (a full
  // pass each time): unchanged repositories are skipped.
  auto publish = [&](const std::string& dir) {
    return S({"publish", dir, "--server", "nginx,apache", "--serve-root", "/srv/stowage",
              "--listen", "127.0.0.1:8080"});
  };
  // many/app000 ... many/app200, copies of team/app:v1: 3 pages, the last
  // with many/app200 alone (no stars: best first is by name).
  Result added = edit_index(
      "(.manifests[] | select(ref == \"team/app:v1\")) as $e | .manifests += [range(0; 201) | "
      ". as $i | $e | .annotations[\"org.opencontainers.image.ref.name\"] = "
      "(\"many/app\" + ((\"00\" + ($i | tostring))[-3:]) + \":v1\")] | .manifests |= sort_by(ref)");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  std::string out = work_ + "/out";
  Result first = publish(out);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string many = out + "/www/u/many";
  EXPECT_EQ(files(many), "./_page/2/index.html\n./_page/3/index.html\n./index.html\n");
  std::string last = Shell("cat " + many + "/_page/3/index.html").out;
  EXPECT_THAT(last, HasSubstr(">many/app200</a>"));
  EXPECT_THAT(last, Not(HasSubstr(">many/app199</a>")));
  EXPECT_THAT(last, HasSubstr("rel=\"prev\" href=\"../../../../u/many/_page/2/index.html\""));
  EXPECT_THAT(Shell("cat " + many + "/index.html").out, HasSubstr("Page 1 of 3"));
  // A full publish twice: the same tree.
  ASSERT_EQ(publish(work_ + "/again").exit_code, 0);
  EXPECT_EQ(Listing(out), Listing(work_ + "/again"));

  // 150: two pages. 100: exactly one, no _page folder. 0: no namespace.
  for (int n : {150, 100, 0}) {
    SCOPED_TRACE(n);
    Result kept = keep_many(n);
    ASSERT_EQ(kept.exit_code, 0) << kept.err;
    Result r = publish(out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("unchanged since the last publish were skipped"));
    EXPECT_EQ(files(many), n == 150 ? "./_page/2/index.html\n./index.html\n"
                           : n == 100 ? "./index.html\n"
                                      : "");
    EXPECT_NE(Shell("test -e " + many + "/_page/" + (n == 150 ? "3" : "2")).exit_code, 0);
    std::string fresh = absl::StrCat(work_, "/fresh", n);
    ASSERT_EQ(publish(fresh).exit_code, 0);
    EXPECT_EQ(Listing(out), Listing(fresh));
  }
  EXPECT_NE(Shell("test -e " + many).exit_code, 0);
}

TEST_F(PublishTreeTest, UnchangedRepositoriesAreSkippedUntilFull) {
  std::string out = work_ + "/out";
  // With Apache too, so that every manifest path is a file.
  auto publish = [&](std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"publish", out, "--server", "nginx,apache"};
    args.insert(args.end(), more.begin(), more.end());
    return S(args);
  };
  ASSERT_EQ(publish().exit_code, 0);
  ASSERT_EQ(S({"tag", "org/sub/tools:b", "org/sub/tools:c"}).exit_code, 0);
  Result r = publish();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("(3 repositories unchanged since the last publish were skipped)"));
  EXPECT_EQ(Shell("test -e " + out + "/www/v2/org/sub/tools/manifests/c").exit_code, 0);
  EXPECT_THAT(Shell("cat " + out + "/www/v2/org/sub/tools/tags/list").out, HasSubstr("\"c\""));
  // A skipped repository's files stay, and nginx still knows them.
  EXPECT_EQ(Shell("test -e " + out + "/www/v2/team/app/manifests/v1").exit_code, 0);
  EXPECT_EQ(Shell("cat " + out + "/nginx/maps/*.kind | grep -q '^\"/v2/team/app/manifests/v1\" '")
                .exit_code,
            0);
  // --full checks everything and finds it right.
  Result full = publish({"--full"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_THAT(full.out, HasSubstr(": 0 written, 0 linked, 0 removed"));
  EXPECT_THAT(full.out, Not(HasSubstr("skipped")));
  // Files someone deleted by hand come back with --full.
  ASSERT_EQ(Shell("rm " + out + "/www/v2/team/app/tags/list").exit_code, 0);
  EXPECT_THAT(publish({"--full"}).out, HasSubstr("1 written"));
  // Changing the options publishes everything again: nginx alone needs no
  // manifest files (its maps serve manifests from the blob folder).
  Result nginx = S({"publish", out, "--server", "nginx"});
  EXPECT_THAT(nginx.out, Not(HasSubstr("skipped")));
  EXPECT_NE(Shell("test -e " + out + "/www/v2/team/app/manifests").exit_code, 0);
  ASSERT_EQ(S({"publish", work_ + "/fresh2", "--server", "nginx"}).exit_code, 0);
  EXPECT_EQ(Shell("cd " + out + "/www && find . -type f | sort | xargs sha256sum").out,
            Shell("cd " + work_ + "/fresh2/www && find . -type f | sort | xargs sha256sum").out);
}

// A repository may live inside another's folders (team/app/tags is a
// repository, team/app/tags/list a file of team/app): pruning one after a
// change, or removing it, leaves the other whole.
TEST_F(PublishTreeTest, NestedRepositoriesKeepEachOthersFiles) {
  std::string out = work_ + "/out";
  auto publish = [&](const std::string& dir) {
    return S({"publish", dir, "--server", "nginx,apache"});
  };
  for (const char* name : {"team/app/tags:x", "team/app/manifests:y"}) {
    ASSERT_EQ(S({"tag", "team/app:v1", name}).exit_code, 0);
  }
  ASSERT_EQ(publish(out).exit_code, 0);
  ASSERT_EQ(S({"tag", "team/docker:v1", "team/app:v1"}).exit_code, 0);
  Result moved = publish(out);
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  for (const char* f : {"team/app/tags/manifests/x", "team/app/tags/tags/list",
                        "team/app/manifests/manifests/y", "team/app/tags/list"}) {
    EXPECT_EQ(Shell(absl::StrCat("test -f ", out, "/www/v2/", f)).exit_code, 0) << f;
  }
  ASSERT_EQ(S({"rm", "team/app"}).exit_code, 0);
  ASSERT_EQ(publish(out).exit_code, 0);
  EXPECT_NE(Shell("test -e " + out + "/www/v2/team/app/tags/list").exit_code, 0);
  EXPECT_EQ(Shell("test -f " + out + "/www/v2/team/app/tags/manifests/x").exit_code, 0);
  EXPECT_EQ(Shell("test -f " + out + "/www/v2/team/app/manifests/manifests/y").exit_code, 0);
  ASSERT_EQ(publish(work_ + "/fresh").exit_code, 0);
  EXPECT_EQ(Shell("cd " + out + "/www && find . | sort").out,
            Shell("cd " + work_ + "/fresh/www && find . | sort").out);
}

TEST_F(PublishTreeTest, RepoPatternsSelect) {
  std::string out = work_ + "/sel";
  Result r = S({"publish", out, "--repo", "org/*", "--repo", "library/*"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Trim(Shell("cat " + out + "/www/v2/_catalog").out),
            "{\"repositories\":[\"library/multi\",\"org/sub/tools\"]}");
  EXPECT_THAT(r.out, HasSubstr("published 2 repositories, 3 tags"));
}

TEST_F(PublishTreeTest, InvalidNamesAreSkippedWithAWarning) {
  // Another tool wrote an entry whose name breaks the OCI rules.
  Result copy = Shell("skopeo copy -q --preserve-digests oci:" + *images_ +
                      "/single:v1 oci:" + store_ + ":Bad/Name:v1");
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  Result r = S({"publish", work_ + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("warning: index.json entry \"Bad/Name:v1\" skipped: "
                               "Bad/Name:v1: position 1: oci/name-component"));
  EXPECT_NE(Shell("test -e " + work_ + "/out/www/v2/Bad").exit_code, 0);
}

TEST_F(PublishTreeTest, RefusesAFolderItDidNotWrite) {
  std::string mine = work_ + "/mine";
  ASSERT_EQ(Shell("mkdir -p " + mine + " && echo keep > " + mine + "/notes.txt").exit_code, 0);
  Result r = S({"publish", mine});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("is not empty and is not a stowage publish"));
  EXPECT_EQ(Trim(Shell("cat " + mine + "/notes.txt").out), "keep");
  Result bad = S({"publish", work_ + "/x", "--server", "iis"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("server \"iis\" is not one of nginx, apache, caddy, s3"));
}

TEST_F(PublishTreeTest, PrivateStoreFilesArePublishedReadable) {
  // umoci writes blobs 0600; a web server's user could not read links to
  // them, so such blobs are copied into the tree as 0644 instead.
  ASSERT_EQ(Shell("chmod 600 " + store_ + "/blobs/sha256/*").exit_code, 0);
  std::string out = work_ + "/out";
  Result r = S({"publish", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Shell("find " + out + "/www " + out + "/blobs -type f ! -perm -0444 | wc -l").out, "0\n");
  EXPECT_EQ(Shell("find " + out + "/www " + out + "/blobs -type d ! -perm -0555 | wc -l").out, "0\n");
  std::string any = Trim(Shell("ls " + store_ + "/blobs/sha256 | head -1").out);
  EXPECT_EQ(Trim(Shell("stat -c %a " + store_ + "/blobs/sha256/" + any).out), "600");
  EXPECT_NE(Trim(Shell("stat -c %i " + store_ + "/blobs/sha256/" + any).out),
            Trim(Shell("stat -c %i " + out + "/blobs/sha256/" + any).out));
}

TEST_F(PublishTreeTest, PublishedTreeIsAnOciLayoutSkopeoReads) {
  std::string out = work_ + "/out";
  ASSERT_EQ(S({"publish", out}).exit_code, 0);
  Result r = Shell("skopeo inspect oci:" + out + ":team/app:v1 | jq -r .Digest");
  EXPECT_EQ(Trim(r.out), Trim(Shell("jq -r '.manifests[0].digest' " + *images_ +
                                    "/single/index.json").out));
}

}  // namespace
}  // namespace stowage
