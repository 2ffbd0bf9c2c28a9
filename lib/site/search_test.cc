#include "lib/site/search.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/site/site.h"

namespace stowage::site {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

RepositoryInfo Repo(std::string name, std::string description, int64_t stars,
                    bool official = false, bool automated = false) {
  RepositoryInfo r;
  r.name = std::move(name);
  r.short_description = std::move(description);
  r.stars = stars;
  r.official = official;
  r.automated = automated;
  return r;
}

std::vector<std::string> Names(const std::vector<SearchResult>& results) {
  std::vector<std::string> names;
  for (const SearchResult& r : results) names.push_back(r.name);
  return names;
}

// A catalog large enough that the index splits its nodes (as in
// site_test's SearchIndexSplitsLargeNodes), with a few hand-made
// repositories among the synthetic ones.
std::vector<RepositoryInfo> Synthetic() {
  std::vector<RepositoryInfo> repos = {
      Repo("library/python",
           "Python is an interpreted, interactive, object-oriented programming language.", 120,
           true),
      Repo("library/pypy", "A fast, compliant alternative implementation of Python", 50, true),
      Repo("someone/python", "My Python", 0),
      Repo("team/python-tools", "Tools for Python projects", 300, false, true),
      Repo("org/web-server", "A web server with TLS", 12, false, true),
      Repo("org/webhooks", "Web hooks relay", 12),
      Repo("library/nginx", "Official build of Nginx.", 900, true),
      Repo("team/nginx-proxy", "Automated Nginx reverse proxy for docker containers", 40, false,
           true),
  };
  for (int i = 0; i < 3000; ++i) {
    bool official = i % 101 == 0;
    repos.push_back(Repo(absl::StrCat(official ? "library" : absl::StrCat("org", i % 50), "/app", i),
                         absl::StrCat("Application number ", i, " of the synthetic catalog"),
                         i % 97, official, i % 7 == 0));
  }
  std::sort(repos.begin(), repos.end(),
            [](const RepositoryInfo& a, const RepositoryInfo& b) { return a.name < b.name; });
  return repos;
}

// The published index of `repos`, read through a SiteFetcher that records
// what it fetched.
class FakeSite {
 public:
  explicit FakeSite(const std::vector<RepositoryInfo>& repos) {
    for (SiteFile& f : SearchIndex(repos)) files_[f.path] = std::move(f.content);
  }

  SiteFetcher Fetcher() {
    return [this](const std::string& path) -> absl::StatusOr<std::string> {
      fetched_.push_back(path);
      auto it = files_.find(path);
      if (it == files_.end()) return absl::NotFoundError(path);
      return it->second;
    };
  }

  std::map<std::string, std::string>& files() { return files_; }
  std::vector<std::string>& fetched() { return fetched_; }

