// End-to-end: `stowage repo set/show/apply`, the repository metadata kept in
// the store at STORE/stowage/catalog.json, read back with jq as a script
// would, and concurrent writers from separate processes.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::MakeTempDir;
using ::stowage::testing::MakeTinyLayout;
using ::stowage::testing::Result;
using ::stowage::testing::RunProgram;
using ::stowage::testing::Runfile;
using ::stowage::testing::Shell;
using ::stowage::testing::StowageBinary;
using ::stowage::testing::Trim;
using ::testing::HasSubstr;
using ::testing::Not;

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = MakeTempDir();
    store_ = work_ + "/store";
    catalog_ = store_ + "/stowage/catalog.json";
    ASSERT_EQ(Run({"init", store_}).exit_code, 0);
  }

  static Result Run(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), StowageBinary());
    return RunProgram(args, input);
  }

  // stowage repo SUB --store STORE ARGS...
  Result Repo(const std::string& sub, std::vector<std::string> args,
              const std::string& input = "") {
    args.insert(args.begin(), {"repo", sub, "--store", store_});
    return Run(args, input);
  }

  // jq -r FILTER on `json`.
  static std::string Jq(const std::string& json, const std::string& filter) {
    Result r = RunProgram({"jq", "-r", filter}, json);
    EXPECT_EQ(r.exit_code, 0) << filter << ": " << r.err;
    return Trim(r.out);
  }

  // The stored catalog's bytes ("" when there is none).
  std::string Stored() const {
    return Shell("cat " + catalog_ + " 2>/dev/null").out;
  }

  // Imports a one-manifest image, built by hand, as REPOSITORY:TAG.
  void AddTag(const std::string& name) {
    std::string layout = MakeTempDir();
    Result mk = MakeTinyLayout(layout);
    ASSERT_EQ(mk.exit_code, 0) << mk.err;
    Result imp = Run({"import", "--store", store_, "oci:" + layout + ":v1", name});
    ASSERT_EQ(imp.exit_code, 0) << imp.err;
  }

  std::string work_;
  std::string store_;
  std::string catalog_;
};

