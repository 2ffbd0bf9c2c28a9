#include "lib/sync/sync.h"

#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"
#include "lib/copy/store_copy.h"
#include "lib/json/json_value.h"
#include "lib/oci/graph.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"
#include "lib/transport/docker_registry.h"

namespace stowage::sync {
namespace {

// ---- The file.

// InvalidArgument "FILE: PATH: WHAT".
absl::Status SpecError(const std::string& file, const std::string& path,
                       absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": ", path, ": ", what));
}

absl::Status OnlyFields(const JsonValue& object, const std::set<std::string>& allowed,
                        const std::string& file, const std::string& path) {
  if (!object.is_object()) return SpecError(file, path, "must be a JSON object");
  for (const auto& member : object.members()) {
    if (allowed.count(member.first) == 0) {
      return SpecError(file, path,
                       absl::StrCat("unknown field \"", member.first, "\" (the fields are ",
                                    absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> StringField(const JsonValue& object, const std::string& key,
                                        const std::string& file, const std::string& path) {
  const JsonValue* v = object.Find(key);
  if (v == nullptr) return std::string();
  if (!v->is_string() || v->string_value().empty()) {
    return SpecError(file, path + "." + key, "must be a non-empty string");
  }
  return v->string_value();
}

absl::StatusOr<std::optional<bool>> BoolField(const JsonValue& object, const std::string& key,
                                              const std::string& file,
                                              const std::string& path) {
  const JsonValue* v = object.Find(key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_bool()) return SpecError(file, path + "." + key, "must be true or false");
  return std::optional<bool>(v->bool_value());
}

bool IsPattern(absl::string_view tag) {
  return tag.find_first_of("*?[") != absl::string_view::npos;
}

// A tag, or a glob whose literal characters are those of tags.
absl::Status CheckTagOrPattern(const std::string& text) {
  if (!IsPattern(text)) return ValidateTag(text);
  for (char c : text) {
    if (!absl::ascii_isalnum(c) && absl::string_view("_.-*?[]!").find(c) == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pattern \"", text, "\": tags hold letters, digits, '_', '.' and '-', and "
          "patterns add *, ? and [...] only"));
    }
  }
  return absl::OkStatus();
}

// The field `key` as a non-empty array of strings, each passing `check`;
// empty when absent. `what` ends the error for an empty or non-array one.
absl::StatusOr<std::vector<std::string>> StringList(
    const JsonValue& json, const std::string& key, absl::string_view what,
    const std::function<absl::Status(const std::string&)>& check, const std::string& file,
    const std::string& path) {
  std::vector<std::string> out;
  const JsonValue* list = json.Find(key);
  if (list == nullptr) return out;
  if (!list->is_array() || list->items().empty()) {
    return SpecError(file, absl::StrCat(path, ".", key),
                     absl::StrCat("must be a non-empty array", what));
  }
  for (size_t i = 0; i < list->items().size(); ++i) {
    const JsonValue& v = list->items()[i];
    const std::string at = absl::StrCat(path, ".", key, "[", i, "]");
    if (!v.is_string()) return SpecError(file, at, "must be a string");
    if (absl::Status s = check(v.string_value()); !s.ok()) return SpecError(file, at, s.message());
    out.push_back(v.string_value());
  }
  return out;
}

absl::Status CheckPlatform(const std::string& text) {
  return oci::Platform::Parse(text).status();
}

absl::StatusOr<ImageSpec> ParseImage(const JsonValue& json, const std::string& file,
                                     const std::string& path) {
  RETURN_IF_ERROR(OnlyFields(
      json, {"repository", "tags", "target", "platform", "platforms", "referrers"}, file, path));
  ImageSpec image;
  ASSIGN_OR_RETURN(image.repository, StringField(json, "repository", file, path));
  if (image.repository.empty()) return SpecError(file, path, "missing \"repository\"");
  if (absl::Status s = ValidateRepository(image.repository, RuleSet::kOci); !s.ok()) {
    return SpecError(file, path + ".repository", s.message());
  }
  ASSIGN_OR_RETURN(image.target, StringField(json, "target", file, path));
  if (!image.target.empty()) {
    absl::StatusOr<store::TagName> name = store::ParseTagName(image.target);
    if (!name.ok() || absl::StrContains(image.target, ':')) {
      return SpecError(file, path + ".target",
                       name.ok() ? "a repository, without a tag" : name.status().message());
    }
    image.target = name->repository;
  }
  ASSIGN_OR_RETURN(image.platform, StringField(json, "platform", file, path));
  if (!image.platform.empty()) {
    if (absl::Status s = CheckPlatform(image.platform); !s.ok()) {
      return SpecError(file, path + ".platform", s.message());
    }
  }
  ASSIGN_OR_RETURN(image.platforms, StringList(json, "platforms", " of OS/ARCH[/VARIANT]",
                                               CheckPlatform, file, path));
  if (!image.platform.empty() && !image.platforms.empty()) {
    return SpecError(file, path, "\"platform\" or \"platforms\", not both");
  }
  ASSIGN_OR_RETURN(std::optional<bool> referrers, BoolField(json, "referrers", file, path));
  image.referrers = referrers.value_or(false);
  ASSIGN_OR_RETURN(image.tags, StringList(json, "tags", " (leave it out for every tag)",
                                          CheckTagOrPattern, file, path));
  return image;
}

absl::StatusOr<RegistrySpec> ParseRegistry(const std::string& host, const JsonValue& json,
                                           const std::string& file) {
  const std::string path = absl::StrCat("registries.\"", host, "\"");
  if (absl::Status s = ValidateRegistryHost(host); !s.ok()) {
    return SpecError(file, path, s.message());
  }
  RETURN_IF_ERROR(OnlyFields(json, {"tls-verify", "cert-dir", "images"}, file, path));
  RegistrySpec r;
  r.host = host;
  ASSIGN_OR_RETURN(r.tls_verify, BoolField(json, "tls-verify", file, path));
  ASSIGN_OR_RETURN(r.cert_dir, StringField(json, "cert-dir", file, path));
  const JsonValue* images = json.Find("images");
  if (images == nullptr || !images->is_array() || images->items().empty()) {
    return SpecError(file, path + ".images", "must be a non-empty array of images");
  }
  for (size_t i = 0; i < images->items().size(); ++i) {
    ASSIGN_OR_RETURN(ImageSpec image,
                     ParseImage(images->items()[i], file, absl::StrCat(path, ".images[", i, "]")));
    r.images.push_back(std::move(image));
  }
  return r;
}

}  // namespace

absl::StatusOr<Spec> ParseSpec(absl::string_view text, const std::string& file) {
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(text);
  if (!doc.ok()) return absl::InvalidArgumentError(absl::StrCat(file, ": ", doc.status().message()));
  RETURN_IF_ERROR(OnlyFields(*doc, {"registries"}, file, "the top level"));
  const JsonValue* registries = doc->Find("registries");
  if (registries == nullptr || !registries->is_object() || registries->members().empty()) {
    return SpecError(file, "registries", "must be an object of HOST: {\"images\": [...]}");
  }
  Spec spec;
  for (const auto& [host, json] : registries->members()) {
    ASSIGN_OR_RETURN(RegistrySpec r, ParseRegistry(host, json, file));
    spec.registries.push_back(std::move(r));
  }
  return spec;
}

namespace {

// ---- The check.

struct Pending {
  Item item;
  transport::RegistryRepository* repo = nullptr;
  std::string tag;
  std::string head_digest;  // what the tag names, from its HEAD
  const RegistrySpec* registry = nullptr;  // the file's entry it comes from
};

// The tags of `image` the registry has: its exact tags as written (a
// missing one is found by its HEAD), its patterns matched against the
// tag list.
absl::StatusOr<std::vector<std::string>> ChosenTags(transport::RegistryRepository& repo,
                                                    const ImageSpec& image) {
  const bool listing = image.tags.empty() ||
                       std::any_of(image.tags.begin(), image.tags.end(), IsPattern);
  std::set<std::string> chosen;
  std::vector<std::string> upstream;
  if (listing) {
    ASSIGN_OR_RETURN(upstream, repo.Tags());
  }
  if (image.tags.empty()) chosen.insert(upstream.begin(), upstream.end());
  for (const std::string& want : image.tags) {
    if (!IsPattern(want)) {
      chosen.insert(want);
      continue;
    }
    for (const std::string& tag : upstream) {
      if (fnmatch(want.c_str(), tag.c_str(), 0) == 0) chosen.insert(tag);
    }
  }
  return std::vector<std::string>(chosen.begin(), chosen.end());
}

transport::RegistryOptions OptionsFor(const RegistrySpec& r, const Options& options) {
  transport::RegistryOptions o = options.registry;
  if (r.tls_verify.has_value()) o.tls_verify = r.tls_verify;
  if (!r.cert_dir.empty()) o.cert_dir = r.cert_dir;
  return o;
}

Item Failed(std::string source, absl::string_view error) {
  Item item;
  item.source = std::move(source);
  item.state = Item::State::kFailed;
  item.error = std::string(error);
  return item;
}

// Opens each repository and lists the tags to check; a repository that
// cannot be asked is one failed item.
void Expand(const Spec& spec, const Options& options,
            std::vector<std::unique_ptr<transport::RegistryRepository>>& repos,
            std::vector<Pending>& pending) {
  for (const RegistrySpec& r : spec.registries) {
    for (const ImageSpec& image : r.images) {
      const std::string text = absl::StrCat("docker://", r.host, "/", image.repository);
      absl::StatusOr<std::unique_ptr<transport::RegistryRepository>> repo =
          transport::RegistryRepository::Open(text, OptionsFor(r, options));
      absl::StatusOr<std::vector<std::string>> tags =
          repo.ok() ? ChosenTags(**repo, image) : repo.status();
      if (!tags.ok()) {
        Pending p;
        p.item = Failed(text, tags.status().message());
        pending.push_back(std::move(p));
        continue;
      }
      for (const std::string& tag : *tags) {
        Pending p;
        p.item.source = absl::StrCat((*repo)->name(), ":", tag);
        p.item.target = {image.target.empty() ? (*repo)->repository() : image.target, tag};
        p.item.platform = image.platform;
        p.item.platforms = image.platforms;
        p.registry = &r;
        p.item.referrers = image.referrers;
        p.repo = repo->get();
        p.tag = tag;
        pending.push_back(std::move(p));
      }
      repos.push_back(*std::move(repo));
    }
  }
}

// What a store entry holds: its digest, and for a partial index the
// platforms it keeps ("sha256:... linux/amd64,linux/arm64").
std::string HeldKey(const oci::Descriptor& d) {
  std::string platforms = d.Annotation(oci::kPlatformsAnnotation);
  return platforms.empty() ? d.digest() : absl::StrCat(d.digest(), " ", platforms);
}

// What the store should hold for `p`, as HeldKey: the tag's digest; for
// one platform of an index, that platform's manifest's; for several, the
// index's as a partial index.
absl::StatusOr<std::optional<std::string>> Wanted(Pending& p) {
  ASSIGN_OR_RETURN(std::optional<oci::Descriptor> d, p.repo->Head(p.tag));
  if (!d.has_value()) return std::optional<std::string>();
  p.head_digest = d->digest();
  const Item& item = p.item;
  if ((item.platform.empty() && item.platforms.empty()) ||
      !oci::IsIndexMediaType(d->media_type())) {
    return std::optional<std::string>(d->digest());
  }
  oci::ManifestFetcher fetch = [&](const oci::Descriptor& m) { return p.repo->Get(m); };
  if (!item.platforms.empty()) {
    std::vector<oci::Platform> keep;
    for (const std::string& text : item.platforms) {
      ASSIGN_OR_RETURN(oci::Platform one, oci::Platform::Parse(text));
      keep.push_back(std::move(one));
    }
    ASSIGN_OR_RETURN(oci::Descriptor partial, oci::PartialIndex(fetch, *d, keep));
    return std::optional<std::string>(HeldKey(partial));
  }
  ASSIGN_OR_RETURN(oci::Platform platform, oci::Platform::Parse(item.platform));
  ASSIGN_OR_RETURN(oci::Descriptor child, oci::SelectPlatform(fetch, *d, platform));
  return std::optional<std::string>(child.digest());
}

// The store's digest for a companion of `digest` differs from the
// registry's: cosign's sha256-<hex>.sig, .att, .sbom tags, and OCI 1.1
// referrers.
absl::StatusOr<bool> CompanionsChanged(Pending& p, const std::string& digest,
                                       const std::map<store::TagName, std::string>& have) {
  for (const std::string& tag : transport::CosignTags(digest)) {
    ASSIGN_OR_RETURN(std::optional<oci::Descriptor> d, p.repo->Head(tag));
    auto it = have.find(store::TagName{p.item.target.repository, tag});
    std::string held = it == have.end() ? "" : it->second;
    if ((d.has_value() ? d->digest() : "") != held) return true;
  }
  // OCI 1.1 referrers, each under the tag import gives it.
  ASSIGN_OR_RETURN(std::vector<std::string> referrers, p.repo->Referrers(digest));
  for (const std::string& r : referrers) {
    auto it = have.find(store::TagName{p.item.target.repository, transport::ReferrerTag(digest, r)});
    if (it == have.end() || it->second != r) return true;
  }
  return false;
}

void Check(Pending& p, const std::map<store::TagName, std::string>& have) {
  Item& item = p.item;
  absl::StatusOr<std::optional<std::string>> wanted = Wanted(p);
  if (wanted.ok() && !wanted->has_value()) {
    wanted = absl::NotFoundError(absl::StrCat(item.source, ": no such tag in the registry"));
  }
  if (!wanted.ok()) {
    item.state = Item::State::kFailed;
    item.error = std::string(wanted.status().message());
    return;
  }
  const std::string want = **wanted;
  item.digest = want.substr(0, want.find(' '));
  auto it = have.find(item.target);
  if (it == have.end()) {
    item.state = Item::State::kAdded;
    return;
  }
  item.state = it->second == want ? Item::State::kUnchanged : Item::State::kUpdated;
  if (item.state == Item::State::kUnchanged && item.referrers) {
    // Companions of what the tag names (the index, for a platform of it),
    // as import brings them.
    absl::StatusOr<bool> changed = CompanionsChanged(p, p.head_digest, have);
    if (!changed.ok()) {
      item.state = Item::State::kFailed;
      item.error = std::string(changed.status().message());
    } else if (*changed) {
      item.state = Item::State::kUpdated;
    }
  }
}

// Runs Check on every pending item, `width` at a time.
void CheckAll(std::vector<Pending>& pending, const std::map<store::TagName, std::string>& have,
              int width) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < pending.size();) {
      if (pending[i].repo != nullptr) Check(pending[i], have);
    }
  };
  std::vector<std::thread> threads;
  const size_t n = std::min<size_t>(std::max(width, 1), pending.size());
  for (size_t i = 1; i < n; ++i) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
}

