#include "lib/oci/graph.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/oci/descriptor.h"
#include "lib/oci/layout.h"
#include "lib/oci/media_types.h"
#include "lib/oci/oci_testing.h"

namespace stowage::oci {
namespace {

using ::stowage::oci::oci_testing::AddBlob;
using ::stowage::oci::oci_testing::DescriptorOf;
using ::stowage::oci::oci_testing::ImageManifestJson;
using ::stowage::oci::oci_testing::IndexJson;
using ::stowage::oci::oci_testing::NewLayout;
using ::stowage::oci::oci_testing::WithPlatform;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kConfig[] = "application/vnd.oci.image.config.v1+json";
constexpr char kLayer[] = "application/vnd.oci.image.layer.v1.tar+gzip";

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

std::vector<std::string> Digests(const std::vector<Descriptor>& ds) {
  std::vector<std::string> out;
  for (const Descriptor& d : ds) out.push_back(d.digest());
  return out;
}

// A two-platform image:
//   index -> amd64 (config1, layer1, layer2)
//         -> arm64 (config2, layer2, layer3)
// The layers share layer2; the layers are not in the layout (CollectGraph
// only lists them).
class GraphTest : public ::testing::Test {
 protected:
  GraphTest() : layout_(NewLayout()) {
    config1_ = AddBlob(layout_, kConfig, "{\"architecture\":\"amd64\"}");
    config2_ = AddBlob(layout_, kConfig, "{\"architecture\":\"arm64\"}");
    layer1_ = DescriptorOf(kLayer, "layer 1");
    layer2_ = DescriptorOf(kLayer, "layer 2");
    layer3_ = DescriptorOf(kLayer, "layer 3");
    amd64_ = WithPlatform(
        AddBlob(layout_, kOciManifest,
                ImageManifestJson(config1_, {layer1_, layer2_})),
        "linux/amd64");
    arm64_ = WithPlatform(
        AddBlob(layout_, kOciManifest,
                ImageManifestJson(config2_, {layer2_, layer3_})),
        "linux/arm64");
    index_ = AddBlob(layout_, kOciIndex, IndexJson({amd64_, arm64_}));
  }

  Layout layout_;
  Descriptor config1_ = Descriptor::Make("", "", 0);
  Descriptor config2_ = config1_, layer1_ = config1_, layer2_ = config1_,
             layer3_ = config1_, amd64_ = config1_, arm64_ = config1_,
             index_ = config1_;
};

TEST_F(GraphTest, CollectFromAnIndex) {
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, index_);
  ASSERT_TRUE(graph.ok()) << graph.status();
  // Breadth first, each digest once (layer2 is shared).
  EXPECT_THAT(Digests(*graph),
              ElementsAre(index_.digest(), amd64_.digest(), arm64_.digest(),
                          config1_.digest(), layer1_.digest(), layer2_.digest(),
                          config2_.digest(), layer3_.digest()));
  // The descriptors are the parents' own (platform and all).
  ASSERT_TRUE((*graph)[2].platform().has_value());
  EXPECT_EQ((*graph)[2].platform()->String(), "linux/arm64");
  EXPECT_EQ((*graph)[4].media_type(), kLayer);
  EXPECT_EQ((*graph)[4].size(), 7);
}

TEST_F(GraphTest, CollectFromAManifest) {
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, arm64_);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(Digests(*graph),
              ElementsAre(arm64_.digest(), config2_.digest(), layer2_.digest(),
                          layer3_.digest()));
}

TEST_F(GraphTest, CollectFromANestedIndexWithDuplicates) {
  // The outer index names the inner index, and the amd64 manifest again.
  Descriptor outer = AddBlob(layout_, kOciIndex, IndexJson({index_, amd64_}));
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, outer);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(Digests(*graph),
              ElementsAre(outer.digest(), index_.digest(), amd64_.digest(),
                          arm64_.digest(), config1_.digest(), layer1_.digest(),
                          layer2_.digest(), config2_.digest(), layer3_.digest()));
}

