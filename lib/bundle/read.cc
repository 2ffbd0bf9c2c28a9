#include "lib/bundle/read.h"

#include <stdlib.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/archive/tar_stream.h"
#include "lib/base/status_macros.h"
#include "lib/bundle/parts.h"
#include "lib/catalog/catalog_store.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/json/json_value.h"
#include "lib/oci/graph.h"
#include "lib/oci/layout.h"
#include "lib/oci/manifest.h"
#include "lib/oci/media_types.h"
#include "lib/transport/layout_io.h"

namespace stowage::bundle {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr size_t kListAtMost = 10;  // missing blobs listed one by one

std::string EntryName(absl::string_view digest) {
  return absl::StrCat("blobs/sha256/", oci::DigestHex(digest));
}

// What a reader does with each blob's bytes as they stream past.
class BlobHandler {
 public:
  virtual ~BlobHandler() = default;
  // Whether the bytes are wanted at all; false skips them unread.
  virtual absl::StatusOr<bool> Want(const oci::Descriptor& d) = 0;
  virtual absl::Status Begin(const oci::Descriptor& d) = 0;
  virtual absl::Status Data(absl::string_view data) = 0;
  // The bytes passed to Data() had the blob's size and digest.
  virtual absl::Status Commit(const oci::Descriptor& d) = 0;
  // They did not, or the stream broke: drop them.
  virtual void Abandon() = 0;
};

struct Walk {
  std::string name;
  std::optional<Manifest> manifest;
  std::string id;
  std::vector<std::string> problems;
  std::set<std::string> problem_set;  // no line twice
  bool stopped = false;  // the stream ended in an error
  uint64_t blobs_read = 0, bytes_read = 0;
  uint64_t blobs_skipped = 0, bytes_skipped = 0;
  size_t parts = 0, parts_checked = 0;

