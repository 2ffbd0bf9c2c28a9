#include "lib/catalog/metadata.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"
#include "lib/base/utf8.h"
#include "lib/fs/file.h"
#include "lib/json/json_writer.h"
#include "lib/reference/reference.h"

namespace stowage::catalog {
namespace {

constexpr absl::string_view kStarsRule =
    "stars are an integer from 0 to 2147483647";

// The number of code points in `text`, or InvalidArgument naming the byte
// offset of the first sequence that is not UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
absl::StatusOr<size_t> CountCodePoints(absl::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++count) {
    Utf8Char c = DecodeUtf8(text, i);
    if (!c.valid) {
      return absl::InvalidArgumentError(
          absl::StrCat("not valid UTF-8 (at byte ", i, ")"));
    }
    i += c.length;
  }
  return count;
}

// InvalidArgument naming the first control character of `text` (C0, DEL,
// C1; "\n" and "\t", and "\r" before "\n", allowed when `multi_line`) by
// its code point and 1-based character position: such characters would
// drive the terminal of whoever prints the catalog. `text` is valid UTF-8.
absl::Status RefuseControlCharacters(absl::string_view text, absl::string_view what,
                                     bool multi_line) {
  size_t position = 1;
  for (size_t i = 0; i < text.size(); ++position) {
    Utf8Char c = DecodeUtf8(text, i);
    char32_t cp = c.code_point;
    bool allowed = multi_line && (cp == '\n' || cp == '\t' ||
                                  (cp == '\r' && i + 1 < text.size() && text[i + 1] == '\n'));
    if (!allowed && (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "control character U+%04X at position %d; %s is text without control "
          "characters%s",
          static_cast<unsigned>(cp), position, what,
          multi_line ? " (line breaks and tabs allowed)" : ""));
    }
    i += c.length;
  }
  return absl::OkStatus();
}

// A line of text of at most `max` characters; `what` names it in the rule.
absl::Status ValidateLine(absl::string_view text, size_t max,
                          absl::string_view what, absl::string_view why,
                          bool one_line) {
  absl::StatusOr<size_t> chars = CountCodePoints(text);
  if (!chars.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(chars.status().message(), "; ", what, " is UTF-8 text"));
  }
  if (one_line && text.find_first_of("\r\n") != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("holds a line break; ", what, " is one line"));
  }
  RETURN_IF_ERROR(RefuseControlCharacters(text, what, !one_line));
  if (*chars > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        *chars, " characters; ", what, " is at most ", max, " characters", why));
  }
  return absl::OkStatus();
}

// "$.repositories[\"library/python\"]": the key as a JSON string.
std::string Member(absl::string_view parent, absl::string_view key) {
  return absl::StrCat(parent, "[", JsonValue::String(std::string(key)).Serialize(),
                      "]");
}

const char* TypeName(const JsonValue& v) {
  switch (v.type()) {
    case JsonValue::Type::kNull:
      return "null";
    case JsonValue::Type::kBool:
      return "boolean";
    case JsonValue::Type::kNumber:
      return "number";
    case JsonValue::Type::kString:
      return "string";
    case JsonValue::Type::kArray:
      return "array";
    case JsonValue::Type::kObject:
      return "object";
  }
  return "value";
}

