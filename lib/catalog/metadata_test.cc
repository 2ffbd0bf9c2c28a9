#include "lib/catalog/metadata.h"

#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fs/file.h"

namespace stowage::catalog {
namespace {

using ::testing::HasSubstr;

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, s);
  return out;
}

// {"repositories": {"<name>": <object>}}
std::string Repo(absl::string_view name, absl::string_view object) {
  return absl::StrCat("{\"repositories\": {\"", name, "\": ", object, "}}");
}

std::string Namespace(absl::string_view name, absl::string_view object) {
  return absl::StrCat("{\"namespaces\": {\"", name, "\": ", object, "}}");
}

TEST(ParseCatalog, Accepted) {
  struct Case {
    std::string json;
    std::string repository;  // a repository expected in the result, or ""
  };
  const std::vector<Case> cases = {
      {"{}", ""},
      {R"({"namespaces": {}, "repositories": {}})", ""},
      {Repo("library/python", "{}"), "library/python"},
      {Repo("python", R"({"official": true})"), "library/python"},
      {Repo("team/tools/lint", R"({"automated": true, "official": false})"),
       "team/tools/lint"},
      {Repo("team/app", R"({"short": ""})"), "team/app"},
      {Repo("team/app", absl::StrCat(R"({"short": ")", Repeat("a", 100), "\"}")),
       "team/app"},
      // Characters, not bytes: 100 two-, three- and four-byte characters.
      {Repo("team/app", absl::StrCat(R"({"short": ")", Repeat("é", 100), "\"}")),
       "team/app"},
      {Repo("team/app", absl::StrCat(R"({"short": ")", Repeat("猫", 100), "\"}")),
       "team/app"},
      {Repo("team/app", absl::StrCat(R"({"short": ")", Repeat("🐳", 100), "\"}")),
       "team/app"},
      {Repo("team/app", R"({"short": "caf\u00e9 \ud83d\udc33"})"), "team/app"},
      {Repo("team/app", R"({"stars": 0})"), "team/app"},
      {Repo("team/app", R"({"stars": 2147483647})"), "team/app"},
      {Repo("team/app", R"({"readme": "# App\n\n| a | b |\n|---|---|\n<script>x</script>"})"),
       "team/app"},
      {Repo("team/my.app_x__y-z", "{}"), "team/my.app_x__y-z"},
      {Namespace("library", R"({"title": "Official Images", "description": "Curated"})"),
       ""},
      {Namespace("team-1", absl::StrCat(R"({"title": ")", Repeat("t", 100),
                                        R"(", "description": ")", Repeat("d\\n", 500),
                                        "\"}")),
       ""},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Catalog> got = ParseCatalog(c.json, "catalog.json", "");
    ASSERT_TRUE(got.ok()) << c.json << "\n" << got.status();
    if (!c.repository.empty()) {
      EXPECT_EQ(got->repositories.count(c.repository), 1u) << c.json;
    }
  }
}