  void Problem(std::string line) {
    if (problem_set.insert(line).second) problems.push_back(std::move(line));
  }
};

absl::StatusOr<std::string> ReadEntry(archive::TarReader& r, const std::string& name,
                                      const archive::TarEntry& e, uint64_t max) {
  if (e.size > max) {
    return absl::DataLossError(absl::StrCat(name, ": entry \"", e.name, "\" holds ",
                                            e.size, " bytes, more than the ", max,
                                            " such a file may"));
  }
  std::string out(e.size, '\0');
  size_t have = 0;
  while (have < out.size()) {
    ASSIGN_OR_RETURN(size_t n, r.Read(out.data() + have, out.size() - have));
    if (n == 0) break;
    have += n;
  }
  out.resize(have);
  return out;
}

// The index.json of the bundle against the manifest's images.
void CheckIndex(Walk& w, absl::string_view text) {
  const std::string where = absl::StrCat(w.name, ": index.json");
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(text);
  const JsonValue* list = doc.ok() ? doc->Find("manifests") : nullptr;
  if (list == nullptr || !list->is_array()) {
    w.Problem(absl::StrCat(where, ": not an OCI index (",
                           doc.ok() ? "no \"manifests\" array" : doc.status().message(),
                           ")"));
    return;
  }
  std::map<std::string, oci::Descriptor> entries;
  for (const JsonValue& item : list->items()) {
    absl::StatusOr<oci::Descriptor> d = oci::Descriptor::FromJson(item);
    if (!d.ok()) {
      w.Problem(absl::StrCat(where, ": ", d.status().message()));
      continue;
    }
    std::string ref = d->Annotation(oci::kRefNameAnnotation);
    entries.emplace(ref, std::move(*d));
  }
  if (!w.manifest.has_value()) return;
  for (const BundleImage& image : w.manifest->images) {
    auto it = entries.find(image.name.String());
    if (it == entries.end()) {
      w.Problem(absl::StrCat(where, ": no entry for ", image.name.String(),
                             ", which stowage-bundle.json lists"));
      continue;
    }
    const oci::Descriptor& d = it->second;
    if (d.digest() != image.descriptor.digest() || d.size() != image.descriptor.size() ||
        d.media_type() != image.descriptor.media_type()) {
      w.Problem(absl::StrCat(where, ": ", image.name.String(), " is ", d.digest(),
                             " here, ", image.descriptor.digest(),
                             " in stowage-bundle.json"));
    }
    entries.erase(it);
  }
  for (const auto& [ref, d] : entries) {
    w.Problem(absl::StrCat(where, ": entry \"", ref, "\" (", d.digest(),
                           ") is not in stowage-bundle.json"));
  }
}

// Reads one blob's bytes through `handler`, checking size and digest.
// Returns false when the stream broke (the walk must stop).
absl::StatusOr<bool> ReadBlob(Walk& w, archive::TarReader& r, const oci::Descriptor& d,
                              BlobHandler& handler, char* buf, Progress* progress) {
  RETURN_IF_ERROR(handler.Begin(d));
  Sha256 hasher;
  uint64_t total = 0;
  while (true) {
    absl::StatusOr<size_t> n = r.Read(buf, kChunk);
    if (!n.ok()) {
      handler.Abandon();
      w.Problem(std::string(n.status().message()));
      return false;
    }
    if (*n == 0) break;
    hasher.Update(buf, *n);
    absl::Status s = handler.Data(absl::string_view(buf, *n));
    if (!s.ok()) {
      handler.Abandon();
      return s;
    }
    total += *n;
    if (progress != nullptr) progress->AddBytes(*n);
  }
  std::string actual = "sha256:" + hasher.HexDigest();
  if (total != static_cast<uint64_t>(d.size()) || actual != d.digest()) {
    handler.Abandon();
    w.Problem(absl::StrCat(
        w.name, ": blob ", d.digest(), " (entry ", EntryName(d.digest()), "): ",
        total != static_cast<uint64_t>(d.size())
            ? absl::StrCat("holds ", total, " bytes, stowage-bundle.json says ", d.size())
            : absl::StrCat("content hashes to ", actual,
                           ": damaged (a wrong checksum)")));
    return true;
  }
  RETURN_IF_ERROR(handler.Commit(d));
  ++w.blobs_read;
  w.bytes_read += total;
  if (progress != nullptr) progress->BlobDone();
  return true;
}

// Reads the whole bundle. `on_manifest` runs once the manifest is known
// and may refuse the bundle (its error is returned, nothing else is read).
// Problems go to `w`; the status is an error only for a refusal or a
// failure of the handler (writing into the store).
absl::Status WalkBundle(Input& in, Walk& w,
                        const std::function<absl::Status(const Manifest&,
                                                         const std::string&)>& on_manifest,
                        BlobHandler& handler, Progress* progress) {
  w.name = in.name;
  if (in.parts != nullptr) {
    w.parts = in.parts->index().parts.size();
    for (std::string& p : in.parts->CheckPresence()) w.Problem(std::move(p));
  }
  auto stop = [&](const absl::Status& s) {
    if (!s.ok()) w.Problem(std::string(s.message()));
    w.stopped = true;
    // Name every bad part, not only the one the stream broke in.
    if (in.parts != nullptr) {
      for (std::string& p : in.parts->CheckRest()) w.Problem(std::move(p));
    }
    return absl::OkStatus();
  };
  absl::StatusOr<std::unique_ptr<archive::TarReader>> opened =
      archive::TarReader::Open(in.source.get(), in.name);
  if (!opened.ok()) return stop(opened.status());
  archive::TarReader& r = **opened;

  archive::TarEntry e;
  absl::StatusOr<bool> more = r.Next(&e);
  if (!more.ok()) return stop(more.status());
  if (!*more || e.name != kManifestName || e.is_dir) {
    return stop(absl::DataLossError(absl::StrCat(
        in.name, ": not a stowage bundle: ",
        *more ? absl::StrCat("its first entry is \"", e.name, "\", not ")
              : "it is empty; it has no ",
        kManifestName,
        " (a plain OCI archive? stowage import --all oci-archive:FILE REPOSITORY "
        "reads those)")));
  }
  absl::StatusOr<std::string> manifest_bytes = ReadEntry(r, in.name, e, kMaxManifestBytes);
  if (!manifest_bytes.ok()) return stop(manifest_bytes.status());
  absl::StatusOr<Manifest> manifest =
      ParseManifest(*manifest_bytes, absl::StrCat(in.name, ": ", kManifestName));
  if (!manifest.ok()) return stop(manifest.status());
  w.manifest = std::move(*manifest);
  w.id = BundleId(*manifest_bytes);
  if (in.parts != nullptr && in.parts->index().bundle != w.id) {
    w.Problem(absl::StrCat(in.parts->Path(0), ": the first part of another bundle (",
                           w.id, "; the part index is for ",
                           in.parts->index().bundle, ")"));
  }
  RETURN_IF_ERROR(on_manifest(*w.manifest, w.id));
  if (progress != nullptr) {
    progress->Start(w.manifest->blobs.size(), w.manifest->BlobBytes());
  }

  std::map<std::string, const oci::Descriptor*> listed;
  for (const oci::Descriptor& d : w.manifest->blobs) listed[d.digest()] = &d;
  std::set<std::string> seen;
  bool saw_layout = false, saw_index = false;
  std::unique_ptr<char[]> buf(new char[kChunk]);
  while (true) {
    more = r.Next(&e);
    if (!more.ok()) return stop(more.status());
    if (!*more) break;
    const std::string entry = absl::StrCat(in.name, ": entry \"", e.name, "\"");
    if (!seen.insert(e.name).second) {
      w.Problem(absl::StrCat(entry, " appears twice"));
      continue;
    }
    if (e.is_dir) {
      if (e.name != "." && e.name != "blobs" && e.name != "blobs/sha256") {
        w.Problem(absl::StrCat(entry, ": a folder no bundle holds"));
      }
      continue;
    }
    if (e.name == "oci-layout") {
      saw_layout = true;
      absl::StatusOr<std::string> text = ReadEntry(r, in.name, e, 1 << 16);
      if (!text.ok()) return stop(text.status());
      absl::StatusOr<JsonValue> doc = JsonValue::Parse(*text);
      if (!doc.ok() || !doc->GetString("imageLayoutVersion").ok() ||
          *doc->GetString("imageLayoutVersion") != "1.0.0") {
        w.Problem(absl::StrCat(entry, ": not {\"imageLayoutVersion\":\"1.0.0\"}"));
      }
      continue;
    }
    if (e.name == "index.json") {
      saw_index = true;
      absl::StatusOr<std::string> text = ReadEntry(r, in.name, e, oci::kMaxIndexBytes);
      if (!text.ok()) return stop(text.status());
      CheckIndex(w, *text);
      continue;
    }
    if (!absl::StartsWith(e.name, "blobs/sha256/")) {
      w.Problem(absl::StrCat(entry, ": not part of a bundle"));
      continue;
    }
    std::string digest = absl::StrCat("sha256:", e.name.substr(13));
    auto it = listed.find(digest);
    if (it == listed.end()) {
      w.Problem(absl::StrCat(entry, ": a blob stowage-bundle.json does not list"));
      continue;
    }
    const oci::Descriptor& d = *it->second;
    if (e.size != static_cast<uint64_t>(d.size())) {
      w.Problem(absl::StrCat(in.name, ": blob ", d.digest(), " (entry ", e.name,
                             "): holds ", e.size, " bytes, stowage-bundle.json says ",
                             d.size()));
      continue;
    }
    ASSIGN_OR_RETURN(bool want, handler.Want(d));
    if (!want) {
      absl::Status s = r.Skip();
      if (!s.ok()) return stop(s);
      ++w.blobs_skipped;
      w.bytes_skipped += e.size;
      if (progress != nullptr) {
        progress->AddBytes(e.size);
        progress->BlobDone();
      }
      continue;
    }
    ASSIGN_OR_RETURN(bool intact, ReadBlob(w, r, d, handler, buf.get(), progress));
    if (!intact) return stop(absl::OkStatus());
  }
  if (in.parts != nullptr) {
    absl::Status drained = in.parts->Drain();
    if (!drained.ok()) return stop(drained);
    w.parts_checked = in.parts->parts_checked();
  }
  if (!saw_layout) w.Problem(absl::StrCat(in.name, ": no oci-layout entry (cut short?)"));
  if (!saw_index) w.Problem(absl::StrCat(in.name, ": no index.json entry (cut short?)"));
  std::vector<const oci::Descriptor*> missing;
  for (const oci::Descriptor& d : w.manifest->blobs) {
    if (seen.count(EntryName(d.digest())) == 0) missing.push_back(&d);
  }
  for (size_t i = 0; i < missing.size() && i < kListAtMost; ++i) {
    w.Problem(absl::StrCat(in.name, ": blob ", missing[i]->digest(), " (",
                           missing[i]->size(),
                           " bytes) is listed in stowage-bundle.json but not in "
                           "the bundle (cut short?)"));
  }
  if (missing.size() > kListAtMost) {
    w.Problem(absl::StrCat(in.name, ": and ", missing.size() - kListAtMost,
                           " more listed blobs are not in the bundle"));
  }
  return absl::OkStatus();
}

// Walks every image's graph, reading manifests and indexes with `fetch`
// (NotFound: not at hand, so not walked further), and reports blobs that
// are neither in the bundle nor left out, sizes that disagree, and blobs
// in the bundle that no image uses.
void CheckGraph(Walk& w,
                const std::function<absl::StatusOr<std::string>(const oci::Descriptor&)>&
                    fetch) {
  const Manifest& m = *w.manifest;
  std::map<std::string, const oci::Descriptor*> listed;
  for (const oci::Descriptor& d : m.blobs) listed[d.digest()] = &d;
  for (const oci::Descriptor& d : m.omitted) listed[d.digest()] = &d;
  std::set<std::string> reached;
  bool walked_all = true;
  for (const BundleImage& image : m.images) {
    struct Pending {
      oci::Descriptor d;
      std::string via;
    };
    std::deque<Pending> queue = {{image.descriptor, image.name.String()}};
    const std::vector<oci::Platform> held = oci::HeldPlatforms(image.descriptor);
    while (!queue.empty()) {
      Pending p = std::move(queue.front());
      queue.pop_front();
      const oci::Descriptor& d = p.d;
      if (!reached.insert(d.digest()).second) continue;
      auto it = listed.find(d.digest());
      if (it == listed.end()) {
        w.Problem(absl::StrCat(w.name, ": ", p.via, " needs blob ", d.digest(),
                               ", which the bundle neither holds nor lists as left out"));
        continue;
      }
      if (it->second->size() != d.size()) {
        w.Problem(absl::StrCat(w.name, ": blob ", d.digest(), " is ", it->second->size(),
                               " bytes in stowage-bundle.json, ", d.size(), " in ",
                               p.via));
      }
      if (!oci::IsManifestMediaType(d.media_type())) continue;
      absl::StatusOr<std::string> bytes = fetch(d);
      if (!bytes.ok()) {
        if (!absl::IsNotFound(bytes.status())) {
          w.Problem(absl::StrCat(w.name, ": ", bytes.status().message()));
        }
        walked_all = false;
        continue;
      }
      absl::StatusOr<oci::Manifest> parsed = oci::Manifest::Parse(*bytes, d.media_type());
      if (!parsed.ok()) {
        w.Problem(absl::StrCat(w.name, ": manifest ", d.digest(), " (", p.via,
                               "): ", parsed.status().message()));
        continue;
      }
      std::string via = absl::StrCat(p.via, " -> ", d.digest().substr(0, 19));
      if (parsed->is_index()) {
        for (const oci::Descriptor& c : parsed->manifests) {
          if (oci::Held(held, c)) queue.push_back({c, via});
        }
      } else {
        if (parsed->config.has_value()) queue.push_back({*parsed->config, via});
        for (const oci::Descriptor& c : parsed->layers) queue.push_back({c, via});
      }
    }
  }
  if (!walked_all) return;
  for (const oci::Descriptor& d : m.blobs) {
    if (reached.count(d.digest()) == 0) {
      w.Problem(absl::StrCat(w.name, ": blob ", d.digest(),
                             " is in the bundle but no image uses it"));
    }
  }
}

// Verify: hashes every blob, keeps manifests and indexes for the graph.
class Checker : public BlobHandler {
 public:
  absl::StatusOr<bool> Want(const oci::Descriptor&) override { return true; }
  absl::Status Begin(const oci::Descriptor& d) override {
    keep_ = oci::IsManifestMediaType(d.media_type()) &&
            static_cast<uint64_t>(d.size()) <= oci::kMaxSmallBlob;
    bytes_.clear();
    return absl::OkStatus();
  }
  absl::Status Data(absl::string_view data) override {
    if (keep_) bytes_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  absl::Status Commit(const oci::Descriptor& d) override {
    if (keep_) small_[d.digest()] = std::move(bytes_);
    bytes_.clear();
    return absl::OkStatus();
  }
  void Abandon() override { bytes_.clear(); }

  absl::StatusOr<std::string> Fetch(const oci::Descriptor& d) const {
    auto it = small_.find(d.digest());
    if (it == small_.end()) return absl::NotFoundError(d.digest());
    return it->second;
  }

 private:
  bool keep_ = false;
  std::string bytes_;
  std::map<std::string, std::string> small_;
};

// Import: blobs the store lacks are written into the store's blob folder
// under temporary names, as the store transport writes them
// (transport::LayoutWriter), and get their names from CommitBlobs, after
// one syncfs: durable before the store names them, without an fsync each.
class StoreWriter : public BlobHandler {
 public:
  explicit StoreWriter(const store::Store& store)
      : store_(store),
        writer_(store.layout(), absl::StrCat("the store ", store.dir()),
                transport::LayoutWriter::Options{}) {}

