#include "lib/store/store.h"

#include <stdlib.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fs/file.h"
#include "lib/oci/media_types.h"

namespace stowage::store {
namespace {

using ::testing::HasSubstr;

std::string NewDir() {
  std::string tmpl = ::testing::TempDir() + "/store-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

// Writes a one-layer image into `layout`; returns its manifest descriptor.
oci::Descriptor WriteImage(const oci::Layout& layout, const std::string& content) {
  std::string config = absl::StrCat(R"({"architecture":"amd64","os":"linux","n":")",
                                    content, "\"}");
  std::string layer = "layer:" + content;
  std::string config_digest = *layout.WriteBlob(config);
  std::string layer_digest = *layout.WriteBlob(layer);
  std::string manifest = absl::StrCat(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)",
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
      config_digest, R"(","size":)", config.size(), R"(},"layers":[{"mediaType":)",
      R"("application/vnd.oci.image.layer.v1.tar","digest":")", layer_digest,
      R"(","size":)", layer.size(), "}]}");
  std::string digest = *layout.WriteBlob(manifest);
  return oci::Descriptor::Make(oci::kOciManifest, digest, manifest.size());
}

struct NameCase {
  std::string text;
  std::string want;  // "repository:tag", or "" for an error
  std::string error;
};

TEST(ParseTagNameTest, Table) {
  const NameCase cases[] = {
      {"ubuntu", "library/ubuntu:latest", ""},
      {"team/app:v1", "team/app:v1", ""},
      {"team/sub/app:1.0", "team/sub/app:1.0", ""},
      {"team/my.app", "team/my.app:latest", ""},
      {"a", "library/a:latest", ""},
      {"Team/app", "", "position 1: oci/name-component"},
      {"localhost:5000/team/app", "", "store names have no registry host"},
      {"team/app@sha256:" + std::string(64, 'a'), "", "a digest cannot name a tag"},
      {"team/app:", "", "ref/tag"},
  };
  for (const NameCase& c : cases) {
    absl::StatusOr<TagName> name = ParseTagName(c.text);
    if (c.want.empty()) {
      ASSERT_FALSE(name.ok()) << c.text;
      EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(name.status().message()), HasSubstr(c.error)) << c.text;
    } else {
      ASSERT_TRUE(name.ok()) << c.text << ": " << name.status();
      EXPECT_EQ(name->String(), c.want);
    }
  }
}

TEST(StoreTest, OpenNeedsAStore) {
  std::string dir = NewDir() + "/none";
  absl::StatusOr<Store> s = Store::Open(dir);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("stowage init " + dir));
  ASSERT_TRUE(Store::Init(dir).ok());
  EXPECT_TRUE(Store::Open(dir).ok());
  EXPECT_TRUE(Store::Init(dir).ok());  // again: left as it is
}

TEST(StoreTest, TagsAreSortedAndForeignEntriesSkipped) {
  std::string dir = NewDir();
  absl::StatusOr<Store> s = Store::Init(dir);
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "a");
  oci::Descriptor b = WriteImage(s->layout(), "b");
  ASSERT_TRUE(s->SetTags({{TagName{"team/z", "v1"}, a},
                          {TagName{"team/a", "v2"}, b},
                          {TagName{"team/a", "v1"}, a}})
                  .ok());
  // Another tool's entries: no name, and a name that is no repository:tag.
  ASSERT_TRUE(s->UpdateIndex([&](oci::Index& index) {
                 index.manifests.push_back(a);
                 oci::Descriptor named = b;
                 named.SetAnnotation(oci::kRefNameAnnotation, "v1");
                 index.manifests.push_back(named);
                 return absl::OkStatus();
               }).ok());
  std::vector<std::string> skipped;
  absl::StatusOr<std::vector<TagEntry>> tags = s->Tags(&skipped);
  ASSERT_TRUE(tags.ok());
  std::vector<std::string> names;
  for (const TagEntry& e : *tags) names.push_back(e.name.String());
  EXPECT_THAT(names, ::testing::ElementsAre("team/a:v1", "team/a:v2", "team/z:v1"));
  EXPECT_EQ(skipped.size(), 2u);
  // index.json is written sorted by name, foreign entries kept.
  absl::StatusOr<oci::Index> index = s->layout().ReadIndex();
  ASSERT_EQ(index->manifests.size(), 5u);
  EXPECT_EQ(index->manifests[0].Annotation(oci::kRefNameAnnotation), "");
  EXPECT_EQ(index->manifests[1].Annotation(oci::kRefNameAnnotation), "team/a:v1");
}

