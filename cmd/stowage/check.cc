// stowage check: verify every blob and every image graph of the store.

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/json/json_writer.h"
#include "lib/store/check.h"
#include "lib/store/store.h"

namespace stowage {
namespace {

struct CheckFlags {
  std::string store;
  bool json = false;
  bool quiet = false;
  int threads = 0;
};

std::string Summary(const store::CheckReport& r) {
  return absl::StrCat("checked ", Count(r.blobs, "blob", "blobs"), " (",
                      HumanSize(r.bytes), "), ",
                      Count(r.manifests, "manifest", "manifests"), ", ",
                      Count(r.tags, "tag", "tags"), ": ",
                      r.ok() ? "ok" : Count(r.problems.size(), "problem", "problems"));
}

void PrintJson(const store::CheckReport& r) {
  JsonWriter w(JsonWriter::Style::kPretty);
  w.StartObject();
  w.Key("ok").Bool(r.ok());
  w.Key("blobs").Uint(r.blobs).Key("bytes").Uint(r.bytes);
  w.Key("manifests").Uint(r.manifests).Key("tags").Uint(r.tags);
  w.Key("problems").StartArray();
  for (const store::CheckProblem& p : r.problems) {
    w.StartObject().Key("digest").String(p.digest).Key("role").String(p.role);
    w.Key("tags").StartArray();
    for (const std::string& t : p.tags) w.String(t);
    w.EndArray().Key("problem").String(p.what).EndObject();
  }
  w.EndArray();
  w.Key("strays").StartArray();
  for (const store::CheckStray& s : r.strays) {
    w.StartObject().Key("name").String(s.name).Key("warning").String(s.what).EndObject();
  }
  w.EndArray();
  w.EndObject();
  std::cout << w.Take() << "\n";
}

void PrintText(const store::CheckReport& r) {
  for (const store::CheckStray& s : r.strays) {
    std::cerr << "stowage check: warning: blobs/sha256/" << s.name << ": " << s.what
              << "\n";
  }
  for (const store::CheckProblem& p : r.problems) {
    std::cerr << "stowage check: " << p.String() << "\n";
  }
  std::cout << Summary(r) << "\n";
}

int RunCheck(const CheckFlags& flags) {
  absl::StatusOr<store::Store> s = store::Store::Open(flags.store);
  if (!s.ok()) return Fail("check", s.status());
  absl::StatusOr<store::CheckReport> r;
  {
    TerminalProgress progress("checking", flags.quiet || flags.json);
    store::CheckOptions options;
    options.threads = flags.threads;
    options.progress = &progress;
    r = store::Check(*s, options);
  }
  if (!r.ok()) {
    Fail("check", r.status());
    return r.status().code() == absl::StatusCode::kDataLoss ? kExitDamaged
                                                            : kExitFailure;
  }
  if (flags.json) {
    PrintJson(*r);
  } else {
    PrintText(*r);
  }
  return r->ok() ? kExitOk : kExitDamaged;
}

}  // namespace

Command AddCheckCommand(CLI::App& root) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* app = root.add_subcommand(
      "check", "Verify every blob's digest and size and every tagged image's graph");
  app->add_flag("--json", flags->json,
                "Print the report as JSON on stdout (problems and warnings included)");
  app->add_flag("-q,--quiet", flags->quiet, "No progress line");
  app->add_option("-j,--threads", flags->threads,
                  "Hashing threads (default: one per core)")
      ->type_name("N")
      ->check(CLI::Range(1, 1024));
  AddStoreOption(app, &flags->store);
  app->footer(
      "check hashes every file of STORE/blobs/sha256, referenced or not (a\n"
      "blob no tag reaches could be tagged and served later), and walks every\n"
      "entry of index.json: each index and manifest must be there, parse, and\n"
      "name blobs that are there with the declared size and digest. Each\n"
      "problem is one line on stderr naming the digest, what reaches it and\n"
      "what is wrong:\n"
      "  stowage check: sha256:ab… (layer of team/app:v1): content hashes to sha256:cd…\n"
      "then a summary on stdout:\n"
      "  checked 12 blobs (1.07 GB), 3 manifests, 2 tags: ok\n"
      "\n"
      "Files of blobs/sha256 whose name is no digest (an interrupted write's\n"
      ".tmp-* file, a stray copy) are warnings, not failures: every reader looks\n"
      "blobs up by digest, so they are never served; gc removes temporaries.\n"
      "\n"
      "check only reads: it works on a read-only store, and holds the store's\n"
      "blob read lock so that a gc waits until it is done.\n"
      "\n"
      "Exit status: 0 the store is intact; 3 damaged or missing objects were\n"
      "found (or index.json itself is damaged); 1 the store could not be\n"
      "checked (no store, unreadable); 2 wrong command line.\n"
      "\n"
      "Examples:\n"
      "  stowage check\n"
      "  stowage check --store /mnt/usb/store --json | jq -r '.problems[].digest'");
  return Command{app, [flags] { return RunCheck(*flags); }};
}

}  // namespace stowage
