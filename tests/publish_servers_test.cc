// End-to-end: what stowage publish puts into server configurations.
// Hostile --listen and --serve-root values are refused before anything is
// written; unusual valid ones give configurations that nginx -t, apache2 -t
// and caddy validate accept; nginx (njs) pages tag lists as the OCI
// conformance suite's discovery tests ask (conformance/03_discovery_test.go:
// tags list, n, n with last), plus the Link header and bad parameters.

#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/daemon.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::CountLines;
using ::stowage::testing::Daemon;
using ::stowage::testing::FreePort;
using ::stowage::testing::MakeTinyLayout;
using ::stowage::testing::Result;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::WaitForPort;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::vector<std::string> kTags = {"a", "b", "test0", "test1", "test2", "test3"};

// One store (team/app with kTags) for the suite, under /tmp so that web
// server workers (nobody, www-data) can read the published trees.
struct World {
  std::string dir;
  std::string store;
};
World* world = nullptr;

class PublishServersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world = new World;
    char tmpl[] = "/tmp/stowage-servers-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    world->dir = tmpl;
    ASSERT_EQ(Shell("chmod 755 " + world->dir).exit_code, 0);
    world->store = world->dir + "/store";
    ASSERT_EQ(Stowage({"init", world->store}).exit_code, 0);
    std::string layout = world->dir + "/tiny";
    ASSERT_EQ(MakeTinyLayout(layout).exit_code, 0);
    for (const std::string& tag : kTags) {
      Result r = Stowage({"import", "oci:" + layout + ":v1", "team/app:" + tag, "--store",
                          world->store});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }

  static void TearDownTestSuite() {
    Shell("rm -rf " + world->dir);
    delete world;
    world = nullptr;
  }

  static Result Publish(const std::string& out, std::vector<std::string> args) {
    std::vector<std::string> argv = {"publish", out, "--store", world->store, "-q"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Stowage(argv);
  }
};

// Every server kind at once, so that each syntax sees every value.
const char kAllServers[] = "nginx,apache,caddy,s3";

void ExpectRefused(const std::string& flag, const std::string& value, const Result& r,
                   const std::string& out) {
  EXPECT_NE(r.exit_code, 0) << flag << " " << value;
  EXPECT_THAT(r.err, HasSubstr(flag + " \"")) << value;
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(Shell("test -e '" + out + "'").exit_code, 0) << value << ": " << out << " written";
}

TEST_F(PublishServersTest, HostileListenIsRefusedAndNothingWritten) {
  const std::vector<std::string> values = {
      "127.0.0.1:18083; location = /pw { alias /etc/passwd; } #",
      "127.0.0.1:8080\nInclude /etc/passwd",
      "127.0.0.1:8080\r\nListen 9999",
      "127.0.0.1:8080 {\n}\nhttp://:9999 {",
      "127.0.0.1:99999",
      "127.0.0.1:65536",
      "127.0.0.1:0",
      "127.0.0.1:+8080",
      "127.0.0.1:-8080",
      "127.0.0.1:08080",
      "127.0.0.1: 8080",
      ":8080",
      "8080",
      "",
      "::1:8080",
      "[::1]",
      "[::1]:8080;",
      "[::1%lo]:8080",
      "[127.0.0.1]:8080",
      "999.1.1.1:80",
      "exa mple:80",
      "-x.example:80",
      "$(id):80",
      "`id`:80",
      "{$HOME}:80",
      "h\xc3\xa9:80",
      "127.0.0.1:80#",
  };
  int i = 0;
  for (const std::string& value : values) {
    std::string out = absl::StrCat(world->dir, "/listen-", i++);
    Result r = Publish(out, {"--server", kAllServers, "--listen", value});
    ExpectRefused("--listen", value, r, out);
  }
  // Control characters are shown escaped, on the one line.
  Result r = Publish(world->dir + "/nl", {"--listen", "127.0.0.1:1\nListen 2"});
  EXPECT_THAT(r.err, HasSubstr("\"127.0.0.1:1\\nListen 2\""));
}

