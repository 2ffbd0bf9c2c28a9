// stowage validate: checks image references against Docker Hub's and the OCI
// distribution spec's rules, one result per reference.

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cmd/stowage/command.h"
#include "lib/json/json_writer.h"
#include "lib/reference/reference.h"

namespace stowage {
namespace {

struct ValidateOptions {
  std::vector<std::string> references;
  std::string rules = "both";
  bool json = false;
  bool quiet = false;
};

// Counts and prints results as they come, so a long stdin list streams.
class Reporter {
 public:
  Reporter(const ValidateOptions& opts, RuleSet rules)
      : opts_(opts), rules_(rules) {}

  void Check(absl::string_view text) {
    Analysis a = Analyze(text, rules_);
    ++total_;
    if (!a.ok()) ++invalid_;
    if (opts_.json) {
      PrintJson(text, a);
    } else {
      PrintText(text, a);
    }
  }

  int Finish() {
    if (opts_.json) std::cout << (total_ == 0 ? "[]\n" : "\n]\n");
    std::cout.flush();  // results first, then the summary
    if (total_ > 1 && !opts_.quiet) {
      std::cerr << "validate: " << total_ << " references, "
                << total_ - invalid_ << " valid, " << invalid_
                << " invalid\n";
    }
    return invalid_ == 0 ? kExitOk : kExitFailure;
  }

 private:
  void PrintText(absl::string_view text, const Analysis& a) {
    if (a.ok()) {
      if (!opts_.quiet) {
        std::cout << text << ": valid: " << a.parts.String() << "\n";
      }
      return;
    }
    for (const Violation& v : a.violations) {
      std::cout << FormatViolation(text, v) << "\n";
    }
  }

  void PrintJson(absl::string_view text, const Analysis& a) {
    JsonWriter w;
    w.StartObject();
    w.Key("input").String(text);
    w.Key("valid").Bool(a.ok());
    w.Key("host").String(a.parts.host);
    w.Key("repository").String(a.parts.repository);
    w.Key("tag").String(a.parts.tag);
    w.Key("digest").String(a.parts.digest);
    if (a.ok()) w.Key("canonical").String(a.parts.String());
    w.Key("violations").StartArray();
    for (const Violation& v : a.violations) {
      w.StartObject();
      w.Key("rules").String(v.rule_set);
      w.Key("rule").String(v.rule);
      w.Key("position").Uint(v.position);
      w.Key("message").String(v.message);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::cout << (total_ == 1 ? "[\n" : ",\n") << w.Take();
  }

  const ValidateOptions& opts_;
  RuleSet rules_;
  size_t total_ = 0;
  size_t invalid_ = 0;
};

int RunValidate(const ValidateOptions& opts) {
  absl::StatusOr<RuleSet> rules = ParseRuleSet(opts.rules);
  if (!rules.ok()) {
    std::cerr << "stowage validate: --rules: " << rules.status().message()
              << "\n";
    return kExitUsage;
  }
  Reporter reporter(opts, *rules);
  bool read_stdin = false;
  for (const std::string& arg : opts.references) {
    if (arg != "-") {
      reporter.Check(arg);
      continue;
    }
    if (read_stdin) continue;  // stdin can only be read once
    read_stdin = true;
    std::string line;
    while (std::getline(std::cin, line)) {
      absl::string_view text = absl::StripAsciiWhitespace(line);
      if (text.empty() || text[0] == '#') continue;
      reporter.Check(text);
    }
    if (std::cin.bad()) {
      std::cerr << "stowage validate: -: reading standard input failed\n";
      reporter.Finish();
      return kExitFailure;
    }
  }
  return reporter.Finish();
}

}  // namespace

Command AddValidateCommand(CLI::App& root) {
  auto opts = std::make_shared<ValidateOptions>();
  CLI::App* app = root.add_subcommand(
      "validate",
      "Check image references against Docker Hub and OCI naming rules");
  app->add_option("REFERENCE", opts->references,
                  "[HOST[:PORT]/]NAMESPACE/NAME[:TAG][@sha256:HEX]; '-' reads "
                  "one reference per line from standard input (blank lines "
                  "and lines starting with '#' are skipped)")
      ->required();
  app->add_option("--rules", opts->rules,
                  "Which name rules to apply: hub (Docker Hub: NAMESPACE/NAME, "
                  "namespace 4-30 of [a-z0-9], name 2-255 of [a-z0-9_-]), oci "
                  "(distribution-spec grammar, 255 characters for host/path), "
                  "or both")
      ->check(CLI::IsMember({"hub", "oci", "both"}))
      ->capture_default_str();
  app->add_flag("--json", opts->json,
                "Print a JSON array, one object per reference, with its parts "
                "and every violation (rules, rule, position, message)");
  app->add_flag("-q,--quiet", opts->quiet,
                "Print only the problems; no line for valid references and no "
                "summary");
  app->footer(
      "Output: 'REF: valid: CANONICAL' for a valid reference; for an invalid "
      "one, a line per broken rule:\n"
      "  REF: position N: RULES/RULE: what is wrong and what is allowed\n"
      "where N is the 1-based position of the first offending character and "
      "RULES is hub, oci, or ref (the host, tag and digest grammar both share). "
      "A bare NAME on Docker Hub means library/NAME; with neither tag nor "
      "digest the tag is 'latest'.\n"
      "\n"
      "Exit status: 0 all valid, 1 any invalid, 2 wrong command line.\n"
      "\n"
      "Examples:\n"
      "  stowage validate ubuntu team/app:v1 localhost:5000/team/app@sha256:<hex>\n"
      "  stowage validate --rules=oci team/sub/app\n"
      "  stowage validate -q - < references.txt");
  return Command{app, [opts] { return RunValidate(*opts); }};
}

}  // namespace stowage
