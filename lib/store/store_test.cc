#include "lib/store/store.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
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

TEST(StoreTest, OpenCreatesNothingAndWritersMakeWhatTheyNeed) {
  std::string dir = NewDir();
  absl::StatusOr<Store> made = Store::Init(dir);
  ASSERT_TRUE(made.ok());
  EXPECT_TRUE(Exists(made->TempDir()));
  EXPECT_TRUE(Exists(JoinPath(dir, "stowage/gc.lock")));  // for readers to lock
  oci::Descriptor a = WriteImage(made->layout(), "a");
  ASSERT_TRUE(made->SetTags({{TagName{"team/app", "v1"}, a}}).ok());
  // As a layout that another tool made, or a copy without stowage/.
  ASSERT_TRUE(RemoveAll(JoinPath(dir, "stowage")).ok());

  absl::StatusOr<Store> s = Store::Open(dir);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(Exists(JoinPath(dir, "stowage")));
  ASSERT_TRUE(s->Tags().ok());
  EXPECT_FALSE(Exists(JoinPath(dir, "stowage")));
  {
    // Where it may, a reader makes gc.lock, and holds it.
    absl::StatusOr<FileLock> read_lock = s->BlobReadLock();
    ASSERT_TRUE(read_lock.ok()) << read_lock.status();
    EXPECT_TRUE(read_lock->held());
    EXPECT_TRUE(Exists(JoinPath(dir, "stowage/gc.lock")));
    // Shared with writers that add blobs.
    absl::StatusOr<FileLock> write_lock = s->BlobWriteLock();
    ASSERT_TRUE(write_lock.ok()) << write_lock.status();
  }
  ASSERT_TRUE(RemoveAll(JoinPath(dir, "stowage")).ok());
  ASSERT_TRUE(s->SetTags({{TagName{"team/app", "v2"}, a}}).ok());
  EXPECT_TRUE(Exists(JoinPath(dir, "stowage/lock")));
  EXPECT_EQ(s->Tags()->size(), 2u);
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

TEST(StoreTest, IndexIsInTheOrderTagsGives) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "a");
  // By ref name "a/b1:x" < "a/b:x" (':' sorts after '1'); by repository,
  // a/b comes first.
  ASSERT_TRUE(s->SetTags({{TagName{"a/b1", "x"}, a}, {TagName{"a/b", "x"}, a},
                          {TagName{"a/b", "w"}, a}})
                  .ok());
  absl::StatusOr<oci::Index> index = s->layout().ReadIndex();
  ASSERT_TRUE(index.ok());
  std::vector<std::string> names;
  for (const oci::Descriptor& d : index->manifests) {
    names.push_back(d.Annotation(oci::kRefNameAnnotation));
  }
  EXPECT_THAT(names, ::testing::ElementsAre("a/b:w", "a/b:x", "a/b1:x"));
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

  // Everything here was just written: grace 0 treats it as old.
  Store::GcOptions options;
  options.grace = absl::ZeroDuration();
  options.dry_run = true;
  absl::StatusOr<Store::GcReport> dry = s->Gc(options);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(dry->blobs_removed, 3u);
  EXPECT_EQ(dry->blobs_kept, 3u);
  EXPECT_TRUE(s->layout().HasBlob(b.digest()));

  options.dry_run = false;
  absl::StatusOr<Store::GcReport> gc = s->Gc(options);
  ASSERT_TRUE(gc.ok());
  EXPECT_EQ(gc->blobs_removed, 3u);
  EXPECT_GT(gc->bytes_freed, 0u);
  EXPECT_FALSE(s->layout().HasBlob(b.digest()));
  EXPECT_TRUE(s->layout().HasBlob(a.digest()));
  EXPECT_FALSE(Exists(JoinPath(dir, "blobs/sha256/.tmp-leftover")));
}

