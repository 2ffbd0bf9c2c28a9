// End-to-end: metadata is text. Control characters are refused where
// metadata enters (repo set's options, a catalog file, a bundle's catalog),
// naming the field and the position, and anything printed from a store, a
// bundle or a site is escaped (\x1b) so that it cannot drive the terminal:
// repo show, search, search --site, inspect's labels, error lines.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"
#include "tests/harness/store_fixture.h"

namespace stowage {
namespace {

using ::stowage::testing::MakeImages;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::Result;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kEsc[] = "\x1b";
constexpr char kBel[] = "\x07";

class TerminalTextTest : public ::stowage::testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    ASSERT_EQ(S("import", {"oci:" + Images("single:v1"), "team/app:v1"}).exit_code, 0);
  }
  static void ExpectNoRawControl(const Result& r) {
    for (const std::string* s : {&r.out, &r.err}) {
      EXPECT_THAT(*s, Not(HasSubstr(kEsc))) << *s;
      EXPECT_THAT(*s, Not(HasSubstr(kBel))) << *s;
    }
  }
};


TEST_F(TerminalTextTest, RepoSetRefusesControlCharactersNamingFieldAndPosition) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"team/app", "--short", "evil\x1b]0;pwned\x07"},
       "--short: control character U+001B at position 5"},
      {{"team/app", "--short", "a\tb"}, "--short: control character U+0009 at position 2"},
      {{"team/app", "--short", "c1 \xc2\x9b" "2J"},
       "--short: control character U+009B at position 4"},
      {{"team/app", "--namespace-title", "T\x07"},
       "--namespace-title: control character U+0007 at position 2"},
      {{"team/app", "--namespace-description", "line\nok\x7f"},
       "--namespace-description: control character U+007F at position 8"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"repo", "set", "--store", store_};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Result r = Stowage(args);
    EXPECT_EQ(r.exit_code, 1) << c.error;
    EXPECT_THAT(r.err, HasSubstr(c.error));
    ExpectNoRawControl(r);
  }
  ASSERT_EQ(Shell("printf '# ok\\n\\033[2J' > " + work_ + "/README.md").exit_code, 0);
  Result r = Stowage({"repo", "set", "--store", store_, "team/app", "--readme", work_ + "/README.md"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("control character U+001B at position 6"));
  // Nothing was written by any of them.
  EXPECT_NE(Shell("grep -q team/app " + store_ + "/stowage/catalog.json").exit_code, 0);
}

TEST_F(TerminalTextTest, HostileCatalogFileInTheStoreFailsWithOneEscapedLine) {
  ASSERT_EQ(Shell("printf '%s' '{\"repositories\":{\"team/app\":{\"short\":\"x\\u001b[2J\"}}}' > " +
                  store_ + "/stowage/catalog.json")
                .exit_code, 0);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"repo", "show", "--store", store_, "team/app"},
        std::vector<std::string>{"search", "--store", store_, "app"}}) {
    Result r = Stowage(args);
    EXPECT_NE(r.exit_code, 0) << args[0];
    EXPECT_THAT(r.err, HasSubstr(".short: control character U+001B at position 2"));
    ExpectNoRawControl(r);
  }
}

