#include "lib/archive/entry_name.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace stowage::archive {

absl::StatusOr<std::string> CleanEntryName(absl::string_view archive,
                                           const char* raw) {
  std::string name = raw != nullptr ? raw : "";
  auto bad = [&](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat(archive, ": entry \"", name, "\" ", why));
  };
  if (name.empty()) return bad("has no name");
  if (name[0] == '/') return bad("has an absolute name");
  std::vector<absl::string_view> parts;
  for (absl::string_view p : absl::StrSplit(name, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") return bad("climbs out of the archive with '..'");
    parts.push_back(p);
  }
  if (parts.empty()) return std::string(".");
  return absl::StrJoin(parts, "/");
}

}  // namespace stowage::archive
