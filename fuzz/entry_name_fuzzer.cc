// Tar entry names (lib/archive/entry_name.h): whatever CleanEntryName
// accepts is relative, has no "." or ".." or empty component, and is its
// own clean form.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "lib/archive/entry_name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // libarchive hands over NUL-terminated names: the name is the bytes up to
  // the first NUL.
  const std::string raw(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::string> clean = stowage::archive::CleanEntryName("fuzz.tar", raw.c_str());
  if (!clean.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(clean.status()));
    return 0;
  }
  FUZZ_CHECK(!clean->empty());
  FUZZ_CHECK((*clean)[0] != '/');
  if (*clean != ".") {
    for (absl::string_view part : absl::StrSplit(*clean, '/')) {
      FUZZ_CHECK(!part.empty() && part != "." && part != "..");
    }
  }
  absl::StatusOr<std::string> again =
      stowage::archive::CleanEntryName("fuzz.tar", clean->c_str());
  FUZZ_CHECK(again.ok() && *again == *clean);
  return 0;
}
