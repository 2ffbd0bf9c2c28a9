#include "lib/store/store.h"

#include <stdlib.h>

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/json/json_scan.h"
#include "lib/json/json_value.h"
#include "lib/oci/graph.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"

namespace stowage::store {
namespace {

constexpr char kMetaDir[] = "stowage";

std::string RefName(const oci::Descriptor& d) {
  return d.Annotation(oci::kRefNameAnnotation);
}

// A ref name that is exactly "<repository>:<tag>" in normalized form.
bool ParseEntryName(const std::string& ref, TagName* out) {
  size_t colon = ref.rfind(':');
  if (colon == std::string::npos || ref.find('/') == std::string::npos) {
    return false;
  }
  absl::StatusOr<TagName> name = ParseTagName(ref);
  if (!name.ok() || name->String() != ref) return false;
  *out = std::move(*name);
  return true;
}

// Sorts tags by name and keeps the last of each name, for Tags() and
// ScanTags() alike.
template <typename Entry>
std::vector<Entry> SortedByName(std::vector<Entry> entries) {
  // stowage keeps index.json in this order (UpdateIndex), but another tool
  // may append. Sorting positions rather than entries moves each entry once.
  std::vector<size_t> order;
  auto by_name = [](const Entry& a, const Entry& b) { return a.name < b.name; };
  if (!std::is_sorted(entries.begin(), entries.end(), by_name)) {
    order.resize(entries.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&entries](size_t a, size_t b) {
                       return entries[a].name < entries[b].name;
                     });
  }
  // Of two entries with one name (another tool appended a second), the
  // last written wins, as in skopeo.
  std::vector<Entry> unique;
  unique.reserve(entries.size());
  for (size_t k = 0; k < entries.size(); ++k) {
    Entry& e = entries[order.empty() ? k : order[k]];
    if (!unique.empty() && unique.back().name == e.name) {
      unique.back() = std::move(e);
    } else {
      unique.push_back(std::move(e));
    }
  }
  return unique;
}

// What ScanTags reads of each index entry, in the order of ScanPaths().
enum ScanField { kMediaTypeField, kDigestField, kSizeField, kRefNameField };

const std::vector<std::vector<std::string>>& ScanPaths() {
  static const auto* const kPaths = new std::vector<std::vector<std::string>>{
      {"mediaType"},
      {"digest"},
      {"size"},
      {"annotations", oci::kRefNameAnnotation},
  };
  return *kPaths;
}

// Whether oci::Descriptor::FromJson accepts an entry with these fields, and
// its size. The same checks through the same functions (ValidateDigest,
// JsonValue::AsInt64), as predicates: when one fails, ScanTagsSlowly lets
// FromJson itself word the error.
bool AcceptedByFromJson(const ScannedElement& e, int64_t* size) {
  auto is_string = [&e](ScanField f) {
    return e.present[f] && !e.is_number[f];
  };
  if (!is_string(kMediaTypeField) || e.fields[kMediaTypeField].empty()) {
    return false;
  }
  const std::string& digest = e.fields[kDigestField];
  if (!is_string(kDigestField) || !absl::StartsWith(digest, "sha256:") ||
      !ValidateDigest(digest).ok()) {
    return false;
  }
  if (!e.present[kSizeField] || !e.is_number[kSizeField]) return false;
  absl::StatusOr<int64_t> n =
      JsonValue::NumberText(e.fields[kSizeField]).AsInt64();
  if (!n.ok() || *n < 0) return false;
  *size = *n;
  return true;
}

absl::string_view Span(const std::string& text, const ScannedElement& e) {
  return absl::string_view(text).substr(e.begin, e.end - e.begin);
}

// ScanTags for an index.json that the fast path turned down: a damaged one,
// whose error this reports as Layout::ReadIndex words it (the same steps on
// the bytes already read, so a concurrent writer cannot make the two
// disagree), or one with a ref name that is not a string, which Tags()
// treats as no name.
absl::StatusOr<TagScan> ScanTagsSlowly(
    const std::string& path, std::unique_ptr<const std::string> text) {
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(*text);
  if (!doc.ok()) {
    return absl::DataLossError(
        absl::StrCat(path, ": ", doc.status().message()));
  }
  if (!doc->is_object()) {
    return absl::DataLossError(absl::StrCat(path, ": not a JSON object"));
  }
  JsonValue* list = doc->FindMutable("manifests");
  if (list != nullptr && !list->is_array()) {
    return absl::DataLossError(
        absl::StrCat(path, ": \"manifests\" must be an array"));
  }
  std::vector<oci::Descriptor> descriptors;
  if (list != nullptr) {
    descriptors.reserve(list->items().size());
    for (size_t i = 0; i < list->items().size(); ++i) {
      absl::StatusOr<oci::Descriptor> d =
          oci::Descriptor::FromJson(std::move(list->mutable_items()[i]));
      if (!d.ok()) {
        return absl::DataLossError(
            absl::StrCat(path, ": manifests[", i, "]: ", d.status().message()));
      }
      descriptors.push_back(std::move(*d));
    }
  }
  // Every element is an object now, so only the spans are left to find.
  ASSIGN_OR_RETURN(std::vector<ScannedElement> spans,
                   ScanArrayElements(*text, "manifests", {}));
  if (spans.size() != descriptors.size()) {
    return absl::InternalError(
        absl::StrCat(path, ": the scan and the parse disagree"));
  }
  TagScan scan;
  std::vector<TagSummary> tags;
  for (size_t i = 0; i < descriptors.size(); ++i) {
    const oci::Descriptor& d = descriptors[i];
    TagName name;
    if (ParseEntryName(RefName(d), &name)) {
      tags.push_back(TagSummary{std::move(name), d.media_type(), d.digest(),
                                d.size(), Span(*text, spans[i])});
    } else {
      scan.skipped.push_back(RefName(d));
    }
  }
  scan.text = std::move(text);
  scan.tags = SortedByName(std::move(tags));
  return scan;
}

}  // namespace

