#include "lib/site/site.h"

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

// Small() and more of team's repositories, in pages of 2: the home shows 1
// namespace of 2, the namespace list has 2 pages, u/team/ has 3.
SiteInput SmallPaged() {
  SiteInput in = Small();
  for (const char* name : {"team/api", "team/web", "team/zeta", "team/docs"}) {
    RepositoryInfo r;
    r.name = name;
    r.short_description = absl::StrCat("The ", name, " image");
    r.stars = static_cast<int64_t>(r.name.size());
    r.tag_count = 2;
    in.repositories.push_back(r);
  }
  std::sort(in.repositories.begin(), in.repositories.end(),
            [](const RepositoryInfo& a, const RepositoryInfo& b) { return a.name < b.name; });
  in.home_namespaces = 1;
  in.namespaces_per_page = 1;
  in.repositories_per_page = 2;
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
//   STOWAGE_UPDATE_GOLDEN=$PWD bazel test //lib/site:site_test
//       --test_env=STOWAGE_UPDATE_GOLDEN --spawn_strategy=local   (one command)
// and review `git diff testdata/golden/catalog`.
// SmallPaged()'s pages are there too, named paged_<page>.
TEST(SiteTest, GoldenPages) {
  std::map<std::string, std::string> site = Render(Small());
  for (const auto& [path, text] : Render(SmallPaged())) site["paged/" + path] = text;
  const char* update = getenv("STOWAGE_UPDATE_GOLDEN");
  for (const char* page : {"index.html", "search.html", "u/team/index.html", "u/_all/index.html",
                           "r/library/python/index.html", "r/team/sub/tools/index.html",
                           "paged/index.html", "paged/u/_all/index.html",
                           "paged/u/_all/_page/2/index.html", "paged/u/team/index.html",
                           "paged/u/team/_page/2/index.html", "paged/u/team/_page/3/index.html"}) {
    ASSERT_EQ(site.count(page), 1u) << page;
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
                                            "search.html", "u/_all/index.html"));
}

// The paths of `site` under `prefix`, sorted.
std::vector<std::string> PathsUnder(const std::map<std::string, std::string>& site,
                                    const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [path, text] : site) {
    if (path.compare(0, prefix.size(), prefix) == 0) out.push_back(path);
  }
  return out;
}

// `n` repositories in namespace "big" (stars descending with the name, so
// that the best-first order is big/r000, big/r001, ...) and one in "small".
SiteInput Numbered(int n, size_t per_page) {
  SiteInput in;
  in.registry_host = "registry.example";
  for (int i = 0; i < n; ++i) {
    RepositoryInfo r;
    r.name = absl::StrFormat("big/r%03d", i);
    r.stars = 1000 - i;
    r.tag_count = 1;
    in.repositories.push_back(r);
  }
  RepositoryInfo small;
  small.name = "small/one";
  small.tag_count = 1;
  in.repositories.push_back(small);
  in.repositories_per_page = per_page;
  return in;
}