TEST(StoreTest, SetTagsMovesATagAndRemoveTags) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "a");
  oci::Descriptor b = WriteImage(s->layout(), "b");
  ASSERT_TRUE(s->SetTags({{TagName{"team/app", "v1"}, a}}).ok());
  ASSERT_TRUE(s->SetTags({{TagName{"team/app", "v1"}, b}}).ok());
  absl::StatusOr<TagEntry> e = s->Find(TagName{"team/app", "v1"});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->descriptor.digest(), b.digest());
  EXPECT_EQ(s->Tags()->size(), 1u);

  absl::StatusOr<size_t> removed = s->RemoveTags("team/app", "v2");
  EXPECT_EQ(removed.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(removed.status().message()),
              HasSubstr("no image tagged team/app:v2"));
  ASSERT_TRUE(s->SetTags({{TagName{"team/app", "v2"}, a}}).ok());
  EXPECT_EQ(*s->RemoveTags("team/app", ""), 2u);
  EXPECT_TRUE(s->Tags()->empty());
}

TEST(StoreTest, GcDeletesOnlyWhatNoTagReaches) {
  std::string dir = NewDir();
  absl::StatusOr<Store> s = Store::Init(dir);
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "keep");
  oci::Descriptor b = WriteImage(s->layout(), "drop");
  ASSERT_TRUE(s->SetTags({{TagName{"team/app", "v1"}, a}}).ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, "blobs/sha256/.tmp-leftover"), "x").ok());

  absl::StatusOr<Store::GcReport> dry = s->Gc(/*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(dry->blobs_removed, 3u);
  EXPECT_EQ(dry->blobs_kept, 3u);
  EXPECT_TRUE(s->layout().HasBlob(b.digest()));

  absl::StatusOr<Store::GcReport> gc = s->Gc(/*dry_run=*/false);
  ASSERT_TRUE(gc.ok());
  EXPECT_EQ(gc->blobs_removed, 3u);
  EXPECT_GT(gc->bytes_freed, 0u);
  EXPECT_FALSE(s->layout().HasBlob(b.digest()));
  EXPECT_TRUE(s->layout().HasBlob(a.digest()));
  EXPECT_FALSE(Exists(JoinPath(dir, "blobs/sha256/.tmp-leftover")));
}

TEST(StoreTest, GcRefusesWhenATaggedImageIsDamaged) {
  std::string dir = NewDir();
  absl::StatusOr<Store> s = Store::Init(dir);
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "a");
  WriteImage(s->layout(), "garbage");
  ASSERT_TRUE(s->SetTags({{TagName{"team/app", "v1"}, a}}).ok());
  ASSERT_TRUE(RemoveFile(s->layout().BlobPath(a.digest())).ok());
  absl::StatusOr<Store::GcReport> gc = s->Gc(false);
  EXPECT_EQ(gc.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(gc.status().message()),
              HasSubstr("gc stopped, nothing deleted"));
  ASSERT_TRUE(ListDir(JoinPath(dir, "blobs/sha256")).ok());
  EXPECT_EQ(ListDir(JoinPath(dir, "blobs/sha256"))->size(), 5u);
}

TEST(StoreTest, ConcurrentWritersLoseNoTag) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "a");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Each thread opens its own Store, as separate processes would.
      absl::StatusOr<Store> mine = Store::Open(s->dir());
      for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(mine->SetTags({{TagName{"team/app", absl::StrCat("t", t, "-", i)}, a}})
                        .ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(s->Tags()->size(), 40u);
}

TEST(StoreTest, DefaultStorePath) {
  setenv("STOWAGE_STORE", "/x/store", 1);
  EXPECT_EQ(DefaultStorePath(), "/x/store");
  unsetenv("STOWAGE_STORE");
  setenv("XDG_DATA_HOME", "/data", 1);
  EXPECT_EQ(DefaultStorePath(), "/data/stowage");
  unsetenv("XDG_DATA_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(DefaultStorePath(), "/home/u/.local/share/stowage");
}

}  // namespace
}  // namespace stowage::store