TEST_F(GraphTest, CollectADockerImage) {
  Descriptor config = AddBlob(layout_, "application/vnd.docker.container.image.v1+json",
                              "{}");
  Descriptor layer =
      DescriptorOf("application/vnd.docker.image.rootfs.diff.tar.gzip", "l");
  std::string manifest = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"", kDockerManifest,
      "\",\"config\":", config.json().Serialize(), ",\"layers\":[",
      layer.json().Serialize(), "]}");
  Descriptor root = AddBlob(layout_, kDockerManifest, manifest);
  Descriptor list = AddBlob(
      layout_, kDockerManifestList,
      absl::StrCat("{\"schemaVersion\":2,\"mediaType\":\"", kDockerManifestList,
                   "\",\"manifests\":[",
                   WithPlatform(root, "linux/amd64").json().Serialize(), "]}"));
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, list);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(Digests(*graph), ElementsAre(list.digest(), root.digest(),
                                           config.digest(), layer.digest()));
}

TEST_F(GraphTest, ABlobThatIsNoManifestIsJustListed) {
  // Not in the layout, and not read.
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, layer1_);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(Digests(*graph), ElementsAre(layer1_.digest()));
}

TEST_F(GraphTest, SubjectIsNotFollowed) {
  Descriptor empty = AddBlob(layout_, "application/vnd.oci.empty.v1+json", "{}");
  std::string sbom = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"", kOciManifest,
      "\",\"artifactType\":\"application/spdx+json\",\"config\":",
      empty.json().Serialize(), ",\"layers\":[",
      DescriptorOf("application/spdx+json", "sbom").json().Serialize(),
      "],\"subject\":", amd64_.json().Serialize(), "}");
  Descriptor artifact = AddBlob(layout_, kOciManifest, sbom);
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, artifact);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(Digests(*graph),
              ElementsAre(artifact.digest(), empty.digest(),
                          DescriptorOf("", "sbom").digest()));
}

TEST_F(GraphTest, APartialIndexIsWalkedForItsPlatformsOnly) {
  ASSERT_TRUE(RemoveFile(layout_.BlobPath(amd64_.digest())).ok());
  ASSERT_TRUE(RemoveFile(layout_.BlobPath(config1_.digest())).ok());
  absl::StatusOr<Platform> arm = Platform::Parse("linux/arm64");
  ASSERT_TRUE(arm.ok());
  ManifestFetcher fetch = [&](const Descriptor& d) { return layout_.ReadBlob(d); };
  absl::StatusOr<Descriptor> partial = PartialIndex(fetch, index_, {*arm});
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->digest(), index_.digest());
  EXPECT_EQ(partial->Annotation(kPlatformsAnnotation), "linux/arm64");
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, *partial);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(Digests(*graph), ElementsAre(index_.digest(), arm64_.digest(), config2_.digest(),
                                           layer2_.digest(), layer3_.digest()));
  // The whole index is still missing its amd64 image.
  EXPECT_EQ(CollectGraph(layout_, index_).status().code(), absl::StatusCode::kNotFound);
  // Asking for the platform that was left out says so.
  absl::StatusOr<Platform> amd = Platform::Parse("linux/amd64");
  absl::StatusOr<Descriptor> left = SelectPlatform(layout_, *partial, *amd);
  EXPECT_EQ(left.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(left.status()), HasSubstr("was not pulled: only linux/arm64"));
  // A platform the index lacks cannot be kept.
  absl::StatusOr<Platform> s390 = Platform::Parse("linux/s390x");
  EXPECT_THAT(Msg(PartialIndex(fetch, index_, {*s390}).status()),
              HasSubstr("no image for platform linux/s390x"));
  // An annotation that names no platform holds nothing: nothing is taken
  // for whole.
  Descriptor bad = index_;
  bad.SetAnnotation(kPlatformsAnnotation, "not a platform");
  EXPECT_FALSE(Held(HeldPlatforms(bad), arm64_));
  EXPECT_TRUE(Held(HeldPlatforms(index_), amd64_));
}

TEST_F(GraphTest, MissingRootIsNotFound) {
  Descriptor missing = DescriptorOf(kOciIndex, "{\"manifests\":[]}");
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, missing);
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(graph.status()), HasSubstr(missing.digest()));
  EXPECT_THAT(Msg(graph.status()), HasSubstr(layout_.dir()));
}

