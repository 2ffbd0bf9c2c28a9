#include "lib/store/store.h"

#include <stdlib.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <numeric>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/base/status_macros.h"
#include "lib/json/json_scan.h"
#include "lib/json/json_value.h"
#include "lib/oci/graph.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"
#include "lib/store/filename.h"

namespace stowage::store {
namespace {

std::string RefName(const oci::Descriptor& d) {
  return d.Annotation(oci::kRefNameAnnotation);
}

// A ref name that is exactly "<repository>:<tag>" in normalized form.
bool ParseEntryName(absl::string_view ref, TagName* out) {
  size_t colon = ref.rfind(':');
  if (colon == absl::string_view::npos ||
      ref.find('/') == absl::string_view::npos) {
    return false;
  }
  absl::StatusOr<TagName> name = ParseTagName(ref);
  if (!name.ok()) return false;
  // name->String() == ref, without building that string.
  const std::string& repository = name->repository;
  if (ref.size() != repository.size() + 1 + name->tag.size() ||
      !absl::StartsWith(ref, repository) || ref[repository.size()] != ':' ||
      !absl::EndsWith(ref, name->tag)) {
    return false;
  }
  *out = std::move(*name);
  return true;
}

// ParseEntryName for the entries of one index, in order, faster: an entry
// whose repository is the last accepted one (tags of one repository come
// together) needs only its tag checked. That gives ParseEntryName's answer:
// with the same text before the last ':', Analyze splits off no host and
// the same path, which it has accepted; only CheckTag of the rest can fail,
// and ValidateTag runs that very check.
class EntryNameParser {
 public:
  bool Parse(absl::string_view ref, TagName* out) {
    size_t colon = ref.rfind(':');
    if (colon != absl::string_view::npos && !last_repository_.empty() &&
        ref.substr(0, colon) == last_repository_) {
      absl::string_view tag = ref.substr(colon + 1);
      if (!ValidateTag(tag).ok()) return false;
      out->repository = last_repository_;
      out->tag = std::string(tag);
      return true;
    }
    if (!ParseEntryName(ref, out)) return false;
    last_repository_ = out->repository;
    return true;
  }

