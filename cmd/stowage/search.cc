// stowage search: `docker search` over the store, or over a published site
// through its static search index (a folder, or a URL).
//
// As docker/cli's `docker search` (cli/command/registry/search.go and
// formatter_search.go) with the daemon's checks (moby's registry/search.go,
// api/types/filters): the same table, --no-trunc, --limit (default 25,
// 1 to 100, 0 meaning 25), -f/--filter is-official=, is-automated=, stars=
// with docker's error texts, and --format json. Where stowage differs, and
// why, is in the --help footer below and in lib/site/search.h.

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/catalog/catalog_store.h"
#include "lib/fs/file.h"
#include "lib/http/http.h"
#include "lib/site/search.h"
#include "lib/store/store.h"

namespace stowage {
namespace {

constexpr char kSearch[] = "search";

struct SearchFlags {
  std::string store;
  std::string term;
  int limit = 25;
  std::vector<std::string> filters;
  std::string format;
  bool no_trunc = false;
  std::string site;
};

// Docker's filters, checked as its CLI (name=value, the name lowercase,
// both trimmed; an empty flag ignored) and then its daemon check them.
// Returns the usage error (exit 2) in `usage`, a bad name or value (the
// daemon's InvalidArgument, exit 1) as the status.
absl::Status ParseFilters(const std::vector<std::string>& flags, site::SearchOptions& options,
                          std::string& usage) {
  std::map<std::string, std::set<std::string>> filters;  // by name, in order
  std::vector<std::string> order;
  for (const std::string& flag : flags) {
    if (flag.empty()) continue;
    size_t eq = flag.find('=');
    if (eq == std::string::npos) {
      usage = absl::StrCat("invalid argument \"", flag,
                           "\" for \"-f, --filter\" flag: bad format of filter (expected "
                           "name=value)");
      return absl::OkStatus();
    }
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(flag.substr(0, eq)));
    if (filters.count(name) == 0) order.push_back(name);
    filters[name].insert(std::string(absl::StripAsciiWhitespace(flag.substr(eq + 1))));
  }
  for (const std::string& name : order) {
    if (name != "is-official" && name != "is-automated" && name != "stars") {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid filter '", name,
          "'; the filters are is-official=true|false, is-automated=true|false and stars=N"));
    }
  }
  for (const char* name : {"is-automated", "is-official"}) {
    auto it = filters.find(name);
    if (it == filters.end()) continue;
    const std::set<std::string>& v = it->second;
    bool is_false = v.count("0") > 0 || v.count("false") > 0;
    bool is_true = v.count("1") > 0 || v.count("true") > 0;
    if (is_false == is_true) {
      return absl::InvalidArgumentError(absl::StrCat("invalid filter '", name, "=[",
                                                     absl::StrJoin(v, " "), "]'; ", name,
                                                     " is true or false (or 1 or 0)"));
    }
    (std::string(name) == "is-official" ? options.official : options.automated) = is_true;
  }
  if (auto it = filters.find("stars"); it != filters.end()) {
    for (const std::string& value : it->second) {
      int64_t stars = 0;
      if (!absl::SimpleAtoi(value, &stars)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid filter 'stars=", value, "'; stars is an integer, the least number of stars"));
      }
      options.min_stars = std::max(options.min_stars, stars);
    }
  }
  return absl::OkStatus();
}

// The store's repositories: every one with a tag, with its metadata if any.
absl::StatusOr<std::vector<site::RepositoryInfo>> StoreRepositories(const std::string& dir) {
  absl::StatusOr<store::Store> s = store::Store::Open(dir);
  if (!s.ok()) return s.status();
  absl::StatusOr<store::TagScan> scan = s->ScanTags();
  if (!scan.ok()) return scan.status();
  absl::StatusOr<catalog::Catalog> meta = catalog::ReadCatalog(s->dir());
  if (!meta.ok()) return meta.status();
  std::vector<site::RepositoryInfo> repos;
  for (const store::TagSummary& t : scan->tags) {  // sorted by repository
    if (!repos.empty() && repos.back().name == t.name.repository) {
      ++repos.back().tag_count;
      continue;
    }
    site::RepositoryInfo r;
    r.name = t.name.repository;
    r.tag_count = 1;
    auto m = meta->repositories.find(r.name);
    if (m != meta->repositories.end()) {
      r.short_description = m->second.short_description.value_or("");
      r.official = m->second.official.value_or(false);
      r.automated = m->second.automated.value_or(false);
      r.stars = m->second.stars.value_or(0);
    }
    repos.push_back(std::move(r));
  }
  return repos;
}

