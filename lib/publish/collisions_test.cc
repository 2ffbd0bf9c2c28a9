#include "lib/publish/collisions.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stowage::publish {
namespace {

using ::testing::HasSubstr;

TEST(CollisionsTest, RepositoryUnderACatalogPage) {
  absl::Status s = CheckRepositoryCollisions(
      {{"team/app", {"v1"}}, {"team/app/index.html", {"v1"}}});
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_THAT(s.message(), HasSubstr("\"team/app/index.html\" collides with repository "
                                     "\"team/app\""));
  EXPECT_THAT(s.message(), HasSubstr("r/team/app/index.html"));
  EXPECT_FALSE(CheckRepositoryCollisions(
                   {{"team/app", {"v1"}}, {"team/app/index.html/deeper", {"v1"}}})
                   .ok());
}

TEST(CollisionsTest, RepositoryUnderATagListOrTag) {
  EXPECT_THAT(CheckRepositoryCollisions({{"a", {"v1"}}, {"a/tags/list", {"x"}}}).message(),
              HasSubstr("v2/a/tags/list"));
  EXPECT_THAT(
      CheckRepositoryCollisions({{"a", {"v1"}}, {"a/manifests/v1/b", {"x"}}}).message(),
      HasSubstr("v2/a/manifests/v1"));
}

TEST(CollisionsTest, SharedFoldersAreFine) {
  // team/app/tags and team/app/manifests are folders of team/app too, but
  // no file of team/app is in their way.
  EXPECT_TRUE(CheckRepositoryCollisions({{"team/app", {"v1", "tags"}},
                                         {"team/app/tags", {"v1"}},
                                         {"team/app/manifests", {"v1"}},
                                         {"team/app/manifests/v2", {"v1"}},
                                         {"team/application", {"v1"}},
                                         {"team/app2/index.html", {"v1"}}})
                  .ok());
}

TEST(CollisionsTest, Paths) {
  EXPECT_TRUE(CheckPathCollisions({"a/b", "a/c", "a/bc/d", "ab/c"}).ok());
  absl::Status s = CheckPathCollisions({"r/x/index.html/index.html", "r/x/index.html"});
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_THAT(s.message(), HasSubstr("\"r/x/index.html\" as a file"));
}

}  // namespace
}  // namespace stowage::publish
