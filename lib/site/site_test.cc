#include "lib/site/site.h"

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/site/templates.h"

namespace stowage::site {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

SiteInput Small() {
  SiteInput in;
  in.registry_host = "registry.example:5000";
  RepositoryInfo python;
  python.name = "library/python";
  python.short_description = "Python <script>alert(1)</script> & friends";
  python.readme_html = "<h1>Python</h1>\n<table><tr><td>x</td></tr></table>\n";
  python.official = true;
  python.stars = 120;
  python.tags = {{"3.12", "sha256:" + std::string(64, 'a'), {"linux/amd64", "linux/arm64"},
                  52000000, "2024-05-01T12:30:00Z"}};
  python.tag_count = 1;
  RepositoryInfo tools;
  tools.name = "team/sub/tools";
  tools.short_description = "Team tools";
  tools.stars = 3;
  tools.tags = {{"a", "sha256:" + std::string(64, 'b'), {"linux/amd64"}, 1000, ""}};
  tools.tag_count = 1;
  in.repositories = {python, tools};
  in.namespaces["team"] = {"Team Platform", "What the team ships"};
  return in;
}

std::map<std::string, std::string> Render(const SiteInput& in) {
  absl::StatusOr<Templates> t = Templates::Load();
  EXPECT_TRUE(t.ok()) << t.status();
  absl::StatusOr<std::vector<SiteFile>> files = RenderSite(in, *t);
  EXPECT_TRUE(files.ok()) << files.status();
  std::map<std::string, std::string> out;
  for (const SiteFile& f : *files) out[f.path] = f.content;
  return out;
}

TEST(SiteTest, PagesOfASmallCatalog) {
  std::map<std::string, std::string> site = Render(Small());
  for (const char* path : {"index.html", "search.html", "u/library/index.html",
                           "u/team/index.html", "r/library/python/index.html",
                           "r/team/sub/tools/index.html", "_catalog/stowage.css",
                           "_catalog/search.js"}) {
    EXPECT_EQ(site.count(path), 1u) << path;
  }
  const std::string& home = site["index.html"];
  EXPECT_THAT(home, HasSubstr("Official images"));
  EXPECT_THAT(home, HasSubstr("href=\"r/library/python/index.html\""));
  EXPECT_THAT(home, HasSubstr("Team Platform"));
  // Descriptions are escaped; the README (HTML already) is not.
  EXPECT_THAT(home, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(home, HasSubstr("Python &lt;script&gt;alert(1)&lt;/script&gt; &amp; friends"));
  const std::string& repo = site["r/library/python/index.html"];
  EXPECT_THAT(repo, HasSubstr("<table><tr><td>x</td></tr></table>"));
  EXPECT_THAT(repo, HasSubstr("docker pull registry.example:5000/library/python:3.12"));
  EXPECT_THAT(repo, HasSubstr("<span class=\"platform\">linux/arm64</span>"));
  EXPECT_THAT(repo, HasSubstr("52.0 MB"));
  EXPECT_THAT(repo, HasSubstr("<time datetime=\"2024-05-01T12:30:00Z\">2024-05-01 12:30 UTC</time>"));
  EXPECT_THAT(repo, HasSubstr("title=\"sha256:" + std::string(64, 'a') + "\""));
  EXPECT_THAT(repo, HasSubstr("OFFICIAL"));
  // Relative links back to the root, three folders up.
  EXPECT_THAT(repo, HasSubstr("href=\"../../../_catalog/stowage.css\""));
  EXPECT_THAT(site["r/team/sub/tools/index.html"],
              HasSubstr("href=\"../../../../index.html\""));
  // No resource from elsewhere.
  for (const auto& [path, text] : site) {
    EXPECT_THAT(text, Not(HasSubstr("http://"))) << path;
    EXPECT_THAT(text, Not(HasSubstr("https://"))) << path;
  }
}

// The pages of Small() against testdata/golden/catalog/. After an intended
// change, regenerate with
//   STOWAGE_UPDATE_GOLDEN=$PWD bazel test //lib/site:site_test \
//       --test_env=STOWAGE_UPDATE_GOLDEN --spawn_strategy=local
// and review `git diff testdata/golden/catalog`.
TEST(SiteTest, GoldenPages) {
  std::map<std::string, std::string> site = Render(Small());
  const char* update = getenv("STOWAGE_UPDATE_GOLDEN");
  for (const char* page : {"index.html", "search.html", "u/team/index.html",
                           "r/library/python/index.html", "r/team/sub/tools/index.html"}) {
    std::string flat = page;
    std::replace(flat.begin(), flat.end(), '/', '_');
    if (update != nullptr && *update != '\0') {
      std::string dir = absl::StrCat(update, "/testdata/golden/catalog");
      ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
      std::ofstream(dir + "/" + flat) << site[page];
      continue;
    }
    std::ifstream in(absl::StrCat(getenv("TEST_SRCDIR"), "/", getenv("TEST_WORKSPACE"),
                                  "/testdata/golden/catalog/", flat));
    std::stringstream golden;
    golden << in.rdbuf();
    EXPECT_EQ(site[page], golden.str()) << page << " changed; if intended, regenerate (see above)";
  }
}

TEST(SiteTest, SameInputSameBytes) { EXPECT_EQ(Render(Small()), Render(Small())); }

TEST(SiteTest, RendersOnlyWhatIsAsked) {
  absl::StatusOr<Templates> t = Templates::Load();
  ASSERT_TRUE(t.ok());
  std::set<std::string> repos = {"team/sub/tools"}, namespaces = {};
  RenderOptions only;
  only.repositories = &repos;
  only.namespaces = &namespaces;
  only.search_index = false;
  absl::StatusOr<std::vector<SiteFile>> files = RenderSite(Small(), *t, only);
  ASSERT_TRUE(files.ok());
  std::vector<std::string> paths;
  for (const SiteFile& f : *files) paths.push_back(f.path);
  EXPECT_THAT(paths, ::testing::ElementsAre("_catalog/search.js", "_catalog/stowage.css",
                                            "index.html", "r/team/sub/tools/index.html",
                                            "search.html"));
}

TEST(SiteTest, SearchWords) {
  RepositoryInfo r;
  r.name = "team/web-server2";
  r.short_description = "Fast, small: HTTP/2 proxy";
  EXPECT_THAT(SearchWords(r), ::testing::ElementsAre("2", "fast", "http", "proxy", "server2",
                                                     "small", "team", "web"));
}

// Follows the tree as search.js does: the node that answers `word`.
std::string Lookup(const std::map<std::string, std::string>& index, const std::string& word) {
  std::string prefix = word.substr(0, 1);
  while (true) {
    auto it = index.find("_catalog/search/n/" + prefix + ".json");
    if (it == index.end()) return "";
    if (it->second.find("\"split\":1") == std::string::npos || prefix.size() >= word.size()) {
      return it->second;
    }
    prefix = word.substr(0, prefix.size() + 1);
  }
}

TEST(SiteTest, SearchIndexSplitsLargeNodes) {
  std::vector<RepositoryInfo> repos;
  for (int i = 0; i < 3000; ++i) {
    RepositoryInfo r;
    r.name = absl::StrCat("org", i % 50, "/app", i);
    r.short_description = absl::StrCat("Application number ", i, " of the synthetic catalog");
    r.stars = i % 97;
    repos.push_back(r);
  }
  std::sort(repos.begin(), repos.end(),
            [](const RepositoryInfo& a, const RepositoryInfo& b) { return a.name < b.name; });
  std::map<std::string, std::string> index;
  size_t largest = 0;
  for (SiteFile& f : SearchIndex(repos)) {
    largest = std::max(largest, f.content.size());
    index[f.path] = std::move(f.content);
  }
  EXPECT_LE(largest, kLeafBytes + 4096);
  // "app1234" is found in a leaf under a split path a -> ap -> app -> ...
  EXPECT_THAT(index["_catalog/search/n/a.json"], HasSubstr("\"split\":1"));
  std::string leaf = Lookup(index, "app1234");
  EXPECT_THAT(leaf, HasSubstr("\"app1234\":["));
  EXPECT_THAT(leaf, HasSubstr("\"org34/app1234\""));
  // A short query gets the best 25 at once: the most starred first.
  std::string top = Lookup(index, "a");
  EXPECT_THAT(top, HasSubstr("\"top\":["));
  // A word no repository has: no node, or a leaf without it.
  EXPECT_THAT(Lookup(index, "zzz"), Not(HasSubstr("\"zzz\"")));
}

TEST(TemplatesTest, OverrideFolder) {
  std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/templates");
  ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
  std::ofstream(dir + "/footer.mustache") << "<footer>Our registry</footer></body></html>\n";
  absl::StatusOr<Templates> t = Templates::Load(dir);
  ASSERT_TRUE(t.ok()) << t.status();
  std::map<std::string, std::string> site;
  absl::StatusOr<std::vector<SiteFile>> files = RenderSite(Small(), *t);
  ASSERT_TRUE(files.ok());
  for (const SiteFile& f : *files) site[f.path] = f.content;
  EXPECT_THAT(site["index.html"], HasSubstr("<footer>Our registry</footer>"));

  std::ofstream(dir + "/fotter.mustache") << "x";
  absl::StatusOr<Templates> typo = Templates::Load(dir);
  EXPECT_EQ(typo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(typo.status().message()), HasSubstr("fotter.mustache: not a catalog template"));
  ASSERT_EQ(system(("rm " + dir + "/fotter.mustache").c_str()), 0);
  std::ofstream(dir + "/card.mustache") << "{{#open}} never closed";
  absl::StatusOr<Templates> broken = Templates::Load(dir);
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(broken.status().message()), HasSubstr("card.mustache: "));
}

}  // namespace
}  // namespace stowage::site
