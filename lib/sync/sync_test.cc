#include "lib/sync/sync.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stowage::sync {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Error(const std::string& text) {
  absl::StatusOr<Spec> s = ParseSpec(text, "sync.json");
  EXPECT_FALSE(s.ok()) << text;
  return s.ok() ? "" : std::string(s.status().message());
}

TEST(ParseSpecTest, ReadsEveryField) {
  absl::StatusOr<Spec> s = ParseSpec(R"({"registries": {
      "127.0.0.1:5000": {"tls-verify": false, "cert-dir": "/certs", "images": [
        {"repository": "team/app", "tags": ["v1", "1.*"], "target": "mirror/app",
         "platform": "linux/arm64/v8", "referrers": true},
        {"repository": "team/tool", "platforms": ["linux/amd64", "linux/arm64"]}]},
      "docker.io": {"images": [{"repository": "busybox", "tags": ["1.36"]}]}}})",
                                     "sync.json");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->registries.size(), 2u);
  const RegistrySpec& r = s->registries[0];
  EXPECT_EQ(r.host, "127.0.0.1:5000");
  EXPECT_EQ(r.tls_verify, std::optional<bool>(false));
  EXPECT_EQ(r.cert_dir, "/certs");
  ASSERT_EQ(r.images.size(), 2u);
  EXPECT_EQ(r.images[0].repository, "team/app");
  EXPECT_THAT(r.images[0].tags, ElementsAre("v1", "1.*"));
  EXPECT_EQ(r.images[0].target, "mirror/app");
  EXPECT_EQ(r.images[0].platform, "linux/arm64/v8");
  EXPECT_TRUE(r.images[0].referrers);
  EXPECT_TRUE(r.images[1].tags.empty());
  EXPECT_THAT(r.images[1].platforms, ElementsAre("linux/amd64", "linux/arm64"));
  EXPECT_FALSE(r.images[1].referrers);
  EXPECT_EQ(s->registries[1].host, "docker.io");
  EXPECT_FALSE(s->registries[1].tls_verify.has_value());
}

TEST(ParseSpecTest, NamesTheFieldThatIsWrong) {
  EXPECT_THAT(Error("{"), HasSubstr("sync.json: "));
  EXPECT_THAT(Error("[]"), HasSubstr("sync.json: the top level: must be a JSON object"));
  EXPECT_THAT(Error(R"({"registry": {}})"), HasSubstr("unknown field \"registry\""));
  EXPECT_THAT(Error(R"({"registries": {}})"), HasSubstr("sync.json: registries: must be"));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": []}}})"),
              HasSubstr("registries.\"r.io\".images: must be a non-empty array"));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "a", "tag": ["x"]}]}}})"),
              HasSubstr("registries.\"r.io\".images[0]: unknown field \"tag\""));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"tags": ["x"]}]}}})"),
              HasSubstr("images[0]: missing \"repository\""));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "Team/App"}]}}})"),
              HasSubstr("images[0].repository: Team/App: position 1"));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "a", "tags": ["-x"]}]}}})"),
              HasSubstr("images[0].tags[0]: "));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "a", "tags": ["v/*"]}]}}})"),
              HasSubstr("images[0].tags[0]: pattern \"v/*\""));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "a", "tags": []}]}}})"),
              HasSubstr("images[0].tags: must be a non-empty array"));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "a", "target": "b:v1"}]}}})"),
              HasSubstr("images[0].target: a repository, without a tag"));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "a", "platform": "linux"}]}}})"),
              HasSubstr("images[0].platform: "));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "a", "platforms": ["linux", "x"]}]}}})"),
              HasSubstr("images[0].platforms[0]: "));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "a", "platforms": []}]}}})"),
              HasSubstr("images[0].platforms: must be a non-empty array"));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "a", "platform": "linux/amd64",
                         "platforms": ["linux/arm64"]}]}}})"),
              HasSubstr("images[0]: \"platform\" or \"platforms\", not both"));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"images": [{"repository": "a", "referrers": "yes"}]}}})"),
              HasSubstr("images[0].referrers: must be true or false"));
  EXPECT_THAT(Error(R"({"registries": {"http://r.io": {"images": [{"repository": "a"}]}}})"),
              HasSubstr("registries.\"http://r.io\": not a registry host"));
  EXPECT_THAT(Error(R"({"registries": {"r.io": {"tls-verify": "no", "images": [{"repository": "a"}]}}})"),
              HasSubstr("registries.\"r.io\".tls-verify: must be true or false"));
}

}  // namespace
}  // namespace stowage::sync
