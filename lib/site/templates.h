// The catalog's templates and assets: the ones embedded from
// site-templates/, or a folder's files in their place (`--templates DIR`,
// so that a site can brand its catalog).

#ifndef STOWAGE_LIB_SITE_TEMPLATES_H_
#define STOWAGE_LIB_SITE_TEMPLATES_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace stowage::site {

class Templates {
 public:
  // The embedded set. With `override_dir` non-empty, each file of that
  // folder whose name is one of the embedded ones replaces it; a file with
  // any other name is InvalidArgument (a misspelt template must not be
  // ignored silently), and so is a template that does not parse (the
  // message names the file and mustache's error).
  static absl::StatusOr<Templates> Load(const std::string& override_dir = "");

  // The file's bytes; "" for an unknown name.
  const std::string& Get(const std::string& name) const;
  const std::map<std::string, std::string>& files() const { return files_; }

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace stowage::site

#endif  // STOWAGE_LIB_SITE_TEMPLATES_H_