TEST(StoreTest, GcKeepsYoungGarbage) {
  std::string dir = NewDir();
  absl::StatusOr<Store> s = Store::Init(dir);
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "keep");
  oci::Descriptor b = WriteImage(s->layout(), "young");  // 3 unreferenced blobs
  ASSERT_TRUE(s->SetTags({{TagName{"team/app", "v1"}, a}}).ok());
  const std::string tmp_blob = JoinPath(dir, "blobs/sha256/.tmp-copying");
  ASSERT_TRUE(WriteFileAtomic(tmp_blob, "x").ok());
  ASSERT_TRUE(MakeDirs(JoinPath(s->TempDir(), "transfer-running")).ok());
  // A blob written long ago and hard-linked in just now: its mtime is old,
  // its ctime (which link(2) and utimensat set to now) is not.
  struct timespec old[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, s->layout().BlobPath(b.digest()).c_str(), old, 0), 0);

  absl::StatusOr<Store::GcReport> gc = s->Gc(Store::GcOptions{});  // 1h
  ASSERT_TRUE(gc.ok()) << gc.status();
  EXPECT_EQ(gc->blobs_removed, 0u);
  EXPECT_EQ(gc->bytes_freed, 0u);
  EXPECT_EQ(gc->blobs_kept, 3u);
  EXPECT_EQ(gc->kept_young, 5u);  // 3 blobs, the .tmp- file, the staging dir
  EXPECT_TRUE(s->layout().HasBlob(b.digest()));
  EXPECT_TRUE(Exists(tmp_blob));
  EXPECT_TRUE(Exists(JoinPath(s->TempDir(), "transfer-running")));

  Store::GcOptions now;
  now.grace = absl::ZeroDuration();
  gc = s->Gc(now);
  ASSERT_TRUE(gc.ok()) << gc.status();
  EXPECT_EQ(gc->blobs_removed, 3u);
  EXPECT_EQ(gc->kept_young, 0u);
  EXPECT_FALSE(s->layout().HasBlob(b.digest()));
  EXPECT_FALSE(Exists(tmp_blob));
  EXPECT_TRUE(ListDir(s->TempDir())->empty());
}

TEST(StoreTest, GcOfAStoreWithoutTempDir) {
  std::string dir = NewDir();
  ASSERT_TRUE(Store::Init(dir).ok());
  ASSERT_TRUE(RemoveAll(JoinPath(dir, "stowage")).ok());  // as another tool made it
  absl::StatusOr<Store> s = Store::Open(dir);
  ASSERT_TRUE(s.ok()) << s.status();
  absl::StatusOr<Store::GcReport> gc = s->Gc(Store::GcOptions{});
  ASSERT_TRUE(gc.ok()) << gc.status();
  EXPECT_EQ(gc->blobs_removed + gc->kept_young, 0u);
}

TEST(StoreTest, GcRefusesWhenATaggedImageIsDamaged) {
  std::string dir = NewDir();
  absl::StatusOr<Store> s = Store::Init(dir);
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "a");
  WriteImage(s->layout(), "garbage");
  ASSERT_TRUE(s->SetTags({{TagName{"team/app", "v1"}, a}}).ok());
  ASSERT_TRUE(RemoveFile(s->layout().BlobPath(a.digest())).ok());
  Store::GcOptions options;
  options.grace = absl::ZeroDuration();
  absl::StatusOr<Store::GcReport> gc = s->Gc(options);
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

// Writes index.json in place, as skopeo does: truncate, then write.
void WriteInPlace(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// index.json of `s` with one more entry, `name` pointing at `d`.
std::string IndexWith(const Store& s, const oci::Descriptor& d,
                      const std::string& name) {
  absl::StatusOr<oci::Index> index = s.layout().ReadIndex();
  EXPECT_TRUE(index.ok()) << index.status();
  oci::Descriptor entry = d;
  entry.SetAnnotation(oci::kRefNameAnnotation, name);
  index->manifests.push_back(entry);
  return index->Serialize();
}

std::vector<std::string> TagNames(const Store& s) {
  std::vector<std::string> names;
  absl::StatusOr<std::vector<TagEntry>> tags = s.Tags();
  EXPECT_TRUE(tags.ok()) << tags.status();
  if (tags.ok()) {
    for (const TagEntry& e : *tags) names.push_back(e.name.String());
  }
  return names;
}

TEST(StoreTest, UpdateIndexKeepsAForeignWriteAndStartsOver) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "a");
  ASSERT_TRUE(s->SetTags({{TagName{"team/old", "v1"}, a}}).ok());
  const std::string path = JoinPath(s->dir(), "index.json");
  int calls = 0;
  absl::Status st = s->UpdateIndex([&](oci::Index& index) {
    if (++calls == 1) {
      // Another program writes between our read and our replace.
      WriteInPlace(path, IndexWith(*s, a, "team/foreign:v1"));
    }
    index.manifests.push_back(StoreEntry(a, TagName{"team/mine", "v1"}));
    return absl::OkStatus();
  });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(calls, 2);
  EXPECT_THAT(TagNames(*s), ::testing::ElementsAre("team/foreign:v1", "team/mine:v1",
                                                   "team/old:v1"));
}

