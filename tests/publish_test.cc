// End-to-end: stowage publish, served by real nginx, Apache and Caddy, and
// pulled by real clients: skopeo, podman, Docker (a private dockerd) and
// containerd (a private containerd with ctr). Every pulled digest must equal
// the store's.

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/crypto/sha256.h"
#include "tests/harness/daemon.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::Daemon;
using ::stowage::testing::FreePort;
using ::stowage::testing::MakeImages;
using ::stowage::testing::RefDigest;
using ::stowage::testing::Result;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::Trim;
using ::stowage::testing::WaitForFile;
using ::stowage::testing::WaitForPort;
using ::testing::HasSubstr;
using ::testing::Not;

// The whole suite shares one store, published once per server kind, and the
// servers serving it. Everything lives under /tmp (web server workers run
// as nobody / www-data and must reach the files).
struct World {
  std::string dir;
  std::string images;
  std::string store;
  int nginx_port = 0, apache_port = 0, caddy_port = 0;
  std::unique_ptr<Daemon> nginx, apache, caddy;
  std::map<std::string, std::string> digests;  // "repo:tag" -> digest
  std::string single_layer;  // the single image's layer, in team/app and team/docker

  std::string Out(const std::string& server) const { return dir + "/out-" + server; }
  std::string Nginx() const { return absl::StrCat("127.0.0.1:", nginx_port); }
};

World* world = nullptr;

Result Sto(std::vector<std::string> args) {
  args.push_back("--store");
  args.push_back(world->store);
  return Stowage(args);
}

class PublishTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world = new World;
    char tmpl[] = "/tmp/stowage-publish-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    world->dir = tmpl;
    ASSERT_EQ(Shell("chmod 755 " + world->dir).exit_code, 0);
    world->images = world->dir + "/images";
    world->store = world->dir + "/store";
    Result r = MakeImages(world->images);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(Stowage({"init", world->store}).exit_code, 0);
    struct Import {
      std::string source, target;
    } imports[] = {
        {"oci:" + world->images + "/single:v1", "team/app:v1"},
        {"oci:" + world->images + "/artifact:sbom", "team/app:sbom"},
        {"oci:" + world->images + "/multi:latest", "library/multi:latest"},
        {"oci:" + world->images + "/multiref:a", "org/sub/tools:a"},
        {"oci:" + world->images + "/multiref:b", "org/sub/tools:b"},
        {"oci:" + world->images + "/docker:v1", "team/docker:v1"},
        {"oci:" + world->images + "/nested:nested", "team/nested:1"},
    };
    for (const Import& i : imports) {
      Result imp = Sto({"import", i.source, i.target});
      ASSERT_EQ(imp.exit_code, 0) << imp.err;
      std::vector<std::string> parts = absl::StrSplit(Trim(imp.out), ' ');
      world->digests[i.target] = parts[1];
    }
    world->single_layer = "sha256:" + Trim(Shell("cd " + world->images +
                                                  "/single/blobs/sha256 && ls -S | head -1")
                                                .out);
    world->nginx_port = FreePort();
    world->apache_port = FreePort();
    world->caddy_port = FreePort();
    for (auto [server, port] : {std::pair<std::string, int>{"nginx", world->nginx_port},
                                {"apache", world->apache_port},
                                {"caddy", world->caddy_port}}) {
      Result pub = Sto({"publish", world->Out(server), "--server", server, "--listen",
                        absl::StrCat("127.0.0.1:", port)});
      ASSERT_EQ(pub.exit_code, 0) << pub.err;
    }
    std::string n = world->Out("nginx");
    world->nginx = std::make_unique<Daemon>(
        std::vector<std::string>{"nginx", "-p", n + "/nginx", "-c", n + "/nginx/nginx.conf",
                                 "-g", "daemon off;"},
        world->dir + "/nginx.log");
    ASSERT_TRUE(WaitForPort(world->nginx_port, 10)) << world->nginx->LogText();
    std::string a = world->Out("apache");
    world->apache = std::make_unique<Daemon>(
        std::vector<std::string>{"/usr/sbin/apache2", "-f", a + "/apache/httpd.conf",
                                 "-DFOREGROUND"},
        world->dir + "/apache.log");
    ASSERT_TRUE(WaitForPort(world->apache_port, 10)) << world->apache->LogText();
    std::string c = world->Out("caddy");
    world->caddy = std::make_unique<Daemon>(
        std::vector<std::string>{"caddy", "run", "--config", c + "/caddy/Caddyfile",
                                 "--adapter", "caddyfile"},
        world->dir + "/caddy.log",
        std::vector<std::string>{"HOME=" + world->dir, "XDG_CONFIG_HOME=" + world->dir,
                                 "XDG_DATA_HOME=" + world->dir});
    ASSERT_TRUE(WaitForPort(world->caddy_port, 10)) << world->caddy->LogText();
  }

  static void TearDownTestSuite() {
    if (world == nullptr) return;
    world->nginx.reset();
    world->apache.reset();
    world->caddy.reset();
    Shell("rm -rf " + world->dir);
    delete world;
    world = nullptr;
  }

  static std::string Skopeo(const std::string& args) {
    return "skopeo --insecure-policy " + args;
  }
};