TEST_F(CatalogTest, SetShowRoundTrip) {
  std::string readme = work_ + "/python.md";
  ASSERT_EQ(Shell("printf '# Python\\n\\nThe language.\\n' > " + readme).exit_code, 0);
  Result set = Repo("set", {"python", "--short", "Python is an interpreted language",
                            "--official", "--no-automated", "--stars", "120",
                            "--readme", readme, "--namespace-title",
                            "Official Images"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(set.out,
            "updated library/python (short, readme, official, automated, stars)\n"
            "updated namespace library (title)\n");
  // Metadata may come before the images, with a warning.
  EXPECT_EQ(set.err,
            "stowage repo set: warning: no tags of library/python in the store yet\n");

  Result show = Repo("show", {"library/python"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out,
            "Name:        library/python\n"
            "Short:       Python is an interpreted language\n"
            "Badges:      OFFICIAL\n"
            "Stars:       120\n"
            "Namespace:   library (Official Images)\n"
            "Tags:        0\n"
            "\n"
            "# Python\n\nThe language.\n");

  Result json = Repo("show", {"python", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(Jq(json.out, "[.name, .short, .official, .automated, .stars] | @tsv"),
            "library/python\tPython is an interpreted language\ttrue\tfalse\t120");
  EXPECT_EQ(Jq(json.out, ".readme"), "# Python\n\nThe language.");
  EXPECT_EQ(Jq(json.out, "keys | join(\",\")"),
            "automated,name,official,readme,short,stars");

  // Only the given fields change; the stored file is what show prints.
  Result stars = Repo("set", {"python", "--stars", "121", "--automated"});
  ASSERT_EQ(stars.exit_code, 0) << stars.err;
  EXPECT_EQ(Jq(Stored(), ".repositories[\"library/python\"] | [.stars, .short, "
                         ".automated] | @tsv"),
            "121\tPython is an interpreted language\ttrue");
  EXPECT_EQ(Jq(Stored(), ".namespaces.library.title"), "Official Images");
  EXPECT_THAT(Repo("show", {"python"}).out, HasSubstr("Badges:      OFFICIAL AUTOMATED\n"));

  // '' removes a text field; --readme - reads standard input.
  ASSERT_EQ(Repo("set", {"python", "--short", ""}).exit_code, 0);
  ASSERT_EQ(Repo("set", {"python", "--readme", "-"}, "from stdin\n").exit_code, 0);
  EXPECT_EQ(Jq(Stored(), ".repositories[\"library/python\"] | has(\"short\")"), "false");
  EXPECT_EQ(Jq(Stored(), ".repositories[\"library/python\"].readme"), "from stdin");
}

TEST_F(CatalogTest, ShowCountsTagsAndNeedsMetadataOrTags) {
  AddTag("team/app:v1");
  // No metadata, but tags: shown, and set warns of nothing.
  Result show = Repo("show", {"team/app"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out, "Name:        team/app\nNamespace:   team\nTags:        1\n");
  Result set = Repo("set", {"team/app", "--short", "App"});
  ASSERT_EQ(set.exit_code, 0);
  EXPECT_EQ(set.err, "");
  EXPECT_EQ(Jq(Repo("show", {"team/app", "--json"}).out, "[.name, .short] | @tsv"),
            "team/app\tApp");

  Result none = Repo("show", {"team/nothing"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(none.err, "stowage repo show: team/nothing: no metadata and no tags in "
                      "the store " + store_ +
                          "; 'stowage repo set team/nothing --short TEXT' adds "
                          "metadata\n");
}

TEST_F(CatalogTest, ShortDescriptionOfAHundredCharactersAtMost) {
  ASSERT_EQ(Repo("set", {"team/app", "--stars", "1"}).exit_code, 0);
  std::string before = Stored();

  Result r = Repo("set", {"team/app", "--short", std::string(101, 'a'), "--stars", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "stowage repo set: --short: 101 characters; a short description is "
            "at most 100 characters (Docker Hub's limit)\n");
  EXPECT_EQ(Stored(), before);

  // Characters, not bytes: 100 'é' (200 bytes) fit.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "é";
  Result ok = Repo("set", {"team/app", "--short", accents});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(Jq(Stored(), ".repositories[\"team/app\"].short | length"), "100");
  Result line = Repo("set", {"team/app", "--short", "two\nlines"});
  EXPECT_EQ(line.exit_code, 1);
  EXPECT_EQ(line.err,
            "stowage repo set: --short: holds a line break; a short description "
            "is one line\n");
}

TEST_F(CatalogTest, BadInputIsOneLineAndWritesNothing) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"team/app", "--official"},
       "stowage repo set: --official: team/app is not in library/; official "
       "images live in library/ (Docker Hub's rule)\n"},
      {{"team/app", "--stars", "-1"},
       "stowage repo set: --stars: -1 is out of range; stars are an integer "
       "from 0 to 2147483647\n"},
      {{"team/app", "--stars", "lots"},
       "stowage repo set: --stars: \"lots\" is not an integer; stars are an "
       "integer from 0 to 2147483647\n"},
      {{"team/app", "--readme", work_ + "/missing.md"},
       "stowage repo set: --readme: " + work_ +
           "/missing.md: No such file or directory\n"},
      {{"team/app", "--namespace-title", std::string(101, 't')},
       "stowage repo set: --namespace-title: 101 characters; a namespace title "
       "is at most 100 characters\n"},
      {{"Team/app", "--stars", "1"},
       "stowage repo set: Team/app: position 1: oci/name-component: uppercase "
       "'T' is not allowed; path components are lowercase letters and digits, "
       "joined by '.', '_', '__' or dashes\n"},
      {{"team/app:v1", "--stars", "1"},
       "stowage repo set: team/app:v1: name a repository alone, without a tag "
       "or digest, e.g. team/app\n"},
  };
  for (const Case& c : cases) {
    Result r = Repo("set", c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args[0];
    EXPECT_EQ(r.err, c.err);
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(Stored(), "");
  EXPECT_EQ(Repo("set", {"library/python", "--official"}).exit_code, 0);
}

TEST_F(CatalogTest, UsageErrorsExitTwo) {
  Result nothing = Repo("set", {"team/app"});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_THAT(nothing.err, HasSubstr("nothing to change"));
  EXPECT_EQ(Repo("set", {"team/app", "--official", "--no-official"}).exit_code, 2);
  EXPECT_EQ(Repo("set", {"team/app", "--stras", "1"}).exit_code, 2);
  EXPECT_EQ(Run({"repo", "show"}).exit_code, 2);
  EXPECT_EQ(Run({"repo"}).exit_code, 2);
  EXPECT_EQ(Stored(), "");
}

TEST_F(CatalogTest, HelpTeaches) {
  for (const char* sub : {"set", "show", "apply"}) {
    Result r = Run({"repo", sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_THAT(r.out, HasSubstr("Examples:\n  stowage repo ")) << sub;
    EXPECT_THAT(r.out, HasSubstr("--store")) << sub;
  }
  EXPECT_THAT(Run({"repo", "--help"}).out, HasSubstr("apply"));
  EXPECT_THAT(Run({"--help"}).out, HasSubstr("repo"));
}

TEST_F(CatalogTest, ApplyFromAFileWithAReadmeFile) {
  std::string file = Runfile("testdata/catalog/catalog.json");
  Result r = Repo("apply", {file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "3 repositories, 2 namespaces: 5 added, 0 changed, 0 removed\n");

  std::string stored = Stored();
  EXPECT_EQ(Jq(stored, ".repositories | keys | join(\" \")"),
            "library/python team/app team/tools/lint");
  EXPECT_EQ(Jq(stored, ".namespaces.team.title"), "Team Platform");
  // The README file's text is stored; the file's name is not.
  EXPECT_THAT(stored, Not(HasSubstr("readmeFile")));
  Result readme = Shell("jq -j '.repositories[\"library/python\"].readme' " + catalog_ +
                        " | cmp - " + Runfile("testdata/catalog/docs/python.md"));
  EXPECT_EQ(readme.exit_code, 0) << readme.out << readme.err;
  Result json = Repo("show", {"python", "--json"});
  std::string text = Jq(json.out, ".readme");
  EXPECT_THAT(text, HasSubstr("| 3.12   | 3.12.4 | Debian 12    |"));
  EXPECT_THAT(text, HasSubstr("<script>alert("));
  EXPECT_THAT(text, HasSubstr("🐍"));
  EXPECT_EQ(Jq(json.out, "[.official, .automated, .stars] | @tsv"), "true\tfalse\t120");

  // The same file again changes nothing, byte for byte.
  Result again = Repo("apply", {file});
  EXPECT_EQ(again.out, "3 repositories, 2 namespaces: 0 added, 0 changed, 0 removed\n");
  EXPECT_EQ(Stored(), stored);
}

TEST_F(CatalogTest, ApplyDryRunWritesNothing) {
  std::string file = Runfile("testdata/catalog/catalog.json");
  Result dry = Repo("apply", {file, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(dry.out, "3 repositories, 2 namespaces: 5 added, 0 changed, 0 removed\n");
  EXPECT_EQ(Shell("ls -A " + store_ + "/stowage").out.find("catalog"),
            std::string::npos);

  ASSERT_EQ(Repo("set", {"team/app", "--stars", "1"}).exit_code, 0);
  std::string before = Stored();
  dry = Repo("apply", {file, "--dry-run"});
  EXPECT_EQ(dry.out, "3 repositories, 2 namespaces: 4 added, 1 changed, 0 removed\n");
  EXPECT_EQ(Stored(), before);
}

TEST_F(CatalogTest, ApplyRejectsAnUnknownKey) {
  ASSERT_EQ(Repo("apply", {Runfile("testdata/catalog/catalog.json")}).exit_code, 0);
  std::string before = Stored();
  std::string typo = Runfile("testdata/catalog/typo.json");
  Result r = Repo("apply", {typo});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "stowage repo apply: " + typo +
                       ": $.repositories[\"team/app\"].stras: unknown key; known "
                       "keys: automated, official, readme, readmeFile, short, "
                       "stars (did you mean \"stars\"?)\n");
  EXPECT_EQ(Stored(), before);
  // --dry-run checks the file the same way.
  EXPECT_EQ(Repo("apply", {typo, "--dry-run"}).err, r.err);
}

TEST_F(CatalogTest, ApplyReplacesTheWholeCatalog) {
  ASSERT_EQ(Repo("apply", {Runfile("testdata/catalog/catalog.json")}).exit_code, 0);
  Result r = Repo("apply", {Runfile("testdata/catalog/replace.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Added team/new; changed team/app (stars) and namespace team (no
  // description); removed library/python, team/tools/lint, namespace library.
  EXPECT_EQ(r.out, "2 repositories, 1 namespace: 1 added, 2 changed, 3 removed\n");
  EXPECT_EQ(Jq(Stored(), ".repositories | keys | join(\" \")"), "team/app team/new");
  EXPECT_EQ(Jq(Stored(), ".namespaces | keys | join(\" \")"), "team");
  EXPECT_EQ(Jq(Stored(), ".namespaces.team | has(\"description\")"), "false");
  EXPECT_EQ(Repo("show", {"team/tools/lint"}).exit_code, 1);
  EXPECT_EQ(Jq(Repo("show", {"team/app", "--json"}).out, ".stars"), "8");

  // From standard input, with paths relative to the working directory.
  Result in = Repo("apply", {"-"}, R"({"repositories": {"busybox": {"stars": 1}}})");
  ASSERT_EQ(in.exit_code, 0) << in.err;
  EXPECT_EQ(in.out, "1 repository, 0 namespaces: 1 added, 0 changed, 3 removed\n");
  EXPECT_EQ(Jq(Stored(), ".repositories | keys | join(\" \")"), "library/busybox");
}

TEST_F(CatalogTest, ConcurrentSetsLoseNoUpdate) {
  // Eight processes at once, each on its own repository and all on one
  // namespace; every write must survive.
  std::string script = "pids=; for i in 1 2 3 4 5 6 7 8; do " + StowageBinary() +
                       " repo set --store " + store_ +
                       " team/app$i --stars $i --short \"app $i\" "
                       "--namespace-title T$i >/dev/null 2>&1 & pids=\"$pids $!\"; "
                       "done; rc=0; for p in $pids; do wait $p || rc=1; done; "
                       "exit $rc";
  Result r = Shell(script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string stored = Stored();
  EXPECT_EQ(Jq(stored, ".repositories | keys | join(\" \")"),
            "team/app1 team/app2 team/app3 team/app4 team/app5 team/app6 "
            "team/app7 team/app8");
  EXPECT_EQ(Jq(stored, "[.repositories[] | .stars] | add"), "36");
  EXPECT_THAT(Jq(stored, ".namespaces.team.title"), ::testing::MatchesRegex("T[1-8]"));
  // No temporary file is left behind.
  EXPECT_EQ(Shell("ls -A " + store_ + "/stowage | grep -c tmp-").out, "0\n");
}

}  // namespace
}  // namespace stowage