// Reads the files of the site at `site`: a URL, or a folder (OUTDIR of
// stowage publish, or its www/). Fails early, naming what was given, when
// there is no catalog there (else every search would just find nothing).
absl::StatusOr<site::SiteFetcher> SiteSource(const std::string& site) {
  if (absl::StartsWith(site, "http://") || absl::StartsWith(site, "https://")) {
    std::string root = absl::EndsWith(site, "/") ? site : site + "/";
    site::SiteFetcher fetch = [root](const std::string& path) {
      return http::Get(root + path, http::GetOptions());
    };
    absl::StatusOr<std::string> probe = fetch("_catalog/search.js");
    if (absl::IsNotFound(probe.status())) {
      return absl::NotFoundError(absl::StrCat(
          site, ": no stowage catalog there (", probe.status().message(),
          "); give the URL the catalog's home page is at, e.g. http://HOST:PORT/"));
    }
    if (!probe.ok()) return probe.status();
    return fetch;
  }
  std::string root = site;
  if (!Exists(JoinPath(root, "_catalog"))) root = JoinPath(site, "www");
  if (!Exists(JoinPath(root, "_catalog"))) {
    return absl::NotFoundError(absl::StrCat(
        site, ": no stowage catalog there (no _catalog/ in it or in its www/); give the "
              "OUTDIR of 'stowage publish' (published without --no-catalog) or its www/"));
  }
  return site::SiteFetcher([root](const std::string& path) {
    return ReadFile(JoinPath(root, path));
  });
}

int RunSearch(const SearchFlags& f) {
  site::SearchOptions options;
  std::string usage;
  absl::Status filters = ParseFilters(f.filters, options, usage);
  std::string format = std::string(absl::StripAsciiWhitespace(f.format));
  if (usage.empty() && format != "" && format != "table" && format != "json" &&
      format != "{{json .}}") {
    usage = absl::StrCat("unsupported --format \"", f.format,
                         "\": stowage prints table (the default) or json; docker's Go "
                         "templates are not supported");
  }
  if (!usage.empty()) {
    std::cerr << "stowage search: " << usage << " (see 'stowage search --help')\n";
    return kExitUsage;
  }
  if (!filters.ok()) return Fail(kSearch, filters);
  // The daemon's rule: 0 means the default, 25.
  options.limit = f.limit == 0 ? 25 : f.limit;
  if (options.limit < 1 || options.limit > 100) {
    return Fail(kSearch, absl::InvalidArgumentError(absl::StrCat(
                             "limit ", f.limit, " is outside the range of [1, 100]")));
  }

  std::vector<site::SearchResult> results;
  if (!f.site.empty()) {
    absl::StatusOr<site::SiteFetcher> fetch = SiteSource(f.site);
    if (!fetch.ok()) return Fail(kSearch, fetch.status());
    absl::StatusOr<std::vector<site::SearchResult>> found =
        site::SearchSite(*fetch, f.term, options);
    if (!found.ok()) {
      absl::Status s = found.status();
      if (absl::IsDataLoss(s)) {  // names a node by its path in the site
        s = absl::DataLossError(absl::StrCat(f.site, ": ", s.message()));
      }
      return Fail(kSearch, s);
    }
    results = std::move(*found);
  } else {
    absl::StatusOr<std::vector<site::RepositoryInfo>> repos = StoreRepositories(f.store);
    if (!repos.ok()) return Fail(kSearch, repos.status());
    results = site::SearchRepositories(*repos, f.term, options);
  }
  bool json = format == "json" || format == "{{json .}}";
  std::cout << (json ? site::FormatJsonLines(results, !f.no_trunc)
                     : site::FormatTable(results, !f.no_trunc));
  return kExitOk;
}

}  // namespace

