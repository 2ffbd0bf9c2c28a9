// End-to-end: `stowage search`, the real binary, against a store with a few
// hand-made images and their metadata (`stowage repo apply` and `repo
// set`), against the site `stowage publish` made of it (as a folder), and
// against real nginx serving that site: the three print the same, in the
// format of `docker search`.

#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

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
using ::stowage::testing::MakeTinyLayout;
using ::stowage::testing::Daemon;
using ::stowage::testing::FreePort;
using ::stowage::testing::Result;
using ::stowage::testing::RunProgram;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::Trim;
using ::stowage::testing::WaitForPort;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kHeader[] =
    "NAME             DESCRIPTION                                     STARS     OFFICIAL   "
    "AUTOMATED\n";
constexpr char kPython[] =
    "Python is an interpreted, interactive, object-oriented programming language.";

// One store, published once, served by one nginx, for the whole suite.
// Under /tmp with mode 755: nginx's workers run as nobody.
struct World {
  std::string dir;
  std::string store;
  std::string out;
  int port = 0;
  std::unique_ptr<Daemon> nginx;

  std::string Url() const { return absl::StrCat("http://127.0.0.1:", port, "/"); }
};

World* world = nullptr;

// stowage search ARGS --store STORE
Result Search(std::vector<std::string> args) {
  args.insert(args.begin(), "search");
  args.push_back("--store");
  args.push_back(world->store);
  return Stowage(args);
}

// jq -r FILTER on `input`.
std::string Jq(const std::string& input, const std::string& filter) {
  Result r = RunProgram({"jq", "-r", filter}, input);
  EXPECT_EQ(r.exit_code, 0) << filter << ": " << r.err;
  return r.out;
}

class SearchCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world = new World;
    char tmpl[] = "/tmp/stowage-search-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    world->dir = tmpl;
    world->store = world->dir + "/store";
    world->out = world->dir + "/out";
    ASSERT_EQ(Shell("chmod 755 " + world->dir).exit_code, 0);
    ASSERT_EQ(Stowage({"init", world->store}).exit_code, 0);

    // A one-manifest image built by hand, imported under several names.
    std::string layout = world->dir + "/layout";
    Result mk = MakeTinyLayout(layout);
    ASSERT_EQ(mk.exit_code, 0) << mk.err;
    for (std::string name : {"library/python:3", "library/nginx:1", "team/app:v1",
                             "team/app:v2", "team/web-server:v1", "team/app-tools:v1",
                             "org/pythonic:v1", "misc/bare:v1"}) {
      Result imp = Stowage({"import", "--store", world->store, "oci:" + layout + ":v1", name});
      ASSERT_EQ(imp.exit_code, 0) << name << ": " << imp.err;
    }
    // misc/bare has no metadata; library/ghost has metadata and no tag.
    std::string catalog = world->dir + "/catalog.json";
    ASSERT_EQ(Shell("cat > " + catalog + " <<'EOF'\n"
                    "{\"repositories\": {\n"
                    " \"library/python\": {\"short\": \"" + kPython + "\",\n"
                    "   \"official\": true, \"stars\": 120},\n"
                    " \"library/nginx\": {\"short\": \"Official build of Nginx.\",\n"
                    "   \"official\": true, \"stars\": 900},\n"
                    " \"library/ghost\": {\"short\": \"Python ghost\", \"official\": true},\n"
                    " \"team/app\": {\"short\": \"The app: <fast> & small\",\n"
                    "   \"automated\": true, \"stars\": 3},\n"
                    " \"team/web-server\": {\"short\": \"A web server for static sites\",\n"
                    "   \"automated\": true, \"stars\": 12},\n"
                    " \"org/pythonic\": {\"short\": \"Pythonic helpers\", \"stars\": 40}\n"
                    "}}\nEOF")
                  .exit_code,
              0);
    Result apply = Stowage({"repo", "apply", "--store", world->store, catalog});
    ASSERT_EQ(apply.exit_code, 0) << apply.err;
    Result set = Stowage({"repo", "set", "--store", world->store, "team/app-tools", "--short",
                          "Tools for the app, in Python", "--stars", "7"});
    ASSERT_EQ(set.exit_code, 0) << set.err;

    world->port = FreePort();
    Result pub = Stowage({"publish", world->out, "--server", "nginx", "--listen",
                          absl::StrCat("127.0.0.1:", world->port), "--store", world->store});
    ASSERT_EQ(pub.exit_code, 0) << pub.err;
    std::string n = world->out + "/nginx";
    world->nginx = std::make_unique<Daemon>(
        std::vector<std::string>{"nginx", "-p", n, "-c", n + "/nginx.conf", "-g", "daemon off;"},
        world->dir + "/nginx.log");
    ASSERT_TRUE(WaitForPort(world->port, 10)) << world->nginx->LogText();
  }

  static void TearDownTestSuite() {
    if (world == nullptr) return;
    world->nginx.reset();
    Shell("rm -rf " + world->dir);
    delete world;
    world = nullptr;
  }
};

