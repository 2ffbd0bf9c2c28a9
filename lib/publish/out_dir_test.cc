#include "lib/publish/out_dir.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fs/file.h"

namespace stowage::publish {
namespace {

using ::testing::HasSubstr;

std::string NewDir(const char* name) {
  std::string tmpl = absl::StrCat(::testing::TempDir(), "/", name, "-XXXXXX");
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

class OutDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = NewDir("outdir");
    store_ = JoinPath(base_, "store");
    ASSERT_TRUE(MakeDirs(store_).ok());
    ASSERT_TRUE(WriteFileAtomic(JoinPath(store_, "oci-layout"), "{}").ok());
  }
  std::string base_;
  std::string store_;
};

TEST_F(OutDirTest, NewFolderIsClaimedAndMarked) {
  std::string out = JoinPath(base_, "a/b/site");
  absl::StatusOr<OutDirClaim> claim = OutDirClaim::Claim(out, store_);
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_TRUE(claim->fresh());
  EXPECT_TRUE(Exists(JoinPath(out, kMarkerFile)));
  EXPECT_TRUE(Exists(JoinPath(out, kLockFile)));
  EXPECT_EQ(ReadFile(JoinPath(out, kLockFile), 100).value(), absl::StrCat(getpid(), "\n"));
}

TEST_F(OutDirTest, EmptyPathIsRefused) {
  absl::StatusOr<OutDirClaim> claim = OutDirClaim::Claim("", store_);
  EXPECT_TRUE(absl::IsInvalidArgument(claim.status()));
  EXPECT_THAT(claim.status().message(), HasSubstr("empty path"));
}

TEST_F(OutDirTest, TheStoreInsideOrAroundIsRefused) {
  for (const std::string& out :
       {store_, store_ + "/", JoinPath(store_, "."), JoinPath(store_, "blobs/site"),
        JoinPath(store_, "new/deeper"), base_, JoinPath(store_, "../store")}) {
    absl::StatusOr<OutDirClaim> claim = OutDirClaim::Claim(out, store_);
    EXPECT_TRUE(absl::IsInvalidArgument(claim.status())) << out << ": " << claim.status();
  }
  // Nothing was written into the store.
  EXPECT_FALSE(Exists(JoinPath(store_, kMarkerFile)));
  EXPECT_FALSE(Exists(JoinPath(store_, kLockFile)));
  EXPECT_FALSE(Exists(JoinPath(store_, "new")));
  // Through a symbolic link too.
  std::string link = JoinPath(base_, "link");
  ASSERT_EQ(symlink(store_.c_str(), link.c_str()), 0);
  EXPECT_TRUE(absl::IsInvalidArgument(OutDirClaim::Claim(link, store_).status()));
}

TEST_F(OutDirTest, AForeignFolderIsRefusedUntouched) {
  std::string out = JoinPath(base_, "foreign");
  ASSERT_TRUE(MakeDirs(JoinPath(out, "www")).ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(out, "oci-layout"), "{}").ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(out, "www/mine.txt"), "mine").ok());
  absl::StatusOr<OutDirClaim> claim = OutDirClaim::Claim(out, store_);
  EXPECT_TRUE(absl::IsFailedPrecondition(claim.status())) << claim.status();
  EXPECT_THAT(claim.status().message(), HasSubstr("not a stowage publish"));
  EXPECT_EQ(ListDir(out).value(), (std::vector<std::string>{"oci-layout", "www"}));
}

TEST_F(OutDirTest, AnEarlierPublishIsReclaimed) {
  std::string out = JoinPath(base_, "site");
  ASSERT_TRUE(OutDirClaim::Claim(out, store_).ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(out, "index.json"), "{}").ok());
  absl::StatusOr<OutDirClaim> again = OutDirClaim::Claim(out, store_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->fresh());
  // A tree published before the marker existed: its state file.
  std::string old = JoinPath(base_, "old");
  ASSERT_TRUE(MakeDirs(old).ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(old, kStateFile), "{\"format\":3}\nstore x\n").ok());
  EXPECT_TRUE(OutDirClaim::Claim(old, store_).ok());
  EXPECT_TRUE(Exists(JoinPath(old, kMarkerFile)));
}

TEST_F(OutDirTest, AbandonRemovesANewFolderThatGotNothing) {
  std::string out = JoinPath(base_, "new/site");
  {
    absl::StatusOr<OutDirClaim> claim = OutDirClaim::Claim(out, store_);
    ASSERT_TRUE(claim.ok());
    claim->Abandon();
  }
  EXPECT_FALSE(Exists(out));
  std::string kept = JoinPath(base_, "kept");
  {
    absl::StatusOr<OutDirClaim> claim = OutDirClaim::Claim(kept, store_);
    ASSERT_TRUE(claim.ok());
    ASSERT_TRUE(WriteFileAtomic(JoinPath(kept, "index.json"), "{}").ok());
    claim->Abandon();
  }
  EXPECT_TRUE(Exists(JoinPath(kept, kMarkerFile)));
}

TEST_F(OutDirTest, LinkedFoldersAreRefused) {
  std::string out = JoinPath(base_, "linked");
  ASSERT_TRUE(OutDirClaim::Claim(out, store_).ok());
  std::string elsewhere = JoinPath(base_, "elsewhere");
  ASSERT_TRUE(MakeDirs(elsewhere).ok());
  ASSERT_EQ(symlink(elsewhere.c_str(), JoinPath(out, "www").c_str()), 0);
  absl::StatusOr<OutDirClaim> claim = OutDirClaim::Claim(out, store_);
  EXPECT_TRUE(absl::IsFailedPrecondition(claim.status())) << claim.status();
  EXPECT_THAT(claim.status().message(), HasSubstr("www is a symbolic link"));
}

TEST_F(OutDirTest, OnePublisherAtATime) {
  std::string out = JoinPath(base_, "busy");
  absl::StatusOr<OutDirClaim> first = OutDirClaim::Claim(out, store_);
  ASSERT_TRUE(first.ok());
  // flock(2) locks belong to the open file: a second open conflicts even in
  // this process.
  absl::StatusOr<OutDirClaim> second = OutDirClaim::Claim(out, store_);
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
  EXPECT_THAT(second.status().message(), HasSubstr(absl::StrCat("(pid ", getpid(), ")")));
  { OutDirClaim done = std::move(*first); }
  EXPECT_TRUE(OutDirClaim::Claim(out, store_).ok());
}

}  // namespace
}  // namespace stowage::publish
