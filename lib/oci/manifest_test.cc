#include "lib/oci/manifest.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/oci/media_types.h"

namespace stowage::oci {
namespace {

using ::testing::HasSubstr;

constexpr char kD1[] =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";
constexpr char kD2[] =
    "sha256:2222222222222222222222222222222222222222222222222222222222222222";
constexpr char kD3[] =
    "sha256:3333333333333333333333333333333333333333333333333333333333333333";
constexpr char kD4[] =
    "sha256:4444444444444444444444444444444444444444444444444444444444444444";
constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";
constexpr char kOciLayer[] = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr char kDockerConfig[] = "application/vnd.docker.container.image.v1+json";
constexpr char kDockerLayer[] =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";

std::string Desc(absl::string_view media_type, absl::string_view digest,
                 int size, absl::string_view extra = "") {
  return absl::StrCat("{\"mediaType\":\"", media_type, "\",\"digest\":\"",
                      digest, "\",\"size\":", size, extra, "}");
}

std::string Plat(absl::string_view os, absl::string_view arch) {
  return absl::StrCat(",\"platform\":{\"architecture\":\"", arch,
                      "\",\"os\":\"", os, "\"}");
}

// An image manifest; `media_type` "" leaves the field out.
std::string Image(absl::string_view media_type, absl::string_view config_type,
                  absl::string_view layer_type, absl::string_view extra = "") {
  std::string mt =
      media_type.empty() ? "" : absl::StrCat("\"mediaType\":\"", media_type, "\",");
  return absl::StrCat("{\"schemaVersion\":2,", mt,
                      "\"config\":", Desc(config_type, kD1, 10),
                      ",\"layers\":[", Desc(layer_type, kD2, 20), ",",
                      Desc(layer_type, kD3, 30), "]", extra, "}");
}

TEST(ManifestTest, OciManifestWithMediaType) {
  absl::StatusOr<Manifest> m =
      Manifest::Parse(Image(kOciManifest, kOciConfig, kOciLayer), "");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->kind, Manifest::Kind::kImage);
  EXPECT_FALSE(m->is_index());
  EXPECT_EQ(m->media_type, kOciManifest);
  ASSERT_TRUE(m->config.has_value());
  EXPECT_EQ(m->config->media_type(), kOciConfig);
  EXPECT_EQ(m->config->digest(), kD1);
  EXPECT_EQ(m->config->size(), 10);
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[0].digest(), kD2);
  EXPECT_EQ(m->layers[1].digest(), kD3);
  EXPECT_EQ(m->layers[1].size(), 30);
  EXPECT_TRUE(m->manifests.empty());
  EXPECT_FALSE(m->subject.has_value());
  EXPECT_EQ(m->artifact_type, "");
  EXPECT_TRUE(m->annotations.is_null());

  // The same document, with its descriptor agreeing.
  absl::StatusOr<Manifest> agreed =
      Manifest::Parse(Image(kOciManifest, kOciConfig, kOciLayer), kOciManifest);
  ASSERT_TRUE(agreed.ok()) << agreed.status();
  EXPECT_EQ(agreed->media_type, kOciManifest);
}

TEST(ManifestTest, MediaTypeComesFromTheDescriptorWhenAbsent) {
  const std::string doc = Image("", kOciConfig, kOciLayer);
  absl::StatusOr<Manifest> oci = Manifest::Parse(doc, kOciManifest);
  ASSERT_TRUE(oci.ok()) << oci.status();
  EXPECT_EQ(oci->media_type, kOciManifest);
  EXPECT_EQ(oci->kind, Manifest::Kind::kImage);

  absl::StatusOr<Manifest> docker = Manifest::Parse(doc, kDockerManifest);
  ASSERT_TRUE(docker.ok()) << docker.status();
  EXPECT_EQ(docker->media_type, kDockerManifest);

  // Neither says: an OCI image manifest.
  absl::StatusOr<Manifest> unknown = Manifest::Parse(doc, "");
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ(unknown->media_type, kOciManifest);
  EXPECT_EQ(unknown->kind, Manifest::Kind::kImage);

  // An index without its mediaType, from its descriptor or its "manifests".
  const std::string index = absl::StrCat("{\"schemaVersion\":2,\"manifests\":[",
                                         Desc(kOciManifest, kD1, 5), "]}");
  for (absl::string_view type : {absl::string_view(kOciIndex), absl::string_view()}) {
    SCOPED_TRACE(type);
    absl::StatusOr<Manifest> m = Manifest::Parse(index, type);
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_TRUE(m->is_index());
    EXPECT_EQ(m->media_type, kOciIndex);
    ASSERT_EQ(m->manifests.size(), 1u);
  }
}

TEST(ManifestTest, DockerSchema2Manifest) {
  absl::StatusOr<Manifest> m = Manifest::Parse(
      Image(kDockerManifest, kDockerConfig, kDockerLayer), kDockerManifest);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->kind, Manifest::Kind::kImage);
  EXPECT_EQ(m->media_type, kDockerManifest);
  ASSERT_TRUE(m->config.has_value());
  EXPECT_EQ(m->config->media_type(), kDockerConfig);
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[0].media_type(), kDockerLayer);
}

