// End-to-end: publish cannot be turned against its user. OUTDIR must be
// publish's own (never the store, a foreign folder or an empty path), one
// publisher at a time, a publish killed anywhere is repaired by the next,
// colliding names are refused before anything is written, and a blob
// damaged in place is never served.

#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::CountLines;
using ::stowage::testing::MakeImages;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::RefDigest;
using ::stowage::testing::Result;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::StowageBinary;
using ::stowage::testing::Trim;
using ::testing::HasSubstr;
using ::testing::Not;

class PublishSafetyTest : public ::testing::Test {
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
             {"multi:latest", "library/multi:latest"},
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

  // The command line of a publish into `out`, for a shell.
  std::string PublishCommand(const std::string& out, const std::string& extra = "") {
    return absl::StrCat(StowageBinary(), " publish ", out, " --store ", store_,
                        " --server nginx,apache,caddy,s3 --serve-root /srv/stowage -q ", extra);
  }

  Result Publish(const std::string& out, const std::string& extra = "") {
    return Shell(PublishCommand(out, extra));
  }

  // "sha256  path" of every file, sorted, without the lock file.
  static std::string Listing(const std::string& out) {
    return Shell("cd " + out + " && find . -type f ! -name stowage-publish.lock "
                 "| LC_ALL=C sort | xargs sha256sum; find . -type l -printf '%p -> %l\\n' "
                 "| LC_ALL=C sort")
        .out;
  }

  std::string StoreIndexDigest() {
    return Trim(Shell("sha256sum < " + store_ + "/index.json").out);
  }

  // A fresh publish of the store as it is now, for comparison.
  std::string FreshListing() {
    std::string fresh = MakeTempDir() + "/fresh";
    Result r = Publish(fresh);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Listing(fresh);
  }

  static std::string* images_;
  std::string work_;
  std::string store_;
};

std::string* PublishSafetyTest::images_ = nullptr;

TEST_F(PublishSafetyTest, TheStoreIsNeverOutdir) {
  std::string before = StoreIndexDigest();
  for (const std::string& out :
       {store_, store_ + "/", store_ + "/blobs", store_ + "/new/site", work_}) {
    Result r = S({"publish", out, "--full"});
    EXPECT_EQ(r.exit_code, 1) << out;
    EXPECT_THAT(r.err, HasSubstr("store")) << out;
    EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  }
  EXPECT_EQ(StoreIndexDigest(), before);
  EXPECT_EQ(Shell("test -e " + store_ + "/www || test -e " + store_ + "/new || test -e " +
                  store_ + "/stowage-publish.marker").exit_code, 1);
  EXPECT_THAT(S({"tags", "team/app"}).out, HasSubstr("v1"));
}

TEST_F(PublishSafetyTest, AnEmptyPathAndForeignFoldersAreRefusedUntouched) {
  Result empty = S({"publish", ""});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_THAT(empty.err, HasSubstr("OUTDIR is an empty path"));
  // A folder of someone else's, even one that looks like a layout.
  std::string foreign = work_ + "/foreign";
  ASSERT_EQ(Shell("mkdir -p " + foreign + "/www && echo '{\"imageLayoutVersion\":\"1.0.0\"}' > " +
                  foreign + "/oci-layout && echo mine > " + foreign + "/www/mine.txt")
                .exit_code, 0);
  std::string listing = Listing(foreign);
  for (const char* extra : {"", "--full"}) {
    Result r = Publish(foreign, extra);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("is not a stowage publish"));
  }
  EXPECT_EQ(Listing(foreign), listing);
  // `publish .` in a working folder with files in it.
  std::string cwd = work_ + "/cwd";
  ASSERT_EQ(Shell("mkdir -p " + cwd + " && echo x > " + cwd + "/notes.txt").exit_code, 0);
  Result dot = Shell("cd " + cwd + " && " + PublishCommand(".", "--full"));
  EXPECT_EQ(dot.exit_code, 1);
  EXPECT_EQ(Trim(Shell("ls " + cwd).out), "notes.txt");
}

TEST_F(PublishSafetyTest, ARefusedPublishLeavesNoNewFolder) {
  ASSERT_EQ(S({"import", "oci:" + *images_ + "/single:v1", "team/app/index.html:v1"}).exit_code,
            0);
  std::string out = work_ + "/site";
  Result r = Publish(out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("repository \"team/app/index.html\" collides with repository "
                               "\"team/app\""));
  EXPECT_THAT(r.err, HasSubstr("r/team/app/index.html"));
  EXPECT_EQ(Shell("test -e " + out).exit_code, 1) << "nothing is written";
  // Left out with --repo, the rest publishes.
  Result some = Publish(out, "--repo 'team/app' --repo 'library/*'");
  EXPECT_EQ(some.exit_code, 0) << some.err;
}

