// stowage tag, untag and rm: name and unname images in the store. No blob
// is copied or deleted (gc deletes what no tag reaches).

#include <iostream>
#include <memory>
#include <string>

#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/reference/reference.h"
#include "lib/store/inspect.h"
#include "lib/store/store.h"

namespace stowage {
namespace {

struct TagFlags {
  std::string store;
  std::string source;
  std::string target;
};

int RunTag(const TagFlags& flags) {
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("tag", s.status());
  absl::StatusOr<oci::Descriptor> image = store::ResolveImage(*s, flags.source);
  if (!image.ok()) return Fail("tag", image.status());
  absl::StatusOr<store::TagName> name = store::ParseTagName(flags.target);
  if (!name.ok()) return Fail("tag", name.status());
  absl::Status set = s->SetTags({store::TagEntry{*name, *image}});
  if (!set.ok()) return Fail("tag", set);
  std::cout << name->String() << " " << image->digest() << "\n";
  return kExitOk;
}

int RunRemove(const char* command, const std::string& store_dir,
              const std::string& text, bool whole_repository) {
  absl::StatusOr<store::Store> s = store::Store::Open(store_dir);
  if (!s.ok()) return Fail(command, s.status());
  absl::StatusOr<Reference> ref = Reference::Parse(text, RuleSet::kOci);
  if (!ref.ok()) return Fail(command, ref.status());
  if (!ref->host().empty() || !ref->digest().empty() ||
      (whole_repository && !ref->tag_defaulted())) {
    return Fail(command, absl::InvalidArgumentError(absl::StrCat(
                             text, whole_repository
                                       ? ": name a repository alone"
                                       : ": name a tag as REPOSITORY:TAG")));
  }
  absl::StatusOr<size_t> removed =
      s->RemoveTags(ref->repository(), whole_repository ? "" : ref->tag());
  if (!removed.ok()) return Fail(command, removed.status());
  std::cerr << "removed " << *removed << " tag" << (*removed == 1 ? "" : "s")
            << "; 'stowage gc' frees the space of what no tag reaches\n";
  return kExitOk;
}

}  // namespace

Command AddTagCommand(CLI::App& root) {
  auto flags = std::make_shared<TagFlags>();
  CLI::App* app = root.add_subcommand(
      "tag", "Give a stored image another name (no blob is copied)");
  app->add_option("SOURCE", flags->source, "REPOSITORY[:TAG] or REPOSITORY@DIGEST")
      ->required();
  app->add_option("TARGET", flags->target, "REPOSITORY[:TAG]; an existing tag moves")
      ->required();
  AddStoreOption(app, &flags->store);
  app->footer("Example: stowage tag team/app:v1.2.0 team/app:stable");
  return Command{app, [flags] { return RunTag(*flags); }};
}

Command AddUntagCommand(CLI::App& root) {
  auto flags = std::make_shared<TagFlags>();
  CLI::App* app = root.add_subcommand("untag", "Remove one tag from the store");
  app->add_option("TAG", flags->source, "REPOSITORY:TAG")->required();
  AddStoreOption(app, &flags->store);
  return Command{app, [flags] {
                   return RunRemove("untag", flags->store, flags->source, false);
                 }};
}

Command AddRmCommand(CLI::App& root) {
  auto flags = std::make_shared<TagFlags>();
  CLI::App* app =
      root.add_subcommand("rm", "Remove a repository (all its tags) from the store");
  app->add_option("REPOSITORY", flags->source, "REPOSITORY")->required();
  AddStoreOption(app, &flags->store);
  return Command{app, [flags] {
                   return RunRemove("rm", flags->store, flags->source, true);
                 }};
}

}  // namespace stowage
