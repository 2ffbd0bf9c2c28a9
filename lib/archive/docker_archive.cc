#include "lib/archive/docker_archive.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/archive/decompress.h"
#include "lib/archive/layout_archive.h"
#include "lib/base/status_macros.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/json/json_value.h"
#include "lib/json/json_writer.h"
#include "lib/oci/descriptor.h"
#include "lib/oci/graph.h"
#include "lib/oci/manifest.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"

namespace stowage::archive {
namespace {

constexpr char kManifestJson[] = "manifest.json";
constexpr char kRepositories[] = "repositories";
// The media type skopeo's docker-archive: source gives every layer, plain
// or not; kept so the synthesized manifest is skopeo's byte for byte.
constexpr char kDockerLayer[] = "application/vnd.docker.image.rootfs.diff.tar.gzip";

// One item of manifest.json.
struct Item {
  int index = 0;
  std::string config;                  // clean archive path
  std::vector<std::string> layers;     // clean archive paths
  std::vector<std::string> repo_tags;  // as written
};

// A blob placed in the layout: its digest and size.
struct Blob {
  std::string digest;
  int64_t size = 0;
};

absl::Status Corrupt(const std::string& archive, absl::string_view why) {
  return absl::DataLossError(absl::StrCat(archive, ": ", why));
}

// `path` from manifest.json as a clean name inside the archive, or an error:
// the unpacked tree is ours, but the paths manifest.json names are not.
absl::StatusOr<std::string> MemberPath(const std::string& archive,
                                       absl::string_view where,
                                       absl::string_view path) {
  auto bad = [&](absl::string_view why) {
    return Corrupt(archive, absl::StrCat(where, " \"", path, "\" ", why));
  };
  if (path.empty()) return bad("is empty");
  if (path[0] == '/') return bad("is an absolute name");
  std::vector<std::string> parts;
  for (absl::string_view p : absl::StrSplit(path, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") return bad("climbs out of the archive with '..'");
    parts.emplace_back(p);
  }
  if (parts.empty()) return bad("names the archive's top folder");
  return absl::StrJoin(parts, "/");
}

// The strings of a JSON array (null or absent: none).
absl::StatusOr<std::vector<std::string>> Strings(const std::string& archive,
                                                 absl::string_view where,
                                                 const JsonValue* v) {
  std::vector<std::string> out;
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) {
    return Corrupt(archive, absl::StrCat(where, " is not an array"));
  }
  for (const JsonValue& s : v->items()) {
    if (!s.is_string()) {
      return Corrupt(archive, absl::StrCat(where, " holds a non-string"));
    }
    out.push_back(s.string_value());
  }
  return out;
}

absl::StatusOr<std::vector<Item>> ReadManifestJson(const std::string& archive,
                                                   DockerArchiveMembers& members) {
  absl::StatusOr<std::string> read = members.Read(kManifestJson);
  if (absl::IsNotFound(read.status())) {
    return absl::InvalidArgumentError(absl::StrCat(
        archive, ": no entry \"manifest.json\" at the archive's top, so it is "
                 "no `docker save` archive (archives of Docker before 1.10, "
                 "which have none, are not supported)"));
  }
  if (!read.ok()) return read.status();
  const std::string& text = *read;
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(text);
  if (!doc.ok()) {
    return Corrupt(archive, absl::StrCat("entry \"manifest.json\": ",
                                         doc.status().message()));
  }
  if (!doc->is_array()) {
    return Corrupt(archive, "entry \"manifest.json\" is not a JSON array");
  }
  std::vector<Item> items;
  for (const JsonValue& v : doc->items()) {
    Item item;
    item.index = static_cast<int>(items.size());
    std::string where = absl::StrCat("manifest.json item @", item.index);
    if (!v.is_object()) {
      return Corrupt(archive, absl::StrCat(where, " is not an object"));
    }
    absl::StatusOr<std::string> config = v.GetString("Config");
    if (!config.ok()) {
      return Corrupt(archive, absl::StrCat(where, ": ", config.status().message()));
    }
    ASSIGN_OR_RETURN(item.config,
                     MemberPath(archive, absl::StrCat(where, ": Config"), *config));
    const JsonValue* layers = v.Find("Layers");
    if (layers == nullptr || !layers->is_array()) {
      return Corrupt(archive, absl::StrCat(where, " has no \"Layers\" array"));
    }
    ASSIGN_OR_RETURN(std::vector<std::string> raw_layers,
                     Strings(archive, absl::StrCat(where, ": Layers"), layers));
    for (const std::string& l : raw_layers) {
      ASSIGN_OR_RETURN(std::string clean,
                       MemberPath(archive, absl::StrCat(where, ": layer"), l));
      item.layers.push_back(std::move(clean));
    }
    ASSIGN_OR_RETURN(item.repo_tags, Strings(archive, absl::StrCat(where, ": RepoTags"),
                                             v.Find("RepoTags")));
    items.push_back(std::move(item));
  }
  return items;
}

// repositories: {"NAME": {"TAG": "<top layer id>"}}, as (id, "NAME:TAG")
// pairs in file order. Absent or unreadable: none (it only supplies names).
std::vector<std::pair<std::string, std::string>> ReadRepositories(
    DockerArchiveMembers& members) {
  std::vector<std::pair<std::string, std::string>> out;
  absl::StatusOr<std::string> text = members.Read(kRepositories);
  if (!text.ok()) return out;
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(*text);
  if (!doc.ok() || !doc->is_object()) return out;
  for (const auto& [name, tags] : doc->members()) {
    for (const auto& [tag, id] : tags.members()) {
      if (id.is_string()) out.emplace_back(id.string_value(), absl::StrCat(name, ":", tag));
    }
  }
  return out;
}

// The parts of a reference as Docker compares them: hub hosts are one.
struct NameKey {
  std::string host;  // "" for Docker Hub
  std::string repository;
  std::string tag;

