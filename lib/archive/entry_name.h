// The one check of tar entry names that every archive reader in stowage
// applies: nothing may name a place outside the folder it is unpacked into.

#ifndef STOWAGE_LIB_ARCHIVE_ENTRY_NAME_H_
#define STOWAGE_LIB_ARCHIVE_ENTRY_NAME_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace stowage::archive {

// The entry name `raw` made relative and clean ("./a//b" is "a/b"; the
// archive's top is "."). DataLoss "<archive>: entry \"<raw>\" <why>" for an
// empty name, an absolute name, or a ".." component.
absl::StatusOr<std::string> CleanEntryName(absl::string_view archive,
                                           const char* raw);

}  // namespace stowage::archive

#endif  // STOWAGE_LIB_ARCHIVE_ENTRY_NAME_H_