// Levenshtein distance, for "did you mean" on a mistyped key.
size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string UnknownKey(absl::string_view key,
                       const std::vector<absl::string_view>& known) {
  std::string message =
      absl::StrCat("unknown key; known keys: ", absl::StrJoin(known, ", "));
  absl::string_view best;
  size_t best_distance = 3;  // suggest only close matches
  for (absl::string_view k : known) {
    // A close spelling, or an abbreviation ("repos").
    size_t d = key.size() >= 3 && absl::StartsWith(k, key) ? 0
                                                           : EditDistance(key, k);
    if (d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  if (!best.empty()) absl::StrAppend(&message, " (did you mean \"", best, "\"?)");
  return message;
}

// Every problem found in one document, in the order found.
class Problems {
 public:
  explicit Problems(absl::string_view file_name) : file_name_(file_name) {}

  void Add(absl::string_view path, absl::string_view message) {
    lines_.push_back(absl::StrCat(file_name_, ": ", path, ": ", message));
  }
  void Add(absl::string_view path, const absl::Status& status) {
    if (!status.ok()) Add(path, status.message());
  }

  absl::Status Status() const {
    if (lines_.empty()) return absl::OkStatus();
    std::string message = lines_.front();
    if (lines_.size() > 1) {
      absl::StrAppend(&message, " (and ", lines_.size() - 1, " more)");
    }
    return absl::InvalidArgumentError(message);
  }

 private:
  std::string file_name_;
  std::vector<std::string> lines_;
};

// The field rules of one repository (named `name`, normalized; "" when the
// name itself is invalid) whose JSON path is `path`.
void CheckRepository(const std::string& path, const std::string& name,
                     const RepositoryMeta& meta, Problems& problems) {
  if (meta.short_description) {
    problems.Add(path + ".short", ValidateShort(*meta.short_description));
  }
  if (meta.readme) problems.Add(path + ".readme", ValidateReadme(*meta.readme));
  if (meta.stars) problems.Add(path + ".stars", ValidateStars(*meta.stars));
  if (meta.official && !name.empty()) {
    problems.Add(path + ".official", ValidateOfficial(name, *meta.official));
  }
}

void CheckNamespace(const std::string& path, const NamespaceMeta& meta,
                    Problems& problems) {
  if (meta.title) problems.Add(path + ".title", ValidateTitle(*meta.title));
  if (meta.description) {
    problems.Add(path + ".description", ValidateDescription(*meta.description));
  }
}

// Reads a string field; records a problem and returns nullopt otherwise.
std::optional<std::string> StringField(const JsonValue& v, const std::string& path,
                                       Problems& problems) {
  if (!v.is_string()) {
    problems.Add(path, absl::StrCat("must be a string, got ", TypeName(v)));
    return std::nullopt;
  }
  return v.string_value();
}

std::optional<bool> BoolField(const JsonValue& v, const std::string& path,
                              Problems& problems) {
  if (!v.is_bool()) {
    problems.Add(path, absl::StrCat("must be true or false, got ", TypeName(v)));
    return std::nullopt;
  }
  return v.bool_value();
}

std::optional<int64_t> StarsField(const JsonValue& v, const std::string& path,
                                  Problems& problems) {
  if (!v.is_number()) {
    problems.Add(path, absl::StrCat("must be a number, got ", TypeName(v), "; ",
                                    kStarsRule));
    return std::nullopt;
  }
  absl::StatusOr<int64_t> n = v.AsInt64();
  if (!n.ok()) {
    bool integer_syntax =
        v.number_text().find_first_of(".eE") == std::string::npos;
    problems.Add(path, absl::StrCat(v.number_text(),
                                    integer_syntax ? " is out of range; "
                                                   : " is not an integer; ",
                                    kStarsRule));
    return std::nullopt;
  }
  return *n;
}

RepositoryMeta ParseRepository(const JsonValue& v, const std::string& path,
                               const std::string& base_dir, Problems& problems) {
  RepositoryMeta meta;
  std::vector<absl::string_view> known = {"automated", "official", "readme",
                                          "readmeFile", "short", "stars"};
  if (base_dir.empty()) {
    known.erase(std::find(known.begin(), known.end(), "readmeFile"));
  }
  const JsonValue* readme_file = nullptr;
  for (const JsonValue::Member& m : v.members()) {
    const std::string field = path + "." + m.first;
    if (m.first == "short") {
      meta.short_description = StringField(m.second, field, problems);
    } else if (m.first == "readme") {
      meta.readme = StringField(m.second, field, problems);
    } else if (m.first == "official") {
      meta.official = BoolField(m.second, field, problems);
    } else if (m.first == "automated") {
      meta.automated = BoolField(m.second, field, problems);
    } else if (m.first == "stars") {
      meta.stars = StarsField(m.second, field, problems);
    } else if (m.first == "readmeFile" && base_dir.empty()) {
      problems.Add(field,
                   "readmeFile is for apply files; the stored catalog holds "
                   "the README text as \"readme\"");
    } else if (m.first == "readmeFile") {
      readme_file = &m.second;
    } else {
      problems.Add(field, UnknownKey(m.first, known));
    }
  }
  if (readme_file != nullptr) {
    const std::string field = path + ".readmeFile";
    if (v.Find("readme") != nullptr) {
      problems.Add(field, "give either readme or readmeFile, not both");
    } else if (std::optional<std::string> file =
                   StringField(*readme_file, field, problems)) {
      std::string full = file->empty() || (*file)[0] == '/'
                             ? *file
                             : JoinPath(base_dir, *file);
      if (file->empty()) {
        problems.Add(field, "empty; readmeFile is the path of a Markdown file");
      } else if (absl::StatusOr<std::string> text = ReadReadmeFile(full);
                 text.ok()) {
        meta.readme = std::move(*text);
      } else {
        problems.Add(field, text.status());
      }
    }
  }
  return meta;
}

NamespaceMeta ParseNamespace(const JsonValue& v, const std::string& path,
                             Problems& problems) {
  NamespaceMeta meta;
  for (const JsonValue::Member& m : v.members()) {
    const std::string field = path + "." + m.first;
    if (m.first == "title") {
      meta.title = StringField(m.second, field, problems);
    } else if (m.first == "description") {
      meta.description = StringField(m.second, field, problems);
    } else {
      problems.Add(field, UnknownKey(m.first, {"description", "title"}));
    }
  }
  return meta;
}

// Whether `v` is an object; records a problem otherwise.
bool IsObject(const JsonValue& v, const std::string& path, Problems& problems) {
  if (v.is_object()) return true;
  problems.Add(path, absl::StrCat("must be an object, got ", TypeName(v)));
  return false;
}

void WriteString(JsonWriter& w, absl::string_view key,
                 const std::optional<std::string>& value) {
  if (value) w.Key(key).String(*value);
}

}  // namespace

bool RepositoryMeta::operator==(const RepositoryMeta& o) const {
  return short_description == o.short_description && readme == o.readme &&
         official == o.official && automated == o.automated && stars == o.stars;
}

bool NamespaceMeta::operator==(const NamespaceMeta& o) const {
  return title == o.title && description == o.description;
}

absl::Status ValidateShort(absl::string_view text) {
  return ValidateLine(text, kMaxShortChars, "a short description",
                      " (Docker Hub's limit)", /*one_line=*/true);
}

absl::Status ValidateReadme(absl::string_view text) {
  if (text.size() > kMaxReadmeBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        text.size(), " bytes; a README is at most 1 MiB (", kMaxReadmeBytes,
        " bytes)"));
  }
  absl::StatusOr<size_t> chars = CountCodePoints(text);
  if (!chars.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        chars.status().message(), "; a README is UTF-8 Markdown text"));
  }
  RETURN_IF_ERROR(RefuseControlCharacters(text, "a README", /*multi_line=*/true));
  return absl::OkStatus();
}