 private:
  std::map<std::string, std::string> files_;
  std::vector<std::string> fetched_;
};

SearchOptions Limit(int limit) {
  SearchOptions o;
  o.limit = limit;
  return o;
}

SearchOptions Official(bool official, int limit = 25) {
  SearchOptions o = Limit(limit);
  o.official = official;
  return o;
}

SearchOptions Automated(bool automated, int limit = 25) {
  SearchOptions o = Limit(limit);
  o.automated = automated;
  return o;
}

SearchOptions Stars(int64_t stars, int limit = 25) {
  SearchOptions o = Limit(limit);
  o.min_stars = stars;
  return o;
}

// The site's index answers as the store does: every query whose longest
// word ends in a leaf, and, for a word that ends on a split node, the best
// 25 or fewer without other words or filters.
TEST(SearchTest, SiteAnswersAsTheStore) {
  const std::vector<RepositoryInfo> repos = Synthetic();
  FakeSite site(repos);
  struct Case {
    std::string query;
    SearchOptions options;
    size_t at_least;  // results expected, so that no case passes empty
  };
  const std::vector<Case> cases = {
      {"python", {}, 4},
      {"Python", Limit(2), 2},
      {"  PYTHON  ", {}, 4},
      {"pyth", {}, 4},
      {"py", {}, 4},
      {"python tools", {}, 1},
      {"tools python", {}, 1},
      {"ools python", {}, 1},  // the other words match anywhere in the text
      {"library/python", {}, 1},
      {"python!!", {}, 4},
      {"python", Official(true), 2},
      {"python", Official(false), 2},
      {"python", Automated(true), 1},
      {"python", Stars(100), 2},
      {"web", {}, 2},
      {"web server", {}, 1},
      {"web-server", {}, 1},
      {"server web", {}, 1},
      {"webhooks", {}, 1},
      {"nginx", {}, 2},
      {"nginx proxy", {}, 1},
      {"reverse", {}, 1},
      {"app1234", {}, 1},
      {"org34/app1234", {}, 1},
      {"org/web-server", {}, 1},    // the words joined find the full name
      {"team/python-tools", {}, 1},
      {"webserver", {}, 1},         // one word: the name's words joined
      {"orgweb", {}, 1},
      {"pythontools", {}, 1},
      {"org34 app1234", {}, 1},
      {"library python", {}, 2},    // joined adds nothing the longest has not
      {"app1234 number", {}, 1},
      {"app12", Limit(0), 111},
      {"app12", Official(true, 0), 1},
      {"app12", Automated(true, 0), 10},
      {"app12", Stars(90, 0), 1},
      {"app12 num", Limit(100), 100},
      {"app123", Limit(5), 5},
      {"app29", Limit(0), 11},
      {"org7", Limit(0), 50},
      {"org7 app", Stars(50, 0), 10},
      {"a", {}, 25},
      {"ap", Limit(10), 10},
      {"app", {}, 25},
      {"application", {}, 25},
      {"n", Limit(3), 3},
      {"number", {}, 25},
      {"synthetic", Limit(25), 25},
      {"catalog", Limit(1), 1},
      {"applications", {}, 0},  // below a split node without that child
      {"zzz", {}, 0},
      {"qqqq", {}, 0},
      {"", {}, 0},
      {"   ", {}, 0},
      {"!!!", {}, 0},
      {"thon", {}, 0},  // the longest word must start a word
  };
  for (const Case& c : cases) {
    std::vector<SearchResult> store = SearchRepositories(repos, c.query, c.options);
    absl::StatusOr<std::vector<SearchResult>> from_site =
        SearchSite(site.Fetcher(), c.query, c.options);
    ASSERT_TRUE(from_site.ok()) << c.query << ": " << from_site.status();
    EXPECT_EQ(*from_site, store) << "query \"" << c.query << "\"";
    EXPECT_GE(store.size(), c.at_least) << c.query;
    if (c.at_least == 0) {
      EXPECT_THAT(store, IsEmpty()) << c.query;
    }
    size_t limit = c.options.limit > 0 ? c.options.limit : repos.size();
    EXPECT_LE(store.size(), limit) << c.query;
  }
}

// The index's one limit: a word that ends on a split node is answered from
// that node's "top" (the best 25 for the word alone), which other words and
// filters then narrow. The store looks at every repository.
TEST(SearchTest, SplitNodeAnswersFromItsTop) {
  const std::vector<RepositoryInfo> repos = Synthetic();
  FakeSite site(repos);
  struct Case {
    std::string query;
    SearchOptions options;
  };
  const std::vector<Case> cases = {
      {"number", Limit(100)},
      {"number", Official(false)},
      {"number 77", {}},
      {"synthetic 1234", {}},
  };
  for (const Case& c : cases) {
    std::vector<SearchResult> store = SearchRepositories(repos, c.query, c.options);
    absl::StatusOr<std::vector<SearchResult>> from_site =
        SearchSite(site.Fetcher(), c.query, c.options);
    ASSERT_TRUE(from_site.ok()) << c.query;
    EXPECT_LT(from_site->size(), store.size()) << c.query;
    EXPECT_LE(from_site->size(), 25u) << c.query;
    std::set<std::string> all;
    for (const SearchResult& r : store) all.insert(r.name);
    for (const SearchResult& r : *from_site) EXPECT_EQ(all.count(r.name), 1u) << r.name;
  }
}

// A namespace with so many repositories that its node is split: its full
// names are found by the words joined, although the longest word ("acme")
// alone ends on the split node, whose "top" does not hold them.
TEST(SearchTest, FullNameBeyondASplitNamespace) {
  std::vector<RepositoryInfo> repos = {
      Repo("acme/api-app", "The API gateway", 0),
      Repo("acme/app", "The main application", 1),
      Repo("other/acme-api-app", "A fork", 2),
  };
  for (int i = 0; i < 2000; ++i) {
    repos.push_back(Repo(absl::StrCat("acme/service", i), absl::StrCat("Service number ", i),
                         100 + i % 89, i % 211 == 0));
  }
  std::sort(repos.begin(), repos.end(),
            [](const RepositoryInfo& a, const RepositoryInfo& b) { return a.name < b.name; });
  FakeSite site(repos);
  const std::string acme = site.files()["_catalog/search/n/acme.json"];
  ASSERT_THAT(acme, HasSubstr("\"split\":1"));
  ASSERT_THAT(acme, Not(HasSubstr("acme/api-app")));
  ASSERT_THAT(acme, Not(HasSubstr("\"acme/app\"")));

  struct Case {
    std::string query;
    std::vector<std::string> first;  // the results start so
  };
  const std::vector<Case> cases = {
      {"acme/api-app", {"acme/api-app", "other/acme-api-app"}},
      {"ACME/API-APP", {"acme/api-app", "other/acme-api-app"}},
      {"acme api app", {"other/acme-api-app", "acme/api-app"}},  // not exact: by stars
      {"acme/app", {"acme/app"}},
      {"acme api", {"other/acme-api-app", "acme/api-app"}},  // "acmeapi..." starts both
      {"other/acme-api-app", {"other/acme-api-app"}},
  };
  for (const Case& c : cases) {
    site.fetched().clear();
    absl::StatusOr<std::vector<SearchResult>> from_site =
        SearchSite(site.Fetcher(), c.query, Limit(0));
    ASSERT_TRUE(from_site.ok()) << c.query << ": " << from_site.status();
    std::vector<std::string> names = Names(*from_site);
    ASSERT_GE(names.size(), c.first.size()) << c.query;
    EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + c.first.size()), c.first)
        << c.query;
    // Every result matches in the store too, ranked the same.
    std::vector<std::string> store = Names(SearchRepositories(repos, c.query, Limit(0)));
    EXPECT_EQ(std::vector<std::string>(store.begin(), store.begin() + c.first.size()), c.first)
        << c.query;
    // Each node once, and few bytes.
    std::set<std::string> once(site.fetched().begin(), site.fetched().end());
    EXPECT_EQ(once.size(), site.fetched().size()) << c.query;
    size_t bytes = 0;
    for (const std::string& path : site.fetched()) bytes += site.files()[path].size();
    EXPECT_LT(bytes, 200u * 1000) << c.query;
  }
}