Command AddSearchCommand(CLI::App& root) {
  auto flags = std::make_shared<SearchFlags>();
  CLI::App* app = root.add_subcommand(
      "search", "Search repositories, as docker search does, in the store or a published site");
  app->add_option("TERM", flags->term,
                  "Words to look for in repository names and short descriptions "
                  "(quote several: 'web server')")
      ->required();
  app->add_option("--limit", flags->limit, "Max number of search results, 1 to 100")
      ->capture_default_str();
  app->add_option("-f,--filter", flags->filters,
                  "Filter output based on conditions provided: is-official=true|false, "
                  "is-automated=true|false, stars=N (at least N); repeatable, all must hold")
      ->type_name("NAME=VALUE");
  app->add_flag("--no-trunc", flags->no_trunc, "Don't truncate output");
  app->add_option("--format", flags->format,
                  "table (the default) or json: one JSON object per line, as 'docker "
                  "search --format json' prints (Name, Description, StarCount, IsOfficial, "
                  "IsAutomated, every value a string)");
  app->add_option("--site", flags->site,
                  "Search a published site instead of the store, through its search "
                  "index: its URL (where its home page is, e.g. http://127.0.0.1:8080/) or "
                  "its folder (the OUTDIR of 'stowage publish', or OUTDIR/www)")
      ->type_name("URL|DIR");
  AddStoreOption(app, &flags->store);
  app->footer(
      "Prints docker search's table: NAME, DESCRIPTION (cut to 45 columns with '…', "
      "as docker does; --no-trunc shows it whole), STARS, OFFICIAL and AUTOMATED "
      "('[OK]'), the columns padded as docker pads them (lines may end in spaces). "
      "When nothing matches, the header line alone.\n\n"
      "A repository matches when one of the words of its name or short description "
      "starts with TERM's longest word, and TERM's other words appear anywhere in its "
      "name or description; a TERM of several words also matches the names those words "
      "spell run together (acme/api-app for 'acme api app' or 'acme/api-app'): the "
      "same rules as the site's search page. Best first: an "
      "exact name (TERM is the name, its last part, or library/TERM), then official, "
      "then most stars, then name. Filters apply to the matches, then --limit.\n\n"
      "From the store: every repository with a tag, described by its metadata ('stowage "
      "repo set'; without any, found by its name). From --site: what the site published, "
      "reading only the few small index files on the path of TERM's longest word "
      "(and of its words joined, for a TERM of several words). A "
      "word so common that its index node is split (a letter or two, in a large "
      "catalog) is answered from the best 25 for that word: filters and other words "
      "narrow those.\n\n"
      "Unlike docker search: names are shown whole (library/python: the name to pull "
      "from a stowage registry); results come best first as above, not in Docker Hub's "
      "order; --limit counts results after the filters; is-automated still filters "
      "(Docker 25 and later ignore it); --format takes table or json, not Go templates.\n\n"
      "Exit status: 0 (also when nothing matches); 1 when the store or site cannot be "
      "read, or a filter or --limit is refused (the errors docker's daemon gives); 2 for "
      "a wrong command line, such as a filter that is not NAME=VALUE.\n\n"
      "Examples:\n"
      "  stowage search python\n"
      "  stowage search 'web server' --filter is-official=true --limit 5\n"
      "  stowage search nginx -f stars=10 -f is-automated=false --no-trunc\n"
      "  stowage search app --site ./out\n"
      "  stowage search app --site https://registry.example.com/ --format json | jq -r .Name");
  return Command{app, [flags] { return RunSearch(*flags); }};
}

}  // namespace stowage
