#include "lib/site/site.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "kainjow/mustache.hpp"
#include "lib/base/status_macros.h"
#include "lib/json/json_writer.h"

namespace stowage::site {
namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;

constexpr size_t kTop = 25;

std::string Namespace(const std::string& repository) {
  return repository.substr(0, repository.find('/'));
}

// "../" once per folder of `path`: the way back to the served root.
std::string RootOf(const std::string& path) {
  std::string root;
  for (char c : path) {
    if (c == '/') root += "../";
  }
  return root;
}

std::string HumanSize(int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  return u == 0 ? absl::StrCat(bytes, " B") : absl::StrFormat("%.1f %s", v, units[u]);
}

int64_t TagCount(const std::vector<RepositoryInfo>& repos) {
  int64_t n = 0;
  for (const RepositoryInfo& r : repos) n += r.tag_count;
  return n;
}

// Official first, then most stars, then name: the order of "best".
bool Better(const RepositoryInfo* a, const RepositoryInfo* b) {
  if (a->official != b->official) return a->official;
  if (a->stars != b->stars) return a->stars > b->stars;
  return a->name < b->name;
}

bool Exact(const RepositoryInfo& r, absl::string_view query) {
  absl::string_view name = r.name;
  size_t slash = name.rfind('/');
  // library/<query>, without building the string (this runs for every
  // repository of every split search index node).
  constexpr absl::string_view kLibrary = "library/";
  return name == query || name.substr(slash + 1) == query ||
         (name.size() == kLibrary.size() + query.size() &&
          absl::StartsWith(name, kLibrary) && absl::EndsWith(name, query));
}

data Card(const RepositoryInfo& r) {
  data d;
  d.set("name", r.name);
  d.set("short", r.short_description);
  d.set("stars", std::to_string(r.stars));
  d.set("tag_count", std::to_string(r.tag_count));
  d.set("one_tag", r.tag_count == 1);
  d.set("official", r.official);
  d.set("automated", r.automated);
  d.set("signed", r.is_signed);
  return d;
}

// A namespace in a list of namespaces (the home's, u/_all/'s).
data NamespaceLink(const SiteInput& input, const std::string& name, size_t repositories) {
  data ns;
  ns.set("name", name);
  auto meta = input.namespaces.find(name);
  ns.set("display", meta != input.namespaces.end() && !meta->second.title.empty()
                        ? meta->second.title : name);
  ns.set("repository_count", std::to_string(repositories));
  ns.set("one_repository", repositories == 1);
  return ns;
}

// Pages of `per_page` items that `count` items fill: at least one, so that
// an empty list still has its first page.
size_t PageCount(size_t count, size_t per_page) {
  return count == 0 ? 1 : (count + per_page - 1) / per_page;
}

// Page `n` (from 1) of the list whose first page is `dir`/index.html.
std::string PagePath(const std::string& dir, size_t n) {
  if (n == 1) return absl::StrCat(dir, "/index.html");
  return absl::StrCat(dir, "/", kPagesFolder, "/", n, "/index.html");
}

// The "paging" of page `n` of `count` (for pager.mustache), its links
// relative to `root`: previous and next, and the page numbers of the
// first, the last and two either side of `n`, a gap ("…") for the others.
// A few links a page, however many pages: no page grows with the list.
data Pager(const std::string& dir, size_t n, size_t count, const std::string& root) {
  data pager;
  pager.set("page", std::to_string(n));
  pager.set("page_count", std::to_string(count));
  auto link = [&](size_t k) {
    data d;
    d.set("number", std::to_string(k));
    d.set("href", absl::StrCat(root, PagePath(dir, k)));
    d.set("current", k == n);
    return d;
  };
  if (n > 1) pager.set("prev", link(n - 1));
  if (n < count) pager.set("next", link(n + 1));
  std::set<size_t> shown = {1, count};
  for (size_t k = n > 2 ? n - 2 : 1; k <= std::min(count, n + 2); ++k) shown.insert(k);
  data links{data::type::list};
  size_t last = 0;
  for (size_t k : shown) {
    if (last + 2 == k) {
      links.push_back(link(last + 1));  // a gap of one page is that page
    } else if (last != 0 && last + 2 < k) {
      data gap;
      gap.set("gap", true);
      links.push_back(gap);
    }
    links.push_back(link(k));
    last = k;
  }
  pager.set("links", links);
  return pager;
}

class Renderer {
 public:
  Renderer(const SiteInput& input, const Templates& templates)
      : input_(input), templates_(templates), tag_total_(TagCount(input.repositories)) {}

