#include "lib/archive/tar_index.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fs/file.h"

namespace stowage::archive {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string NewDir() {
  std::string tmpl = ::testing::TempDir() + "/tar-index-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

// Deterministic bytes that compress a little.
std::string Bytes(size_t n, uint32_t seed = 2463534242u) {
  std::string s(n, '\0');
  uint32_t x = seed;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>('a' + x % 7);
  }
  return s;
}

// ------------------------------------------------------------ writing tars

struct Item {
  std::string name;
  std::string data;
  bool dir = false;
};

// A tar written by stowage's own TarWriter.
void WriteTar(const std::string& path, Compression c, const std::vector<Item>& items) {
  absl::StatusOr<Fd> fd = [&]() -> absl::StatusOr<Fd> {
    int f = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f < 0) return ErrnoStatus(path, errno);
    return Fd(f);
  }();
  ASSERT_TRUE(fd.ok()) << fd.status();
  FdSink sink(&*fd, path);
  absl::StatusOr<std::unique_ptr<TarWriter>> w = TarWriter::Open(&sink, c, path);
  ASSERT_TRUE(w.ok()) << w.status();
  for (const Item& i : items) {
    absl::Status s = i.dir ? (*w)->AddDirectory(i.name) : (*w)->AddFile(i.name, i.data);
    ASSERT_TRUE(s.ok()) << s;
  }
  ASSERT_TRUE((*w)->Close().ok());
}

struct WriteDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

enum class Format { kPaxRestricted, kPax, kUstar, kGnutar, kV7 };

// Anything libarchive can write, for archives TarWriter never makes: links,
// devices, bad names, other tar formats.
struct Raw {
  std::string name;
  mode_t type = AE_IFREG;
  std::string data{};
  std::string symlink{};
  std::string hardlink{};
  int64_t size = -1;  // the header's size, when not data.size()
};

void WriteRaw(const std::string& path, const std::vector<Raw>& entries,
              Format format = Format::kPaxRestricted,
              Compression c = Compression::kNone) {
  std::unique_ptr<struct archive, WriteDeleter> a(archive_write_new());
  switch (format) {
    case Format::kPaxRestricted:
      ASSERT_EQ(archive_write_set_format_pax_restricted(a.get()), ARCHIVE_OK);
      break;
    case Format::kPax:
      ASSERT_EQ(archive_write_set_format_pax(a.get()), ARCHIVE_OK);
      break;
    case Format::kUstar:
      ASSERT_EQ(archive_write_set_format_ustar(a.get()), ARCHIVE_OK);
      break;
    case Format::kGnutar:
      ASSERT_EQ(archive_write_set_format_gnutar(a.get()), ARCHIVE_OK);
      break;
    case Format::kV7:
      ASSERT_EQ(archive_write_set_format_v7tar(a.get()), ARCHIVE_OK);
      break;
  }
  switch (c) {
    case Compression::kGzip:
      ASSERT_EQ(archive_write_add_filter_gzip(a.get()), ARCHIVE_OK);
      break;
    case Compression::kZstd:
      ASSERT_EQ(archive_write_add_filter_zstd(a.get()), ARCHIVE_OK);
      break;
    case Compression::kXz:
      ASSERT_EQ(archive_write_add_filter_xz(a.get()), ARCHIVE_OK);
      break;
    case Compression::kBzip2:
      ASSERT_EQ(archive_write_add_filter_bzip2(a.get()), ARCHIVE_OK);
      break;
    case Compression::kNone:
      break;
  }
  ASSERT_EQ(archive_write_open_filename(a.get(), path.c_str()), ARCHIVE_OK)
      << archive_error_string(a.get());
  for (const Raw& r : entries) {
    std::unique_ptr<struct archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_copy_pathname(e.get(), r.name.c_str());
    archive_entry_set_filetype(e.get(), r.type);
    archive_entry_set_perm(e.get(), 0644);
    if (!r.symlink.empty()) archive_entry_copy_symlink(e.get(), r.symlink.c_str());
    if (!r.hardlink.empty()) archive_entry_copy_hardlink(e.get(), r.hardlink.c_str());
    if (r.type == AE_IFREG && r.hardlink.empty()) {
      archive_entry_set_size(e.get(), r.size >= 0 ? r.size : r.data.size());
    }
    ASSERT_GE(archive_write_header(a.get(), e.get()), ARCHIVE_WARN)
        << r.name << ": " << archive_error_string(a.get());
    if (!r.data.empty()) {
      ASSERT_EQ(archive_write_data(a.get(), r.data.data(), r.data.size()),
                static_cast<la_ssize_t>(r.data.size()));
    }
  }
  ASSERT_EQ(archive_write_close(a.get()), ARCHIVE_OK) << archive_error_string(a.get());
}

std::string Pread(const std::string& path, uint64_t offset, uint64_t size) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  std::string out(size, '\0');
  ssize_t n = pread(fd, out.data(), size, static_cast<off_t>(offset));
  close(fd);
  EXPECT_EQ(n, static_cast<ssize_t>(size));
  return out;
}