// The words joined add matches; they never take away those of the longest
// word (a store and a small site agree, as in SiteAnswersAsTheStore).
TEST(SearchTest, JoinedWordsOnlyAdd) {
  const std::vector<RepositoryInfo> repos = {
      Repo("acme/api-app", "", 3),
      Repo("acme/app", "", 1),
      Repo("acme/web-app", "", 2),
      Repo("acme/web", "An app server", 5),
      Repo("zed/tool", "", 9),
  };
  FakeSite site(repos);
  for (std::string query : {"acme app", "acme/app", "app acme", "acme web app"}) {
    std::vector<SearchResult> store = SearchRepositories(repos, query, Limit(0));
    absl::StatusOr<std::vector<SearchResult>> from_site =
        SearchSite(site.Fetcher(), query, Limit(0));
    ASSERT_TRUE(from_site.ok()) << query;
    EXPECT_EQ(*from_site, store) << query;
  }
  EXPECT_THAT(Names(SearchRepositories(repos, "acme app", Limit(0))),
              ElementsAre("acme/web", "acme/api-app", "acme/web-app", "acme/app"));
  EXPECT_THAT(Names(SearchRepositories(repos, "acme/app", Limit(0))),
              ElementsAre("acme/app", "acme/web", "acme/api-app", "acme/web-app"));
  EXPECT_THAT(Names(SearchRepositories(repos, "acme web app", Limit(0))),
              ElementsAre("acme/web", "acme/web-app"));
}