TEST_F(GraphTest, MissingChildNamesTheChildAndTheImage) {
  ASSERT_TRUE(RemoveFile(layout_.BlobPath(arm64_.digest())).ok());
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, index_);
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(graph.status()), HasSubstr(arm64_.digest()));
  EXPECT_THAT(Msg(graph.status()), HasSubstr("in the image " + index_.digest()));
}

TEST_F(GraphTest, CorruptChildIsDataLoss) {
  std::string path = layout_.BlobPath(amd64_.digest());
  std::string bytes = *ReadFile(path);
  bytes[0] = ' ';  // same size, other digest
  ASSERT_TRUE(WriteFileAtomic(path, bytes).ok());
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, index_);
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(graph.status()), HasSubstr(amd64_.digest()));
  EXPECT_THAT(Msg(graph.status()), HasSubstr(index_.digest()));
}

TEST_F(GraphTest, UnparsableChildIsInvalidArgument) {
  Descriptor bad = AddBlob(layout_, kOciManifest, "{\"schemaVersion\":2}");
  Descriptor root = AddBlob(layout_, kOciIndex, IndexJson({amd64_, bad}));
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, root);
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(graph.status()),
              HasSubstr("manifest " + bad.digest() +
                        ": an image manifest needs \"config\""));
  EXPECT_THAT(Msg(graph.status()), HasSubstr("in the image " + root.digest()));
}

TEST_F(GraphTest, ErrorsDeepDownNameTheChain) {
  Descriptor outer = AddBlob(layout_, kOciIndex, IndexJson({index_}));
  ASSERT_TRUE(RemoveFile(layout_.BlobPath(arm64_.digest())).ok());
  absl::StatusOr<std::vector<Descriptor>> graph = CollectGraph(layout_, outer);
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(graph.status()), HasSubstr(outer.digest()));
  EXPECT_THAT(Msg(graph.status()), HasSubstr(index_.digest()));  // the link
  EXPECT_THAT(Msg(graph.status()), HasSubstr(arm64_.digest()));
}

TEST_F(GraphTest, ReadManifest) {
  absl::StatusOr<Manifest> m = ReadManifest(layout_, index_);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->is_index());
  EXPECT_THAT(Digests(m->manifests),
              ElementsAre(amd64_.digest(), arm64_.digest()));

  // A descriptor whose type contradicts the document.
  Descriptor wrong = Descriptor::Make(kOciManifest, index_.digest(), index_.size());
  m = ReadManifest(layout_, wrong);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(m.status()), HasSubstr("manifest " + index_.digest()));
  EXPECT_THAT(Msg(m.status()), HasSubstr("but its descriptor says"));
}

TEST_F(GraphTest, SelectPlatformFromAnIndex) {
  absl::StatusOr<Platform> want = Platform::Parse("linux/arm64");
  ASSERT_TRUE(want.ok());
  absl::StatusOr<Descriptor> d = SelectPlatform(layout_, index_, *want);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->digest(), arm64_.digest());
  EXPECT_EQ(d->platform()->String(), "linux/arm64");

  d = SelectPlatform(layout_, index_, *Platform::Parse("linux/amd64"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->digest(), amd64_.digest());
}