absl::StatusOr<std::string> ReadEntry(EntryReader& r, size_t piece = 4096) {
  std::string out;
  std::string buf(piece, '\0');
  while (true) {
    absl::StatusOr<size_t> n = r.Read(buf.data(), buf.size());
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

absl::StatusOr<std::string> OpenAndRead(const TarIndex& index, const IndexedEntry& e) {
  absl::StatusOr<std::unique_ptr<EntryReader>> r = index.OpenEntry(e);
  if (!r.ok()) return r.status();
  return ReadEntry(**r);
}

IndexOptions KeepJson() {
  IndexOptions o;
  o.keep = [](absl::string_view, uint64_t, absl::string_view head) {
    return absl::StartsWith(head, "{");
  };
  return o;
}

std::vector<std::string> Names(const TarIndex& index) {
  std::vector<std::string> out;
  for (const IndexedEntry& e : index.entries()) out.push_back(e.name);
  return out;
}

// Every file and folder under `root`, recursively.
std::set<std::string> Tree(const std::string& root) {
  std::set<std::string> out;
  absl::StatusOr<std::vector<DirEntry>> list = ListDirEntries(root);
  if (!list.ok()) return out;
  for (const DirEntry& d : *list) {
    std::string path = JoinPath(root, d.name);
    out.insert(path);
    if (d.is_dir) {
      std::set<std::string> sub = Tree(path);
      out.insert(sub.begin(), sub.end());
    }
  }
  return out;
}

// ------------------------------------------------------------------ offsets

// Names past ustar's 100 (and 155+100) bytes take pax or GNU long-name
// headers before the entry's own; sizes around the 512-byte block.
std::map<std::string, std::string> Contents(bool long_names) {
  std::string deep = long_names ? std::string(120, 'd') + "/" + std::string(90, 'e')
                                : std::string(40, 'd');
  std::map<std::string, std::string> c;
  c["empty"] = "";
  c["one"] = "x";
  c["block-1"] = Bytes(511, 1);
  c["block"] = Bytes(512, 2);
  c["block+1"] = Bytes(513, 3);
  c[deep + "/" + (long_names ? std::string(150, 'f') : "f")] = Bytes(100000, 4);
  c["index.json"] = "{\"schemaVersion\":2}";
  c["big"] = Bytes((1 << 20) + 3, 5);
  return c;
}

void CheckOffsets(const std::string& path,
                  const std::map<std::string, std::string>& contents) {
  absl::StatusOr<TarIndex> index = TarIndex::Build(path);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_TRUE(index->random_access());
  std::set<std::string> seen;
  for (const IndexedEntry& e : index->entries()) {
    SCOPED_TRACE(e.name);
    auto it = contents.find(e.name);
    ASSERT_NE(it, contents.end());
    seen.insert(e.name);
    EXPECT_EQ(e.size, it->second.size());
    EXPECT_TRUE(Pread(path, e.data_offset, e.size) == it->second);
    absl::StatusOr<std::string> got = OpenAndRead(*index, e);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(*got == it->second);
  }
  EXPECT_EQ(seen.size(), contents.size());
}

TEST(TarIndexOffsets, TarWriterArchives) {
  std::string dir = NewDir();
  std::map<std::string, std::string> contents = Contents(/*long_names=*/true);
  std::vector<Item> items;
  for (const auto& [name, data] : contents) items.push_back({name, data});
  std::string path = JoinPath(dir, "stowage.tar");
  WriteTar(path, Compression::kNone, items);
  CheckOffsets(path, contents);
}

TEST(TarIndexOffsets, LibarchiveFormats) {
  struct Case {
    Format format;
    bool long_names;
    const char* label;
  } cases[] = {
      {Format::kPaxRestricted, true, "pax restricted"},
      {Format::kPax, true, "pax"},
      {Format::kGnutar, true, "gnutar"},
      {Format::kUstar, false, "ustar"},
      {Format::kV7, false, "v7"},
  };
  std::string dir = NewDir();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    std::map<std::string, std::string> contents = Contents(c.long_names);
    std::vector<Raw> raws;
    for (const auto& [name, data] : contents) raws.push_back({name, AE_IFREG, data});
    // A hard link reads its target's bytes at its target's offset.
    raws.push_back({"hard", AE_IFREG, "", "", "block+1"});
    contents["hard"] = contents["block+1"];
    std::string path = JoinPath(dir, absl::StrCat(c.label, ".tar"));
    WriteRaw(path, raws, c.format);
    CheckOffsets(path, contents);
  }
}

// GNU tar's own formats, when the machine has GNU tar.
TEST(TarIndexOffsets, GnuTarFormats) {
  if (access("/usr/bin/tar", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/tar";
  std::string dir = NewDir();
  struct Case {
    const char* format;
    bool long_names;
  } cases[] = {{"gnu", true}, {"oldgnu", true}, {"pax", true},
               {"posix", true}, {"ustar", false}, {"v7", false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.format);
    std::string src = JoinPath(dir, absl::StrCat("src-", c.format));
    std::map<std::string, std::string> contents = Contents(c.long_names);
    for (const auto& [name, data] : contents) {
      std::string path = JoinPath(src, name);
      ASSERT_TRUE(MakeDirs(Dirname(path)).ok());
      ASSERT_TRUE(WriteFileAtomic(path, data).ok());
    }
    ASSERT_TRUE(HardLink(JoinPath(src, "block"), JoinPath(src, "hard")).ok());
    contents["hard"] = contents["block"];
    std::string out = JoinPath(dir, absl::StrCat(c.format, ".tar"));
    std::string cmd = absl::StrCat("/usr/bin/tar --format=", c.format, " -cf '", out,
                                   "' -C '", src, "' .");
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
    CheckOffsets(out, contents);
  }
}

// A pax size past the 8 GiB an octal size field holds. The data is a hole
// in a sparse file, so the test writes a few kilobytes.
TEST(TarIndexOffsets, SizeOver8GiB) {
  constexpr uint64_t kSize = (uint64_t{9} << 30) + 5;
  std::string dir = NewDir();
  // libarchive writes the headers first: keep them, then refuse the rest
  // (archive_write_fail would leak a little of libarchive 3.6's memory).
  struct Capture {
    std::string bytes;
    bool stop = false;
  } capture;
  {
    std::unique_ptr<struct archive, WriteDeleter> a(archive_write_new());
    ASSERT_EQ(archive_write_set_format_pax_restricted(a.get()), ARCHIVE_OK);
    archive_write_set_bytes_per_block(a.get(), 0);
    auto write = [](struct archive*, void* self, const void* buf,
                    size_t n) -> la_ssize_t {
      Capture* c = static_cast<Capture*>(self);
      if (c->stop) return -1;
      c->bytes.append(static_cast<const char*>(buf), n);
      return static_cast<la_ssize_t>(n);
    };
    ASSERT_EQ(archive_write_open(a.get(), &capture, nullptr, write, nullptr),
              ARCHIVE_OK);
    std::unique_ptr<struct archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_copy_pathname(e.get(), "huge");
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(kSize));
    ASSERT_EQ(archive_write_header(a.get(), e.get()), ARCHIVE_OK);
    capture.stop = true;
    EXPECT_NE(archive_write_close(a.get()), ARCHIVE_OK);
  }
  const std::string& headers = capture.bytes;
  ASSERT_GT(headers.size(), 512u);  // a pax header, then the ustar one
  ASSERT_EQ(headers.size() % 512, 0u);
  std::string path = JoinPath(dir, "huge.tar");
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  Fd owner(fd);
  ASSERT_EQ(pwrite(fd, headers.data(), headers.size(), 0),
            static_cast<ssize_t>(headers.size()));
  uint64_t end = headers.size() + kSize;
  ASSERT_EQ(pwrite(fd, "TAIL", 4, static_cast<off_t>(end - 4)), 4);
  uint64_t padded = (end + 511) / 512 * 512;
  ASSERT_EQ(ftruncate(fd, static_cast<off_t>(padded + 1024)), 0);  // end blocks
  struct stat st;
  ASSERT_EQ(fstat(fd, &st), 0);
  if (static_cast<uint64_t>(st.st_blocks) * 512 > (uint64_t{16} << 20)) {
    owner = Fd();
    ASSERT_TRUE(RemoveFile(path).ok());
    GTEST_SKIP() << "this filesystem does not keep holes";
  }

  std::vector<std::string> heads;
  IndexOptions options;
  options.keep = [&](absl::string_view, uint64_t, absl::string_view head) {
    heads.emplace_back(head);
    return false;
  };
  absl::StatusOr<TarIndex> index = TarIndex::Build(path, options);
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->entries().size(), 1u);
  const IndexedEntry& e = index->entries()[0];
  EXPECT_EQ(e.size, kSize);
  EXPECT_EQ(e.data_offset, headers.size());
  EXPECT_THAT(heads, ElementsAre(std::string(64, '\0')));
  absl::StatusOr<std::unique_ptr<EntryReader>> r = index->OpenEntry(e);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*(*r)->Skip(kSize - 4), kSize - 4);
  absl::StatusOr<std::string> tail = ReadEntry(**r);
  ASSERT_TRUE(tail.ok()) << tail.status();
  EXPECT_EQ(*tail, "TAIL");
  // A pass over it seeks past the data it is not asked to read.
  int calls = 0;
  EXPECT_TRUE(index->Stream({"huge"}, [&](const IndexedEntry& got, EntryReader&) {
    ++calls;
    EXPECT_EQ(got.size, kSize);
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(calls, 1);
  owner = Fd();
  EXPECT_TRUE(RemoveFile(path).ok());
}

// ----------------------------------------------------------------- happy path

const std::vector<Item> kLayout = {
    {"oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"},
    {"index.json", "{\"manifests\":[]}"},
    {"blobs", "", true},
    {"blobs/sha256", "", true},
    {"blobs/sha256/aaaa", Bytes(3 << 20, 7)},
    {"blobs/sha256/bbbb", "{\"config\":{}}"},
    {"blobs/sha256/cccc", Bytes(70000, 8)},
    {"blobs/sha256/dddd", ""},
};

TEST(TarIndexTest, EveryCompressionIndexesAndStreams) {
  std::string dir = NewDir();
  // The same tar under every compression: the same offsets, counted in the
  // decompressed stream.
  std::map<std::string, uint64_t> plain_offsets;
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd,
                        Compression::kXz, Compression::kBzip2}) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    std::string path = JoinPath(dir, absl::StrCat("layout.", CompressionName(c)));
    if (c == Compression::kXz || c == Compression::kBzip2) {
      std::vector<Raw> raws;
      for (const Item& i : kLayout) {
        raws.push_back({i.name, i.dir ? mode_t{AE_IFDIR} : mode_t{AE_IFREG}, i.data});
      }
      WriteRaw(path, raws, Format::kPaxRestricted, c);
    } else {
      WriteTar(path, c, kLayout);
    }
    absl::StatusOr<TarIndex> index = TarIndex::Build(path, KeepJson());
    ASSERT_TRUE(index.ok()) << index.status();
    EXPECT_EQ(index->compression(), c);
    EXPECT_EQ(index->random_access(), c == Compression::kNone);
    EXPECT_EQ(index->path(), path);
    EXPECT_THAT(Names(*index),
                ElementsAre("oci-layout", "index.json", "blobs/sha256/aaaa",
                            "blobs/sha256/bbbb", "blobs/sha256/cccc",
                            "blobs/sha256/dddd"));
    uint64_t kept = 0;
    for (const IndexedEntry& e : index->entries()) {
      if (c == Compression::kNone) {
        plain_offsets[e.name] = e.data_offset;
      } else {
        EXPECT_EQ(e.data_offset, plain_offsets[e.name]) << e.name;
      }
      bool json = absl::StartsWith(e.name, "oci") || e.name == "index.json" ||
                  e.name == "blobs/sha256/bbbb";
      EXPECT_EQ(e.kept, json) << e.name;
      EXPECT_FALSE(e.is_alias());
      if (json) {
        EXPECT_EQ(e.data.size(), e.size);
        kept += e.size;
      } else {
        EXPECT_EQ(e.data, "");
      }
    }
    EXPECT_EQ(index->kept_bytes(), kept);
    const IndexedEntry* bbbb = index->Find("blobs/sha256/bbbb");
    ASSERT_NE(bbbb, nullptr);
    EXPECT_EQ(bbbb->data, "{\"config\":{}}");
    EXPECT_EQ(index->Find("blobs/sha256"), nullptr);  // folders are not listed
    EXPECT_EQ(index->Find("nothing"), nullptr);

    // Stream: only the names asked for, in archive order, whatever the
    // order they are asked in.
    std::vector<std::string> visited;
    absl::Status s = index->Stream(
        {"blobs/sha256/dddd", "blobs/sha256/aaaa", "index.json"},
        [&](const IndexedEntry& e, EntryReader& r) {
          visited.push_back(e.name);
          absl::StatusOr<std::string> data = ReadEntry(r, 1000);
          if (!data.ok()) return data.status();
          for (const Item& i : kLayout) {
            if (i.name == e.name) {
              EXPECT_TRUE(*data == i.data) << e.name;
            }
          }
          return absl::OkStatus();
        });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_THAT(visited,
                ElementsAre("index.json", "blobs/sha256/aaaa", "blobs/sha256/dddd"));
    // What a callback leaves unread is skipped.
    visited.clear();
    s = index->Stream({"blobs/sha256/aaaa", "blobs/sha256/cccc"},
                      [&](const IndexedEntry& e, EntryReader& r) {
                        char buf[10];
                        EXPECT_TRUE(r.Read(buf, sizeof buf).ok());
                        visited.push_back(e.name);
                        return absl::OkStatus();
                      });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_THAT(visited, ElementsAre("blobs/sha256/aaaa", "blobs/sha256/cccc"));
  }
}