absl::StatusOr<TagEntry> Full(const TagSummary& summary) {
  ASSIGN_OR_RETURN(JsonValue json, JsonValue::Parse(summary.raw));
  ASSIGN_OR_RETURN(oci::Descriptor d,
                   oci::Descriptor::FromJson(std::move(json)));
  return TagEntry{summary.name, std::move(d)};
}

std::string DefaultStorePath() {
  if (const char* s = getenv("STOWAGE_STORE"); s != nullptr && *s != '\0') {
    return s;
  }
  if (const char* x = getenv("XDG_DATA_HOME"); x != nullptr && *x != '\0') {
    return JoinPath(x, "stowage");
  }
  const char* home = getenv("HOME");
  return JoinPath(home != nullptr && *home != '\0' ? home : ".",
                  ".local/share/stowage");
}

absl::StatusOr<TagName> ParseTagName(absl::string_view text) {
  absl::StatusOr<Reference> ref = Reference::Parse(text, RuleSet::kOci);
  if (!ref.ok()) return ref.status();
  if (!ref->host().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        text, ": store names have no registry host; name the repository "
              "alone, e.g. ",
        ref->repository()));
  }
  if (!ref->digest().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(text, ": a digest cannot name a tag; use REPOSITORY:TAG"));
  }
  return TagName{ref->repository(), ref->tag()};
}

oci::Descriptor StoreEntry(const oci::Descriptor& image, const TagName& name) {
  oci::Descriptor d =
      oci::Descriptor::Make(image.media_type(), image.digest(), image.size());
  JsonValue json = d.json();
  if (const JsonValue* p = image.json().Find("platform")) json.Set("platform", *p);
  if (const JsonValue* a = image.json().Find("artifactType")) {
    json.Set("artifactType", *a);
  }
  absl::StatusOr<oci::Descriptor> with = oci::Descriptor::FromJson(json);
  oci::Descriptor out = with.ok() ? std::move(*with) : std::move(d);
  out.SetAnnotation(oci::kRefNameAnnotation, name.String());
  return out;
}

absl::StatusOr<Store> Store::Init(const std::string& dir) {
  ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::OpenOrCreate(dir));
  RETURN_IF_ERROR(MakeDirs(JoinPath(dir, absl::StrCat(kMetaDir, "/tmp"))));
  return Store(std::move(layout));
}

