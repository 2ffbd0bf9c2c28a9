#include "lib/bundle/format.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/crypto/sha256.h"
#include "lib/json/json_value.h"

namespace stowage::bundle {
namespace {

JsonValue BlobJson(const oci::Descriptor& d) {
  JsonValue v = JsonValue::Object();
  v.Set("mediaType", JsonValue::String(d.media_type()));
  v.Set("digest", JsonValue::String(d.digest()));
  v.Set("size", JsonValue::Int(d.size()));
  return v;
}

JsonValue BlobList(const std::vector<oci::Descriptor>& blobs) {
  JsonValue list = JsonValue::Array();
  for (const oci::Descriptor& d : blobs) list.Append(BlobJson(d));
  return list;
}

// Errors while parsing: DataLoss "<file>: <path>: <what>".
class Parser {
 public:
  explicit Parser(absl::string_view file) : file_(file) {}

  absl::Status Bad(absl::string_view path, absl::string_view what) const {
    return absl::DataLossError(absl::StrCat(file_, ": ", path, ": ", what));
  }

  absl::StatusOr<const JsonValue*> Field(const JsonValue& obj,
                                         absl::string_view path,
                                         absl::string_view key,
                                         JsonValue::Type type,
                                         absl::string_view type_name) const {
    const JsonValue* v = obj.Find(key);
    if (v == nullptr) return Bad(path, absl::StrCat("missing \"", key, "\""));
    if (v->type() != type) {
      return Bad(absl::StrCat(path, ".", key), absl::StrCat("must be ", type_name));
    }
    return v;
  }