TEST(TarIndexTest, KeepSeesNameSizeAndHead) {
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "a.tar");
  WriteTar(path, Compression::kGzip,
           {{"empty", ""}, {"short", "0123456789"}, {"long", Bytes(1000, 9)}});
  struct Seen {
    std::string name;
    uint64_t size;
    std::string head;
  };
  std::vector<Seen> seen;
  IndexOptions options;
  options.keep = [&](absl::string_view name, uint64_t size, absl::string_view head) {
    seen.push_back({std::string(name), size, std::string(head)});
    return name == "long";
  };
  absl::StatusOr<TarIndex> index = TarIndex::Build(path, options);
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].size, 0u);
  EXPECT_EQ(seen[0].head, "");
  EXPECT_EQ(seen[1].size, 10u);
  EXPECT_EQ(seen[1].head, "0123456789");
  EXPECT_EQ(seen[2].size, 1000u);
  EXPECT_EQ(seen[2].head, Bytes(1000, 9).substr(0, 64));
  // The head read to decide is part of the kept bytes.
  EXPECT_TRUE(index->Find("long")->data == Bytes(1000, 9));
  EXPECT_EQ(index->kept_bytes(), 1000u);

  // No predicate: nothing is kept.
  absl::StatusOr<TarIndex> bare = TarIndex::Build(path);
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->kept_bytes(), 0u);
  for (const IndexedEntry& e : bare->entries()) EXPECT_FALSE(e.kept);
}