absl::Status ValidateTitle(absl::string_view text) {
  return ValidateLine(text, kMaxTitleChars, "a namespace title", "",
                      /*one_line=*/true);
}

absl::Status ValidateDescription(absl::string_view text) {
  return ValidateLine(text, kMaxDescriptionChars, "a namespace description", "",
                      /*one_line=*/false);
}

absl::Status ValidateStars(int64_t stars) {
  if (stars < 0 || stars > kMaxStars) {
    return absl::InvalidArgumentError(
        absl::StrCat(stars, " is out of range; ", kStarsRule));
  }
  return absl::OkStatus();
}

absl::Status ValidateOfficial(absl::string_view repository, bool official) {
  if (official && NamespaceOf(repository) != "library") {
    return absl::InvalidArgumentError(absl::StrCat(
        repository,
        " is not in library/; official images live in library/ (Docker Hub's "
        "rule)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseRepositoryName(absl::string_view text) {
  absl::StatusOr<Reference> ref = Reference::Parse(text, RuleSet::kOci);
  if (!ref.ok()) return ref.status();
  if (!ref->host().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        text, ": a repository in the store has no registry host; name it "
              "alone, e.g. ",
        ref->repository()));
  }
  if (!ref->digest().empty() || !ref->tag_defaulted()) {
    return absl::InvalidArgumentError(absl::StrCat(
        text, ": name a repository alone, without a tag or digest, e.g. ",
        ref->repository()));
  }
  return ref->repository();
}

absl::Status ValidateNamespaceName(absl::string_view name) {
  if (name.find('/') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": a namespace is one path component, without '/'"));
  }
  if (absl::Status s = ValidateRepository(name, RuleSet::kOci); !s.ok()) return s;
  // The reference parser decides what a first component means: one that
  // reads as a registry host cannot start a repository in the store.
  absl::StatusOr<Reference> ref =
      Reference::Parse(absl::StrCat(name, "/x"), RuleSet::kOci);
  if (!ref.ok() || !ref->host().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name,
        ": reads as a registry host (it holds '.' or ':', or is localhost); a "
        "namespace is the first component of a repository name"));
  }
  return absl::OkStatus();
}