 private:
  std::string last_repository_;  // "" before the first accepted name
};

// Sorts tags by name and keeps the last of each name, for Tags() and
// ScanTags() alike.
template <typename Entry>
std::vector<Entry> SortedByName(std::vector<Entry> entries) {
  auto by_name = [](const Entry& a, const Entry& b) { return a.name < b.name; };
  // stowage keeps index.json in this order, one entry per name
  // (UpdateIndex): then there is nothing to do, and no second vector to
  // fill (a large one is slow to touch).
  auto not_before = [&by_name](const Entry& a, const Entry& b) {
    return !by_name(a, b);
  };
  if (std::adjacent_find(entries.begin(), entries.end(), not_before) ==
      entries.end()) {
    return entries;
  }
  // Another tool may append. Sorting positions rather than entries moves
  // each entry once.
  std::vector<size_t> order;
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

// What a TagScan's views point into. Never moves once made (it is reached
// through TagScan::owner), so neither do the views.
struct ScanStorage {
  std::string read;    // index.json's bytes, when given as a string
  MappedFile mapped;   // or as a mapping
  // Values that are not verbatim in the text (written with escapes, or from
  // the slow path's Descriptors); a deque keeps each string in place.
  std::deque<std::string> decoded;

  // A view of `value` that lives as long as this storage.
  absl::string_view Keep(absl::string_view value) {
    return decoded.emplace_back(value);
  }
};

// sha256:<64 lowercase hex>, checked without branching on each digit:
// exactly what ValidateDigest accepts of a digest that starts "sha256:" and
// is 71 bytes long, and so a fast way to say yes for nearly every digest in
// a store. (Anything else goes to ValidateDigest itself.)
bool IsPlainSha256Digest(absl::string_view digest) {
  constexpr absl::string_view kPrefix = "sha256:";
  if (digest.size() != kPrefix.size() + 64 ||
      digest.substr(0, kPrefix.size()) != kPrefix) {
    return false;
  }
  const unsigned char* hex =
      reinterpret_cast<const unsigned char*>(digest.data()) + kPrefix.size();
  unsigned bad = 0;
  for (size_t i = 0; i < 64; ++i) {
    unsigned c = hex[i];
    bad |= static_cast<unsigned>(c - '0' > 9u) &
           static_cast<unsigned>(c - 'a' > 5u);
  }
  return bad == 0;
}

// What JsonValue::NumberText(text).AsInt64() gives when it succeeds with a
// non-negative value. Up to 18 digits cannot overflow an int64 and are
// converted here, without making a JsonValue; other numbers go through
// AsInt64 itself.
bool NonNegativeSize(absl::string_view text, int64_t* size) {
  if (!text.empty() && text.size() <= 18) {
    int64_t n = 0;
    bool digits = true;
    for (char c : text) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      n = n * 10 + (c - '0');
    }
    if (digits) {
      *size = n;
      return true;
    }
  }
  absl::StatusOr<int64_t> n =
      JsonValue::NumberText(std::string(text)).AsInt64();
  if (!n.ok() || *n < 0) return false;
  *size = *n;
  return true;
}

// Whether oci::Descriptor::FromJson accepts an entry with these fields (in
// the order of ScanPaths()), and its size. The same checks as FromJson's
// (ValidateDigest, JsonValue::AsInt64, or faster ones that accept exactly
// the same), as predicates: when one fails, ScanTagsSlowly lets FromJson
// itself word the error.
bool AcceptedByFromJson(absl::Span<const ScannedField> fields, int64_t* size) {
  const ScannedField& media_type = fields[kMediaTypeField];
  if (media_type.kind != ScannedField::Kind::kString ||
      media_type.value.empty()) {
    return false;
  }
  const ScannedField& digest = fields[kDigestField];
  if (digest.kind != ScannedField::Kind::kString) return false;
  if (!IsPlainSha256Digest(digest.value) &&
      (!absl::StartsWith(digest.value, "sha256:") ||
       !ValidateDigest(digest.value).ok())) {
    return false;
  }
  const ScannedField& n = fields[kSizeField];
  if (n.kind != ScannedField::Kind::kNumber) return false;
  return NonNegativeSize(n.value, size);
}

// How many entries an index.json of `size` bytes can hold at most, give or
// take: an entry that ScanTags accepts takes at least about 100 bytes (its
// digest alone 80). Reserving that many summaries costs address space, not
// memory: the pages never written are never touched.
size_t MaxEntries(size_t size) { return size / 100 + 1; }

// index.json's bytes `text` parsed as Layout::ReadIndex parses the file it
// reads (oci::ParseIndex), with its errors naming `path`: the same steps on
// bytes already read, so that a caller knows exactly which bytes it parsed.
absl::StatusOr<oci::Index> ParseIndex(const std::string& path,
                                      absl::string_view text) {
  return oci::ParseIndex(text, path);
}

// ScanTags for an index.json that the fast path turned down: a damaged one,
// whose error this reports as Layout::ReadIndex words it (the same steps on
// the bytes already read, so a concurrent writer cannot make the two
// disagree), or one with a ref name that is not a string, which Tags()
// treats as no name. `text` lies in `storage`.
absl::StatusOr<TagScan> ScanTagsSlowly(const std::string& path,
                                       std::shared_ptr<ScanStorage> storage,
                                       absl::string_view text) {
  ASSIGN_OR_RETURN(oci::Index index, ParseIndex(path, text));
  const std::vector<oci::Descriptor>& descriptors = index.manifests;
  // Every element is an object now, so only the spans are left to find.
  ASSIGN_OR_RETURN(std::vector<ScannedElement> spans,
                   ScanArrayElements(text, "manifests", {}));
  if (spans.size() != descriptors.size()) {
    return absl::InternalError(
        absl::StrCat(path, ": the scan and the parse disagree"));
  }
  storage->decoded.clear();  // what the fast path kept, if anything
  TagScan scan;
  std::vector<TagSummary> tags;
  EntryNameParser names;
  for (size_t i = 0; i < descriptors.size(); ++i) {
    const oci::Descriptor& d = descriptors[i];
    TagName name;
    if (names.Parse(RefName(d), &name)) {
      const ScannedElement& e = spans[i];
      tags.push_back(TagSummary{std::move(name), storage->Keep(d.media_type()),
                                storage->Keep(d.digest()), d.size(),
                                text.substr(e.begin, e.end - e.begin)});
    } else {
      scan.skipped.push_back(RefName(d));
    }
  }
  scan.tags = SortedByName(std::move(tags));
  scan.text = text;
  scan.owner = std::move(storage);
  return scan;
}

// ScanTags of `text`, which lies in `storage`.
absl::StatusOr<TagScan> ScanIndex(const std::string& path,
                                  std::shared_ptr<ScanStorage> storage,
                                  absl::string_view text) {
  TagScan scan;
  std::vector<TagSummary> tags;
  tags.reserve(MaxEntries(text.size()));
  bool fast = true;  // false: an entry needs the slow path's words
  EntryNameParser names;
  absl::Status status = VisitArrayElements(
      text, "manifests", ScanPaths(), [&](const ScannedElementView& e) {
        if (!fast) return;
        int64_t size = 0;
        if (!AcceptedByFromJson(e.fields, &size)) {
          fast = false;
          return;
        }
        // Descriptor::Annotation gives "" for a value that is not a string.
        const ScannedField& ref_field = e.fields[kRefNameField];
        absl::string_view ref = ref_field.kind == ScannedField::Kind::kString
                                    ? ref_field.value
                                    : absl::string_view();
        TagName name;
        if (!names.Parse(ref, &name)) {
          scan.skipped.emplace_back(ref);
          return;
        }
        auto keep = [&storage](const ScannedField& f) {
          return f.in_text ? f.value : storage->Keep(f.value);
        };
        tags.push_back(TagSummary{std::move(name),
                                  keep(e.fields[kMediaTypeField]),
                                  keep(e.fields[kDigestField]), size,
                                  text.substr(e.begin, e.end - e.begin)});
      });
  if (!status.ok() || !fast) {
    return ScanTagsSlowly(path, std::move(storage), text);
  }
  scan.tags = SortedByName(std::move(tags));
  scan.text = text;
  scan.owner = std::move(storage);
  return scan;
}

// The digests of every blob an entry of `index` reaches. An entry whose
// graph is damaged stops gc before anything is deleted.
absl::StatusOr<std::set<std::string>> Reachable(const oci::Layout& layout,
                                                const oci::Index& index) {
  std::set<std::string> reachable;
  for (const oci::Descriptor& root : index.manifests) {
    absl::StatusOr<std::vector<oci::Descriptor>> graph =
        oci::CollectGraph(layout, root);
    if (!graph.ok()) {
      return Annotate(graph.status(),
                      absl::StrCat("gc stopped, nothing deleted: the entry \"",
                                   RefName(root), "\" is damaged"));
    }
    for (const oci::Descriptor& d : *graph) reachable.insert(d.digest());
  }
  return reachable;
}

// Whether a file was written, linked or renamed after `cutoff`.
bool YoungerThan(const FileInfo& info, absl::Time cutoff) {
  return std::max(info.modified, info.changed) > cutoff;
}

// Gc's pass over blobs/sha256 (`blobs`): deletes unreachable blobs and
// temporary files older than `cutoff`, counting into `report`.
absl::Status SweepBlobs(const std::string& blobs,
                        const std::set<std::string>& reachable,
                        absl::Time cutoff, bool dry_run, Store::GcReport* report) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(blobs));
  for (const std::string& name : names) {
    bool temp = absl::StartsWith(name, ".tmp-");
    if (!temp && reachable.count("sha256:" + name) > 0) {
      ++report->blobs_kept;
      continue;
    }
    std::string path = JoinPath(blobs, name);
    absl::StatusOr<FileInfo> info = Stat(path);
    if (absl::IsNotFound(info.status())) continue;  // its writer renamed it
    if (!info.ok()) return info.status();
    if (YoungerThan(*info, cutoff)) {
      ++report->kept_young;
      continue;
    }
    if (!temp) {
      ++report->blobs_removed;
      report->bytes_freed += info->size;
    }
    if (!dry_run) RETURN_IF_ERROR(RemoveAll(path));
  }
  return absl::OkStatus();
}

