#include "lib/copy/store_copy.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"
#include "lib/oci/graph.h"
#include "lib/oci/manifest.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"
#include "lib/transport/store_transport.h"
#include "lib/transport/transport.h"

namespace stowage::copy {
namespace {

using store::ParseTagName;
using store::Store;
using store::TagEntry;
using store::TagName;
using transport::ImageSource;
using transport::Ref;

std::string ListRefs(const std::vector<Ref>& all) {
  std::vector<std::string> refs;
  for (const Ref& r : all) {
    refs.push_back(r.name.empty() ? absl::StrCat("(unnamed ", r.descriptor.digest(), ")")
                                  : r.name);
  }
  return refs.empty() ? "none" : absl::StrJoin(refs, ", ");
}

// The images of a converted docker archive: its entries grouped by digest
// (an image has an entry per name), with their names, for messages.
std::string ListDockerImages(const std::vector<Ref>& refs) {
  std::vector<std::string> digests;
  std::map<std::string, std::vector<std::string>> names;
  for (const Ref& r : refs) {
    const std::string& digest = r.descriptor.digest();
    if (names.count(digest) == 0) digests.push_back(digest);
    names[digest].push_back(r.name.empty() ? "(unnamed " + digest + ")" : r.name);
  }
  std::vector<std::string> out;
  for (const std::string& digest : digests) out.push_back(absl::StrJoin(names[digest], " "));
  return out.empty() ? "none" : absl::StrJoin(out, ", ");
}

// The one image of `refs` (and its companions) under `target`, or under
// their own names when `target` is "".
absl::StatusOr<std::vector<TagEntry>> NameOneImport(const std::vector<Ref>& refs,
                                                   const ImageSource& source,
                                                   const std::string& target) {
  std::vector<TagEntry> out;
  std::string repository;
  bool named = false;
  for (const Ref& r : refs) {
    // A docker archive's image may have several names: `target` is one.
    if (!r.companion && !target.empty() && named) continue;
    named = named || !r.companion;
    const std::string& name = r.companion || target.empty() ? r.name : target;
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source.name(), ": the image ", r.descriptor.digest(),
          " has no name here; name the REPOSITORY:TAG to tag it as"));
    }
    absl::StatusOr<TagName> parsed = ParseTagName(name);
    if (!parsed.ok()) return Annotate(parsed.status(), source.name());
    if (!r.companion) repository = parsed->repository;
    if (r.companion && !repository.empty()) parsed->repository = repository;
    out.push_back(TagEntry{std::move(*parsed), r.descriptor});
  }
  return out;
}

// SelectImports for a source whose refs are image names (a docker
// archive): it applied its REF already, and its refs are store names.
absl::StatusOr<std::vector<TagEntry>> SelectNamedImports(
    const std::vector<Ref>& refs, const ImageSource& source, const std::string& base,
    const ImportOptions& options) {
  std::vector<TagEntry> out;
  std::set<std::string> digests;
  for (const Ref& r : refs) {
    if (!r.companion) digests.insert(r.descriptor.digest());
  }
  if (digests.empty()) {
    return absl::NotFoundError(absl::StrCat(source.name(), ": holds no images"));
  }
  if (!options.all) {
    if (digests.size() > 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          source.name(), ": holds ", digests.size(), " images (",
          ListDockerImages(refs), "); name one as ", base, ":NAME:TAG or ", base,
          ":@N (N from 0), or import them all with --all"));
    }
    return NameOneImport(refs, source, options.target);
  }
  if (!source.given_ref().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source.name(), ": --all imports every image; drop the :", source.given_ref()));
  }
  std::string repository;  // "" keeps each image's own name
  if (!options.target.empty()) {
    ASSIGN_OR_RETURN(TagName repo, ParseTagName(options.target));
    if (options.target.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.target, ": with --all, name the repository alone (or "
                          "nothing, to keep each image's own name); each "
                          "image is tagged with its RepoTag's tag"));
    }
    repository = repo.repository;
  }
  std::map<TagName, std::string> taken;  // name -> digest
  for (const Ref& r : refs) {
    const oci::Descriptor& d = r.descriptor;
    if (r.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source.name(), ": the image ", d.digest(),
          " has no name (no RepoTags, none in `repositories`), so --all "
          "cannot tag it; import it alone as ", base, ":@N REPOSITORY[:TAG]"));
    }
    absl::StatusOr<TagName> name = ParseTagName(r.name);
    if (!name.ok()) return Annotate(name.status(), source.name());
    if (!repository.empty()) name->repository = repository;
    auto [it, added] = taken.emplace(*name, d.digest());
    if (!added) {
      if (it->second == d.digest()) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          source.name(), ": two images would be tagged ", name->String(), " (",
          it->second, " and ", d.digest(), ")"));
    }
    out.push_back(TagEntry{std::move(*name), d});
  }
  return out;
}

