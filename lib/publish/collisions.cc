#include "lib/publish/collisions.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace stowage::publish {
namespace {

// The file of `owner` (whose tags are `tags`) that a repository at
// `rest` (its path below owner) would have to be a folder of, or "".
std::string FileInTheWay(absl::string_view rest, const std::set<std::string>& tags) {
  for (absl::string_view file : {"tags/list", "index.html"}) {
    if (rest == file || absl::StartsWith(rest, absl::StrCat(file, "/"))) {
      return std::string(file);
    }
  }
  absl::string_view tag = rest;
  if (absl::ConsumePrefix(&tag, "manifests/")) {
    tag = tag.substr(0, tag.find('/'));
    if (tags.count(std::string(tag)) > 0) return absl::StrCat("manifests/", tag);
  }
  return "";
}

std::string Describe(absl::string_view owner, absl::string_view file) {
  if (file == "index.html") return absl::StrCat("its catalog page r/", owner, "/index.html");
  if (file == "tags/list") return absl::StrCat("its tag list v2/", owner, "/tags/list");
  return absl::StrCat("its tag v2/", owner, "/", file);
}

}  // namespace

absl::Status CheckRepositoryCollisions(
    const std::map<std::string, std::set<std::string>>& tags) {
  for (const auto& [repo, unused] : tags) {
    // Each proper prefix of the name, at a '/', that is itself published.
    for (size_t slash = repo.find('/'); slash != std::string::npos;
         slash = repo.find('/', slash + 1)) {
      auto owner = tags.find(repo.substr(0, slash));
      if (owner == tags.end()) continue;
      std::string file = FileInTheWay(absl::string_view(repo).substr(slash + 1), owner->second);
      if (file.empty()) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          "repository \"", repo, "\" collides with repository \"", owner->first,
          "\": it would need ", Describe(owner->first, file),
          " to be a folder; rename one of them, or leave one out with --repo"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPathCollisions(std::vector<absl::string_view> paths) {
  std::set<absl::string_view> files(paths.begin(), paths.end());
  for (absl::string_view p : paths) {
    for (size_t slash = p.find('/'); slash != absl::string_view::npos;
         slash = p.find('/', slash + 1)) {
      absl::string_view dir = p.substr(0, slash);
      if (files.count(dir) == 0) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          "the plan has both \"", dir, "\" as a file and \"", p,
          "\" inside it; one of the repositories they belong to must be renamed"));
    }
  }
  return absl::OkStatus();
}

}  // namespace stowage::publish
