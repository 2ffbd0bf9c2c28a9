#include "lib/bundle/create.h"

#include <unistd.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/archive/decompress.h"
#include "lib/base/status_macros.h"
#include "lib/bundle/parts.h"
#include "lib/bundle/read.h"
#include "lib/catalog/catalog_store.h"
#include "lib/copy/copy.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/oci/graph.h"
#include "lib/oci/layout.h"
#include "lib/transport/store_transport.h"

namespace stowage::bundle {
namespace {

constexpr char kLayoutFile[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

// Counts what passes to the real sink.
class CountingSink : public archive::ByteSink {
 public:
  explicit CountingSink(archive::ByteSink* next) : next_(next) {}
  absl::Status Write(absl::string_view data) override {
    RETURN_IF_ERROR(next_->Write(data));
    count_ += data.size();
    return absl::OkStatus();
  }
  uint64_t count() const { return count_; }

 private:
  archive::ByteSink* next_;
  uint64_t count_ = 0;
};

// The tags named by the options, sorted by name, each once.
absl::StatusOr<std::vector<store::TagEntry>> Select(const store::Store& store,
                                                    const CreateOptions& options) {
  if (options.all && !options.images.empty()) {
    return absl::InvalidArgumentError(
        "name repositories and tags, or --all for every one, not both");
  }
  if (!options.all && options.images.empty()) {
    return absl::InvalidArgumentError(
        "name the repositories or REPOSITORY:TAGs to bundle, or --all");
  }
  ASSIGN_OR_RETURN(std::vector<store::TagEntry> tags, store.Tags());
  if (options.all) {
    if (tags.empty()) {
      return absl::NotFoundError(absl::StrCat("the store ", store.dir(), " holds no tags"));
    }
    return tags;
  }
  std::map<std::string, store::TagEntry> chosen;
  for (const std::string& text : options.images) {
    if (text.find('@') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          text, ": name tags (REPOSITORY:TAG) or repositories, not digests"));
    }
    ASSIGN_OR_RETURN(store::TagName name, store::ParseTagName(text));
    size_t slash = text.rfind('/');
    bool tagged = text.find(':', slash == std::string::npos ? 0 : slash) !=
                  std::string::npos;
    bool found = false;
    for (const store::TagEntry& t : tags) {
      if (t.name.repository != name.repository) continue;
      if (tagged && t.name.tag != name.tag) continue;
      chosen.emplace(t.name.String(), t);
      found = true;
    }
    if (!found) {
      return absl::NotFoundError(
          tagged ? absl::StrCat("no tag ", name.String(), " in the store ", store.dir())
                 : absl::StrCat("no repository ", name.repository, " in the store ",
                                store.dir()));
    }
  }
  std::vector<store::TagEntry> out;
  for (auto& [n, t] : chosen) out.push_back(std::move(t));
  return out;
}

// The blobs the receiving side has, and what the bundle says it was made
// against.
struct Base {
  std::set<std::string> digests;
  Since since;
};

absl::StatusOr<Base> ReadDigestList(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, uint64_t{1} << 30));
  Base base;
  base.since = Since{Since::Kind::kList, Sha256::DigestOf(text)};
  size_t line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = line.substr(0, line.find('#'));
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    absl::string_view token = line.substr(0, line.find_first_of(" \t"));
    std::string digest(token);
    if (!absl::StartsWith(digest, "sha256:")) digest = absl::StrCat("sha256:", token);
    if (digest.size() != 7 + 64 ||
        digest.find_first_not_of("0123456789abcdef", 7) != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", line_no, ": \"", token,
          "\" is not a sha256 digest (sha256:<64 hex digits>, or the hex alone)"));
    }
    base.digests.insert(std::move(digest));
  }
  return base;
}