// Which images of the source to import, and under which names. `base` is
// the source's text without its REF, for hints.
absl::StatusOr<std::vector<TagEntry>> SelectImports(const std::vector<Ref>& refs,
                                                    const ImageSource& source,
                                                    const std::string& base,
                                                    const ImportOptions& options) {
  if (source.ref_kind() == ImageSource::RefKind::kImageName) {
    return SelectNamedImports(refs, source, base, options);
  }
  const std::string& given = source.given_ref();
  std::vector<TagEntry> out;
  if (options.all) {
    if (!given.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source.name(), ": --all imports every image; drop the :", given));
    }
    ASSIGN_OR_RETURN(TagName repo, ParseTagName(options.target));
    if (options.target.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.target, ": with --all, name the repository alone; each "
                          "image is tagged with its own ref"));
    }
    for (const Ref& r : refs) {
      if (r.name.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            source.name(), ": the image ", r.descriptor.digest(),
            " has no ref name, so --all cannot tag it"));
      }
      absl::Status valid = ValidateTag(r.name);
      if (!valid.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            source.name(), ": ref \"", r.name, "\" cannot be a tag: ",
            valid.message()));
      }
      out.push_back(TagEntry{TagName{repo.repository, r.name}, r.descriptor});
    }
    if (out.empty()) {
      return absl::NotFoundError(absl::StrCat(source.name(), ": holds no images"));
    }
    return out;
  }
  ASSIGN_OR_RETURN(TagName name, ParseTagName(options.target));
  const oci::Descriptor* chosen = nullptr;
  if (!given.empty()) {
    for (const Ref& r : refs) {
      if (r.name == given) chosen = &r.descriptor;  // the last one wins, as in skopeo
    }
    if (chosen == nullptr) {
      return absl::NotFoundError(absl::StrCat(source.name(), ": no image named \"",
                                              given, "\" (it has: ",
                                              ListRefs(refs), ")"));
    }
  } else if (refs.size() == 1) {
    chosen = &refs[0].descriptor;
  } else if (refs.empty()) {
    return absl::NotFoundError(absl::StrCat(source.name(), ": holds no images"));
  } else {
    return absl::FailedPreconditionError(absl::StrCat(
        source.name(), ": holds ", refs.size(), " images (", ListRefs(refs),
        "); name one as ", base, ":REF, or import them all with --all"));
  }
  out.push_back(TagEntry{std::move(name), *chosen});
  return out;
}

// Blobs moved at once: `asked`, else 4 for a registry (the network, not
// the cores, is the limit), else the engine's default.
int RemoteThreads(int asked, const std::string& location) {
  if (asked != 0) return asked;
  absl::StatusOr<transport::Location> where = transport::ParseLocation(location);
  return where.ok() && where->transport == "docker" ? 4 : 0;
}

// The source's text without its REF: "oci:DIR" of "oci:DIR:v1".
std::string Base(const ImageSource& source) {
  const std::string& name = source.name();
  const std::string& ref = source.given_ref();
  if (ref.empty() || name.size() <= ref.size() + 1) return name;
  return name.substr(0, name.size() - ref.size() - 1);
}

}  // namespace