  std::string Full() const {
    return host.empty() ? absl::StrCat(repository, ":", tag)
                        : absl::StrCat(host, "/", repository, ":", tag);
  }
};

absl::StatusOr<NameKey> KeyOf(absl::string_view text) {
  ASSIGN_OR_RETURN(Reference r, Reference::Parse(text, RuleSet::kOci));
  if (!r.digest().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(text, ": a docker archive names images by tag, not digest"));
  }
  NameKey key;
  key.host = IsHubHost(r.host()) ? "" : r.host();
  key.repository = r.repository();
  key.tag = r.tag();
  return key;
}

// The hex of the chain ID of `diff_ids` (docker's layer.CreateChainID), which
// skopeo's archives use as the top layer's ID; "" for no layers.
std::string ChainIdHex(const std::vector<std::string>& diff_ids) {
  std::string chain;
  for (const std::string& d : diff_ids) {
    chain = chain.empty() ? d : Sha256::DigestOf(chain + " " + d);
  }
  return std::string(oci::DigestHex(chain));
}

// The names of `item`: its RepoTags, else what `repositories` gives its top
// layer. `repositories` names layers by the folder of <id>/layer.tar (before
// Docker 25), by the blob's hex (Docker 25 on), or, in skopeo's archives, by
// the chain ID of the diff_ids.
std::vector<std::string> NamesOf(
    const Item& item, const std::vector<std::string>& diff_ids,
    const std::vector<std::pair<std::string, std::string>>& repositories) {
  if (!item.repo_tags.empty()) return item.repo_tags;
  std::vector<std::string> out;
  if (item.layers.empty()) return out;
  std::set<std::string> ids;
  const std::string& top = item.layers.back();
  std::vector<std::string> parts = absl::StrSplit(top, '/');
  if (parts.back() == "layer.tar" && parts.size() >= 2) {
    ids.insert(parts[parts.size() - 2]);
  } else {
    ids.insert(std::string(absl::StripSuffix(parts.back(), ".tar")));
  }
  if (!diff_ids.empty()) ids.insert(ChainIdHex(diff_ids));
  for (const auto& [id, name] : repositories) {
    if (ids.count(id) != 0) out.push_back(name);
  }
  return out;
}

// Hashes the file at `path` whole: its digest and size.
absl::StatusOr<Blob> HashFile(const std::string& path) {
  ASSIGN_OR_RETURN(Fd fd, OpenForRead(path));
  Sha256 hasher;
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  Blob blob;
  while (true) {
    ASSIGN_OR_RETURN(size_t n, ReadSome(fd, path, buf.get(), 1 << 20));
    if (n == 0) break;
    hasher.Update(buf.get(), n);
    blob.size += static_cast<int64_t>(n);
  }
  blob.digest = "sha256:" + hasher.HexDigest();
  return blob;
}

// Puts the layer file `path` into `layout` as its uncompressed tar, which
// must hash to `diff_id`: a hard link when it is plain, a decompressed copy
// when not. `fail` makes the error for a layer that does not match.
absl::StatusOr<Blob> PlaceLayer(const oci::Layout& layout, const std::string& path,
                                const std::string& diff_id,
                                const std::function<absl::Status(absl::string_view)>& fail) {
  ASSIGN_OR_RETURN(Compression c, DetectFileCompression(path));
  std::string final_path = layout.BlobPath(diff_id);
  if (c == Compression::kNone) {
    ASSIGN_OR_RETURN(Blob blob, HashFile(path));
    if (blob.digest != diff_id) {
      return fail(absl::StrCat("hashes to ", blob.digest));
    }
    absl::Status linked = HardLink(path, final_path);
    if (!linked.ok() && !absl::IsAlreadyExists(linked)) return linked;
    return blob;
  }
  ASSIGN_OR_RETURN(TempFile out, TempFile::Create(Dirname(final_path)));
  Sha256 hasher;
  absl::StatusOr<uint64_t> size =
      ReadDecompressed(path, [&](absl::string_view data) {
        hasher.Update(data);
        return out.Write(data);
      });
  if (!size.ok()) {
    return fail(absl::StrCat("is ", CompressionName(c),
                             "-compressed and cannot be decompressed (",
                             size.status().message(), ")"));
  }
  Blob blob{"sha256:" + hasher.HexDigest(), static_cast<int64_t>(*size)};
  if (blob.digest != diff_id) {
    return fail(absl::StrCat("decompresses (", CompressionName(c), ") to ",
                             blob.digest));
  }
  // One syncfs at the end makes the whole layout durable.
  RETURN_IF_ERROR(out.Commit(final_path, /*replace=*/true, /*sync=*/false));
  return blob;
}

std::string SynthesizedManifest(const Blob& config, const std::vector<Blob>& layers) {
  // Key order and spelling of containers/image's manifest.Schema2 as Go's
  // encoding/json writes it.
  JsonWriter w;
  w.StartObject();
  w.Key("schemaVersion").Int(2);
  w.Key("mediaType").String(oci::kDockerManifest);
  w.Key("config").StartObject();
  w.Key("mediaType").String(oci::kDockerConfig);
  w.Key("size").Int(config.size);
  w.Key("digest").String(config.digest);
  w.EndObject();
  w.Key("layers").StartArray();
  for (const Blob& l : layers) {
    w.StartObject();
    w.Key("mediaType").String(kDockerLayer);
    w.Key("size").Int(l.size);
    w.Key("digest").String(l.digest);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

std::string DescribeItems(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const Item& item : items) {
    out.push_back(absl::StrCat(
        "@", item.index, " ",
        item.repo_tags.empty() ? "(no RepoTags)" : absl::StrJoin(item.repo_tags, " ")));
  }
  return out.empty() ? "no images" : absl::StrJoin(out, ", ");
}

absl::StatusOr<std::vector<const Item*>> Select(const std::string& archive,
                                                const std::vector<Item>& items,
                                                absl::string_view ref) {
  std::vector<const Item*> out;
  if (ref.empty()) {
    for (const Item& item : items) out.push_back(&item);
    return out;
  }
  if (absl::StartsWith(ref, "@")) {
    absl::string_view digits = ref.substr(1);
    int n = -1;
    if (digits.empty() ||
        !std::all_of(digits.begin(), digits.end(),
                     [](char c) { return absl::ascii_isdigit(c); }) ||
        !absl::SimpleAtoi(digits, &n)) {
      return absl::InvalidArgumentError(absl::StrCat(
          archive, ": \"", ref, "\" is no image index; write @0, @1, ..."));
    }
    if (n >= static_cast<int>(items.size())) {
      return absl::NotFoundError(absl::StrCat(
          archive, ": no image @", n, "; it holds ", items.size(), " (",
          DescribeItems(items), ")"));
    }
    out.push_back(&items[n]);
    return out;
  }
  absl::StatusOr<NameKey> want = KeyOf(ref);
  if (!want.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        archive, ": \"", ref, "\" is neither NAME[:TAG] nor @N: ",
        want.status().message()));
  }
  for (const Item& item : items) {
    for (const std::string& tag : item.repo_tags) {
      absl::StatusOr<NameKey> have = KeyOf(tag);
      if (have.ok() && have->Full() == want->Full()) {
        out.push_back(&item);
        return out;
      }
    }
  }
  return absl::NotFoundError(absl::StrCat(archive, ": no image tagged \"", ref,
                                          "\" (it has: ", DescribeItems(items),
                                          ")"));
}

}  // namespace