absl::StatusOr<Store> Store::Open(const std::string& dir) {
  if (!Exists(dir) || !Exists(JoinPath(dir, "oci-layout"))) {
    return absl::NotFoundError(absl::StrCat(
        "no store at ", dir, " (create one with 'stowage init ", dir,
        "', or name another with --store or $STOWAGE_STORE)"));
  }
  ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::Open(dir));
  // A layout made by another tool becomes a store on first use.
  RETURN_IF_ERROR(MakeDirs(JoinPath(dir, absl::StrCat(kMetaDir, "/tmp"))));
  return Store(std::move(layout));
}

std::string Store::TempDir() const {
  return JoinPath(dir(), absl::StrCat(kMetaDir, "/tmp"));
}

absl::StatusOr<FileLock> Store::Lock() const {
  return FileLock::Acquire(JoinPath(dir(), absl::StrCat(kMetaDir, "/lock")));
}

absl::StatusOr<FileLock> Store::BlobWriteLock() const {
  return FileLock::Acquire(JoinPath(dir(), absl::StrCat(kMetaDir, "/gc.lock")),
                           /*shared=*/true);
}

absl::StatusOr<std::vector<TagEntry>> Store::Tags(
    std::vector<std::string>* skipped) const {
  ASSIGN_OR_RETURN(oci::Index index, layout_.ReadIndex());
  std::vector<TagEntry> out;
  out.reserve(index.manifests.size());
  for (oci::Descriptor& d : index.manifests) {
    TagName name;
    if (ParseEntryName(RefName(d), &name)) {
      out.push_back(TagEntry{std::move(name), std::move(d)});
    } else if (skipped != nullptr) {
      skipped->push_back(RefName(d));
    }
  }
  return SortedByName(std::move(out));
}

absl::StatusOr<TagScan> Store::ScanTags() const {
  std::string path = JoinPath(dir(), "index.json");
  absl::StatusOr<std::string> read = ReadFile(path);
  if (!read.ok()) {
    // As Layout::ReadIndex.
    if (absl::IsNotFound(read.status())) {
      return absl::DataLossError(absl::StrCat(path, ": missing"));
    }
    return read.status();
  }
  return ScanTagsOf(std::move(*read));
}

absl::StatusOr<TagScan> Store::ScanTagsOf(std::string index_json) const {
  std::string path = JoinPath(dir(), "index.json");
  auto text = std::make_unique<const std::string>(std::move(index_json));
  absl::StatusOr<std::vector<ScannedElement>> entries =
      ScanArrayElements(*text, "manifests", ScanPaths());
  if (!entries.ok()) return ScanTagsSlowly(path, std::move(text));
  TagScan scan;
  std::vector<TagSummary> tags;
  tags.reserve(entries->size());
  for (ScannedElement& e : *entries) {
    int64_t size = 0;
    if (!AcceptedByFromJson(e, &size)) {
      return ScanTagsSlowly(path, std::move(text));
    }
    // Descriptor::Annotation gives "" for a value that is not a string.
    std::string& ref = e.fields[kRefNameField];
    if (e.is_number[kRefNameField]) ref.clear();
    TagName name;
    if (ParseEntryName(ref, &name)) {
      tags.push_back(
          TagSummary{std::move(name), std::move(e.fields[kMediaTypeField]),
                     std::move(e.fields[kDigestField]), size, Span(*text, e)});
    } else {
      scan.skipped.push_back(std::move(ref));
    }
  }
  scan.text = std::move(text);
  scan.tags = SortedByName(std::move(tags));
  return scan;
}

absl::StatusOr<TagEntry> Store::Find(const TagName& name) const {
  ASSIGN_OR_RETURN(std::vector<TagEntry> tags, Tags());
  for (TagEntry& e : tags) {
    if (e.name == name) return std::move(e);
  }
  return absl::NotFoundError(
      absl::StrCat("no image tagged ", name.String(), " in the store ", dir()));
}