// Page boundaries: a list that fills its last page exactly has no empty
// page after it; one more item starts a page.
TEST(SiteTest, NamespacePagesAtTheBoundaries) {
  struct Case {
    int repositories;
    std::vector<std::string> pages;
    std::string last_page_first;  // the first repository of the last page
  };
  const std::vector<Case> cases = {
      {1, {"u/big/index.html"}, "big/r000"},
      {3, {"u/big/index.html"}, "big/r000"},
      {4, {"u/big/_page/2/index.html", "u/big/index.html"}, "big/r003"},
      {6, {"u/big/_page/2/index.html", "u/big/index.html"}, "big/r003"},
      {7,
       {"u/big/_page/2/index.html", "u/big/_page/3/index.html", "u/big/index.html"},
       "big/r006"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.repositories);
    std::map<std::string, std::string> site = Render(Numbered(c.repositories, 3));
    EXPECT_EQ(PathsUnder(site, "u/big/"), c.pages);
    EXPECT_EQ(PathsUnder(site, "u/small/"), std::vector<std::string>{"u/small/index.html"});
    const std::string& last = site[c.pages.size() == 1 ? c.pages[0] : c.pages[c.pages.size() - 2]];
    EXPECT_THAT(last, HasSubstr(absl::StrCat(">", c.last_page_first, "</a>")));
    // Every repository on exactly one page, in order, best first.
    std::string all;
    for (size_t n = 1; n <= c.pages.size(); ++n) {
      all += site[n == 1 ? std::string("u/big/index.html")
                         : absl::StrCat("u/big/_page/", n, "/index.html")];
    }
    size_t at = 0;
    for (int i = 0; i < c.repositories; ++i) {
      std::string link = absl::StrFormat(">big/r%03d</a>", i);
      size_t found = all.find(link, at);
      ASSERT_NE(found, std::string::npos) << link;
      EXPECT_EQ(all.find(link, found + 1), std::string::npos) << link << " twice";
      at = found;
    }
    if (c.pages.size() == 1) {
      EXPECT_THAT(site["u/big/index.html"], Not(HasSubstr("class=\"pager\"")));
    }
  }
}

TEST(SiteTest, PagerLinksAreRelativeAndAccessible) {
  std::map<std::string, std::string> site = Render(Numbered(7, 3));
  const std::string& first = site["u/big/index.html"];
  EXPECT_THAT(first, HasSubstr("<nav class=\"pager\" aria-label=\"Pages\">"));
  EXPECT_THAT(first, HasSubstr("Page 1 of 3"));
  EXPECT_THAT(first, Not(HasSubstr("rel=\"prev\"")));
  EXPECT_THAT(first, HasSubstr("<a rel=\"next\" href=\"../../u/big/_page/2/index.html\">"));
  EXPECT_THAT(first, HasSubstr("<a href=\"../../u/big/index.html\" aria-label=\"Page 1\" "
                                   "aria-current=\"page\">1</a>"));
  const std::string& second = site["u/big/_page/2/index.html"];
  EXPECT_THAT(second, HasSubstr("Page 2 of 3"));
  EXPECT_THAT(second, HasSubstr("<a rel=\"prev\" href=\"../../../../u/big/index.html\">"));
  EXPECT_THAT(second,
              HasSubstr("<a rel=\"next\" href=\"../../../../u/big/_page/3/index.html\">"));
  EXPECT_THAT(second, HasSubstr("href=\"../../../../_catalog/stowage.css\""));
  EXPECT_THAT(second, HasSubstr("href=\"../../../../r/big/r003/index.html\""));
  EXPECT_THAT(second, HasSubstr("<title>big, page 2 of 3 · stowage registry</title>"));
  const std::string& third = site["u/big/_page/3/index.html"];
  EXPECT_THAT(third, HasSubstr("<a rel=\"prev\" href=\"../../../../u/big/_page/2/index.html\">"));
  EXPECT_THAT(third, Not(HasSubstr("rel=\"next\"")));
}

// The page numbers a pager links to ("…" for a gap), in order.
std::vector<std::string> PagerNumbers(const std::string& html) {
  std::vector<std::string> out;
  size_t nav = html.find("<nav class=\"pager\"");
  if (nav == std::string::npos) return out;
  size_t end = html.find("</nav>", nav);
  for (size_t at = html.find("<li>", nav); at < end; at = html.find("<li>", at + 1)) {
    size_t close = html.find("</li>", at);
    std::string item = html.substr(at, close - at);
    if (item.find("rel=\"") != std::string::npos) continue;
    if (item.find("class=\"gap\"") != std::string::npos) {
      out.push_back("…");
      continue;
    }
    size_t gt = item.rfind("\">");
    out.push_back(item.substr(gt + 2, item.find("</a>") - gt - 2));
  }
  return out;
}