namespace {

// The config of `item`: its bytes, and its diff_ids, one per layer.
absl::Status PlanConfig(const std::string& archive, DockerArchiveMembers& members,
                        const Item& item, const std::string& where, DockerImage& image,
                        std::vector<std::string>& diff_ids) {
  absl::StatusOr<std::string> bytes = members.Read(item.config);
  if (absl::IsNotFound(bytes.status())) {
    return Corrupt(archive, absl::StrCat(where, " names the config \"", item.config,
                                         "\", which is no file of the archive"));
  }
  if (!bytes.ok()) return bytes.status();
  std::string config_where =
      absl::StrCat("entry \"", item.config, "\" (the config of ", where, ")");
  absl::StatusOr<JsonValue> config = JsonValue::Parse(*bytes);
  if (!config.ok()) {
    return Corrupt(archive, absl::StrCat(config_where, ": ", config.status().message()));
  }
  const JsonValue* rootfs = config->Find("rootfs");
  ASSIGN_OR_RETURN(diff_ids,
                   Strings(archive, absl::StrCat(config_where, ": rootfs.diff_ids"),
                           rootfs != nullptr ? rootfs->Find("diff_ids") : nullptr));
  for (const std::string& d : diff_ids) {
    if (!absl::StartsWith(d, "sha256:") || !ValidateDigest(d).ok()) {
      return Corrupt(archive, absl::StrCat(config_where, ": diff_id \"", d,
                                           "\" is not a sha256 digest"));
    }
  }
  if (diff_ids.size() != item.layers.size()) {
    return Corrupt(archive, absl::StrCat(where, " lists ", item.layers.size(),
                                         " layers, but its config \"", item.config,
                                         "\" has ", diff_ids.size(), " diff_ids"));
  }
  image.config_entry = item.config;
  image.config_digest = Sha256::DigestOf(*bytes);
  image.config = std::move(*bytes);
  return absl::OkStatus();
}

// Layer `i` of `item`. A plain layer's size is its entry's (its bytes are
// checked against the diff_id as they are copied); a compressed one is
// decompressed once here, for its size, and checked now.
absl::StatusOr<DockerLayer> PlanLayer(const std::string& archive,
                                      DockerArchiveMembers& members, const Item& item,
                                      size_t i, const std::string& where,
                                      const std::string& diff_id) {
  const std::string& name = item.layers[i];
  auto fail = [&](absl::string_view why) {
    return Corrupt(archive, absl::StrCat("entry \"", name, "\" (layer ", i, " of ", where,
                                         ") ", why, ", but its config lists diff_id ",
                                         diff_id));
  };
  absl::StatusOr<DockerArchiveMembers::Facts> facts = members.Stat(name);
  if (absl::IsNotFound(facts.status())) {
    return Corrupt(archive, absl::StrCat(where, " names layer ", i, " \"", name,
                                         "\", which is no file of the archive"));
  }
  if (!facts.ok()) return facts.status();
  DockerLayer layer{name, diff_id, static_cast<int64_t>(facts->size), facts->compression};
  if (layer.compression == Compression::kNone) return layer;
  absl::StatusOr<DockerArchiveMembers::Digested> plain = members.Decompress(name);
  if (!plain.ok()) {
    return fail(absl::StrCat("is ", CompressionName(layer.compression),
                             "-compressed and cannot be decompressed (",
                             plain.status().message(), ")"));
  }
  if (plain->digest != diff_id) {
    return fail(absl::StrCat("decompresses (", CompressionName(layer.compression), ") to ",
                             plain->digest));
  }
  layer.size = static_cast<int64_t>(plain->size);
  return layer;
}

// The store names of `item` (see DockerArchiveToLayout).
absl::Status PlanNames(const std::string& archive, const Item& item,
                       const std::vector<std::string>& diff_ids,
                       const std::vector<std::pair<std::string, std::string>>& repositories,
                       const std::string& where, DockerImage& image) {
  std::set<std::string> done;
  for (const std::string& name : NamesOf(item, diff_ids, repositories)) {
    absl::StatusOr<NameKey> key = KeyOf(name);
    if (!key.ok()) {
      return Corrupt(archive, absl::StrCat(where, ": RepoTags \"", name,
                                           "\" is no valid name: ", key.status().message()));
    }
    std::string store_name = absl::StrCat(key->repository, ":", key->tag);
    if (done.insert(store_name).second) image.names.push_back(std::move(store_name));
  }
  return absl::OkStatus();
}

absl::StatusOr<DockerImage> PlanImage(
    const std::string& archive, DockerArchiveMembers& members, const Item& item,
    const std::vector<std::pair<std::string, std::string>>& repositories,
    std::map<std::string, DockerLayer>& layers) {
  std::string where = absl::StrCat("manifest.json item @", item.index);
  DockerImage image;
  image.index = item.index;
  std::vector<std::string> diff_ids;
  RETURN_IF_ERROR(PlanConfig(archive, members, item, where, image, diff_ids));
  std::vector<Blob> blobs;
  for (size_t i = 0; i < item.layers.size(); ++i) {
    auto it = layers.find(item.layers[i]);
    if (it == layers.end()) {
      ASSIGN_OR_RETURN(DockerLayer layer,
                       PlanLayer(archive, members, item, i, where, diff_ids[i]));
      it = layers.emplace(item.layers[i], std::move(layer)).first;
    } else if (it->second.diff_id != diff_ids[i]) {
      return Corrupt(archive,
                     absl::StrCat("entry \"", item.layers[i], "\" (layer ", i, " of ", where,
                                  ") hashes to ", it->second.diff_id,
                                  ", but its config lists diff_id ", diff_ids[i]));
    }
    image.layers.push_back(it->second);
    blobs.push_back(Blob{it->second.diff_id, it->second.size});
  }
  image.manifest = SynthesizedManifest(
      Blob{image.config_digest, static_cast<int64_t>(image.config.size())}, blobs);
  image.manifest_digest = Sha256::DigestOf(image.manifest);
  RETURN_IF_ERROR(PlanNames(archive, item, diff_ids, repositories, where, image));
  return image;
}

// An unpacked archive's files as members.
class DirMembers : public DockerArchiveMembers {
 public:
  explicit DirMembers(std::string dir) : dir_(std::move(dir)) {}
  absl::StatusOr<std::string> Read(const std::string& name) override {
    std::string path = JoinPath(dir_, name);
    absl::StatusOr<FileInfo> info = ::stowage::Stat(path);
    if (!info.ok() || !info->is_regular) {
      return absl::NotFoundError(absl::StrCat(name, ": no such file"));
    }
    return ReadFile(path);
  }
  absl::StatusOr<Facts> Stat(const std::string& name) override {
    std::string path = JoinPath(dir_, name);
    absl::StatusOr<FileInfo> info = ::stowage::Stat(path);
    if (!info.ok() || !info->is_regular) {
      return absl::NotFoundError(absl::StrCat(name, ": no such file"));
    }
    ASSIGN_OR_RETURN(Compression c, DetectFileCompression(path));
    return Facts{info->size, c};
  }
  absl::StatusOr<Digested> Decompress(const std::string& name) override {
    Sha256 hasher;
    ASSIGN_OR_RETURN(uint64_t size,
                     ReadDecompressed(JoinPath(dir_, name), [&](absl::string_view data) {
                       hasher.Update(data);
                       return absl::OkStatus();
                     }));
    return Digested{"sha256:" + hasher.HexDigest(), size};
  }

