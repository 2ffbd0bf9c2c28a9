// stowage repo set, show and apply: the Docker Hub-like metadata of
// repositories and namespaces (short description, README, badges, stars,
// namespace titles), kept in the store beside the OCI layout.

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/base/terminal_text.h"
#include "lib/catalog/catalog_store.h"
#include "lib/catalog/metadata.h"
#include "lib/fs/file.h"
#include "lib/json/json_value.h"
#include "lib/store/store.h"

namespace stowage {
namespace {

constexpr char kSet[] = "repo set";
constexpr char kShow[] = "repo show";
constexpr char kApply[] = "repo apply";

// "<what>: <message>" with the code of `s`.
absl::Status Prefixed(absl::string_view what, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
}

// How many tags of `repository` the store holds.
absl::StatusOr<size_t> CountTags(const store::Store& s,
                                 const std::string& repository) {
  absl::StatusOr<store::TagScan> scan = s.ScanTags();
  if (!scan.ok()) return scan.status();
  size_t n = 0;
  for (const store::TagSummary& t : scan->tags) {
    if (t.name.repository == repository) ++n;
  }
  return n;
}

// Standard input, up to one byte more than a README may hold (so that
// ValidateReadme names a size over the limit).
std::string ReadStdin(size_t max) {
  std::string out;
  char buf[1 << 16];
  while (out.size() <= max && std::cin.read(buf, sizeof buf).gcount() > 0) {
    out.append(buf, static_cast<size_t>(std::cin.gcount()));
  }
  return out;
}

// ---------------------------------------------------------------- set

struct SetFlags {
  std::string store;
  std::string repository;
  std::string short_text, readme, stars, namespace_title, namespace_description;
  bool official = false, no_official = false, automated = false,
       no_automated = false;
  // Which of the text options were given (an empty value is a value).
  CLI::Option* short_option = nullptr;
  CLI::Option* readme_option = nullptr;
  CLI::Option* stars_option = nullptr;
  CLI::Option* title_option = nullptr;
  CLI::Option* description_option = nullptr;
};

// The new value of a text field: "" given clears it.
std::optional<std::string> TextValue(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

int RunSet(const SetFlags& f) {
  bool repo_fields = *f.short_option || *f.readme_option || *f.stars_option ||
                     f.official || f.no_official || f.automated || f.no_automated;
  bool namespace_fields = *f.title_option || *f.description_option;
  if (!repo_fields && !namespace_fields) {
    std::cerr << "stowage repo set: nothing to change: give at least one of "
                 "--short, --readme, --official, --automated, --stars, "
                 "--namespace-title, --namespace-description (see 'stowage "
                 "repo set --help')\n";
    return kExitUsage;
  }
  absl::StatusOr<store::Store> s = store::Store::Open(f.store);
  if (!s.ok()) return Fail(kSet, s.status());
  absl::StatusOr<std::string> name = catalog::ParseRepositoryName(f.repository);
  if (!name.ok()) return Fail(kSet, name.status());
  const std::string ns = catalog::NamespaceOf(*name);

  // Every value is checked before anything is written.
  std::vector<std::string> changed;
  if (*f.short_option) {
    if (absl::Status v = catalog::ValidateShort(f.short_text); !v.ok()) {
      return Fail(kSet, Prefixed("--short", v));
    }
    changed.push_back("short");
  }
  std::optional<std::string> readme;
  if (*f.readme_option && f.readme == "-") {
    readme = ReadStdin(catalog::kMaxReadmeBytes);
    if (absl::Status v = catalog::ValidateReadme(*readme); !v.ok()) {
      return Fail(kSet, Prefixed("--readme -", v));
    }
  } else if (*f.readme_option && !f.readme.empty()) {
    absl::StatusOr<std::string> text = catalog::ReadReadmeFile(f.readme);
    if (!text.ok()) return Fail(kSet, Prefixed("--readme", text.status()));
    readme = std::move(*text);
  }
  if (*f.readme_option) changed.push_back("readme");
  if (f.official || f.no_official) {
    if (absl::Status v = catalog::ValidateOfficial(*name, f.official); !v.ok()) {
      return Fail(kSet, Prefixed("--official", v));
    }
    changed.push_back("official");
  }
  if (f.automated || f.no_automated) changed.push_back("automated");
  int64_t stars = 0;
  if (*f.stars_option) {
    if (!absl::SimpleAtoi(f.stars, &stars)) {
      return Fail(kSet, absl::InvalidArgumentError(absl::StrCat(
                            "--stars: \"", f.stars,
                            "\" is not an integer; stars are an integer from 0 "
                            "to 2147483647")));
    }
    if (absl::Status v = catalog::ValidateStars(stars); !v.ok()) {
      return Fail(kSet, Prefixed("--stars", v));
    }
    changed.push_back("stars");
  }
  std::vector<std::string> ns_changed;
  if (*f.title_option) {
    if (absl::Status v = catalog::ValidateTitle(f.namespace_title); !v.ok()) {
      return Fail(kSet, Prefixed("--namespace-title", v));
    }
    ns_changed.push_back("title");
  }
  if (*f.description_option) {
    if (absl::Status v = catalog::ValidateDescription(f.namespace_description);
        !v.ok()) {
      return Fail(kSet, Prefixed("--namespace-description", v));
    }
    ns_changed.push_back("description");
  }
  absl::StatusOr<size_t> tags = CountTags(*s, *name);
  if (!tags.ok()) return Fail(kSet, tags.status());

  absl::Status updated = catalog::UpdateCatalog(s->dir(), [&](catalog::Catalog& c) {
    if (repo_fields) {
      catalog::RepositoryMeta& m = c.repositories[*name];
      if (*f.short_option) m.short_description = TextValue(f.short_text);
      if (*f.readme_option) m.readme = readme;
      if (f.official || f.no_official) m.official = f.official;
      if (f.automated || f.no_automated) m.automated = f.automated;
      if (*f.stars_option) m.stars = stars;
    }
    if (namespace_fields) {
      catalog::NamespaceMeta& m = c.namespaces[ns];
      if (*f.title_option) m.title = TextValue(f.namespace_title);
      if (*f.description_option) {
        m.description = TextValue(f.namespace_description);
      }
    }
    return absl::OkStatus();
  });
  if (!updated.ok()) return Fail(kSet, updated);
  if (*tags == 0) {
    std::cerr << "stowage repo set: warning: no tags of " << *name
              << " in the store yet\n";
  }
  if (!changed.empty()) {
    std::cout << "updated " << *name << " (" << absl::StrJoin(changed, ", ")
              << ")\n";
  }
  if (!ns_changed.empty()) {
    std::cout << "updated namespace " << ns << " ("
              << absl::StrJoin(ns_changed, ", ") << ")\n";
  }
  return kExitOk;
}

// ---------------------------------------------------------------- show

struct ShowFlags {
  std::string store;
  std::string repository;
  bool json = false;
};

int RunShow(const ShowFlags& f) {
  absl::StatusOr<store::Store> s = store::Store::Open(f.store);
  if (!s.ok()) return Fail(kShow, s.status());
  absl::StatusOr<std::string> name = catalog::ParseRepositoryName(f.repository);
  if (!name.ok()) return Fail(kShow, name.status());
  absl::StatusOr<catalog::Catalog> c = catalog::ReadCatalog(s->dir());
  if (!c.ok()) return Fail(kShow, c.status());
  absl::StatusOr<size_t> tags = CountTags(*s, *name);
  if (!tags.ok()) return Fail(kShow, tags.status());
  auto it = c->repositories.find(*name);
  if (it == c->repositories.end() && *tags == 0) {
    return Fail(kShow, absl::NotFoundError(absl::StrCat(
                           *name, ": no metadata and no tags in the store ",
                           s->dir(), "; 'stowage repo set ", *name,
                           " --short TEXT' adds metadata")));
  }
  catalog::RepositoryMeta meta;
  if (it != c->repositories.end()) meta = it->second;

  if (f.json) {
    JsonValue out = JsonValue::Object();
    out.Set("name", JsonValue::String(*name));
    const JsonValue fields = catalog::RepositoryJson(meta);
    for (const JsonValue::Member& m : fields.members()) {
      out.Set(m.first, m.second);
    }
    std::cout << out.Serialize(JsonWriter::Style::kPretty) << "\n";
    return kExitOk;
  }
  std::cout << "Name:        " << *name << "\n";
  if (meta.short_description) {
    std::cout << "Short:       " << SafeForTerminal(*meta.short_description) << "\n";
  }
  std::vector<std::string> badges;
  if (meta.official.value_or(false)) badges.push_back("OFFICIAL");
  if (meta.automated.value_or(false)) badges.push_back("AUTOMATED");
  if (!badges.empty()) {
    std::cout << "Badges:      " << absl::StrJoin(badges, " ") << "\n";
  }
  if (meta.stars) std::cout << "Stars:       " << *meta.stars << "\n";
  std::string ns = catalog::NamespaceOf(*name);
  auto n = c->namespaces.find(ns);
  std::cout << "Namespace:   " << ns;
  if (n != c->namespaces.end() && n->second.title) {
    std::cout << " (" << SafeForTerminal(*n->second.title) << ")";
  }
  std::cout << "\n";
  std::cout << "Tags:        " << *tags << "\n";
  if (meta.readme) {
    std::cout << "\n" << SafeForTerminal(*meta.readme, /*multi_line=*/true);
    if (!meta.readme->empty() && meta.readme->back() != '\n') std::cout << "\n";
  }
  return kExitOk;
}

// ---------------------------------------------------------------- apply

struct ApplyFlags {
  std::string store;
  std::string file;
  bool dry_run = false;
};

int RunApply(const ApplyFlags& f) {
  absl::StatusOr<store::Store> s = store::Store::Open(f.store);
  if (!s.ok()) return Fail(kApply, s.status());
  std::string text;
  std::string base_dir;
  if (f.file == "-") {
    text = ReadStdin(64 << 20);
    base_dir = ".";
  } else {
    absl::StatusOr<std::string> read = ReadFile(f.file, catalog::kMaxCatalogBytes);
    if (!read.ok()) return Fail(kApply, read.status());
    text = std::move(*read);
    base_dir = Dirname(f.file);
  }
  absl::StatusOr<catalog::Catalog> next =
      catalog::ParseCatalog(text, f.file == "-" ? "stdin" : f.file, base_dir);
  if (!next.ok()) return Fail(kApply, next.status());
  absl::StatusOr<catalog::CatalogDiff> d =
      catalog::ReplaceCatalog(s->dir(), *next, f.dry_run);
  if (!d.ok()) return Fail(kApply, d.status());
  std::cout << Count(next->repositories.size(), "repository", "repositories")
            << ", " << Count(next->namespaces.size(), "namespace", "namespaces")
            << ": " << d->added << " added, " << d->changed << " changed, "
            << d->removed << " removed\n";
  if (f.dry_run) std::cerr << "stowage repo apply: dry run: nothing written\n";
  return kExitOk;
}

}  // namespace

Command AddRepoCommand(CLI::App& root) {
  CLI::App* repo = root.add_subcommand(
      "repo", "Describe repositories: short description, README, badges, stars");
  repo->require_subcommand(1);
  repo->footer(
      "The metadata lives in the store (STORE/stowage/catalog.json), beside "
      "the images and never inside them.\n"
      "Run 'stowage repo COMMAND --help' for a command's options.");

  auto set = std::make_shared<SetFlags>();
  CLI::App* set_app = repo->add_subcommand(
      "set", "Change some metadata of a repository (and of its namespace)");
  set_app->add_option("REPOSITORY", set->repository,
                      "e.g. library/python or python; it need not have tags yet")
      ->required();
  set->short_option = set_app->add_option(
      "--short", set->short_text,
      "One line of at most 100 characters (Docker Hub's limit); '' removes it");
  set->readme_option = set_app->add_option(
      "--readme", set->readme,
      "A Markdown file (at most 1 MiB) to show as the README; '-' reads "
      "standard input, '' removes it")
      ->type_name("FILE");
  CLI::Option* official = set_app->add_flag(
      "--official", set->official,
      "Show the OFFICIAL badge (only for repositories in library/)");
  CLI::Option* no_official =
      set_app->add_flag("--no-official", set->no_official, "Remove the OFFICIAL badge");
  official->excludes(no_official);
  CLI::Option* automated = set_app->add_flag(
      "--automated", set->automated, "Show the AUTOMATED badge (built by a pipeline)");
  CLI::Option* no_automated = set_app->add_flag(
      "--no-automated", set->no_automated, "Remove the AUTOMATED badge");
  automated->excludes(no_automated);
  set->stars_option = set_app->add_option(
      "--stars", set->stars, "The star count, an integer from 0 to 2147483647")
      ->type_name("N");
  set->title_option = set_app->add_option(
      "--namespace-title", set->namespace_title,
      "Title of the repository's namespace (its first path component), at "
      "most 100 characters; '' removes it");
  set->description_option = set_app->add_option(
      "--namespace-description", set->namespace_description,
      "Description of the namespace, at most 1000 characters; '' removes it");
  AddStoreOption(set_app, &set->store);
  set_app->footer(
      "Only the options given change; the rest of the metadata stays. "
      "Concurrent runs are safe: each waits for the others' writes.\n\n"
      "Examples:\n"
      "  stowage repo set python --official --short 'Python is an interpreted, "
      "interactive, object-oriented language.' --readme docs/python.md\n"
      "  stowage repo set team/app --automated --stars 12 --namespace-title "
      "'Team Platform'\n"
      "  generate-readme | stowage repo set team/app --readme -");

  auto show = std::make_shared<ShowFlags>();
  CLI::App* show_app = repo->add_subcommand(
      "show", "Print the metadata of a repository, then its README");
  show_app->add_option("REPOSITORY", show->repository, "e.g. library/python or python")
      ->required();
  show_app->add_flag("--json", show->json,
                     "Print the repository's JSON object as stored, plus \"name\"");
  AddStoreOption(show_app, &show->store);
  show_app->footer(
      "Fails (exit 1) when the repository has neither metadata nor tags.\n\n"
      "Examples:\n"
      "  stowage repo show python\n"
      "  stowage repo show team/app --json | jq -r .short");

  auto apply = std::make_shared<ApplyFlags>();
  CLI::App* apply_app = repo->add_subcommand(
      "apply", "Replace all repository and namespace metadata with a JSON file's");
  apply_app->add_option("FILE", apply->file,
                        "The catalog as JSON ('-' reads standard input)")
      ->required();
  apply_app->add_flag("--dry-run", apply->dry_run,
                      "Check FILE and print what would change; write nothing");
  AddStoreOption(apply_app, &apply->store);
  apply_app->footer(
      "Declarative: what FILE does not name is removed. FILE is checked "
      "whole before anything is written; every key is known or an error. "
      "Its form:\n"
      "  {\"namespaces\": {\"library\": {\"title\": \"Official Images\", "
      "\"description\": \"...\"}},\n"
      "   \"repositories\": {\"library/python\": {\"short\": \"...\", "
      "\"readmeFile\": \"docs/python.md\",\n"
      "                      \"official\": true, \"automated\": false, "
      "\"stars\": 120}}}\n"
      "A repository gives its README as \"readme\" (the text) or "
      "\"readmeFile\" (a path relative to FILE's folder).\n"
      "Prints 'N repositories, M namespaces: A added, C changed, R removed' "
      "(A, C and R count repositories and namespaces).\n\n"
      "Examples:\n"
      "  stowage repo apply catalog.json --dry-run\n"
      "  stowage repo apply catalog.json\n"
      "  jq '.repositories[\"team/app\"].stars = 5' catalog.json | stowage "
      "repo apply -");

  return Command{repo, [=] {
                   if (set_app->parsed()) return RunSet(*set);
                   if (show_app->parsed()) return RunShow(*show);
                   if (apply_app->parsed()) return RunApply(*apply);
                   return kExitUsage;
                 }};
}

}  // namespace stowage