TEST(StoreTest, UpdateIndexGivesUpOnAnIndexThatKeepsChanging) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "a");
  const std::string path = JoinPath(s->dir(), "index.json");
  int calls = 0;
  absl::Status st = s->UpdateIndex([&](oci::Index& index) {
    ++calls;
    WriteInPlace(path, IndexWith(*s, a, absl::StrCat("team/foreign:", calls)));
    index.manifests.push_back(StoreEntry(a, TagName{"team/mine", "v1"}));
    return absl::OkStatus();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr(path + ": another program changed it each of the 20 times"));
  EXPECT_EQ(calls, 20);
  // Nothing of ours was written; every foreign write is there.
  std::vector<std::string> names = TagNames(*s);
  EXPECT_EQ(names.size(), 20u);
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("team/mine:v1")));
}

TEST(StoreTest, UpdateIndexWaitsForAHalfWrittenIndex) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  oci::Descriptor a = WriteImage(s->layout(), "a");
  const std::string path = JoinPath(s->dir(), "index.json");
  const std::string full = IndexWith(*s, a, "team/foreign:v1");
  // Another program has truncated index.json and written half of it...
  WriteInPlace(path, full.substr(0, full.size() / 2));
  // ... and writes the rest a moment later (well within the 150 ms that
  // UpdateIndex waits).
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    WriteInPlace(path, full);
  });
  absl::Status st = s->SetTags({{TagName{"team/mine", "v1"}, a}});
  writer.join();
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_THAT(TagNames(*s), ::testing::ElementsAre("team/foreign:v1", "team/mine:v1"));
}