TEST_F(PublishSafetyTest, OnePublisherAtATimeAndTheTreeIsAlwaysWhole) {
  std::string out = work_ + "/site";
  ASSERT_EQ(Publish(out).exit_code, 0);
  for (int trial = 0; trial < 8; ++trial) {
    // Each trial changes the store, so both publishes have work to do.
    std::string tag = absl::StrCat("team/app:t", trial);
    ASSERT_EQ(S({"tag", "team/app:v1", tag}).exit_code, 0);
    if (trial % 2 == 1) {
      ASSERT_EQ(S({"untag", absl::StrCat("team/app:t", trial - 1)}).exit_code, 0);
    }
    std::string wait = trial % 4 == 3 ? "--wait" : "";
    Result both = Shell("(" + PublishCommand(out, wait) + " 2>" + work_ + "/a.err; echo $? > " +
                        work_ + "/a.rc) & (" + PublishCommand(out, wait) + " 2>" + work_ +
                        "/b.err; echo $? > " + work_ + "/b.rc) & wait; cat " + work_ + "/a.rc " +
                        work_ + "/b.rc " + work_ + "/a.err " + work_ + "/b.err");
    ASSERT_EQ(both.exit_code, 0);
    EXPECT_THAT(both.out, HasSubstr("0\n")) << "one of them publishes";
    // The other either waited, found nothing changed, or said who was busy.
    EXPECT_THAT(both.out, Not(HasSubstr("rror"))) << both.out;
    if (both.out.find("1\n") != std::string::npos) {
      EXPECT_THAT(both.out, HasSubstr("is being published by another stowage publish (pid "));
    }
    ASSERT_EQ(Listing(out), FreshListing()) << "trial " << trial;
  }
}

TEST_F(PublishSafetyTest, APublishKilledAnywhereIsRepairedByTheNext) {
  // Enough repositories that a publish takes a while to kill.
  for (int i = 0; i < 60; ++i) {
    ASSERT_EQ(S({"tag", "team/app:v1", absl::StrFormat("many/app%02d:v1", i)}).exit_code, 0);
  }
  std::string out = work_ + "/site";
  ASSERT_EQ(Publish(out).exit_code, 0);
  const std::string published = Listing(out);
  for (int trial = 0; trial < 10; ++trial) {
    // The store changes, a publish of it is killed, the store goes back.
    ASSERT_EQ(S({"untag", "team/docker:v1"}).exit_code, 0);
    ASSERT_EQ(S({"tag", "team/app:v1", "team/app:extra"}).exit_code, 0);
    Result kill = Shell(PublishCommand(out, trial % 3 == 0 ? "--full" : "") + " & pid=$!; sleep " +
                        absl::StrFormat("0.%03d", 20 * trial) + "; kill -9 $pid; wait $pid; true");
    ASSERT_EQ(kill.exit_code, 0);
    ASSERT_EQ(S({"import", "oci:" + *images_ + "/docker:v1", "team/docker:v1"}).exit_code, 0);
    ASSERT_EQ(S({"untag", "team/app:extra"}).exit_code, 0);
    Result again = Publish(out);
    ASSERT_EQ(again.exit_code, 0) << again.err;
    ASSERT_EQ(Listing(out), published) << "trial " << trial;
  }
}

// skopeo rewrites the store's index.json in place (truncate, then write):
// a publish that finds it empty for a moment waits, as the store's readers
// do, instead of failing.
TEST_F(PublishSafetyTest, AHalfWrittenStoreIndexIsWaitedOut) {
  std::string index = store_ + "/index.json";
  Result r = Shell("cp " + index + " " + work_ + "/index.json && : > " + index + " && (sleep 0.05; "
                   "cat " + work_ + "/index.json > " + index + ") & " +
                   PublishCommand(work_ + "/site") + "; rc=$?; wait; exit $rc");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Listing(work_ + "/site"), FreshListing());
}

TEST_F(PublishSafetyTest, ADamagedBlobIsNeverPublished) {
  // The image's layer, flipped in place: same size, other bytes.
  std::string manifest = RefDigest(store_, "team/app:v1");
  Result layer = Shell("jq -r '.layers[0].digest' " + store_ + "/blobs/sha256/" +
                       manifest.substr(7) + " | cut -d: -f2");
  ASSERT_EQ(layer.exit_code, 0);
  std::string hex = Trim(layer.out);
  std::string out = work_ + "/site";
  ASSERT_EQ(Publish(out).exit_code, 0);
  ASSERT_EQ(Shell("printf 'X' | dd of=" + store_ + "/blobs/sha256/" + hex +
                  " bs=1 seek=20 conv=notrunc status=none").exit_code, 0);
  // A new tree refuses it.
  Result fresh = Publish(work_ + "/fresh");
  EXPECT_EQ(fresh.exit_code, 1);
  EXPECT_THAT(fresh.err, HasSubstr(hex));
  // --full hashes the published copy (here the same file), takes it out of
  // the served tree, and fails naming it.
  Result full = Publish(out, "--full");
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_THAT(full.err, HasSubstr(hex));
  EXPECT_EQ(Shell("test -e " + out + "/blobs/sha256/" + hex).exit_code, 1);
  EXPECT_EQ(Shell("test -e " + out + "/stowage-publish.state").exit_code, 1)
      << "the failed publish left no state: the next one is full";
}

}  // namespace
}  // namespace stowage
