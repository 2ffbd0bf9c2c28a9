// End-to-end: the HTML catalog in a real browser. Real images are imported
// into a store (an official library/ repository with a multi-platform
// index among them), described by testdata/catalog/browser.json (short
// descriptions, stars, badges, a README with a Markdown table and a
// <script>), published for nginx and served by it on 127.0.0.1. Then
// tests/browser/catalog.js drives Debian's headless Chromium through
// playwright-core: the home page's official images, as-you-type search, a
// repository page (README table, inert script, tags with platforms), the
// namespace and repository pages with JavaScript off, and no request to any
// host but 127.0.0.1. Its screenshots are kept as the test's undeclared
// outputs (bazel-testlogs/tests/catalog_browser_test/test.outputs/).
//
// scripts/test.sh installs chromium and playwright-core (tests/browser/,
// pinned by its package-lock.json) and sets STOWAGE_BROWSER_NODE_MODULES;
// without either the test is skipped and says so.

#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/daemon.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::Daemon;
using ::stowage::testing::FreePort;
using ::stowage::testing::MakeImages;
using ::stowage::testing::Result;
using ::stowage::testing::RunProgram;
using ::stowage::testing::Runfile;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::Trim;
using ::stowage::testing::WaitForPort;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kChromium[] = "/usr/bin/chromium";

// The lines the script prints for the checks that passed.
std::vector<std::string> OkLines(const std::string& out) {
  std::vector<std::string> names;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::ConsumePrefix(&line, "ok   ")) {
      names.emplace_back(line.substr(0, line.find(':')));
    }
  }
  return names;
}

TEST(CatalogBrowserTest, BrowsesSearchesAndStaysOnLoopback) {
  const char* node_modules = getenv("STOWAGE_BROWSER_NODE_MODULES");
  if (node_modules == nullptr || *node_modules == '\0') {
    GTEST_SKIP() << "STOWAGE_BROWSER_NODE_MODULES is not set (scripts/test.sh "
                    "installs playwright-core into tests/browser/node_modules and sets it)";
  }
  if (access(kChromium, X_OK) != 0) {
    GTEST_SKIP() << kChromium << " is missing (scripts/test.sh installs Debian's chromium)";
  }
  if (access((std::string(node_modules) + "/playwright-core/package.json").c_str(), R_OK) != 0) {
    GTEST_SKIP() << "no playwright-core in STOWAGE_BROWSER_NODE_MODULES=" << node_modules
                 << " (run npm ci in tests/browser)";
  }

  // Under /tmp: nginx's workers run as nobody and must reach the tree.
  char tmpl[] = "/tmp/stowage-browser-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  // Removed however the test ends (declared before nginx, so after it stops).
  struct RemoveDir {
    std::string dir;
    ~RemoveDir() { Shell("rm -rf " + dir); }
  } remove_dir{dir};
  ASSERT_EQ(Shell("chmod 755 " + dir).exit_code, 0);
  const std::string images = dir + "/images";
  Result made = MakeImages(images);
  ASSERT_EQ(made.exit_code, 0) << made.err;

  const std::string store = dir + "/store";
  ASSERT_EQ(Stowage({"init", store}).exit_code, 0);
  struct Import {
    std::string source, target;
  } imports[] = {
      {"oci:" + images + "/multi:latest", "library/multi:latest"},  // linux/amd64 + linux/arm64
      {"oci:" + images + "/single:v1", "library/hello:1.0"},
      {"oci:" + images + "/single:v1", "team/app:v1"},
      {"oci:" + images + "/docker:v1", "team/docker:v1"},
      {"oci:" + images + "/multiref:a", "org/sub/tools:a"},
      {"oci:" + images + "/multiref:b", "org/sub/tools:b"},
  };
  std::string multi_digest;
  for (const Import& i : imports) {
    Result imp = Stowage({"import", "--store", store, i.source, i.target});
    ASSERT_EQ(imp.exit_code, 0) << i.target << ": " << imp.err;
    if (i.target == "library/multi:latest") {
      std::vector<std::string> parts = absl::StrSplit(Trim(imp.out), ' ');
      ASSERT_EQ(parts.size(), 2u) << imp.out;
      multi_digest = parts[1];
    }
  }
  Result apply = Stowage({"repo", "apply", "--store", store,
                          Runfile("testdata/catalog/browser.json")});
  ASSERT_EQ(apply.exit_code, 0) << apply.err;

  const int port = FreePort();
  const std::string host = absl::StrCat("127.0.0.1:", port);
  const std::string out = dir + "/out";
  // The default server is nginx.
  Result pub = Stowage({"publish", "--store", store, out, "--listen", host});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  Daemon nginx({"nginx", "-p", out + "/nginx", "-c", out + "/nginx/nginx.conf", "-g",
                "daemon off;"},
               dir + "/nginx.log");
  ASSERT_TRUE(WaitForPort(port, 10)) << nginx.LogText();

  const char* undeclared = getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  const std::string shots =
      undeclared != nullptr && *undeclared != '\0' ? undeclared : dir + "/screenshots";
  // `timeout` bounds a hung browser; the script also gives up by itself.
  Result run = RunProgram({"timeout", "--kill-after=10", "300", "env",
                           std::string("NODE_PATH=") + node_modules, "HOME=" + dir,
                           "XDG_CONFIG_HOME=" + dir + "/.config", "XDG_CACHE_HOME=" + dir + "/.cache",
                           "CHROMIUM=" + std::string(kChromium), "node",
                           Runfile("tests/browser/catalog.js"),
                           absl::StrCat("http://", host, "/"), shots, multi_digest});
  const std::string report = run.out + run.err + "\nnginx error log:\n" +
                             Shell("cat " + out + "/nginx/run/error.log").out;
  EXPECT_EQ(run.exit_code, 0) << report;
  EXPECT_THAT(run.out, Not(HasSubstr("FAIL "))) << report;
  // Every check ran and passed (the script also exits non-zero otherwise).
  EXPECT_THAT(OkLines(run.out),
              ::testing::ElementsAre("home", "home-namespaces", "search-typing", "search-name",
                                     "search-full-name", "search-no-match", "search-from-home",
                                     "console-search", "console-search-from-home",
                                     "repository-readme", "repository-script-inert",
                                     "repository-tags", "namespace", "nojs-browse", "nojs-nested",
                                     "nojs-search-page", "network-local-only", "no-http-errors"))
      << report;
  for (const char* png : {"home.png", "search.png", "repository.png", "namespace.png"}) {
    Result magic = Shell("head -c 8 " + shots + "/" + png + " | od -An -tx1");
    EXPECT_EQ(Trim(magic.out), "89 50 4e 47 0d 0a 1a 0a") << png << " is not a PNG in " << shots;
  }
  // The browser reached the pages through nginx (its access log).
  EXPECT_THAT(Shell("cat " + out + "/nginx/run/access.log").out,
              HasSubstr("GET /r/library/multi/index.html"));
}

}  // namespace
}  // namespace stowage