TEST(SiteTest, PagerShowsNearbyPagesFirstAndLast) {
  std::map<std::string, std::string> site = Render(Numbered(30, 3));  // 10 pages
  auto page = [&](int n) {
    return PagerNumbers(site[n == 1 ? std::string("u/big/index.html")
                                    : absl::StrCat("u/big/_page/", n, "/index.html")]);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(page(1), (V{"1", "2", "3", "…", "10"}));
  EXPECT_EQ(page(4), (V{"1", "2", "3", "4", "5", "6", "…", "10"}));
  // A gap of one page shows that page.
  EXPECT_EQ(page(5), (V{"1", "2", "3", "4", "5", "6", "7", "…", "10"}));
  EXPECT_EQ(page(6), (V{"1", "…", "4", "5", "6", "7", "8", "9", "10"}));
  EXPECT_EQ(page(7), (V{"1", "…", "5", "6", "7", "8", "9", "10"}));
  EXPECT_EQ(page(10), (V{"1", "…", "8", "9", "10"}));
  EXPECT_EQ(PathsUnder(site, "u/big/").size(), 10u);
}

// Namespaces "n00", "n01", ... with counts[i] repositories in n<i>.
SiteInput ManyNamespaces(const std::vector<int>& counts) {
  SiteInput in;
  for (size_t i = 0; i < counts.size(); ++i) {
    for (int j = 0; j < counts[i]; ++j) {
      RepositoryInfo r;
      r.name = absl::StrFormat("n%02d/app%d", i, j);
      r.tag_count = 1;
      in.repositories.push_back(r);
    }
  }
  in.home_namespaces = 3;
  in.namespaces_per_page = 4;
  return in;
}

TEST(SiteTest, HomeListsTheLargestNamespacesAndLinksToAllInPages) {
  // Repositories: n00 1, n01 4, n02 3, n03 2, n04 1, n05 4, n06 3, n07 2,
  // n08 1: the home shows n01, n05 (4) and n02 (3, before n06 by name).
  std::map<std::string, std::string> site = Render(ManyNamespaces({1, 4, 3, 2, 1, 4, 3, 2, 1}));
  const std::string& home = site["index.html"];
  size_t section = home.find("<h2 id=\"namespaces\">");
  ASSERT_NE(section, std::string::npos);
  std::string namespaces = home.substr(section);
  EXPECT_THAT(namespaces, HasSubstr("The 3 with most repositories, by name."));
  size_t n01 = namespaces.find(">n01</a>"), n02 = namespaces.find(">n02</a>"),
         n05 = namespaces.find(">n05</a>");
  ASSERT_NE(n01, std::string::npos);
  ASSERT_NE(n02, std::string::npos);
  ASSERT_NE(n05, std::string::npos);
  EXPECT_LT(n01, n02);
  EXPECT_LT(n02, n05);
  for (const char* absent : {">n00</a>", ">n06</a>", ">n08</a>"}) {
    EXPECT_THAT(namespaces, Not(HasSubstr(absent)));
  }
  EXPECT_THAT(namespaces, HasSubstr("<a href=\"u/_all/index.html\">All 9 namespaces</a>"));

  // u/_all/: 9 namespaces by name, 4 a page, each once.
  EXPECT_EQ(PathsUnder(site, "u/_all/"),
            (std::vector<std::string>{"u/_all/_page/2/index.html", "u/_all/_page/3/index.html",
                                      "u/_all/index.html"}));
  EXPECT_THAT(site["u/_all/index.html"], HasSubstr("href=\"../../u/n03/index.html\">n03</a>"));
  EXPECT_THAT(site["u/_all/index.html"], Not(HasSubstr(">n04</a>")));
  EXPECT_THAT(site["u/_all/_page/2/index.html"],
              HasSubstr("href=\"../../../../u/n04/index.html\">n04</a>"));
  EXPECT_THAT(site["u/_all/_page/3/index.html"], HasSubstr(">n08</a>"));
  EXPECT_THAT(site["u/_all/_page/3/index.html"], HasSubstr("9 namespaces, by name · page 3 of 3"));

  // With room for all: no "with most" line; the link stays.
  SiteInput all = ManyNamespaces({1, 1, 1});
  std::string home3 = Render(all)["index.html"];
  EXPECT_THAT(home3, Not(HasSubstr("with most repositories")));
  EXPECT_THAT(home3, HasSubstr("All 3 namespaces"));
}

// Resolves `href`, relative to the page at `from`, to a path from the root.
std::string Resolve(const std::string& from, const std::string& href) {
  std::vector<std::string> parts = absl::StrSplit(from, '/');
  parts.pop_back();
  for (absl::string_view p : absl::StrSplit(href, '/')) {
    if (p == "..") {
      if (parts.empty()) return "(above the root) " + href;
      parts.pop_back();
    } else {
      parts.emplace_back(p);
    }
  }
  return absl::StrJoin(parts, "/");
}

// Every link of every page, paged or not, names a page of the site.
TEST(SiteTest, EveryLinkNamesARenderedFile) {
  for (const SiteInput& in :
       {Small(), SmallPaged(), Numbered(30, 3), ManyNamespaces({1, 4, 3, 2, 1, 4, 3, 2, 1})}) {
    std::map<std::string, std::string> site = Render(in);
    for (const auto& [path, text] : site) {
      for (size_t at = text.find("href=\""); at != std::string::npos;
           at = text.find("href=\"", at + 1)) {
        std::string href = text.substr(at + 6, text.find('"', at + 6) - at - 6);
        EXPECT_EQ(site.count(Resolve(path, href)), 1u) << path << ": " << href;
      }
    }
  }
}

TEST(SiteTest, PagedOutputIsDeterministic) {
  EXPECT_EQ(Render(Numbered(30, 3)), Render(Numbered(30, 3)));
  EXPECT_EQ(Render(ManyNamespaces({3, 1, 2, 5, 1})), Render(ManyNamespaces({3, 1, 2, 5, 1})));
}

// An incremental render of a namespace renders all its pages, and the
// whole namespace list.
TEST(SiteTest, RendersEveryPageOfANamespaceAsked) {
  absl::StatusOr<Templates> t = Templates::Load();
  ASSERT_TRUE(t.ok());
  SiteInput in = Numbered(7, 3);
  in.namespaces_per_page = 1;
  std::set<std::string> repos = {}, namespaces = {"big"};
  RenderOptions only;
  only.repositories = &repos;
  only.namespaces = &namespaces;
  only.search_index = false;
  absl::StatusOr<std::vector<SiteFile>> files = RenderSite(in, *t, only);
  ASSERT_TRUE(files.ok()) << files.status();
  std::vector<std::string> paths;
  for (const SiteFile& f : *files) paths.push_back(f.path);
  EXPECT_THAT(paths, ::testing::ElementsAre(
                         "_catalog/search.js", "_catalog/stowage.css", "index.html", "search.html",
                         "u/_all/_page/2/index.html", "u/_all/index.html",
                         "u/big/_page/2/index.html", "u/big/_page/3/index.html",
                         "u/big/index.html"));
  // The same bytes as in a full render.
  std::map<std::string, std::string> full = Render(in);
  for (const SiteFile& f : *files) EXPECT_EQ(f.content, full[f.path]) << f.path;
}

TEST(SiteTest, SearchWords) {
  RepositoryInfo r;
  r.name = "team/web-server2";
  r.short_description = "Fast, small: HTTP/2 proxy";
  EXPECT_THAT(SearchWords(r), ::testing::ElementsAre("2", "fast", "http", "proxy", "server2",
                                                     "small", "team", "teamwebserver2", "web",
                                                     "webserver2"));
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
