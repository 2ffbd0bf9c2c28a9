// Searching the catalog, from the command line: the same ranking and the
// same matching whether the repositories come from a store or from a
// published site's static search index (see SearchIndex in site.h), and
// the result printed as `docker search` prints it.
//
// Matching, as the index's browser client (site-templates/search.js) does:
// the query's words are its lowercase runs of [a-z0-9]. A repository
// matches when its longest word (the first of them, on a tie) is a prefix
// of one of the repository's SearchWords and each other word occurs
// anywhere in the lowercase text "<name> <short description>"; or, for a
// query of two words or more, when the words joined ("acme/api-app":
// "acmeapiapp") are a prefix of one of its SearchWords (which hold the
// name's words joined) and each word occurs in that text. A query without
// words matches nothing.
// Ranking, as site.h says: exact name first (the trimmed, lowercase query
// is the name, its last component, or library/<query>), then official,
// then most stars, then name. Then SearchOptions' filters, then its limit.
//
// One difference between the two sources is in the index's format: when
// the longest word is a prefix so common that its index node is split
// (for example "a" in a large catalog), the site answers from that node's
// "top" list, the best 25 for that word alone, so SearchSite's other words
// and filters only narrow those 25, where SearchRepositories looks at
// every repository. The joined words add their matches only where their
// node is a leaf; this is what still finds a full name such as
// "acme/api-app" when "acme" alone ends on a split node. search.js shows
// the same.
//
// Every function here is thread-safe (SearchSite as far as its `fetch` is).

#ifndef STOWAGE_LIB_SITE_SEARCH_H_
#define STOWAGE_LIB_SITE_SEARCH_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/site/site.h"

namespace stowage::site {

struct SearchResult {
  std::string name;         // e.g. "library/python"
  std::string description;  // the short description, as stored
  int64_t stars = 0;
  bool official = false;
  bool automated = false;

  bool operator==(const SearchResult& o) const {
    return name == o.name && description == o.description && stars == o.stars &&
           official == o.official && automated == o.automated;
  }
  bool operator!=(const SearchResult& o) const { return !(*this == o); }
};

struct SearchOptions {
  int limit = 25;                   // at most this many results; <= 0: all
  std::optional<bool> official;     // keep only repositories with this badge
  std::optional<bool> automated;    //   value; nullopt: either
  int64_t min_stars = 0;            // keep only those with at least this many
};

// The best matches of `query` among `repositories` (their name, short
// description, stars and badges; tags are not used), ranked and filtered as
// above.
std::vector<SearchResult> SearchRepositories(const std::vector<RepositoryInfo>& repositories,
                                             absl::string_view query,
                                             const SearchOptions& options);

// Reads one file of a published site, by its path relative to the site's
// root ("_catalog/search/n/py.json"). NotFound means there is no such file.
using SiteFetcher = std::function<absl::StatusOr<std::string>(const std::string& path)>;

// The same search against a published site's index, walked as search.js
// walks it: fetches _catalog/search/n/<c>.json for the longest word's first
// character c, then, while the node is split and shorter than the word, the
// node one character longer; a leaf gives the repositories of its words
// that start with the longest word, a split node its "top" list. A query
// of several words walks the same way for its words joined, and when that
// walk ends on a leaf, adds the repositories of the leaf's words that start
// with them (each once). Only the nodes on those paths are fetched, one at
// a time, each once.
//
// A node that is not there (NotFound from `fetch`) means no results from
// that path. A node that does not parse, or is not shaped as SearchIndex writes it, is
// DataLoss whose message starts with the node's path. Other errors of
// `fetch` are returned unchanged.
absl::StatusOr<std::vector<SearchResult>> SearchSite(const SiteFetcher& fetch,
                                                     absl::string_view query,
                                                     const SearchOptions& options);

// ---------------------------------------------------------------------------
// Output as `docker search` prints it (docker/cli's
// cli/command/registry/formatter_search.go and cli/command/formatter/).
//
// Each description first has every "\n" and "\r" replaced by a space. With
// `truncate` (docker's default; --no-trunc turns it off) it is then cut to
// a display width of 45 by Ellipsis.

// `text` if its display width is at most `max_width`; otherwise its longest
// prefix of width at most max_width - 1, then "…" (U+2026), as docker/cli's
// formatter.Ellipsis: characters of East Asian Wide or Fullwidth count 2,
// others 1; invalid UTF-8 bytes count 1 each and come out as U+FFFD when
// cut. `max_width` 1 gives the first character alone, 0 or less "".
std::string Ellipsis(absl::string_view text, int max_width);

// The table of `docker search`:
//   NAME   DESCRIPTION   STARS   OFFICIAL   AUTOMATED
// one line per result, columns aligned as docker's tabwriter aligns them
// (minimum width 10, padding 3, spaces; each column as wide as its widest
// cell plus 3; the last column unpadded): a row whose AUTOMATED is empty
// ends in spaces, as docker's do. Badges print "[OK]" or nothing. With no
// results, the header line alone.
std::string FormatTable(const std::vector<SearchResult>& results, bool truncate);

// `docker search --format json` (the same as --format '{{json .}}'): one
// object per line, keys sorted, every value a string as docker's formatter
// gives it, for example
//   {"Description":"Python is …","IsAutomated":"false","IsOfficial":"true",
//    "Name":"library/python","StarCount":"120"}
// (on one line), escaped as Go's encoding/json escapes (<, > and & as
// \u003c, \u003e, \u0026). With no results, "".
std::string FormatJsonLines(const std::vector<SearchResult>& results, bool truncate);

}  // namespace stowage::site

#endif  // STOWAGE_LIB_SITE_SEARCH_H_
