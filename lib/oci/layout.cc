#include "lib/oci/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/oci/media_types.h"

namespace stowage::oci {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr char kLayoutFileContent[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

absl::Status Mismatch(const Descriptor& d, const std::string& path,
                      absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("blob ", d.digest(), " (", path, "): ", what));
}

// Streams `fd` through SHA-256 (and into `out` when given), then checks size
// and digest against `d`.
absl::Status HashStream(const Fd& fd, const std::string& path,
                        const Descriptor& d, TempFile* out, Progress* progress) {
  Sha256 hasher;
  std::unique_ptr<char[]> buf(new char[kChunk]);
  uint64_t total = 0;
  while (true) {
    ASSIGN_OR_RETURN(size_t n, ReadSome(fd, path, buf.get(), kChunk));
    if (n == 0) break;
    hasher.Update(buf.get(), n);
    if (out != nullptr) RETURN_IF_ERROR(out->Write(absl::string_view(buf.get(), n)));
    total += n;
    if (progress != nullptr) progress->AddBytes(n);
    if (total > static_cast<uint64_t>(d.size())) {
      return Mismatch(d, path,
                      absl::StrCat("longer than the ", d.size(),
                                   " bytes its descriptor gives"));
    }
  }
  if (total != static_cast<uint64_t>(d.size())) {
    return Mismatch(d, path,
                    absl::StrCat("has ", total, " bytes, its descriptor says ",
                                 d.size()));
  }
  std::string actual = "sha256:" + hasher.HexDigest();
  if (actual != d.digest()) {
    return Mismatch(d, path, absl::StrCat("content hashes to ", actual));
  }
  return absl::OkStatus();
}

}  // namespace

std::string Index::Serialize() const {
  JsonValue out = doc.is_object() ? doc : JsonValue::Object();
  if (out.Find("schemaVersion") == nullptr) {
    out.Set("schemaVersion", JsonValue::Int(2));
  }
  if (out.Find("mediaType") == nullptr) {
    out.Set("mediaType", JsonValue::String(kOciIndex));
  }
  JsonValue list = JsonValue::Array();
  for (const Descriptor& d : manifests) list.Append(d.json());
  out.Set("manifests", std::move(list));
  return out.Serialize();
}

absl::StatusOr<Layout> Layout::Open(const std::string& dir) {
  absl::StatusOr<FileInfo> info = Stat(dir);
  if (!info.ok()) return info.status();
  if (!info->is_dir) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, ": not a directory, so not an OCI image layout"));
  }
  std::string marker = JoinPath(dir, "oci-layout");
  absl::StatusOr<std::string> text = ReadFile(marker, 1 << 16);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return absl::InvalidArgumentError(absl::StrCat(
          dir, ": not an OCI image layout (it has no oci-layout file)"));
    }
    return text.status();
  }
  absl::StatusOr<JsonValue> json = JsonValue::Parse(*text);
  if (!json.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(marker, ": ", json.status().message()));
  }
  absl::StatusOr<std::string> version = json->GetString("imageLayoutVersion");
  if (!version.ok() || *version != "1.0.0") {
    return absl::InvalidArgumentError(absl::StrCat(
        marker, ": imageLayoutVersion must be \"1.0.0\"",
        version.ok() ? absl::StrCat(", not \"", *version, "\"") : ""));
  }
  return Layout(dir);
}

absl::StatusOr<Layout> Layout::OpenOrCreate(const std::string& dir) {
  if (Exists(JoinPath(dir, "oci-layout"))) return Open(dir);
  if (Exists(dir)) {
    ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir));
    if (!names.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, ": exists, is not empty and is not an OCI image layout"));
    }
  }
  return OpenOrCreateIn(dir);
}

absl::StatusOr<Layout> Layout::OpenOrCreateIn(const std::string& dir) {
  if (Exists(JoinPath(dir, "oci-layout"))) return Open(dir);
  RETURN_IF_ERROR(MakeDirs(JoinPath(dir, "blobs/sha256")));
  Layout layout(dir);
  if (!Exists(JoinPath(dir, "index.json"))) {
    RETURN_IF_ERROR(layout.WriteIndex(Index{JsonValue::Object(), {}}));
  }
  // oci-layout last: its presence says the layout is complete.
  RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir, "oci-layout"), kLayoutFileContent));
  return layout;
}

std::string Layout::BlobPath(absl::string_view digest) const {
  size_t colon = digest.find(':');
  return JoinPath(dir_, absl::StrCat("blobs/", digest.substr(0, colon), "/",
                                     digest.substr(colon + 1)));
}

bool Layout::HasBlob(absl::string_view digest) const {
  return Exists(BlobPath(digest));
}

