#include "lib/reference/reference.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stowage {
namespace {

using ::testing::HasSubstr;

const std::string kHex64(64, 'a');
const std::string kHex128(128, 'b');

struct Accepted {
  std::string input;
  RuleSet rules;
  std::string canonical;
};

std::string RulesName(RuleSet r) {
  return r == RuleSet::kHub ? "hub" : r == RuleSet::kOci ? "oci" : "both";
}

class AcceptedTest : public ::testing::TestWithParam<Accepted> {};

TEST_P(AcceptedTest, ParsesToCanonicalForm) {
  const Accepted& c = GetParam();
  absl::StatusOr<Reference> ref = Reference::Parse(c.input, c.rules);
  ASSERT_TRUE(ref.ok()) << c.input << " under " << RulesName(c.rules) << ": "
                        << ref.status();
  EXPECT_EQ(ref->String(), c.canonical);
}

INSTANTIATE_TEST_SUITE_P(
    Reference, AcceptedTest,
    ::testing::Values(
        Accepted{"ubuntu", RuleSet::kBoth, "library/ubuntu:latest"},
        Accepted{"library/ubuntu", RuleSet::kBoth, "library/ubuntu:latest"},
        Accepted{"ubuntu:22.04", RuleSet::kBoth, "library/ubuntu:22.04"},
        Accepted{"team/app:v1", RuleSet::kBoth, "team/app:v1"},
        Accepted{"team/app:latest", RuleSet::kBoth, "team/app:latest"},
        Accepted{"myorg/my-app_2:1.0.0-rc.1", RuleSet::kBoth,
                 "myorg/my-app_2:1.0.0-rc.1"},
        Accepted{"docker.io/ubuntu", RuleSet::kBoth,
                 "docker.io/library/ubuntu:latest"},
        Accepted{"index.docker.io/ubuntu", RuleSet::kBoth,
                 "index.docker.io/library/ubuntu:latest"},
        Accepted{"docker.io/library/busybox:1.36", RuleSet::kBoth,
                 "docker.io/library/busybox:1.36"},
        Accepted{"localhost:5000/team/app", RuleSet::kBoth,
                 "localhost:5000/team/app:latest"},
        Accepted{"localhost/team/app", RuleSet::kBoth,
                 "localhost/team/app:latest"},
        Accepted{"127.0.0.1:5000/team/app", RuleSet::kBoth,
                 "127.0.0.1:5000/team/app:latest"},
        Accepted{"[::1]:5000/team/app:v1", RuleSet::kBoth,
                 "[::1]:5000/team/app:v1"},
        Accepted{"my.registry/team/app", RuleSet::kBoth,
                 "my.registry/team/app:latest"},
        Accepted{"Registry.Example.com/team/app", RuleSet::kBoth,
                 "Registry.Example.com/team/app:latest"},
        Accepted{"registry.example.com/team/app@sha256:" + kHex64,
                 RuleSet::kBoth,
                 "registry.example.com/team/app@sha256:" + kHex64},
        Accepted{"team/app:v1@sha256:" + kHex64, RuleSet::kBoth,
                 "team/app:v1@sha256:" + kHex64},
        Accepted{"team/app@sha512:" + kHex128, RuleSet::kBoth,
                 "team/app@sha512:" + kHex128},
        Accepted{"team/app:" + std::string(128, 'a'), RuleSet::kBoth,
                 "team/app:" + std::string(128, 'a')},
        Accepted{"team/app:_private", RuleSet::kBoth, "team/app:_private"},
        Accepted{"team/app:V1.2.3-RC", RuleSet::kBoth, "team/app:V1.2.3-RC"},
        Accepted{"team/a__b", RuleSet::kBoth, "team/a__b:latest"},
        Accepted{"team/a--b", RuleSet::kBoth, "team/a--b:latest"},
        Accepted{"team/" + std::string(250, 'a'), RuleSet::kBoth,
                 "team/" + std::string(250, 'a') + ":latest"},
        // OCI allows what Docker Hub does not.
        Accepted{"a", RuleSet::kOci, "library/a:latest"},
        Accepted{"team/my.app", RuleSet::kOci, "team/my.app:latest"},
        Accepted{"team/sub/app", RuleSet::kOci, "team/sub/app:latest"},
        Accepted{"ab/app", RuleSet::kOci, "ab/app:latest"},
        Accepted{"localhost:5000/app", RuleSet::kOci,
                 "localhost:5000/app:latest"},
        Accepted{"a.b/c", RuleSet::kOci, "a.b/c:latest"},
        // Docker Hub's documented characters allow what OCI does not.
        Accepted{"team/-app", RuleSet::kHub, "team/-app:latest"},
        Accepted{"team/_app", RuleSet::kHub, "team/_app:latest"},
        Accepted{"team/a___b", RuleSet::kHub, "team/a___b:latest"},
        Accepted{"team/app-", RuleSet::kHub, "team/app-:latest"}));

struct Rejected {
  std::string input;
  RuleSet rules;
  std::string rule;  // rule_set/rule of the first violation
  size_t position;
  std::string message;  // part of the explanation
};

class RejectedTest : public ::testing::TestWithParam<Rejected> {};

TEST_P(RejectedTest, NamesRuleAndPosition) {
  const Rejected& c = GetParam();
  absl::StatusOr<Reference> ref = Reference::Parse(c.input, c.rules);
  ASSERT_FALSE(ref.ok()) << c.input << " under " << RulesName(c.rules)
                         << " was accepted as " << ref->String();
  EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument);
  std::string want =
      absl::StrCat(c.input, ": position ", c.position, ": ", c.rule, ": ");
  EXPECT_THAT(std::string(ref.status().message()), HasSubstr(want))
      << "under " << RulesName(c.rules);
  EXPECT_THAT(std::string(ref.status().message()), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Reference, RejectedTest,
    ::testing::Values(
        Rejected{"", RuleSet::kBoth, "ref/empty", 1, "empty"},
        // Uppercase: both rule sets refuse it.
        Rejected{"Ubuntu", RuleSet::kBoth, "oci/name-component", 1,
                 "uppercase 'U'"},
        Rejected{"Ubuntu", RuleSet::kHub, "hub/name-chars", 1,
                 "uppercase 'U' is not allowed in a repository name"},
        Rejected{"team/App", RuleSet::kOci, "oci/name-component", 6,
                 "uppercase 'A'"},
        Rejected{"UPPER/app", RuleSet::kHub, "hub/namespace-chars", 1,
                 "uppercase 'U'"},
        // Single-character names: OCI accepts, Docker Hub refuses.
        Rejected{"a", RuleSet::kBoth, "hub/name-length", 1,
                 "has 1 character; Docker Hub needs 2 to 255"},
        Rejected{"library/a", RuleSet::kHub, "hub/name-length", 9,
                 "has 1 character"},
        Rejected{"team/a", RuleSet::kBoth, "hub/name-length", 6,
                 "\"a\" has 1 character"},
        // A '.' in a name: OCI accepts, Docker Hub refuses.
        Rejected{"team/my.app", RuleSet::kBoth, "hub/name-chars", 8,
                 "'.' is not allowed in a repository name"},
        // Leading, trailing and repeated separators: OCI refuses.
        Rejected{"team/-app", RuleSet::kBoth, "oci/name-component", 6,
                 "'-' starts a path component"},
        Rejected{"team/_app", RuleSet::kOci, "oci/name-component", 6,
                 "'_' starts a path component"},
        Rejected{"-", RuleSet::kOci, "oci/name-component", 1,
                 "'-' starts a path component"},
        Rejected{"team/app-", RuleSet::kOci, "oci/name-component", 9,
                 "'-' ends a path component"},
        Rejected{"team/app__", RuleSet::kOci, "oci/name-component", 9,
                 "'_' ends a path component"},
        Rejected{"team/a___b", RuleSet::kBoth, "oci/name-component", 9,
                 "separator \"___\" is not allowed"},
        Rejected{"team/a._b", RuleSet::kOci, "oci/name-component", 8,
                 "separator \"._\""},
        Rejected{"team/a.-b", RuleSet::kOci, "oci/name-component", 8,
                 "separator \".-\""},
        Rejected{"team/a-.b", RuleSet::kOci, "oci/name-component", 8,
                 "separator \"-.\""},
        Rejected{"team/a..b", RuleSet::kOci, "oci/name-component", 8,
                 "separator \"..\""},
        Rejected{"team/app name", RuleSet::kOci, "oci/name-component", 9,
                 "a space is not allowed"},
        Rejected{"team/\xc3\xa1pp", RuleSet::kOci, "oci/name-component", 6,
                 "byte 0xc3"},
        Rejected{"team/app:tag:more", RuleSet::kOci, "oci/name-component", 9,
                 "':' is not allowed"},
        // Docker Hub's shape: NAMESPACE/NAME.
        Rejected{"team/sub/app", RuleSet::kBoth, "hub/depth", 9,
                 "one level deep"},
        Rejected{"localhost:5000/app", RuleSet::kBoth, "hub/namespace-missing",
                 16, "no namespace"},
        Rejected{"a.b/c", RuleSet::kBoth, "hub/namespace-missing", 5,
                 "NAMESPACE/NAME"},
        Rejected{"ab/app", RuleSet::kBoth, "hub/namespace-length", 1,
                 "namespace \"ab\" has 2 characters"},
        Rejected{"my-team/app", RuleSet::kBoth, "hub/namespace-chars", 3,
                 "'-' is not allowed in a namespace"},
        Rejected{"my_team/app", RuleSet::kHub, "hub/namespace-chars", 3,
                 "'_' is not allowed in a namespace"},
        Rejected{std::string(31, 'n') + "/app", RuleSet::kBoth,
                 "hub/namespace-length", 31, "has 31 characters"},
        // Length limits.
        Rejected{"team/" + std::string(256, 'a'), RuleSet::kBoth,
                 "oci/name-length", 256, "the name has 261 characters"},
        Rejected{"team/" + std::string(256, 'a'), RuleSet::kHub,
                 "hub/name-length", 261, "has 256 characters"},
        Rejected{"team/" + std::string(251, 'a'), RuleSet::kOci, "oci/name-length", 256,
                 "OCI clients allow 255"},
        Rejected{std::string(256, 'a'), RuleSet::kOci, "oci/name-length", 248,
                 "264 characters as library/NAME; OCI clients allow 255"},
        Rejected{"registry.example.com/" + std::string(240, 'a'),
                 RuleSet::kOci, "oci/name-length", 256,
                 "has 261 characters"},
        // A bare NAME on Docker Hub is library/NAME, and that is what must
        // fit (testdata/fuzz/reference/crash-c02311f8...).
        Rejected{std::string(249, 'a'), RuleSet::kOci, "oci/name-length", 248,
                 "has 257 characters as library/NAME"},
        Rejected{"docker.io/" + std::string(248, 'a'), RuleSet::kBoth,
                 "oci/name-length", 248, "has 266 characters as library/NAME"},
        // Empty parts.
        Rejected{"team//app", RuleSet::kBoth, "ref/name-empty-component", 6,
                 "empty path component"},
        Rejected{"team/app/", RuleSet::kBoth, "ref/name-empty-component", 10,
                 "empty path component"},
        Rejected{"/app", RuleSet::kOci, "ref/name-empty-component", 1,
                 "empty path component"},
        Rejected{"localhost:5000/", RuleSet::kBoth, "ref/name-missing", 16,
                 "the repository name is empty"},
        Rejected{":v1", RuleSet::kBoth, "ref/name-missing", 1,
                 "the repository name is empty"},
        // Tags.
        Rejected{"team/app:" + std::string(129, 'a'), RuleSet::kBoth,
                 "ref/tag-length", 138, "the tag has 129 characters"},
        Rejected{"team/app:", RuleSet::kBoth, "ref/tag", 10, "the tag is empty"},
        Rejected{"team/app:-v1", RuleSet::kBoth, "ref/tag", 10,
                 "'-' cannot start a tag"},
        Rejected{"team/app:.v1", RuleSet::kBoth, "ref/tag", 10,
                 "'.' cannot start a tag"},
        Rejected{"team/app:v1+meta", RuleSet::kBoth, "ref/tag", 12,
                 "'+' is not allowed in a tag"},
        Rejected{"team/app:v1 ", RuleSet::kBoth, "ref/tag", 12,
                 "a space is not allowed in a tag"},
        // Digests.
        Rejected{"team/app@sha256:" + std::string(63, 'a'), RuleSet::kBoth,
                 "ref/digest-length", 80, "has 63 hex digits; it needs 64"},
        Rejected{"team/app@sha256:" + std::string(65, 'a'), RuleSet::kBoth,
                 "ref/digest-length", 81, "has 65 hex digits; it needs 64"},
        Rejected{"team/app@sha256:A" + std::string(63, 'a'), RuleSet::kBoth,
                 "ref/digest-hex", 17, "uppercase 'A'"},
        Rejected{"team/app@sha256:" + std::string(63, 'a') + "F",
                 RuleSet::kBoth, "ref/digest-hex", 80, "lowercase hex"},
        Rejected{"team/app@sha256:xyz", RuleSet::kBoth, "ref/digest-hex", 17,
                 "'x' in the sha256 digest"},
        Rejected{"team/app@sha512:" + kHex64, RuleSet::kBoth,
                 "ref/digest-length", 81, "it needs 128"},
        Rejected{"team/app@md5:abc", RuleSet::kBoth, "ref/digest-algorithm",
                 10, "\"md5\" is not supported"},
        Rejected{"team/app@sha256", RuleSet::kBoth, "ref/digest", 10,
                 "has no ':'"},
        Rejected{"team/app@", RuleSet::kBoth, "ref/digest", 10, "has no ':'"},
        Rejected{"team/app@sha256:" + kHex64 + "@x", RuleSet::kBoth,
                 "ref/digest-hex", 81, "'@' in the sha256 digest"},
        // Hosts and ports.
        Rejected{"localhost:abc/team/app", RuleSet::kBoth, "ref/port", 11,
                 "port \"abc\""},
        Rejected{"localhost:99999/team/app", RuleSet::kBoth, "ref/port", 11,
                 "0 to 65535"},
        Rejected{"localhost:/team/app", RuleSet::kBoth, "ref/port", 11,
                 "port \"\""},
        Rejected{"bad_host.com/team/app", RuleSet::kBoth, "ref/host", 4,
                 "'_' is not allowed in a host name"},
        Rejected{"-bad.com/team/app", RuleSet::kBoth, "ref/host", 1,
                 "cannot start or end with '-'"},
        Rejected{"bad..com/team/app", RuleSet::kBoth, "ref/host", 5,
                 "empty label"},
        Rejected{"[::1/team/app", RuleSet::kBoth, "ref/host", 1,
                 "without ']'"},
        Rejected{"[::1]x/team/app", RuleSet::kBoth, "ref/host", 6,
                 "expected ':PORT'"}));

TEST(AnalyzeTest, ReportsEveryRuleSetThatIsBroken) {
  Analysis a = Analyze("Team/My.App", RuleSet::kBoth);
  std::vector<std::string> ids;
  for (const Violation& v : a.violations) {
    ids.push_back(absl::StrCat(v.Id(), "@", v.position));
  }
  EXPECT_THAT(ids, ::testing::ElementsAre(
                       "oci/name-component@1", "hub/namespace-chars@1",
                       "oci/name-component@6", "hub/name-chars@6"));
}

TEST(AnalyzeTest, SplitsPartsEvenWhenInvalid) {
  Analysis a = Analyze("localhost:5000/Team/app:v1@sha256:" + kHex64,
                       RuleSet::kOci);
  EXPECT_FALSE(a.ok());
  EXPECT_EQ(a.parts.host, "localhost:5000");
  EXPECT_EQ(a.parts.path, "Team/app");
  EXPECT_EQ(a.parts.tag, "v1");
  EXPECT_EQ(a.parts.digest, "sha256:" + kHex64);
  EXPECT_FALSE(a.parts.tag_defaulted);
}

TEST(AnalyzeTest, OnlyHubDefaultsToLibrary) {
  EXPECT_EQ(Analyze("ubuntu", RuleSet::kOci).parts.repository,
            "library/ubuntu");
  EXPECT_EQ(Analyze("localhost:5000/ubuntu", RuleSet::kOci).parts.repository,
            "ubuntu");
}

TEST(ReferenceTest, Accessors) {
  absl::StatusOr<Reference> ref = Reference::Parse("ubuntu");
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->host(), "");
  EXPECT_EQ(ref->repository(), "library/ubuntu");
  EXPECT_EQ(ref->tag(), "latest");
  EXPECT_TRUE(ref->tag_defaulted());
  EXPECT_TRUE(ref->official());