TEST(TarIndexTest, OpenEntryInAnyOrderAndFromTwoThreads) {
  std::string dir = NewDir();
  std::vector<Item> items;
  for (int i = 0; i < 24; ++i) {
    items.push_back({absl::StrCat("blobs/sha256/", i), Bytes(1000 + 37 * i * i, i + 1)});
  }
  std::string path = JoinPath(dir, "many.tar");
  WriteTar(path, Compression::kNone, items);
  absl::StatusOr<TarIndex> index = TarIndex::Build(path);
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->entries().size(), items.size());
  // Backwards, reading in small pieces.
  for (size_t k = items.size(); k-- > 0;) {
    const IndexedEntry* e = index->Find(items[k].name);
    ASSERT_NE(e, nullptr);
    absl::StatusOr<std::unique_ptr<EntryReader>> r = index->OpenEntry(*e);
    ASSERT_TRUE(r.ok()) << r.status();
    absl::StatusOr<std::string> got = ReadEntry(**r, 13);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(*got == items[k].data) << items[k].name;
  }
  // Two threads, each over every entry many times, readers interleaved.
  std::atomic<int> bad{0};
  auto work = [&](int seed) {
    for (int round = 0; round < 20; ++round) {
      for (size_t j = 0; j < items.size(); ++j) {
        size_t k = (j * 7 + round + seed) % items.size();
        absl::StatusOr<std::string> got = OpenAndRead(*index, *index->Find(items[k].name));
        if (!got.ok() || *got != items[k].data) ++bad;
      }
    }
  };
  std::thread t1(work, 0), t2(work, 5);
  t1.join();
  t2.join();
  EXPECT_EQ(bad.load(), 0);
  // A reader skips within its entry only.
  absl::StatusOr<std::unique_ptr<EntryReader>> r = index->OpenEntry(*index->Find(items[3].name));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*(*r)->Skip(10), 10u);
  EXPECT_EQ(*(*r)->Skip(uint64_t{1} << 40), items[3].data.size() - 10);
  char b;
  EXPECT_EQ(*(*r)->Read(&b, 1), 0u);
  // A reader outlives its index.
  absl::StatusOr<std::unique_ptr<EntryReader>> kept = index->OpenEntry(*index->Find(items[5].name));
  ASSERT_TRUE(kept.ok());
  index = absl::UnknownError("gone");
  absl::StatusOr<std::string> got = ReadEntry(**kept);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(*got == items[5].data);
}

TEST(TarIndexTest, OpenEntryRefusals) {
  std::string dir = NewDir();
  std::string gz = JoinPath(dir, "a.tar.gz");
  WriteTar(gz, Compression::kGzip, {{"x", "data"}});
  absl::StatusOr<TarIndex> index = TarIndex::Build(gz);
  ASSERT_TRUE(index.ok()) << index.status();
  absl::Status s = index->OpenEntry(index->entries()[0]).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(gz + ": a gzip-compressed archive"));

  std::string plain = JoinPath(dir, "a.tar");
  WriteTar(plain, Compression::kNone, {{"x", "data"}});
  index = TarIndex::Build(plain);
  ASSERT_TRUE(index.ok()) << index.status();
  IndexedEntry stranger;
  stranger.name = "y";
  stranger.size = 1 << 20;
  s = index->OpenEntry(stranger).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(plain + ": no entry \"y\""));
  // An entry's own offset and size come from the index, not the caller.
  IndexedEntry forged = index->entries()[0];
  forged.size = 1 << 20;
  forged.data_offset = 0;
  absl::StatusOr<std::string> got = OpenAndRead(*index, forged);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "data");
}

