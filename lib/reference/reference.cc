#include "lib/reference/reference.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace stowage {
namespace {

constexpr size_t kMaxNameLength = 255;  // host + "/" + path, OCI clients
constexpr size_t kMaxTagLength = 128;
constexpr size_t kHubNamespaceMin = 4;
constexpr size_t kHubNamespaceMax = 30;
constexpr size_t kHubNameMin = 2;
constexpr size_t kHubNameMax = 255;

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool IsLowerHex(char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); }

// A character as a person reads it in a message: 'x', or a byte in hex when
// it would not print.
std::string Shown(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u == ' ') return "a space";
  if (u < 0x21 || u > 0x7e) return absl::StrFormat("byte 0x%02x", u);
  return absl::StrCat("'", std::string(1, c), "'");
}

std::string Characters(size_t n) {
  return absl::StrCat(n, n == 1 ? " character" : " characters");
}

// Collects violations with positions relative to the whole text.
class Checker {
 public:
  explicit Checker(std::vector<Violation>* out) : out_(out) {}

  void Add(const char* rule_set, const char* rule, size_t offset,
           std::string message) {
    out_->push_back(Violation{rule_set, rule, offset + 1, std::move(message)});
  }

 private:
  std::vector<Violation>* out_;
};

constexpr char kOciComponentRule[] =
    "path components are lowercase letters and digits, joined by '.', '_', "
    "'__' or dashes";

// OCI: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* for one component at `offset`.
void CheckOciComponent(absl::string_view comp, size_t offset, Checker& check) {
  size_t i = 0;
  while (i < comp.size()) {
    char c = comp[i];
    if (IsLowerAlnum(c)) {
      ++i;
      continue;
    }
    if (c == '.' || c == '_' || c == '-') {
      if (i == 0) {
        check.Add("oci", "name-component", offset + i,
                  absl::StrCat(Shown(c), " starts a path component; ",
                               kOciComponentRule));
        return;
      }
      // A run of separators must be exactly ".", "_", "__" or "-+".
      size_t start = i;
      size_t j = i;
      while (j < comp.size() &&
             (comp[j] == '.' || comp[j] == '_' || comp[j] == '-')) {
        ++j;
      }
      absl::string_view run = comp.substr(start, j - start);
      size_t bad = absl::string_view::npos;
      if (run[0] == '.' || run[0] == '_') {
        size_t limit = run[0] == '_' ? 2 : 1;
        for (size_t k = 1; k < run.size(); ++k) {
          if (run[k] != run[0] || k >= limit) {
            bad = k;
            break;
          }
        }
      } else {
        for (size_t k = 1; k < run.size(); ++k) {
          if (run[k] != '-') {
            bad = k;
            break;
          }
        }
      }
      if (bad != absl::string_view::npos) {
        check.Add("oci", "name-component", offset + start + bad,
                  absl::StrCat("separator \"", run, "\" is not allowed; ",
                               kOciComponentRule));
        return;
      }
      if (j == comp.size()) {
        check.Add("oci", "name-component", offset + start,
                  absl::StrCat(Shown(run[0]), " ends a path component; ",
                               kOciComponentRule));
        return;
      }
      i = j;
      continue;
    }
    check.Add("oci", "name-component", offset + i,
              absl::StrCat(absl::ascii_isupper(c) ? "uppercase " : "",
                           Shown(c), " is not allowed; ", kOciComponentRule));
    return;
  }
}

// Docker Hub: [a-z0-9-_]{2,255} for the repository name.
void CheckHubName(absl::string_view name, size_t offset, Checker& check) {
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!IsLowerAlnum(c) && c != '-' && c != '_') {
      check.Add("hub", "name-chars", offset + i,
                absl::StrCat(absl::ascii_isupper(c) ? "uppercase " : "",
                             Shown(c),
                             " is not allowed in a repository name; Docker "
                             "Hub allows lowercase letters, digits, '-' and "
                             "'_'"));
      break;
    }
  }
  if (name.size() < kHubNameMin) {
    check.Add("hub", "name-length", offset,
              absl::StrCat("repository name \"", name, "\" has ",
                           Characters(name.size()),
                           "; Docker Hub needs 2 to 255"));
  } else if (name.size() > kHubNameMax) {
    check.Add("hub", "name-length", offset + kHubNameMax,
              absl::StrCat("repository name has ", name.size(),
                           " characters; Docker Hub allows 2 to 255"));
  }
}

