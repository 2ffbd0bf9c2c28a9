#include "lib/site/templates.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kainjow/mustache.hpp"
#include "lib/fs/file.h"
#include "lib/site/embedded.h"

namespace stowage::site {

absl::StatusOr<Templates> Templates::Load(const std::string& override_dir) {
  Templates t;
  for (size_t i = 0; i < kSiteTemplatesCount; ++i) {
    t.files_[kSiteTemplates[i].name] =
        std::string(kSiteTemplates[i].data, kSiteTemplates[i].size);
  }
  if (!override_dir.empty()) {
    absl::StatusOr<std::vector<std::string>> names = ListDir(override_dir);
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      if (t.files_.count(name) == 0) {
        std::vector<std::string> known;
        for (const auto& [k, v] : t.files_) known.push_back(k);
        return absl::InvalidArgumentError(absl::StrCat(
            JoinPath(override_dir, name), ": not a catalog template or asset (",
            absl::StrJoin(known, ", "), ")"));
      }
      absl::StatusOr<std::string> text = ReadFile(JoinPath(override_dir, name));
      if (!text.ok()) return text.status();
      t.files_[name] = std::move(*text);
    }
  }
  for (const auto& [name, text] : t.files_) {
    if (!absl::EndsWith(name, ".mustache")) continue;
    kainjow::mustache::mustache m(text);
    if (!m.is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          override_dir.empty() ? "embedded template " : "", name, ": ", m.error_message()));
    }
  }
  return t;
}

const std::string& Templates::Get(const std::string& name) const {
  static const std::string* empty = new std::string;
  auto it = files_.find(name);
  return it == files_.end() ? *empty : it->second;
}

}  // namespace stowage::site