TEST_F(PublishTest, SkopeoInspectsListsAndCopiesFromNginx) {
  const std::string host = world->Nginx();
  for (std::string ref : {"team/app:v1", "org/sub/tools:a", "org/sub/tools:b",
                                 "library/multi:latest", "team/docker:v1"}) {
    Result inspect = Shell(Skopeo("inspect --raw --tls-verify=false docker://" + host +
                                  "/" + ref + " | sha256sum | cut -c1-64"));
    EXPECT_EQ("sha256:" + Trim(inspect.out), world->digests[ref]) << ref << inspect.err;
    // By tag and by digest, into a layout whose entry must keep the digest.
    std::string repo = ref.substr(0, ref.find(':'));
    for (const std::string& src :
         {ref, repo + "@" + world->digests[ref]}) {
      std::string dest = world->dir + "/pulled-" + std::to_string(getpid()) + "-" +
                         std::to_string(rand());
      Result copy = Shell(Skopeo("copy -q --all --preserve-digests --src-tls-verify=false docker://" +
                                 host + "/" + src + " oci:" + dest + ":x"));
      ASSERT_EQ(copy.exit_code, 0) << src << ": " << copy.err;
      EXPECT_EQ(RefDigest(dest, "x"), world->digests[ref]) << src;
    }
  }
  Result tags = Shell(Skopeo("list-tags --tls-verify=false docker://" + host +
                             "/org/sub/tools | jq -c .Tags"));
  EXPECT_EQ(Trim(tags.out), "[\"a\",\"b\"]") << tags.err;
}

TEST_F(PublishTest, MultiPlatformIndexWithAllAndOverrideArch) {
  const std::string host = world->Nginx();
  std::string index_digest = world->digests["library/multi:latest"];
  std::string arm = Trim(Shell("jq -r '.manifests[] | select(.platform.architecture == \"arm64\") | .digest' " +
                               world->images + "/multi/blobs/sha256/" + index_digest.substr(7))
                             .out);
  std::string dest = world->dir + "/multi-arm";
  Result copy = Shell(Skopeo("copy -q --override-arch arm64 --preserve-digests --src-tls-verify=false docker://" +
                             host + "/library/multi:latest oci:" + dest + ":arm"));
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  EXPECT_EQ(RefDigest(dest, "arm"), arm);
  // A child manifest by digest: the path --override-arch pulls take.
  Result child = Shell(Skopeo("inspect --tls-verify=false docker://" + host + "/library/multi@" +
                              arm + " | jq -r .Architecture"));
  EXPECT_EQ(Trim(child.out), "arm64") << child.err;
}