// Gc's pass over the store's temporary directory `temp_dir` (staging
// directories of interrupted archive imports and exports): deletes the
// entries older than `cutoff`. A store that has none yet has nothing to do.
absl::Status SweepTempDir(const std::string& temp_dir, absl::Time cutoff,
                          bool dry_run, Store::GcReport* report) {
  absl::StatusOr<std::vector<std::string>> names = ListDir(temp_dir);
  if (absl::IsNotFound(names.status())) return absl::OkStatus();
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    std::string path = JoinPath(temp_dir, name);
    absl::StatusOr<FileInfo> info = Stat(path);
    if (absl::IsNotFound(info.status())) continue;
    if (!info.ok()) return info.status();
    if (YoungerThan(*info, cutoff)) {
      ++report->kept_young;
    } else if (!dry_run) {
      RETURN_IF_ERROR(RemoveAll(path));
    }
  }
  return absl::OkStatus();
}

// How often UpdateIndex runs its read-change-write when another program
// keeps writing index.json, and how often a file that does not parse is
// read (RetryHalfWritten).
constexpr int kIndexUpdateTries = 20;
constexpr int kHalfWrittenTries = 5;  // pauses of 10 ms, doubling: 150 ms in all

// index.json's bytes and what they parse to.
struct IndexSnapshot {
  std::string bytes;
  oci::Index index;
};