TEST(ParseCatalog, Rejected) {
  struct Case {
    std::string json;
    std::string message;  // the whole message after "catalog.json: "
  };
  const std::string repo = R"($.repositories["library/python"])";
  const std::vector<Case> cases = {
      // Short descriptions.
      {Repo("library/python", absl::StrCat(R"({"short": ")", Repeat("a", 101), "\"}")),
       repo + ".short: 101 characters; a short description is at most 100 "
              "characters (Docker Hub's limit)"},
      {Repo("library/python", absl::StrCat(R"({"short": ")", Repeat("é", 101), "\"}")),
       repo + ".short: 101 characters; a short description is at most 100 "
              "characters (Docker Hub's limit)"},
      {Repo("library/python", R"({"short": "one\ntwo"})"),
       repo + ".short: holds a line break; a short description is one line"},
      {Repo("library/python", R"({"short": 3})"),
       repo + ".short: must be a string, got number"},
      // Booleans and stars.
      {Repo("library/python", R"({"official": "yes"})"),
       repo + ".official: must be true or false, got string"},
      {Repo("library/python", R"({"automated": null})"),
       repo + ".automated: must be true or false, got null"},
      {Repo("library/python", R"({"stars": -1})"),
       repo + ".stars: -1 is out of range; stars are an integer from 0 to "
              "2147483647"},
      {Repo("library/python", R"({"stars": 2147483648})"),
       repo + ".stars: 2147483648 is out of range; stars are an integer from 0 "
              "to 2147483647"},
      {Repo("library/python", R"({"stars": 99999999999999999999})"),
       repo + ".stars: 99999999999999999999 is out of range; stars are an "
              "integer from 0 to 2147483647"},
      {Repo("library/python", R"({"stars": 1.5})"),
       repo + ".stars: 1.5 is not an integer; stars are an integer from 0 to "
              "2147483647"},
      {Repo("library/python", R"({"stars": 1e3})"),
       repo + ".stars: 1e3 is not an integer; stars are an integer from 0 to "
              "2147483647"},
      {Repo("library/python", R"({"stars": "10"})"),
       repo + ".stars: must be a number, got string; stars are an integer from "
              "0 to 2147483647"},
      // Unknown keys, with the known ones.
      {Repo("library/python", R"({"stras": 3})"),
       repo + ".stras: unknown key; known keys: automated, official, readme, "
              "short, stars (did you mean \"stars\"?)"},
      {Repo("library/python", R"({"description": "x"})"),
       repo + ".description: unknown key; known keys: automated, official, "
              "readme, short, stars"},
      {Repo("library/python", R"({"readmeFile": "x.md"})"),
       repo + ".readmeFile: readmeFile is for apply files; the stored catalog "
              "holds the README text as \"readme\""},
      {Namespace("team", R"({"titel": "x"})"),
       R"($.namespaces["team"].titel: unknown key; known keys: description, )"
       R"(title (did you mean "title"?))"},
      {R"({"repos": {}})",
       "$.repos: unknown key; known keys: namespaces, repositories (did you "
       "mean \"repositories\"?)"},
      // Official images live in library/.
      {Repo("team/app", R"({"official": true})"),
       R"($.repositories["team/app"].official: team/app is not in library/; )"
       "official images live in library/ (Docker Hub's rule)"},
      // Repository names.
      {Repo("Team/app", "{}"),
       R"($.repositories["Team/app"]: Team/app: position 1: oci/name-component: )"
       "uppercase 'T' is not allowed; path components are lowercase letters "
       "and digits, joined by '.', '_', '__' or dashes"},
      {Repo("docker.io/library/python", "{}"),
       R"($.repositories["docker.io/library/python"]: docker.io/library/python: )"
       "a repository in the store has no registry host; name it alone, e.g. "
       "library/python"},
      {Repo("python:3", "{}"),
       R"($.repositories["python:3"]: python:3: name a repository alone, )"
       "without a tag or digest, e.g. library/python"},
      {R"({"repositories": {"python": {}, "library/python": {}}})",
       R"($.repositories["library/python"]: the same repository as "python" )"
       "(library/python); give each repository once"},
      {R"({"repositories": {"python": {}, "python": {}}})",
       "duplicate key \"python\" at offset 32"},
      // Namespaces.
      {Namespace("example.com", "{}"),
       R"($.namespaces["example.com"]: example.com: reads as a registry host )"
       "(it holds '.' or ':', or is localhost); a namespace is the first "
       "component of a repository name"},
      {Namespace("localhost", "{}"),
       R"($.namespaces["localhost"]: localhost: reads as a registry host (it )"
       "holds '.' or ':', or is localhost); a namespace is the first "
       "component of a repository name"},
      {Namespace("a/b", "{}"),
       R"($.namespaces["a/b"]: a/b: a namespace is one path component, without '/')"},
      {Namespace("team", absl::StrCat(R"({"title": ")", Repeat("t", 101), "\"}")),
       R"($.namespaces["team"].title: 101 characters; a namespace title is at )"
       "most 100 characters"},
      {Namespace("team", R"({"title": "a\nb"})"),
       R"($.namespaces["team"].title: holds a line break; a namespace title is )"
       "one line"},
      {Namespace("team", absl::StrCat(R"({"description": ")", Repeat("d", 1001),
                                      "\"}")),
       R"($.namespaces["team"].description: 1001 characters; a namespace )"
       "description is at most 1000 characters"},
      {Namespace("team", "[]"), R"($.namespaces["team"]: must be an object, got array)"},
      // Structure.
      {"[]", "$: must be an object, got array"},
      {R"({"namespaces": []})", "$.namespaces: must be an object, got array"},
      {R"({"repositories": {"team/app": "x"}})",
       R"($.repositories["team/app"]: must be an object, got string)"},
      {"{", "invalid JSON at offset 1: Missing a name for object member."},
      // Every problem is counted, the first is named.
      {Repo("team/app", R"({"stras": 1, "official": true, "short": 1})"),
       R"($.repositories["team/app"].stras: unknown key; known keys: )"
       "automated, official, readme, short, stars (did you mean \"stars\"?) "
       "(and 2 more)"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Catalog> got = ParseCatalog(c.json, "catalog.json", "");
    ASSERT_FALSE(got.ok()) << c.json;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_EQ(got.status().message(), "catalog.json: " + c.message) << c.json;
  }
}