TEST_F(PublishTest, PodmanPullsByTagAndDigest) {
  std::string root = world->dir + "/podman";
  std::string podman = "podman --root " + root + "/root --runroot " + root +
                       "/run --storage-driver vfs ";
  for (const std::string& ref : {std::string("team/app:v1"),
                                 "team/app@" + world->digests["team/app:v1"],
                                 std::string("library/multi:latest")}) {
    Result pull = Shell(podman + "pull -q --tls-verify=false " + world->Nginx() + "/" + ref);
    EXPECT_EQ(pull.exit_code, 0) << ref << ": " << pull.err;
  }
  Result digests = Shell(podman + "images --digests --format '{{.Repository}}:{{.Tag}} {{.Digest}}' | sort");
  EXPECT_THAT(digests.out, HasSubstr(world->Nginx() + "/team/app:v1 " +
                                     world->digests["team/app:v1"]));
  EXPECT_THAT(digests.out, HasSubstr(world->Nginx() + "/library/multi:latest " +
                                     world->digests["library/multi:latest"]));
  Shell(podman + "rmi -af >/dev/null 2>&1");
}

// stowage's own docker:// transport pulls from what it published: every
// tag of a repository (the tag list nginx pages), an index whole.
TEST_F(PublishTest, StowagePullsBackWhatItPublished) {
  std::string store = world->dir + "/pulled";
  ASSERT_EQ(Shell("rm -rf " + store).exit_code, 0);
  ASSERT_EQ(Stowage({"init", store}).exit_code, 0);
  Result multi = Stowage({"import", "--store", store,
                          "docker://" + world->Nginx() + "/library/multi:latest"});
  ASSERT_EQ(multi.exit_code, 0) << multi.err;
  EXPECT_EQ(multi.out, "library/multi:latest " + world->digests["library/multi:latest"] + "\n");
  Result all = Stowage({"import", "--store", store, "--all",
                        "docker://" + world->Nginx() + "/org/sub/tools"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, "org/sub/tools:a " + world->digests["org/sub/tools:a"] +
                         "\norg/sub/tools:b " + world->digests["org/sub/tools:b"] + "\n");
  // With --referrers, the SBOM artifact whose subject is team/app:v1 comes
  // through the referrers API nginx serves, under a tag naming both.
  Result refs = Stowage({"import", "--store", store, "--referrers",
                         "docker://" + world->Nginx() + "/team/app:v1"});
  ASSERT_EQ(refs.exit_code, 0) << refs.err;
  const std::string v1 = world->digests["team/app:v1"], sbom = world->digests["team/app:sbom"];
  EXPECT_THAT(refs.out, HasSubstr("team/app:sha256-" + v1.substr(7) + ".ref-" + sbom.substr(7, 12) +
                                  " " + sbom + "\n"));
  Result check = Stowage({"check", "--store", store});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(PublishTest, DockerPullsByTagAndDigest) {
  std::string d = world->dir + "/docker";
  ASSERT_EQ(Shell("mkdir -p " + d + " && echo '{}' > " + d + "/daemon.json").exit_code, 0);
  std::string sock = d + "/docker.sock";
  Daemon dockerd({"dockerd", "--data-root", d + "/data", "--exec-root", d + "/exec",
                  "--pidfile", d + "/docker.pid", "-H", "unix://" + sock,
                  "--storage-driver", "vfs", "--iptables=false", "--ip6tables=false",
                  "--bridge=none", "--ip-masq=false", "--userland-proxy=false",
                  "--config-file", d + "/daemon.json"},
                 d + "/dockerd.log");
  ASSERT_TRUE(WaitForFile(sock, 30)) << dockerd.LogText();
  std::string docker = "docker -H unix://" + sock + " ";
  ASSERT_EQ(Shell("for i in $(seq 100); do " + docker +
                  "version >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1")
                .exit_code,
            0)
      << dockerd.LogText();
  // 127.0.0.0/8 registries are plain HTTP for Docker without configuration.
  for (const std::string& ref : {std::string("team/app:v1"),
                                 "team/app@" + world->digests["team/app:v1"],
                                 std::string("library/multi:latest"),
                                 std::string("team/docker:v1")}) {
    Result pull = Shell(docker + "pull -q " + world->Nginx() + "/" + ref);
    EXPECT_EQ(pull.exit_code, 0) << ref << ": " << pull.err << pull.out;
  }
  Result digests = Shell(docker + "images --digests --format '{{.Repository}}:{{.Tag}} {{.Digest}}'");
  for (std::string ref : {"team/app:v1", "library/multi:latest", "team/docker:v1"}) {
    EXPECT_THAT(digests.out, HasSubstr(world->Nginx() + "/" + ref + " " + world->digests[ref]))
        << digests.out;
  }
}

TEST_F(PublishTest, ContainerdPullsByTagAndDigest) {
  std::string d = world->dir + "/containerd";
  ASSERT_EQ(Shell("mkdir -p " + d).exit_code, 0);
  std::string sock = d + "/containerd.sock";
  ASSERT_EQ(Shell("printf 'version = 2\\nroot = \"" + d + "/root\"\\nstate = \"" + d +
                  "/state\"\\n[grpc]\\n  address = \"" + sock +
                  "\"\\n[ttrpc]\\n  address = \"" + sock + ".ttrpc\"\\n' > " + d + "/config.toml")
                .exit_code,
            0);
  Daemon containerd({"containerd", "--config", d + "/config.toml"}, d + "/containerd.log");
  ASSERT_TRUE(WaitForFile(sock, 20)) << containerd.LogText();
  std::string ctr = "ctr -a " + sock + " ";
  for (const std::string& ref : {std::string("team/app:v1"),
                                 "team/app@" + world->digests["team/app:v1"],
                                 std::string("library/multi:latest")}) {
    Result pull = Shell(ctr + "images pull --plain-http --snapshotter native " +
                        world->Nginx() + "/" + ref);
    EXPECT_EQ(pull.exit_code, 0) << ref << ": " << pull.err << pull.out;
  }
  Result list = Shell(ctr + "images ls | awk 'NR>1 {print $1, $3}'");
  EXPECT_THAT(list.out, HasSubstr(world->Nginx() + "/team/app:v1 " + world->digests["team/app:v1"]));
  EXPECT_THAT(list.out, HasSubstr(world->Nginx() + "/library/multi:latest " +
                                  world->digests["library/multi:latest"]));
}

// Status, Content-Type and Docker-Content-Digest of one request.
struct Answer {
  std::string status, type, digest, body;
};

Answer Get(const std::string& url, const std::string& method = "GET") {
  Result r = Shell("curl -s -X " + method + (method == "HEAD" ? " -I" : "") +
                   " -D - -o /dev/null -w '' '" + url + "'");
  Answer a;
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(line, "HTTP/")) a.status = std::string(line.substr(9, 3));
    std::string lower = absl::AsciiStrToLower(line);
    if (absl::StartsWith(lower, "content-type:")) {
      a.type = std::string(absl::StripAsciiWhitespace(line.substr(13)));
    }
    if (absl::StartsWith(lower, "docker-content-digest:")) {
      a.digest = std::string(absl::StripAsciiWhitespace(line.substr(22)));
    }
  }
  if (method == "GET") a.body = Shell("curl -s '" + url + "'").out;
  return a;
}

