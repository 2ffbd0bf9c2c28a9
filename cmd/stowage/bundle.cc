// stowage bundle create/verify/import: many repositories as one
// deduplicated, verifiable, splittable file for an air gap (lib/bundle).

#include <cmath>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/archive/tar_stream.h"
#include "lib/bundle/create.h"
#include "lib/bundle/read.h"
#include "lib/store/store.h"

namespace stowage {
namespace {

// "4G" -> 4,000,000,000; "4Gi" -> 4 GiB; "650M", "1.5G", "4096" (bytes).
// Decimal units, as media are sold: 4G fits FAT32's 4 GiB - 1 limit.
absl::StatusOr<uint64_t> ParseByteSize(const std::string& text) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  size_t end = t.find_first_not_of("0123456789.");
  std::string number = t.substr(0, end);
  std::string unit = end == std::string::npos ? "" : t.substr(end);
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();
  double value = 0;
  static const std::vector<std::pair<std::string, double>> kUnits = {
      {"", 1},          {"k", 1e3},        {"m", 1e6},         {"g", 1e9},
      {"t", 1e12},      {"ki", 1024.0},    {"mi", 1048576.0},  {"gi", 1073741824.0},
      {"ti", 1099511627776.0}};
  for (const auto& [name, factor] : kUnits) {
    if (unit == name && !number.empty() && absl::SimpleAtod(number, &value)) {
      double bytes = std::floor(value * factor);
      if (bytes >= 1 && bytes < 1.8e19) return static_cast<uint64_t>(bytes);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--max-size \"", text,
      "\": give a size such as 4G (4,000,000,000 bytes), 650M, 2Gi or 1048576"));
}

// Prints a failed import's or create's lines, each as its own error line.
int FailLines(absl::string_view command, const absl::Status& status) {
  for (absl::string_view line : absl::StrSplit(status.message(), '\n')) {
    Fail(command, absl::Status(status.code(), line));
  }
  return kExitFailure;
}

struct CreateFlags {
  std::string store;
  bundle::CreateOptions options;
  std::string compress = "none";
  std::string max_size;
  bool quiet = false;
};

int RunCreate(CreateFlags& flags) {
  absl::StatusOr<archive::Compression> compression =
      archive::ParseCompression(flags.compress);
  if (!compression.ok()) return Fail("bundle create", compression.status());
  flags.options.compression = *compression;
  if (!flags.max_size.empty()) {
    absl::StatusOr<uint64_t> size = ParseByteSize(flags.max_size);
    if (!size.ok()) return Fail("bundle create", size.status());
    flags.options.max_size = *size;
  }
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("bundle create", s.status());
  absl::StatusOr<bundle::CreateResult> result;
  {
    TerminalProgress progress("bundling", flags.quiet);
    flags.options.progress = &progress;
    result = bundle::Create(*s, flags.options);
  }
  if (!result.ok()) return FailLines("bundle create", result.status());
  if (flags.quiet) return kExitOk;
  const bundle::Manifest& m = result->manifest;
  std::set<std::string> repos;
  for (const bundle::BundleImage& i : m.images) repos.insert(i.name.repository);
  std::string where = flags.options.file == "-" ? "standard output" : flags.options.file;
  std::cerr << "wrote " << where << ": " << Count(m.images.size(), "tag", "tags")
            << " of " << Count(repos.size(), "repository", "repositories") << ", "
            << Count(m.blobs.size(), "blob", "blobs") << " ("
            << HumanSize(m.BlobBytes()) << "), " << HumanSize(result->bytes_written)
            << " in all";
  if (flags.options.compression != archive::Compression::kNone) {
    std::cerr << " (" << archive::CompressionName(flags.options.compression) << ")";
  }
  std::cerr << "\n";
  if (m.since.has_value()) {
    std::cerr << "differential: left out " << Count(m.omitted.size(), "blob", "blobs")
              << " (" << HumanSize(result->omitted_bytes) << ") that "
              << flags.options.since << " names\n";
  }
  for (const bundle::PartInfo& p : result->parts) {
    std::cerr << "  " << p.name << "  " << p.size << " bytes  " << p.digest << "\n";
  }
  if (!result->parts.empty()) {
    std::cerr << "  " << result->part_index << " lists the "
              << Count(result->parts.size(), "part", "parts")
              << "; copy them all and import " << result->part_index << "\n";
  }
  std::cerr << "bundle " << result->bundle_id << "\n";
  return kExitOk;
}

struct VerifyFlags {
  bundle::VerifyOptions options;
  bool quiet = false;
};

int RunVerify(VerifyFlags& flags) {
  absl::StatusOr<bundle::VerifyReport> report;
  {
    TerminalProgress progress("verifying", flags.quiet);
    flags.options.progress = &progress;
    report = bundle::Verify(flags.options);
  }
  if (!report.ok()) return Fail("bundle verify", report.status());
  for (const std::string& problem : report->problems) {
    std::cerr << "stowage bundle verify: " << problem << "\n";
  }
  if (!report->problems.empty()) {
    std::cerr << "stowage bundle verify: " << report->name << ": "
              << Count(report->problems.size(), "problem", "problems") << "\n";
    return kExitFailure;
  }
  if (flags.quiet) return kExitOk;
  const bundle::Manifest& m = *report->manifest;
  std::cout << report->name << ": OK: " << Count(m.images.size(), "tag", "tags") << ", "
            << Count(report->blobs_checked, "blob", "blobs") << " ("
            << HumanSize(report->bytes_checked) << ") verified";
  if (report->parts > 0) {
    std::cout << ", " << Count(report->parts, "part", "parts") << " matched the part index";
  }
  std::cout << "\n";
  if (m.since.has_value()) {
    std::cout << report->name << ": differential: "
              << Count(m.omitted.size(), "blob", "blobs")
              << " left out, since "
              << (m.since->kind == bundle::Since::Kind::kBundle ? "bundle " : "digest list ")
              << m.since->digest << "; the importing store must hold them\n";
  }
  std::cout << report->name << ": bundle " << report->bundle_id << "\n";
  return kExitOk;
}

struct ImportFlags {
  std::string store;
  bundle::ImportOptions options;
  bool quiet = false;
};

int RunImport(ImportFlags& flags) {
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("bundle import", s.status());
  absl::StatusOr<bundle::ImportResult> result;
  {
    TerminalProgress progress("importing", flags.quiet);
    flags.options.progress = &progress;
    result = bundle::Import(*s, flags.options);
  }
  if (!result.ok()) return FailLines("bundle import", result.status());
  if (flags.quiet) return kExitOk;
  for (const store::TagEntry& e : result->tagged) {
    std::cout << e.name.String() << " " << e.descriptor.digest() << "\n";
  }
  for (const std::string& moved : result->moved) {
    std::cerr << "moved " << moved << "\n";
  }
  std::cerr << "imported " << Count(result->tagged.size(), "tag", "tags") << ": "
            << Count(result->blobs_written, "blob", "blobs") << " written ("
            << HumanSize(result->bytes_written) << "), " << result->blobs_present
            << " already in the store (" << HumanSize(result->bytes_present)
            << " skipped)";
  if (result->catalog_entries > 0) {
    std::cerr << "; catalog: "
              << Count(result->catalog_entries, "entry", "entries") << " merged";
  }
  std::cerr << "\n";
  return kExitOk;
}

}  // namespace