std::string NamespaceOf(absl::string_view repository) {
  return std::string(repository.substr(0, repository.find('/')));
}

absl::StatusOr<std::string> ReadReadmeFile(const std::string& path) {
  absl::StatusOr<FileInfo> info = Stat(path);
  if (!info.ok()) return info.status();
  if (info->is_regular && info->size > kMaxReadmeBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", info->size, " bytes; a README is at most 1 MiB (",
                     kMaxReadmeBytes, " bytes)"));
  }
  absl::StatusOr<std::string> text = ReadFile(path, kMaxReadmeBytes);
  if (absl::IsFailedPrecondition(text.status())) {
    // ReadFile's size guard, reached through a symbolic link or a file
    // that grew since Stat.
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": larger than 1 MiB; a README is at most 1 MiB (",
        kMaxReadmeBytes, " bytes)"));
  }
  if (!text.ok()) return text.status();
  if (absl::Status s = ValidateReadme(*text); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
  }
  return text;
}

absl::StatusOr<Catalog> ParseCatalog(absl::string_view json,
                                     absl::string_view file_name,
                                     const std::string& base_dir) {
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(json);
  if (!doc.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": ", doc.status().message()));
  }
  Problems problems(file_name);
  Catalog catalog;
  if (!IsObject(*doc, "$", problems)) return problems.Status();
  for (const JsonValue::Member& top : doc->members()) {
    const std::string path = "$." + top.first;
    if (top.first == "namespaces") {
      if (!IsObject(top.second, path, problems)) continue;
      for (const JsonValue::Member& m : top.second.members()) {
        const std::string entry = Member(path, m.first);
        problems.Add(entry, ValidateNamespaceName(m.first));
        if (!IsObject(m.second, entry, problems)) continue;
        NamespaceMeta meta = ParseNamespace(m.second, entry, problems);
        CheckNamespace(entry, meta, problems);
        catalog.namespaces[m.first] = std::move(meta);
      }
    } else if (top.first == "repositories") {
      if (!IsObject(top.second, path, problems)) continue;
      // The key each normalized name was first written as.
      std::map<std::string, std::string> written_as;
      for (const JsonValue::Member& m : top.second.members()) {
        const std::string entry = Member(path, m.first);
        absl::StatusOr<std::string> name = ParseRepositoryName(m.first);
        problems.Add(entry, name.status());
        if (name.ok()) {
          auto [it, inserted] = written_as.emplace(*name, m.first);
          if (!inserted) {
            problems.Add(entry, absl::StrCat("the same repository as \"",
                                             it->second, "\" (", *name,
                                             "); give each repository once"));
          }
        }
        if (!IsObject(m.second, entry, problems)) continue;
        RepositoryMeta meta = ParseRepository(m.second, entry, base_dir, problems);
        CheckRepository(entry, name.ok() ? *name : "", meta, problems);
        if (name.ok()) catalog.repositories[*name] = std::move(meta);
      }
    } else {
      problems.Add(path, UnknownKey(top.first, {"namespaces", "repositories"}));
    }
  }
  if (absl::Status s = problems.Status(); !s.ok()) return s;
  return catalog;
}