 private:
  std::string dir_;
};

}  // namespace

absl::StatusOr<std::vector<DockerImage>> PlanDockerArchive(const std::string& archive,
                                                           DockerArchiveMembers& members,
                                                           absl::string_view ref) {
  ASSIGN_OR_RETURN(std::vector<Item> items, ReadManifestJson(archive, members));
  ASSIGN_OR_RETURN(std::vector<const Item*> chosen, Select(archive, items, ref));
  std::vector<std::pair<std::string, std::string>> repositories =
      ReadRepositories(members);
  std::map<std::string, DockerLayer> layers;  // a layer shared is looked at once
  std::vector<DockerImage> out;
  for (const Item* item : chosen) {
    ASSIGN_OR_RETURN(DockerImage image,
                     PlanImage(archive, members, *item, repositories, layers));
    out.push_back(std::move(image));
  }
  return out;
}

absl::Status DockerArchiveToLayout(const std::string& archive,
                                   const std::string& unpacked_dir,
                                   absl::string_view ref,
                                   const std::string& layout_dir) {
  DirMembers members(unpacked_dir);
  ASSIGN_OR_RETURN(std::vector<DockerImage> images,
                   PlanDockerArchive(archive, members, ref));
  ASSIGN_OR_RETURN(oci::Layout layout, oci::Layout::OpenOrCreate(layout_dir));
  ASSIGN_OR_RETURN(oci::Index index, layout.ReadIndex());
  std::set<std::string> placed;  // layer entries
  for (const DockerImage& image : images) {
    std::string where = absl::StrCat("manifest.json item @", image.index);
    RETURN_IF_ERROR(layout.WriteBlob(image.config).status());
    for (size_t i = 0; i < image.layers.size(); ++i) {
      const DockerLayer& l = image.layers[i];
      if (!placed.insert(l.entry).second) continue;
      auto fail = [&](absl::string_view why) {
        return Corrupt(archive, absl::StrCat("entry \"", l.entry, "\" (layer ", i, " of ",
                                             where, ") ", why,
                                             ", but its config lists diff_id ", l.diff_id));
      };
      RETURN_IF_ERROR(
          PlaceLayer(layout, JoinPath(unpacked_dir, l.entry), l.diff_id, fail).status());
    }
    RETURN_IF_ERROR(layout.WriteBlob(image.manifest).status());
    oci::Descriptor d = oci::Descriptor::Make(oci::kDockerManifest, image.manifest_digest,
                                              static_cast<int64_t>(image.manifest.size()));
    if (image.names.empty()) index.manifests.push_back(d);
    for (const std::string& name : image.names) {
      oci::Descriptor named = d;
      named.SetAnnotation(oci::kRefNameAnnotation, name);
      index.manifests.push_back(std::move(named));
    }
  }
  RETURN_IF_ERROR(layout.WriteIndex(index));
  return SyncFilesystem(layout_dir);
}