TEST(TarIndexTest, StreamRefusalsAndErrors) {
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "a.tar.zst");
  WriteTar(path, Compression::kZstd, {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  absl::StatusOr<TarIndex> index = TarIndex::Build(path);
  ASSERT_TRUE(index.ok()) << index.status();
  int calls = 0;
  auto count = [&](const IndexedEntry&, EntryReader&) {
    ++calls;
    return absl::OkStatus();
  };
  absl::Status s = index->Stream({"a", "nope", "zz"}, count);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(path + ": no entry \"nope\", \"zz\""));
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(index->Stream({}, count).ok());
  EXPECT_EQ(calls, 0);
  // fn's first error stops the pass and comes back as it was.
  s = index->Stream({"a", "b", "c"}, [&](const IndexedEntry& e, EntryReader&) {
    ++calls;
    return e.name == "b" ? absl::ResourceExhaustedError("disk full") : absl::OkStatus();
  });
  EXPECT_EQ(s, absl::ResourceExhaustedError("disk full"));
  EXPECT_EQ(calls, 2);
}

// A file written in place after Build is noticed; one renamed over the path
// is not read at all (the index keeps the file it read).
TEST(TarIndexTest, ChangedArchiveIsDataLoss) {
  std::string dir = NewDir();
  for (Compression c : {Compression::kNone, Compression::kGzip}) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    std::string path = JoinPath(dir, absl::StrCat("a.", CompressionName(c)));
    WriteTar(path, c, {{"a", "first"}, {"b", "second"}});
    absl::StatusOr<TarIndex> index = TarIndex::Build(path);
    ASSERT_TRUE(index.ok()) << index.status();

    std::string replacement = JoinPath(dir, "replacement");
    WriteTar(replacement, c, {{"other", "bytes"}});
    ASSERT_TRUE(Rename(replacement, path).ok());
    absl::Status s = index->Stream({"b"}, [](const IndexedEntry& /*e*/, EntryReader& r) {
      absl::StatusOr<std::string> data = ReadEntry(r);
      EXPECT_TRUE(data.ok() && *data == "second");
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;

    index = TarIndex::Build(path);
    ASSERT_TRUE(index.ok()) << index.status();
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, "X", 1, 600), 1);
    struct timespec times[2] = {{0, UTIME_OMIT}, {12345, 0}};
    ASSERT_EQ(futimens(fd, times), 0);
    close(fd);
    s = index->Stream({"other"}, [](const IndexedEntry&, EntryReader&) {
      return absl::OkStatus();
    });
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(path + ": changed since it was indexed"));
    if (c == Compression::kNone) {
      s = index->OpenEntry(index->entries()[0]).status();
      EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
      EXPECT_THAT(std::string(s.message()),
                  HasSubstr(path + ": changed since it was indexed"));
    }
  }
}

