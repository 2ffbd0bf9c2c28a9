#include "lib/oci/graph.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/oci/media_types.h"

namespace stowage::oci {

namespace {

ManifestFetcher FetcherOf(const Layout& layout) {
  return [&layout](const Descriptor& d) { return layout.ReadBlob(d); };
}

}  // namespace

absl::StatusOr<Manifest> ReadManifest(const Layout& layout, const Descriptor& d) {
  return ReadManifest(FetcherOf(layout), d);
}

absl::StatusOr<std::vector<Descriptor>> CollectGraph(const Layout& layout,
                                                     const Descriptor& root) {
  return CollectGraph(FetcherOf(layout), root);
}

absl::StatusOr<Descriptor> SelectPlatform(const Layout& layout,
                                          const Descriptor& root,
                                          const Platform& platform) {
  return SelectPlatform(FetcherOf(layout), root, platform);
}

std::vector<Platform> HeldPlatforms(const Descriptor& root) {
  std::vector<Platform> held;
  for (absl::string_view text : absl::StrSplit(root.Annotation(kPlatformsAnnotation), ',',
                                               absl::SkipEmpty())) {
    absl::StatusOr<Platform> p = Platform::Parse(text);
    // One that does not parse holds nothing: the walk then misses nothing
    // the store has, and a check finds no platform it can vouch for.
    if (p.ok()) held.push_back(*std::move(p));
  }
  if (held.empty() && !root.Annotation(kPlatformsAnnotation).empty()) {
    held.push_back(Platform{"-", "-", "", ""});
  }
  return held;
}

bool Held(const std::vector<Platform>& held, absl::string_view media_type,
          const std::optional<Platform>& platform) {
  if (held.empty() || IsIndexMediaType(media_type)) return true;
  if (!platform.has_value()) return false;
  return std::any_of(held.begin(), held.end(),
                     [&](const Platform& p) { return platform->Matches(p); });
}

bool Held(const std::vector<Platform>& held, const Descriptor& child) {
  return Held(held, child.media_type(), child.platform());
}

absl::StatusOr<Descriptor> PartialIndex(const ManifestFetcher& fetch, const Descriptor& root,
                                        const std::vector<Platform>& platforms) {
  if (!IsIndexMediaType(root.media_type())) return root;
  std::set<std::string> names;
  for (const Platform& p : platforms) {
    ASSIGN_OR_RETURN(Descriptor ignored, SelectPlatform(fetch, root, p));
    names.insert(p.String());
  }
  Descriptor out = root;
  out.SetAnnotation(kPlatformsAnnotation, absl::StrJoin(names, ","));
  // Every platform chosen: the index whole, not partial.
  ASSIGN_OR_RETURN(Manifest m, ReadManifest(fetch, root));
  const std::vector<Platform> held = HeldPlatforms(out);
  if (std::all_of(m.manifests.begin(), m.manifests.end(),
                  [&](const Descriptor& c) {
                    // A nested index may hold platforms not chosen: partial.
                    return !IsIndexMediaType(c.media_type()) && Held(held, c);
                  })) {
    return root;
  }
  return out;
}

absl::StatusOr<Manifest> ReadManifest(const ManifestFetcher& fetch,
                                      const Descriptor& d) {
  ASSIGN_OR_RETURN(std::string bytes, fetch(d));
  absl::StatusOr<Manifest> m = Manifest::Parse(bytes, d.media_type());
  if (!m.ok()) {
    return absl::Status(m.status().code(),
                        absl::StrCat("manifest ", d.digest(), ": ",
                                     m.status().message()));
  }
  return m;
}

absl::StatusOr<std::vector<Descriptor>> CollectGraph(const ManifestFetcher& fetch,
                                                     const Descriptor& root) {
  // A blob to visit, with the manifests between the root and it (for errors).
  struct Pending {
    Descriptor d;
    std::string via;
  };
  std::vector<Descriptor> out;
  std::set<std::string> seen;
  const std::vector<Platform> held = HeldPlatforms(root);
  std::deque<Pending> queue = {{root, ""}};
  while (!queue.empty()) {
    Pending p = std::move(queue.front());
    queue.pop_front();
    Descriptor& d = p.d;
    if (!seen.insert(d.digest()).second) continue;
    if (IsManifestMediaType(d.media_type())) {
      absl::StatusOr<Manifest> m = ReadManifest(fetch, d);
      if (!m.ok()) {
        if (d.digest() == root.digest()) return m.status();
        std::string chain = p.via.empty() ? "" : absl::StrCat(" (via ", p.via, ")");
        return absl::Status(m.status().code(),
                            absl::StrCat("in the image ", root.digest(), chain,
                                         ": ", m.status().message()));
      }
      std::string via = p.via;
      if (d.digest() != root.digest()) {
        via = via.empty() ? d.digest() : absl::StrCat(via, " -> ", d.digest());
      }
      if (m->is_index()) {
        for (const Descriptor& child : m->manifests) {
          if (Held(held, child)) queue.push_back({child, via});
        }
      } else {
        queue.push_back({*m->config, via});
        for (const Descriptor& layer : m->layers) queue.push_back({layer, via});
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

namespace {

void ListPlatforms(const ManifestFetcher& fetch, const Manifest& index,
                   std::vector<std::string>* out, int depth) {
  for (const Descriptor& child : index.manifests) {
    if (IsIndexMediaType(child.media_type()) && depth < 8) {
      absl::StatusOr<Manifest> nested = ReadManifest(fetch, child);
      if (nested.ok()) ListPlatforms(fetch, *nested, out, depth + 1);
    } else if (child.platform().has_value()) {
      out->push_back(child.platform()->String());
    }
  }
}

// nullopt when no image for `platform` is there. Errors reading a nested
// index are errors, not a missing platform: a missing blob must not pass for
// an absent platform.
absl::StatusOr<std::optional<Descriptor>> Select(const ManifestFetcher& fetch,
                                                 const Manifest& index,
                                                 const Platform& platform,
                                                 int depth) {
  for (const Descriptor& child : index.manifests) {
    if (child.platform().has_value() && child.platform()->Matches(platform) &&
        IsImageManifestMediaType(child.media_type())) {
      return std::optional<Descriptor>(child);
    }
  }
  for (const Descriptor& child : index.manifests) {
    if (IsIndexMediaType(child.media_type()) && depth < 8) {
      ASSIGN_OR_RETURN(Manifest nested, ReadManifest(fetch, child));
      ASSIGN_OR_RETURN(std::optional<Descriptor> found,
                       Select(fetch, nested, platform, depth + 1));
      if (found.has_value()) return found;
    }
  }
  return std::optional<Descriptor>();
}

}  // namespace

absl::StatusOr<Descriptor> SelectPlatform(const ManifestFetcher& fetch,
                                          const Descriptor& root,
                                          const Platform& platform) {
  ASSIGN_OR_RETURN(Manifest m, ReadManifest(fetch, root));
  if (!m.is_index()) return root;
  ASSIGN_OR_RETURN(std::optional<Descriptor> found, Select(fetch, m, platform, 0));
  const std::vector<Platform> held = HeldPlatforms(root);
  if (found.has_value() && !Held(held, *found)) {
    return absl::NotFoundError(absl::StrCat(
        "platform ", platform.String(), " of the index ", root.digest(),
        " was not pulled: only ", root.Annotation(kPlatformsAnnotation),
        " were (import it again with that --platform, or without one)"));
  }
  if (found.has_value()) return *std::move(found);
  std::vector<std::string> platforms;
  ListPlatforms(fetch, m, &platforms, 0);
  return absl::NotFoundError(absl::StrCat(
      "no image for platform ", platform.String(), " in the index ",
      root.digest(), " (it has: ",
      platforms.empty() ? "none" : absl::StrJoin(platforms, ", "), ")"));
}

}  // namespace stowage::oci
