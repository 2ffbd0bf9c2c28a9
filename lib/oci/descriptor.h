// Descriptors: the (mediaType, digest, size) triple that points at a blob,
// with its optional platform and annotations.
//
// A Descriptor keeps the JSON object it was read from, so fields stowage does
// not know (urls, data, artifactType, future additions) survive a rewrite of
// index.json unchanged.

#ifndef STOWAGE_LIB_OCI_DESCRIPTOR_H_
#define STOWAGE_LIB_OCI_DESCRIPTOR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/json/json_value.h"

namespace stowage::oci {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string os_version;

  // "os/architecture[/variant]".
  std::string String() const;
  // Parses "os/architecture[/variant]"; InvalidArgument otherwise.
  static absl::StatusOr<Platform> Parse(absl::string_view text);
  // True when os and architecture are equal and, if `want` names a variant,
  // the variants are too.
  bool Matches(const Platform& want) const;
};

class Descriptor {
 public:
  // Validates mediaType (a non-empty string), digest (sha256:<64 hex>; other
  // algorithms are Unimplemented) and size (an integer >= 0). Errors are
  // InvalidArgument naming the field.
  static absl::StatusOr<Descriptor> FromJson(JsonValue json);
  // A new descriptor with just the three required fields.
  static Descriptor Make(std::string media_type, std::string digest,
                         int64_t size);

  const std::string& media_type() const { return media_type_; }
  const std::string& digest() const { return digest_; }
  int64_t size() const { return size_; }
  const std::optional<Platform>& platform() const { return platform_; }
  const std::string& artifact_type() const { return artifact_type_; }

  // The annotation's value, or "" when absent.
  std::string Annotation(absl::string_view key) const;
  void SetAnnotation(absl::string_view key, absl::string_view value);
  void RemoveAnnotation(absl::string_view key);

  // The descriptor as JSON: what was read, with annotation changes applied.
  const JsonValue& json() const { return json_; }

 private:
  Descriptor() = default;
  std::string media_type_;
  std::string digest_;
  int64_t size_ = 0;
  std::optional<Platform> platform_;
  std::string artifact_type_;
  JsonValue json_;
};

// The hex part of a "sha256:<hex>" digest.
absl::string_view DigestHex(absl::string_view digest);

}  // namespace stowage::oci

#endif  // STOWAGE_LIB_OCI_DESCRIPTOR_H_