TEST(ParseCatalog, ReadmeOfAMegabyteAtMost) {
  std::string ok_text(kMaxReadmeBytes, 'x');
  JsonValue doc = JsonValue::Object();
  JsonValue repos = JsonValue::Object();
  JsonValue repo = JsonValue::Object();
  repo.Set("readme", JsonValue::String(ok_text));
  repos.Set("team/app", repo);
  doc.Set("repositories", repos);
  EXPECT_TRUE(ParseCatalog(doc.Serialize(), "c.json", "").ok());

  repo.Set("readme", JsonValue::String(ok_text + "x"));
  repos.Set("team/app", repo);
  doc.Set("repositories", repos);
  absl::StatusOr<Catalog> big = ParseCatalog(doc.Serialize(), "c.json", "");
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(big.status().message(),
            "c.json: $.repositories[\"team/app\"].readme: 1048577 bytes; a "
            "README is at most 1 MiB (1048576 bytes)");
}

class ReadmeFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/catalog-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    ASSERT_TRUE(MakeDirs(dir_ + "/docs").ok());
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/docs/app.md", "# App\n").ok());
  }
  std::string dir_;
};

TEST_F(ReadmeFileTest, ReadRelativeToTheApplyFile) {
  absl::StatusOr<Catalog> c =
      ParseCatalog(Repo("team/app", R"({"readmeFile": "docs/app.md"})"),
                   "apply.json", dir_);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->repositories["team/app"].readme, "# App\n");
  // And stored as text.
  EXPECT_THAT(SerializeCatalog(*c), HasSubstr("\"readme\": \"# App\\n\""));
  EXPECT_THAT(SerializeCatalog(*c), ::testing::Not(HasSubstr("readmeFile")));

  absl::StatusOr<Catalog> abs = ParseCatalog(
      Repo("team/app", absl::StrCat(R"({"readmeFile": ")", dir_, "/docs/app.md\"}")),
      "apply.json", "/nonexistent");
  ASSERT_TRUE(abs.ok()) << abs.status();
  EXPECT_EQ(abs->repositories["team/app"].readme, "# App\n");
}

