#include "lib/publish/plan.h"

#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/crypto/sha256.h"
#include "lib/oci/media_types.h"
#include "lib/publish/publish.h"
#include "lib/publish/servers.h"

namespace stowage::publish {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

std::string NewDir() {
  std::string tmpl = ::testing::TempDir() + "/plan-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

// A one-layer image; with `subject`, an artifact pointing at it.
oci::Descriptor WriteImage(const oci::Layout& layout, const std::string& name,
                           const oci::Descriptor* subject = nullptr) {
  std::string config = absl::StrCat("{\"n\":\"", name, "\"}");
  std::string layer = "layer-" + name;
  std::string cd = *layout.WriteBlob(config);
  std::string ld = *layout.WriteBlob(layer);
  std::string manifest = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"", oci::kOciManifest, "\",",
      "\"config\":{\"mediaType\":\"", subject ? "application/vnd.example+json"
                                              : "application/vnd.oci.image.config.v1+json",
      "\",\"digest\":\"", cd, "\",\"size\":", config.size(), "},",
      "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",",
      "\"digest\":\"", ld, "\",\"size\":", layer.size(), "}]");
  if (subject != nullptr) {
    absl::StrAppend(&manifest, ",\"subject\":{\"mediaType\":\"", subject->media_type(),
                    "\",\"digest\":\"", subject->digest(), "\",\"size\":", subject->size(), "}");
  }
  absl::StrAppend(&manifest, "}");
  return oci::Descriptor::Make(oci::kOciManifest, *layout.WriteBlob(manifest),
                               manifest.size());
}

const SiteFile* FindFile(const SitePlan& plan, const std::string& path) {
  for (const SiteFile& f : plan.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

TEST(PlanTest, FilesOfARepository) {
  absl::StatusOr<store::Store> s = store::Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  oci::Descriptor image = WriteImage(s->layout(), "app");
  oci::Descriptor sbom = WriteImage(s->layout(), "sbom", &image);
  ASSERT_TRUE(s->SetTags({{store::TagName{"team/app", "v1"}, image},
                          {store::TagName{"team/app", "sbom"}, sbom}})
                  .ok());
  absl::StatusOr<SitePlan> plan = PlanSite(*s, PlanOptions{});
  ASSERT_TRUE(plan.ok()) << plan.status();

  const SiteFile* tag = FindFile(*plan, "v2/team/app/manifests/v1");
  ASSERT_NE(tag, nullptr);
  EXPECT_EQ(tag->blob, image.digest());
  EXPECT_EQ(tag->digest, image.digest());
  EXPECT_EQ(tag->content_type, oci::kOciManifest);
  EXPECT_TRUE(tag->manifest);
  EXPECT_NE(FindFile(*plan, "v2/team/app/manifests/" + image.digest()), nullptr);
  // Blobs are served from one folder by a rewrite: no file per repository.
  EXPECT_EQ(FindFile(*plan, "v2/team/app/blobs/" + image.digest()), nullptr);

  const SiteFile* list = FindFile(*plan, "v2/team/app/tags/list");
  ASSERT_NE(list, nullptr);
  std::string fallback = "sha256-" + image.digest().substr(7);
  EXPECT_EQ(list->content, absl::StrCat("{\"name\":\"team/app\",\"tags\":[\"sbom\",\"",
                                        fallback, "\",\"v1\"]}"));
  const SiteFile* referrers = FindFile(*plan, "v2/team/app/referrers/" + image.digest());
  ASSERT_NE(referrers, nullptr);
  EXPECT_THAT(referrers->content, HasSubstr(sbom.digest()));
  EXPECT_THAT(referrers->content, HasSubstr("\"artifactType\":\"application/vnd.example+json\""));
  const SiteFile* by_tag = FindFile(*plan, "v2/team/app/manifests/" + fallback);
  ASSERT_NE(by_tag, nullptr);
  EXPECT_EQ(by_tag->content, referrers->content);
  EXPECT_EQ(by_tag->digest, Sha256::DigestOf(referrers->content));
  EXPECT_NE(FindFile(*plan, "v2/team/app/manifests/" + by_tag->digest), nullptr);

  EXPECT_EQ(FindFile(*plan, "v2/_catalog")->content, "{\"repositories\":[\"team/app\"]}");
  EXPECT_EQ(FindFile(*plan, "v2/_ping.json")->content, "{}");
  // Sorted, unique paths.
  for (size_t i = 1; i < plan->files.size(); ++i) {
    EXPECT_LT(plan->files[i - 1].path, plan->files[i].path);
  }
  EXPECT_EQ(plan->blobs.size(), 6u);
  ASSERT_EQ(plan->generated_blobs.size(), 1u);
  EXPECT_EQ(plan->generated_blobs.begin()->first, by_tag->digest);
  EXPECT_EQ(plan->generated_blobs.begin()->second, referrers->content);

  // For servers that cannot rewrite: a file per repository and blob.
  PlanOptions links;
  links.blob_links = true;
  absl::StatusOr<SitePlan> linked = PlanSite(*s, links);
  ASSERT_TRUE(linked.ok()) << linked.status();
  const SiteFile* blob = FindFile(*linked, "v2/team/app/blobs/" + image.digest());
  ASSERT_NE(blob, nullptr);
  EXPECT_EQ(blob->blob, image.digest());
  const SiteFile* made = FindFile(*linked, "v2/team/app/blobs/" + by_tag->digest);
  ASSERT_NE(made, nullptr);
  EXPECT_EQ(made->content, referrers->content);
}

TEST(PlanTest, PatternsAndConflicts) {
  absl::StatusOr<store::Store> s = store::Store::Init(NewDir());
  ASSERT_TRUE(s.ok());
  oci::Descriptor image = WriteImage(s->layout(), "x");
  ASSERT_TRUE(s->SetTags({{store::TagName{"team/app", "tags"}, image},
                          {store::TagName{"other/thing", "v1"}, image}})
                  .ok());
  PlanOptions only;
  only.repo_patterns = {"other/*"};
  absl::StatusOr<SitePlan> plan = PlanSite(*s, only);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->repositories, std::vector<std::string>{"other/thing"});

  // team/app's tag "tags" is a file where team/app/manifests/tags/list would
  // need a folder.
  ASSERT_TRUE(s->SetTags({{store::TagName{"team/app/manifests", "v1"}, image}}).ok());
  absl::StatusOr<SitePlan> conflict = PlanSite(*s, PlanOptions{});
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(conflict.status().message()),
              HasSubstr("one would be a file and a folder at once"));
}

TEST(PlanTest, ErrorBody) {
  EXPECT_EQ(ErrorBody("BLOB_UNKNOWN", "blob unknown to registry"),
            "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to "
            "registry\",\"detail\":{}}]}");
}

struct HostCase {
  std::string url, host, error;
};

TEST(RegistryHostTest, Table) {
  const HostCase cases[] = {
      {"https://registry.example.com", "registry.example.com", ""},
      {"http://127.0.0.1:8080/", "127.0.0.1:8080", ""},
      {"https://[::1]:5000", "[::1]:5000", ""},
      {"registry.example.com", "", "must start with https:// or http://"},
      {"https://example.com/mirror", "", "has a path"},
      {"https://example.com?x=1", "", "has a path"},
      {"https://bad_host.com", "", "is not a host name"},
      {"https://", "", "is not a host name"},
  };
  for (const HostCase& c : cases) {
    absl::StatusOr<std::string> host = RegistryHost(c.url);
    if (c.error.empty()) {
      ASSERT_TRUE(host.ok()) << c.url << ": " << host.status();
      EXPECT_EQ(*host, c.host);
    } else {
      EXPECT_EQ(host.status().code(), absl::StatusCode::kInvalidArgument) << c.url;
      EXPECT_THAT(std::string(host.status().message()), HasSubstr(c.error)) << c.url;
    }
  }
}

TEST(ServersTest, NginxMapsEveryManifest) {
  SitePlan plan;
  SiteFile f;
  f.path = "v2/team/app/manifests/v1";
  f.blob = "sha256:" + std::string(64, 'a');
  f.content_type = oci::kDockerManifestList;
  f.digest = f.blob;
  f.manifest = true;
  plan.files.push_back(f);
  ServerOptions o;
  o.www_root = "/srv/x/www";
  o.out_root = "/srv/x";
  plan.planned = {"team/app"};
  std::vector<GeneratedFile> files = ServerFiles(Server::kNginx, plan, o);
  ASSERT_GE(files.size(), 5u);
  // Shards are by FNV-1a of the name, fixed so that names never move.
  EXPECT_EQ(NginxShard("team/app"), 0x328);
  EXPECT_EQ(files[0].path, "nginx/maps/328.kind");
  EXPECT_EQ(files[0].content, "\"/v2/team/app/manifests/v1\" docker-list;\n");
  EXPECT_EQ(files[1].path, "nginx/maps/328.digest");
  EXPECT_EQ(files[1].content,
            "\"/v2/team/app/manifests/v1\" " + std::string(64, 'a') + ";\n");
  EXPECT_EQ(NginxShardFiles(5)[1], "nginx/maps/005.digest");
  EXPECT_LT(NginxShard("team/app"), kNginxShards);
  EXPECT_EQ(files[2].path, "nginx/stowage-http.conf");
  EXPECT_THAT(files[2].content, HasSubstr("include \"/srv/x/nginx/maps/*.kind\";"));
  EXPECT_THAT(files[3].content,
              HasSubstr("default_type application/vnd.docker.distribution.manifest.list.v2+json;"));
  EXPECT_EQ(ParseServer("iis").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace stowage::publish