  absl::Status Header(const JsonValue& doc, absl::string_view media_type) const {
    if (!doc.is_object()) return Bad("$", "not a JSON object");
    const JsonValue* mt = doc.Find("mediaType");
    if (mt == nullptr || mt->string_value() != media_type) {
      return Bad("$.mediaType", absl::StrCat("must be \"", media_type, "\""));
    }
    const JsonValue* version = doc.Find("schemaVersion");
    absl::StatusOr<int64_t> v =
        version != nullptr ? version->AsInt64() : absl::StatusOr<int64_t>(0);
    if (!v.ok() || *v < 1) return Bad("$.schemaVersion", "must be 1");
    if (*v > 1) {
      return absl::UnimplementedError(absl::StrCat(
          file_, ": schemaVersion ", *v,
          " was written by a newer stowage; this one reads version 1"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<oci::Descriptor>> Blobs(const JsonValue& doc,
                                                     absl::string_view key) const {
    std::vector<oci::Descriptor> out;
    const JsonValue* list = doc.Find(key);
    if (list == nullptr) return out;
    std::string path = absl::StrCat("$.", key);
    if (!list->is_array()) return Bad(path, "must be an array");
    std::set<std::string> seen;
    for (size_t i = 0; i < list->items().size(); ++i) {
      std::string at = absl::StrCat(path, "[", i, "]");
      absl::StatusOr<oci::Descriptor> d = oci::Descriptor::FromJson(list->items()[i]);
      if (!d.ok()) return Bad(at, d.status().message());
      if (!seen.insert(d->digest()).second) {
        return Bad(at, absl::StrCat(d->digest(), " is listed twice"));
      }
      out.push_back(std::move(*d));
    }
    return out;
  }

 private:
  std::string file_;
};

}  // namespace

uint64_t Manifest::BlobBytes() const {
  uint64_t total = 0;
  for (const oci::Descriptor& d : blobs) total += static_cast<uint64_t>(d.size());
  return total;
}

std::string SerializeManifest(const Manifest& manifest) {
  JsonValue doc = JsonValue::Object();
  doc.Set("schemaVersion", JsonValue::Int(1));
  doc.Set("mediaType", JsonValue::String(kManifestMediaType));
  JsonValue images = JsonValue::Array();
  for (const BundleImage& image : manifest.images) {
    JsonValue v = JsonValue::Object();
    v.Set("name", JsonValue::String(image.name.String()));
    v.Set("descriptor", image.descriptor.json());
    images.Append(std::move(v));
  }
  doc.Set("images", std::move(images));
  doc.Set("blobs", BlobList(manifest.blobs));
  if (manifest.since.has_value()) {
    doc.Set("omitted", BlobList(manifest.omitted));
    JsonValue since = JsonValue::Object();
    since.Set(manifest.since->kind == Since::Kind::kBundle ? "bundle" : "list",
              JsonValue::String(manifest.since->digest));
    doc.Set("since", std::move(since));
  }
  absl::StatusOr<JsonValue> catalog =
      JsonValue::Parse(catalog::SerializeCatalog(manifest.catalog));
  doc.Set("catalog", catalog.ok() ? std::move(*catalog) : JsonValue::Object());
  return doc.Serialize(JsonWriter::Style::kPretty) + "\n";
}

absl::StatusOr<Manifest> ParseManifest(absl::string_view json,
                                       absl::string_view file_name) {
  Parser p(file_name);
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(json);
  if (!doc.ok()) return p.Bad("$", doc.status().message());
  RETURN_IF_ERROR(p.Header(*doc, kManifestMediaType));
  Manifest m;
  ASSIGN_OR_RETURN(const JsonValue* images,
                   p.Field(*doc, "$", "images", JsonValue::Type::kArray, "an array"));
  std::set<std::string> names;
  for (size_t i = 0; i < images->items().size(); ++i) {
    const JsonValue& v = images->items()[i];
    std::string at = absl::StrCat("$.images[", i, "]");
    ASSIGN_OR_RETURN(const JsonValue* name,
                     p.Field(v, at, "name", JsonValue::Type::kString, "a string"));
    absl::StatusOr<store::TagName> tag = store::ParseTagName(name->string_value());
    if (!tag.ok() || tag->String() != name->string_value()) {
      return p.Bad(absl::StrCat(at, ".name"),
                   absl::StrCat("\"", name->string_value(),
                                "\" is not a store name REPOSITORY:TAG"));
    }
    if (!names.insert(tag->String()).second) {
      return p.Bad(absl::StrCat(at, ".name"),
                   absl::StrCat(tag->String(), " is listed twice"));
    }
    ASSIGN_OR_RETURN(const JsonValue* desc,
                     p.Field(v, at, "descriptor", JsonValue::Type::kObject, "an object"));
    absl::StatusOr<oci::Descriptor> d = oci::Descriptor::FromJson(*desc);
    if (!d.ok()) return p.Bad(absl::StrCat(at, ".descriptor"), d.status().message());
    m.images.push_back(BundleImage{std::move(*tag), std::move(*d)});
  }
  ASSIGN_OR_RETURN(m.blobs, p.Blobs(*doc, "blobs"));
  ASSIGN_OR_RETURN(m.omitted, p.Blobs(*doc, "omitted"));
  if (const JsonValue* since = doc->Find("since"); since != nullptr) {
    if (!since->is_object() || since->members().size() != 1 ||
        !since->members()[0].second.is_string() ||
        (since->members()[0].first != "bundle" && since->members()[0].first != "list")) {
      return p.Bad("$.since", "must be {\"bundle\": DIGEST} or {\"list\": DIGEST}");
    }
    m.since = Since{since->members()[0].first == "bundle" ? Since::Kind::kBundle
                                                         : Since::Kind::kList,
                    since->members()[0].second.string_value()};
  } else if (!m.omitted.empty()) {
    return p.Bad("$.omitted", "a bundle that leaves blobs out must say \"since\"");
  }
  std::set<std::string> in_blobs;
  for (const oci::Descriptor& b : m.blobs) in_blobs.insert(b.digest());
  for (const oci::Descriptor& d : m.omitted) {
    if (in_blobs.count(d.digest()) > 0) {
      return p.Bad("$.omitted", absl::StrCat(d.digest(), " is also in \"blobs\""));
    }
  }
  if (const JsonValue* cat = doc->Find("catalog"); cat != nullptr) {
    absl::StatusOr<catalog::Catalog> parsed = catalog::ParseCatalog(
        cat->Serialize(), absl::StrCat(file_name, ": $.catalog"), "");
    if (!parsed.ok()) return absl::DataLossError(parsed.status().message());
    m.catalog = std::move(*parsed);
  }
  return m;
}

std::string BundleId(absl::string_view manifest_bytes) {
  return Sha256::DigestOf(manifest_bytes);
}

std::string SerializePartIndex(const PartIndex& index) {
  JsonValue doc = JsonValue::Object();
  doc.Set("schemaVersion", JsonValue::Int(1));
  doc.Set("mediaType", JsonValue::String(kPartIndexMediaType));
  doc.Set("bundle", JsonValue::String(index.bundle));
  doc.Set("size", JsonValue::Uint(index.size));
  JsonValue parts = JsonValue::Array();
  for (const PartInfo& part : index.parts) {
    JsonValue v = JsonValue::Object();
    v.Set("name", JsonValue::String(part.name));
    v.Set("size", JsonValue::Uint(part.size));
    v.Set("digest", JsonValue::String(part.digest));
    parts.Append(std::move(v));
  }
  doc.Set("parts", std::move(parts));
  return doc.Serialize(JsonWriter::Style::kPretty) + "\n";
}

absl::StatusOr<PartIndex> ParsePartIndex(absl::string_view json,
                                         absl::string_view file_name) {
  Parser p(file_name);
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(json);
  if (!doc.ok()) return p.Bad("$", doc.status().message());
  RETURN_IF_ERROR(p.Header(*doc, kPartIndexMediaType));
  PartIndex index;
  ASSIGN_OR_RETURN(const JsonValue* bundle,
                   p.Field(*doc, "$", "bundle", JsonValue::Type::kString, "a string"));
  index.bundle = bundle->string_value();
  ASSIGN_OR_RETURN(const JsonValue* size,
                   p.Field(*doc, "$", "size", JsonValue::Type::kNumber, "a number"));
  absl::StatusOr<int64_t> total = size->AsInt64();
  if (!total.ok() || *total < 0) return p.Bad("$.size", "must be a size in bytes");
  index.size = static_cast<uint64_t>(*total);
  ASSIGN_OR_RETURN(const JsonValue* parts,
                   p.Field(*doc, "$", "parts", JsonValue::Type::kArray, "an array"));
  if (parts->items().empty()) return p.Bad("$.parts", "lists no parts");
  uint64_t sum = 0;
  std::set<std::string> names;
  for (size_t i = 0; i < parts->items().size(); ++i) {
    const JsonValue& v = parts->items()[i];
    std::string at = absl::StrCat("$.parts[", i, "]");
    PartInfo part;
    ASSIGN_OR_RETURN(const JsonValue* name,
                     p.Field(v, at, "name", JsonValue::Type::kString, "a string"));
    part.name = name->string_value();
    if (part.name.empty() || part.name == "." || part.name == ".." ||
        part.name.find('/') != std::string::npos || !names.insert(part.name).second) {
      return p.Bad(absl::StrCat(at, ".name"),
                   absl::StrCat("\"", part.name,
                                "\" is not a file name of its own in this folder"));
    }
    ASSIGN_OR_RETURN(const JsonValue* part_size,
                     p.Field(v, at, "size", JsonValue::Type::kNumber, "a number"));
    absl::StatusOr<int64_t> n = part_size->AsInt64();
    if (!n.ok() || *n <= 0) return p.Bad(absl::StrCat(at, ".size"), "must be a size in bytes");
    part.size = static_cast<uint64_t>(*n);
    ASSIGN_OR_RETURN(const JsonValue* digest,
                     p.Field(v, at, "digest", JsonValue::Type::kString, "a string"));
    part.digest = digest->string_value();
    if (part.digest.size() != 7 + 64 || part.digest.compare(0, 7, "sha256:") != 0 ||
        part.digest.find_first_not_of("0123456789abcdef", 7) != std::string::npos) {
      return p.Bad(absl::StrCat(at, ".digest"), "must be sha256:<64 hex digits>");
    }
    sum += part.size;
    index.parts.push_back(std::move(part));
  }
  if (sum != index.size) {
    return p.Bad("$.size", absl::StrCat(index.size, " is not the sum of the parts' sizes (",
                                        sum, ")"));
  }
  return index;
}

bool LooksLikeJson(absl::string_view head) {
  for (char c : head) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) continue;
    return c == '{';
  }
  return false;
}

}  // namespace stowage::bundle