TEST(StoreTest, UpdateIndexOfAnIndexThatNeverParsesIsDataLoss) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  const std::string path = JoinPath(s->dir(), "index.json");
  WriteInPlace(path, R"({"schemaVersion":2,"manifests":[)");
  int calls = 0;
  absl::Status st = s->UpdateIndex([&](oci::Index&) {
    ++calls;
    return absl::OkStatus();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(st.message()), HasSubstr(path + ": "));
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(*ReadFile(path), R"({"schemaVersion":2,"manifests":[)");
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

// A digest that passes ValidateDigest: sha256 of nothing in particular.
std::string FakeDigest(char c) { return "sha256:" + std::string(64, c); }

// Writes index.json as another tool might: by hand.
void WriteIndexText(const Store& s, const std::string& text) {
  ASSERT_TRUE(WriteFileAtomic(JoinPath(s.dir(), "index.json"), text).ok());
}

// The store's index.json scanned each way there is: ScanTags(), and
// ScanTagsOf() the bytes read or mapped.
std::vector<absl::StatusOr<TagScan>> ScanEachWay(const Store& s) {
  std::vector<absl::StatusOr<TagScan>> scans;
  scans.push_back(s.ScanTags());
  const std::string path = JoinPath(s.dir(), "index.json");
  absl::StatusOr<std::string> read = ReadFile(path);
  EXPECT_TRUE(read.ok()) << read.status();
  if (read.ok()) scans.push_back(s.ScanTagsOf(std::move(*read)));
  absl::StatusOr<Fd> fd = OpenForRead(path);
  EXPECT_TRUE(fd.ok()) << fd.status();
  if (fd.ok()) {
    absl::StatusOr<MappedFile> mapped = MappedFile::Map(*fd, path);
    EXPECT_TRUE(mapped.ok()) << mapped.status();
    if (mapped.ok()) scans.push_back(s.ScanTagsOf(std::move(*mapped)));
  }
  return scans;
}

// Whether `view` lies inside `text`.
bool Inside(absl::string_view view, absl::string_view text) {
  return view.data() >= text.data() &&
         view.data() + view.size() <= text.data() + text.size();
}

// ScanTags() gives exactly what Tags() gives, and Full() the same entries;
// so does ScanTagsOf(), of a string or a mapping.
void ExpectScanMatchesTags(const Store& s) {
  std::vector<std::string> skipped;
  absl::StatusOr<std::vector<TagEntry>> tags = s.Tags(&skipped);
  ASSERT_TRUE(tags.ok()) << tags.status();
  for (absl::StatusOr<TagScan>& first : ScanEachWay(s)) {
    ASSERT_TRUE(first.ok()) << first.status();
    // Moved twice, and moved-from ones reused: the views must survive.
    TagScan moved = std::move(*first);
    std::vector<TagScan> held;
    held.push_back(std::move(moved));
    *first = TagScan();
    moved = TagScan();
    const TagScan& scan = held.front();

    EXPECT_EQ(scan.skipped, skipped);
    ASSERT_EQ(scan.tags.size(), tags->size());
    for (size_t i = 0; i < tags->size(); ++i) {
      const TagSummary& got = scan.tags[i];
      const TagEntry& want = (*tags)[i];
      SCOPED_TRACE(want.name.String());
      EXPECT_EQ(got.name, want.name);
      EXPECT_EQ(got.media_type, want.descriptor.media_type());
      EXPECT_EQ(got.digest, want.descriptor.digest());
      EXPECT_EQ(got.size, want.descriptor.size());
      ASSERT_TRUE(Inside(got.raw, scan.text));
      absl::StatusOr<TagEntry> full = Full(got);
      ASSERT_TRUE(full.ok()) << full.status();
      EXPECT_EQ(full->name, want.name);
      EXPECT_EQ(full->descriptor.json(), want.descriptor.json());
      EXPECT_EQ(full->descriptor.json().Serialize(),
                want.descriptor.json().Serialize());
    }
  }
}

TEST(ScanTagsTest, MatchesTagsOnAStoreStowageWrote) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  ExpectScanMatchesTags(*s);  // no tags yet
  oci::Descriptor a = WriteImage(s->layout(), "a");
  oci::Descriptor b = WriteImage(s->layout(), "b");
  ASSERT_TRUE(s->SetTags({{TagName{"team/z", "v1"}, a},
                          {TagName{"team/a", "v2"}, b},
                          {TagName{"library/ubuntu", "22.04"}, b},
                          {TagName{"team/sub/app", "1.0"}, a},
                          {TagName{"team/a", "v1"}, a}})
                  .ok());
  ASSERT_TRUE(s->UpdateIndex([&](oci::Index& index) {
                 index.manifests.push_back(a);  // no name
                 oci::Descriptor named = b;
                 named.SetAnnotation(oci::kRefNameAnnotation, "v1");
                 index.manifests.push_back(named);
                 return absl::OkStatus();
               }).ok());
  ExpectScanMatchesTags(*s);
  absl::StatusOr<TagScan> scan = s->ScanTags();
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->tags.size(), 5u);
  EXPECT_EQ(scan->skipped.size(), 2u);
  EXPECT_EQ(scan->tags[0].name.String(), "library/ubuntu:22.04");
}