TEST(ManifestTest, DockerManifestList) {
  const std::string doc = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"", kDockerManifestList,
      "\",\"manifests\":[", Desc(kDockerManifest, kD1, 100, Plat("linux", "amd64")),
      ",", Desc(kDockerManifest, kD2, 200, Plat("linux", "arm64")), "]}");
  absl::StatusOr<Manifest> m = Manifest::Parse(doc, "");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->kind, Manifest::Kind::kIndex);
  EXPECT_EQ(m->media_type, kDockerManifestList);
  EXPECT_FALSE(m->config.has_value());
  ASSERT_EQ(m->manifests.size(), 2u);
  ASSERT_TRUE(m->manifests[1].platform().has_value());
  EXPECT_EQ(m->manifests[1].platform()->String(), "linux/arm64");
  EXPECT_EQ(m->manifests[1].digest(), kD2);
}

TEST(ManifestTest, OciIndexAndNestedIndex) {
  const std::string doc = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"", kOciIndex, "\",\"manifests\":[",
      Desc(kOciManifest, kD1, 100, Plat("linux", "amd64")), ",",
      Desc(kOciIndex, kD2, 300), "],\"annotations\":{\"k\":\"v\"}}");
  absl::StatusOr<Manifest> m = Manifest::Parse(doc, kOciIndex);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->is_index());
  EXPECT_EQ(m->media_type, kOciIndex);
  ASSERT_EQ(m->manifests.size(), 2u);
  EXPECT_EQ(m->manifests[0].media_type(), kOciManifest);
  EXPECT_EQ(m->manifests[1].media_type(), kOciIndex);
  EXPECT_FALSE(m->manifests[1].platform().has_value());
  EXPECT_TRUE(m->layers.empty());
  EXPECT_EQ(m->annotations.Serialize(), "{\"k\":\"v\"}");

  // An empty index is an index.
  absl::StatusOr<Manifest> empty = Manifest::Parse(
      absl::StrCat("{\"schemaVersion\":2,\"mediaType\":\"", kOciIndex,
                   "\",\"manifests\":[]}"),
      "");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->is_index());
  EXPECT_TRUE(empty->manifests.empty());
}

TEST(ManifestTest, ArtifactWithSubject) {
  const std::string doc = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"", kOciManifest,
      "\",\"artifactType\":\"application/vnd.example.sbom.v1+json\","
      "\"config\":",
      Desc("application/vnd.oci.empty.v1+json", kD1, 2), ",\"layers\":[",
      Desc("application/spdx+json", kD2, 1234), "],\"subject\":",
      Desc(kOciManifest, kD4, 500), ",\"annotations\":{\"created\":\"now\"}}");
  absl::StatusOr<Manifest> m = Manifest::Parse(doc, kOciManifest);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->kind, Manifest::Kind::kImage);
  EXPECT_EQ(m->artifact_type, "application/vnd.example.sbom.v1+json");
  ASSERT_TRUE(m->config.has_value());
  EXPECT_EQ(m->config->media_type(), "application/vnd.oci.empty.v1+json");
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].media_type(), "application/spdx+json");
  ASSERT_TRUE(m->subject.has_value());
  EXPECT_EQ(m->subject->digest(), kD4);
  EXPECT_EQ(m->subject->media_type(), kOciManifest);
  EXPECT_EQ(m->annotations.Serialize(), "{\"created\":\"now\"}");
}

TEST(ManifestTest, ManifestWithoutLayers) {
  absl::StatusOr<Manifest> m = Manifest::Parse(
      absl::StrCat("{\"schemaVersion\":2,\"mediaType\":\"", kOciManifest,
                   "\",\"config\":", Desc(kOciConfig, kD1, 2), "}"),
      "");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->config.has_value());
  EXPECT_TRUE(m->layers.empty());
}

struct RejectCase {
  std::string name;
  std::string bytes;
  std::string descriptor_media_type;
  absl::StatusCode code;
  std::string message;  // a part of the error message
};