TEST_F(PublishServersTest, HostileServeRootIsRefusedAndNothingWritten) {
  const std::vector<std::string> values = {
      "/tmp/x; } location /pw { alias /etc/passwd; } #",
      "/tmp/x\"\nInclude /etc/passwd\n#",
      "/tmp/x\n    root /etc",
      "/tmp/x {\n}\nhttp://:9999 {",
      "/tmp/{$HOME}",
      "/tmp/{path}",
      "/tmp/$document_root",
      "/tmp/a b",
      "/tmp/a\tb",
      "/tmp/a'b",
      "/tmp/a\"b",
      "/tmp/a\\b",
      "/tmp/a;b",
      "/tmp/a#b",
      "/tmp/a`id`",
      "/tmp/a*",
      "/tmp/\xff",
      "/tmp/\xc3\xa9",
      "relative/root",
      "./root",
      "/tmp/../etc",
      "/tmp/./x",
      "/tmp//x",
      "/tmp/x/",
  };
  int i = 0;
  for (const std::string& value : values) {
    std::string out = absl::StrCat(world->dir, "/root-", i++);
    Result r = Publish(out, {"--server", kAllServers, "--serve-root", value});
    ExpectRefused("--serve-root", value, r, out);
  }
}

TEST_F(PublishServersTest, OutdirAsDefaultServeRootIsCheckedToo) {
  std::string out = world->dir + "/out dir";
  Result r = Publish(out, {"--server", kAllServers});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("OUTDIR (the default --serve-root) \""));
  EXPECT_NE(Shell("test -e '" + out + "'").exit_code, 0);
}

// nginx -t, apache2 -t and caddy validate on the configurations of `out`.
void ExpectValid(const std::string& out, const std::string& what) {
  Result t = Shell("nginx -t -p '" + out + "/nginx' -c '" + out + "/nginx/nginx.conf' 2>&1");
  EXPECT_EQ(t.exit_code, 0) << what << ": " << t.out;
  t = Shell("/usr/sbin/apache2 -t -f '" + out + "/apache/httpd.conf' 2>&1");
  EXPECT_EQ(t.exit_code, 0) << what << ": " << t.out;
  t = Shell("HOME=" + world->dir + " caddy validate --config '" + out +
            "/caddy/Caddyfile' --adapter caddyfile 2>&1");
  EXPECT_EQ(t.exit_code, 0) << what << ": " << t.out;
}

TEST_F(PublishServersTest, UnusualValidValuesGiveValidConfigurations) {
  int port = FreePort();
  // The serve root must exist for the checks (they read the included
  // files), so it is the folder published into.
  std::string root = world->dir + "/o+u@t=1,2~x_y-z.w";
  const std::vector<std::vector<std::string>> cases = {
      {"--listen", absl::StrCat("[::1]:", port)},
      {"--listen", absl::StrCat("[::]:", port)},
      {"--listen", absl::StrCat("localhost:", port)},
      {"--listen", absl::StrCat("127.0.0.1:", port), "--serve-root", root},
      {"--listen", "127.0.0.1:65535"},
      {"--listen", "127.0.0.1:1"},
  };
  for (const std::vector<std::string>& c : cases) {
    std::vector<std::string> args = {"--server", "nginx,apache,caddy"};
    args.insert(args.end(), c.begin(), c.end());
    Result r = Publish(root, args);
    ASSERT_EQ(r.exit_code, 0) << absl::StrJoin(c, " ") << ": " << r.err;
    ExpectValid(root, absl::StrJoin(c, " "));
  }
  Result conf = Shell("cat '" + root + "/nginx/stowage-server.conf' '" + root + "/apache/httpd.conf' '" +
                      root + "/apache/stowage.conf' '" + root + "/caddy/Caddyfile'");
  EXPECT_THAT(conf.out, HasSubstr("root \"" + root + "/www\""));
  EXPECT_THAT(conf.out, HasSubstr("DocumentRoot \"" + root + "/www\""));
}

// A response of nginx: status, headers (as sent), body.
struct Response {
  int status = 0;
  std::string headers;
  std::string body;
};