TEST_F(ReadmeFileTest, Rejected) {
  ASSERT_TRUE(
      WriteFileAtomic(dir_ + "/big.md", std::string(kMaxReadmeBytes + 1, 'x')).ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/latin1.md", "caf\xe9").ok());
  struct Case {
    std::string object;
    std::string message;
  };
  const std::string path = R"(apply.json: $.repositories["team/app"].readmeFile: )";
  const std::vector<Case> cases = {
      {R"({"readmeFile": "docs/missing.md"})",
       path + dir_ + "/docs/missing.md: No such file or directory"},
      {R"({"readmeFile": "big.md"})",
       path + dir_ + "/big.md: 1048577 bytes; a README is at most 1 MiB (1048576 bytes)"},
      {R"({"readmeFile": "latin1.md"})",
       path + dir_ + "/latin1.md: not valid UTF-8 (at byte 3); a README is UTF-8 "
                     "Markdown text"},
      {R"({"readme": "x", "readmeFile": "docs/app.md"})",
       path + "give either readme or readmeFile, not both"},
      {R"({"readmeFile": ""})",
       path + "empty; readmeFile is the path of a Markdown file"},
      {R"({"readmeFile": 1})", path + "must be a string, got number"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Catalog> got =
        ParseCatalog(Repo("team/app", c.object), "apply.json", dir_);
    ASSERT_FALSE(got.ok()) << c.object;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(got.status().message(), c.message);
  }
}

TEST(FieldRules, TextIsCountedInCodePointsAndMustBeUtf8) {
  struct Case {
    std::string text;
    std::string error;  // "" when accepted
  };
  const std::vector<Case> cases = {
      {"", ""},
      {Repeat("a", 100), ""},
      {Repeat("ß", 100), ""},
      {Repeat("€", 100), ""},
      {Repeat("𝄞", 100), ""},
      {Repeat("a", 101),
       "101 characters; a short description is at most 100 characters "
       "(Docker Hub's limit)"},
      {Repeat("𝄞", 101),
       "101 characters; a short description is at most 100 characters "
       "(Docker Hub's limit)"},
      // A tab would split the column of `stowage search`'s table.
      {"tab\tis refused",
       "control character U+0009 at position 4; a short description is text "
       "without control characters"},
      {"title\x1b]0;pwned\x07",
       "control character U+001B at position 6; a short description is text "
       "without control characters"},
      {"bell\x07", "control character U+0007 at position 5; a short description "
                   "is text without control characters"},
      {"del\x7f", "control character U+007F at position 4; a short description "
                  "is text without control characters"},
      {"\xc3\xa9\xc2\x9b" "2J", "control character U+009B at position 2; a short "
                              "description is text without control characters"},
      {std::string("nul\0", 4), "control character U+0000 at position 4; a short "
                                 "description is text without control characters"},
      {"\xc2\xa0no-break space is text", ""},
      {"a\rb", "holds a line break; a short description is one line"},
      {"\xff", "not valid UTF-8 (at byte 0); a short description is UTF-8 text"},
      {"ab\xc3", "not valid UTF-8 (at byte 2); a short description is UTF-8 text"},
      {"\xc0\xaf", "not valid UTF-8 (at byte 0); a short description is UTF-8 text"},
      {"\xe0\x80\xaf", "not valid UTF-8 (at byte 0); a short description is UTF-8 text"},
      {"\xed\xa0\x80", "not valid UTF-8 (at byte 0); a short description is UTF-8 text"},
      {"\xf4\x90\x80\x80",
       "not valid UTF-8 (at byte 0); a short description is UTF-8 text"},
  };
  for (const Case& c : cases) {
    absl::Status s = ValidateShort(c.text);
    if (c.error.empty()) {
      EXPECT_TRUE(s.ok()) << c.text << ": " << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.text;
      EXPECT_EQ(s.message(), c.error) << c.text;
    }
  }
}

TEST(FieldRules, Stars) {
  EXPECT_TRUE(ValidateStars(0).ok());
  EXPECT_TRUE(ValidateStars(kMaxStars).ok());
  EXPECT_EQ(ValidateStars(-1).message(),
            "-1 is out of range; stars are an integer from 0 to 2147483647");
  EXPECT_EQ(ValidateStars(kMaxStars + 1).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FieldRules, Official) {
  EXPECT_TRUE(ValidateOfficial("library/python", true).ok());
  EXPECT_TRUE(ValidateOfficial("team/app", false).ok());
  absl::Status s = ValidateOfficial("team/app", true);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "team/app is not in library/; official images live in library/ "
            "(Docker Hub's rule)");
  // "librarything/x" is not in library/.
  EXPECT_FALSE(ValidateOfficial("librarything/x", true).ok());
}

TEST(Names, Repositories) {
  struct Case {
    std::string text;
    std::string want;  // normalized, or "" when rejected
  };
  const std::vector<Case> cases = {
      {"python", "library/python"},
      {"library/python", "library/python"},
      {"team/app", "team/app"},
      {"team/tools/lint", "team/tools/lint"},
      {"a", "library/a"},
      {"Python", ""},
      {"python:3", ""},
      {"python:latest", ""},
      {"python@sha256:" + std::string(64, 'a'), ""},
      {"localhost/app", ""},
      {"registry.example.com:5000/team/app", ""},
      {"team//app", ""},
      {"", ""},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> got = ParseRepositoryName(c.text);
    if (c.want.empty()) {
      EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
      EXPECT_THAT(got.status().message(), HasSubstr(c.text)) << c.text;
    } else {
      ASSERT_TRUE(got.ok()) << c.text << ": " << got.status();
      EXPECT_EQ(*got, c.want);
    }
  }
}

TEST(Names, Namespaces) {
  for (const char* ok : {"library", "team", "team-1", "a", "my_org", "a__b"}) {
    EXPECT_TRUE(ValidateNamespaceName(ok).ok()) << ok;
  }
  // "a.b" is a valid path component, but as a first one it reads as a host.
  for (const char* bad : {"", "Team", "a.b", "localhost", "a:1", "a/b", "-a", "_a"}) {
    absl::Status s = ValidateNamespaceName(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(NamespaceOf("library/python"), "library");
  EXPECT_EQ(NamespaceOf("team/tools/lint"), "team");
}

Catalog Example() {
  Catalog c;
  c.namespaces["library"].title = "Official Images";
  c.namespaces["library"].description = "Curated images\nmaintained here";
  c.namespaces["team"].title = "";
  RepositoryMeta& py = c.repositories["library/python"];
  py.short_description = "Python is an interpreted language 🐍";
  py.readme = "# Python\n\n| a | b |\n|---|---|\n\n<script>alert(1)</script>\n";
  py.official = true;
  py.automated = false;
  py.stars = 120;
  c.repositories["team/app"].stars = 0;
  c.repositories["team/empty"];
  return c;
}

TEST(SerializeCatalog, RoundTrip) {
  Catalog c = Example();
  ASSERT_TRUE(ValidateCatalog(c, "x").ok());
  std::string text = SerializeCatalog(c);
  absl::StatusOr<Catalog> back = ParseCatalog(text, "catalog.json", "");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == c);
  EXPECT_EQ(SerializeCatalog(*back), text);
  // Unset and empty stay distinct.
  EXPECT_FALSE(back->repositories["team/app"].short_description.has_value());
  EXPECT_EQ(back->namespaces["team"].title, "");
  EXPECT_EQ(back->repositories["library/python"].automated, false);
}

TEST(SerializeCatalog, SortedSetFieldsOnly) {
  Catalog c;
  c.repositories["team/b"].stars = 3;
  c.repositories["team/a"].short_description = "A";
  c.repositories["team/a"].automated = true;
  c.namespaces["team"].description = "D";
  EXPECT_EQ(SerializeCatalog(c),
            "{\n"
            "  \"namespaces\": {\n"
            "    \"team\": {\n"
            "      \"description\": \"D\"\n"
            "    }\n"
            "  },\n"
            "  \"repositories\": {\n"
            "    \"team/a\": {\n"
            "      \"automated\": true,\n"
            "      \"short\": \"A\"\n"
            "    },\n"
            "    \"team/b\": {\n"
            "      \"stars\": 3\n"
            "    }\n"
            "  }\n"
            "}\n");
  EXPECT_EQ(SerializeCatalog(Catalog{}),
            "{\n  \"namespaces\": {},\n  \"repositories\": {}\n}\n");
}

TEST(SerializeCatalog, Deterministic) {
  // The same catalog from documents with keys in different orders gives the
  // same bytes.
  absl::StatusOr<Catalog> a = ParseCatalog(
      R"({"repositories": {"team/z": {"stars": 1, "short": "z"}, "python": {}},
          "namespaces": {"team": {"title": "T", "description": "D"}}})",
      "a", "");
  absl::StatusOr<Catalog> b = ParseCatalog(
      R"({"namespaces": {"team": {"description": "D", "title": "T"}},
          "repositories": {"library/python": {}, "team/z": {"short": "z", "stars": 1}}})",
      "b", "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(SerializeCatalog(*a), SerializeCatalog(*b));
  EXPECT_EQ(SerializeCatalog(Example()), SerializeCatalog(Example()));
}