absl::StatusOr<ImportResult> Import(const Store& store,
                                    const ImportOptions& options) {
  transport::OpenOptions open;
  open.scratch = store.TempDir();
  open.progress = options.progress;
  open.registry = options.registry;
  open.registry.all_tags = options.all;
  RETURN_IF_ERROR(transport::ParseLocation(options.source).status());
  // The destination first: it holds the store's blob lock, so gc waits
  // rather than delete blobs placed here before they are tagged.
  ASSIGN_OR_RETURN(std::unique_ptr<transport::ImageDestination> dest,
                   transport::StoreDestination(store));
  ASSIGN_OR_RETURN(std::unique_ptr<ImageSource> source,
                   transport::OpenSource(options.source, open));
  const bool named = source->ref_kind() == ImageSource::RefKind::kImageName;
  if (options.target.empty() && !named) {
    return absl::InvalidArgumentError(absl::StrCat(
        source->name(), ": name the REPOSITORY[:TAG] to tag ",
        options.all ? "the images in (only a docker-archive: source "
                      "tags each image with its own RepoTags)"
                    : "the image as"));
  }
  ASSIGN_OR_RETURN(std::vector<Ref> refs, source->Refs());
  ASSIGN_OR_RETURN(std::vector<TagEntry> wanted,
                   SelectImports(refs, *source, Base(*source), options));
  std::vector<Item> items;
  for (const TagEntry& e : wanted) items.push_back(Item{e.descriptor, e.name.String()});
  Options copy;
  copy.allow_links = !options.copy;
  copy.progress = options.progress;
  copy.threads = RemoteThreads(options.threads, options.source);
  if (!options.platform.empty()) {
    ASSIGN_OR_RETURN(copy.platform, oci::Platform::Parse(options.platform));
  }
  for (const std::string& text : options.keep_platforms) {
    ASSIGN_OR_RETURN(oci::Platform p, oci::Platform::Parse(text));
    copy.keep_platforms.push_back(std::move(p));
  }
  // The engine's errors name the source (or the destination) themselves.
  ASSIGN_OR_RETURN(Result copied, CopyImages(*source, *dest, items, copy));
  RETURN_IF_ERROR(dest->Commit());
  ImportResult result;
  // With a platform, each index was copied as the platform's image; with
  // kept platforms, as a partial index.
  for (size_t i = 0; i < wanted.size() && i < copied.items.size(); ++i) {
    wanted[i].descriptor = copied.items[i].image;
  }
  result.tagged = std::move(wanted);
  result.stats = copied.stats;
  return result;
}

namespace {

// The store's tags the IMAGE texts pick, in order.
struct Pick {
  TagEntry entry;
  bool by_digest = false;  // a layout then names it by the REF alone
};

absl::StatusOr<std::vector<Pick>> PickImages(const Store& store,
                                             const ExportOptions& options) {
  std::vector<Pick> picked;
  ASSIGN_OR_RETURN(std::vector<TagEntry> tags, store.Tags());
  for (const std::string& text : options.images) {
    ASSIGN_OR_RETURN(Reference ref, Reference::Parse(text, RuleSet::kOci));
    if (!ref.host().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          text, ": store names have no registry host"));
    }
    if (options.all_tags) {
      if (!ref.tag_defaulted() || !ref.digest().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            text, ": --all-tags takes a repository without tag or digest"));
      }
      size_t before = picked.size();
      for (const TagEntry& e : tags) {
        if (e.name.repository == ref.repository()) picked.push_back(Pick{e});
      }
      if (picked.size() == before) {
        return absl::NotFoundError(absl::StrCat("no repository ", ref.repository(),
                                                " in the store ", store.dir()));
      }
    } else if (!ref.digest().empty()) {
      const TagEntry* found = nullptr;
      for (const TagEntry& e : tags) {
        if (e.name.repository == ref.repository() &&
            e.descriptor.digest() == ref.digest() &&
            (ref.tag().empty() || ref.tag() == e.name.tag)) {
          found = &e;
          break;
        }
      }
      if (found == nullptr) {
        return absl::NotFoundError(absl::StrCat(
            "no image ", ref.digest(), " tagged in ", ref.repository()));
      }
      picked.push_back(Pick{*found, /*by_digest=*/true});
    } else {
      ASSIGN_OR_RETURN(TagEntry e, store.Find(TagName{ref.repository(), ref.tag()}));
      picked.push_back(Pick{std::move(e)});
    }
  }
  return picked;
}