TEST_F(PublishTest, EveryServerAnswersTheSame) {
  const std::string app = world->digests["team/app:v1"];
  for (const auto& [name, port] : std::map<std::string, int>{{"nginx", world->nginx_port},
                                                              {"apache", world->apache_port},
                                                              {"caddy", world->caddy_port}}) {
    std::string base = absl::StrCat("http://127.0.0.1:", port, "/v2/");
    SCOPED_TRACE(name);
    Answer ping = Get(base);
    EXPECT_EQ(ping.status, "200");
    EXPECT_THAT(ping.type, HasSubstr("application/json"));
    for (std::string method : {"GET", "HEAD"}) {
      Answer m = Get(base + "team/app/manifests/v1", method);
      EXPECT_EQ(m.status, "200") << method;
      EXPECT_EQ(m.type, "application/vnd.oci.image.manifest.v1+json") << method;
      EXPECT_EQ(m.digest, app) << method;
    }
    Answer by_digest = Get(base + "team/app/manifests/" + app);
    EXPECT_EQ(by_digest.digest, app);
    Answer index = Get(base + "library/multi/manifests/latest");
    EXPECT_EQ(index.type, "application/vnd.oci.image.index.v1+json");
    Answer docker = Get(base + "team/docker/manifests/v1");
    EXPECT_EQ(docker.type, "application/vnd.docker.distribution.manifest.v2+json");
    // The manifest is a blob too.
    Answer as_blob = Get(base + "team/app/blobs/" + app);
    EXPECT_EQ(as_blob.status, "200");
    EXPECT_EQ(as_blob.digest, app);
    EXPECT_EQ(as_blob.type, "application/octet-stream");
    // A layer shared by two repositories, served from the one blob folder.
    for (const char* repo : {"team/app", "team/docker"}) {
      Answer layer = Get(absl::StrCat(base, repo, "/blobs/", world->single_layer));
      EXPECT_EQ(layer.status, "200") << repo;
      EXPECT_EQ(layer.digest, world->single_layer) << repo;
      EXPECT_EQ(Sha256::DigestOf(layer.body), world->single_layer) << repo;
    }
    Answer list = Get(base + "org/sub/tools/tags/list");
    EXPECT_EQ(list.body, "{\"name\":\"org/sub/tools\",\"tags\":[\"a\",\"b\"]}");
    Answer catalog = Get(base + "_catalog");
    EXPECT_EQ(catalog.body,
              "{\"repositories\":[\"library/multi\",\"org/sub/tools\",\"team/app\","
              "\"team/docker\",\"team/nested\"]}");
    // Errors: JSON in the distribution-spec format, never HTML.
    struct Miss {
      std::string path, code;
    } misses[] = {
        {"team/app/manifests/nope", "MANIFEST_UNKNOWN"},
        {"team/app/blobs/sha256:" + std::string(64, '0'), "BLOB_UNKNOWN"},
        {"no/such/tags/list", "NAME_UNKNOWN"},
        {"team/app/blobs/sha256:NOT-A-DIGEST", ""},
        // A blob that exists, under a name that is not a repository.
        {"no/such/blobs/" + world->single_layer, "BLOB_UNKNOWN"},
    };
    for (const Miss& miss : misses) {
      Answer a = Get(base + miss.path);
      EXPECT_EQ(a.status, "404") << miss.path;
      EXPECT_THAT(a.type, HasSubstr("application/json")) << miss.path;
      EXPECT_THAT(a.body, HasSubstr("{\"errors\":[{\"code\":\"" + miss.code)) << miss.path;
    }
    // The blob folder has no address of its own.
    EXPECT_EQ(Get(base + "../_blobs/" + world->single_layer.substr(7)).status, "404");
    // Referrers: the artifact's subject lists it; any other digest, none.
    Answer refs = Get(base + "team/app/referrers/" + app);
    EXPECT_EQ(refs.status, "200");
    EXPECT_EQ(refs.type, "application/vnd.oci.image.index.v1+json");
    EXPECT_THAT(refs.body, HasSubstr(world->digests["team/app:sbom"]));
    EXPECT_THAT(refs.body, HasSubstr("\"artifactType\":\"application/vnd.example.sbom.v1+json\""));
    Answer none = Get(base + "team/app/referrers/sha256:" + std::string(64, '1'));
    EXPECT_EQ(none.status, "200");
    EXPECT_EQ(none.body,
              "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
              "\"manifests\":[]}");
    // The tag fallback for clients that do not ask the referrers API.
    Answer fallback = Get(base + "team/app/manifests/sha256-" + app.substr(7));
    EXPECT_EQ(fallback.status, "200");
    EXPECT_EQ(fallback.body, refs.body);
    // Configuration is not content.
    EXPECT_NE(Get(base + "team/app/manifests/.htaccess").status, "200");
    // The catalog, beside the pull API, with its types.
    std::string site = absl::StrCat("http://127.0.0.1:", port, "/");
    for (const char* page : {"", "index.html", "r/team/app/index.html", "u/org/index.html",
                             "search.html"}) {
      Answer a = Get(site + page);
      EXPECT_EQ(a.status, "200") << page;
      EXPECT_THAT(a.type, HasSubstr("text/html")) << page;
      EXPECT_THAT(a.body, HasSubstr("</html>")) << page;
    }
    EXPECT_THAT(Get(site + "r/org/sub/tools/index.html").body, HasSubstr("org/sub/tools"));
    EXPECT_THAT(Get(site + "_catalog/stowage.css").type, HasSubstr("text/css"));
    EXPECT_THAT(Get(site + "_catalog/search.js").type, HasSubstr("javascript"));
    Answer node = Get(site + "_catalog/search/n/t.json");
    EXPECT_EQ(node.status, "200");
    EXPECT_THAT(node.type, HasSubstr("json"));
    EXPECT_THAT(node.body, HasSubstr("\"team\""));
    EXPECT_NE(Get(site + ".htaccess").status, "200");
  }
}