TEST(SearchTest, SearchWordsJoinTheName) {
  struct Case {
    std::string name;
    std::vector<std::string> words;
  };
  const std::vector<Case> cases = {
      {"acme/api-app", {"acme", "acmeapiapp", "api", "apiapp", "app", "gateway"}},
      {"Team/Tools/CLI", {"cli", "gateway", "team", "teamtoolscli", "tools"}},
      {"library/python", {"gateway", "library", "librarypython", "python"}},
      {"a/b.c_d", {"a", "abcd", "b", "bcd", "c", "d", "gateway"}},
      {"solo", {"gateway", "solo"}},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(SearchWords(Repo(c.name, "Gateway", 0)), ElementsAreArray(c.words)) << c.name;
  }
}

TEST(SearchTest, FetchesOnlyTheNodesOnThePath) {
  FakeSite site(Synthetic());
  ASSERT_TRUE(SearchSite(site.Fetcher(), "app1234 number", {}).ok());
  // a -> ap -> app -> app1 -> ... until a leaf, one node per character.
  ASSERT_GE(site.fetched().size(), 4u);
  for (size_t i = 0; i < site.fetched().size(); ++i) {
    EXPECT_EQ(site.fetched()[i], absl::StrCat("_catalog/search/n/", std::string("app1234", i + 1),
                                              ".json"));
    bool leaf = site.files()[site.fetched()[i]].find("\"words\"") != std::string::npos;
    EXPECT_EQ(leaf, i + 1 == site.fetched().size()) << site.fetched()[i];
  }
  site.fetched().clear();
  ASSERT_TRUE(SearchSite(site.Fetcher(), "   ", {}).ok());
  EXPECT_THAT(site.fetched(), IsEmpty());
}

TEST(SearchTest, Ranking) {
  const std::vector<RepositoryInfo> repos = {
      Repo("a/pythonic", "", 500),
      Repo("b/pythonic", "", 500),
      Repo("library/pypy", "", 5, true),
      Repo("library/python", "", 10, true),
      Repo("someone/python", "", 0),
      Repo("team/python-tools", "", 500),
      Repo("zed/python", "", 1),
  };
  struct Case {
    std::string query;
    std::vector<std::string> names;
  };
  const std::vector<Case> cases = {
      // Exact names (the name, its last component, library/<query>) first,
      // then official, then stars, then name.
      {"python", {"library/python", "zed/python", "someone/python", "a/pythonic", "b/pythonic",
                  "team/python-tools"}},
      {"py", {"library/python", "library/pypy", "a/pythonic", "b/pythonic", "team/python-tools",
              "zed/python", "someone/python"}},
      {"someone/python", {"someone/python"}},
      {"library/python", {"library/python"}},
      {"b/pythonic", {"b/pythonic"}},
      {"pythonic", {"a/pythonic", "b/pythonic"}},
      {"pypy", {"library/pypy"}},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Names(SearchRepositories(repos, c.query, Limit(0))), ElementsAreArray(c.names))
        << c.query;
  }
}

TEST(SearchTest, FiltersThenLimit) {
  const std::vector<RepositoryInfo> repos = {
      Repo("library/web", "", 1, true),
      Repo("a/web", "", 50, false, true),
      Repo("b/web", "", 5, false, true),
      Repo("c/web", "", 7),
      Repo("library/webapp", "", 70, true, true),
  };
  SearchOptions none = Limit(0);
  struct Case {
    SearchOptions options;
    std::vector<std::string> names;
  };
  const std::vector<Case> cases = {
      {none, {"library/web", "a/web", "c/web", "b/web", "library/webapp"}},
      {Limit(2), {"library/web", "a/web"}},
      {Official(true), {"library/web", "library/webapp"}},
      {Official(false), {"a/web", "c/web", "b/web"}},
      {Automated(true), {"a/web", "b/web", "library/webapp"}},
      {Automated(false), {"library/web", "c/web"}},
      {Stars(7), {"a/web", "c/web", "library/webapp"}},
      {Stars(7, 1), {"a/web"}},
      {Stars(1000), {}},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Names(SearchRepositories(repos, "web", c.options)), ElementsAreArray(c.names));
  }
}

