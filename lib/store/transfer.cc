#include "lib/store/transfer.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/archive/docker_archive.h"
#include "lib/base/status_macros.h"
#include "lib/oci/graph.h"
#include "lib/oci/manifest.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"
#include "lib/transport/transport.h"

namespace stowage::store {
namespace {

std::string RefOf(const oci::Descriptor& d) {
  return d.Annotation(oci::kRefNameAnnotation);
}

std::string ListRefs(const oci::Index& index) {
  std::vector<std::string> refs;
  for (const oci::Descriptor& d : index.manifests) {
    std::string ref = RefOf(d);
    refs.push_back(ref.empty() ? absl::StrCat("(unnamed ", d.digest(), ")") : ref);
  }
  return refs.empty() ? "none" : absl::StrJoin(refs, ", ");
}

// The images of a converted docker archive: its entries grouped by digest
// (an image has an entry per name), with their names, for messages.
std::string ListDockerImages(const oci::Index& index) {
  std::vector<std::string> digests;
  std::map<std::string, std::vector<std::string>> names;
  for (const oci::Descriptor& d : index.manifests) {
    if (names.count(d.digest()) == 0) digests.push_back(d.digest());
    std::string ref = RefOf(d);
    names[d.digest()].push_back(ref.empty() ? "(unnamed " + d.digest() + ")" : ref);
  }
  std::vector<std::string> out;
  for (const std::string& digest : digests) out.push_back(absl::StrJoin(names[digest], " "));
  return out.empty() ? "none" : absl::StrJoin(out, ", ");
}

// SelectImports for a docker archive. Its conversion already applied the
// location's REF; the entries' refs are store names from RepoTags.
absl::StatusOr<std::vector<TagEntry>> SelectDockerArchiveImports(
    const oci::Index& index, const transport::Location& loc,
    const ImportOptions& options) {
  std::vector<TagEntry> out;
  std::set<std::string> digests;
  for (const oci::Descriptor& d : index.manifests) digests.insert(d.digest());
  if (digests.empty()) {
    return absl::NotFoundError(absl::StrCat(loc.String(), ": holds no images"));
  }
  if (!options.all) {
    if (digests.size() > 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          loc.String(), ": holds ", digests.size(), " images (",
          ListDockerImages(index), "); name one as docker-archive:", loc.path,
          ":NAME:TAG or docker-archive:", loc.path,
          ":@N (N from 0), or import them all with --all"));
    }
    ASSIGN_OR_RETURN(TagName name, ParseTagName(options.target));
    out.push_back(TagEntry{std::move(name), index.manifests[0]});
    return out;
  }
  if (!loc.ref.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        loc.String(), ": --all imports every image; drop the :", loc.ref));
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
  for (const oci::Descriptor& d : index.manifests) {
    std::string ref = RefOf(d);
    if (ref.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          loc.String(), ": the image ", d.digest(),
          " has no name (no RepoTags, none in `repositories`), so --all "
          "cannot tag it; import it alone as docker-archive:",
          loc.path, ":@N REPOSITORY[:TAG]"));
    }
    absl::StatusOr<TagName> name = ParseTagName(ref);
    if (!name.ok()) return Annotate(name.status(), loc.String());
    if (!repository.empty()) name->repository = repository;
    auto [it, added] = taken.emplace(*name, d.digest());
    if (!added) {
      if (it->second == d.digest()) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          loc.String(), ": two images would be tagged ", name->String(), " (",
          it->second, " and ", d.digest(), ")"));
    }
    out.push_back(TagEntry{std::move(*name), d});
  }
  return out;
}