// Each pick with its name in the destination, each name once.
absl::StatusOr<std::vector<Item>> NameImages(const std::vector<Pick>& picked,
                                             const transport::ImageDestination& dest,
                                             bool docker) {
  std::vector<Item> images;
  std::map<std::string, std::string> named;  // name -> the store tag it is
  const std::string& given = dest.given_ref();
  for (const Pick& pick : picked) {
    const TagEntry& e = pick.entry;
    std::string name = given;
    if (given.empty() && (docker || !pick.by_digest)) {
      name = dest.DefaultRef(e.name.repository, e.name.tag);
    }
    if (name.empty()) {  // an unnamed layout entry clashes with nothing
      images.push_back(Item{e.descriptor, name});
      continue;
    }
    auto [it, added] = named.emplace(name, e.name.String());
    if (!added) {
      if (it->second == e.name.String()) continue;  // named twice
      return absl::InvalidArgumentError(absl::StrCat(
          "both ", it->second, " and ", e.name.String(), " would be named \"",
          name, "\" in ", dest.name(),
          docker ? "" : "; export them to separate layouts, or to a docker-archive:"));
    }
    images.push_back(Item{e.descriptor, name});
  }
  return images;
}

// FailedPrecondition for an index bound for a destination of single images.
absl::Status CheckNoIndex(const Store& store, const std::vector<Item>& images) {
  for (const Item& item : images) {
    if (!oci::IsIndexMediaType(item.image.media_type())) continue;
    std::vector<std::string> platforms;
    absl::StatusOr<oci::Manifest> index = oci::ReadManifest(store.layout(), item.image);
    if (index.ok()) {
      for (const oci::Descriptor& m : index->manifests) {
        platforms.push_back(m.platform().has_value() ? m.platform()->String()
                                                     : "unknown platform");
      }
    }
    return absl::FailedPreconditionError(absl::StrCat(
        item.ref, " is a multi-platform image index (", absl::StrJoin(platforms, ", "),
        "); a docker archive holds one image per name and has no place for "
        "an index (docker load and podman load read single images): choose "
        "one with --platform OS/ARCH[/VARIANT]"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExportResult> Export(const Store& store,
                                    const ExportOptions& options) {
  RETURN_IF_ERROR(transport::ParseLocation(options.destination).status());
  if (options.images.empty()) {
    return absl::InvalidArgumentError("name at least one image to export");
  }
  ASSIGN_OR_RETURN(std::vector<Pick> picked, PickImages(store, options));
  Options copy;
  copy.allow_links = !options.copy;
  copy.progress = options.progress;
  if (!options.platform.empty()) {
    ASSIGN_OR_RETURN(copy.platform, oci::Platform::Parse(options.platform));
  }
  copy.threads = RemoteThreads(options.threads, options.destination);
  transport::OpenOptions open;
  open.scratch = store.TempDir();
  open.registry = options.registry;
  ASSIGN_OR_RETURN(std::unique_ptr<transport::ImageDestination> dest,
                   transport::OpenDestination(options.destination, open));
  const bool docker = !dest->holds_indexes();
  if (!dest->given_ref().empty() && (options.images.size() > 1 || options.all_tags)) {
    return absl::InvalidArgumentError(absl::StrCat(
        dest->name(), ": :", dest->given_ref(), " names a single image; drop it to name ",
        docker ? "each image REPOSITORY:TAG" : "each image by its tag"));
  }
  ASSIGN_OR_RETURN(std::vector<Item> images, NameImages(picked, *dest, docker));
  if (docker && !copy.platform.has_value()) RETURN_IF_ERROR(CheckNoIndex(store, images));
  std::unique_ptr<ImageSource> source = transport::StoreSource(store);
  ASSIGN_OR_RETURN(Result copied, CopyImages(*source, *dest, images, copy));
  RETURN_IF_ERROR(dest->Commit());
  ExportResult result;
  for (const Item& item : copied.items) result.refs.push_back(item.ref);
  result.stats = copied.stats;
  return result;
}

}  // namespace stowage::copy
