// End-to-end: the built stowage binary's `validate` command, its output,
// exit codes, and its JSON read back by jq.

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::CountLines;
using ::stowage::testing::Result;
using ::stowage::testing::RunProgram;
using ::stowage::testing::Stowage;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kHex(64, 'c');

TEST(ValidateCommand, ValidReferencesExitZero) {
  Result r = Stowage({"validate", "ubuntu", "team/app:v1",
                      "localhost:5000/team/app@sha256:" + kHex});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "ubuntu: valid: library/ubuntu:latest\n"
            "team/app:v1: valid: team/app:v1\n"
            "localhost:5000/team/app@sha256:" + kHex +
                ": valid: localhost:5000/team/app@sha256:" + kHex + "\n");
  EXPECT_EQ(r.err, "validate: 3 references, 3 valid, 0 invalid\n");
}

TEST(ValidateCommand, OneValidReferencePrintsNoSummary) {
  Result r = Stowage({"validate", "busybox:1.36"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "busybox:1.36: valid: library/busybox:1.36\n");
  EXPECT_EQ(r.err, "");
}

TEST(ValidateCommand, InvalidReferenceNamesRuleAndPosition) {
  Result r = Stowage({"validate", "team/App"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "team/App: position 6: oci/name-component: uppercase 'A' is not "
            "allowed; path components are lowercase letters and digits, "
            "joined by '.', '_', '__' or dashes\n"
            "team/App: position 6: hub/name-chars: uppercase 'A' is not "
            "allowed in a repository name; Docker Hub allows lowercase "
            "letters, digits, '-' and '_'\n");
}

TEST(ValidateCommand, RuleSetsDisagree) {
  // A '.' in the name: OCI accepts it, Docker Hub does not.
  EXPECT_EQ(Stowage({"validate", "--rules=oci", "team/my.app"}).exit_code, 0);
  Result hub = Stowage({"validate", "--rules=hub", "team/my.app"});
  EXPECT_EQ(hub.exit_code, 1);
  EXPECT_THAT(hub.out, HasSubstr("position 8: hub/name-chars: '.'"));
  EXPECT_EQ(CountLines(hub.out), 1u);

  // A leading '_': Docker Hub's characters allow it, OCI does not.
  EXPECT_EQ(Stowage({"validate", "--rules=hub", "team/_app"}).exit_code, 0);
  Result oci = Stowage({"validate", "--rules=oci", "team/_app"});
  EXPECT_EQ(oci.exit_code, 1);
  EXPECT_THAT(oci.out, HasSubstr("position 6: oci/name-component"));

  // Nested paths: OCI only.
  EXPECT_EQ(Stowage({"validate", "--rules=oci", "team/sub/app"}).exit_code, 0);
  Result both = Stowage({"validate", "team/sub/app"});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_THAT(both.out, HasSubstr("position 9: hub/depth"));
}

TEST(ValidateCommand, MixedResultsExitOne) {
  Result r = Stowage({"validate", "ubuntu", "a", "team/app:v1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("a: position 1: hub/name-length"));
  EXPECT_EQ(r.err, "validate: 3 references, 2 valid, 1 invalid\n");
}

TEST(ValidateCommand, QuietPrintsOnlyProblems) {
  Result r = Stowage({"validate", "-q", "ubuntu", "team/app:.x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "team/app:.x: position 10: ref/tag: '.' cannot start a tag; tags "
            "are letters, digits and '_', then up to 127 of those or '.' or "
            "'-'\n");
  EXPECT_EQ(r.err, "");
}

TEST(ValidateCommand, ReadsThousandsFromStdin) {
  std::string input = "# references to check\n\n";
  for (int i = 0; i < 5000; ++i) {
    absl::StrAppend(&input, "  team/app-", i, ":v", i, "  \n");
  }
  absl::StrAppend(&input, "team/App:1\r\n");
  Result r = Stowage({"validate", "-q", "-"}, input);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.out), 2u) << r.out;
  EXPECT_THAT(r.out, StartsWith("team/App:1: position 6: oci/name-component"));

  r = Stowage({"validate", "-"}, input);
  EXPECT_EQ(CountLines(r.out), 5002u);
  EXPECT_EQ(r.err, "validate: 5001 references, 5000 valid, 1 invalid\n");
}

TEST(ValidateCommand, JsonIsReadableByJq) {
  Result r = Stowage({"validate", "--json", "ubuntu", "team/App:1",
                      "team/app@sha256:" + kHex.substr(1)});
  EXPECT_EQ(r.exit_code, 1);
  Result jq = RunProgram({"jq", "-r",
                   ".[] | [.input, (.valid|tostring), .repository, .tag, "
                   "((.violations[0] // {}) | \"\\(.rules)/\\(.rule)@\\(.position)\")] "
                   "| join(\" \")"},
                  r.out);
  ASSERT_EQ(jq.exit_code, 0) << jq.err << r.out;
  EXPECT_EQ(jq.out,
            "ubuntu true library/ubuntu latest null/null@null\n"
            "team/App:1 false team/App 1 oci/name-component@6\n"
            "team/app@sha256:" + kHex.substr(1) +
                " false team/app  ref/digest-length@80\n");
}

TEST(ValidateCommand, JsonOfNothingIsAnEmptyArray) {
  Result r = Stowage({"validate", "--json", "-"}, "\n# nothing\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "[]\n");
}

struct UsageCase {
  std::vector<std::string> args;
  std::string err;
  std::string prefix = "stowage: ";  // the command that reports it
};

class UsageTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(UsageTest, OneLineOnStderrAndExitTwo) {
  Result r = Stowage(GetParam().args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  // "stowage: ", or the command's name: "stowage repo: ".
  EXPECT_THAT(r.err, StartsWith(GetParam().prefix));
  EXPECT_THAT(r.err, HasSubstr(GetParam().err));
  EXPECT_THAT(r.err, HasSubstr("(see '" + GetParam().prefix.substr(0, GetParam().prefix.size() - 2) +
                                   " --help')"));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, UsageTest,
    ::testing::Values(
        UsageCase{{}, "A subcommand is required"},
        UsageCase{{"validate"}, "REFERENCE is required", "stowage validate: "},
        UsageCase{{"validate", "--rules=docker", "ubuntu"},
                  "--rules: docker not in {hub,oci,both}", "stowage validate: "},
        UsageCase{{"validate", "--nope", "ubuntu"}, "--nope", "stowage validate: "},
        UsageCase{{"--bogus"}, "unknown argument --bogus"},
        UsageCase{{"frobnicate"}, "frobnicate"},
        UsageCase{{"repo", "bogus"}, "unknown command or argument bogus", "stowage repo: "},
        UsageCase{{"repo"}, "A subcommand is required", "stowage repo: "},
        UsageCase{{"bundle", "create", "--nope"}, "unknown argument --nope",
                  "stowage bundle create: "}));

TEST(Cli, HelpTeachesAndExitsZero) {
  Result r = Stowage({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("validate"));
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
  EXPECT_THAT(r.out, HasSubstr("Exit status:"));

  r = Stowage({"validate", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("--rules"));
  EXPECT_THAT(r.out, HasSubstr("position N"));
}

TEST(Cli, Version) {
  Result r = Stowage({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, StartsWith("stowage "));
}

}  // namespace
}  // namespace stowage