absl::StatusOr<Base> ReadBase(const std::string& path) {
  ASSIGN_OR_RETURN(Fd fd, OpenForRead(path));
  char head[512];
  ASSIGN_OR_RETURN(size_t n, ReadSome(fd, path, head, sizeof head));
  absl::string_view start(head, n);
  ManifestInfo info;
  if (LooksLikeJson(start)) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxManifestBytes));
    if (absl::StrContains(text.substr(0, 4096), kPartIndexMediaType)) {
      ASSIGN_OR_RETURN(info, ReadBundleManifest(path));
    } else {
      ASSIGN_OR_RETURN(info.manifest, ParseManifest(text, path));
      info.id = BundleId(text);
    }
  } else if (archive::DetectCompression(start) == archive::Compression::kNone &&
             start.find('\0') == absl::string_view::npos) {
    return ReadDigestList(path);  // text, not a tar
  } else {
    ASSIGN_OR_RETURN(info, ReadBundleManifest(path));
  }
  Base base;
  base.since = Since{Since::Kind::kBundle, info.id};
  for (const oci::Descriptor& d : info.manifest.blobs) base.digests.insert(d.digest());
  for (const oci::Descriptor& d : info.manifest.omitted) base.digests.insert(d.digest());
  return base;
}

// Writes the bundle's entries in their order (format.h).
absl::Status WriteBundle(const store::Store& store, const std::string& name,
                         archive::ByteSink* sink, const CreateOptions& options,
                         const std::string& manifest_bytes, const Manifest& manifest,
                         const std::string& index_json) {
  ASSIGN_OR_RETURN(std::unique_ptr<archive::TarWriter> w,
                   archive::TarWriter::Open(sink, options.compression, name));
  RETURN_IF_ERROR(w->AddFile(kManifestName, manifest_bytes));
  RETURN_IF_ERROR(w->AddFile("oci-layout", kLayoutFile));
  RETURN_IF_ERROR(w->AddFile("index.json", index_json));
  RETURN_IF_ERROR(w->AddDirectory("blobs"));
  RETURN_IF_ERROR(w->AddDirectory("blobs/sha256"));
  // Every blob is hashed as it is read: a blob damaged in the store fails
  // the bundle, naming it, before the file is committed.
  std::unique_ptr<transport::ImageSource> source = transport::StoreSource(store);
  for (const oci::Descriptor& d : manifest.blobs) {
    absl::StatusOr<std::unique_ptr<transport::BlobReader>> blob = source->GetBlob(d);
    if (!blob.ok()) {
      return absl::IsNotFound(blob.status())
                 ? absl::NotFoundError(absl::StrCat("blob ", d.digest(),
                                                    " is missing from the store ",
                                                    store.dir()))
                 : blob.status();
    }
    std::string path = source->BlobFile(d);
    copy::VerifyingReader check(**blob, d, path, options.progress);
    RETURN_IF_ERROR(w->AddFileFrom(
        absl::StrCat("blobs/sha256/", oci::DigestHex(d.digest())),
        [&](char* buf, size_t n) { return check.Read(buf, n); }, path,
        static_cast<uint64_t>(d.size())));
    if (options.progress != nullptr) options.progress->BlobDone();
  }
  return w->Close();
}

}  // namespace