Command AddBundleCommand(CLI::App& root) {
  CLI::App* bundle = root.add_subcommand(
      "bundle",
      "Move many repositories across an air gap as one deduplicated, "
      "verifiable file");
  bundle->require_subcommand(1);
  bundle->footer(
      "A bundle is one tar: an OCI image layout (every blob once, tags named "
      "REPOSITORY:TAG, so 'skopeo copy oci-archive:FILE:REPOSITORY:TAG ...' "
      "reads it) with stowage-bundle.json in front, listing every image, blob, "
      "digest and size and the repositories' catalog metadata.\n\n"
      "Examples:\n"
      "  stowage bundle create week1.tar --all                # on the connected side\n"
      "  stowage bundle verify week1.tar                      # after the copy\n"
      "  stowage bundle import week1.tar                      # on the air-gapped side\n"
      "  stowage bundle create week2.tar --all --since week1.tar   # only what changed\n"
      "  stowage bundle create /media/usb/b.tar --all --max-size 4G  # b.tar.001, ...\n"
      "  stowage bundle create - team/app | ssh gap stowage bundle import -\n\n"
      "Exit status: 0 success, 1 failure or problems found, 2 wrong command line.\n"
      "Run 'stowage bundle COMMAND --help' for a command's options.");

  auto create = std::make_shared<CreateFlags>();
  CLI::App* create_app =
      bundle->add_subcommand("create", "Write images of the store as one bundle");
  create_app->add_option("FILE", create->options.file,
                         "The bundle to write (replaced atomically); '-' writes "
                         "standard output")
      ->required();
  create_app->add_option("IMAGES", create->options.images,
                         "REPOSITORY (every tag of it) or REPOSITORY:TAG, as "
                         "the store names them");
  create_app->add_flag("--all", create->options.all, "Every tag of the store");
  create_app->add_option("--platform", create->options.platform,
                         "OS/ARCH[/VARIANT]: of a multi-platform index, bundle "
                         "that image alone (its digest is kept; the tag then "
                         "names it)");
  create_app->add_option("--compress", create->compress,
                         "zstd, gzip or none: compresses the whole stream "
                         "(layers are mostly gzip already, so none is the "
                         "default; skopeo reads all three)")
      ->capture_default_str();
  create_app->add_option("--since", create->options.since,
                         "Leave out the blobs the other side has: an earlier "
                         "bundle (file, FILE.parts.json, or its "
                         "stowage-bundle.json) or a list of digests, one per "
                         "line")
      ->type_name("OLD");
  create_app->add_option("--max-size", create->max_size,
                         "Split into FILE.001, FILE.002, ... of at most SIZE "
                         "(4G = 4,000,000,000 bytes, fits FAT32; 4Gi = 4 GiB; "
                         "4.7G for a DVD), listed with their sizes and sha256 "
                         "in FILE.parts.json; replaces FILE's earlier parts and "
                         "an unsplit FILE")
      ->type_name("SIZE");
  create_app->add_flag("-q,--quiet", create->quiet, "Print nothing but errors");
  AddStoreOption(create_app, &create->store);
  create_app->footer(
      "The same store and options give a byte-identical bundle: entries in a "
      "fixed order (stowage-bundle.json, oci-layout, index.json, blobs sorted "
      "by digest), owner 0:0 without names, mtime $SOURCE_DATE_EPOCH or 0. "
      "Blobs stream from the store; memory stays small whatever their size.\n"
      "Split parts are the stream cut in pieces: 'cat FILE.0* > FILE' gives "
      "the unsplit bundle.\n\n"
      "Examples:\n"
      "  stowage bundle create tools.tar team/app library/python:3.12\n"
      "  stowage bundle create all.tar.zst --all --compress zstd\n"
      "  stowage bundle create arm.tar --all --platform linux/arm64\n"
      "  stowage bundle create week2.tar --all --since week1.tar\n"
      "  stowage bundle create new.tar --all --since have.txt   # have.txt: ls STORE/blobs/sha256 there\n"
      "  stowage bundle create /media/usb/all.tar --all --max-size 4G\n"
      "  stowage bundle create - --all | ssh host stowage bundle import -\n"
      "  skopeo copy oci-archive:tools.tar:team/app:v1 docker-daemon:team/app:v1");

  auto verify = std::make_shared<VerifyFlags>();
  CLI::App* verify_app = bundle->add_subcommand(
      "verify", "Check every digest and size of a bundle without importing it");
  verify_app->add_option("FILE", verify->options.file,
                         "The bundle; '-' reads standard input; a split "
                         "bundle by FILE, FILE.parts.json or any FILE.NNN")
      ->required();
  verify_app->add_flag("-q,--quiet", verify->quiet, "Print nothing but problems");
  verify_app->footer(
      "Reads the bundle once. Checks each part of a split bundle against "
      "FILE.parts.json (present, size, sha256), every blob against the sizes "
      "and digests in stowage-bundle.json, index.json against it, and walks "
      "every image from its tag to its layers. Prints one line per problem, "
      "naming the part, entry or blob, and exits 1 if there is any; else "
      "'FILE: OK: ...' and the bundle's id.\n\n"
      "Examples:\n"
      "  stowage bundle verify week1.tar\n"
      "  stowage bundle verify /media/usb/all.tar        # FILE.parts.json and its parts\n"
      "  ssh host stowage bundle create - --all | stowage bundle verify -");

  auto import = std::make_shared<ImportFlags>();
  CLI::App* import_app =
      bundle->add_subcommand("import", "Merge a bundle into the store");
  import_app->add_option("FILE", import->options.file,
                         "The bundle; '-' reads standard input; a split "
                         "bundle by FILE, FILE.parts.json or any FILE.NNN")
      ->required();
  import_app->add_flag("--force", import->options.force,
                       "Move tags the store has with another digest to the "
                       "bundle's images");
  import_app->add_flag("-q,--quiet", import->quiet, "Print nothing but errors");
  AddStoreOption(import_app, &import->store);
  import_app->footer(
      "Every blob is checked against its digest and size as it streams in; "
      "blobs the store has are skipped (unread, where the file can seek). "
      "Nothing is tagged until the whole bundle checked out; then its tags "
      "are set and its catalog metadata merged (what the bundle sets wins).\n"
      "Refused before reading any blob: tags the store has with another "
      "digest (listed; --force moves them), and a differential bundle whose "
      "left-out blobs the store lacks (each named; import the older bundle "
      "first).\n"
      "A damaged or incomplete bundle (a missing or damaged part, a wrong "
      "checksum, a cut-short stream) fails with one line per problem; the "
      "blobs read intact stay in the store, untagged, so running import "
      "again once the parts are back resumes where it stopped.\n"
      "Prints 'REPOSITORY:TAG DIGEST' per tag imported.\n\n"
      "Examples:\n"
      "  stowage bundle import week1.tar\n"
      "  stowage bundle import /media/usb/all.tar.parts.json\n"
      "  stowage bundle import week2.tar --force\n"
      "  ssh host stowage bundle create - --all | stowage bundle import -");

  return Command{bundle, [=] {
                   if (create_app->parsed()) return RunCreate(*create);
                   if (verify_app->parsed()) return RunVerify(*verify);
                   if (import_app->parsed()) return RunImport(*import);
                   return kExitUsage;
                 }};
}

}  // namespace stowage