  absl::StatusOr<bool> Want(const oci::Descriptor& d) override {
    return !store_.layout().HasBlob(d.digest());
  }
  absl::Status Begin(const oci::Descriptor& /*d*/) override {
    ASSIGN_OR_RETURN(TempFile tmp, writer_.NewBlobFile());
    tmp_.emplace(std::move(tmp));
    return absl::OkStatus();
  }
  absl::Status Data(absl::string_view data) override { return tmp_->Write(data); }
  absl::Status Commit(const oci::Descriptor& d) override {
    writer_.Keep(d, std::move(*tmp_));
    tmp_.reset();
    ++blobs_written_;
    bytes_written_ += d.size();
    return absl::OkStatus();
  }
  void Abandon() override { tmp_.reset(); }
  // Names the blobs read intact (also after a failed walk: the next import
  // resumes with them).
  absl::Status Finish() { return writer_.CommitBlobs(); }

  uint64_t blobs_written_ = 0, bytes_written_ = 0;
  uint64_t blobs_present_ = 0, bytes_present_ = 0;

 private:
  const store::Store& store_;
  transport::LayoutWriter writer_;
  std::optional<TempFile> tmp_;
};

// A failed import's status: every line, the code of the first.
absl::Status Failure(absl::StatusCode code, const std::vector<std::string>& lines) {
  return absl::Status(code, absl::StrJoin(lines, "\n"));
}

}  // namespace

absl::StatusOr<VerifyReport> Verify(const VerifyOptions& options) {
  ASSIGN_OR_RETURN(Input in, OpenInput(options.file));
  Walk w;
  Checker checker;
  RETURN_IF_ERROR(WalkBundle(
      in, w, [](const Manifest&, const std::string&) { return absl::OkStatus(); },
      checker, options.progress));
  if (w.manifest.has_value() && !w.stopped) {
    CheckGraph(w, [&](const oci::Descriptor& d) { return checker.Fetch(d); });
  }
  VerifyReport report;
  report.name = w.name;
  report.manifest = std::move(w.manifest);
  report.bundle_id = w.id;
  report.blobs_checked = w.blobs_read;
  report.bytes_checked = w.bytes_read;
  report.parts = w.parts;
  report.parts_checked = w.parts_checked;
  report.problems = std::move(w.problems);
  return report;
}

absl::StatusOr<ImportResult> Import(const store::Store& store,
                                    const ImportOptions& options) {
  ASSIGN_OR_RETURN(Input in, OpenInput(options.file));
  // Shared for the whole import: gc waits rather than delete blobs placed
  // here before they are tagged.
  ASSIGN_OR_RETURN(FileLock blob_lock, store.BlobWriteLock());
  StoreWriter writer(store);

  ImportResult result;
  std::map<std::string, std::string> conflicts;  // name -> old digest
  auto on_manifest = [&](const Manifest& m, const std::string& id) -> absl::Status {
    const std::string& name = in.name;
    result.bundle_id = id;
    result.since = m.since;
    std::vector<std::string> lines;
    std::vector<const oci::Descriptor*> lacking;
    for (const oci::Descriptor& d : m.omitted) {
      if (!store.layout().HasBlob(d.digest())) lacking.push_back(&d);
    }
    if (!lacking.empty()) {
      for (const oci::Descriptor* d : lacking) {
        lines.push_back(absl::StrCat(name, ": the store lacks blob ", d->digest(), " (",
                                     d->size(), " bytes), which this differential "
                                     "bundle left out"));
      }
      lines.push_back(absl::StrCat(
          name, ": made since ",
          m.since->kind == Since::Kind::kBundle ? "the bundle " : "a digest list ",
          m.since->digest, "; import that first (", lacking.size(),
          " blob", lacking.size() == 1 ? "" : "s", " missing); nothing was imported"));
      return Failure(absl::StatusCode::kFailedPrecondition, lines);
    }
    ASSIGN_OR_RETURN(std::vector<store::TagEntry> tags, store.Tags());
    std::map<std::string, std::string> have;
    for (const store::TagEntry& t : tags) have[t.name.String()] = t.descriptor.digest();
    for (const BundleImage& image : m.images) {
      auto it = have.find(image.name.String());
      if (it != have.end() && it->second != image.descriptor.digest()) {
        conflicts[it->first] = it->second;
        lines.push_back(absl::StrCat(name, ": tag ", it->first, " is ", it->second,
                                     " in the store, ", image.descriptor.digest(),
                                     " in the bundle"));
      }
    }
    if (!conflicts.empty() && !options.force) {
      lines.push_back(absl::StrCat(name, ": ", conflicts.size(), " tag",
                                   conflicts.size() == 1 ? "" : "s",
                                   " conflict; nothing was imported (--force moves "
                                   "them to the bundle's images)"));
      return Failure(absl::StatusCode::kFailedPrecondition, lines);
    }
    return absl::OkStatus();
  };

  Walk w;
  absl::Status walked = WalkBundle(in, w, on_manifest, writer, options.progress);
  RETURN_IF_ERROR(writer.Finish());
  RETURN_IF_ERROR(walked);
  if (w.manifest.has_value() && !w.stopped) {
    CheckGraph(w, [&](const oci::Descriptor& d) -> absl::StatusOr<std::string> {
      // Every blob is in the store by now (read, or there before).
      absl::StatusOr<std::string> bytes = store.layout().ReadBlob(d);
      if (absl::IsNotFound(bytes.status())) {
        return absl::DataLossError(bytes.status().message());
      }
      return bytes;
    });
  }
  result.blobs_written = writer.blobs_written_;
  result.bytes_written = writer.bytes_written_;
  result.blobs_present = w.blobs_skipped + writer.blobs_present_;
  result.bytes_present = w.bytes_skipped + writer.bytes_present_;
  if (!w.problems.empty()) {
    std::vector<std::string> lines = w.problems;
    if (result.blobs_written > 0) {
      lines.push_back(absl::StrCat(
          w.name, ": nothing was tagged; the ", result.blobs_written,
          " blobs read intact (", result.bytes_written,
          " bytes) stay in the store: import again once the bundle is whole, "
          "and it resumes where this one stopped"));
    } else {
      lines.push_back(absl::StrCat(w.name, ": nothing was tagged"));
    }
    bool part_missing = false;
    for (const std::string& p : w.problems) {
      if (absl::StrContains(p, ": missing (part ")) part_missing = true;
    }
    return Failure(part_missing ? absl::StatusCode::kNotFound
                                : absl::StatusCode::kDataLoss,
                   lines);
  }

  // Tag, checking the conflicts again under the store's lock.
  const Manifest& m = *w.manifest;
  std::vector<std::string> late;
  RETURN_IF_ERROR(store.UpdateIndex([&](oci::Index& index) -> absl::Status {
    // UpdateIndex may call this again (another tool wrote index.json
    // meanwhile): each call starts afresh.
    late.clear();
    result.moved.clear();
    result.tagged.clear();
    std::map<std::string, const BundleImage*> wanted;
    for (const BundleImage& image : m.images) wanted[image.name.String()] = &image;
    std::vector<oci::Descriptor> kept;
    for (oci::Descriptor& d : index.manifests) {
      std::string ref = d.Annotation(oci::kRefNameAnnotation);
      auto it = wanted.find(ref);
      if (it == wanted.end()) {
        kept.push_back(std::move(d));
        continue;
      }
      const std::string& next = it->second->descriptor.digest();
      if (d.digest() != next) {
        if (!options.force) {
          late.push_back(absl::StrCat(in.name, ": tag ", ref, " is ", d.digest(),
                                      " in the store (changed meanwhile), ", next,
                                      " in the bundle"));
        } else {
          result.moved.push_back(absl::StrCat(ref, " ", d.digest(), " -> ", next));
        }
      }
    }
    if (!late.empty()) {
      late.push_back(absl::StrCat(in.name, ": nothing was tagged (--force moves them)"));
      return Failure(absl::StatusCode::kFailedPrecondition, late);
    }
    for (const auto& [ref, image] : wanted) {
      kept.push_back(store::StoreEntry(image->descriptor, image->name));
      result.tagged.push_back(store::TagEntry{image->name, image->descriptor});
    }
    index.manifests = std::move(kept);
    return absl::OkStatus();
  }));

  const catalog::Catalog& meta = m.catalog;
  if (!meta.repositories.empty() || !meta.namespaces.empty()) {
    RETURN_IF_ERROR(Annotate(
        catalog::UpdateCatalog(store.dir(),
                               [&](catalog::Catalog& c) {
                                 catalog::MergeCatalog(meta, c);
                                 return absl::OkStatus();
                               }),
        absl::StrCat(in.name, ": the images are tagged, but the catalog was not "
                              "updated")));
    result.catalog_entries = meta.repositories.size() + meta.namespaces.size();
  }
  return result;
}

absl::StatusOr<ManifestInfo> ReadBundleManifest(const std::string& file) {
  ASSIGN_OR_RETURN(Input in, OpenInput(file));
  ASSIGN_OR_RETURN(std::unique_ptr<archive::TarReader> r,
                   archive::TarReader::Open(in.source.get(), in.name));
  archive::TarEntry e;
  ASSIGN_OR_RETURN(bool more, r->Next(&e));
  if (!more || e.name != kManifestName || e.is_dir) {
    return absl::InvalidArgumentError(absl::StrCat(
        in.name, ": not a stowage bundle (its first entry is not ", kManifestName, ")"));
  }
  ASSIGN_OR_RETURN(std::string bytes, ReadEntry(*r, in.name, e, kMaxManifestBytes));
  if (bytes.size() != e.size) {
    return absl::DataLossError(
        absl::StrCat(in.name, ": ", kManifestName, " is cut short"));
  }
  ManifestInfo info;
  ASSIGN_OR_RETURN(info.manifest,
                   ParseManifest(bytes, absl::StrCat(in.name, ": ", kManifestName)));
  info.id = BundleId(bytes);
  return info;
}

}  // namespace stowage::bundle
