#include "lib/publish/servers.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stowage::publish {
namespace {

using ::testing::HasSubstr;

struct Case {
  std::string input;
  std::string error;  // "" when accepted, else part of the message
};

TEST(CheckListenTest, Table) {
  const std::vector<Case> cases = {
      {"127.0.0.1:8080", ""},
      {"0.0.0.0:1", ""},
      {"10.1.2.3:65535", ""},
      {"[::1]:8080", ""},
      {"[::]:80", ""},
      {"[2001:db8::1]:443", ""},
      {"localhost:8080", ""},
      {"registry.example.com:5000", ""},
      {"a-b.c-d:80", ""},
      {"127.0.0.1:99999", "PORT must be a decimal number from 1 to 65535"},
      {"127.0.0.1:65536", "PORT must be"},
      {"127.0.0.1:0", "PORT must be"},
      {"127.0.0.1:08080", "PORT must be"},
      {"127.0.0.1:+8080", "PORT must be"},
      {"127.0.0.1:-1", "PORT must be"},
      {"127.0.0.1:", "PORT must be"},
      {"127.0.0.1:80 ", "PORT must be"},
      {"127.0.0.1", "the :PORT is missing"},
      {":8080", "the HOST is missing"},
      {"::1:8080", "IPv6 address must be in brackets"},
      {"[::1]8080", "in brackets, then :PORT"},
      {"[::1:8080", "in brackets, then :PORT"},
      {"[127.0.0.1]:8080", "not an IPv6 address"},
      {"[fe80::1%eth0]:8080", "not an IPv6 address"},
      {"[::1;]:8080", "not an IPv6 address"},
      {"256.1.1.1:80", "neither an IPv4 address nor a DNS name"},
      {"1.2.3:80", "neither an IPv4"},
      {"-bad.example:80", "neither an IPv4"},
      {"bad-.example:80", "neither an IPv4"},
      {"a..b:80", "neither an IPv4"},
      {"example.com.:80", "neither an IPv4"},
      {"under_score:80", "neither an IPv4"},
      {std::string(64, 'a') + ":80", "neither an IPv4"},
      {"127.0.0.1:18083; location = /pw { alias /etc/passwd; } #", "PORT must be"},
      {"127.0.0.1:8080\nLoadModule x /tmp/x.so", "PORT must be"},
      {"127.0.0.1:8080 {\n}\n:9999", "neither an IPv4"},
      {"evil{host}:80", "neither an IPv4"},
      {"h\xc3\xa9:80", "neither an IPv4"},
  };
  for (const Case& c : cases) {
    absl::Status s = CheckListen(c.input);
    if (c.error.empty()) {
      EXPECT_TRUE(s.ok()) << c.input << ": " << s;
      continue;
    }
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.input;
    EXPECT_THAT(s.message(), HasSubstr(c.error)) << c.input;
    EXPECT_THAT(s.message(), HasSubstr("--listen \"")) << c.input;
  }
}

TEST(CheckListenTest, ControlCharactersAreShownEscaped) {
  absl::Status s = CheckListen("127.0.0.1:8080\nListen 9999");
  EXPECT_THAT(s.message(), HasSubstr("\"127.0.0.1:8080\\nListen 9999\""));
  EXPECT_FALSE(absl::StrContains(s.message(), "\n"));
}

TEST(CheckServeRootTest, Table) {
  const std::vector<Case> cases = {
      {"/", ""},
      {"/srv/registry", ""},
      {"/srv/reg+istry@1=2,3~x/a_b-c.d", ""},
      {"relative/path", "must be an absolute path"},
      {"", "must be an absolute path"},
      {"/srv//registry", "must be normalised"},
      {"/srv/./registry", "must be normalised"},
      {"/srv/../etc", "must be normalised"},
      {"/srv/registry/", "must be normalised"},
      {"/srv/my registry", "\" \" at offset 7 cannot be carried"},
      {"/srv/a;b", "\";\""},
      {"/srv/a{b}", "cannot be carried"},
      {"/srv/a#b", "cannot be carried"},
      {"/srv/a$b", "cannot be carried"},
      {"/srv/a\"b", "cannot be carried"},
      {"/srv/a'b", "cannot be carried"},
      {"/srv/a\\b", "cannot be carried"},
      {"/srv/a\nb", "\"\\n\" at offset 6"},
      {"/srv/a\tb", "cannot be carried"},
      {"/srv/a`b", "cannot be carried"},
      {"/srv/a*b", "cannot be carried"},
      {"/srv/\xc3\xa9", "cannot be carried"},
      {"/srv/\xff", "\"\\xff\""},
      {"/tmp/x; } location /pw { alias /etc/passwd; } #", "cannot be carried"},
  };
  for (const Case& c : cases) {
    absl::Status s = CheckServeRoot(c.input);
    if (c.error.empty()) {
      EXPECT_TRUE(s.ok()) << c.input << ": " << s;
      continue;
    }
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.input;
    EXPECT_THAT(s.message(), HasSubstr(c.error)) << c.input;
    EXPECT_THAT(s.message(), HasSubstr("--serve-root \"")) << c.input;
  }
}

SitePlan OnePlan(const std::string& path, const std::string& type,
                 const std::string& digest) {
  SitePlan plan;
  SiteFile f;
  f.path = path;
  f.content_type = type;
  f.digest = digest;
  f.manifest = true;
  plan.files.push_back(f);
  return plan;
}

ServerOptions GoodOptions() {
  ServerOptions o;
  o.out_root = "/srv/registry";
  o.www_root = "/srv/registry/www";
  o.listen = "[::1]:8080";
  return o;
}

const std::string kDigest = "sha256:" + std::string(64, 'a');

TEST(CheckedServerFilesTest, RefusesWhatNoSyntaxCanCarry) {
  const struct {
    SitePlan plan;
    std::string error;
  } cases[] = {
      {OnePlan("v2/a/manifests/v1", "application/vnd.oci.image.manifest.v1+json", kDigest),
       ""},
      {OnePlan("v2/a/manifests/v1\nDirectoryIndex x", "application/json", kDigest),
       "must be a relative path"},
      {OnePlan("v2/a b/manifests/v1", "application/json", kDigest), "must be a relative"},
      {OnePlan("v2/a/../manifests/v1", "application/json", kDigest), "\"..\" component"},
      {OnePlan("v2/a/manifests/v1", "application/json\n    Header set X y", kDigest),
       "is not a media type"},
      {OnePlan("v2/a/manifests/v1", "text/{$HOME}", kDigest), "is not a media type"},
      {OnePlan("v2/a/manifests/v1", "application/json", "sha256:\" x"),
       "is not sha256:<64 lowercase hex>"},
      {OnePlan("v2/a/manifests/v1", "application/json", "sha256:" + std::string(64, 'A')),
       "is not sha256"},
  };
  for (const auto& c : cases) {
    for (Server server : {Server::kNginx, Server::kApache, Server::kCaddy, Server::kS3}) {
      absl::StatusOr<std::vector<GeneratedFile>> files =
          CheckedServerFiles(server, c.plan, GoodOptions());
      if (c.error.empty()) {
        EXPECT_TRUE(files.ok()) << files.status();
        continue;
      }
      EXPECT_EQ(files.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(files.status().message(), HasSubstr(c.error));
    }
  }
}

TEST(CheckedServerFilesTest, ChecksOptions) {
  ServerOptions o = GoodOptions();
  o.listen = "127.0.0.1:1; }";
  SitePlan plan;
  EXPECT_THAT(CheckedServerFiles(Server::kNginx, plan, o).status().message(),
              HasSubstr("--listen"));
  o = GoodOptions();
  o.www_root = "/srv/a b/www";
  EXPECT_THAT(CheckedServerFiles(Server::kApache, plan, o).status().message(),
              HasSubstr("served root"));
  o = GoodOptions();
  o.catalog_files = {"r/it's.html"};
  EXPECT_THAT(CheckedServerFiles(Server::kS3, plan, o).status().message(),
              HasSubstr("catalog file"));
}

std::string Content(const std::vector<GeneratedFile>& files, const std::string& path) {
  for (const GeneratedFile& f : files) {
    if (f.path == path) return f.content;
  }
  return "<missing " + path + ">";
}

TEST(ServerFilesTest, QuotesPathsForEachSyntax) {
  SitePlan plan = OnePlan("v2/a/manifests/v1", "application/vnd.oci.image.manifest.v1+json",
                          kDigest);
  ServerOptions o = GoodOptions();
  std::vector<GeneratedFile> nginx = ServerFiles(Server::kNginx, plan, o);
  EXPECT_THAT(Content(nginx, "nginx/stowage-server.conf"),
              HasSubstr("root \"/srv/registry/www\";"));
  EXPECT_THAT(Content(nginx, "nginx/nginx.conf"), HasSubstr("listen \"[::1]:8080\";"));
  std::vector<GeneratedFile> apache_conf = ServerFiles(Server::kApache, plan, o);
  EXPECT_THAT(Content(apache_conf, "apache/httpd.conf"), HasSubstr("Listen \"[::1]:8080\"\n"));
  EXPECT_THAT(Content(nginx, "nginx/nginx.conf"),
              HasSubstr("load_module /usr/lib/nginx/modules/ngx_http_js_module.so;"));
  EXPECT_THAT(Content(nginx, "nginx/stowage-http.conf"),
              HasSubstr("js_import stowage from \"/srv/registry/nginx/stowage-tags.js\";"));
  EXPECT_THAT(Content(nginx, "nginx/stowage-tags.js"), HasSubstr("MAX_N = 10000;"));
  std::vector<GeneratedFile> apache = ServerFiles(Server::kApache, plan, o);
  EXPECT_THAT(Content(apache, "apache/stowage.conf"),
              HasSubstr("DocumentRoot \"/srv/registry/www\""));
  EXPECT_THAT(Content(apache, "v2/a/manifests/.htaccess"),
              HasSubstr("<Files \"v1\">\n    ForceType "
                        "\"application/vnd.oci.image.manifest.v1+json\""));
  std::vector<GeneratedFile> caddy = ServerFiles(Server::kCaddy, plan, o);
  EXPECT_THAT(Content(caddy, "caddy/Caddyfile"), HasSubstr("root * \"/srv/registry/www\""));
  EXPECT_THAT(Content(caddy, "caddy/Caddyfile"), HasSubstr("\"http://[::1]:8080\" {"));
}

TEST(ServerFilesTest, CommentsStayOneLine) {
  ServerOptions o = GoodOptions();
  o.listen = "x\nListen 1";  // ServerFiles does not check; comments still hold
  for (Server server : {Server::kNginx, Server::kApache, Server::kCaddy}) {
    for (const GeneratedFile& f : ServerFiles(server, SitePlan{}, o)) {
      EXPECT_FALSE(absl::StrContains(f.content, "serving the tree on x\n")) << f.path;
    }
  }
}

}  // namespace
}  // namespace stowage::publish