absl::Status Store::UpdateIndex(
    const std::function<absl::Status(oci::Index&)>& change) const {
  ASSIGN_OR_RETURN(FileLock lock, Lock());
  ASSIGN_OR_RETURN(oci::Index index, layout_.ReadIndex());
  RETURN_IF_ERROR(change(index));
  // Sorted as Tags() sorts: by repository, then tag ("a/b:x" before
  // "a/b1:x", where the ref names' string order differs), so that the file
  // lists the tags in the order readers give them.
  auto by_ref = [](const oci::Descriptor& a, const oci::Descriptor& b) {
    std::string ra = RefName(a), rb = RefName(b);
    absl::string_view va = ra, vb = rb;
    size_t ca = va.find(':'), cb = vb.find(':');
    absl::string_view repo_a = va.substr(0, ca), repo_b = vb.substr(0, cb);
    if (repo_a != repo_b) return repo_a < repo_b;
    return va.substr(std::min(ca, va.size())) < vb.substr(std::min(cb, vb.size()));
  };
  if (!std::is_sorted(index.manifests.begin(), index.manifests.end(), by_ref)) {
    std::stable_sort(index.manifests.begin(), index.manifests.end(), by_ref);
  }
  return layout_.WriteIndex(index);
}

absl::Status Store::SetTags(const std::vector<TagEntry>& entries) const {
  return UpdateIndex([&](oci::Index& index) {
    std::map<std::string, const TagEntry*> wanted;
    for (const TagEntry& e : entries) wanted[e.name.String()] = &e;
    std::vector<oci::Descriptor> kept;
    for (oci::Descriptor& d : index.manifests) {
      if (wanted.count(RefName(d)) == 0) kept.push_back(std::move(d));
    }
    for (const auto& [name, e] : wanted) {
      kept.push_back(StoreEntry(e->descriptor, e->name));
    }
    index.manifests = std::move(kept);
    return absl::OkStatus();
  });
}

absl::StatusOr<size_t> Store::RemoveTags(const std::string& repository,
                                         const std::string& tag) const {
  size_t removed = 0;
  RETURN_IF_ERROR(UpdateIndex([&](oci::Index& index) {
    std::vector<oci::Descriptor> kept;
    for (oci::Descriptor& d : index.manifests) {
      TagName name;
      if (ParseEntryName(RefName(d), &name) && name.repository == repository &&
          (tag.empty() || name.tag == tag)) {
        ++removed;
      } else {
        kept.push_back(std::move(d));
      }
    }
    if (removed == 0) {
      return absl::NotFoundError(
          tag.empty()
              ? absl::StrCat("no repository ", repository, " in the store ", dir())
              : absl::StrCat("no image tagged ", repository, ":", tag,
                             " in the store ", dir()));
    }
    index.manifests = std::move(kept);
    return absl::OkStatus();
  }));
  return removed;
}

absl::StatusOr<Store::GcReport> Store::Gc(bool dry_run) const {
  // Exclusive: no import is placing blobs while we decide what is garbage.
  ASSIGN_OR_RETURN(FileLock blobs_lock,
                   FileLock::Acquire(JoinPath(dir(), absl::StrCat(kMetaDir, "/gc.lock"))));
  ASSIGN_OR_RETURN(FileLock index_lock, Lock());
  ASSIGN_OR_RETURN(oci::Index index, layout_.ReadIndex());
  std::set<std::string> reachable;
  for (const oci::Descriptor& root : index.manifests) {
    absl::StatusOr<std::vector<oci::Descriptor>> graph =
        oci::CollectGraph(layout_, root);
    if (!graph.ok()) {
      return Annotate(graph.status(),
                      absl::StrCat("gc stopped, nothing deleted: the entry \"",
                                   RefName(root), "\" is damaged"));
    }
    for (const oci::Descriptor& d : *graph) reachable.insert(d.digest());
  }
  GcReport report;
  std::string blobs = JoinPath(dir(), "blobs/sha256");
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(blobs));
  for (const std::string& name : names) {
    std::string path = JoinPath(blobs, name);
    bool temp = absl::StartsWith(name, ".tmp-");
    if (!temp && reachable.count("sha256:" + name) > 0) {
      ++report.blobs_kept;
      continue;
    }
    ASSIGN_OR_RETURN(FileInfo info, Stat(path));
    if (!temp) {
      ++report.blobs_removed;
      report.bytes_freed += info.size;
    }
    if (!dry_run) RETURN_IF_ERROR(RemoveAll(path));
  }
  if (!dry_run) {
    // Staging directories of interrupted archive imports and exports.
    ASSIGN_OR_RETURN(std::vector<std::string> stale, ListDir(TempDir()));
    for (const std::string& name : stale) {
      RETURN_IF_ERROR(RemoveAll(JoinPath(TempDir(), name)));
    }
  }
  return report;
}

}  // namespace stowage::store