  ref = Reference::Parse("team/app@sha256:" + kHex64);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->tag(), "");
  EXPECT_FALSE(ref->tag_defaulted());
  EXPECT_FALSE(ref->official());
  EXPECT_EQ(ref->digest(), "sha256:" + kHex64);
}

TEST(ReferenceTest, ErrorCountsFurtherViolations) {
  absl::StatusOr<Reference> ref = Reference::Parse("Team/My.App");
  ASSERT_FALSE(ref.ok());
  EXPECT_THAT(std::string(ref.status().message()), HasSubstr("(and 3 more)"));
}

TEST(ValidateTest, Components) {
  EXPECT_TRUE(ValidateRepository("library/ubuntu", RuleSet::kBoth).ok());
  EXPECT_TRUE(ValidateRepository("team/sub/app", RuleSet::kOci).ok());
  absl::Status s = ValidateRepository("team/sub/app", RuleSet::kBoth);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("position 9: hub/depth"));

  EXPECT_TRUE(ValidateTag("v1.0").ok());
  s = ValidateTag(".v1");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr(".v1: position 1: ref/tag"));

  EXPECT_TRUE(ValidateDigest("sha256:" + kHex64).ok());
  s = ValidateDigest("sha256:" + kHex64.substr(1));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("ref/digest-length"));
}

TEST(RuleSetTest, ParsesNames) {
  EXPECT_EQ(*ParseRuleSet("hub"), RuleSet::kHub);
  EXPECT_EQ(*ParseRuleSet("oci"), RuleSet::kOci);
  EXPECT_EQ(*ParseRuleSet("both"), RuleSet::kBoth);
  absl::StatusOr<RuleSet> bad = ParseRuleSet("docker");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("\"docker\" is not one of hub, oci, both"));
}

}  // namespace
}  // namespace stowage

namespace stowage {
namespace {

TEST(ValidateRegistryHostTest, HostsAsAReferenceNamesThem) {
  for (const char* host : {"docker.io", "index.docker.io", "localhost", "localhost:5000",
                           "127.0.0.1:5000", "[::1]:5000", "registry.example.com"}) {
    EXPECT_TRUE(ValidateRegistryHost(host).ok()) << host;
  }
  for (const char* host : {"", "http://r.io", "r.io/x", "bad host!", "Team", "r.io:"}) {
    absl::Status s = ValidateRegistryHost(host);
    EXPECT_FALSE(s.ok()) << host;
    EXPECT_EQ(s.message(), "not a registry host (HOST or HOST:PORT)") << host;
  }
}

}  // namespace
}  // namespace stowage