// Which entries of the source to import, and under which names.
absl::StatusOr<std::vector<TagEntry>> SelectImports(
    const oci::Index& index, const transport::Location& loc,
    const ImportOptions& options) {
  if (loc.kind == transport::Kind::kDockerArchive) {
    return SelectDockerArchiveImports(index, loc, options);
  }
  std::vector<TagEntry> out;
  if (options.all) {
    if (!loc.ref.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          loc.String(), ": --all imports every image; drop the :", loc.ref));
    }
    ASSIGN_OR_RETURN(TagName repo, ParseTagName(options.target));
    if (options.target.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.target, ": with --all, name the repository alone; each "
                          "image is tagged with its own ref"));
    }
    for (const oci::Descriptor& d : index.manifests) {
      std::string ref = RefOf(d);
      if (ref.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            loc.String(), ": the image ", d.digest(),
            " has no ref name, so --all cannot tag it"));
      }
      absl::Status valid = ValidateTag(ref);
      if (!valid.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            loc.String(), ": ref \"", ref, "\" cannot be a tag: ",
            valid.message()));
      }
      out.push_back(TagEntry{TagName{repo.repository, ref}, d});
    }
    if (out.empty()) {
      return absl::NotFoundError(absl::StrCat(loc.String(), ": holds no images"));
    }
    return out;
  }
  ASSIGN_OR_RETURN(TagName name, ParseTagName(options.target));
  const oci::Descriptor* chosen = nullptr;
  if (!loc.ref.empty()) {
    for (const oci::Descriptor& d : index.manifests) {
      if (RefOf(d) == loc.ref) chosen = &d;  // the last one wins, as in skopeo
    }
    if (chosen == nullptr) {
      return absl::NotFoundError(absl::StrCat(loc.String(), ": no image named \"",
                                              loc.ref, "\" (it has: ",
                                              ListRefs(index), ")"));
    }
  } else if (index.manifests.size() == 1) {
    chosen = &index.manifests[0];
  } else if (index.manifests.empty()) {
    return absl::NotFoundError(absl::StrCat(loc.String(), ": holds no images"));
  } else {
    return absl::FailedPreconditionError(absl::StrCat(
        loc.String(), ": holds ", index.manifests.size(),
        " images (", ListRefs(index),
        "); name one as ", loc.kind == transport::Kind::kOciDir ? "oci:" : "oci-archive:",
        loc.path, ":REF, or import them all with --all"));
  }
  out.push_back(TagEntry{std::move(name), *chosen});
  return out;
}

}  // namespace

absl::StatusOr<ImportResult> Import(const Store& store,
                                    const ImportOptions& options) {
  ASSIGN_OR_RETURN(transport::Location loc, transport::ParseLocation(options.source));
  if (options.target.empty() &&
      !(options.all && loc.kind == transport::Kind::kDockerArchive)) {
    return absl::InvalidArgumentError(absl::StrCat(
        loc.String(), ": name the REPOSITORY[:TAG] to tag ",
        options.all ? "the images in (only a docker-archive: source "
                      "tags each image with its own RepoTags)"
                    : "the image as"));
  }
  // Shared for the whole import: gc waits rather than delete blobs placed
  // here before they are tagged.
  ASSIGN_OR_RETURN(FileLock blob_lock, store.BlobWriteLock());
  ASSIGN_OR_RETURN(transport::Source source,
                   transport::Source::Open(loc, store.TempDir(), options.progress));
  const oci::Layout& src = source.layout();
  absl::StatusOr<oci::Index> index = src.ReadIndex();
  if (!index.ok()) return index.status();
  ASSIGN_OR_RETURN(std::vector<TagEntry> wanted,
                   SelectImports(*index, loc, options));

  std::vector<oci::Descriptor> blobs;
  for (const TagEntry& e : wanted) {
    absl::StatusOr<std::vector<oci::Descriptor>> graph =
        oci::CollectGraph(src, e.descriptor);
    if (!graph.ok()) {
      return Annotate(graph.status(), loc.path);
    }
    blobs.insert(blobs.end(), graph->begin(), graph->end());
  }
  oci::TransferOptions transfer;
  transfer.allow_links = !options.copy;
  // A converted docker archive was hashed and synced as it was converted.
  transfer.verify_links = !source.verified();
  transfer.progress = options.progress;
  absl::StatusOr<oci::TransferStats> stats =
      oci::TransferBlobs(src, store.layout(), blobs, transfer);
  if (!stats.ok()) return Annotate(stats.status(), loc.String());
  RETURN_IF_ERROR(store.SetTags(wanted));
  ImportResult result;
  result.tagged = std::move(wanted);
  result.stats = *stats;
  return result;
}