// ---- The copy.

void Copy(const store::Store& store, const RegistrySpec& registry, Item& item,
          const Options& options) {
  copy::ImportOptions o;
  o.source = item.source;
  o.target = item.target.String();
  o.platform = item.platform;
  o.keep_platforms = item.platforms;
  o.registry = OptionsFor(registry, options);
  o.registry.referrers = item.referrers;
  o.threads = options.threads;
  o.progress = options.progress;
  absl::StatusOr<copy::ImportResult> r = copy::Import(store, o);
  if (!r.ok()) {
    item.state = Item::State::kFailed;
    item.error = std::string(r.status().message());
    return;
  }
  // The tag may have moved upstream between the check and the copy.
  for (const store::TagEntry& e : r->tagged) {
    if (e.name == item.target) item.digest = e.descriptor.digest();
  }
}

}  // namespace

absl::StatusOr<Result> Run(const store::Store& store, const Spec& spec,
                           const Options& options) {
  ASSIGN_OR_RETURN(std::vector<store::TagEntry> tags, store.Tags());
  std::map<store::TagName, std::string> have;
  for (const store::TagEntry& e : tags) have[e.name] = HeldKey(e.descriptor);

  std::vector<std::unique_ptr<transport::RegistryRepository>> repos;
  std::vector<Pending> pending;
  Expand(spec, options, repos, pending);
  CheckAll(pending, have, options.checks);

  Result result;
  // Repositories of one host share a client, and its count.
  std::map<std::string, int64_t> by_host;
  for (const auto& repo : repos) {
    const std::string& name = repo->name();  // docker://HOST/NAME
    by_host[name.substr(0, name.find('/', 9))] = repo->requests();
  }
  for (const auto& [host, n] : by_host) result.check_requests += n;
  for (Pending& p : pending) {
    Item& item = p.item;
    const bool change = item.state == Item::State::kAdded || item.state == Item::State::kUpdated;
    if (change && !options.dry_run) Copy(store, *p.registry, item, options);
    if (options.on_item) options.on_item(item);
    switch (item.state) {
      case Item::State::kAdded: ++result.added; break;
      case Item::State::kUpdated: ++result.updated; break;
      case Item::State::kUnchanged: ++result.unchanged; break;
      case Item::State::kFailed: ++result.failed; break;
    }
    result.items.push_back(std::move(item));
  }
  return result;
}

}  // namespace stowage::sync