  // Renders template `name` into `path` with `page` plus the site's fields.
  absl::Status Page(const std::string& name, const std::string& path, data page,
                    std::vector<SiteFile>& out) {
    page.set("root", RootOf(path));
    page.set("site_name", input_.site_name);
    page.set("registry_host", input_.registry_host);
    page.set("repository_count", std::to_string(input_.repositories.size()));
    page.set("one_repository", input_.repositories.size() == 1);
    page.set("tag_count_total", std::to_string(tag_total_));
    page.set("one_tag_total", tag_total_ == 1);
    for (const char* partial : kPartials) {
      const std::string& text = templates_.Get(absl::StrCat(partial, ".mustache"));
      page.set(partial, kainjow::mustache::partial([&text] { return text; }));
    }
    ASSIGN_OR_RETURN(mustache * m, Parsed(name));
    std::string html = m->render(page);
    if (!m->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", m->error_message()));
    }
    out.push_back({path, std::move(html)});
    return absl::OkStatus();
  }

 private:
  static constexpr const char* kPartials[] = {"header", "footer", "card", "pager",
                                              "namespace_link"};

  // Template `name`, parsed once for every page that uses it (kainjow
  // parses a template when it is constructed, and a partial each time it
  // is used: the card of a list of 100 repositories 100 times). The
  // site's own partials are written into it first, as "{{> card}}" would
  // render them; a template that changes delimiters ("{{=") keeps its
  // partial tags, and kainjow renders them itself.
  absl::StatusOr<mustache*> Parsed(const std::string& name) {
    auto it = parsed_.find(name);
    if (it != parsed_.end()) return it->second.get();
    std::string text = templates_.Get(name);
    if (text.find("{{=") == std::string::npos) {
      // Partials may use partials: a few rounds, then what is left is
      // rendered by kainjow (which also reports a cycle).
      for (int round = 0; round < 4; ++round) {
        bool replaced = false;
        for (const char* partial : kPartials) {
          const std::string& body = templates_.Get(absl::StrCat(partial, ".mustache"));
          if (body.find("{{=") != std::string::npos) continue;
          for (absl::string_view tag : {absl::StrCat("{{> ", partial, "}}"),
                                        absl::StrCat("{{>", partial, "}}")}) {
            replaced |= absl::StrReplaceAll({{tag, body}}, &text) > 0;
          }
        }
        if (!replaced) break;
      }
    }
    auto m = std::make_unique<mustache>(text);
    if (!m->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", m->error_message()));
    }
    return parsed_.emplace(name, std::move(m)).first->second.get();
  }

  std::map<std::string, std::unique_ptr<mustache>> parsed_;
  const SiteInput& input_;
  const Templates& templates_;
  // Every page shows it; counted once, not once a page (that was quadratic:
  // 40 s of a 100,000-repository catalog).
  const int64_t tag_total_;
};

// REPO of the search index: [name, short, stars, flags].
void WriteRecord(JsonWriter& w, const RepositoryInfo& r) {
  w.StartArray();
  w.String(r.name).String(r.short_description).Int(r.stars);
  w.Int((r.official ? 1 : 0) | (r.automated ? 2 : 0) | (r.is_signed ? 4 : 0));
  w.EndArray();
}

struct IndexBuilder {
  IndexBuilder(const std::vector<RepositoryInfo>& r)
      : repos(r), seen(r.size(), 0), local(r.size(), 0) {}

  // word -> repositories (indexes into `repos`), sorted words.
  std::map<std::string, std::vector<int>> words;
  const std::vector<RepositoryInfo>& repos;
  std::vector<SiteFile> out;
  // Scratch, indexed like `repos`: the last node that counted a repository
  // (no set per node: the top nodes hold most of the catalog), and a
  // repository's place in the current leaf's "repos".
  std::vector<int> seen;
  std::vector<int> local;
  int nodes = 0;

