// A docker archive's manifest.json (lib/archive/docker_archive.h), as
// PlanDockerArchive reads it, over archive members held in memory.
//
// The input is up to four parts separated by NUL bytes (JSON holds none):
//
//   manifest.json \0 config \0 repositories \0 ref
//
// Every config the manifest names reads as the second part (absent: no such
// file), `repositories` as the third, and the fourth is the ref argument
// ("" every image, "@N", or NAME[:TAG]). Every member has the size of its
// name and is not compressed, so no layer bytes are read. Whatever is
// planned has a config whose digest is its bytes' and one layer per
// diff_id, and its names are valid store names.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "lib/archive/docker_archive.h"
#include "lib/crypto/sha256.h"
#include "lib/reference/reference.h"

namespace {

class Members : public stowage::archive::DockerArchiveMembers {
 public:
  explicit Members(std::vector<std::string> parts) : parts_(std::move(parts)) {}

  absl::StatusOr<std::string> Read(const std::string& name) override {
    size_t part = name == "manifest.json" ? 0 : name == "repositories" ? 2 : 1;
    if (part >= parts_.size()) return absl::NotFoundError(name);
    return parts_[part];
  }
  absl::StatusOr<Facts> Stat(const std::string& name) override {
    Facts facts;
    facts.size = name.size();
    return facts;
  }
  absl::StatusOr<Digested> Decompress(const std::string& name) override {
    return absl::DataLossError(name + ": not compressed");
  }

 private:
  std::vector<std::string> parts_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('\0', 3));
  const std::string ref = parts.size() > 3 ? parts[3] : "";
  if (parts.size() > 3) parts.resize(3);
  Members members(parts);
  absl::StatusOr<std::vector<stowage::archive::DockerImage>> images =
      stowage::archive::PlanDockerArchive("fuzz.tar", members, ref);
  if (!images.ok()) return 0;
  for (const stowage::archive::DockerImage& image : *images) {
    FUZZ_CHECK(parts.size() > 1 && image.config == parts[1]);
    FUZZ_CHECK(image.config_digest == stowage::Sha256::DigestOf(image.config));
    FUZZ_CHECK(image.manifest_digest == stowage::Sha256::DigestOf(image.manifest));
    for (const stowage::archive::DockerLayer& layer : image.layers) {
      FUZZ_CHECK(stowage::ValidateDigest(layer.diff_id).ok());
      FUZZ_CHECK(layer.size == static_cast<int64_t>(layer.entry.size()));
    }
    for (const std::string& name : image.names) FUZZ_CHECK(!name.empty());
  }
  return 0;
}
