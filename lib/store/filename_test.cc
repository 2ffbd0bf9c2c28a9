#include "lib/store/filename.h"

#include <functional>
#include <string>

#include "gtest/gtest.h"

namespace stowage::store {
namespace {

TEST(FileNameTest, EveryFileIsUnderStowage) {
  struct Case {
    std::function<std::string(const std::string&)> name;
    std::string expected;
  };
  const Case cases[] = {
      {MetaDir, "/srv/store/stowage"},
      {LockFileName, "/srv/store/stowage/lock"},
      {GcLockFileName, "/srv/store/stowage/gc.lock"},
      {TempDirName, "/srv/store/stowage/tmp"},
      {CatalogFileName, "/srv/store/stowage/catalog.json"},
      {CatalogLockFileName, "/srv/store/stowage/catalog.lock"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.name("/srv/store"), c.expected);
    EXPECT_EQ(c.name("/srv/store/"), c.expected);
  }
  EXPECT_EQ(LockFileName("rel"), "rel/stowage/lock");
}

}  // namespace
}  // namespace stowage::store