Response Get(int port, const std::string& path) {
  Result r = Shell(absl::StrCat("curl -sS -g -D - 'http://127.0.0.1:", port, path, "'"));
  Response out;
  size_t end = r.out.find("\r\n\r\n");
  if (end == std::string::npos) return out;
  out.headers = r.out.substr(0, end + 2);
  out.body = r.out.substr(end + 4);
  std::vector<std::string> first = absl::StrSplit(out.headers, ' ');
  if (first.size() > 1) out.status = std::atoi(first[1].c_str());
  return out;
}

// The value of header `name` (case-insensitive), or "".
std::string Header(const Response& r, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(r.headers, "\r\n")) {
    if (line.size() > name.size() && line[name.size()] == ':' &&
        absl::EqualsIgnoreCase(line.substr(0, name.size()), name)) {
      return std::string(absl::StripAsciiWhitespace(line.substr(name.size() + 1)));
    }
  }
  return "";
}

// The tags of a {"name":...,"tags":[...]} body (plain tags, no escapes).
std::vector<std::string> Tags(const Response& r) {
  size_t start = r.body.find("\"tags\":[");
  size_t end = r.body.find(']', start);
  if (start == std::string::npos || end == std::string::npos) return {"<no tags>"};
  std::string inner = r.body.substr(start + 8, end - start - 8);
  std::vector<std::string> tags;
  for (absl::string_view t : absl::StrSplit(inner, ',', absl::SkipEmpty())) {
    tags.emplace_back(absl::StripSuffix(absl::StripPrefix(t, "\""), "\""));
  }
  return tags;
}