// Same size, same mtime, other entries: the pass sees the difference.
TEST(TarIndexTest, EntriesThatDifferFromTheIndexAreDataLoss) {
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "a.tar");
  WriteTar(path, Compression::kNone, {{"a", "first"}, {"b", "second"}});
  std::string other = JoinPath(dir, "other.tar");
  WriteTar(other, Compression::kNone, {{"a", "first"}, {"c", "second"}});
  std::string bytes = *ReadFile(other);
  ASSERT_EQ(bytes.size(), Stat(path)->size);
  absl::StatusOr<TarIndex> index = TarIndex::Build(path);
  ASSERT_TRUE(index.ok()) << index.status();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  struct timespec times[2] = {{0, UTIME_OMIT}, st.st_mtim};
  ASSERT_EQ(futimens(fd, times), 0);
  close(fd);
  std::vector<std::string> visited;
  absl::Status s = index->Stream({"a", "b"}, [&](const IndexedEntry& e, EntryReader&) {
    visited.push_back(e.name);
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(std::string(s.message()),
              HasSubstr(path + ": changed since it was indexed (entry 2 is \"c\", "
                               "the index has \"b\")"));
  EXPECT_THAT(visited, ElementsAre("a"));
}

// ----------------------------------------------------------------- aliases

TEST(TarIndexTest, LinksBecomeAliases) {
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "docker.tar");
  std::string layer = Bytes(5000, 11);
  WriteRaw(path, {
                     {"aaa", AE_IFDIR},
                     {"aaa/layer.tar", AE_IFREG, layer},
                     {"bbb", AE_IFDIR},
                     // docker save's link to a layer it has already written
                     {"bbb/layer.tar", AE_IFLNK, "", "../aaa/layer.tar"},
                     // a link before its target, and a chain through a link
                     {"ccc/layer.tar", AE_IFLNK, "", "../ddd/layer.tar"},
                     {"ddd/layer.tar", AE_IFLNK, "", "../bbb/layer.tar"},
                     {"hard", AE_IFREG, "", "", "aaa/layer.tar"},
                     {"harder", AE_IFREG, "", "", "hard"},
                     {"manifest.json", AE_IFREG, "[{}]"},
                 });
  IndexOptions options = KeepJson();
  options.keep = [](absl::string_view name, uint64_t, absl::string_view) {
    return absl::EndsWith(name, ".json");
  };
  options.resolve_symlinks = true;
  absl::StatusOr<TarIndex> index = TarIndex::Build(path, options);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_THAT(Names(*index), ElementsAre("aaa/layer.tar", "bbb/layer.tar", "ccc/layer.tar",
                                         "ddd/layer.tar", "hard", "harder",
                                         "manifest.json"));
  const IndexedEntry& target = index->entries()[0];
  for (size_t i = 1; i <= 5; ++i) {
    const IndexedEntry& e = index->entries()[i];
    SCOPED_TRACE(e.name);
    EXPECT_TRUE(e.is_alias());
    EXPECT_EQ(e.alias_of, "aaa/layer.tar");
    EXPECT_EQ(e.size, layer.size());
    EXPECT_EQ(e.data_offset, target.data_offset);
    EXPECT_FALSE(e.kept);
    EXPECT_EQ(index->Find(e.name), &target);
    absl::StatusOr<std::string> got = OpenAndRead(*index, e);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(*got == layer);
  }
  // An alias and its target are visited once, as the target.
  std::vector<std::string> visited;
  absl::Status s = index->Stream(
      {"ccc/layer.tar", "hard", "aaa/layer.tar", "manifest.json"},
      [&](const IndexedEntry& e, EntryReader& r) {
        visited.push_back(e.name);
        absl::StatusOr<std::string> data = ReadEntry(r);
        EXPECT_TRUE(data.ok());
        if (e.name == "aaa/layer.tar") {
          EXPECT_TRUE(*data == layer);
        }
        return absl::OkStatus();
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(visited, ElementsAre("aaa/layer.tar", "manifest.json"));
}

// ----------------------------------------------------------------- hostile

TEST(TarIndexTest, RefusesWhatExtractArchiveRefuses) {
  struct Case {
    const char* label;
    std::vector<Raw> entries;
    bool resolve_symlinks;
    std::string want;  // after "<path>: "
  } cases[] = {
      {"traversal", {{"../evil", AE_IFREG, "x"}}, false,
       "entry \"../evil\" climbs out of the archive with '..'"},
      {"traversal inside", {{"a/../../evil", AE_IFREG, "x"}}, false,
       "entry \"a/../../evil\" climbs out"},
      {"absolute", {{"/etc/passwd", AE_IFREG, "x"}}, false,
       "entry \"/etc/passwd\" has an absolute name"},
      {"long name", {{std::string(5000, 'n'), AE_IFREG, "x"}}, false,
       "entry \"" + std::string(5000, 'n') +
           "\" has a name of 5000 bytes, longer than the 4096"},
      {"symlink without the option", {{"a", AE_IFREG, "x"}, {"l", AE_IFLNK, "", "a"}},
       false, "entry \"l\" is a symbolic link (to \"a\")"},
      {"symlink escape", {{"d/l", AE_IFLNK, "", "../../etc/passwd"}}, true,
       "entry \"d/l\" is a symbolic link to \"../../etc/passwd\", which points "
       "outside the archive"},
      {"symlink absolute", {{"l", AE_IFLNK, "", "/etc/passwd"}}, true,
       "entry \"l\" is a symbolic link to \"/etc/passwd\", an absolute name"},
      {"symlink to a folder", {{"d", AE_IFDIR}, {"d/f", AE_IFREG, "x"},
                               {"l", AE_IFLNK, "", "d"}}, true,
       "entry \"l\" is a symbolic link to \"d\", a folder"},
      {"symlink to an implied folder", {{"d/f", AE_IFREG, "x"}, {"l", AE_IFLNK, "", "./d"}},
       true, "entry \"l\" is a symbolic link to \"d\", a folder"},
      {"symlink to the top", {{"d/l", AE_IFLNK, "", ".."}}, true,
       "entry \"d/l\" is a symbolic link to \"..\", the archive's top folder"},
      {"symlink to nothing", {{"l", AE_IFLNK, "", "missing"}}, true,
       "entry \"l\" is a symbolic link to \"missing\", which is not a file"},
      {"symlink loop", {{"a", AE_IFLNK, "", "b"}, {"b", AE_IFLNK, "", "a"}}, true,
       "entry \"a\" is a symbolic link to \"b\" that loops"},
      {"hard link to a later name", {{"h", AE_IFREG, "", "", "f"}, {"f", AE_IFREG, "x"}},
       false, "entry \"h\" is a hard link to \"f\", which is not an earlier file"},
      {"hard link to nothing", {{"h", AE_IFREG, "", "", "missing"}}, false,
       "entry \"h\" is a hard link to \"missing\", which is not an earlier file"},
      {"hard link out", {{"h", AE_IFREG, "", "", "../x"}}, false,
       "entry \"h\" is a hard link to \"../x\", which is not an earlier file"},
      {"hard link to a symlink", {{"f", AE_IFREG, "x"}, {"l", AE_IFLNK, "", "f"},
                                  {"h", AE_IFREG, "", "", "l"}}, true,
       "entry \"h\" is a hard link to \"l\""},
      {"hard link to a folder", {{"d", AE_IFDIR}, {"h", AE_IFREG, "", "", "d"}}, false,
       "entry \"h\" is a hard link to \"d\""},
      {"duplicate", {{"f", AE_IFREG, "x"}, {"./f", AE_IFREG, "y"}}, false,
       "entry \"f\" appears twice"},
      {"file over a folder", {{"d", AE_IFDIR}, {"d", AE_IFREG, "y"}}, false,
       "entry \"d\" appears twice"},
      {"folder over a file", {{"d", AE_IFREG, "y"}, {"d/", AE_IFDIR}}, false,
       "entry \"d\" appears twice"},
      {"under a file", {{"f", AE_IFREG, "x"}, {"f/g", AE_IFREG, "y"}}, false,
       "entry \"f/g\" lies under the file \"f\""},
      {"under a later file", {{"f/g/h", AE_IFREG, "y"}, {"f-", AE_IFREG, "z"},
                              {"f", AE_IFREG, "x"}}, false,
       "entry \"f/g/h\" lies under the file \"f\""},
      {"character device", {{"dev", AE_IFCHR}}, false,
       "entry \"dev\" is a device, FIFO or socket"},
      {"block device", {{"dev", AE_IFBLK}}, false, "entry \"dev\" is a device"},
      {"fifo", {{"fifo", AE_IFIFO}}, false, "entry \"fifo\" is a device, FIFO"},
      {"top as a file", {{".", AE_IFREG, "x"}}, false,
       "entry \".\" names the archive's top folder"},
  };
  std::string dir = NewDir();
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    std::string path = JoinPath(dir, absl::StrCat(n++, ".tar"));
    WriteRaw(path, c.entries);
    IndexOptions options;
    options.resolve_symlinks = c.resolve_symlinks;
    absl::StatusOr<TarIndex> index = TarIndex::Build(path, options);
    EXPECT_EQ(index.status().code(), absl::StatusCode::kDataLoss) << index.status();
    EXPECT_THAT(std::string(index.status().message()), HasSubstr(path + ": " + c.want));
  }
}

TEST(TarIndexTest, FoldersMayRepeatAndTheTopIsSkipped) {
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "a.tar");
  WriteRaw(path, {{"./", AE_IFDIR}, {"d", AE_IFDIR}, {"d/", AE_IFDIR}, {"d/f", AE_IFREG, "x"},
                  {"d-e", AE_IFREG, "y"}});
  absl::StatusOr<TarIndex> index = TarIndex::Build(path);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_THAT(Names(*index), ElementsAre("d/f", "d-e"));
}