TEST(ValidateCatalog, NamesMustBeNormalized) {
  Catalog c;
  c.repositories["python"].official = true;
  absl::Status s = ValidateCatalog(c, "catalog.json");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "catalog.json: $.repositories[\"python\"]: not a normalized name; "
            "write library/python");
  c = Catalog{};
  c.repositories["team/app"].official = true;
  EXPECT_THAT(ValidateCatalog(c, "f").message(),
              HasSubstr("$.repositories[\"team/app\"].official: team/app is not "
                        "in library/"));
}

TEST(Diff, AddedChangedRemoved) {
  Catalog before = Example();
  Catalog after = Example();
  after.repositories.erase("team/empty");         // removed
  after.repositories["team/app"].stars = 5;        // changed
  after.repositories["team/new"];                  // added
  after.namespaces["other"].title = "Other";       // added
  after.namespaces["library"].title = "Official";  // changed
  CatalogDiff d = Diff(before, after);
  EXPECT_EQ(d.added, 2u);
  EXPECT_EQ(d.changed, 2u);
  EXPECT_EQ(d.removed, 1u);
  CatalogDiff none = Diff(before, before);
  EXPECT_EQ(none.added + none.changed + none.removed, 0u);
}

TEST(MergeCatalog, SetFieldsWinUnsetOnesKeep) {
  Catalog into;
  into.repositories["team/app"].short_description = "old";
  into.repositories["team/app"].stars = 3;
  into.repositories["team/other"].official = false;
  into.namespaces["team"].title = "Team";
  Catalog from;
  from.repositories["team/app"].short_description = "new";
  from.repositories["team/app"].automated = true;
  from.repositories["acme/api"].stars = 7;
  from.namespaces["team"].description = "The team";
  MergeCatalog(from, into);
  EXPECT_EQ(into.repositories["team/app"].short_description, "new");
  EXPECT_EQ(into.repositories["team/app"].stars, 3);
  EXPECT_EQ(into.repositories["team/app"].automated, true);
  EXPECT_EQ(into.repositories["acme/api"].stars, 7);
  EXPECT_EQ(into.repositories.count("team/other"), 1u);
  EXPECT_EQ(into.namespaces["team"].title, "Team");
  EXPECT_EQ(into.namespaces["team"].description, "The team");
}

}  // namespace
}  // namespace stowage::catalog