TEST_F(PublishTest, ApacheAndCaddyServeSkopeo) {
  for (int port : {world->apache_port, world->caddy_port}) {
    std::string host = absl::StrCat("127.0.0.1:", port);
    Result inspect = Shell(Skopeo("inspect --tls-verify=false docker://" + host +
                                  "/team/app:v1 | jq -r .Digest"));
    EXPECT_EQ(Trim(inspect.out), world->digests["team/app:v1"]) << host << inspect.err;
    std::string dest = absl::StrCat(world->dir, "/via-", port);
    Result copy = Shell(Skopeo("copy -q --all --preserve-digests --src-tls-verify=false docker://" +
                               host + "/library/multi:latest oci:" + dest + ":m"));
    ASSERT_EQ(copy.exit_code, 0) << host << ": " << copy.err;
    EXPECT_EQ(RefDigest(dest, "m"), world->digests["library/multi:latest"]);
  }
}

// Status, Content-Type, Docker-Content-Digest, Content-Length and body hash,
// as one comparable line.
std::string Fingerprint(const std::string& url, const std::string& method) {
  const char* accept =
      "application/vnd.oci.image.manifest.v1+json, "
      "application/vnd.oci.image.index.v1+json, "
      "application/vnd.docker.distribution.manifest.v2+json, "
      "application/vnd.docker.distribution.manifest.list.v2+json";
  std::string headers = world->dir + "/h.txt";
  std::string cmd = absl::StrCat(
      "rm -f ", world->dir, "/b.bin; curl -s -o ", world->dir, "/b.bin -D ", headers, " -H 'Accept: ", accept, "' ",
      method == "HEAD" ? "-I " : "", "'", url, "' && ",
      "status=$(head -1 ", headers, " | cut -d' ' -f2); ",
      "type=$(grep -i '^content-type:' ", headers, " | cut -d' ' -f2- | tr -d '\\r'); ",
      "digest=$(grep -i '^docker-content-digest:' ", headers, " | cut -d' ' -f2- | tr -d '\\r'); ",
      "length=$(grep -i '^content-length:' ", headers, " | cut -d' ' -f2- | tr -d '\\r'); ",
      // curl -I writes the headers as the "body": a HEAD has none to hash.
      method == "HEAD" ? "body=none; "
                       : absl::StrCat("body=$(sha256sum < ", world->dir,
                                      "/b.bin | cut -c1-16); "),
      "echo \"$status|$type|$digest|$length|$body\"");
  return Trim(Shell(cmd).out);
}