TEST_F(GraphTest, SelectPlatformFromANestedIndex) {
  Descriptor config3 = AddBlob(layout_, kConfig, "{\"architecture\":\"ppc64le\"}");
  Descriptor ppc = WithPlatform(
      AddBlob(layout_, kOciManifest, ImageManifestJson(config3, {layer1_})),
      "linux/ppc64le");
  // outer -> [ppc64le manifest, index -> [amd64, arm64]]
  Descriptor outer = AddBlob(layout_, kOciIndex, IndexJson({ppc, index_}));
  absl::StatusOr<Descriptor> d =
      SelectPlatform(layout_, outer, *Platform::Parse("linux/arm64"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->digest(), arm64_.digest());

  d = SelectPlatform(layout_, outer, *Platform::Parse("linux/ppc64le"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->digest(), ppc.digest());

  // NotFound lists every platform, the nested ones too.
  d = SelectPlatform(layout_, outer, *Platform::Parse("linux/s390x"));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(d.status()), HasSubstr("linux/s390x"));
  EXPECT_THAT(Msg(d.status()), HasSubstr(outer.digest()));
  EXPECT_THAT(Msg(d.status()),
              HasSubstr("(it has: linux/ppc64le, linux/amd64, linux/arm64)"));
}

TEST_F(GraphTest, SelectPlatformNotFoundListsThePlatforms) {
  absl::StatusOr<Descriptor> d =
      SelectPlatform(layout_, index_, *Platform::Parse("windows/amd64"));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(d.status()), HasSubstr("no image for platform windows/amd64"));
  EXPECT_THAT(Msg(d.status()), HasSubstr(index_.digest()));
  EXPECT_THAT(Msg(d.status()), HasSubstr("(it has: linux/amd64, linux/arm64)"));

  // A variant is wanted that no entry has.
  d = SelectPlatform(layout_, index_, *Platform::Parse("linux/arm64/v8"));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(d.status()), HasSubstr("linux/arm64/v8"));

  // An index of none.
  Descriptor empty = AddBlob(layout_, kOciIndex, IndexJson({}));
  d = SelectPlatform(layout_, empty, *Platform::Parse("linux/amd64"));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(d.status()), HasSubstr("(it has: none)"));
}

TEST_F(GraphTest, SelectPlatformMatchesVariants) {
  Descriptor v7 = WithPlatform(
      AddBlob(layout_, kOciManifest, ImageManifestJson(config1_, {layer1_})),
      "linux/arm/v7");
  Descriptor v8 = WithPlatform(
      AddBlob(layout_, kOciManifest, ImageManifestJson(config2_, {layer2_})),
      "linux/arm64/v8");
  Descriptor root = AddBlob(layout_, kOciIndex, IndexJson({v7, v8}));
  absl::StatusOr<Descriptor> d =
      SelectPlatform(layout_, root, *Platform::Parse("linux/arm64"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->digest(), v8.digest());
  d = SelectPlatform(layout_, root, *Platform::Parse("linux/arm/v7"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->digest(), v7.digest());
  d = SelectPlatform(layout_, root, *Platform::Parse("linux/arm/v6"));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(d.status()), HasSubstr("linux/arm/v7, linux/arm64/v8"));
}

TEST_F(GraphTest, SelectPlatformOfAManifestIsItself) {
  // Whatever the platform: a single image is what there is.
  absl::StatusOr<Descriptor> d =
      SelectPlatform(layout_, amd64_, *Platform::Parse("linux/arm64"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->digest(), amd64_.digest());
}

TEST_F(GraphTest, SelectPlatformErrors) {
  Descriptor missing = DescriptorOf(kOciIndex, "gone");
  absl::StatusOr<Descriptor> d =
      SelectPlatform(layout_, missing, *Platform::Parse("linux/amd64"));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(d.status()), HasSubstr(missing.digest()));
  EXPECT_THAT(Msg(d.status()), HasSubstr("missing"));

  // A nested index that is missing is a missing blob, not a missing platform.
  Descriptor inner = DescriptorOf(kOciIndex, IndexJson({}));
  Descriptor outer = AddBlob(layout_, kOciIndex, IndexJson({amd64_, inner}));
  d = SelectPlatform(layout_, outer, *Platform::Parse("linux/arm64"));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(d.status()), HasSubstr(inner.digest()));
  EXPECT_THAT(Msg(d.status()), HasSubstr("missing"));

  // A corrupt nested index is DataLoss.
  Descriptor inner2 = AddBlob(layout_, kOciIndex, IndexJson({arm64_}));
  std::string bytes = *ReadFile(layout_.BlobPath(inner2.digest()));
  bytes[bytes.size() - 1] = ' ';
  ASSERT_TRUE(WriteFileAtomic(layout_.BlobPath(inner2.digest()), bytes).ok());
  Descriptor outer2 = AddBlob(layout_, kOciIndex, IndexJson({amd64_, inner2}));
  d = SelectPlatform(layout_, outer2, *Platform::Parse("linux/arm64"));
  EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(d.status()), HasSubstr(inner2.digest()));
}

}  // namespace
}  // namespace stowage::oci
