// End-to-end: a store that cannot be written. Every command that only
// reads (ls, inspect, export, bundle create, publish, search, repo show)
// works on it; every writer (tag, import, gc) fails with one line naming
// the store.
//
// The store is made read-only with a read-only bind mount (as root), or,
// where mounting is not permitted, by running stowage as the unprivileged
// user 65534 on a store it may not write.

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::CountLines;
using ::stowage::testing::MakeLayoutWithLayer;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::RefDigest;
using ::stowage::testing::Result;
using ::stowage::testing::RunProgram;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::StowageBinary;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ReadOnlyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = MakeTempDir();
    const std::string src = work_ + "/src";
    ASSERT_EQ(MakeLayoutWithLayer(src + "/tiny", 100).exit_code, 0);
    ASSERT_EQ(MakeLayoutWithLayer(work_ + "/image", 100000).exit_code, 0);
    // "full" as stowage left it (stowage/ with its lock files), "bare"
    // without stowage/ (a copy, or a layout another tool made).
    for (const char* kind : {"full", "bare"}) {
      const std::string store = absl::StrCat(src, "/", kind);
      ASSERT_EQ(Stowage({"init", store}).exit_code, 0);
      Result imp = Stowage({"import", "-q", "--store", store,
                            "oci:" + work_ + "/image:v1", "team/app:v1"});
      ASSERT_EQ(imp.exit_code, 0) << imp.err;
    }
    ASSERT_EQ(Shell("rm -r " + src + "/bare/stowage").exit_code, 0);
    digest_ = RefDigest(src + "/full", "team/app:v1");
    ASSERT_THAT(digest_, StartsWith("sha256:"));
    if (MountReadOnly(src)) return;
    std::string why_not;
    if (DropPrivileges(src, &why_not)) return;
    GTEST_SKIP() << "cannot make a read-only store: " << why_not;
  }

  void TearDown() override {
    if (mounted_ && Shell("umount " + ro_).exit_code != 0) {
      Shell("umount -l " + ro_);
    }
    if (!unprivileged_dir_.empty()) Shell("rm -rf " + unprivileged_dir_);
  }

  // `src` bind-mounted read-only at ro_; false when mounting is not
  // permitted here.
  bool MountReadOnly(const std::string& src) {
    ro_ = work_ + "/ro";
    out_ = work_ + "/out";
    if (Shell("mkdir -p " + ro_ + " " + out_).exit_code != 0) return false;
    if (Shell("mount --bind " + src + " " + ro_).exit_code != 0) return false;
    mounted_ = true;
    if (Shell("mount -o remount,bind,ro " + ro_).exit_code != 0) return false;
    // Really read-only, even for root.
    return Shell("touch " + ro_ + "/full/probe").exit_code != 0;
  }

  // A copy of `src` that user 65534 may read but not write, under /tmp (the
  // test's own directory may be closed to other users), with a copy of the
  // binary it may run. False, with the reason, when setpriv cannot do that.
  bool DropPrivileges(const std::string& src, std::string* why_not) {
    if (mounted_) {
      Shell("umount " + ro_);
      mounted_ = false;
    }
    Result dir = Shell("d=$(mktemp -d /tmp/stowage-ro-XXXXXX) && chmod 755 $d && echo $d");
    if (dir.exit_code != 0) {
      *why_not = "mount not permitted, and no directory under /tmp";
      return false;
    }
    unprivileged_dir_ = ::stowage::testing::Trim(dir.out);
    ro_ = unprivileged_dir_ + "/stores";
    out_ = unprivileged_dir_ + "/out";
    binary_ = unprivileged_dir_ + "/stowage";
    Result copy = Shell("cp -a " + src + " " + ro_ + " && chmod -R go-w " + ro_ +
                        " && mkdir -m 777 " + out_ + " && cp " + StowageBinary() +
                        " " + binary_ + " && chmod 755 " + binary_);
    Result probe = RunProgram({"setpriv", "--reuid=65534", "--regid=65534",
                               "--clear-groups", "sh", "-c",
                               "! touch " + ro_ + "/full/probe && " + binary_ + " --help"});
    if (copy.exit_code != 0 || probe.exit_code != 0) {
      *why_not = "mount not permitted, and setpriv could not run stowage as "
                 "user 65534 on a store it cannot write: " + copy.err + probe.err;
      return false;
    }
    return true;
  }

  // stowage ARGS, as the user who cannot write the store.
  Result S(const std::vector<std::string>& args) {
    if (binary_.empty()) return Stowage(args);
    std::vector<std::string> argv = {"setpriv", "--reuid=65534", "--regid=65534",
                                     "--clear-groups", binary_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv);
  }

  void ExpectReadersWork(const std::string& store, const std::string& out) {
    Result ls = S({"ls", "--store", store});
    EXPECT_EQ(ls.exit_code, 0) << ls.err;
    EXPECT_THAT(ls.out, HasSubstr("team/app"));
    Result inspect = S({"inspect", "--store", store, "team/app:v1"});
    EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
    EXPECT_THAT(inspect.out, HasSubstr(digest_));
    Result exp = S({"export", "--store", store, "team/app:v1", "oci:" + out + "/export"});
    EXPECT_EQ(exp.exit_code, 0) << exp.err;
    EXPECT_EQ(RefDigest(out + "/export", "v1"), digest_);
    // An archive is staged beside the file when the store cannot be
    // written (the image here has no layers' diff_ids, so no docker archive).
    Result archive = S({"export", "--store", store, "team/app:v1", "oci-archive:" + out + "/e.tar"});
    EXPECT_EQ(archive.exit_code, 0) << archive.err;
    EXPECT_EQ(Shell("ls -A " + out + " | grep -c staging || true").out, "0\n");
    Result bundle = S({"bundle", "create", "--store", store, out + "/b.tar", "--all"});
    EXPECT_EQ(bundle.exit_code, 0) << bundle.err;
    Result verify = Stowage({"bundle", "verify", out + "/b.tar"});
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
    Result publish = S({"publish", "--store", store, out + "/pub"});
    EXPECT_EQ(publish.exit_code, 0) << publish.err;
    EXPECT_EQ(Shell("grep -q '\"v1\"' " + out + "/pub/www/v2/team/app/tags/list").exit_code,
              0);
    Result search = S({"search", "--store", store, "app"});
    EXPECT_EQ(search.exit_code, 0) << search.err;
    EXPECT_THAT(search.out, HasSubstr("team/app"));
    Result show = S({"repo", "show", "--store", store, "team/app"});
    EXPECT_EQ(show.exit_code, 0) << show.err;
  }

  void ExpectWritersRefuse(const std::string& store) {
    const std::vector<std::vector<std::string>> writers = {
        {"tag", "--store", store, "team/app:v1", "team/app:v2"},
        {"import", "--store", store, "oci:" + ro_ + "/tiny:v1", "team/other:v1"},
        {"gc", "--store", store},
    };
    for (const std::vector<std::string>& args : writers) {
      SCOPED_TRACE(args[0]);
      Result r = S(args);
      EXPECT_EQ(r.exit_code, 1);
      EXPECT_EQ(CountLines(r.err), 1u) << r.err;
      EXPECT_THAT(r.err, StartsWith(absl::StrCat("stowage ", args[0],
                                                 ": cannot write to the store ",
                                                 store, ": ")));
    }
    EXPECT_EQ(RefDigest(store, "team/app:v2"), "");
  }

  std::string work_;
  std::string ro_;   // holds the read-only stores "full" and "bare", and "tiny"
  std::string out_;  // writable, for what the readers write
  std::string digest_;
  bool mounted_ = false;
  std::string unprivileged_dir_;  // with setpriv: the copy under /tmp
  std::string binary_;            // with setpriv: the stowage user 65534 runs
};

TEST_F(ReadOnlyStoreTest, ReadersWorkAndWritersNameTheStore) {
  std::cout << (mounted_ ? "read-only bind mount\n" : "setpriv as user 65534\n");
  for (const char* kind : {"full", "bare"}) {
    SCOPED_TRACE(kind);
    const std::string out = absl::StrCat(out_, "/", kind);
    ASSERT_EQ(Shell("mkdir -m 777 " + out).exit_code, 0);
    ExpectReadersWork(absl::StrCat(ro_, "/", kind), out);
    ExpectWritersRefuse(absl::StrCat(ro_, "/", kind));
  }
}

}  // namespace
}  // namespace stowage