// Docker Hub: a namespace is a Docker ID, [a-z0-9]{4,30}.
void CheckHubNamespace(absl::string_view ns, size_t offset, Checker& check) {
  for (size_t i = 0; i < ns.size(); ++i) {
    if (!IsLowerAlnum(ns[i])) {
      check.Add("hub", "namespace-chars", offset + i,
                absl::StrCat(absl::ascii_isupper(ns[i]) ? "uppercase " : "",
                             Shown(ns[i]),
                             " is not allowed in a namespace; Docker Hub "
                             "namespaces are lowercase letters and digits"));
      break;
    }
  }
  if (ns.size() < kHubNamespaceMin || ns.size() > kHubNamespaceMax) {
    check.Add("hub", "namespace-length",
              offset + (ns.size() > kHubNamespaceMax ? kHubNamespaceMax : 0),
              absl::StrCat("namespace \"", ns, "\" has ",
                           Characters(ns.size()),
                           "; Docker Hub namespaces have 4 to 30"));
  }
}

// The path at `offset`, written after `host` ("" for none).
void CheckPath(absl::string_view host, absl::string_view path, size_t offset,
               RuleSet rules, Checker& check) {
  if (path.empty()) {
    check.Add("ref", "name-missing", offset, "the repository name is empty");
    return;
  }
  std::vector<absl::string_view> comps = absl::StrSplit(path, '/');
  std::vector<size_t> starts;
  size_t at = offset;
  bool empty_component = false;
  for (absl::string_view comp : comps) {
    starts.push_back(at);
    if (comp.empty() && !empty_component) {
      check.Add("ref", "name-empty-component", at,
                "empty path component (a '/' at the start or end, or '//')");
      empty_component = true;
    }
    at += comp.size() + 1;
  }
  if (empty_component) return;

  if (rules != RuleSet::kHub) {
    for (size_t i = 0; i < comps.size(); ++i) {
      CheckOciComponent(comps[i], starts[i], check);
    }
    // The limit holds for the name as stored and pulled: a bare NAME on
    // Docker Hub is library/NAME, 8 characters longer than written (found
    // by fuzz/reference_fuzzer: a 249-character NAME passed, and its
    // canonical form then failed).
    const bool hub_library = IsHubHost(host) && comps.size() == 1;
    const size_t added = hub_library ? sizeof("library/") - 1 : 0;
    size_t total = (host.empty() ? 0 : host.size() + 1) + added + path.size();
    if (total > kMaxNameLength) {
      // host/path starts the text, so its 256th character is the text's
      // (less what library/ adds).
      check.Add("oci", "name-length", kMaxNameLength - added,
                absl::StrCat("the name has ", total, " characters",
                             hub_library ? " as library/NAME" : "",
                             "; OCI clients allow 255 for host/path together"));
    }
  }
  if (rules != RuleSet::kOci) {
    if (comps.size() > 2) {
      check.Add("hub", "depth", starts[2] - 1,
                "Docker Hub repositories are NAMESPACE/NAME, one level deep");
    }
    if (comps.size() == 1) {
      if (!IsHubHost(host)) {
        check.Add("hub", "namespace-missing", offset,
                  "no namespace: Docker Hub repositories are NAMESPACE/NAME "
                  "(only on Docker Hub itself does a bare NAME mean "
                  "library/NAME)");
      }
    } else {
      CheckHubNamespace(comps[0], starts[0], check);
    }
    CheckHubName(comps.back(), starts.back(), check);
  }
}

// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127} at `offset`.
void CheckTag(absl::string_view tag, size_t offset, Checker& check) {
  constexpr char kRule[] =
      "tags are letters, digits and '_', then up to 127 of those or '.' or "
      "'-'";
  if (tag.empty()) {
    check.Add("ref", "tag", offset, absl::StrCat("the tag is empty; ", kRule));
    return;
  }
  for (size_t i = 0; i < tag.size(); ++i) {
    char c = tag[i];
    bool ok = absl::ascii_isalnum(c) || c == '_' ||
              (i > 0 && (c == '.' || c == '-'));
    if (!ok) {
      check.Add("ref", "tag", offset + i,
                absl::StrCat(Shown(c), i == 0 ? " cannot start a tag; "
                                              : " is not allowed in a tag; ",
                             kRule));
      return;
    }
  }
  if (tag.size() > kMaxTagLength) {
    check.Add("ref", "tag-length", offset + kMaxTagLength,
              absl::StrCat("the tag has ", tag.size(),
                           " characters; at most 128 are allowed"));
  }
}

