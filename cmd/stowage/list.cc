// stowage ls and stowage tags: what the store holds.

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/base/terminal_text.h"
#include "lib/json/json_writer.h"
#include "lib/reference/reference.h"
#include "lib/store/inspect.h"
#include "lib/store/store.h"

namespace stowage {
namespace {

struct ListFlags {
  std::string store;
  std::string repository;
  bool json = false;
};

int RunLs(const ListFlags& flags) {
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("ls", s.status());
  std::vector<std::string> skipped;
  if (absl::Status t = s->Tags(&skipped).status(); !t.ok()) return Fail("ls", t);
  absl::StatusOr<std::vector<store::RepositoryInfo>> repos =
      store::ListRepositories(*s);
  if (!repos.ok()) return Fail("ls", repos.status());
  if (flags.json) {
    JsonWriter w(JsonWriter::Style::kPretty);
    w.StartArray();
    for (const store::RepositoryInfo& r : *repos) {
      w.StartObject().Key("repository").String(r.repository);
      w.Key("tags").Uint(r.tags).Key("size").Uint(r.size).EndObject();
    }
    w.EndArray();
    std::cout << w.Take() << "\n";
  } else {
    std::cout << absl::StrFormat("%-40s %6s %10s\n", "REPOSITORY", "TAGS", "SIZE");
    for (const store::RepositoryInfo& r : *repos) {
      std::cout << absl::StrFormat("%-40s %6d %10s\n", r.repository, r.tags,
                                   HumanSize(r.size));
    }
  }
  if (!skipped.empty()) {
    std::cerr << "ls: " << skipped.size()
              << " index.json entries have no REPOSITORY:TAG name and are not "
                 "shown\n";
  }
  return kExitOk;
}

int RunTags(const ListFlags& flags) {
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("tags", s.status());
  absl::StatusOr<Reference> ref = Reference::Parse(flags.repository, RuleSet::kOci);
  if (!ref.ok()) return Fail("tags", ref.status());
  absl::StatusOr<std::vector<store::TagEntry>> tags = s->Tags();
  if (!tags.ok()) return Fail("tags", tags.status());
  JsonWriter w(JsonWriter::Style::kPretty);
  w.StartArray();
  size_t found = 0;
  if (!flags.json) {
    std::cout << absl::StrFormat("%-30s %-71s %s\n", "TAG", "DIGEST", "MEDIA TYPE");
  }
  for (const store::TagEntry& e : *tags) {
    if (e.name.repository != ref->repository()) continue;
    ++found;
    if (flags.json) {
      w.StartObject().Key("tag").String(e.name.tag);
      w.Key("digest").String(e.descriptor.digest());
      w.Key("mediaType").String(e.descriptor.media_type());
      w.Key("size").Int(e.descriptor.size()).EndObject();
    } else {
      std::cout << absl::StrFormat("%-30s %-71s %s\n", e.name.tag,
                                   e.descriptor.digest(),
                                   SafeForTerminal(e.descriptor.media_type()));
    }
  }
  w.EndArray();
  if (flags.json) std::cout << w.Take() << "\n";
  if (found == 0) {
    return Fail("tags", absl::NotFoundError(absl::StrCat(
                            "no repository ", ref->repository(), " in the store ",
                            s->dir())));
  }
  return kExitOk;
}

}  // namespace

Command AddLsCommand(CLI::App& root) {
  auto flags = std::make_shared<ListFlags>();
  CLI::App* app = root.add_subcommand(
      "ls", "List repositories with their tag counts and sizes");
  app->add_flag("--json", flags->json, "Print JSON");
  AddStoreOption(app, &flags->store);
  app->footer("SIZE counts each blob of a repository once (compressed, as stored).");
  return Command{app, [flags] { return RunLs(*flags); }};
}

Command AddTagsCommand(CLI::App& root) {
  auto flags = std::make_shared<ListFlags>();
  CLI::App* app = root.add_subcommand("tags", "List the tags of a repository");
  app->add_option("REPOSITORY", flags->repository, "e.g. library/python or python")
      ->required();
  app->add_flag("--json", flags->json, "Print JSON");
  AddStoreOption(app, &flags->store);
  return Command{app, [flags] { return RunTags(*flags); }};
}

}  // namespace stowage
