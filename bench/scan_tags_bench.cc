// Times Store::Tags() against Store::ScanTags() (and the JSON layers under
// them) on a 50,000-tag index.json like a real store's. Not a test: build
// and run by hand, optimized (the default in .bazelrc):
//
//   bazel run //bench:scan_tags_bench [-- STORE_TO_COPY]
//
// With STORE_TO_COPY, its index.json is timed too (copied first; the store
// itself is only read).
//
// These are warm timings: memory freed by one run is reused by the next.
// A fresh process pays far more for memory it touches first (page faults);
// bench/store_bench.sh times whole commands.

#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/fs/file.h"
#include "lib/json/json_scan.h"
#include "lib/json/json_value.h"
#include "lib/reference/reference.h"
#include "lib/store/store.h"

namespace stowage::store {
namespace {

std::string SyntheticIndex(int tags) {
  std::mt19937_64 rng(42);
  std::string out =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)";
  std::vector<std::string> names;
  for (int i = 0; i < tags; ++i) {
    names.push_back(
        absl::StrCat("org", i / 500, "/app", i / 5, ":v", i % 5 + 1));
  }
  std::sort(names.begin(), names.end());  // stowage writes index.json sorted
  for (int i = 0; i < tags; ++i) {
    std::string hex;
    for (int j = 0; j < 4; ++j)
      absl::StrAppend(&hex, absl::Hex(rng(), absl::kZeroPad16));
    absl::StrAppend(
        &out, i == 0 ? "" : ",",
        R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)",
        hex, R"(","size":)", 400 + rng() % 1000,
        R"(,"annotations":{"org.opencontainers.image.ref.name":")", names[i],
        R"("}})");
  }
  absl::StrAppend(&out, "]}");
  return out;
}

// The median and best of `runs` timings of `f`, in milliseconds.
void Time(const char* what, int runs, const std::function<void()>& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  printf("  %-34s median %7.1f ms   best %7.1f ms\n", what, ms[ms.size() / 2],
         ms.front());
}

int Bench(const std::string& dir) {
  absl::StatusOr<Store> s = Store::Open(dir);
  if (!s.ok()) {
    fprintf(stderr, "%s\n", std::string(s.status().message()).c_str());
    return 1;
  }
  std::string text = *ReadFile(JoinPath(dir, "index.json"));
  absl::StatusOr<TagScan> check = s->ScanTags();
  absl::StatusOr<std::vector<TagEntry>> tags = s->Tags();
  if (!check.ok() || !tags.ok() || check->tags.size() != tags->size()) {
    fprintf(stderr, "ScanTags and Tags disagree\n");
    return 1;
  }
  printf("%s: %zu bytes, %zu tags\n", dir.c_str(), text.size(), tags->size());
  const int kRuns = 11;
  const std::vector<std::vector<std::string>> paths = {
      {"mediaType"},
      {"digest"},
      {"size"},
      {"annotations", "org.opencontainers.image.ref.name"}};
  Time("JsonValue::Parse", kRuns, [&] { (void)JsonValue::Parse(text); });
  Time("ScanArrayElements (4 paths)", kRuns,
       [&] { (void)ScanArrayElements(text, "manifests", paths); });
  Time("ScanArrayElements (no paths)", kRuns,
       [&] { (void)ScanArrayElements(text, "manifests", {}); });
  Time("VisitArrayElements (4 paths)", kRuns, [&] {
    size_t n = 0;
    (void)VisitArrayElements(text, "manifests", paths,
                             [&n](const ScannedElementView&) { ++n; });
  });
  const std::string path = JoinPath(dir, "index.json");
  Time("ReadFile(index.json)", kRuns, [&] { (void)ReadFile(path); });
  Time("MappedFile::Map(index.json)", kRuns, [&] {
    absl::StatusOr<Fd> fd = OpenForRead(path);
    (void)MappedFile::Map(*fd, path);
  });
  Time("ParseTagName x tags", kRuns, [&] {
    for (const TagEntry& e : *tags) (void)ParseTagName(e.name.String());
  });
  Time("ValidateDigest x tags", kRuns, [&] {
    for (const TagEntry& e : *tags) (void)ValidateDigest(e.descriptor.digest());
  });
  Time("Store::Tags()", kRuns, [&] { (void)s->Tags(); });
  Time("Store::ScanTags()", kRuns, [&] { (void)s->ScanTags(); });
  // What publish does: map index.json through a descriptor it keeps, scan.
  Time("Map + ScanTagsOf(MappedFile)", kRuns, [&] {
    absl::StatusOr<Fd> fd = OpenForRead(path);
    absl::StatusOr<MappedFile> mapped = MappedFile::Map(*fd, path);
    absl::StatusOr<TagScan> scan = s->ScanTagsOf(std::move(*mapped));
    if (!scan.ok() || scan->tags.size() != tags->size()) abort();
  });
  Time("ReadAll + ScanTagsOf(string)", kRuns, [&] {
    absl::StatusOr<Fd> fd = OpenForRead(path);
    absl::StatusOr<std::string> read = ReadAll(*fd, path);
    absl::StatusOr<TagScan> scan = s->ScanTagsOf(std::move(*read));
    if (!scan.ok() || scan->tags.size() != tags->size()) abort();
  });
  Time("ScanTags() + Full() of one tag", kRuns, [&] {
    absl::StatusOr<TagScan> scan = s->ScanTags();
    (void)Full(scan->tags[scan->tags.size() / 2]);
  });
  return 0;
}

std::string TempStore() {
  std::string tmpl = "/tmp/scan-tags-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) abort();
  if (!Store::Init(tmpl).ok()) abort();
  return tmpl;
}

}  // namespace
}  // namespace stowage::store

int main(int argc, char** argv) {
  using namespace stowage;
  using namespace stowage::store;
  std::string synthetic = TempStore();
  if (!WriteFileAtomic(JoinPath(synthetic, "index.json"), SyntheticIndex(50000))
           .ok()) {
    return 1;
  }
  int rc = Bench(synthetic);
  if (rc == 0 && argc > 1) {
    std::string copy = TempStore();
    absl::StatusOr<std::string> text =
        ReadFile(JoinPath(argv[1], "index.json"));
    if (!text.ok() ||
        !WriteFileAtomic(JoinPath(copy, "index.json"), *text).ok()) {
      return 1;
    }
    rc = Bench(copy);
    (void)RemoveAll(copy);
  }
  (void)RemoveAll(synthetic);
  return rc;
}