TEST(ScanTagsTest, MatchesTagsOnAnIndexAnotherToolWrote) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  const std::string m = oci::kOciManifest;
  // Unsorted; "team/app:v1" three times (the last wins); entries without a
  // name, with names that are no store name, with a ref name that is a
  // number or an object or inside annotations that are not an object;
  // escapes, whitespace, unknown fields, a platform.
  std::string text = absl::StrReplaceAll(
      R"({
  "schemaVersion": 2,
  "manifests": [
    {"mediaType": "M", "digest": "D1", "size": 10,
     "annotations": {"org.opencontainers.image.ref.name": "team\/zed:v1"}},
    {"mediaType": "M", "digest": "D2", "size": 20, "platform": {"os": "linux", "architecture": "arm64"},
     "annotations": {"org.opencontainers.image.ref.name": "team/app:v1", "x": "y"}}
   ,{"mediaType": "M", "digest": "D3", "size": 30},
    {"size": 40, "digest": "D4", "mediaType": "M", "urls": ["u"],
     "annotations": {"org.opencontainers.image.ref.name": "team/app:v1"}},
    {"mediaType": "M", "digest": "D5", "size": 0,
     "annotations": {"org.opencontainers.image.ref.name": "v1"}},
    {"mediaType": "M", "digest": "D1", "size": 10,
     "annotations": {"org.opencontainers.image.ref.name": "Team/App:v1"}},
    {"mediaType": "M", "digest": "D1", "size": 10,
     "annotations": {"org.opencontainers.image.ref.name": "localhost:5000/team/app:v1"}},
    {"mediaType": "M", "digest": "D1", "size": 10,
     "annotations": {"org.opencontainers.image.ref.name": "ubuntu:22.04"}},
    {"mediaType": "M", "digest": "D1", "size": 10,
     "annotations": {"org.opencontainers.image.ref.name": 7}},
    {"mediaType": "M", "digest": "D1", "size": 10, "annotations": "team/app:v9"},
    {"mediaType": "M", "digest": "D6", "size": 60, "artifactType": "a/b",
     "annotations": {"org.opencontainers.image.ref.name": "team/app:v\u0030"}},
    {"mediaType": "M", "digest": "D2", "size": 21,
     "annotations": {"org.opencontainers.image.ref.name": "team/app:v1"}},
    {"mediaType": "M", "digest": "D1", "size": 10,
     "annotations": {"org.opencontainers.image.ref.name": "library/ubuntu:22.04"}}
  ]
}
)",
      {{"\"M\"", "\"" + m + "\""},
       {"D1", FakeDigest('1')},
       {"D2", FakeDigest('2')},
       {"D3", FakeDigest('3')},
       {"D4", FakeDigest('4')},
       {"D5", FakeDigest('5')},
       {"D6", FakeDigest('6')}});
  WriteIndexText(*s, text);
  ExpectScanMatchesTags(*s);
  absl::StatusOr<TagScan> scan = s->ScanTags();
  ASSERT_TRUE(scan.ok()) << scan.status();
  std::vector<std::string> names;
  for (const TagSummary& t : scan->tags) names.push_back(t.name.String());
  EXPECT_THAT(names,
              ::testing::ElementsAre("library/ubuntu:22.04", "team/app:v0",
                                     "team/app:v1", "team/zed:v1"));
  EXPECT_EQ(scan->tags[2].digest, FakeDigest('2'));
  EXPECT_EQ(scan->tags[2].size, 21);
  EXPECT_THAT(scan->skipped,
              ::testing::ElementsAre("", "v1", "Team/App:v1",
                                     "localhost:5000/team/app:v1",
                                     "ubuntu:22.04", "", ""));

  // A ref name that is an object: Tags() treats it as no name; so does
  // ScanTags (the scanner refuses it, the slow path takes over).
  WriteIndexText(
      *s,
      absl::StrCat(
          R"({"manifests":[{"mediaType":"m","digest":")", FakeDigest('1'),
          R"(","size":1,"annotations":{"org.opencontainers.image.ref.name":)",
          R"({}}},{"mediaType":"m","digest":")", FakeDigest('2'),
          R"(","size":2,"annotations":{"org.opencontainers.image.ref.name":)",
          R"("team/app:v1"}}]})"));
  ExpectScanMatchesTags(*s);
  EXPECT_EQ(s->ScanTags()->tags.size(), 1u);
  EXPECT_THAT(s->ScanTags()->skipped, ::testing::ElementsAre(""));
}

