#include "lib/oci/manifest.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/oci/media_types.h"

namespace stowage::oci {
namespace {

absl::Status DescriptorList(const JsonValue& doc, absl::string_view key,
                            std::vector<Descriptor>* out) {
  const JsonValue* list = doc.Find(key);
  if (list == nullptr) return absl::OkStatus();
  if (!list->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must be an array"));
  }
  for (size_t i = 0; i < list->items().size(); ++i) {
    absl::StatusOr<Descriptor> d = Descriptor::FromJson(list->items()[i]);
    if (!d.ok()) {
      return absl::Status(d.status().code(), absl::StrCat(key, "[", i, "]: ",
                                                          d.status().message()));
    }
    out->push_back(std::move(*d));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Descriptor>> OptionalDescriptor(
    const JsonValue& doc, absl::string_view key) {
  const JsonValue* v = doc.Find(key);
  if (v == nullptr) return std::optional<Descriptor>();
  absl::StatusOr<Descriptor> d = Descriptor::FromJson(*v);
  if (!d.ok()) {
    return absl::Status(d.status().code(),
                        absl::StrCat(key, ": ", d.status().message()));
  }
  return std::optional<Descriptor>(std::move(*d));
}

}  // namespace

absl::StatusOr<Manifest> Manifest::Parse(
    absl::string_view bytes, absl::string_view descriptor_media_type) {
  if (descriptor_media_type == kDockerSchema1 ||
      descriptor_media_type == kDockerSchema1Signed) {
    return absl::UnimplementedError(
        "Docker schema 1 manifests are not supported (convert with "
        "'skopeo copy --format v2s2')");
  }
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(bytes);
  if (!doc.ok()) return doc.status();
  if (!doc->is_object()) {
    return absl::InvalidArgumentError("a manifest must be a JSON object");
  }
  if (const JsonValue* v = doc->Find("schemaVersion")) {
    absl::StatusOr<int64_t> version = v->AsInt64();
    if (version.ok() && *version == 1) {
      return absl::UnimplementedError(
          "Docker schema 1 manifests are not supported (convert with "
          "'skopeo copy --format v2s2')");
    }
    if (!version.ok() || *version != 2) {
      return absl::InvalidArgumentError("\"schemaVersion\" must be 2");
    }
  }
  Manifest m;
  std::string own_type;
  if (const JsonValue* v = doc->Find("mediaType")) {
    if (!v->is_string()) {
      return absl::InvalidArgumentError("\"mediaType\" must be a string");
    }
    own_type = v->string_value();
  }
  if (!own_type.empty() && !descriptor_media_type.empty() &&
      own_type != descriptor_media_type) {
    return absl::InvalidArgumentError(
        absl::StrCat("the manifest says its mediaType is ", own_type,
                     " but its descriptor says ", descriptor_media_type));
  }
  m.media_type = own_type.empty() ? std::string(descriptor_media_type) : own_type;
  bool index = IsIndexMediaType(m.media_type) ||
               (m.media_type.empty() && doc->Find("manifests") != nullptr);
  if (m.media_type.empty()) m.media_type = index ? kOciIndex : kOciManifest;
  if (!IsManifestMediaType(m.media_type)) {
    return absl::InvalidArgumentError(
        absl::StrCat("media type ", m.media_type,
                     " is not an image manifest or index"));
  }
  m.kind = index ? Kind::kIndex : Kind::kImage;
  if (index) {
    if (doc->Find("manifests") == nullptr) {
      return absl::InvalidArgumentError("an index needs \"manifests\"");
    }
    absl::Status s = DescriptorList(*doc, "manifests", &m.manifests);
    if (!s.ok()) return s;
  } else {
    if (doc->Find("config") == nullptr) {
      return absl::InvalidArgumentError("an image manifest needs \"config\"");
    }
    absl::StatusOr<std::optional<Descriptor>> config =
        OptionalDescriptor(*doc, "config");
    if (!config.ok()) return config.status();
    m.config = std::move(*config);
    absl::Status s = DescriptorList(*doc, "layers", &m.layers);
    if (!s.ok()) return s;
  }
  absl::StatusOr<std::optional<Descriptor>> subject =
      OptionalDescriptor(*doc, "subject");
  if (!subject.ok()) return subject.status();
  m.subject = std::move(*subject);
  if (const JsonValue* v = doc->Find("artifactType")) {
    m.artifact_type = v->string_value();
  }
  if (const JsonValue* v = doc->Find("annotations")) m.annotations = *v;
  return m;
}

}  // namespace stowage::oci
