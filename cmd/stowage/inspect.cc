// stowage inspect: what a stored image is.

#include <iostream>
#include <memory>
#include <string>

#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "lib/base/terminal_text.h"
#include "lib/json/json_writer.h"
#include "lib/store/inspect.h"

namespace stowage {
namespace {

struct InspectFlags {
  std::string store;
  std::string image;
  bool raw = false;
  bool json = false;
};

void PrintJson(const store::ImageInfo& info) {
  JsonWriter w(JsonWriter::Style::kPretty);
  w.StartObject();
  w.Key("name").String(info.name);
  w.Key("digest").String(info.digest);
  w.Key("mediaType").String(info.media_type);
  if (!info.artifact_type.empty()) w.Key("artifactType").String(info.artifact_type);
  if (info.is_index) {
    w.Key("manifests").StartArray();
    for (const store::ImageInfo::Child& c : info.manifests) {
      w.StartObject().Key("platform").String(c.platform);
      w.Key("digest").String(c.digest).Key("mediaType").String(c.media_type);
      w.Key("size").Int(c.size);
      if (!c.held) w.Key("inStore").Bool(false);
      w.EndObject();
    }
    w.EndArray();
  } else {
    w.Key("platform").String(info.platform);
    w.Key("created").String(info.created);
    w.Key("labels").StartObject();
    for (const auto& [k, v] : info.labels) w.Key(k).String(v);
    w.EndObject();
    w.Key("layers").StartArray();
    for (const oci::Descriptor& l : info.layers) {
      w.StartObject().Key("digest").String(l.digest());
      w.Key("mediaType").String(l.media_type()).Key("size").Int(l.size());
      w.EndObject();
    }
    w.EndArray();
  }
  w.Key("totalSize").Uint(info.total_size);
  w.EndObject();
  std::cout << w.Take() << "\n";
}

void PrintText(const store::ImageInfo& info) {
  std::cout << "Name:        " << SafeForTerminal(info.name) << "\n"
            << "Digest:      " << info.digest << "\n"
            << "Media type:  " << SafeForTerminal(info.media_type) << "\n";
  if (!info.artifact_type.empty()) {
    std::cout << "Artifact:    " << SafeForTerminal(info.artifact_type) << "\n";
  }
  if (info.is_index) {
    std::cout << "Platforms:\n";
    for (const store::ImageInfo::Child& c : info.manifests) {
      std::cout << "  " << (c.platform.empty() ? "(none)" : SafeForTerminal(c.platform)) << "  "
                << c.digest << (c.held ? "" : "  (not pulled: a partial index)") << "\n";
    }
  } else {
    if (!info.platform.empty()) std::cout << "Platform:    " << SafeForTerminal(info.platform) << "\n";
    if (!info.created.empty()) std::cout << "Created:     " << SafeForTerminal(info.created) << "\n";
    if (!info.labels.empty()) {
      std::cout << "Labels:\n";
      for (const auto& [k, v] : info.labels) std::cout << "  " << SafeForTerminal(k) << "=" << SafeForTerminal(v) << "\n";
    }
    std::cout << "Layers:\n";
    for (const oci::Descriptor& l : info.layers) {
      std::cout << "  " << l.digest() << "  " << HumanSize(l.size()) << "\n";
    }
  }
  std::cout << "Total size:  " << HumanSize(info.total_size) << " ("
            << info.total_size << " bytes)\n";
}

}  // namespace

Command AddInspectCommand(CLI::App& root) {
  auto flags = std::make_shared<InspectFlags>();
  CLI::App* app = root.add_subcommand(
      "inspect", "Show a stored image: digest, media type, platforms, layers, "
                 "size, created, labels");
  app->add_option("IMAGE", flags->image,
                  "REPOSITORY[:TAG] or REPOSITORY@DIGEST (also the digest of "
                  "one platform's manifest inside an index)")
      ->required();
  app->add_flag("--raw", flags->raw, "Print the manifest's bytes, unchanged");
  app->add_flag("--json", flags->json, "Print JSON");
  AddStoreOption(app, &flags->store);
  return Command{app, [flags] {
                   absl::StatusOr<store::Store> s = store::Store::Open(flags->store);
                   if (!s.ok()) return Fail("inspect", s.status());
                   absl::StatusOr<store::ImageInfo> info =
                       store::Inspect(*s, flags->image);
                   if (!info.ok()) return Fail("inspect", info.status());
                   if (flags->raw) {
                     std::cout << info->raw_manifest;
                   } else if (flags->json) {
                     PrintJson(*info);
                   } else {
                     PrintText(*info);
                   }
                   return kExitOk;
                 }};
}

}  // namespace stowage