// Reads index.json (at `path`) once. DataLoss when it is missing or does
// not parse, as Layout::ReadIndex.
absl::StatusOr<IndexSnapshot> ReadIndexSnapshot(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path, oci::kMaxIndexBytes);
  if (absl::IsNotFound(bytes.status())) {
    return absl::DataLossError(absl::StrCat(path, ": missing"));
  }
  if (!bytes.ok()) return bytes.status();
  ASSIGN_OR_RETURN(oci::Index index, ParseIndex(path, *bytes));
  return IndexSnapshot{std::move(*bytes), std::move(index)};
}

// Calls `read` again after a pause (10 ms, doubling) while it fails with a
// status that `half_written` accepts, at most kHalfWrittenTries times in
// all: a program that rewrites a file in place (skopeo truncates index.json
// and oci-layout, then writes them) leaves it empty or half-written for a
// moment. The first success, or the last failure.
template <typename T, typename Read, typename Pred>
absl::StatusOr<T> RetryHalfWritten(const Read& read, const Pred& half_written) {
  absl::Duration pause = absl::Milliseconds(10);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<T> result = read();
    if (result.ok() || attempt == kHalfWrittenTries ||
        !half_written(result.status())) {
      return result;
    }
    absl::SleepFor(pause);
    pause *= 2;
  }
}

bool IsHalfWrittenIndex(const absl::Status& s) {
  return s.GetPayload(oci::kIndexNotJson).has_value();
}

// ReadIndexSnapshot, waiting out a half-written index.json.
absl::StatusOr<IndexSnapshot> ReadSettledIndex(const std::string& path) {
  return RetryHalfWritten<IndexSnapshot>(
      [&path] { return ReadIndexSnapshot(path); }, IsHalfWrittenIndex);
}

// Sorts index entries as Tags() sorts: by repository, then tag ("a/b:x"
// before "a/b1:x", where the ref names' string order differs), so that the
// file lists the tags in the order readers give them.
void SortByName(std::vector<oci::Descriptor>& manifests) {
  auto by_ref = [](const oci::Descriptor& a, const oci::Descriptor& b) {
    std::string ra = RefName(a), rb = RefName(b);
    absl::string_view va = ra, vb = rb;
    size_t ca = va.find(':'), cb = vb.find(':');
    absl::string_view repo_a = va.substr(0, ca), repo_b = vb.substr(0, cb);
    if (repo_a != repo_b) return repo_a < repo_b;
    return va.substr(std::min(ca, va.size())) < vb.substr(std::min(cb, vb.size()));
  };
  if (!std::is_sorted(manifests.begin(), manifests.end(), by_ref)) {
    std::stable_sort(manifests.begin(), manifests.end(), by_ref);
  }
}

// Replaces index.json (at `path`) with `index` atomically, unless its bytes
// are no longer `before`: then writes nothing and returns false.
absl::StatusOr<bool> ReplaceIndexIfUnchanged(const std::string& path,
                                             absl::string_view before,
                                             const oci::Index& index) {
  // A change that changes nothing (a pull of what the store has) writes
  // nothing: no rename, no fsync, the file's time unchanged.
  const std::string text = index.Serialize();
  if (text == before) return true;
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(Dirname(path)));
  RETURN_IF_ERROR(tmp.Write(text));
  RETURN_IF_ERROR(tmp.Sync());
  // As late as can be: only the rename follows. (A write by a program that
  // takes no lock in the microseconds between the two is still lost.)
  absl::StatusOr<std::string> now = ReadFile(path, oci::kMaxIndexBytes);
  if (!now.ok() && !absl::IsNotFound(now.status())) return now.status();
  if (!now.ok() || *now != before) return false;  // `tmp` removes itself
  RETURN_IF_ERROR(tmp.Commit(path, /*replace=*/true, /*sync=*/false));
  RETURN_IF_ERROR(SyncDir(Dirname(path)));
  return true;
}

