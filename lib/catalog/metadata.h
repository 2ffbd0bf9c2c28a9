// Repository and namespace metadata, as Docker Hub shows it: a short
// description, a README, badges (official, automated), a star count per
// repository, and a title and description per namespace.
//
// One JSON form holds it, both in the store (STORE/stowage/catalog.json, see
// catalog_store.h) and in the files `stowage repo apply` reads:
//
//   {
//     "namespaces": {
//       "library": {"description": "Curated images", "title": "Official Images"}
//     },
//     "repositories": {
//       "library/python": {"automated": false, "official": true,
//                          "readme": "# Python\n...", "short": "Python is ...",
//                          "stars": 120}
//     }
//   }
//
// Every key is optional. In an apply file a repository may name its README
// with "readmeFile" (a path relative to the apply file's folder) instead of
// "readme"; the stored file always holds the text.
//
// "Unset" is std::nullopt: the key is absent from the JSON. A set field is
// written even when it is "" or false, so an empty value and no value stay
// distinct through a round trip.
//
// Every function here is pure (ParseCatalog reads readmeFile files, nothing
// else) and thread-safe.

#ifndef STOWAGE_LIB_CATALOG_METADATA_H_
#define STOWAGE_LIB_CATALOG_METADATA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/json/json_value.h"

namespace stowage::catalog {

// Docker Hub's limits, which stowage keeps so that metadata moves between
// the two unchanged. Lengths in characters count Unicode code points.
inline constexpr size_t kMaxShortChars = 100;
inline constexpr size_t kMaxReadmeBytes = 1 << 20;  // 1 MiB
inline constexpr size_t kMaxTitleChars = 100;
inline constexpr size_t kMaxDescriptionChars = 1000;
inline constexpr int64_t kMaxStars = 2147483647;  // 2^31-1

struct RepositoryMeta {
  std::optional<std::string> short_description;  // JSON "short"
  std::optional<std::string> readme;             // Markdown
  std::optional<bool> official;
  std::optional<bool> automated;
  std::optional<int64_t> stars;

  bool operator==(const RepositoryMeta& o) const;
  bool operator!=(const RepositoryMeta& o) const { return !(*this == o); }
};

struct NamespaceMeta {
  std::optional<std::string> title;
  std::optional<std::string> description;

  bool operator==(const NamespaceMeta& o) const;
  bool operator!=(const NamespaceMeta& o) const { return !(*this == o); }
};

struct Catalog {
  // By namespace, the first path component of repository names ("library").
  std::map<std::string, NamespaceMeta> namespaces;
  // By normalized repository name ("library/python", never "python").
  std::map<std::string, RepositoryMeta> repositories;

  bool operator==(const Catalog& o) const {
    return namespaces == o.namespaces && repositories == o.repositories;
  }
  bool operator!=(const Catalog& o) const { return !(*this == o); }
};

// Parses and validates a catalog document. `file_name` starts every error
// message; `base_dir` is the folder "readmeFile" paths are relative to (an
// absolute path is used as it is), or "" where readmeFile is not allowed
// (the stored file).
//
// Every problem is found; the InvalidArgument returned names the first as
//   "<file_name>: <JSON path>: <what is wrong>; <the rule>"
// for example
//   catalog.json: $.repositories["library/python"].short: 117 characters; a
//   short description is at most 100 characters (Docker Hub's limit)
// followed by " (and N more)" when there are others. JSON paths name keys as
// written in the file ($.repositories["python"]), although the result holds
// normalized names ("library/python"). Unknown keys are errors that list the
// known ones; a repository given twice after normalizing ("python" and
// "library/python") is an error. JSON syntax errors are JsonValue::Parse's,
// after the file name.
absl::StatusOr<Catalog> ParseCatalog(absl::string_view json,
                                     absl::string_view file_name,
                                     const std::string& base_dir);

// The stored form: pretty JSON (two-space indentation, a final newline),
// keys sorted, "namespaces" and "repositories" always present, each entry
// with only its set fields. Equal catalogs give equal bytes, and
// ParseCatalog(SerializeCatalog(c), ...) == c for every valid `c`.
std::string SerializeCatalog(const Catalog& catalog);

// One repository's object as SerializeCatalog writes it (set fields only,
// keys sorted).
JsonValue RepositoryJson(const RepositoryMeta& meta);

// Merges `from` into `into`, field by field: what `from` sets wins, what it
// leaves unset keeps `into`'s value; entries only in `into` stay. (A bundle's
// metadata arriving in a store's catalog.)
void MergeCatalog(const Catalog& from, Catalog& into);

// Checks every field of a catalog built in code (names normalized, the
// rules ParseCatalog applies). InvalidArgument as ParseCatalog's, with
// `file_name` in front and normalized names in the paths.
absl::Status ValidateCatalog(const Catalog& catalog, absl::string_view file_name);

// Field rules. Each returns OK or InvalidArgument whose message is
// "<what is wrong>; <the rule>" with no path or option name, for the caller
// to put in front; for example ValidateShort on 101 characters gives
// "101 characters; a short description is at most 100 characters (Docker
// Hub's limit)". Text must be valid UTF-8.
absl::Status ValidateShort(absl::string_view text);        // one line, <= 100
absl::Status ValidateReadme(absl::string_view text);       // <= 1 MiB
absl::Status ValidateTitle(absl::string_view text);        // one line, <= 100
absl::Status ValidateDescription(absl::string_view text);  // <= 1000
absl::Status ValidateStars(int64_t stars);                 // 0 ..= 2^31-1
// Official images live in library/, as on Docker Hub: `official` true is
// InvalidArgument for any other repository.
absl::Status ValidateOfficial(absl::string_view repository, bool official);

// The normalized name of a repository as the store names it: the reference
// parser's OCI rules, a bare NAME meaning library/NAME, no host, no tag, no
// digest. InvalidArgument naming `text` otherwise.
absl::StatusOr<std::string> ParseRepositoryName(absl::string_view text);

// OK when `name` is one path component that can start a repository name
// (so not a registry host such as "example.com" or "localhost");
// InvalidArgument naming it otherwise.
absl::Status ValidateNamespaceName(absl::string_view name);

// The namespace of a normalized repository name: its first path component
// ("library" for "library/python", "team" for "team/tools/lint").
std::string NamespaceOf(absl::string_view repository);

// Reads a README file for a repository: NotFound/PermissionDenied/... as
// ReadFile gives them, naming `path`; InvalidArgument when it is larger
// than kMaxReadmeBytes or not UTF-8.
absl::StatusOr<std::string> ReadReadmeFile(const std::string& path);

// What replacing one catalog with another changes: entries (repositories
// and namespaces together) that appear, differ, or disappear.
struct CatalogDiff {
  size_t added = 0;
  size_t changed = 0;
  size_t removed = 0;
};
CatalogDiff Diff(const Catalog& before, const Catalog& after);

}  // namespace stowage::catalog

#endif  // STOWAGE_LIB_CATALOG_METADATA_H_