TEST_F(PublishTest, AnswersLikeTheReferenceRegistry) {
  std::string d = world->dir + "/registry";
  int port = FreePort();
  ASSERT_EQ(Shell(absl::StrCat("mkdir -p ", d, " && printf 'version: 0.1\\nlog:\\n  level: error\\n",
                               "storage:\\n  filesystem:\\n    rootdirectory: ", d,
                               "/data\\nhttp:\\n  addr: 127.0.0.1:", port, "\\n' > ", d,
                               "/config.yml"))
                .exit_code,
            0);
  Daemon registry({"docker-registry", "serve", d + "/config.yml"}, d + "/registry.log");
  ASSERT_TRUE(WaitForPort(port, 20)) << registry.LogText();
  std::string reg = absl::StrCat("127.0.0.1:", port);
  // Push from stowage's static registry into the reference one.
  for (std::string ref : {"library/multi:latest", "org/sub/tools:a", "org/sub/tools:b",
                          "team/docker:v1"}) {
    Result push = Shell(Skopeo("copy -q --all --preserve-digests --src-tls-verify=false "
                               "--dest-tls-verify=false docker://" + world->Nginx() + "/" + ref +
                               " docker://" + reg + "/" + ref));
    ASSERT_EQ(push.exit_code, 0) << ref << ": " << push.err;
  }
  size_t compared = 0;
  for (std::string repo : {"library/multi", "org/sub/tools", "team/docker"}) {
    // The list of paths from Apache's tree (nginx needs no manifest files).
    std::string www = world->Out("apache") + "/www/v2/" + repo;
    // Every manifest by tag and digest, and every blob they name.
    Result files = Shell("cd " + www + " && ls manifests | sed 's,^,manifests/,'; "
                         "{ ls manifests | grep '^sha256:'; jq -r '.config.digest?, "
                         ".layers[]?.digest, .manifests[]?.digest' manifests/*; } | "
                         "grep '^sha256:' | sort -u | sed 's,^,blobs/,'");
    ASSERT_EQ(files.exit_code, 0) << files.err;
    for (absl::string_view file : absl::StrSplit(Trim(files.out), '\n')) {
      // The one intended difference: a manifest is a blob here too (some
      // clients fetch it from /blobs/), where the reference registry says
      // BLOB_UNKNOWN.
      bool manifest_as_blob =
          absl::StartsWith(file, "blobs/") &&
          Shell(absl::StrCat("test -e ", www, "/manifests/", file.substr(6))).exit_code == 0;
      for (std::string method : {"GET", "HEAD"}) {
        std::string path = absl::StrCat("/v2/", repo, "/", file);
        std::string ours = Fingerprint("http://" + world->Nginx() + path, method);
        std::string theirs = Fingerprint("http://" + reg + path, method);
        if (manifest_as_blob) {
          EXPECT_EQ(ours.substr(0, 4), "200|") << method << " " << path;
          EXPECT_EQ(theirs.substr(0, 4), "404|") << method << " " << path;
        } else {
          EXPECT_EQ(ours, theirs) << method << " " << path;
        }
        ++compared;
      }
    }
  }
  EXPECT_GE(compared, 40u);
}

