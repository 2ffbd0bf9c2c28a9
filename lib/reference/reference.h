// Image references: `[host[:port]/]path[:tag][@algorithm:hex]`.
//
// This is the one place in stowage that parses repository names, tags and
// digests. Two rule sets decide which names are acceptable:
//
//   * kOci: the OCI distribution-spec grammar. Every path component matches
//     [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*, and host/path together stay within
//     255 characters.
//   * kHub: Docker Hub's rules. A repository is NAMESPACE/NAME (a bare NAME on
//     Docker Hub means library/NAME, the official images); the namespace is a
//     Docker ID of 4 to 30 lowercase letters and digits; the name is 2 to 255
//     lowercase letters, digits, '-' and '_'.
//
// The host, tag and digest grammar is shared by both sets and always checked:
// tags match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}; digests are algorithm:hex,
// sha256 with 64 and sha512 with 128 lowercase hex digits.
//
// Every function here is pure and thread-safe.

#ifndef STOWAGE_LIB_REFERENCE_REFERENCE_H_
#define STOWAGE_LIB_REFERENCE_REFERENCE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace stowage {

// Which name rules a reference must satisfy.
enum class RuleSet { kHub, kOci, kBoth };

// Parses "hub", "oci" or "both". InvalidArgument for anything else.
absl::StatusOr<RuleSet> ParseRuleSet(absl::string_view text);

// True when `host` means Docker Hub: "" (no host written), "docker.io",
// "index.docker.io" or "registry-1.docker.io".
bool IsHubHost(absl::string_view host);

// One broken rule.
struct Violation {
  // "hub" or "oci" for the name rule sets, "ref" for the grammar both share.
  std::string rule_set;
  // A short stable identifier such as "name-component" or "tag-length".
  std::string rule;
  // 1-based byte position of the first offending character in the text that
  // was checked. For a part that is too short or missing, the position where
  // it starts (or would start).
  size_t position = 0;
  // What is wrong and what the rule allows, for a person.
  std::string message;

  // "rule_set/rule".
  std::string Id() const { return rule_set + "/" + rule; }
};

// The parts of a reference as written, plus the normalized repository.
struct ReferenceParts {
  std::string host;        // "" when none was written
  std::string path;        // the repository path as written
  std::string repository;  // path, with "library/" added on Docker Hub
  std::string tag;         // "latest" when neither tag nor digest is written
  std::string digest;      // "" when none was written
  bool tag_defaulted = false;

  // [host/]repository[:tag][@digest].
  std::string String() const;
};

// All that is known about one reference text: its parts (as far as they could
// be split) and every rule it breaks, ordered by position.
struct Analysis {
  ReferenceParts parts;
  std::vector<Violation> violations;

  bool ok() const { return violations.empty(); }
};

// Checks `text` against the shared grammar and the chosen name rules,
// collecting every violation rather than stopping at the first.
Analysis Analyze(absl::string_view text, RuleSet rules);

// "<text>: position N: rule_set/rule: message", the one-line form used in
// Status messages and by the command line.
std::string FormatViolation(absl::string_view text, const Violation& v);

// A reference that satisfied the rules it was parsed with.
class Reference {
 public:
  // Parses and validates `text`. On failure returns InvalidArgument whose
  // message is FormatViolation() of the first violation, with a count of the
  // others when there are more.
  static absl::StatusOr<Reference> Parse(absl::string_view text,
                                         RuleSet rules = RuleSet::kBoth);

  const std::string& host() const { return parts_.host; }
  // Normalized repository, e.g. "library/ubuntu" for "ubuntu".
  const std::string& repository() const { return parts_.repository; }
  // The tag; "latest" when the text named neither tag nor digest, "" when it
  // named only a digest.
  const std::string& tag() const { return parts_.tag; }
  const std::string& digest() const { return parts_.digest; }
  bool tag_defaulted() const { return parts_.tag_defaulted; }
  // True for Docker Hub's official images (repository "library/...").
  bool official() const;

  // Canonical form: [host/]repository[:tag][@digest].
  std::string String() const;

 private:
  explicit Reference(ReferenceParts parts) : parts_(std::move(parts)) {}
  ReferenceParts parts_;
};

// Component checks for callers that hold a name, tag or digest on its own
// (for example the store's "<repository>:<tag>" entries). Each returns
// InvalidArgument with the FormatViolation() line of the first problem.
absl::Status ValidateRepository(absl::string_view repository, RuleSet rules);
absl::Status ValidateTag(absl::string_view tag);
absl::Status ValidateDigest(absl::string_view digest);
// A registry host as a reference's first component: HOST or HOST:PORT
// (docker.io, localhost:5000, [::1]:5000). InvalidArgument "not a registry
// host (HOST or HOST:PORT)" otherwise, the empty string included.
absl::Status ValidateRegistryHost(absl::string_view host);

}  // namespace stowage

#endif  // STOWAGE_LIB_REFERENCE_REFERENCE_H_