TEST(TarIndexTest, SparseEntriesAreRefused) {
  if (access("/usr/bin/tar", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/tar";
  std::string dir = NewDir();
  std::string src = JoinPath(dir, "src");
  ASSERT_TRUE(MakeDirs(src).ok());
  std::string holes = JoinPath(src, "holes");
  int fd = open(holes.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, "data", 4, 1 << 20), 4);
  ASSERT_EQ(ftruncate(fd, 2 << 20), 0);
  close(fd);
  for (const char* format : {"gnu", "pax"}) {
    SCOPED_TRACE(format);
    std::string out = JoinPath(dir, absl::StrCat(format, ".tar"));
    std::string cmd = absl::StrCat("/usr/bin/tar --sparse --format=", format, " -cf '",
                                   out, "' -C '", src, "' holes");
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
    absl::StatusOr<TarIndex> index = TarIndex::Build(out);
    EXPECT_EQ(index.status().code(), absl::StatusCode::kDataLoss) << index.status();
    EXPECT_THAT(std::string(index.status().message()),
                HasSubstr(out + ": entry \"holes\" is a sparse file"));
  }
}

TEST(TarIndexTest, TruncatedAndCorruptArchives) {
  std::string dir = NewDir();
  std::vector<Item> items;
  for (int i = 0; i < 40; ++i) items.push_back({absl::StrCat("f", i), Bytes(3000, i + 1)});
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    std::string path = JoinPath(dir, absl::StrCat("whole.", CompressionName(c)));
    WriteTar(path, c, items);
    std::string bytes = *ReadFile(path);
    for (size_t keep : {bytes.size() / 2, bytes.size() / 3 + 1}) {
      std::string cut = JoinPath(dir, absl::StrCat("cut.", CompressionName(c)));
      ASSERT_TRUE(WriteFileAtomic(cut, bytes.substr(0, keep)).ok());
      absl::StatusOr<TarIndex> index = TarIndex::Build(cut);
      EXPECT_EQ(index.status().code(), absl::StatusCode::kDataLoss) << index.status();
      EXPECT_THAT(std::string(index.status().message()),
                  HasSubstr(cut + ": "));
      EXPECT_THAT(std::string(index.status().message()), HasSubstr("truncated"));
    }
  }
  // Garbage in the middle of a gzip stream.
  std::string path = JoinPath(dir, "whole.gzip");
  std::string bytes = *ReadFile(path);
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i) bytes[i] = '\xff';
  std::string bad = JoinPath(dir, "bad.tar.gz");
  ASSERT_TRUE(WriteFileAtomic(bad, bytes).ok());
  absl::StatusOr<TarIndex> index = TarIndex::Build(bad);
  EXPECT_EQ(index.status().code(), absl::StatusCode::kDataLoss) << index.status();
  EXPECT_THAT(std::string(index.status().message()), HasSubstr(bad + ": "));
}

TEST(TarIndexTest, NotAnArchive) {
  std::string dir = NewDir();
  std::string missing = JoinPath(dir, "missing.tar");
  EXPECT_EQ(TarIndex::Build(missing).status().code(), absl::StatusCode::kNotFound);
  absl::Status s = TarIndex::Build(dir).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(dir + ": not a regular file"));
  std::string fifo = JoinPath(dir, "fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  s = TarIndex::Build(fifo).status();  // refused, not waiting for a writer
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  std::string text = JoinPath(dir, "text");
  ASSERT_TRUE(WriteFileAtomic(text, std::string(2000, 'x')).ok());
  s = TarIndex::Build(text).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(std::string(s.message()),
              HasSubstr(text + ": not a tar archive stowage can read"));
  std::string empty = JoinPath(dir, "empty");
  ASSERT_TRUE(WriteFileAtomic(empty, "").ok());
  s = TarIndex::Build(empty).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  // An archive with no entries is an empty index.
  std::string none = JoinPath(dir, "none.tar");
  WriteTar(none, Compression::kNone, {});
  absl::StatusOr<TarIndex> index = TarIndex::Build(none);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_TRUE(index->entries().empty());
}