TEST_F(TerminalTextTest, HostileBundleCatalogIsRefusedAndNothingIsTagged) {
  ASSERT_EQ(Stowage({"repo", "set", "--store", store_, "team/app", "--short", "MARKER"})
                .exit_code, 0);
  ASSERT_EQ(Stowage({"bundle", "create", "--store", store_, work_ + "/b.tar", "team/app"})
                .exit_code, 0);
  Result craft = Shell("set -e; cd " + work_ + "; mkdir x; tar -xf b.tar -C x; "
                       "sed -i 's/MARKER/\\\\u001b[2J/' x/stowage-bundle.json; "
                       "grep -q 'u001b' x/stowage-bundle.json; cd x; "
                       "tar --format=gnu --owner=0 --group=0 -cf ../evil.tar "
                       "stowage-bundle.json oci-layout index.json blobs");
  ASSERT_EQ(craft.exit_code, 0) << craft.err;
  std::string fresh = work_ + "/fresh";
  ASSERT_EQ(Stowage({"init", fresh}).exit_code, 0);
  Result r = Stowage({"bundle", "import", "--store", fresh, work_ + "/evil.tar"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("$.catalog: $.repositories[\"team/app\"].short: "
                               "control character U+001B at position 1"));
  ExpectNoRawControl(r);
  EXPECT_EQ(Stowage({"tags", "--store", fresh, "team/app"}).out.find("v1"), std::string::npos);
  EXPECT_NE(Shell("test -e " + fresh + "/stowage/catalog.json && grep -q team " + fresh +
                  "/stowage/catalog.json")
                .exit_code, 0);
}

TEST_F(TerminalTextTest, SearchSiteEscapesWhatTheSiteSays) {
  ASSERT_EQ(Stowage({"repo", "set", "--store", store_, "team/app", "--short", "MARKER here"})
                .exit_code, 0);
  ASSERT_EQ(S("publish", {work_ + "/site"}).exit_code, 0);
  Result edit = Shell("set -e; cd " + work_ + "/site/www/_catalog; "
                      "f=$(grep -rl MARKER .); test -n \"$f\"; "
                      "sed -i 's/MARKER/\\\\u001b]0;pwned\\\\u0007/' $f");
  ASSERT_EQ(edit.exit_code, 0) << edit.err;
  Result r = Stowage({"search", "--site", work_ + "/site/www", "app"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\\x1b]0;pwned\\x07 here"));
  ExpectNoRawControl(r);
  // JSON output stays exact JSON: the characters escaped as JSON escapes them.
  Result j = Stowage({"search", "--site", work_ + "/site/www", "app", "--format", "json"});
  EXPECT_EQ(j.exit_code, 0) << j.err;
  EXPECT_THAT(j.out, HasSubstr("\\u001b]0;pwned\\u0007 here"));
  ExpectNoRawControl(j);
}

TEST_F(TerminalTextTest, LocalSearchAndRepoShowPrintText) {
  ASSERT_EQ(Stowage({"repo", "set", "--store", store_, "team/app", "--short",
                     "caf\xc3\xa9 \xe2\x9c\x93"})
                .exit_code, 0);
  Result r = S("search", {"app"});
  EXPECT_THAT(r.out, HasSubstr("caf\xc3\xa9 \xe2\x9c\x93"));
  r = Stowage({"repo", "show", "--store", store_, "team/app"});
  EXPECT_THAT(r.out, HasSubstr("Short:       caf\xc3\xa9 \xe2\x9c\x93"));
}

// An image whose config labels hold escape sequences (built by hand: any
// tool can write them) is shown escaped by inspect, exactly by --json.
TEST_F(TerminalTextTest, InspectEscapesHostileLabels) {
  std::string dir = work_ + "/evil";
  Result make = Shell(
      "set -e; d=" + dir + "; mkdir -p $d/blobs/sha256; cd $d; "
      "echo '{\"imageLayoutVersion\":\"1.0.0\"}' > oci-layout; "
      "add() { h=$(sha256sum $1 | cut -d' ' -f1); mv $1 blobs/sha256/$h; "
      "  D=sha256:$h; S=$(stat -c %s blobs/sha256/$h); }; "
      "tar -cf l --files-from /dev/null; add l; ld=$D; ls=$S; "
      "printf '%s' '{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":"
      "{\"evil\\u001b[2J\":\"title\\u001b]0;pwned\\u0007\"}},\"rootfs\":{\"type\":\"layers\","
      "\"diff_ids\":[\"'$ld'\"]}}' > c; add c; cd=$D; cs=$S; "
      "printf '%s' '{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
      "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"'$cd'\","
      "\"size\":'$cs'},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
      "\"digest\":\"'$ld'\",\"size\":'$ls'}]}' > m; add m; md=$D; ms=$S; "
      "printf '%s' '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
      "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"'$md'\",\"size\":'$ms',"
      "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}' > index.json");
  ASSERT_EQ(make.exit_code, 0) << make.err;
  ASSERT_EQ(S("import", {"oci:" + dir + ":v1", "team/evil:v1"}).exit_code, 0);
  Result r = S("inspect", {"team/evil:v1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("evil\\x1b[2J=title\\x1b]0;pwned\\x07"));
  ExpectNoRawControl(r);
  Result j = S("inspect", {"--json", "team/evil:v1"});
  EXPECT_EQ(j.exit_code, 0) << j.err;
  ExpectNoRawControl(j);
  Result label = Shell("printf '%s' '" + j.out + "' | jq -r '.labels | to_entries[0].value'");
  EXPECT_EQ(label.out, "title\x1b]0;pwned\x07\n");
}

}  // namespace
}  // namespace stowage