namespace stowage::catalog {
namespace {

TEST(FieldRules, ControlCharactersInMultiLineFields) {
  EXPECT_TRUE(ValidateReadme("# Title\n\n\tcode\r\nmore\n").ok());
  EXPECT_TRUE(ValidateDescription("line one\nline two\twith tab").ok());
  absl::Status s = ValidateReadme("# Hi\n\x1b[2J");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "control character U+001B at position 6; a README is text without "
            "control characters (line breaks and tabs allowed)");
  s = ValidateReadme("a lone\rcarriage return");
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("U+000D at position 7"));
  s = ValidateDescription("x\x07");
  EXPECT_THAT(std::string(s.message()),
              ::testing::HasSubstr("U+0007 at position 2; a namespace description"));
  s = ValidateTitle("t\x1b");
  EXPECT_THAT(std::string(s.message()),
              ::testing::HasSubstr("U+001B at position 2; a namespace title"));
}

TEST(ParseCatalogTest, ControlCharacterInAFileNamesTheField) {
  absl::StatusOr<Catalog> c = ParseCatalog(
      R"({"repositories": {"team/app": {"short": "ok\u001b[31m"}}})", "catalog.json", "");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()),
              ::testing::HasSubstr("short: control character U+001B at position 3"));
  c = ParseCatalog(R"({"namespaces": {"team": {"title": "T\u0007"}}})", "catalog.json", "");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()),
              ::testing::HasSubstr("title: control character U+0007 at position 2"));
}

}  // namespace
}  // namespace stowage::catalog