TEST(ManifestTest, RejectTable) {
  const std::string schema1 =
      "{\"schemaVersion\":1,\"name\":\"library/x\",\"tag\":\"1\","
      "\"architecture\":\"amd64\",\"fsLayers\":[],\"history\":[]}";
  const std::string image = Image(kOciManifest, kOciConfig, kOciLayer);
  const std::string index_head =
      absl::StrCat("{\"schemaVersion\":2,\"mediaType\":\"", kOciIndex, "\"");
  const std::string image_head =
      absl::StrCat("{\"schemaVersion\":2,\"mediaType\":\"", kOciManifest, "\"");
  const std::vector<RejectCase> cases = {
      {"schema 1 by schemaVersion", schema1, "", absl::StatusCode::kUnimplemented,
       "schema 1"},
      {"schema 1 by schemaVersion, typed OCI", schema1, kOciManifest,
       absl::StatusCode::kUnimplemented, "schema 1"},
      {"schema 1 by descriptor", image, kDockerSchema1,
       absl::StatusCode::kUnimplemented, "schema 1"},
      {"signed schema 1 by descriptor", "not even JSON", kDockerSchema1Signed,
       absl::StatusCode::kUnimplemented, "schema 1"},
      {"index says index, descriptor says manifest",
       absl::StrCat(index_head, ",\"manifests\":[]}"), kOciManifest,
       absl::StatusCode::kInvalidArgument,
       absl::StrCat("its mediaType is ", kOciIndex, " but its descriptor says ",
                    kOciManifest)},
      {"OCI manifest, descriptor says Docker", image, kDockerManifest,
       absl::StatusCode::kInvalidArgument, "but its descriptor says"},
      {"index without manifests", absl::StrCat(index_head, "}"), "",
       absl::StatusCode::kInvalidArgument, "an index needs \"manifests\""},
      {"index typed by descriptor, without manifests", "{\"schemaVersion\":2}",
       kDockerManifestList, absl::StatusCode::kInvalidArgument,
       "an index needs \"manifests\""},
      {"manifests not an array", absl::StrCat(index_head, ",\"manifests\":{}}"),
       "", absl::StatusCode::kInvalidArgument, "\"manifests\" must be an array"},
      {"bad entry in manifests",
       absl::StrCat(index_head, ",\"manifests\":[", Desc(kOciManifest, kD1, 1),
                    ",{\"mediaType\":\"x\",\"size\":1}]}"),
       "", absl::StatusCode::kInvalidArgument, "manifests[1]: missing \"digest\""},
      {"manifest without config",
       absl::StrCat(image_head, ",\"layers\":[", Desc(kOciLayer, kD2, 1), "]}"),
       "", absl::StatusCode::kInvalidArgument,
       "an image manifest needs \"config\""},
      {"config not a descriptor", absl::StrCat(image_head, ",\"config\":5}"), "",
       absl::StatusCode::kInvalidArgument, "config: "},
      {"config with a negative size",
       absl::StrCat(image_head, ",\"config\":", Desc(kOciConfig, kD1, -5), "}"),
       "", absl::StatusCode::kInvalidArgument, "config: \"size\" is negative"},
      {"layers not an array",
       absl::StrCat(image_head, ",\"config\":", Desc(kOciConfig, kD1, 1),
                    ",\"layers\":\"x\"}"),
       "", absl::StatusCode::kInvalidArgument, "\"layers\" must be an array"},
      {"sha512 layer",
       absl::StrCat(image_head, ",\"config\":", Desc(kOciConfig, kD1, 1),
                    ",\"layers\":[",
                    Desc(kOciLayer, "sha512:" + std::string(128, 'a'), 1), "]}"),
       "", absl::StatusCode::kUnimplemented, "layers[0]: digest sha512:"},
      {"bad subject",
       absl::StrCat(image_head, ",\"config\":", Desc(kOciConfig, kD1, 1),
                    ",\"subject\":{\"mediaType\":\"x\"}}"),
       "", absl::StatusCode::kInvalidArgument, "subject: missing \"digest\""},
      {"malformed JSON", "{\"schemaVersion\":2,", "",
       absl::StatusCode::kInvalidArgument, "invalid JSON"},
      {"empty document", "", kOciManifest, absl::StatusCode::kInvalidArgument,
       "invalid JSON"},
      {"trailing garbage", image + "x", "", absl::StatusCode::kInvalidArgument,
       "invalid JSON"},
      {"not an object", "[]", "", absl::StatusCode::kInvalidArgument,
       "must be a JSON object"},
      {"schemaVersion 3", absl::StrReplaceAll(image, {{"\"schemaVersion\":2",
                                                       "\"schemaVersion\":3"}}),
       "", absl::StatusCode::kInvalidArgument, "\"schemaVersion\" must be 2"},
      {"schemaVersion string",
       absl::StrReplaceAll(image, {{"\"schemaVersion\":2", "\"schemaVersion\":\"2\""}}),
       "", absl::StatusCode::kInvalidArgument, "\"schemaVersion\" must be 2"},
      {"mediaType not a string",
       "{\"schemaVersion\":2,\"mediaType\":7,\"manifests\":[]}", "",
       absl::StatusCode::kInvalidArgument, "\"mediaType\" must be a string"},
      {"not a manifest type", "{\"schemaVersion\":2,\"config\":{}}", kOciConfig,
       absl::StatusCode::kInvalidArgument,
       absl::StrCat("media type ", kOciConfig, " is not an image manifest")},
      {"own type not a manifest type",
       "{\"mediaType\":\"application/vnd.example+json\"}", "",
       absl::StatusCode::kInvalidArgument, "is not an image manifest or index"},
  };
  for (const RejectCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Manifest> m = Manifest::Parse(c.bytes, c.descriptor_media_type);
    EXPECT_EQ(m.status().code(), c.code) << m.status();
    EXPECT_THAT(std::string(m.status().message()), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace stowage::oci
