#include "lib/publish/tree_writer.h"

#include <stdlib.h>

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "lib/fs/file.h"

namespace stowage::publish {
namespace {

std::string NewDir() {
  std::string tmpl = ::testing::TempDir() + "/tree-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

TEST(TreeWriterTest, WritesOnlyWhatChanged) {
  std::string root = NewDir();
  {
    TreeWriter w(root, /*fresh=*/true);
    ASSERT_TRUE(w.Write(JoinPath(root, "a/b/c.txt"), "one").ok());
    ASSERT_TRUE(w.Write(JoinPath(root, "run.sh"), "#!/bin/sh\n", /*executable=*/true).ok());
    // Not there before Flush.
    EXPECT_FALSE(Exists(JoinPath(root, "a/b/c.txt")));
    ASSERT_TRUE(w.Flush().ok());
    EXPECT_EQ(w.counts().written, 2u);
  }
  EXPECT_EQ(ReadFile(JoinPath(root, "a/b/c.txt"), 10).value(), "one");
  EXPECT_EQ(Stat(JoinPath(root, "run.sh"))->mode, 0755u);
  TreeWriter w(root);
  ASSERT_TRUE(w.Write(JoinPath(root, "a/b/c.txt"), "one").ok());
  ASSERT_TRUE(w.Write(JoinPath(root, "run.sh"), "#!/bin/sh\n", true).ok());
  ASSERT_TRUE(w.Write(JoinPath(root, "a/new.txt"), "two").ok());
  ASSERT_TRUE(w.Flush().ok());
  EXPECT_EQ(w.counts().unchanged, 2u);
  EXPECT_EQ(w.counts().written, 1u);
}

TEST(TreeWriterTest, LinksAreNamesOfTheBlob) {
  std::string root = NewDir();
  std::string blob = JoinPath(root, "blob");
  ASSERT_TRUE(WriteFileAtomic(blob, "bytes").ok());
  TreeWriter w(root);
  ASSERT_TRUE(w.Link(blob, JoinPath(root, "x/y")).ok());
  ASSERT_TRUE(w.Link(blob, JoinPath(root, "x/y")).ok());
  EXPECT_EQ(w.counts().linked, 1u);
  EXPECT_EQ(w.counts().unchanged, 1u);
  EXPECT_EQ(Stat(blob)->inode, Stat(JoinPath(root, "x/y"))->inode);
  // A file in the way is replaced whole.
  ASSERT_TRUE(WriteFileAtomic(JoinPath(root, "x/z"), "other").ok());
  ASSERT_TRUE(w.Link(blob, JoinPath(root, "x/z")).ok());
  EXPECT_EQ(ReadFile(JoinPath(root, "x/z"), 10).value(), "bytes");
}

TEST(TreeWriterTest, PruneKeepsOnlyWhatIsNamed) {
  std::string root = NewDir();
  for (const char* f : {"keep/a", "drop/b", "keep/c/d", "top"}) {
    ASSERT_TRUE(MakeDirs(Dirname(JoinPath(root, f))).ok());
    ASSERT_TRUE(WriteFileAtomic(JoinPath(root, f), "x").ok());
  }
  TreeWriter w(root);
  ASSERT_TRUE(w.Prune(root, "", {"keep/a", "top"}).ok());
  EXPECT_EQ(w.counts().removed, 2u);
  EXPECT_TRUE(Exists(JoinPath(root, "keep/a")));
  EXPECT_FALSE(Exists(JoinPath(root, "drop")));
  EXPECT_FALSE(Exists(JoinPath(root, "keep/c")));
}

TEST(TreeWriterTest, PruneRepositoryLeavesNestedRepositories) {
  std::string www = NewDir();
  for (const char* f : {"v2/team/app/manifests/v1", "v2/team/app/manifests/old",
                        "v2/team/app/tags/list", "v2/team/app/tags/manifests/v1"}) {
    ASSERT_TRUE(MakeDirs(Dirname(JoinPath(www, f))).ok());
    ASSERT_TRUE(WriteFileAtomic(JoinPath(www, f), "x").ok());
  }
  TreeWriter w(www);
  std::set<std::string> keep = {"v2/team/app/manifests/v1", "v2/team/app/tags/list"};
  ASSERT_TRUE(w.PruneRepository(www, "team/app", &keep).ok());
  EXPECT_FALSE(Exists(JoinPath(www, "v2/team/app/manifests/old")));
  EXPECT_TRUE(Exists(JoinPath(www, "v2/team/app/tags/manifests/v1")));
  ASSERT_TRUE(w.PruneRepository(www, "team/app", nullptr).ok());
  EXPECT_FALSE(Exists(JoinPath(www, "v2/team/app/manifests")));
  EXPECT_TRUE(Exists(JoinPath(www, "v2/team/app/tags/manifests/v1")));
}

}  // namespace
}  // namespace stowage::publish