// The lock file `path` (under STORE/stowage/, see filename.h) for a writer,
// made (with stowage/) when missing. PermissionDenied (EACCES, EPERM, EROFS)
// says the store cannot be written, naming it.
absl::StatusOr<FileLock> WriterLock(const std::string& store_dir,
                                    const std::string& path, bool shared) {
  absl::Status made = MakeDirs(MetaDir(store_dir));
  absl::StatusOr<FileLock> lock =
      made.ok() ? FileLock::Acquire(path, shared) : absl::StatusOr<FileLock>(made);
  if (absl::IsPermissionDenied(lock.status())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot write to the store ", store_dir, ": ", lock.status().message()));
  }
  return lock;
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
  return oci::IndexEntry(image, name.String());
}

absl::StatusOr<Store> Store::Init(const std::string& dir) {
  ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::OpenOrCreate(dir));
  Store store(std::move(layout));
  RETURN_IF_ERROR(MakeDirs(store.TempDir()));
  // gc.lock made now, so that users who may only read the store find it to
  // lock (BlobReadLock cannot create it for them). Missing, nobody holds it.
  if (!Exists(GcLockFileName(dir))) {
    ASSIGN_OR_RETURN(FileLock made, store.BlobWriteLock());
  }
  return store;
}

absl::StatusOr<Store> Store::Open(const std::string& dir) {
  if (!Exists(dir) || !Exists(JoinPath(dir, "oci-layout"))) {
    return absl::NotFoundError(absl::StrCat(
        "no store at ", dir, " (create one with 'stowage init ", dir,
        "', or name another with --store or $STOWAGE_STORE)"));
  }
  // An oci-layout that is there but does not parse may be mid-rewrite.
  const std::string marker = JoinPath(dir, "oci-layout");
  ASSIGN_OR_RETURN(oci::Layout layout,
                   RetryHalfWritten<oci::Layout>(
                       [&dir] { return oci::Layout::Open(dir); },
                       [&marker](const absl::Status& s) {
                         return absl::IsInvalidArgument(s) && Exists(marker);
                       }));
  // Nothing is created here, so that a store nobody may write can be read;
  // a layout made by another tool gets stowage/ on its first write.
  return Store(std::move(layout));
}

std::string Store::TempDir() const { return TempDirName(dir()); }

absl::StatusOr<FileLock> Store::Lock() const {
  return WriterLock(dir(), LockFileName(dir()), /*shared=*/false);
}

absl::StatusOr<FileLock> Store::BlobWriteLock() const {
  return WriterLock(dir(), GcLockFileName(dir()), /*shared=*/true);
}

absl::StatusOr<FileLock> Store::BlobReadLock() const {
  absl::StatusOr<FileLock> lock =
      FileLock::AcquireSharedExisting(GcLockFileName(dir()));
  if (absl::IsNotFound(lock.status())) {
    lock = WriterLock(dir(), GcLockFileName(dir()), /*shared=*/true);
  }
  // A lock file this process may not open, or make: go on without the lock
  // (where nobody may write the store, nobody can gc it either).
  if (absl::IsPermissionDenied(lock.status())) return FileLock();
  return lock;
}

absl::StatusOr<Store::MappedIndex> Store::MapIndex() const {
  const std::string path = JoinPath(dir(), "index.json");
  auto map = [&path]() -> absl::StatusOr<MappedIndex> {
    ASSIGN_OR_RETURN(Fd fd, OpenForRead(path));
    ASSIGN_OR_RETURN(MappedFile data, MappedFile::Map(fd, path));
    // A whole JSON object ends with '}'; one cut short is parsed for the
    // error (which says it is not JSON yet).
    absl::string_view text = absl::StripTrailingAsciiWhitespace(data.data());
    if (text.empty() || text.back() != '}') {
      absl::Status parsed = oci::ParseIndex(data.data(), path).status();
      if (!parsed.ok()) return parsed;
    }
    return MappedIndex{std::move(fd), std::move(data)};
  };
  return RetryHalfWritten<MappedIndex>(map, IsHalfWrittenIndex);
}

