#include "lib/transport/transport.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"

namespace stowage::transport {
namespace {

std::map<std::string, TransportInfo>& Registry() {
  static auto* registry = new std::map<std::string, TransportInfo>();
  return *registry;
}

absl::StatusOr<const TransportInfo*> Find(const Location& location) {
  auto it = Registry().find(location.transport);
  if (it == Registry().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", location.String(), "\": unknown transport \"",
                     location.transport, "\"; use ", Usages()));
  }
  return &it->second;
}

}  // namespace

absl::Status ImageSource::StreamBlobs(
    const std::vector<oci::Descriptor>& blobs,
    const std::function<absl::Status(const oci::Descriptor&, BlobReader&)>& fn) {
  for (const oci::Descriptor& d : blobs) {
    ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, GetBlob(d));
    RETURN_IF_ERROR(fn(d, *reader));
  }
  return absl::OkStatus();
}

absl::Status ImageSource::BlobMismatch(const oci::Descriptor& d,
                                       absl::string_view what) const {
  std::string file = BlobFile(d);
  return absl::DataLossError(absl::StrCat("blob ", d.digest(), " (",
                                          file.empty() ? name() : file, "): ", what));
}

absl::Status ImageDestination::LinkBlob(
    const oci::Descriptor&, const std::string&,
    const std::function<absl::Status(const Fd&)>&) {
  return absl::UnimplementedError(absl::StrCat(name(), ": cannot link blobs"));
}

bool RegisterTransport(TransportInfo info) {
  std::string prefix = info.prefix;
  Registry()[prefix] = std::move(info);
  return true;
}

std::string Usages() {
  std::vector<const TransportInfo*> all;
  for (const auto& [prefix, info] : Registry()) all.push_back(&info);
  std::stable_sort(all.begin(), all.end(),
                   [](const TransportInfo* a, const TransportInfo* b) {
                     return a->rank < b->rank;
                   });
  std::vector<std::string> usages;
  for (const TransportInfo* info : all) usages.push_back(info->usage);
  if (usages.size() <= 1) return absl::StrJoin(usages, "");
  std::string last = usages.back();
  usages.pop_back();
  return absl::StrCat(absl::StrJoin(usages, ", "), " or ", last);
}

absl::StatusOr<Location> ParseLocation(absl::string_view text) {
  size_t colon = text.find(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": no transport; use ", Usages()));
  }
  Location location{std::string(text.substr(0, colon)),
                    std::string(text.substr(colon + 1))};
  RETURN_IF_ERROR(Find(location).status());
  return location;
}

absl::StatusOr<std::unique_ptr<ImageSource>> OpenSource(absl::string_view text,
                                                       const OpenOptions& options) {
  ASSIGN_OR_RETURN(Location location, ParseLocation(text));
  ASSIGN_OR_RETURN(const TransportInfo* info, Find(location));
  return info->open_source(location, options);
}

absl::StatusOr<std::unique_ptr<ImageDestination>> OpenDestination(
    absl::string_view text, const OpenOptions& options) {
  ASSIGN_OR_RETURN(Location location, ParseLocation(text));
  ASSIGN_OR_RETURN(const TransportInfo* info, Find(location));
  return info->open_destination(location, options);
}

absl::StatusOr<PathRef> SplitPathRef(const Location& location) {
  PathRef out;
  size_t colon = location.rest.find(':');
  out.path = location.rest.substr(0, colon);
  if (colon != std::string::npos) out.ref = location.rest.substr(colon + 1);
  if (out.path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", location.String(), "\": the path is empty"));
  }
  if (colon != std::string::npos && out.ref.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", location.String(), "\": empty reference after ':'"));
  }
  return out;
}

}  // namespace stowage::transport