absl::StatusOr<Index> Layout::ReadIndex() const {
  std::string path = JoinPath(dir_, "index.json");
  absl::StatusOr<std::string> text = ReadFile(path, kMaxIndexBytes);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return absl::DataLossError(absl::StrCat(path, ": missing"));
    }
    return text.status();
  }
  return ParseIndex(*text, path);
}

absl::StatusOr<Index> ParseIndex(absl::string_view text, absl::string_view path) {
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(text);
  if (!doc.ok()) {
    absl::Status status =
        absl::DataLossError(absl::StrCat(path, ": ", doc.status().message()));
    status.SetPayload(kIndexNotJson, absl::Cord());
    return status;
  }
  if (!doc->is_object()) {
    return absl::DataLossError(absl::StrCat(path, ": not a JSON object"));
  }
  Index index;
  JsonValue* list = doc->FindMutable("manifests");
  if (list != nullptr && !list->is_array()) {
    return absl::DataLossError(
        absl::StrCat(path, ": \"manifests\" must be an array"));
  }
  if (list != nullptr) {
    index.manifests.reserve(list->items().size());
    for (size_t i = 0; i < list->items().size(); ++i) {
      // Moved out: Index::Serialize writes "manifests" from the descriptors.
      absl::StatusOr<Descriptor> d =
          Descriptor::FromJson(std::move(list->mutable_items()[i]));
      if (!d.ok()) {
        return absl::DataLossError(absl::StrCat(path, ": manifests[", i, "]: ",
                                                d.status().message()));
      }
      index.manifests.push_back(std::move(*d));
    }
  }
  index.doc = std::move(*doc);
  return index;
}

absl::Status Layout::WriteIndex(const Index& index) const {
  return WriteFileAtomic(JoinPath(dir_, "index.json"), index.Serialize());
}

absl::StatusOr<std::string> Layout::ReadBlob(const Descriptor& d) const {
  std::string path = BlobPath(d.digest());
  absl::StatusOr<FileInfo> info = Stat(path);
  if (!info.ok()) {
    if (absl::IsNotFound(info.status())) {
      return absl::NotFoundError(
          absl::StrCat("blob ", d.digest(), " is missing from ", dir_));
    }
    return info.status();
  }
  if (info->size != static_cast<uint64_t>(d.size())) {
    return Mismatch(d, path, absl::StrCat("has ", info->size,
                                          " bytes, its descriptor says ",
                                          d.size()));
  }
  if (info->size > kMaxSmallBlob) {
    return absl::FailedPreconditionError(absl::StrCat(
        "blob ", d.digest(), " (", path, "): ", info->size,
        " bytes is too large for a manifest or config"));
  }
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(path, kMaxSmallBlob));
  std::string actual = Sha256::DigestOf(bytes);
  if (actual != d.digest()) {
    return Mismatch(d, path, absl::StrCat("content hashes to ", actual));
  }
  return bytes;
}

absl::StatusOr<std::string> Layout::WriteBlob(absl::string_view bytes) const {
  std::string digest = Sha256::DigestOf(bytes);
  std::string path = BlobPath(digest);
  if (Exists(path)) return digest;
  RETURN_IF_ERROR(MakeDirs(Dirname(path)));
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(Dirname(path)));
  RETURN_IF_ERROR(tmp.Write(bytes));
  absl::Status s = tmp.Commit(path, /*replace=*/false);
  if (!s.ok() && !absl::IsAlreadyExists(s)) return s;
  return digest;
}

Descriptor IndexEntry(const Descriptor& image, absl::string_view ref_name) {
  Descriptor d = Descriptor::Make(image.media_type(), image.digest(), image.size());
  JsonValue json = d.json();
  if (const JsonValue* p = image.json().Find("platform")) json.Set("platform", *p);
  if (const JsonValue* a = image.json().Find("artifactType")) {
    json.Set("artifactType", *a);
  }
  absl::StatusOr<Descriptor> with = Descriptor::FromJson(json);
  Descriptor out = with.ok() ? std::move(*with) : std::move(d);
  if (!ref_name.empty()) out.SetAnnotation(kRefNameAnnotation, ref_name);
  // A partial index stays partial under every name (see graph.h).
  if (std::string held = image.Annotation(kPlatformsAnnotation); !held.empty()) {
    out.SetAnnotation(kPlatformsAnnotation, held);
  }
  return out;
}

absl::Status VerifyBlobFile(const std::string& path, const Descriptor& d,
                            Progress* progress) {
  ASSIGN_OR_RETURN(Fd fd, OpenForRead(path));
  return HashStream(fd, path, d, nullptr, progress);
}

}  // namespace stowage::oci