TEST(ScanTagsTest, ErrorsAreTheErrorsOfTags) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  std::string good = absl::StrCat(R"({"mediaType":"m","digest":")",
                                  FakeDigest('a'), R"(","size":1})");
  auto index = [&](const std::string& second) {
    return absl::StrCat(R"({"schemaVersion":2,"manifests":[)", good, ",",
                        second, "]}");
  };
  auto entry = [](const std::string& media_type, const std::string& digest,
                  const std::string& size) {
    return absl::StrCat(R"({"mediaType":)", media_type, R"(,"digest":)", digest,
                        R"(,"size":)", size, "}");
  };
  const std::string kDigest = "\"" + FakeDigest('b') + "\"";
  struct Case {
    std::string text;
    std::string message;  // part of the message
  };
  const Case kCases[] = {
      {index(entry(R"("m")", R"("sha256:abc")", "1")),
       "manifests[1]: \"digest\""},
      {index(entry(R"("m")", R"("sha256:)" + std::string(64, 'A') + "\"", "1")),
       "manifests[1]: \"digest\""},
      {index(entry(R"("m")", "\"sha512:" + std::string(128, 'c') + "\"", "1")),
       "manifests[1]: digest sha512:"},
      {index(entry(R"("m")", "\"md5:" + std::string(32, 'c') + "\"", "1")),
       "manifests[1]: "},
      {index(entry(R"("m")", "7", "1")),
       "manifests[1]: \"digest\" must be a string"},
      {index(entry(R"("m")", kDigest, "-1")),
       "manifests[1]: \"size\" is negative"},
      {index(entry(R"("m")", kDigest, "1.5")),
       "manifests[1]: \"size\" must be an integer"},
      {index(entry(R"("m")", kDigest, "1e3")), "manifests[1]: \"size\""},
      {index(entry(R"("m")", kDigest, R"("1")")), "manifests[1]: \"size\""},
      {index(entry(R"("m")", kDigest, "9223372036854775808")),
       "manifests[1]: \"size\""},
      {index(entry(R"("m")", kDigest, "null")), "manifests[1]: \"size\""},
      {index(entry(R"("")", kDigest, "1")),
       "manifests[1]: \"mediaType\" is empty"},
      {index(entry("5", kDigest, "1")), "manifests[1]: \"mediaType\""},
      {index(entry("{}", kDigest, "1")), "manifests[1]: \"mediaType\""},
      {index(R"({"mediaType":"m","size":1})"),
       "manifests[1]: missing \"digest\""},
      {index("[]"), "manifests[1]: a descriptor must be a JSON object"},
      {index("\"team/app:v1\""),
       "manifests[1]: a descriptor must be a JSON object"},
      {index(R"({"mediaType":"m","mediaType":"m"})"), "duplicate key"},
      {index("{"), "invalid JSON at offset"},
      {R"({"manifests":{}})", "\"manifests\" must be an array"},
      {R"([])", "not a JSON object"},
      {"", "invalid JSON at offset 0"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.text);
    WriteIndexText(*s, c.text);
    absl::StatusOr<std::vector<TagEntry>> tags = s->Tags();
    absl::StatusOr<TagScan> scan = s->ScanTags();
    ASSERT_FALSE(tags.ok());
    ASSERT_FALSE(scan.ok());
    EXPECT_EQ(scan.status(), tags.status());
    EXPECT_EQ(scan.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(scan.status().message()),
                HasSubstr(JoinPath(s->dir(), "index.json")));
    EXPECT_THAT(std::string(scan.status().message()), HasSubstr(c.message));
  }

  ASSERT_TRUE(RemoveFile(JoinPath(s->dir(), "index.json")).ok());
  absl::StatusOr<TagScan> missing = s->ScanTags();
  EXPECT_EQ(missing.status(), s->Tags().status());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kDataLoss);
}

TEST(ScanTagsTest, ValuesWithEscapesAreDecoded) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  // Escaped values are decoded (into memory the TagScan owns); plain ones
  // are views into index.json's text. Either way they outlive moves of the
  // TagScan.
  std::string digest_a = FakeDigest('a');
  std::string escaped_a = "sha256:\\u0061" + std::string(63, 'a');
  ASSERT_EQ(digest_a, "sha256:" + std::string(64, 'a'));
  WriteIndexText(
      *s, absl::StrCat(
              R"({"manifests":[)",
              R"({"mediaType":"application\/vnd.oci.image.manifest.v1+json",)",
              R"("digest":")", escaped_a, R"(","size":7,)",
              R"("annotations":{"org.opencontainers.image.ref.name":)",
              R"("team/app:v1"}},)",
              R"({"mediaType":"application/vnd.oci.image.index.v1+json",)",
              R"("digest":")", FakeDigest('b'), R"(","size":8,)",
              R"("annotations":{"org.opencontainers.image.ref.name":)",
              R"("team/app:v2"}}]})"));
  ExpectScanMatchesTags(*s);
  for (absl::StatusOr<TagScan>& scan : ScanEachWay(*s)) {
    ASSERT_TRUE(scan.ok()) << scan.status();
    TagScan copy = std::move(*scan);
    *scan = TagScan();
    ASSERT_EQ(copy.tags.size(), 2u);
    EXPECT_EQ(copy.tags[0].media_type, oci::kOciManifest);
    EXPECT_EQ(copy.tags[0].digest, digest_a);
    EXPECT_FALSE(Inside(copy.tags[0].media_type, copy.text));
    EXPECT_FALSE(Inside(copy.tags[0].digest, copy.text));
    EXPECT_EQ(copy.tags[1].media_type, oci::kOciIndex);
    EXPECT_EQ(copy.tags[1].digest, FakeDigest('b'));
    EXPECT_TRUE(Inside(copy.tags[1].media_type, copy.text));
    EXPECT_TRUE(Inside(copy.tags[1].digest, copy.text));
  }
}