TEST(SearchTest, MissingNodesAndFetchErrors) {
  FakeSite site(Synthetic());
  // No word starts with "q": there is no q.json.
  absl::StatusOr<std::vector<SearchResult>> none = SearchSite(site.Fetcher(), "quux", {});
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
  EXPECT_THAT(site.fetched(), ElementsAre("_catalog/search/n/q.json"));

  SiteFetcher down = [](const std::string& path) -> absl::StatusOr<std::string> {
    return absl::UnavailableError(absl::StrCat("GET http://127.0.0.1:1/", path, ": refused"));
  };
  absl::StatusOr<std::vector<SearchResult>> r = SearchSite(down, "python", {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "GET http://127.0.0.1:1/_catalog/search/n/p.json: refused");
}

TEST(SearchTest, MalformedNodesAreDataLoss) {
  const std::string path = "_catalog/search/n/p.json";
  struct Case {
    std::string node;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"not json", ": invalid JSON at offset "},
      {"[]", ": not a JSON object"},
      {R"({"words":{},"repos":[]})", ": \"p\" is not \"p\""},
      {R"({"p":"q","words":{},"repos":[]})", ": \"p\" is not \"p\""},
      {R"({"p":"p","words":{"python":[0]}})", ": no \"repos\" array"},
      {R"({"p":"p","words":[],"repos":[]})", ": \"words\" is not an object"},
      {R"({"p":"p","words":{"python":"x"},"repos":[]})",
       ": words[\"python\"] is not an array"},
      {R"({"p":"p","words":{"python":[1]},"repos":[["a/b","",1,0]]})",
       ": words[\"python\"] holds 1, not an index into \"repos\" (1 entries)"},
      {R"({"p":"p","words":{"pip":[-1]},"repos":[]})",
       ": words[\"pip\"] holds -1, not an index"},
      {R"({"p":"p","words":{"python":[0]},"repos":[["a/b",1,1,0]]})",
       ": repos[0] is not [name, description, stars, flags]"},
      {R"({"p":"p","words":{"python":[0]},"repos":[["a/b","",1]]})",
       ": repos[0] is not [name, description, stars, flags]"},
      {R"({"p":"p","split":1})", ": no \"top\" array"},
      {R"({"p":"p","split":1,"top":[["a/b","","many",0]]})",
       ": top[0] is not [name, description, stars, flags]"},
  };
  for (const Case& c : cases) {
    SiteFetcher fetch = [&](const std::string& p) -> absl::StatusOr<std::string> {
      if (p == path) return c.node;
      return absl::NotFoundError(p);
    };
    absl::StatusOr<std::vector<SearchResult>> r = SearchSite(fetch, "p", {});
    ASSERT_FALSE(r.ok()) << c.node;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << c.node;
    EXPECT_THAT(std::string(r.status().message()), StartsWith(path + c.message)) << c.node;
  }
}

// ------------------------------------------------------------ output

TEST(SearchFormatTest, Ellipsis) {
  struct Case {
    std::string text;
    int width;
    std::string want;
  };
  const std::string a45(45, 'a');
  const std::vector<Case> cases = {
      {"", 45, ""},
      {"short", 45, "short"},
      {a45, 45, a45},
      {a45 + "b", 45, std::string(44, 'a') + "…"},
      {"Python is an interpreted, interactive, object-oriented programming language.", 45,
       "Python is an interpreted, interactive, objec…"},
      {"abc", 1, "a"},
      {"abc", 0, ""},
      {"abc", -1, ""},
      {"abcd", 3, "ab…"},
      // Display width, not bytes: é is 2 bytes and 1 column.
      {"h\xc3\xa9llo w\xc3\xb6rld", 11, "h\xc3\xa9llo w\xc3\xb6rld"},
      {"h\xc3\xa9llo w\xc3\xb6rld", 5, "h\xc3\xa9ll…"},
      // East Asian Wide characters are 2 columns.
      {"日本語", 6, "日本語"},
      {"日本語のテキスト", 9, "日本語の…"},
      {"a日本語", 6, "a日本…"},
      {"日本語", 2, "日本語"},  // nothing fits before the "…": as docker, unchanged
      // A combining accent counts 1 here (docker's Ellipsis).
      {"e\xcc\x81" + std::string(44, 'x'), 45, "e\xcc\x81" + std::string(42, 'x') + "…"},
      // Invalid UTF-8: a column per byte, U+FFFD when cut.
      {"ab\xff" "cd", 4, "ab\xef\xbf\xbd…"},
      {"ab\xff", 4, "ab\xff"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Ellipsis(c.text, c.width), c.want) << c.text << " " << c.width;
  }
}