TEST_F(SearchCliTest, StorePrintsDockersTable) {
  Result r = Search({"python"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // Exact name first, then stars; a description past 45 columns cut with
  // "…"; "[OK]" badges; columns of the widest cell plus 3 (at least 10); the
  // last column unpadded, so rows without AUTOMATED end in spaces.
  EXPECT_EQ(r.out, std::string(kHeader) +
                       "library/python   Python is an interpreted, interactive, objec…   120"
                       "       [OK]       \n"
                       "org/pythonic     Pythonic helpers                                40  "
                       "                 \n"
                       "team/app-tools   Tools for the app, in Python                    7   "
                       "                 \n");
}

TEST_F(SearchCliTest, FormattingRules) {
  // No results: the header alone, at the columns' minimum width.
  Result none = Search({"zzz"});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_EQ(none.out, "NAME      DESCRIPTION   STARS     OFFICIAL   AUTOMATED\n");

  // --no-trunc: the whole description, and a wider column.
  Result whole = Search({"python", "--no-trunc", "--limit", "1"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_EQ(whole.out, absl::StrCat("NAME             DESCRIPTION", std::string(68, ' '),
                                    "STARS     OFFICIAL   AUTOMATED\n", "library/python   ",
                                    kPython, "   120       [OK]       \n"));

  // AUTOMATED shows [OK] too, at the end of its line.
  Result app = Search({"app", "-f", "is-automated=true"});
  ASSERT_EQ(app.exit_code, 0) << app.err;
  std::vector<std::string> lines = absl::StrSplit(Trim(app.out), '\n');
  ASSERT_EQ(lines.size(), 2u) << app.out;
  EXPECT_THAT(lines[1], StartsWith("team/app   The app: <fast> & small   3   "));
  EXPECT_THAT(lines[1], EndsWith("[OK]"));

  // A repository with tags and no metadata is found by its name.
  Result bare = Search({"bare"});
  EXPECT_EQ(bare.out, "NAME        DESCRIPTION   STARS     OFFICIAL   AUTOMATED\n"
                      "misc/bare                 0                    \n");
  // One with metadata and no tag is not in the store's catalog.
  EXPECT_THAT(Search({"ghost"}).out, Not(HasSubstr("ghost")));
}

TEST_F(SearchCliTest, LimitAndFilters) {
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> names;
  };
  const std::vector<Case> cases = {
      {{"python"}, {"library/python", "org/pythonic", "team/app-tools"}},
      {{"python", "--limit", "2"}, {"library/python", "org/pythonic"}},
      {{"python", "--limit", "0"}, {"library/python", "org/pythonic", "team/app-tools"}},
      {{"python", "--filter", "is-official=true"}, {"library/python"}},
      {{"python", "-f", "is-official=false"}, {"org/pythonic", "team/app-tools"}},
      {{"python", "-f", "is-official=0", "-f", "stars=10"}, {"org/pythonic"}},
      {{"python", "-f", "stars=8", "-f", "stars=100"}, {"library/python"}},
      {{"python", "-f", " IS-OFFICIAL = 1 "}, {"library/python"}},
      {{"app"}, {"team/app", "team/app-tools"}},
      {{"app", "-f", "is-automated=true"}, {"team/app"}},
      {{"app", "-f", "is-automated=false"}, {"team/app-tools"}},
      {{"web server"}, {"team/web-server"}},
      {{"server web"}, {"team/web-server"}},
      {{"nginx"}, {"library/nginx"}},
      {{"official"}, {"library/nginx"}},
      {{"tools python"}, {"team/app-tools"}},
      {{"library/python"}, {"library/python"}},
      {{"thon"}, {}},
  };
  for (const Case& c : cases) {
    Result r = Search(c.args);
    ASSERT_EQ(r.exit_code, 0) << c.args[0] << ": " << r.err;
    std::vector<std::string> names;
    std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
    for (size_t i = 1; i < lines.size(); ++i) names.push_back(lines[i].substr(0, lines[i].find(' ')));
    EXPECT_EQ(names, c.names) << absl::StrJoin(c.args, " ");
  }
}

TEST_F(SearchCliTest, JsonAsDockersFormatJson) {
  Result r = Search({"app", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(CountLines(r.out), 2u);
  // One object per line, docker's keys, every value a string.
  EXPECT_EQ(Jq(r.out, "[.Name, .Description, .StarCount, .IsOfficial, .IsAutomated] | @tsv"),
            "team/app\tThe app: <fast> & small\t3\tfalse\ttrue\n"
            "team/app-tools\tTools for the app, in Python\t7\tfalse\tfalse\n");
  EXPECT_EQ(Jq(r.out, "keys | join(\",\")"),
            "Description,IsAutomated,IsOfficial,Name,StarCount\n"
            "Description,IsAutomated,IsOfficial,Name,StarCount\n");
  // Go's HTML-safe escapes, as docker's encoding/json writes them.
  EXPECT_THAT(r.out, HasSubstr("\"The app: \\u003cfast\\u003e \\u0026 small\""));
  // Cut as the table is, unless --no-trunc; '{{json .}}' is the same format.
  Result py = Search({"python", "--format", "{{json .}}", "--limit", "1"});
  EXPECT_EQ(Jq(py.out, ".Description"), "Python is an interpreted, interactive, objec…\n");
  Result whole = Search({"python", "--format", "json", "--no-trunc", "--limit", "1"});
  EXPECT_EQ(Jq(whole.out, ".Description"), std::string(kPython) + "\n");
  Result all = RunProgram({"jq", "-s", "length"}, Search({"python", "--format", "json"}).out);
  EXPECT_EQ(Trim(all.out), "3") << all.err;
  // No results: no output at all.
  EXPECT_EQ(Search({"zzz", "--format", "json"}).out, "");
}

// The published site answers as the store does: from its folder (OUTDIR or
// OUTDIR/www) and from nginx serving it.
TEST_F(SearchCliTest, SiteAnswersAsTheStore) {
  const std::vector<std::vector<std::string>> queries = {
      {"python"},
      {"Python"},
      {"py"},
      {"p"},
      {"app"},
      {"app", "--format", "json"},
      {"web server"},
      {"tools python"},
      {"python", "--limit", "1"},
      {"python", "--no-trunc"},
      {"python", "-f", "is-official=true"},
      {"app", "-f", "is-automated=true"},
      {"python", "-f", "stars=10"},
      {"nginx"},
      {"bare"},
      {"ghost"},
      {"zzz"},
      {"thon"},
  };
  const std::vector<std::string> sites = {world->out, world->out + "/www", world->Url(),
                                          absl::StrCat("http://127.0.0.1:", world->port)};
  for (const std::vector<std::string>& q : queries) {
    Result store = Search(q);
    ASSERT_EQ(store.exit_code, 0) << q[0] << ": " << store.err;
    for (const std::string& site : sites) {
      std::vector<std::string> args = q;
      args.insert(args.end(), {"--site", site});
      Result r = Search(args);
      EXPECT_EQ(r.exit_code, 0) << site << ": " << r.err;
      EXPECT_EQ(r.out, store.out) << absl::StrJoin(args, " ");
      EXPECT_EQ(r.err, "") << site;
    }
  }
}

TEST_F(SearchCliTest, Errors) {
  // A site whose index is damaged.
  std::string damaged = world->dir + "/damaged";
  ASSERT_EQ(Shell("mkdir -p " + damaged + " && cp -r " + world->out + "/www/_catalog " + damaged +
                  "/ && echo garbage > " + damaged + "/_catalog/search/n/p.json")
                .exit_code,
            0);
  const int closed = FreePort();
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string err;  // the start of standard error
  };
  const std::vector<Case> cases = {
      {{"python", "-f", "foo"},
       2,
       "stowage search: invalid argument \"foo\" for \"-f, --filter\" flag: bad format of "
       "filter (expected name=value) (see 'stowage search --help')\n"},
      {{"python", "-f", "official=true"}, 1, "stowage search: invalid filter 'official'; "},
      {{"python", "-f", "is-official=yes"},
       1,
       "stowage search: invalid filter 'is-official=[yes]'; is-official is true or false"},
      {{"python", "-f", "is-official=true", "-f", "is-official=false"},
       1,
       "stowage search: invalid filter 'is-official=[false true]'"},
      {{"python", "-f", "stars=many"}, 1, "stowage search: invalid filter 'stars=many'; "},
      {{"python", "--limit", "101"},
       1,
       "stowage search: limit 101 is outside the range of [1, 100]\n"},
      {{"python", "--limit", "-3"},
       1,
       "stowage search: limit -3 is outside the range of [1, 100]\n"},
      {{"python", "--format", "{{.Name}}"}, 2, "stowage search: unsupported --format"},
      {{"python", "--site", world->dir + "/nowhere"},
       1,
       "stowage search: " + world->dir + "/nowhere: no stowage catalog there"},
      {{"python", "--site", world->Url() + "v2/"},
       1,
       "stowage search: " + world->Url() + "v2/: no stowage catalog there (GET " + world->Url() +
           "v2/_catalog/search.js: HTTP 404)"},
      {{"python", "--site", absl::StrCat("http://127.0.0.1:", closed, "/")},
       1,
       absl::StrCat("stowage search: GET http://127.0.0.1:", closed, "/_catalog/search.js: ")},
      {{"python", "--site", damaged},
       1,
       "stowage search: " + damaged + ": _catalog/search/n/p.json: invalid JSON at offset"},
  };
  for (const Case& c : cases) {
    Result r = Search(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << absl::StrJoin(c.args, " ") << ": " << r.err;
    EXPECT_THAT(r.err, StartsWith(c.err)) << absl::StrJoin(c.args, " ");
    EXPECT_EQ(CountLines(r.err), 1u) << r.err;
    EXPECT_EQ(r.out, "");
  }
  Result no_term = Stowage({"search"});
  EXPECT_EQ(no_term.exit_code, 2);
  EXPECT_THAT(no_term.err, HasSubstr("TERM is required"));
  Result no_store = Stowage({"search", "python", "--store", world->dir + "/nostore"});
  EXPECT_EQ(no_store.exit_code, 1);
  EXPECT_THAT(no_store.err, StartsWith("stowage search: no store at "));
}

TEST_F(SearchCliTest, HelpTeachesWithExamples) {
  Result r = Stowage({"search", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("--filter"));
  EXPECT_THAT(r.out, HasSubstr("--no-trunc"));
  EXPECT_THAT(r.out, HasSubstr("Examples:\n  stowage search python\n"));
  EXPECT_THAT(r.out, HasSubstr("--site"));
  EXPECT_THAT(Stowage({"--help"}).out, HasSubstr("search"));
}

}  // namespace
}  // namespace stowage