TEST(TarIndexTest, Caps) {
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "a.tar.gz");
  WriteTar(path, Compression::kGzip,
           {{"a.json", "{" + std::string(999, 'a')}, {"b.json", "{" + std::string(999, 'b')},
            {"c.json", "{" + std::string(1999, 'c')}});
  struct Case {
    uint64_t max_entry, max_total, max_index;
    absl::StatusCode code;
    std::string want;
  } cases[] = {
      {4096, 4096, 1 << 20, absl::StatusCode::kOk, ""},
      {1999, 4096, 1 << 20, absl::StatusCode::kResourceExhausted,
       ": entry \"c.json\" is 2000 bytes, over the cap of 1999 bytes for an "
       "entry kept in memory (max_kept_entry)"},
      {4096, 3999, 1 << 20, absl::StatusCode::kResourceExhausted,
       ": entry \"c.json\" (2000 bytes) would take the entries kept in memory to "
       "4000 bytes, over the cap of 3999 bytes (max_kept_total)"},
      {4096, 1500, 1 << 20, absl::StatusCode::kResourceExhausted,
       ": entry \"b.json\" (1000 bytes) would take the entries kept in memory to "
       "2000 bytes, over the cap of 1500 bytes (max_kept_total)"},
      {4096, 4096, 2 * 268 + 1, absl::StatusCode::kResourceExhausted,
       ": entry \"c.json\": the archive has more entries than 537 bytes of index "
       "may record (max_index_bytes)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want);
    IndexOptions options = KeepJson();
    options.max_kept_entry = c.max_entry;
    options.max_kept_total = c.max_total;
    options.max_index_bytes = c.max_index;
    absl::StatusOr<TarIndex> index = TarIndex::Build(path, options);
    EXPECT_EQ(index.status().code(), c.code) << index.status();
    if (c.code == absl::StatusCode::kOk) {
      ASSERT_TRUE(index.ok());
      EXPECT_EQ(index->kept_bytes(), 4000u);
    } else {
      EXPECT_THAT(std::string(index.status().message()), HasSubstr(path + c.want));
    }
  }
}

class RecordingProgress : public Progress {
 public:
  void Start(uint64_t blobs, uint64_t bytes) override {
    starts++;
    start_blobs = blobs;
    total = bytes;
  }
  void AddBytes(uint64_t bytes) override { done += bytes; }
  void BlobDone() override { blobs_done++; }
  int starts = 0;
  uint64_t start_blobs = 99, total = 0, done = 0;
  int blobs_done = 0;
};

TEST(TarIndexTest, ProgressCountsTheFilesBytes) {
  std::string dir = NewDir();
  for (Compression c : {Compression::kNone, Compression::kZstd}) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    std::string path = JoinPath(dir, absl::StrCat("a.", CompressionName(c)));
    WriteTar(path, c, kLayout);
    RecordingProgress progress;
    IndexOptions options;
    options.progress = &progress;
    ASSERT_TRUE(TarIndex::Build(path, options).ok());
    uint64_t size = Stat(path)->size;
    EXPECT_EQ(progress.starts, 1);
    EXPECT_EQ(progress.start_blobs, 0u);
    EXPECT_EQ(progress.total, size);
    EXPECT_EQ(progress.done, size);
    EXPECT_EQ(progress.blobs_done, 0);
  }
}

// A compression bomb: a few kilobytes of zstd holding 1 GiB of zeros no one
// asked to keep. Indexing it reads past the zeros, keeps nothing of them
// and writes nothing.
TEST(TarIndexTest, CompressionBombIsPassedOver) {
  constexpr uint64_t kZeros = uint64_t{1} << 30;
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "bomb.tar.zst");
  {
    int f = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(f, 0);
    Fd out(f);
    FdSink sink(&out, path);
    absl::StatusOr<std::unique_ptr<TarWriter>> w =
        TarWriter::Open(&sink, Compression::kZstd, path);
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE((*w)->AddFile("index.json", "{\"manifests\":[]}").ok());
    // The zeros come through a pipe: nothing of them is ever on disk.
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    Fd read_end(fds[0]);
    std::thread feeder([wfd = fds[1], kZeros] {
      std::string zeros(1 << 20, '\0');
      for (uint64_t left = kZeros; left > 0;) {
        ssize_t n = write(wfd, zeros.data(), std::min<uint64_t>(left, zeros.size()));
        if (n <= 0) break;
        left -= static_cast<uint64_t>(n);
      }
      close(wfd);
    });
    absl::Status s = (*w)->AddFileFrom("blobs/sha256/zeros", read_end, "zeros", kZeros);
    feeder.join();
    ASSERT_TRUE(s.ok()) << s;
    ASSERT_TRUE((*w)->AddFile("after.json", "{\"after\":true}").ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  uint64_t size = Stat(path)->size;
  EXPECT_LT(size, uint64_t{1} << 20);

  std::set<std::string> before = Tree(::testing::TempDir());
  absl::StatusOr<TarIndex> index = TarIndex::Build(path, KeepJson());
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(Tree(::testing::TempDir()), before);
  EXPECT_THAT(Names(*index), ElementsAre("index.json", "blobs/sha256/zeros", "after.json"));
  const IndexedEntry* zeros = index->Find("blobs/sha256/zeros");
  ASSERT_NE(zeros, nullptr);
  EXPECT_EQ(zeros->size, kZeros);
  EXPECT_FALSE(zeros->kept);
  EXPECT_EQ(index->kept_bytes(), index->Find("index.json")->size +
                                     index->Find("after.json")->size);
  EXPECT_EQ(index->Find("after.json")->data, "{\"after\":true}");

  // A pass for what lies after the zeros reads past them without keeping.
  int calls = 0;
  absl::Status s = index->Stream({"after.json"}, [&](const IndexedEntry& /*e*/, EntryReader& r) {
    ++calls;
    absl::StatusOr<std::string> data = ReadEntry(r);
    EXPECT_TRUE(data.ok() && *data == "{\"after\":true}");
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(Tree(::testing::TempDir()), before);
  // Never near the zeros' size in memory, in this whole test process.
  struct rusage usage;
  ASSERT_EQ(getrusage(RUSAGE_SELF, &usage), 0);
  EXPECT_LT(usage.ru_maxrss, 512 * 1024) << "KiB";
}

}  // namespace
}  // namespace stowage::archive
