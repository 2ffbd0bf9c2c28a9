#include "lib/copy/copy.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/oci/descriptor.h"
#include "lib/oci/media_types.h"
#include "lib/oci/layout.h"
#include "lib/oci/oci_testing.h"
#include "lib/transport/layout_io.h"

namespace stowage::copy {
namespace {

using ::stowage::oci::Descriptor;
using ::stowage::oci::Layout;
using ::stowage::oci::VerifyBlobFile;

using ::stowage::oci::oci_testing::AddBlob;
using ::stowage::oci::oci_testing::Bytes;
using ::stowage::oci::oci_testing::DescriptorOf;
using ::stowage::oci::oci_testing::FakeProgress;
using ::stowage::oci::oci_testing::NewLayout;
using ::stowage::oci::oci_testing::TempFilesIn;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kLayer[] = "application/vnd.oci.image.layer.v1.tar";

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// What TransferBlobs did, through the engine: blobs from a layout source
// into a layout destination, committed unless the copy failed.
absl::StatusOr<Stats> Copy(const Layout& src, const Layout& dst,
                           const std::vector<Descriptor>& blobs, const Options& options) {
  transport::LayoutSource source(src, "oci:" + src.dir());
  transport::LayoutDestination dest(dst, "oci:" + dst.dir(), "",
                                    transport::LayoutWriter::Options{});
  absl::StatusOr<Stats> stats = CopyBlobs(source, dest, blobs, options);
  if (!stats.ok()) return stats.status();
  absl::Status committed = dest.Commit();
  if (!committed.ok()) return committed;
  return stats;
}

// ---------------------------------------------------------------------------
// CopyBlobs (the blob mover under CopyImages)

// A source layout with blobs of assorted sizes (one spans several chunks).
struct Source {
  Layout layout;
  std::vector<Descriptor> blobs;
};

Source MakeSource(int count = 6) {
  Source s{NewLayout(), {}};
  for (int i = 0; i < count; ++i) {
    size_t size = i == 0 ? 0 : i == 1 ? (1 << 20) * 2 + 17 : 100 * i + 3;
    s.blobs.push_back(AddBlob(s.layout, kLayer, Bytes(size, i)));
  }
  return s;
}

uint64_t TotalBytes(const std::vector<Descriptor>& blobs) {
  uint64_t total = 0;
  for (const Descriptor& d : blobs) total += d.size();
  return total;
}

void ExpectSameBlobs(const Layout& src, const Layout& dst,
                     const std::vector<Descriptor>& blobs) {
  for (const Descriptor& d : blobs) {
    SCOPED_TRACE(d.digest());
    ASSERT_TRUE(dst.HasBlob(d.digest()));
    EXPECT_EQ(*ReadFile(dst.BlobPath(d.digest())),
              *ReadFile(src.BlobPath(d.digest())));
    EXPECT_TRUE(VerifyBlobFile(dst.BlobPath(d.digest()), d).ok());
  }
  EXPECT_THAT(TempFilesIn(dst), IsEmpty());
}

TEST(CopyBlobsTest, Copies) {
  Source src = MakeSource();
  Layout dst = NewLayout();
  Options options;
  options.allow_links = false;
  absl::StatusOr<Stats> stats =
      Copy(src.layout, dst, src.blobs, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_copied, src.blobs.size());
  EXPECT_EQ(stats->bytes_copied, TotalBytes(src.blobs));
  EXPECT_EQ(stats->blobs_linked, 0u);
  EXPECT_EQ(stats->bytes_linked, 0u);
  EXPECT_EQ(stats->blobs_present, 0u);
  ExpectSameBlobs(src.layout, dst, src.blobs);
  for (const Descriptor& d : src.blobs) {
    FileInfo a = *Stat(src.layout.BlobPath(d.digest()));
    FileInfo b = *Stat(dst.BlobPath(d.digest()));
    EXPECT_NE(a.inode, b.inode) << d.digest();
    EXPECT_EQ(b.mode, 0644u);
  }
}

TEST(CopyBlobsTest, Links) {
  Source src = MakeSource();
  Layout dst = NewLayout();
  Options options;  // allow_links by default; both under TempDir()
  absl::StatusOr<Stats> stats =
      Copy(src.layout, dst, src.blobs, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_linked, src.blobs.size());
  EXPECT_EQ(stats->bytes_linked, TotalBytes(src.blobs));
  EXPECT_EQ(stats->blobs_copied, 0u);
  ExpectSameBlobs(src.layout, dst, src.blobs);
  for (const Descriptor& d : src.blobs) {
    FileInfo a = *Stat(src.layout.BlobPath(d.digest()));
    FileInfo b = *Stat(dst.BlobPath(d.digest()));
    EXPECT_EQ(a.device, b.device);
    EXPECT_EQ(a.inode, b.inode) << d.digest();
  }
}

// Linked blobs are hashed too: every byte counts in the progress.
TEST(CopyBlobsTest, LinkedBlobsAreHashed) {
  Source src = MakeSource(3);
  Layout dst = NewLayout();
  Options options;
  FakeProgress progress;
  options.progress = &progress;
  absl::StatusOr<Stats> stats =
      Copy(src.layout, dst, src.blobs, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_linked, 3u);
  EXPECT_EQ(progress.bytes(), TotalBytes(src.blobs));
  EXPECT_EQ(progress.blobs_done(), 3u);
}

TEST(CopyBlobsTest, SkipsPresentBlobsAndDuplicates) {
  Source src = MakeSource(4);
  Layout dst = NewLayout();
  Options options;
  options.allow_links = false;
  // The first two are there already.
  ASSERT_TRUE(Copy(src.layout, dst, {src.blobs[0], src.blobs[1]}, options)
                  .ok());
  std::vector<Descriptor> with_duplicates = src.blobs;
  with_duplicates.push_back(src.blobs[3]);
  with_duplicates.push_back(src.blobs[0]);
  FakeProgress progress;
  options.progress = &progress;
  absl::StatusOr<Stats> stats =
      Copy(src.layout, dst, with_duplicates, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_present, 2u);
  EXPECT_EQ(stats->blobs_copied, 2u);
  EXPECT_EQ(stats->bytes_copied, src.blobs[2].size() + src.blobs[3].size());
  EXPECT_EQ(progress.start_blobs(), 2u);
  EXPECT_EQ(progress.start_bytes(), src.blobs[2].size() + src.blobs[3].size());
  ExpectSameBlobs(src.layout, dst, src.blobs);

  // All there: nothing to do, and Start still says so.
  FakeProgress none;
  options.progress = &none;
  stats = Copy(src.layout, dst, src.blobs, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_present, 4u);
  EXPECT_EQ(stats->blobs_copied + stats->blobs_linked, 0u);
  EXPECT_EQ(none.starts(), 1);
  EXPECT_EQ(none.start_blobs(), 0u);
  EXPECT_EQ(none.bytes(), 0u);

  // An empty list is fine.
  stats = Copy(src.layout, dst, {}, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_present, 0u);
}

class CopyModeTest : public ::testing::TestWithParam<bool> {};

TEST_P(CopyModeTest, CorruptedSourceBlobIsNotPlaced) {
  const bool allow_links = GetParam();
  Source src = MakeSource(4);
  // Same size, different bytes: only the digest can tell.
  const Descriptor& bad = src.blobs[2];
  std::string tampered = *ReadFile(src.layout.BlobPath(bad.digest()));
  tampered[tampered.size() / 2] ^= 0x55;
  ASSERT_TRUE(WriteFileAtomic(src.layout.BlobPath(bad.digest()), tampered).ok());

  Layout dst = NewLayout();
  Options options;
  options.allow_links = allow_links;
  options.threads = 2;
  absl::StatusOr<Stats> stats =
      Copy(src.layout, dst, src.blobs, options);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
  EXPECT_THAT(Msg(stats.status()), HasSubstr(bad.digest()));
  EXPECT_THAT(Msg(stats.status()), HasSubstr(src.layout.dir()));
  EXPECT_THAT(Msg(stats.status()), HasSubstr("content hashes to"));
  EXPECT_FALSE(dst.HasBlob(bad.digest()));
  EXPECT_THAT(TempFilesIn(dst), IsEmpty());
  // Whatever was placed is complete and verified.
  for (const Descriptor& d : src.blobs) {
    if (d.digest() != bad.digest() && dst.HasBlob(d.digest())) {
      EXPECT_TRUE(VerifyBlobFile(dst.BlobPath(d.digest()), d).ok()) << d.digest();
    }
  }
  // The source is left as it was.
  EXPECT_EQ(*ReadFile(src.layout.BlobPath(bad.digest())), tampered);
}

TEST_P(CopyModeTest, WrongSizeSourceBlobIsDataLoss) {
  Source src = MakeSource(2);
  Descriptor wrong = Descriptor::Make(kLayer, src.blobs[1].digest(),
                                      src.blobs[1].size() + 1);
  Layout dst = NewLayout();
  Options options;
  options.allow_links = GetParam();
  absl::StatusOr<Stats> stats =
      Copy(src.layout, dst, {wrong}, options);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
  EXPECT_THAT(Msg(stats.status()), HasSubstr(wrong.digest()));
  EXPECT_THAT(Msg(stats.status()), HasSubstr("its descriptor says"));
  EXPECT_FALSE(dst.HasBlob(wrong.digest()));
  EXPECT_THAT(TempFilesIn(dst), IsEmpty());
}

TEST_P(CopyModeTest, MissingBlobIsNotFound) {
  Source src = MakeSource(2);
  Descriptor missing = DescriptorOf(kLayer, "never written");
  std::vector<Descriptor> blobs = src.blobs;
  blobs.push_back(missing);
  Layout dst = NewLayout();
  Options options;
  options.allow_links = GetParam();
  options.threads = 1;
  absl::StatusOr<Stats> stats = Copy(src.layout, dst, blobs, options);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kNotFound) << stats.status();
  EXPECT_THAT(Msg(stats.status()), HasSubstr(missing.digest()));
  EXPECT_THAT(Msg(stats.status()), HasSubstr(src.layout.dir()));
  EXPECT_FALSE(dst.HasBlob(missing.digest()));
  EXPECT_THAT(TempFilesIn(dst), IsEmpty());
}

TEST_P(CopyModeTest, OneThreadOrFourGiveTheSameResult) {
  Source src = MakeSource(12);
  std::vector<std::vector<std::string>> listings;
  std::vector<Stats> all_stats;
  for (int threads : {1, 4}) {
    SCOPED_TRACE(threads);
    Layout dst = NewLayout();
    Options options;
    options.allow_links = GetParam();
    options.threads = threads;
    FakeProgress progress;
    options.progress = &progress;
    absl::StatusOr<Stats> stats =
        Copy(src.layout, dst, src.blobs, options);
    ASSERT_TRUE(stats.ok()) << stats.status();
    ExpectSameBlobs(src.layout, dst, src.blobs);
    listings.push_back(*ListDir(JoinPath(dst.dir(), "blobs/sha256")));
    all_stats.push_back(*stats);
    // Progress callbacks add up.
    EXPECT_EQ(progress.starts(), 1);
    EXPECT_EQ(progress.start_blobs(), src.blobs.size());
    EXPECT_EQ(progress.start_bytes(), TotalBytes(src.blobs));
    EXPECT_EQ(progress.bytes(), TotalBytes(src.blobs));
    EXPECT_EQ(progress.blobs_done(), src.blobs.size());
  }
  ASSERT_EQ(listings.size(), 2u);
  EXPECT_EQ(listings[0], listings[1]);
  EXPECT_EQ(listings[0].size(), src.blobs.size());
  EXPECT_EQ(all_stats[0].blobs_copied, all_stats[1].blobs_copied);
  EXPECT_EQ(all_stats[0].blobs_linked, all_stats[1].blobs_linked);
  EXPECT_EQ(all_stats[0].bytes_copied, all_stats[1].bytes_copied);
  EXPECT_EQ(all_stats[0].bytes_linked, all_stats[1].bytes_linked);
  EXPECT_EQ(all_stats[0].bytes_copied + all_stats[0].bytes_linked,
            TotalBytes(src.blobs));
}

INSTANTIATE_TEST_SUITE_P(CopyAndLink, CopyModeTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Link" : "Copy";
                         });

TEST(CopyBlobsTest, DefaultThreadCount) {
  Source src = MakeSource(5);
  Layout dst = NewLayout();
  Options options;
  options.threads = 0;  // one per core
  options.allow_links = false;
  absl::StatusOr<Stats> stats =
      Copy(src.layout, dst, src.blobs, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_copied, 5u);
  ExpectSameBlobs(src.layout, dst, src.blobs);
}

}  // namespace
}  // namespace stowage::copy