  // Words in [begin, end) all start with `prefix`.
  void Node(const std::string& prefix, std::map<std::string, std::vector<int>>::const_iterator begin,
            std::map<std::string, std::vector<int>>::const_iterator end) {
    const int id = ++nodes;
    std::vector<int> members;
    size_t bytes = 0;
    for (auto it = begin; it != end; ++it) {
      for (int i : it->second) {
        if (seen[i] != id) {
          seen[i] = id;
          members.push_back(i);
          const RepositoryInfo& r = repos[i];
          bytes += r.name.size() + r.short_description.size() + 24;
        }
      }
      bytes += it->first.size() + 6 * it->second.size() + 6;
    }
    JsonWriter w;
    w.StartObject().Key("p").String(prefix);
    bool leaf = bytes <= kLeafBytes || prefix.size() >= 16;
    if (leaf) {
      std::vector<int>& order = members;
      std::sort(order.begin(), order.end());
      for (size_t k = 0; k < order.size(); ++k) local[order[k]] = static_cast<int>(k);
      w.Key("words").StartObject();
      for (auto it = begin; it != end; ++it) {
        w.Key(it->first).StartArray();
        for (int i : it->second) w.Int(local[i]);
        w.EndArray();
      }
      w.EndObject();
      w.Key("repos").StartArray();
      for (int i : order) WriteRecord(w, repos[i]);
      w.EndArray();
    } else {
      // Exact names first (decided once each), then Better.
      std::vector<std::pair<bool, const RepositoryInfo*>> best;
      best.reserve(members.size());
      for (int i : members) best.emplace_back(Exact(repos[i], prefix), &repos[i]);
      auto rank = [](const std::pair<bool, const RepositoryInfo*>& a,
                     const std::pair<bool, const RepositoryInfo*>& b) {
        if (a.first != b.first) return a.first;
        return Better(a.second, b.second);
      };
      size_t n = std::min(kTop, best.size());
      std::partial_sort(best.begin(), best.begin() + n, best.end(), rank);
      w.Key("split").Int(1).Key("top").StartArray();
      for (size_t i = 0; i < n; ++i) WriteRecord(w, *best[i].second);
      w.EndArray();
    }
    w.EndObject();
    out.push_back({absl::StrCat("_catalog/search/n/", prefix, ".json"), w.Take()});
    if (leaf) return;
    // Children: words longer than the prefix, by their next character.
    auto it = begin;
    while (it != end) {
      if (it->first.size() == prefix.size()) {
        ++it;
        continue;
      }
      std::string child = it->first.substr(0, prefix.size() + 1);
      auto child_end = it;
      while (child_end != end && child_end->first.compare(0, child.size(), child) == 0) ++child_end;
      Node(child, it, child_end);
      it = child_end;
    }
  }
};

}  // namespace

