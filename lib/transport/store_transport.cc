#include "lib/transport/store_transport.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/transport/layout_io.h"

namespace stowage::transport {
namespace {

class StoreSourceImpl : public LayoutSource {
 public:
  explicit StoreSourceImpl(const store::Store& store)
      : LayoutSource(store.layout(), absl::StrCat("the store ", store.dir()),
                     RefKind::kImageName),
        store_(store) {}

  absl::StatusOr<std::vector<Ref>> Refs() override {
    ASSIGN_OR_RETURN(std::vector<store::TagEntry> tags, store_.Tags());
    std::vector<Ref> out;
    out.reserve(tags.size());
    for (store::TagEntry& t : tags) {
      out.push_back(Ref{t.name.String(), std::move(t.descriptor)});
    }
    return out;
  }

 private:
  const store::Store& store_;
};

class StoreDestinationImpl : public LayoutDestination {
 public:
  StoreDestinationImpl(const store::Store& store, FileLock lock)
      : LayoutDestination(store.layout(), absl::StrCat("the store ", store.dir()),
                          "", LayoutWriter::Options{}),
        store_(store),
        lock_(std::move(lock)) {}

  std::string DefaultRef(const std::string& repository,
                         const std::string& tag) const override {
    return absl::StrCat(repository, ":", tag);
  }

  bool holds_partial_indexes() const override { return true; }

  absl::Status SetRef(const std::string& ref, const oci::Descriptor& d) override {
    RETURN_IF_ERROR(store::ParseTagName(ref).status());
    return LayoutDestination::SetRef(ref, d);
  }

 protected:
  absl::Status WriteRefs() override {
    std::vector<store::TagEntry> entries;
    for (const auto& [ref, d] : refs()) {
      ASSIGN_OR_RETURN(store::TagName name, store::ParseTagName(ref));
      entries.push_back(store::TagEntry{std::move(name), d});
    }
    if (entries.empty()) return absl::OkStatus();
    return store_.SetTags(entries);
  }

 private:
  const store::Store& store_;
  FileLock lock_;
};

}  // namespace

std::unique_ptr<ImageSource> StoreSource(const store::Store& store) {
  return std::make_unique<StoreSourceImpl>(store);
}

absl::StatusOr<std::unique_ptr<ImageDestination>> StoreDestination(
    const store::Store& store) {
  ASSIGN_OR_RETURN(FileLock lock, store.BlobWriteLock());
  return std::unique_ptr<ImageDestination>(
      new StoreDestinationImpl(store, std::move(lock)));
}

}  // namespace stowage::transport