// algorithm:encoded at `offset`; sha256 and sha512 are the algorithms the
// OCI image spec registers, and their encoding is lowercase hex.
void CheckDigest(absl::string_view digest, size_t offset, Checker& check) {
  size_t colon = digest.find(':');
  if (colon == absl::string_view::npos) {
    check.Add("ref", "digest", offset,
              absl::StrCat("digest \"", digest,
                           "\" has no ':'; digests are ALGORITHM:HEX, e.g. "
                           "sha256:<64 hex digits>"));
    return;
  }
  absl::string_view algorithm = digest.substr(0, colon);
  absl::string_view hex = digest.substr(colon + 1);
  size_t want = 0;
  if (algorithm == "sha256") {
    want = 64;
  } else if (algorithm == "sha512") {
    want = 128;
  } else {
    check.Add("ref", "digest-algorithm", offset,
              absl::StrCat("digest algorithm \"", algorithm,
                           "\" is not supported; use sha256 or sha512"));
    return;
  }
  size_t hex_offset = offset + colon + 1;
  for (size_t i = 0; i < hex.size(); ++i) {
    if (!IsLowerHex(hex[i])) {
      check.Add("ref", "digest-hex", hex_offset + i,
                absl::StrCat(absl::ascii_isupper(hex[i]) ? "uppercase " : "",
                             Shown(hex[i]), " in the ", algorithm,
                             " digest; it must be lowercase hex"));
      return;
    }
  }
  if (hex.size() != want) {
    check.Add("ref", "digest-length",
              hex_offset + std::min(hex.size(), want),
              absl::StrCat("the ", algorithm, " digest has ", hex.size(),
                           " hex digits; it needs ", want));
  }
}

// A DNS name or IP address with an optional port, or a bracketed IPv6
// address with an optional port.
void CheckHost(absl::string_view host, Checker& check) {
  absl::string_view name = host;
  absl::string_view port;
  size_t port_offset = 0;
  bool has_port = false;
  if (!host.empty() && host[0] == '[') {
    size_t close = host.find(']');
    if (close == absl::string_view::npos) {
      check.Add("ref", "host", 0, "'[' opens an IPv6 address without ']'");
      return;
    }
    for (size_t i = 1; i < close; ++i) {
      char c = host[i];
      if (!absl::ascii_isxdigit(c) && c != ':' && c != '.') {
        check.Add("ref", "host", i,
                  absl::StrCat(Shown(c), " is not allowed in an IPv6 address"));
        return;
      }
    }
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') {
        check.Add("ref", "host", close + 1,
                  absl::StrCat(Shown(host[close + 1]),
                               " after an IPv6 address; expected ':PORT'"));
        return;
      }
      has_port = true;
      port = host.substr(close + 2);
      port_offset = close + 2;
    }
  } else {
    size_t colon = host.find(':');
    if (colon != absl::string_view::npos) {
      name = host.substr(0, colon);
      port = host.substr(colon + 1);
      port_offset = colon + 1;
      has_port = true;
    }
    size_t label_start = 0;
    for (size_t i = 0; i <= name.size(); ++i) {
      if (i < name.size() && name[i] != '.') {
        char c = name[i];
        if (!absl::ascii_isalnum(c) && c != '-') {
          check.Add("ref", "host", i,
                    absl::StrCat(Shown(c),
                                 " is not allowed in a host name; labels are "
                                 "letters, digits and inner '-'"));
          return;
        }
        continue;
      }
      absl::string_view label = name.substr(label_start, i - label_start);
      if (label.empty()) {
        check.Add("ref", "host", i, "empty label in the host name");
        return;
      }
      if (label.front() == '-' || label.back() == '-') {
        size_t at = label.front() == '-' ? label_start : i - 1;
        check.Add("ref", "host", at,
                  "a host name label cannot start or end with '-'");
        return;
      }
      label_start = i + 1;
    }
  }
  if (has_port) {
    bool digits = !port.empty() && port.size() <= 5 &&
                  std::all_of(port.begin(), port.end(),
                              [](char c) { return absl::ascii_isdigit(c); });
    if (!digits || std::stoul(std::string(port)) > 65535) {
      size_t at = port_offset;
      for (size_t i = 0; i < port.size(); ++i) {
        if (!absl::ascii_isdigit(port[i])) {
          at = port_offset + i;
          break;
        }
      }
      check.Add("ref", "port", at,
                absl::StrCat("port \"", port, "\" must be a number from 0 to "
                                              "65535"));
    }
  }
}

std::string FirstError(absl::string_view text, std::vector<Violation> v) {
  std::string message = FormatViolation(text, v[0]);
  if (v.size() > 1) {
    absl::StrAppend(&message, " (and ", v.size() - 1, " more)");
  }
  return message;
}

}  // namespace

bool IsHubHost(absl::string_view host) {
  return host.empty() || host == "docker.io" || host == "index.docker.io" ||
         host == "registry-1.docker.io";
}