absl::StatusOr<ExportResult> Export(const Store& store,
                                    const ExportOptions& options) {
  ASSIGN_OR_RETURN(transport::Location loc,
                   transport::ParseLocation(options.destination));
  const bool docker = loc.kind == transport::Kind::kDockerArchive;
  if (options.images.empty()) {
    return absl::InvalidArgumentError("name at least one image to export");
  }
  if (!loc.ref.empty() && (options.images.size() > 1 || options.all_tags)) {
    return absl::InvalidArgumentError(absl::StrCat(
        loc.String(), ": :", loc.ref, " names a single image; drop it to name ",
        docker ? "each image REPOSITORY:TAG" : "each image by its tag"));
  }
  std::string docker_ref;  // the RepoTag a docker archive's REF asks for
  if (docker && !loc.ref.empty()) {
    absl::StatusOr<std::string> name = archive::DockerArchiveName(loc.ref);
    if (!name.ok()) return Annotate(name.status(), loc.String());
    docker_ref = *name;
  }
  // The store's tags each IMAGE picks, in order.
  struct Pick {
    TagEntry entry;
    bool by_digest = false;  // a layout then names it by the REF alone
  };
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

  // (name in the destination, image descriptor), each name once.
  std::vector<std::pair<std::string, oci::Descriptor>> images;
  std::map<std::string, std::string> named;  // name -> the store tag it is
  for (const Pick& pick : picked) {
    const TagEntry& e = pick.entry;
    std::string name;
    if (docker) {
      name = docker_ref.empty() ? archive::FamiliarName(e.name.repository, e.name.tag)
                                : docker_ref;
    } else {
      name = loc.ref.empty() && !pick.by_digest ? e.name.tag : loc.ref;
    }
    if (name.empty()) {  // an unnamed layout entry clashes with nothing
      images.emplace_back(name, e.descriptor);
      continue;
    }
    auto [it, added] = named.emplace(name, e.name.String());
    if (!added) {
      if (it->second == e.name.String()) continue;  // named twice
      return absl::InvalidArgumentError(absl::StrCat(
          "both ", it->second, " and ", e.name.String(), " would be named \"",
          name, "\" in ", loc.String(),
          docker ? "" : "; export them to separate layouts, or to a docker-archive:"));
    }
    images.emplace_back(name, e.descriptor);
  }

  if (!options.platform.empty()) {
    ASSIGN_OR_RETURN(oci::Platform platform, oci::Platform::Parse(options.platform));
    for (auto& [name, d] : images) {
      ASSIGN_OR_RETURN(d, oci::SelectPlatform(store.layout(), d, platform));
    }
  }
  if (docker) {
    for (const auto& [name, d] : images) {
      if (!oci::IsIndexMediaType(d.media_type())) continue;
      std::vector<std::string> platforms;
      absl::StatusOr<oci::Manifest> index = oci::ReadManifest(store.layout(), d);
      if (index.ok()) {
        for (const oci::Descriptor& m : index->manifests) {
          platforms.push_back(m.platform().has_value() ? m.platform()->String()
                                                       : "unknown platform");
        }
      }
      return absl::FailedPreconditionError(absl::StrCat(
          name, " is a multi-platform image index (",
          absl::StrJoin(platforms, ", "),
          "); a docker archive holds one image per name and has no place for "
          "an index (docker load and podman load read single images): choose "
          "one with --platform OS/ARCH[/VARIANT]"));
    }
  }

  std::vector<oci::Descriptor> blobs;
  for (const auto& [name, d] : images) {
    ASSIGN_OR_RETURN(std::vector<oci::Descriptor> graph,
                     oci::CollectGraph(store.layout(), d));
    blobs.insert(blobs.end(), graph.begin(), graph.end());
  }
  ASSIGN_OR_RETURN(transport::Destination dest,
                   transport::Destination::Open(loc, store.TempDir()));
  oci::TransferOptions transfer;
  transfer.allow_links = !options.copy;
  // The store's blobs were verified when they came in.
  transfer.verify_links = false;
  transfer.progress = options.progress;
  ASSIGN_OR_RETURN(oci::TransferStats stats,
                   oci::TransferBlobs(store.layout(), dest.layout(), blobs, transfer));

  ASSIGN_OR_RETURN(oci::Index index, dest.layout().ReadIndex());
  std::set<std::string> names;
  for (const auto& [name, d] : images) names.insert(name);
  std::vector<oci::Descriptor> kept;
  for (oci::Descriptor& d : index.manifests) {
    std::string name = RefOf(d);
    if (name.empty() || names.count(name) == 0) kept.push_back(std::move(d));
  }
  ExportResult result;
  for (const auto& [name, image] : images) {
    oci::Descriptor entry = StoreEntry(image, TagName{"", ""});
    if (name.empty()) {
      entry.RemoveAnnotation(oci::kRefNameAnnotation);
    } else {
      entry.SetAnnotation(oci::kRefNameAnnotation, name);
    }
    kept.push_back(std::move(entry));
    result.refs.push_back(name);
  }
  index.manifests = std::move(kept);
  RETURN_IF_ERROR(dest.layout().WriteIndex(index));
  RETURN_IF_ERROR(dest.Finish());
  result.stats = stats;
  return result;
}

}  // namespace stowage::store