TEST(ScanTagsTest, DigestsAreCheckedAsValidateDigestChecksThem) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  // The fast check of sha256:<64 lowercase hex> against every byte value
  // at one position, and lengths around 64: each index is accepted exactly
  // when Tags() accepts it.
  std::vector<std::string> digests;
  for (int c = 1; c < 128; ++c) {
    if (c == '"' || c == '\\' || c < 0x20) continue;
    std::string d = FakeDigest('0');
    d[7 + 31] = static_cast<char>(c);
    digests.push_back(d);
  }
  digests.push_back("sha256:" + std::string(63, 'f'));
  digests.push_back("sha256:" + std::string(65, 'f'));
  digests.push_back("sha512:" + std::string(128, 'f'));
  digests.push_back("sha256;" + std::string(64, 'f'));
  digests.push_back("SHA256:" + std::string(64, 'f'));
  for (const std::string& d : digests) {
    SCOPED_TRACE(d);
    WriteIndexText(
        *s, absl::StrCat(R"({"manifests":[{"mediaType":"m","digest":")", d,
                         R"(","size":1,"annotations":{"org.opencontainers.)",
                         R"(image.ref.name":"a/b:c"}}]})"));
    absl::StatusOr<std::vector<TagEntry>> tags = s->Tags();
    absl::StatusOr<TagScan> scan = s->ScanTags();
    ASSERT_EQ(scan.ok(), tags.ok());
    if (tags.ok()) {
      ExpectScanMatchesTags(*s);
    } else {
      EXPECT_EQ(scan.status(), tags.status());
    }
  }
}

TEST(ScanTagsTest, EachNameIsCheckedWhenARepositoryRepeats) {
  absl::StatusOr<Store> s = Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  // Runs of one repository, with tags that are no tags after good ones:
  // each is judged as ParseTagName judges it alone.
  const std::vector<std::string> names = {
      "team/app:v1",
      "team/app:v2",
      "team/app:-v3",
      "team/app:",
      "team/app:v/4",
      "team/app:v5@sha256:" + std::string(64, 'a'),
      "team/app:v.6",
      "team/app:_7",
      "team/app:" + std::string(128, 't'),
      "team/app:" + std::string(129, 't'),
      "team/app:V8",
      "team/app:v\\u00e9",  // a JSON escape, decoded to a non-ASCII tag
      "team/app::v9",
      "team/app/x:v1",
      "team/app:v10",
      "Team/app:v1",
      "team/app:v11",
      "team/app:latest",
      "a:b/c:d",
      "team/app:b/c:d",
  };
  std::string text = R"({"manifests":[)";
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ",",
                    R"({"mediaType":"m","digest":")", FakeDigest('1'),
                    R"(","size":1,"annotations":)",
                    R"({"org.opencontainers.image.ref.name":")", names[i],
                    R"("}})");
  }
  text += "]}";
  WriteIndexText(*s, text);
  ExpectScanMatchesTags(*s);
  std::vector<std::string> want_tags;
  std::vector<std::string> want_skipped;
  for (const std::string& escaped : names) {
    std::string name =
        absl::StrReplaceAll(escaped, {{"\\u00e9", "\xc3\xa9"}});
    absl::StatusOr<TagName> parsed = ParseTagName(name);
    if (parsed.ok() && parsed->String() == name &&
        name.find('/') != std::string::npos &&
        name.find(':') != std::string::npos) {
      want_tags.push_back(name);
    } else {
      want_skipped.push_back(name);
    }
  }
  std::sort(want_tags.begin(), want_tags.end());
  absl::StatusOr<TagScan> scan = s->ScanTags();
  ASSERT_TRUE(scan.ok()) << scan.status();
  std::vector<std::string> got_tags;
  for (const TagSummary& t : scan->tags) got_tags.push_back(t.name.String());
  std::sort(got_tags.begin(), got_tags.end());  // as strings, like want_tags
  EXPECT_EQ(got_tags, want_tags);
  EXPECT_EQ(scan->skipped, want_skipped);
  EXPECT_EQ(got_tags.size(), 10u);
}

TEST(ScanTagsTest, FullOfAHandMadeSummary) {
  TagSummary summary;
  summary.name = TagName{"team/app", "v1"};
  summary.raw = R"({"mediaType":"m","digest":"sha256:x","size":1})";
  EXPECT_EQ(Full(summary).status().code(), absl::StatusCode::kInvalidArgument);
  summary.raw = "{";
  EXPECT_EQ(Full(summary).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace stowage::store