TEST_F(PublishTest, ConfigurationsAreValid) {
  std::string n = world->Out("nginx");
  Result t = Shell("nginx -t -p " + n + "/nginx -c " + n + "/nginx/nginx.conf 2>&1");
  EXPECT_EQ(t.exit_code, 0) << t.out;
  std::string a = world->Out("apache");
  t = Shell("/usr/sbin/apache2 -t -f " + a + "/apache/httpd.conf 2>&1");
  EXPECT_EQ(t.exit_code, 0) << t.out;
  std::string c = world->Out("caddy");
  t = Shell("HOME=" + world->dir + " caddy validate --config " + c +
            "/caddy/Caddyfile --adapter caddyfile 2>&1");
  EXPECT_EQ(t.exit_code, 0) << t.out;
}

TEST_F(PublishTest, EachBlobOnceOnDisk) {
  std::string n = world->Out("nginx");
  // Two repositories share the single image's layers: one inode each.
  std::string layer = Trim(Shell("cd " + world->images + "/single/blobs/sha256 && ls -S | head -1").out);
  EXPECT_EQ(Trim(Shell("readlink " + n + "/www/_blobs").out), "../blobs/sha256");
  EXPECT_EQ(Shell("test -f " + n + "/www/_blobs/" + layer).exit_code, 0);
  EXPECT_EQ(Shell("find " + n + "/www -path '*/blobs/*' | wc -l").out, "0\n");
  // The tree's bytes (each inode once) are the blobs' bytes plus small JSON
  // files and configuration.
  const std::string bytes =
      " -type f ! -path '*/run/*' -printf '%i %s\\n' | sort -u | awk '{s+=$2} END {print s}'";
  long tree = std::stol(Trim(Shell("find " + n + bytes).out));
  long blobs = std::stol(Trim(Shell("find " + n + "/blobs" + bytes).out));
  EXPECT_GT(blobs, 5000000);
  EXPECT_LT(tree - blobs, 100000) << tree << " vs " << blobs;
  // Readable by the web server's user.
  EXPECT_EQ(Shell("find " + n + "/www " + n + "/blobs -type f ! -perm -0444 | wc -l").out, "0\n");
}

}  // namespace
}  // namespace stowage