absl::StatusOr<CreateResult> Create(const store::Store& store,
                                    const CreateOptions& options) {
  if (options.file.empty()) return absl::InvalidArgumentError("no bundle file named");
  if (options.file == "-" && options.max_size > 0) {
    return absl::InvalidArgumentError(
        "--max-size writes numbered files; it cannot split standard output");
  }
  if (options.file == "-" && isatty(STDOUT_FILENO) == 1) {
    return absl::FailedPreconditionError(
        "refusing to write a bundle to a terminal; redirect standard output or "
        "name a FILE");
  }
  // Held while blobs are read: gc waits.
  ASSIGN_OR_RETURN(FileLock blob_lock, store.BlobReadLock());
  ASSIGN_OR_RETURN(std::vector<store::TagEntry> tags, Select(store, options));
  std::optional<oci::Platform> platform;
  if (!options.platform.empty()) {
    ASSIGN_OR_RETURN(platform, oci::Platform::Parse(options.platform));
  }

  Manifest manifest;
  std::map<std::string, oci::Descriptor> graph;  // every blob, by digest
  for (store::TagEntry& t : tags) {
    oci::Descriptor root = t.descriptor;
    if (platform.has_value()) {
      absl::StatusOr<oci::Descriptor> one =
          oci::SelectPlatform(store.layout(), root, *platform);
      if (!one.ok()) return Annotate(one.status(), t.name.String());
      root = *std::move(one);
    }
    absl::StatusOr<std::vector<oci::Descriptor>> blobs =
        oci::CollectGraph(store.layout(), root);
    if (!blobs.ok()) return Annotate(blobs.status(), t.name.String());
    for (oci::Descriptor& d : *blobs) {
      graph.emplace(d.digest(), oci::Descriptor::Make(d.media_type(), d.digest(), d.size()));
    }
    manifest.images.push_back(BundleImage{t.name, store::StoreEntry(root, t.name)});
  }

  std::optional<Base> base;
  if (!options.since.empty()) {
    absl::StatusOr<Base> read = ReadBase(options.since);
    if (!read.ok()) return Annotate(read.status(), "--since");
    base = std::move(*read);
    manifest.since = base->since;
  }
  CreateResult result;
  for (auto& [digest, d] : graph) {
    if (base.has_value() && base->digests.count(digest) != 0) {
      result.omitted_bytes += d.size();
      manifest.omitted.push_back(std::move(d));
    } else {
      manifest.blobs.push_back(std::move(d));
    }
  }

  ASSIGN_OR_RETURN(catalog::Catalog catalog, catalog::ReadCatalog(store.dir()));
  for (const BundleImage& image : manifest.images) {
    const std::string& repo = image.name.repository;
    if (auto it = catalog.repositories.find(repo); it != catalog.repositories.end()) {
      manifest.catalog.repositories[repo] = it->second;
    }
    std::string ns = catalog::NamespaceOf(repo);
    if (auto it = catalog.namespaces.find(ns); it != catalog.namespaces.end()) {
      manifest.catalog.namespaces[ns] = it->second;
    }
  }

  oci::Index index{JsonValue::Object(), {}};
  for (const BundleImage& image : manifest.images) {
    index.manifests.push_back(image.descriptor);
  }
  const std::string manifest_bytes = SerializeManifest(manifest);
  result.bundle_id = BundleId(manifest_bytes);
  if (options.progress != nullptr) {
    options.progress->Start(manifest.blobs.size(), manifest.BlobBytes());
  }

  const std::string index_json = index.Serialize();
  if (options.file == "-") {
    Fd out(dup(STDOUT_FILENO));
    if (!out.valid()) return ErrnoStatus("standard output", errno);
    archive::FdSink fd_sink(&out, "standard output");
    CountingSink sink(&fd_sink);
    RETURN_IF_ERROR(WriteBundle(store, "standard output", &sink, options,
                                manifest_bytes, manifest, index_json));
    result.bytes_written = sink.count();
  } else if (options.max_size > 0) {
    PartWriter parts(options.file, options.max_size);
    CountingSink sink(&parts);
    RETURN_IF_ERROR(WriteBundle(store, options.file, &sink, options, manifest_bytes,
                                manifest, index_json));
    ASSIGN_OR_RETURN(PartIndex written, parts.Commit(result.bundle_id));
    result.bytes_written = sink.count();
    result.parts = written.parts;
    result.part_index = PartIndexPath(options.file);
  } else {
    ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(Dirname(options.file)));
    archive::FdSink fd_sink(&tmp.fd(), options.file);
    CountingSink sink(&fd_sink);
    RETURN_IF_ERROR(WriteBundle(store, options.file, &sink, options, manifest_bytes,
                                manifest, index_json));
    RETURN_IF_ERROR(tmp.Commit(options.file));
    result.bytes_written = sink.count();
  }
  result.manifest = std::move(manifest);
  return result;
}

}  // namespace stowage::bundle