TEST(SearchFormatTest, Table) {
  const SearchResult python{"library/python",
                            "Python is an interpreted, interactive, object-oriented programming "
                            "language.",
                            120, true, false};
  const SearchResult app{"team/app", "App", 3, false, true};
  const SearchResult lines{"team/long-name-here", "two\nlines\rhere", 1234567, false, false};
  struct Case {
    std::string name;
    std::vector<SearchResult> results;
    bool truncate;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"no results: the header alone",
       {},
       true,
       "NAME      DESCRIPTION   STARS     OFFICIAL   AUTOMATED\n"},
      {"cut at 45 columns, [OK] badges, padding 3, a last column unpadded",
       {python, app},
       true,
       "NAME             DESCRIPTION                                     STARS     OFFICIAL   AUTOMATED\n"
       "library/python   Python is an interpreted, interactive, objec…   120       [OK]       \n"
       "team/app         App                                             3                    [OK]\n"},
      {"--no-trunc",
       {python},
       false,
       "NAME             DESCRIPTION                                                                    STARS     OFFICIAL   AUTOMATED\n"
       "library/python   Python is an interpreted, interactive, object-oriented programming language.   120       [OK]       \n"},
      {"line breaks become spaces",
       {lines},
       true,
       "NAME                  DESCRIPTION      STARS     OFFICIAL   AUTOMATED\n"
       "team/long-name-here   two lines here   1234567              \n"},
      {"wide characters take 2 columns",
       {{"a/b", "日本語", 1, false, false}},
       true,
       "NAME      DESCRIPTION   STARS     OFFICIAL   AUTOMATED\n"
       "a/b       日本語        1                    \n"},
      // docker's tabwriter lets a tab shift the row; a description from a
      // remote site must not move our columns (nor drive the terminal).
      {"a tab in a description is escaped and keeps the columns",
       {{"x", "a\tb", 1, false, false}},
       true,
       "NAME      DESCRIPTION   STARS     OFFICIAL   AUTOMATED\n"
       "x         a\\x09b        1                    \n"},
      {"an escape sequence in a name or description is escaped",
       {{"x\x1b[2J", "t\x1b]0;pwned\x07", 1, false, false}},
       true,
       "NAME       DESCRIPTION         STARS     OFFICIAL   AUTOMATED\n"
       "x\\x1b[2J   t\\x1b]0;pwned\\x07   1                    \n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatTable(c.results, c.truncate), c.want) << c.name;
  }
}

TEST(SearchFormatTest, JsonLines) {
  const std::vector<SearchResult> results = {
      {"library/python",
       "Python is an interpreted, interactive, object-oriented programming language.", 120, true,
       false},
      {"team/app", "<b>\"Fast\" & small</b>\n\x01 \xff", 3, false, true},
  };
  EXPECT_EQ(FormatJsonLines(results, true),
            "{\"Description\":\"Python is an interpreted, interactive, objec…\","
            "\"IsAutomated\":\"false\",\"IsOfficial\":\"true\",\"Name\":\"library/python\","
            "\"StarCount\":\"120\"}\n"
            "{\"Description\":\"\\u003cb\\u003e\\\"Fast\\\" \\u0026 small\\u003c/b\\u003e "
            "\\u0001 \\ufffd\",\"IsAutomated\":\"true\",\"IsOfficial\":\"false\","
            "\"Name\":\"team/app\",\"StarCount\":\"3\"}\n");
  EXPECT_THAT(FormatJsonLines(results, false),
              HasSubstr("\"Python is an interpreted, interactive, object-oriented programming "
                        "language.\""));
  EXPECT_EQ(FormatJsonLines({}, true), "");
}

}  // namespace
}  // namespace stowage::site
