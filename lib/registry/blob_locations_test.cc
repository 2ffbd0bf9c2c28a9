#include "lib/registry/blob_locations.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fs/file.h"

namespace stowage::registry {
namespace {

constexpr char kDigest[] = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::string TempFile() {
  std::string base = std::getenv("TEST_TMPDIR") != nullptr ? std::getenv("TEST_TMPDIR") : "/tmp";
  std::string tmpl = base + "/locations.XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl + "/cache/stowage/blob-locations";
}

TEST(BlobLocationsTest, RemembersAcrossRuns) {
  const std::string file = TempFile();
  {
    BlobLocations first(file);
    EXPECT_EQ(first.Find("r.io:5000", kDigest), "");
    first.Add("r.io:5000", kDigest, "team/app");
    first.Add("r.io:5000", kDigest, "team/app");  // written once
    EXPECT_EQ(first.Find("r.io:5000", kDigest), "team/app");
    EXPECT_EQ(first.Find("other.io", kDigest), "");
  }
  struct stat st;
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(Dirname(file).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(*ReadFile(file), std::string("r.io:5000 ") + kDigest + " team/app\n");

  BlobLocations second(file);
  EXPECT_EQ(second.Find("r.io:5000", kDigest), "team/app");
  second.Add("r.io:5000", kDigest, "team/other");  // the latest sighting wins
  EXPECT_EQ(BlobLocations(file).Find("r.io:5000", kDigest), "team/other");
}

TEST(BlobLocationsTest, HostileLinesAreIgnored) {
  const std::string file = TempFile();
  ASSERT_TRUE(MakeDirs(Dirname(file)).ok());
  ASSERT_TRUE(WriteFileAtomic(file, std::string("r.io ") + kDigest + " ../../etc\n" +
                                        "r.io sha256:short team/app\n" +
                                        "r.io/x " + kDigest + " team/app\n" +
                                        "r.io " + kDigest + " team/app&from=x\n" +
                                        "r.io " + kDigest + " team/ok\n" +
                                        "r.io " + kDigest + " torn-li")
                  .ok());
  BlobLocations known(file);
  // The torn last line is a valid repository name: it is the latest.
  EXPECT_EQ(known.Find("r.io", kDigest), "torn-li");
  EXPECT_EQ(known.Find("r.io/x", kDigest), "");
}

TEST(BlobLocationsTest, AnUnwritableFileRemembersInMemory) {
  BlobLocations known("/proc/no-such-dir/blob-locations");
  known.Add("r.io", kDigest, "team/app");
  EXPECT_EQ(known.Find("r.io", kDigest), "team/app");
  BlobLocations none("");
  none.Add("r.io", kDigest, "team/app");
  EXPECT_EQ(none.Find("r.io", kDigest), "team/app");
}

}  // namespace
}  // namespace stowage::registry