absl::StatusOr<RuleSet> ParseRuleSet(absl::string_view text) {
  if (text == "hub") return RuleSet::kHub;
  if (text == "oci") return RuleSet::kOci;
  if (text == "both") return RuleSet::kBoth;
  return absl::InvalidArgumentError(absl::StrCat(
      "rule set \"", text, "\" is not one of hub, oci, both"));
}

Analysis Analyze(absl::string_view text, RuleSet rules) {
  Analysis a;
  Checker check(&a.violations);
  if (text.empty()) {
    check.Add("ref", "empty", 0, "the reference is empty");
    return a;
  }
  absl::string_view name_tag = text;
  size_t at = text.find('@');
  bool has_digest = at != absl::string_view::npos;
  if (has_digest) {
    name_tag = text.substr(0, at);
    a.parts.digest = std::string(text.substr(at + 1));
  }

  // The first component is a host when it looks like one, as the Docker
  // client decides: it holds a '.' or a ':', or is "localhost".
  absl::string_view rest = name_tag;
  size_t rest_offset = 0;
  size_t slash = name_tag.find('/');
  if (slash != absl::string_view::npos) {
    absl::string_view first = name_tag.substr(0, slash);
    if (first.find_first_of(".:") != absl::string_view::npos ||
        first == "localhost") {
      a.parts.host = std::string(first);
      rest = name_tag.substr(slash + 1);
      rest_offset = slash + 1;
    }
  }

  size_t colon = rest.rfind(':');
  size_t last_slash = rest.rfind('/');
  bool has_tag = colon != absl::string_view::npos &&
                 (last_slash == absl::string_view::npos || colon > last_slash);
  absl::string_view path = has_tag ? rest.substr(0, colon) : rest;
  a.parts.path = std::string(path);
  if (has_tag) a.parts.tag = std::string(rest.substr(colon + 1));

  if (!a.parts.host.empty()) CheckHost(a.parts.host, check);
  CheckPath(a.parts.host, path, rest_offset, rules, check);
  if (has_tag) CheckTag(a.parts.tag, rest_offset + colon + 1, check);
  if (has_digest) CheckDigest(a.parts.digest, at + 1, check);

  if (!has_tag && !has_digest) {
    a.parts.tag = "latest";
    a.parts.tag_defaulted = true;
  }
  a.parts.repository = a.parts.path;
  if (IsHubHost(a.parts.host) && !path.empty() &&
      path.find('/') == absl::string_view::npos) {
    a.parts.repository = absl::StrCat("library/", path);
  }
  std::stable_sort(a.violations.begin(), a.violations.end(),
                   [](const Violation& x, const Violation& y) {
                     return x.position < y.position;
                   });
  return a;
}

std::string FormatViolation(absl::string_view text, const Violation& v) {
  return absl::StrCat(text, ": position ", v.position, ": ", v.Id(), ": ",
                      v.message);
}

absl::StatusOr<Reference> Reference::Parse(absl::string_view text,
                                           RuleSet rules) {
  Analysis a = Analyze(text, rules);
  if (!a.ok()) {
    return absl::InvalidArgumentError(FirstError(text, a.violations));
  }
  return Reference(std::move(a.parts));
}

bool Reference::official() const {
  return IsHubHost(parts_.host) &&
         absl::StartsWith(parts_.repository, "library/");
}

std::string ReferenceParts::String() const {
  std::string out;
  if (!host.empty()) absl::StrAppend(&out, host, "/");
  absl::StrAppend(&out, repository);
  if (!tag.empty()) absl::StrAppend(&out, ":", tag);
  if (!digest.empty()) absl::StrAppend(&out, "@", digest);
  return out;
}

std::string Reference::String() const { return parts_.String(); }

absl::Status ValidateRepository(absl::string_view repository, RuleSet rules) {
  std::vector<Violation> v;
  Checker check(&v);
  CheckPath("", repository, 0, rules, check);
  if (v.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(FirstError(repository, v));
}

absl::Status ValidateTag(absl::string_view tag) {
  std::vector<Violation> v;
  Checker check(&v);
  CheckTag(tag, 0, check);
  if (v.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(FirstError(tag, v));
}

absl::Status ValidateRegistryHost(absl::string_view host) {
  // The host a reference to a repository "x" of it would name.
  absl::StatusOr<Reference> probe = Reference::Parse(absl::StrCat(host, "/x"), RuleSet::kOci);
  if (host.empty() || !probe.ok() || probe->host() != host) {
    return absl::InvalidArgumentError("not a registry host (HOST or HOST:PORT)");
  }
  return absl::OkStatus();
}

absl::Status ValidateDigest(absl::string_view digest) {
  std::vector<Violation> v;
  Checker check(&v);
  CheckDigest(digest, 0, check);
  if (v.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(FirstError(digest, v));
}

}  // namespace stowage
