// The catalog: a Docker Hub-like static HTML site beside the pull API, and
// its search index. A pure function of its input: the same input gives the
// same bytes.
//
// Files, relative to the served root:
//   index.html                 home: official images, most starred, the
//                              namespaces with most repositories
//   search.html                as-you-type search (JavaScript)
//   u/_all/index.html          every namespace, by name, in pages
//   u/<namespace>/index.html   a namespace's repositories, in pages
//   r/<repository>/index.html  description, badges, pull commands, tags, README
//   _catalog/stowage.css, _catalog/search.js
//   _catalog/search/n/<prefix>.json   the search index (search_index below)
// Every link is relative and names index.html, so the pages browse from
// file:// too; only search needs a web server (browsers do not fetch local
// files from scripts).
//
// A list in pages has its first page at DIR/index.html and page N (N >= 2)
// at DIR/_page/N/index.html, each page linking to its neighbours (rel=prev,
// rel=next) and to the first, the last and nearby pages. No repository name
// has a component starting with '_' (the OCI grammar starts each with
// [a-z0-9]), so neither "_all" nor "_page" can be a namespace's or a
// repository's folder.

#ifndef STOWAGE_LIB_SITE_SITE_H_
#define STOWAGE_LIB_SITE_SITE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/site/templates.h"

namespace stowage::site {

struct TagInfo {
  std::string tag;
  std::string digest;
  std::vector<std::string> platforms;  // "linux/amd64", ...; sorted
  int64_t size = 0;                    // compressed bytes of its blobs
  std::string created;                 // RFC 3339 from the image config, or ""
};

struct RepositoryInfo {
  std::string name;            // e.g. "library/python", "team/tools/cli"
  std::vector<TagInfo> tags;   // sorted by tag; needed only for its page
  int64_t tag_count = 0;       // tags.size() when `tags` is filled
  std::string short_description;
  std::string readme_html;     // rendered already (lib/markdown)
  bool official = false;
  bool automated = false;
  bool is_signed = false;
  int64_t stars = 0;
};

struct NamespaceInfo {
  std::string title;
  std::string description;
};

struct SiteInput {
  std::string site_name = "stowage registry";
  std::string registry_host;                     // HOST[:PORT] in pull commands
  std::vector<RepositoryInfo> repositories;      // sorted by name, unique
  std::map<std::string, NamespaceInfo> namespaces;  // by first path component

  // Page sizes (each at least 1; tests make them small). They shape every
  // page, so an incremental render must use the ones of the full render.
  // The home lists `home_namespaces` namespaces: those with most
  // repositories (ties by name), shown by name, and links to u/_all/.
  size_t home_namespaces = 100;
  // Sizes at 100,000 repositories (bench/make_synthetic_catalog.py):
  // home 33 kB, u/_all/ pages 58 kB (~115 bytes a namespace), namespace
  // pages up to 28 kB (~270 bytes a card).
  size_t namespaces_per_page = 500;
  size_t repositories_per_page = 100;
};

// The folders of pages 2, 3, ... of a list (see the top of this file), and
// the full namespace list's.
inline constexpr char kPagesFolder[] = "_page";
inline constexpr char kAllNamespacesFolder[] = "u/_all";

struct SiteFile {
  std::string path;
  std::string content;
};

// Which files to render: an incremental publish renders only the pages of
// what changed. Null sets mean all.
struct RenderOptions {
  const std::set<std::string>* repositories = nullptr;  // repository pages
  const std::set<std::string>* namespaces = nullptr;    // all pages of each
  bool search_index = true;
};

// Renders the catalog (all of it by default), sorted by path. The home and
// search pages, every page of the full namespace list and the assets are
// always rendered. InvalidArgument when a template does not render (naming
// it).
absl::StatusOr<std::vector<SiteFile>> RenderSite(const SiteInput& input,
                                                 const Templates& templates,
                                                 const RenderOptions& options = {});

// The search index alone (part of RenderSite's output).
//
// Each repository is found by the words of its name and short description
// (lowercase runs of [a-z0-9]) and by its name's words joined, whole and
// from its last component ("acme/api-app": also "acmeapiapp" and "apiapp"),
// so that a query of several words, looked up joined, reaches a small leaf
// for a full name even where each word alone is too common (see search.h).
// Nodes are files n/<prefix>.json, a tree by word prefix starting at one
// character:
//   {"p":PREFIX,"split":1,"top":[REPO...]}    too many words start with
//       PREFIX: "top" holds the best 25 of them for a query equal to PREFIX,
//       and words longer than PREFIX are in the nodes PREFIX+<char>;
//   {"p":PREFIX,"words":{WORD:[i,...]},"repos":[REPO...]}   a leaf: every
//       word with this prefix, each with the indexes of its repositories.
// REPO is [name, short description, stars, flags] (flags: 1 official,
// 2 automated, 4 signed). A leaf is kept under about kLeafBytes, so a query
// downloads the nodes on its longest word's path, and for several words
// those on the path of the words joined: a few small ones.
// Ranking (by clients, and for "top"): exact name first (the query is the
// name, its last component, or library/<query>), then official, stars,
// name.
inline constexpr size_t kLeafBytes = 48 * 1024;
std::vector<SiteFile> SearchIndex(const std::vector<RepositoryInfo>& repositories);

// The words of `text`, in order and with repeats: its runs of ASCII letters
// and digits, lowercased (search.js's words()). Names, descriptions and
// queries are all cut into words by this rule.
std::vector<std::string> TextWords(absl::string_view text);

// The words a repository is found by (sorted, unique): its words and its
// name's joined words, as above.
std::vector<std::string> SearchWords(const RepositoryInfo& repository);

}  // namespace stowage::site

#endif  // STOWAGE_LIB_SITE_SITE_H_
