#include "lib/bundle/format.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/oci/media_types.h"

namespace stowage::bundle {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Hex(char c) { return std::string(64, c); }

oci::Descriptor Blob(char c, int64_t size, const char* type = "application/octet-stream") {
  return oci::Descriptor::Make(type, "sha256:" + Hex(c), size);
}

Manifest Sample() {
  Manifest m;
  oci::Descriptor image = Blob('a', 500, oci::kOciManifest);
  image.SetAnnotation(oci::kRefNameAnnotation, "team/app:v1");
  m.images.push_back(BundleImage{store::TagName{"team/app", "v1"}, image});
  m.blobs = {Blob('a', 500, oci::kOciManifest), Blob('b', 2, oci::kOciConfig)};
  m.omitted = {Blob('c', 1000)};
  m.since = Since{Since::Kind::kBundle, "sha256:" + Hex('d')};
  m.catalog.repositories["team/app"].short_description = "The app";
  m.catalog.repositories["team/app"].stars = 3;
  m.catalog.namespaces["team"].title = "Team";
  return m;
}

TEST(FormatTest, ManifestRoundTrips) {
  Manifest m = Sample();
  std::string text = SerializeManifest(m);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_THAT(text, HasSubstr("\"mediaType\": \"application/vnd.stowage.bundle.v1+json\""));
  absl::StatusOr<Manifest> back = ParseManifest(text, "b.tar: stowage-bundle.json");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->images.size(), 1u);
  EXPECT_EQ(back->images[0].name.String(), "team/app:v1");
  EXPECT_EQ(back->images[0].descriptor.json(), m.images[0].descriptor.json());
  ASSERT_EQ(back->blobs.size(), 2u);
  EXPECT_EQ(back->blobs[1].media_type(), oci::kOciConfig);
  ASSERT_EQ(back->omitted.size(), 1u);
  ASSERT_TRUE(back->since.has_value());
  EXPECT_EQ(back->since->kind, Since::Kind::kBundle);
  EXPECT_EQ(back->catalog, m.catalog);
  EXPECT_EQ(back->BlobBytes(), 502u);
  // Equal manifests, equal bytes.
  EXPECT_EQ(SerializeManifest(*back), text);
  EXPECT_EQ(BundleId(text), BundleId(SerializeManifest(*back)));
  EXPECT_THAT(BundleId(text), ::testing::StartsWith("sha256:"));
}

TEST(FormatTest, AFullBundleHasNoSinceOrOmitted) {
  Manifest m = Sample();
  m.since.reset();
  m.omitted.clear();
  std::string text = SerializeManifest(m);
  EXPECT_THAT(text, Not(HasSubstr("omitted")));
  EXPECT_THAT(text, Not(HasSubstr("since")));
  EXPECT_TRUE(ParseManifest(text, "x").ok());
}

TEST(FormatTest, ManifestErrorsNameFileAndPath) {
  std::string good = SerializeManifest(Sample());
  struct Case {
    std::string text;
    absl::StatusCode code;
    std::string message;
  } cases[] = {
      {"[1]", absl::StatusCode::kDataLoss, "F: $: not a JSON object"},
      {"{", absl::StatusCode::kDataLoss, "F: $: invalid JSON"},
      {absl::StrReplaceAll(good, {{"bundle.v1", "bundle.v9"}}), absl::StatusCode::kDataLoss,
       "F: $.mediaType: must be \"application/vnd.stowage.bundle.v1+json\""},
      {absl::StrReplaceAll(good, {{"\"schemaVersion\": 1", "\"schemaVersion\": 2"}}),
       absl::StatusCode::kUnimplemented, "newer stowage"},
      {absl::StrReplaceAll(good, {{"team/app:v1\",\n      \"descriptor", "Team/App\",\n      \"descriptor"}}),
       absl::StatusCode::kDataLoss, "F: $.images[0].name: \"Team/App\" is not a store name"},
      {absl::StrReplaceAll(good, {{Hex('b'), Hex('a')}}), absl::StatusCode::kDataLoss,
       "F: $.blobs[1]: sha256:" + Hex('a') + " is listed twice"},
      {absl::StrReplaceAll(good, {{Hex('c'), Hex('b')}}), absl::StatusCode::kDataLoss,
       "F: $.omitted: sha256:" + Hex('b') + " is also in \"blobs\""},
      {absl::StrReplaceAll(good, {{"\"size\": 2", "\"size\": -2"}}), absl::StatusCode::kDataLoss,
       "F: $.blobs[1]: \"size\" is negative"},
      {absl::StrReplaceAll(good, {{"\"since\": {\n    \"bundle\"", "\"x\": {\n    \"bundle\""}}),
       absl::StatusCode::kDataLoss, "F: $.omitted: a bundle that leaves blobs out must say \"since\""},
      {absl::StrReplaceAll(good, {{"\"stars\": 3", "\"stars\": -1"}}), absl::StatusCode::kDataLoss,
       "F: $.catalog: $.repositories[\"team/app\"].stars"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Manifest> m = ParseManifest(c.text, "F");
    ASSERT_FALSE(m.ok()) << c.message;
    EXPECT_EQ(m.status().code(), c.code) << m.status();
    EXPECT_THAT(m.status().message(), HasSubstr(c.message));
  }
}

TEST(FormatTest, PartIndexRoundTripsAndChecks) {
  PartIndex index;
  index.bundle = "sha256:" + Hex('e');
  index.parts = {{"b.tar.001", 10, "sha256:" + Hex('1')}, {"b.tar.002", 5, "sha256:" + Hex('2')}};
  index.size = 15;
  std::string text = SerializePartIndex(index);
  EXPECT_TRUE(LooksLikeJson(text));
  EXPECT_FALSE(LooksLikeJson(std::string("stowage-bundle.json\0\0", 21)));
  absl::StatusOr<PartIndex> back = ParsePartIndex(text, "b.tar.parts.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->bundle, index.bundle);
  ASSERT_EQ(back->parts.size(), 2u);
  EXPECT_EQ(back->parts[1].name, "b.tar.002");
  EXPECT_EQ(back->parts[1].size, 5u);

  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {absl::StrReplaceAll(text, {{"\"b.tar.002\"", "\"../b.tar.002\""}}),
       "P: $.parts[1].name: \"../b.tar.002\" is not a file name of its own"},
      {absl::StrReplaceAll(text, {{"\"b.tar.002\"", "\"b.tar.001\""}}),
       "P: $.parts[1].name: \"b.tar.001\" is not a file name of its own"},
      {absl::StrReplaceAll(text, {{"\"size\": 15", "\"size\": 16"}}),
       "P: $.size: 16 is not the sum of the parts' sizes (15)"},
      {absl::StrReplaceAll(text, {{"sha256:" + Hex('2'), "md5:x"}}),
       "P: $.parts[1].digest: must be sha256:<64 hex digits>"},
      {absl::StrReplaceAll(text, {{"parts.v1", "parts.v2"}}), "P: $.mediaType: must be"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<PartIndex> p = ParsePartIndex(c.text, "P");
    ASSERT_FALSE(p.ok()) << c.message;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(p.status().message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace stowage::bundle
