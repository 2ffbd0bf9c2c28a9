// Collisions in a site plan, found before anything is written.
//
// A repository's files live in folders named after it (v2/NAME/..., the
// catalog's r/NAME/index.html), so one repository's name can be a path
// inside another's: "team/app/index.html" would need r/team/app/index.html,
// team/app's catalog page, to be a folder; "team/app/manifests/v1" would put
// a repository where team/app's tag v1 is served. Such a pair cannot both be
// published (nor can a server route its requests unambiguously).

#ifndef STOWAGE_LIB_PUBLISH_COLLISIONS_H_
#define STOWAGE_LIB_PUBLISH_COLLISIONS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace stowage::publish {

// Checks that no published repository (the keys of `tags`, which maps each
// to its tags) is where another one keeps a file: NAME/tags/list,
// NAME/manifests/TAG for a tag of NAME, NAME/index.html. (NAME/tags or
// NAME/manifests alone are fine: folders may be shared.) FailedPrecondition
// names both repositories and the path.
absl::Status CheckRepositoryCollisions(
    const std::map<std::string, std::set<std::string>>& tags);

// Checks that no path of `paths` (files relative to one root, any order)
// is a folder of another: "a/b" and "a/b/c" cannot both be files.
// FailedPrecondition names both paths.
absl::Status CheckPathCollisions(std::vector<absl::string_view> paths);

}  // namespace stowage::publish

#endif  // STOWAGE_LIB_PUBLISH_COLLISIONS_H_