absl::StatusOr<oci::Index> Store::ReadIndex() const {
  ASSIGN_OR_RETURN(IndexSnapshot read, ReadSettledIndex(JoinPath(dir(), "index.json")));
  return std::move(read.index);
}

absl::StatusOr<std::vector<TagEntry>> Store::Tags(
    std::vector<std::string>* skipped) const {
  ASSIGN_OR_RETURN(IndexSnapshot read,
                   ReadSettledIndex(JoinPath(dir(), "index.json")));
  oci::Index& index = read.index;
  std::vector<TagEntry> out;
  out.reserve(index.manifests.size());
  EntryNameParser names;
  for (oci::Descriptor& d : index.manifests) {
    TagName name;
    if (names.Parse(RefName(d), &name)) {
      out.push_back(TagEntry{std::move(name), std::move(d)});
    } else if (skipped != nullptr) {
      skipped->push_back(RefName(d));
    }
  }
  return SortedByName(std::move(out));
}

absl::StatusOr<TagScan> Store::ScanTags() const {
  const std::string path = JoinPath(dir(), "index.json");
  auto scan = [this, &path]() -> absl::StatusOr<TagScan> {
    absl::StatusOr<std::string> read = ReadFile(path, oci::kMaxIndexBytes);
    // As Layout::ReadIndex.
    if (absl::IsNotFound(read.status())) {
      return absl::DataLossError(absl::StrCat(path, ": missing"));
    }
    if (!read.ok()) return read.status();
    return ScanTagsOf(std::move(*read));
  };
  return RetryHalfWritten<TagScan>(scan, IsHalfWrittenIndex);
}

absl::StatusOr<TagScan> Store::ScanTagsOf(std::string index_json) const {
  auto storage = std::make_shared<ScanStorage>();
  storage->read = std::move(index_json);
  absl::string_view text = storage->read;
  return ScanIndex(JoinPath(dir(), "index.json"), std::move(storage), text);
}

absl::StatusOr<TagScan> Store::ScanTagsOf(MappedFile index_json) const {
  auto storage = std::make_shared<ScanStorage>();
  storage->mapped = std::move(index_json);
  absl::string_view text = storage->mapped.data();
  return ScanIndex(JoinPath(dir(), "index.json"), std::move(storage), text);
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
  const std::string path = JoinPath(dir(), "index.json");
  for (int attempt = 1; attempt <= kIndexUpdateTries; ++attempt) {
    ASSIGN_OR_RETURN(IndexSnapshot read, ReadSettledIndex(path));
    RETURN_IF_ERROR(change(read.index));
    SortByName(read.index.manifests);
    ASSIGN_OR_RETURN(bool replaced,
                     ReplaceIndexIfUnchanged(path, read.bytes, read.index));
    if (replaced) return absl::OkStatus();
    // Another program wrote index.json meanwhile: start over from its version.
    absl::SleepFor(absl::Milliseconds(2 * attempt));
  }
  return absl::AbortedError(absl::StrCat(
      path, ": another program changed it each of the ", kIndexUpdateTries,
      " times stowage tried to update it; nothing was written"));
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
    removed = 0;  // counted again when UpdateIndex starts over
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

absl::StatusOr<Store::GcReport> Store::Gc(const GcOptions& options) const {
  // Exclusive: no import is placing blobs while we decide what is garbage.
  ASSIGN_OR_RETURN(FileLock blobs_lock,
                   WriterLock(dir(), GcLockFileName(dir()), /*shared=*/false));
  ASSIGN_OR_RETURN(FileLock index_lock, Lock());
  // skopeo rewrites index.json in place, taking no lock: wait out a
  // half-written one rather than fail.
  ASSIGN_OR_RETURN(oci::Index index, ReadIndex());
  ASSIGN_OR_RETURN(std::set<std::string> reachable, Reachable(layout_, index));
  // Files changed after this are young, however long the sweep takes.
  const absl::Time cutoff = absl::Now() - options.grace;
  GcReport report;
  RETURN_IF_ERROR(SweepBlobs(JoinPath(dir(), "blobs/sha256"), reachable, cutoff,
                             options.dry_run, &report));
  RETURN_IF_ERROR(SweepTempDir(TempDir(), cutoff, options.dry_run, &report));
  return report;
}

}  // namespace stowage::store