std::string FamiliarName(absl::string_view repository, absl::string_view tag) {
  absl::string_view name = repository;
  if (absl::StartsWith(name, "library/") &&
      name.find('/', 8) == absl::string_view::npos) {
    name.remove_prefix(8);
  }
  return absl::StrCat(name, ":", tag);
}

absl::StatusOr<std::string> DockerArchiveName(absl::string_view text) {
  ASSIGN_OR_RETURN(NameKey key, KeyOf(text));
  if (key.host.empty()) return FamiliarName(key.repository, key.tag);
  return key.Full();
}

namespace {

// Splits a RepoTags name into (name without tag, tag).
std::pair<std::string, std::string> SplitTag(const std::string& name) {
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return {name, "latest"};
  }
  return {name.substr(0, colon), name.substr(colon + 1)};
}

struct ExportImage {
  oci::Descriptor manifest;
  std::vector<std::string> names;
};

}  // namespace

absl::Status LayoutToDockerArchive(const oci::Layout& layout,
                                   const std::string& work_dir,
                                   const std::string& archive_path) {
  ASSIGN_OR_RETURN(oci::Index index, layout.ReadIndex());
  std::vector<ExportImage> images;
  std::map<std::string, size_t> by_digest;
  for (const oci::Descriptor& d : index.manifests) {
    std::string name = d.Annotation(oci::kRefNameAnnotation);
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "image ", d.digest(), " has no name to write to the archive's RepoTags"));
    }
    ASSIGN_OR_RETURN(std::string checked, DockerArchiveName(name));
    if (oci::IsIndexMediaType(d.media_type())) {
      return absl::FailedPreconditionError(absl::StrCat(
          name, " is a multi-platform image index; a docker archive holds one "
                "image per name and no index: choose one with --platform"));
    }
    auto [it, added] = by_digest.emplace(d.digest(), images.size());
    if (added) images.push_back(ExportImage{d, {}});
    std::vector<std::string>& names = images[it->second].names;
    if (std::find(names.begin(), names.end(), checked) == names.end()) {
      names.push_back(checked);
    }
  }

  JsonWriter manifest_json;
  manifest_json.StartArray();
  // repositories: name -> [(tag, top layer id)], names in first-seen order.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
      repositories;
  std::set<std::string> written;
  for (const ExportImage& image : images) {
    const std::string& name = image.names.front();
    ASSIGN_OR_RETURN(oci::Manifest m, oci::ReadManifest(layout, image.manifest));
    if (m.is_index() || !m.config.has_value() ||
        (m.config->media_type() != oci::kOciConfig &&
         m.config->media_type() != oci::kDockerConfig)) {
      return absl::FailedPreconditionError(absl::StrCat(
          name, " is not a container image (its config is ",
          m.config.has_value() ? m.config->media_type() : "missing",
          "); a docker archive holds only images"));
    }
    ASSIGN_OR_RETURN(std::string config_bytes, layout.ReadBlob(*m.config));
    absl::StatusOr<JsonValue> config = JsonValue::Parse(config_bytes);
    if (!config.ok()) {
      return absl::DataLossError(absl::StrCat(name, ": config ", m.config->digest(),
                                              ": ", config.status().message()));
    }
    const JsonValue* rootfs = config->Find("rootfs");
    const JsonValue* ids = rootfs != nullptr ? rootfs->Find("diff_ids") : nullptr;
    std::vector<std::string> diff_ids;
    if (ids != nullptr && ids->is_array()) {
      for (const JsonValue& v : ids->items()) diff_ids.push_back(v.string_value());
    }
    if (diff_ids.size() != m.layers.size()) {
      return absl::DataLossError(absl::StrCat(
          name, ": the manifest lists ", m.layers.size(), " layers, its config ",
          m.config->digest(), " has ", diff_ids.size(), " diff_ids"));
    }
    std::string config_name =
        absl::StrCat(oci::DigestHex(m.config->digest()), ".json");
    if (written.insert(config_name).second) {
      RETURN_IF_ERROR(HardLink(layout.BlobPath(m.config->digest()),
                               JoinPath(work_dir, config_name)));
    }
    std::vector<std::string> layer_names;
    for (size_t i = 0; i < m.layers.size(); ++i) {
      const oci::Descriptor& layer = m.layers[i];
      const std::string& diff_id = diff_ids[i];
      if (!absl::StartsWith(diff_id, "sha256:") || !ValidateDigest(diff_id).ok()) {
        return absl::DataLossError(absl::StrCat(name, ": config ", m.config->digest(),
                                                ": diff_id \"", diff_id,
                                                "\" is not a sha256 digest"));
      }
      std::string file = absl::StrCat(oci::DigestHex(diff_id), ".tar");
      layer_names.push_back(file);
      if (!written.insert(file).second) continue;
      std::string from = layout.BlobPath(layer.digest());
      std::string to = JoinPath(work_dir, file);
      if (layer.digest() == diff_id) {  // stored plain, verified on import
        RETURN_IF_ERROR(HardLink(from, to));
        continue;
      }
      ASSIGN_OR_RETURN(Compression c, DetectFileCompression(from));
      auto mismatch = [&](absl::string_view why) {
        return absl::DataLossError(absl::StrCat(
            name, ": layer ", i, " (", layer.digest(), ") ", why,
            ", but the config's diff_id ", i, " is ", diff_id));
      };
      if (c == Compression::kNone) return mismatch("is not compressed");
      ASSIGN_OR_RETURN(TempFile out, TempFile::Create(work_dir));
      Sha256 hasher;
      absl::StatusOr<uint64_t> size = ReadDecompressed(from, [&](absl::string_view data) {
        hasher.Update(data);
        return out.Write(data);
      });
      if (!size.ok()) {
        return mismatch(absl::StrCat("cannot be decompressed (", size.status().message(), ")"));
      }
      std::string got = "sha256:" + hasher.HexDigest();
      if (got != diff_id) {
        return mismatch(absl::StrCat("decompresses (", CompressionName(c), ") to ", got));
      }
      // The packed archive is what must be durable; this is staging.
      RETURN_IF_ERROR(out.Commit(to, /*replace=*/false, /*sync=*/false));
    }
    manifest_json.StartObject();
    manifest_json.Key("Config").String(config_name);
    manifest_json.Key("RepoTags").StartArray();
    for (const std::string& n : image.names) manifest_json.String(n);
    manifest_json.EndArray();
    manifest_json.Key("Layers").StartArray();
    for (const std::string& l : layer_names) manifest_json.String(l);
    manifest_json.EndArray();
    manifest_json.EndObject();

    if (diff_ids.empty()) continue;  // no layer for `repositories` to name
    std::string top = ChainIdHex(diff_ids);
    for (const std::string& n : image.names) {
      // Named, not a structured binding: C++17 lambdas cannot capture those
      // (clang refuses, gcc allows it).
      const auto split = SplitTag(n);
      const auto& repo = split.first;
      const auto& tag = split.second;
      auto it = std::find_if(repositories.begin(), repositories.end(),
                             [&](const auto& r) { return r.first == repo; });
      if (it == repositories.end()) {
        repositories.emplace_back(repo, std::vector<std::pair<std::string, std::string>>{});
        it = std::prev(repositories.end());
      }
      it->second.emplace_back(tag, top);
    }
  }
  manifest_json.EndArray();
  JsonWriter repos_json;
  repos_json.StartObject();
  for (const auto& [repo, tags] : repositories) {
    repos_json.Key(repo).StartObject();
    for (const auto& [tag, id] : tags) repos_json.Key(tag).String(id);
    repos_json.EndObject();
  }
  repos_json.EndObject();
  RETURN_IF_ERROR(WriteFileAtomic(JoinPath(work_dir, kManifestJson), manifest_json.Take()));
  RETURN_IF_ERROR(WriteFileAtomic(JoinPath(work_dir, kRepositories), repos_json.Take()));
  return PackDirectory(work_dir, archive_path);
}

}  // namespace stowage::archive
