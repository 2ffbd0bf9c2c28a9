#include "lib/oci/descriptor.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/reference/reference.h"

namespace stowage::oci {

std::string Platform::String() const {
  std::string out = absl::StrCat(os, "/", architecture);
  if (!variant.empty()) absl::StrAppend(&out, "/", variant);
  return out;
}

absl::StatusOr<Platform> Platform::Parse(absl::string_view text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() ||
      parts[1].empty() || (parts.size() == 3 && parts[2].empty())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "platform \"", text, "\" is not OS/ARCH[/VARIANT], e.g. linux/arm64"));
  }
  Platform p;
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

bool Platform::Matches(const Platform& want) const {
  return os == want.os && architecture == want.architecture &&
         (want.variant.empty() || variant == want.variant);
}

absl::StatusOr<Descriptor> Descriptor::FromJson(JsonValue json) {
  if (!json.is_object()) {
    return absl::InvalidArgumentError("a descriptor must be a JSON object");
  }
  Descriptor d;
  absl::StatusOr<std::string> media_type = json.GetString("mediaType");
  if (!media_type.ok()) return media_type.status();
  if (media_type->empty()) {
    return absl::InvalidArgumentError("\"mediaType\" is empty");
  }
  absl::StatusOr<std::string> digest = json.GetString("digest");
  if (!digest.ok()) return digest.status();
  if (!absl::StartsWith(*digest, "sha256:") &&
      digest->find(':') != std::string::npos &&
      ValidateDigest(*digest).ok()) {
    return absl::UnimplementedError(absl::StrCat(
        "digest ", *digest, ": only sha256 blobs are supported"));
  }
  absl::Status valid = ValidateDigest(*digest);
  if (!valid.ok() || !absl::StartsWith(*digest, "sha256:")) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"digest\" is not a valid sha256 digest: ",
                     valid.ok() ? *digest : std::string(valid.message())));
  }
  absl::StatusOr<int64_t> size = json.GetInt64("size");
  if (!size.ok()) return size.status();
  if (*size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"size\" is negative: ", *size));
  }
  d.media_type_ = std::move(*media_type);
  d.digest_ = std::move(*digest);
  d.size_ = *size;
  if (const JsonValue* p = json.Find("platform"); p != nullptr && p->is_object()) {
    Platform platform;
    if (const JsonValue* v = p->Find("os")) platform.os = v->string_value();
    if (const JsonValue* v = p->Find("architecture")) {
      platform.architecture = v->string_value();
    }
    if (const JsonValue* v = p->Find("variant")) platform.variant = v->string_value();
    if (const JsonValue* v = p->Find("os.version")) {
      platform.os_version = v->string_value();
    }
    d.platform_ = std::move(platform);
  }
  if (const JsonValue* a = json.Find("artifactType"); a != nullptr) {
    d.artifact_type_ = a->string_value();
  }
  d.json_ = std::move(json);
  return d;
}

Descriptor Descriptor::Make(std::string media_type, std::string digest,
                            int64_t size) {
  Descriptor d;
  d.json_ = JsonValue::Object();
  d.json_.Set("mediaType", JsonValue::String(media_type));
  d.json_.Set("digest", JsonValue::String(digest));
  d.json_.Set("size", JsonValue::Int(size));
  d.media_type_ = std::move(media_type);
  d.digest_ = std::move(digest);
  d.size_ = size;
  return d;
}

std::string Descriptor::Annotation(absl::string_view key) const {
  const JsonValue* annotations = json_.Find("annotations");
  if (annotations == nullptr) return "";
  const JsonValue* v = annotations->Find(key);
  return v == nullptr ? "" : v->string_value();
}

void Descriptor::SetAnnotation(absl::string_view key, absl::string_view value) {
  JsonValue* annotations = json_.FindMutable("annotations");
  if (annotations == nullptr || !annotations->is_object()) {
    json_.Set("annotations", JsonValue::Object());
    annotations = json_.FindMutable("annotations");
  }
  annotations->Set(key, JsonValue::String(std::string(value)));
}

void Descriptor::RemoveAnnotation(absl::string_view key) {
  JsonValue* annotations = json_.FindMutable("annotations");
  if (annotations == nullptr) return;
  annotations->Erase(key);
  if (annotations->members().empty()) json_.Erase("annotations");
}

absl::string_view DigestHex(absl::string_view digest) {
  size_t colon = digest.find(':');
  return colon == absl::string_view::npos ? digest : digest.substr(colon + 1);
}

}  // namespace stowage::oci
