// Files embedded in the binary at build time (the catalog's templates and
// assets from site-templates/, by site-templates/embed.py).

#ifndef STOWAGE_LIB_SITE_EMBEDDED_H_
#define STOWAGE_LIB_SITE_EMBEDDED_H_

#include <cstddef>

namespace stowage::site {

struct EmbeddedFile {
  const char* name;  // the file's base name, e.g. "repository.mustache"
  size_t size;
  const char* data;  // `size` bytes (may contain NULs)
};

// site-templates/, sorted by name.
extern const EmbeddedFile kSiteTemplates[];
extern const size_t kSiteTemplatesCount;

}  // namespace stowage::site

#endif  // STOWAGE_LIB_SITE_EMBEDDED_H_
