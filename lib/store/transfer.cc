#include "lib/store/transfer.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"
#include "lib/oci/graph.h"
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

// Which entries of the source to import, and under which names.
absl::StatusOr<std::vector<TagEntry>> SelectImports(
    const oci::Index& index, const transport::Location& loc,
    const ImportOptions& options) {
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
  // Shared for the whole import: gc waits rather than delete blobs placed
  // here before they are tagged.
  ASSIGN_OR_RETURN(FileLock blob_lock, store.BlobWriteLock());
  ASSIGN_OR_RETURN(transport::Source source,
                   transport::Source::Open(loc, store.TempDir()));
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
  transfer.verify_links = true;
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
  // (ref in the destination, image descriptor)
  std::vector<std::pair<std::string, oci::Descriptor>> images;
  ASSIGN_OR_RETURN(Reference ref, Reference::Parse(options.image, RuleSet::kOci));
  if (!ref.host().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.image, ": store names have no registry host"));
  }
  ASSIGN_OR_RETURN(std::vector<TagEntry> tags, store.Tags());
  if (options.all_tags) {
    if (!loc.ref.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          loc.String(), ": --all-tags names each image by its tag; drop the :",
          loc.ref));
    }
    if (!ref.tag_defaulted() || !ref.digest().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.image, ": --all-tags takes a repository without tag or digest"));
    }
    for (const TagEntry& e : tags) {
      if (e.name.repository == ref.repository()) {
        images.emplace_back(e.name.tag, e.descriptor);
      }
    }
    if (images.empty()) {
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
    images.emplace_back(loc.ref, found->descriptor);
  } else {
    ASSIGN_OR_RETURN(TagEntry e, store.Find(TagName{ref.repository(), ref.tag()}));
    images.emplace_back(loc.ref.empty() ? e.name.tag : loc.ref, e.descriptor);
  }

  if (!options.platform.empty()) {
    ASSIGN_OR_RETURN(oci::Platform platform, oci::Platform::Parse(options.platform));
    for (auto& [name, d] : images) {
      ASSIGN_OR_RETURN(d, oci::SelectPlatform(store.layout(), d, platform));
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
