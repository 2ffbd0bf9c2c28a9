#include "lib/oci/oci_testing.h"

#include <stdlib.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/json/json_value.h"
#include "lib/oci/media_types.h"

namespace stowage::oci::oci_testing {

std::string NewTempDir(absl::string_view prefix) {
  std::string tmpl = absl::StrCat(::testing::TempDir(), "/", prefix, "-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << tmpl << " failed";
  }
  return tmpl;
}

Layout NewLayout() {
  std::string dir = NewTempDir("layout");
  absl::StatusOr<Layout> layout = Layout::OpenOrCreate(dir);
  if (!layout.ok()) {
    ADD_FAILURE() << layout.status();
    return *Layout::OpenOrCreate(NewTempDir("fallback"));
  }
  return *std::move(layout);
}

Descriptor DescriptorOf(absl::string_view media_type, absl::string_view bytes) {
  return Descriptor::Make(std::string(media_type), Sha256::DigestOf(bytes),
                          static_cast<int64_t>(bytes.size()));
}

Descriptor AddBlob(const Layout& layout, absl::string_view media_type,
                   absl::string_view bytes) {
  absl::StatusOr<std::string> digest = layout.WriteBlob(bytes);
  EXPECT_TRUE(digest.ok()) << digest.status();
  return DescriptorOf(media_type, bytes);
}

Descriptor WithPlatform(const Descriptor& d, absl::string_view platform) {
  absl::StatusOr<Platform> p = Platform::Parse(platform);
  EXPECT_TRUE(p.ok()) << p.status();
  JsonValue json = d.json();
  JsonValue obj = JsonValue::Object();
  obj.Set("architecture", JsonValue::String(p->architecture));
  obj.Set("os", JsonValue::String(p->os));
  if (!p->variant.empty()) obj.Set("variant", JsonValue::String(p->variant));
  json.Set("platform", std::move(obj));
  absl::StatusOr<Descriptor> out = Descriptor::FromJson(json);
  EXPECT_TRUE(out.ok()) << out.status();
  return *std::move(out);
}

std::string ImageManifestJson(const Descriptor& config,
                              const std::vector<Descriptor>& layers) {
  JsonValue doc = JsonValue::Object();
  doc.Set("schemaVersion", JsonValue::Int(2));
  doc.Set("mediaType", JsonValue::String(kOciManifest));
  doc.Set("config", config.json());
  JsonValue list = JsonValue::Array();
  for (const Descriptor& d : layers) list.Append(d.json());
  doc.Set("layers", std::move(list));
  return doc.Serialize();
}

std::string IndexJson(const std::vector<Descriptor>& manifests) {
  JsonValue doc = JsonValue::Object();
  doc.Set("schemaVersion", JsonValue::Int(2));
  doc.Set("mediaType", JsonValue::String(kOciIndex));
  JsonValue list = JsonValue::Array();
  for (const Descriptor& d : manifests) list.Append(d.json());
  doc.Set("manifests", std::move(list));
  return doc.Serialize();
}

void FakeProgress::Start(uint64_t blobs, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  ++starts_;
  start_blobs_ = blobs;
  start_bytes_ = bytes;
}

void FakeProgress::AddBytes(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  bytes_ += bytes;
}

void FakeProgress::BlobDone() {
  std::lock_guard<std::mutex> lock(mu_);
  ++blobs_done_;
}

int FakeProgress::starts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return starts_;
}
uint64_t FakeProgress::start_blobs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return start_blobs_;
}
uint64_t FakeProgress::start_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return start_bytes_;
}
uint64_t FakeProgress::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}
uint64_t FakeProgress::blobs_done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blobs_done_;
}

std::vector<std::string> TempFilesIn(const Layout& layout) {
  std::vector<std::string> out;
  absl::StatusOr<std::vector<std::string>> names =
      ListDir(JoinPath(layout.dir(), "blobs/sha256"));
  EXPECT_TRUE(names.ok()) << names.status();
  if (!names.ok()) return out;
  for (const std::string& n : *names) {
    if (absl::StartsWith(n, ".tmp")) out.push_back(n);
  }
  return out;
}

std::string Bytes(size_t n, int seed) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u + seed * 7919u;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x);
  }
  return s;
}

}  // namespace stowage::oci::oci_testing
