#include "lib/catalog/catalog_store.h"

#include <stdlib.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fs/file.h"

namespace stowage::catalog {
namespace {

using ::testing::HasSubstr;

class CatalogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/catalog-store-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    store_ = tmpl;
  }
  std::string store_;
};

TEST_F(CatalogStoreTest, MissingFileIsAnEmptyCatalog) {
  absl::StatusOr<Catalog> c = ReadCatalog(store_);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(*c == Catalog{});
  EXPECT_EQ(CatalogPath(store_), store_ + "/stowage/catalog.json");
}

TEST_F(CatalogStoreTest, UpdateWritesAndReadsBack) {
  ASSERT_TRUE(UpdateCatalog(store_, [](Catalog& c) {
                c.repositories["library/python"].official = true;
                c.namespaces["library"].title = "Official Images";
                return absl::OkStatus();
              }).ok());
  absl::StatusOr<Catalog> c = ReadCatalog(store_);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->repositories["library/python"].official, true);
  absl::StatusOr<std::string> text = ReadFile(CatalogPath(store_));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, SerializeCatalog(*c));
  EXPECT_TRUE(Exists(store_ + "/stowage/catalog.lock"));
}

TEST_F(CatalogStoreTest, NothingWrittenOnError) {
  ASSERT_TRUE(UpdateCatalog(store_, [](Catalog& c) {
                c.repositories["team/app"].stars = 1;
                return absl::OkStatus();
              }).ok());
  absl::StatusOr<std::string> before = ReadFile(CatalogPath(store_));
  ASSERT_TRUE(before.ok());

  absl::Status failed = UpdateCatalog(store_, [](Catalog& c) {
    c.repositories["team/app"].stars = 2;
    return absl::NotFoundError("no such thing");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(failed.message(), "no such thing");

  absl::Status invalid = UpdateCatalog(store_, [](Catalog& c) {
    c.repositories["team/app"].official = true;
    return absl::OkStatus();
  });
  EXPECT_EQ(invalid.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(invalid.message(),
              HasSubstr("$.repositories[\"team/app\"].official: team/app is not "
                        "in library/"));
  EXPECT_EQ(*ReadFile(CatalogPath(store_)), *before);
  // No temporary file is left beside it.
  absl::StatusOr<std::vector<std::string>> names = ListDir(store_ + "/stowage");
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(*names, ::testing::ElementsAre("catalog.json", "catalog.lock"));
}

TEST_F(CatalogStoreTest, DamagedFileIsDataLoss) {
  ASSERT_TRUE(MakeDirs(store_ + "/stowage").ok());
  ASSERT_TRUE(WriteFileAtomic(CatalogPath(store_),
                              R"({"repositories": {"team/app": {"stras": 1}}})")
                  .ok());
  absl::StatusOr<Catalog> c = ReadCatalog(store_);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(c.status().message(),
              HasSubstr(CatalogPath(store_) +
                        ": $.repositories[\"team/app\"].stras: unknown key"));
  // And an update refuses to overwrite it.
  absl::Status u = UpdateCatalog(store_, [](Catalog&) { return absl::OkStatus(); });
  EXPECT_EQ(u.code(), absl::StatusCode::kDataLoss);
}

TEST_F(CatalogStoreTest, ConcurrentUpdatesLoseNothing) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([this, i] {
      for (int k = 0; k < 10; ++k) {
        absl::Status s = UpdateCatalog(store_, [&](Catalog& c) {
          c.repositories[absl::StrCat("team/app", i, "-", k)].stars = k;
          return absl::OkStatus();
        });
        EXPECT_TRUE(s.ok()) << s;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  absl::StatusOr<Catalog> c = ReadCatalog(store_);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->repositories.size(), 80u);
}

TEST_F(CatalogStoreTest, ReplaceIsDeclarativeAndDryRunWritesNothing) {
  ASSERT_TRUE(UpdateCatalog(store_, [](Catalog& c) {
                c.repositories["team/old"].stars = 1;
                c.repositories["team/same"].stars = 2;
                c.repositories["team/changed"].stars = 3;
                return absl::OkStatus();
              }).ok());
  std::string before = *ReadFile(CatalogPath(store_));
  Catalog next;
  next.repositories["team/same"].stars = 2;
  next.repositories["team/changed"].stars = 4;
  next.repositories["team/new"].stars = 5;
  next.namespaces["team"].title = "Team";

  absl::StatusOr<CatalogDiff> dry = ReplaceCatalog(store_, next, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(dry->added, 2u);
  EXPECT_EQ(dry->changed, 1u);
  EXPECT_EQ(dry->removed, 1u);
  EXPECT_EQ(*ReadFile(CatalogPath(store_)), before);

  absl::StatusOr<CatalogDiff> real = ReplaceCatalog(store_, next, false);
  ASSERT_TRUE(real.ok()) << real.status();
  EXPECT_EQ(real->added, dry->added);
  EXPECT_EQ(real->changed, dry->changed);
  EXPECT_EQ(real->removed, dry->removed);
  EXPECT_TRUE(*ReadCatalog(store_) == next);

  Catalog bad = next;
  bad.repositories["team/x"].official = true;
  absl::StatusOr<CatalogDiff> rejected = ReplaceCatalog(store_, bad, false);
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(*ReadCatalog(store_) == next);
}

}  // namespace
}  // namespace stowage::catalog