class NginxTagsTest : public PublishServersTest {
 protected:
  void SetUp() override {
    port_ = FreePort();
    out_ = world->dir + "/nginx-tags";
    Result r = Publish(out_, {"--server", "nginx", "--listen",
                              absl::StrCat("127.0.0.1:", port_)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    nginx_ = std::make_unique<Daemon>(
        std::vector<std::string>{"nginx", "-p", out_ + "/nginx", "-c",
                                 out_ + "/nginx/nginx.conf", "-g", "daemon off;"},
        world->dir + "/nginx.log");
    ASSERT_TRUE(WaitForPort(port_, 10)) << nginx_->LogText();
  }
  void TearDown() override { nginx_.reset(); }

  Response List(const std::string& query) {
    return Get(port_, "/v2/team/app/tags/list" + query);
  }

  int port_ = 0;
  std::string out_;
  std::unique_ptr<Daemon> nginx_;
};

// As conformance/03_discovery_test.go: the list, n = half, then n with
// last = the page's last tag.
TEST_F(NginxTagsTest, ConformanceDiscoveryRequests) {
  Response all = List("");
  ASSERT_EQ(all.status, 200) << all.headers << all.body;
  std::vector<std::string> tags = Tags(all);
  ASSERT_EQ(tags, kTags);
  EXPECT_EQ(Header(all, "Link"), "");
  EXPECT_EQ(Header(all, "Content-Type"), "application/json");

  const int half = static_cast<int>(tags.size()) / 2;
  Response first = List(absl::StrCat("?n=", half));
  ASSERT_EQ(first.status, 200) << first.body;
  std::vector<std::string> page = Tags(first);
  ASSERT_EQ(page.size(), static_cast<size_t>(half));
  EXPECT_THAT(page, ElementsAre("a", "b", "test0"));
  EXPECT_EQ(Header(first, "Link"), "</v2/team/app/tags/list?n=3&last=test0>; rel=\"next\"");

  const std::string last = page[half - 1];
  Response second = List(absl::StrCat("?n=", half, "&last=", last));
  ASSERT_EQ(second.status, 200) << second.body;
  page = Tags(second);
  EXPECT_LE(page.size(), static_cast<size_t>(half));
  EXPECT_THAT(page, Not(::testing::Contains(last)));
  EXPECT_THAT(page, ElementsAre("test1", "test2", "test3"));
  // Exactly the rest: no next page.
  EXPECT_EQ(Header(second, "Link"), "");
  EXPECT_THAT(second.body, HasSubstr("\"name\":\"team/app\""));
}

TEST_F(NginxTagsTest, FollowingLinksGivesTheWholeListOnce) {
  std::vector<std::string> seen;
  std::string next = "/v2/team/app/tags/list?n=2";
  int pages = 0;
  while (!next.empty() && pages < 10) {
    Response r = Get(port_, next);
    ASSERT_EQ(r.status, 200) << next << ": " << r.body;
    std::vector<std::string> page = Tags(r);
    EXPECT_LE(page.size(), 2u);
    seen.insert(seen.end(), page.begin(), page.end());
    std::string link = Header(r, "Link");
    next.clear();
    if (!link.empty()) {
      ASSERT_TRUE(absl::StartsWith(link, "<")) << link;
      ASSERT_TRUE(absl::EndsWith(link, ">; rel=\"next\"")) << link;
      next = link.substr(1, link.find('>') - 1);
    }
    ++pages;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, kTags);
}

TEST_F(NginxTagsTest, ZeroLastOnlyAndLargeN) {
  Response zero = List("?n=0");
  EXPECT_EQ(zero.status, 200);
  EXPECT_THAT(Tags(zero), IsEmpty());
  EXPECT_EQ(Header(zero, "Link"), "");
  Response after = List("?last=test1");
  EXPECT_EQ(after.status, 200);
  EXPECT_THAT(Tags(after), ElementsAre("test2", "test3"));
  EXPECT_EQ(Header(after, "Link"), "");
  // `last` need not be a tag of the list: the tags after it.
  EXPECT_THAT(Tags(List("?n=1&last=c")), ElementsAre("test0"));
  EXPECT_THAT(Tags(List("?last=zzz")), IsEmpty());
  Response big = List("?n=10000");
  EXPECT_EQ(Tags(big), kTags);
  EXPECT_EQ(Header(big, "Link"), "");
  // A query without n or last is the whole list, as without a query.
  EXPECT_EQ(Tags(List("?other=1")), kTags);
  // HEAD: the headers of the page, no body.
  Result head = Shell(absl::StrCat("curl -sS -I 'http://127.0.0.1:", port_,
                                   "/v2/team/app/tags/list?n=1'"));
  EXPECT_THAT(head.out, HasSubstr("Link: </v2/team/app/tags/list?n=1&last=a>"));
}

TEST_F(NginxTagsTest, BadParametersAre400WithJsonErrors) {
  const struct {
    std::string query;
    std::string code;
  } cases[] = {
      {"?n=-1", "PAGINATION_NUMBER_INVALID"},
      {"?n=abc", "PAGINATION_NUMBER_INVALID"},
      {"?n=", "PAGINATION_NUMBER_INVALID"},
      {"?n=1.5", "PAGINATION_NUMBER_INVALID"},
      {"?n=%2B1", "PAGINATION_NUMBER_INVALID"},
      {"?n=10001", "PAGINATION_NUMBER_INVALID"},
      {"?n=99999999999999999999", "PAGINATION_NUMBER_INVALID"},
      {"?n=1&n=2", "UNSUPPORTED"},
      {"?n=%zz", "UNSUPPORTED"},
      {"?last=..%2F..%2Fetc", "TAG_INVALID"},
      {"?last=%0Aa", "TAG_INVALID"},
      {"?last=", "TAG_INVALID"},
      {"?n=1&last=%3Cx%3E", "TAG_INVALID"},
  };
  for (const auto& c : cases) {
    Response r = List(c.query);
    EXPECT_EQ(r.status, 400) << c.query << ": " << r.body;
    EXPECT_EQ(Header(r, "Content-Type"), "application/json") << c.query;
    EXPECT_THAT(r.body, HasSubstr("{\"errors\":[{\"code\":\"" + c.code + "\"")) << c.query;
    EXPECT_EQ(Header(r, "Link"), "") << c.query;
  }
  Response unknown = Get(port_, "/v2/team/nope/tags/list?n=1");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, HasSubstr("NAME_UNKNOWN"));
  Response traversal = Get(port_, "/v2/team/app/..%2F..%2F..%2Fetc/tags/list?n=1");
  EXPECT_NE(traversal.status, 200) << traversal.body;
  EXPECT_THAT(traversal.body, Not(HasSubstr("root:")));
}

}  // namespace
}  // namespace stowage
