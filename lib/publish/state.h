// The publish state file, OUTDIR/stowage-publish.state: what the last
// complete publish published, so that the next one skips what is unchanged.
//
// Its lines: the options line (what besides the store decides the bytes),
// the store line (digests of the store's index.json and catalog, and the
// --repo patterns), the search line (the digest of what the catalog's search
// index shows, or "search -"), then one "REPOSITORY FINGERPRINT" line per
// published repository.
//
// The file describes the tree only between publishes: publish removes it
// (durably) before its first change to OUTDIR and writes it (durably) after
// its last. A publish that fails or is killed in between leaves no state,
// and the next publish is a full one that repairs the tree.

#ifndef STOWAGE_LIB_PUBLISH_STATE_H_
#define STOWAGE_LIB_PUBLISH_STATE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace stowage::publish {

class PublishState {
 public:
  // The state file of the tree at `out_root`; an empty state when there is
  // none.
  static absl::StatusOr<PublishState> Read(const std::string& out_root);
  explicit PublishState(std::string text = "");
  PublishState(PublishState&& other) noexcept;
  PublishState& operator=(PublishState&&) = delete;
  PublishState(const PublishState&) = delete;

  const std::string& text() const { return text_; }
  bool empty() const { return lines_.empty(); }
  // Whether the last publish was made with these options from this store.
  bool Same(absl::string_view options_line, absl::string_view store_line) const;
  // The repositories the last publish published.
  size_t repositories() const;
  // The search line, or "" when the state has none.
  absl::string_view search_line() const;
  // repository -> fingerprint as the last publish recorded them, if it was
  // made with `options_line`; otherwise none. Views into this state.
  absl::flat_hash_map<absl::string_view, absl::string_view> Fingerprints(
      absl::string_view options_line) const;

 private:
  std::string text_;
  std::vector<absl::string_view> lines_;
};

// The text of a state file.
std::string StateText(
    absl::string_view options_line, absl::string_view store_line,
    absl::string_view search_line,
    const std::vector<std::pair<absl::string_view, absl::string_view>>& fingerprints);

// Removes the state file of `out_root` and syncs the folder: from here on a
// crash leaves a tree the next publish rebuilds in full. OK when none.
absl::Status InvalidateState(const std::string& out_root);

// Writes the state file of `out_root` durably (temporary file, fsync,
// rename, folder sync).
absl::Status CommitState(const std::string& out_root, absl::string_view text);

}  // namespace stowage::publish

#endif  // STOWAGE_LIB_PUBLISH_STATE_H_