std::vector<std::string> TextWords(absl::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    c = absl::ascii_tolower(static_cast<unsigned char>(c));
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::vector<std::string> SearchWords(const RepositoryInfo& repository) {
  std::set<std::string> words;
  for (const std::string* text : {&repository.name, &repository.short_description}) {
    for (std::string& w : TextWords(*text)) words.insert(std::move(w));
  }
  // The name's words joined, whole and from its last component: a query of
  // several words walks the index by its words joined (search.js), which
  // reaches a leaf for a full name even when each word alone ends on a
  // split node. A one-word name joins to a word already in the set.
  absl::string_view name = repository.name;
  size_t slash = name.rfind('/');
  absl::string_view last = slash == absl::string_view::npos ? name : name.substr(slash + 1);
  for (absl::string_view part : {name, last}) {
    std::string joined = absl::StrJoin(TextWords(part), "");
    if (!joined.empty()) words.insert(std::move(joined));
  }
  return std::vector<std::string>(words.begin(), words.end());
}

std::vector<SiteFile> SearchIndex(const std::vector<RepositoryInfo>& repositories) {
  IndexBuilder b(repositories);
  for (size_t i = 0; i < repositories.size(); ++i) {
    for (const std::string& w : SearchWords(repositories[i])) {
      b.words[w].push_back(static_cast<int>(i));
    }
  }
  // A leaf for every first character that no word has, so that a client
  // finds "nothing" without a 404.
  for (char c : std::string("0123456789abcdefghijklmnopqrstuvwxyz")) {
    if (b.words.lower_bound(std::string(1, c)) == b.words.end() ||
        b.words.lower_bound(std::string(1, c))->first[0] != c) {
      b.out.push_back({absl::StrCat("_catalog/search/n/", std::string(1, c), ".json"),
                       absl::StrCat("{\"p\":\"", std::string(1, c), "\",\"words\":{},\"repos\":[]}")});
    }
  }
  auto it = b.words.begin();
  while (it != b.words.end()) {
    std::string first = it->first.substr(0, 1);
    auto end = it;
    while (end != b.words.end() && end->first[0] == first[0]) ++end;
    b.Node(first, it, end);
    it = end;
  }
  std::sort(b.out.begin(), b.out.end(),
            [](const SiteFile& a, const SiteFile& c) { return a.path < c.path; });
  return std::move(b.out);
}

absl::StatusOr<std::vector<SiteFile>> RenderSite(const SiteInput& input,
                                                 const Templates& templates,
                                                 const RenderOptions& options) {
  std::vector<SiteFile> out;
  Renderer renderer(input, templates);

  std::vector<const RepositoryInfo*> ranked;
  std::map<std::string, std::vector<const RepositoryInfo*>> by_namespace;
  for (const RepositoryInfo& r : input.repositories) {
    ranked.push_back(&r);
    by_namespace[Namespace(r.name)].push_back(&r);
  }
  std::sort(ranked.begin(), ranked.end(), Better);

  // Home.
  {
    data page;
    page.set("title", "Home");
    data official{data::type::list};
    data popular{data::type::list};
    size_t n_official = 0, n_popular = 0;
    for (const RepositoryInfo* r : ranked) {
      if (r->official && n_official < 60) {
        official.push_back(Card(*r));
        ++n_official;
      } else if (!r->official && n_popular < 30) {
        popular.push_back(Card(*r));
        ++n_popular;
      }
    }
    page.set("has_official", n_official > 0);
    page.set("official_repositories", official);
    page.set("popular_repositories", popular);
    // The namespaces with most repositories (ties by name), shown by name.
    std::vector<std::pair<const std::string*, size_t>> largest;
    for (const auto& [name, repos] : by_namespace) largest.emplace_back(&name, repos.size());
    size_t shown = std::min(input.home_namespaces, largest.size());
    std::partial_sort(largest.begin(), largest.begin() + shown, largest.end(),
                      [](const auto& a, const auto& b) {
                        if (a.second != b.second) return a.second > b.second;
                        return *a.first < *b.first;
                      });
    largest.resize(shown);
    std::sort(largest.begin(), largest.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    data namespaces{data::type::list};
    for (const auto& [name, count] : largest) {
      namespaces.push_back(NamespaceLink(input, *name, count));
    }
    page.set("namespaces", namespaces);
    page.set("home_namespace_count", std::to_string(shown));
    page.set("all_namespaces_shown", shown == by_namespace.size());
    page.set("namespace_count", std::to_string(by_namespace.size()));
    page.set("one_namespace", by_namespace.size() == 1);
    page.set("all_namespaces_href", PagePath(kAllNamespacesFolder, 1));
    RETURN_IF_ERROR(renderer.Page("home.mustache", "index.html", page, out));
  }
  {
    data page;
    page.set("title", "Search");
    RETURN_IF_ERROR(renderer.Page("search.mustache", "search.html", page, out));
  }
  // Every namespace by name, in pages: always rendered, as the home links
  // to it (a few pages even at 100,000 repositories).
  {
    size_t per_page = std::max<size_t>(1, input.namespaces_per_page);
    size_t pages = PageCount(by_namespace.size(), per_page);
    auto it = by_namespace.begin();
    for (size_t n = 1; n <= pages; ++n) {
      std::string path = PagePath(kAllNamespacesFolder, n);
      data page;
      page.set("title", n == 1 ? std::string("Namespaces")
                               : absl::StrCat("Namespaces, page ", n, " of ", pages));
      data list{data::type::list};
      for (size_t i = 0; i < per_page && it != by_namespace.end(); ++i, ++it) {
        list.push_back(NamespaceLink(input, it->first, it->second.size()));
      }
      page.set("namespaces", list);
      page.set("namespace_count", std::to_string(by_namespace.size()));
      page.set("one_namespace", by_namespace.size() == 1);
      if (pages > 1) page.set("paging", Pager(kAllNamespacesFolder, n, pages, RootOf(path)));
      RETURN_IF_ERROR(renderer.Page("namespaces.mustache", path, page, out));
    }
  }
  // Namespaces: their repositories, best first, in pages.
  for (auto& [name, repos] : by_namespace) {
    if (options.namespaces != nullptr && options.namespaces->count(name) == 0) continue;
    std::sort(repos.begin(), repos.end(), Better);
    auto meta = input.namespaces.find(name);
    std::string display = name;
    std::string description;
    if (meta != input.namespaces.end()) {
      if (!meta->second.title.empty()) display = meta->second.title;
      description = meta->second.description;
    }
    std::string dir = absl::StrCat("u/", name);
    size_t per_page = std::max<size_t>(1, input.repositories_per_page);
    size_t pages = PageCount(repos.size(), per_page);
    for (size_t n = 1; n <= pages; ++n) {
      std::string path = PagePath(dir, n);
      data page;
      if (!description.empty()) page.set("description", description);
      page.set("title", n == 1 ? display : absl::StrCat(display, ", page ", n, " of ", pages));
      page.set("name", name);
      page.set("display", display);
      page.set("namespace_repository_count", std::to_string(repos.size()));
      page.set("one_namespace_repository", repos.size() == 1);
      data list{data::type::list};
      for (size_t i = (n - 1) * per_page; i < std::min(n * per_page, repos.size()); ++i) {
        list.push_back(Card(*repos[i]));
      }
      page.set("repositories", list);
      if (pages > 1) page.set("paging", Pager(dir, n, pages, RootOf(path)));
      RETURN_IF_ERROR(renderer.Page("namespace.mustache", path, page, out));
    }
  }
  // Repositories.
  for (const RepositoryInfo& r : input.repositories) {
    if (options.repositories != nullptr && options.repositories->count(r.name) == 0) continue;
    data page = Card(r);
    page.set("title", r.name);
    page.set("namespace", Namespace(r.name));
    page.set("base_name", r.name.substr(r.name.rfind('/') + 1));
    std::string default_tag = r.tags.empty() ? "latest" : r.tags.front().tag;
    for (const TagInfo& t : r.tags) {
      if (t.tag == "latest") default_tag = t.tag;
    }
    page.set("default_tag", default_tag);
    data tags{data::type::list};
    for (const TagInfo& t : r.tags) {
      data row;
      row.set("tag", t.tag);
      row.set("digest", t.digest);
      row.set("short_digest", t.digest.substr(0, std::min<size_t>(t.digest.size(), 19)));
      data platforms{data::type::list};
      for (const std::string& p : t.platforms) platforms.push_back(data(p));
      row.set("platforms", platforms);
      row.set("size", HumanSize(t.size));
      if (!t.created.empty()) {
        row.set("created", t.created);
        // "2024-05-01T12:00:00Z" -> "2024-05-01 12:00 UTC"
        std::string shown = t.created.substr(0, 10);
        if (t.created.size() >= 16) absl::StrAppend(&shown, " ", t.created.substr(11, 5), " UTC");
        row.set("created_display", shown);
      }
      tags.push_back(row);
    }
    page.set("tags", tags);
    page.set("has_readme", !r.readme_html.empty());
    page.set("readme_html", r.readme_html);
    RETURN_IF_ERROR(renderer.Page("repository.mustache",
                                  absl::StrCat("r/", r.name, "/index.html"), page, out));
  }
  for (const char* asset : {"stowage.css", "search.js"}) {
    out.push_back({absl::StrCat("_catalog/", asset), templates.Get(asset)});
  }
  if (options.search_index) {
    for (SiteFile& f : SearchIndex(input.repositories)) out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const SiteFile& a, const SiteFile& b) { return a.path < b.path; });
  return out;
}

}  // namespace stowage::site