absl::Status ValidateCatalog(const Catalog& catalog, absl::string_view file_name) {
  Problems problems(file_name);
  for (const auto& [name, meta] : catalog.namespaces) {
    const std::string entry = Member("$.namespaces", name);
    problems.Add(entry, ValidateNamespaceName(name));
    CheckNamespace(entry, meta, problems);
  }
  for (const auto& [name, meta] : catalog.repositories) {
    const std::string entry = Member("$.repositories", name);
    absl::StatusOr<std::string> normalized = ParseRepositoryName(name);
    if (!normalized.ok()) {
      problems.Add(entry, normalized.status());
    } else if (*normalized != name) {
      problems.Add(entry, absl::StrCat("not a normalized name; write ",
                                       *normalized));
    }
    CheckRepository(entry, normalized.ok() ? *normalized : "", meta, problems);
  }
  return problems.Status();
}

JsonValue RepositoryJson(const RepositoryMeta& meta) {
  // Keys in sorted order: automated, official, readme, short, stars.
  JsonValue v = JsonValue::Object();
  if (meta.automated) v.Set("automated", JsonValue::Bool(*meta.automated));
  if (meta.official) v.Set("official", JsonValue::Bool(*meta.official));
  if (meta.readme) v.Set("readme", JsonValue::String(*meta.readme));
  if (meta.short_description) {
    v.Set("short", JsonValue::String(*meta.short_description));
  }
  if (meta.stars) v.Set("stars", JsonValue::Int(*meta.stars));
  return v;
}

std::string SerializeCatalog(const Catalog& catalog) {
  JsonWriter w(JsonWriter::Style::kPretty);
  w.StartObject();
  w.Key("namespaces").StartObject();
  for (const auto& [name, meta] : catalog.namespaces) {
    w.Key(name).StartObject();
    WriteString(w, "description", meta.description);
    WriteString(w, "title", meta.title);
    w.EndObject();
  }
  w.EndObject();
  w.Key("repositories").StartObject();
  for (const auto& [name, meta] : catalog.repositories) {
    w.Key(name);
    RepositoryJson(meta).WriteTo(w);
  }
  w.EndObject();
  w.EndObject();
  return w.Take() + "\n";
}

CatalogDiff Diff(const Catalog& before, const Catalog& after) {
  CatalogDiff d;
  auto count = [&d](const auto& old_map, const auto& new_map) {
    for (const auto& [name, meta] : new_map) {
      auto it = old_map.find(name);
      if (it == old_map.end()) {
        ++d.added;
      } else if (it->second != meta) {
        ++d.changed;
      }
    }
    for (const auto& entry : old_map) {
      if (new_map.count(entry.first) == 0) ++d.removed;
    }
  };
  count(before.namespaces, after.namespaces);
  count(before.repositories, after.repositories);
  return d;
}

void MergeCatalog(const Catalog& from, Catalog& into) {
  auto set = [](const auto& src, auto& dst) {
    if (src.has_value()) dst = src;
  };
  for (const auto& [name, meta] : from.namespaces) {
    NamespaceMeta& t = into.namespaces[name];
    set(meta.title, t.title);
    set(meta.description, t.description);
  }
  for (const auto& [name, meta] : from.repositories) {
    RepositoryMeta& t = into.repositories[name];
    set(meta.short_description, t.short_description);
    set(meta.readme, t.readme);
    set(meta.official, t.official);
    set(meta.automated, t.automated);
    set(meta.stars, t.stars);
  }
}

}  // namespace stowage::catalog
