// Owners of libarchive's handles, and its errors as a Status: shared by the
// files of lib/archive, the one folder that includes libarchive.

#ifndef STOWAGE_LIB_ARCHIVE_INTERNAL_HANDLES_H_
#define STOWAGE_LIB_ARCHIVE_INTERNAL_HANDLES_H_

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace stowage::archive::internal {

struct ReadDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

using ReadArchive = std::unique_ptr<struct archive, ReadDeleter>;
using WriteArchive = std::unique_ptr<struct archive, WriteDeleter>;
using Entry = std::unique_ptr<struct archive_entry, EntryDeleter>;

// DataLoss "<file>: <libarchive's message>".
inline absl::Status ArchiveError(const std::string& file, struct archive* a) {
  const char* msg = archive_error_string(a);
  return absl::DataLossError(
      absl::StrCat(file, ": ", msg != nullptr ? msg : "unreadable archive"));
}

}  // namespace stowage::archive::internal

#endif  // STOWAGE_LIB_ARCHIVE_INTERNAL_HANDLES_H_
