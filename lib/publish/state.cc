#include "lib/publish/state.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/publish/out_dir.h"

namespace stowage::publish {
namespace {

constexpr size_t kHeaderLines = 3;
// A state file is a line per repository; 4 GiB is far beyond any store.
constexpr uint64_t kMaxStateBytes = uint64_t{1} << 32;

}  // namespace

absl::StatusOr<PublishState> PublishState::Read(const std::string& out_root) {
  absl::StatusOr<std::string> text = ReadFile(JoinPath(out_root, kStateFile), kMaxStateBytes);
  if (absl::IsNotFound(text.status())) return PublishState();
  if (!text.ok()) return text.status();
  return PublishState(std::move(*text));
}

PublishState::PublishState(std::string text) : text_(std::move(text)) {
  lines_ = absl::StrSplit(text_, '\n', absl::SkipEmpty());
}

PublishState::PublishState(PublishState&& other) noexcept {
  // The views point into the string's buffer, which a move may not keep
  // (short strings live inside the object): split again.
  text_ = std::move(other.text_);
  lines_ = absl::StrSplit(text_, '\n', absl::SkipEmpty());
}

bool PublishState::Same(absl::string_view options_line, absl::string_view store_line) const {
  return lines_.size() >= 2 && lines_[0] == options_line && lines_[1] == store_line;
}

size_t PublishState::repositories() const {
  return lines_.size() > kHeaderLines ? lines_.size() - kHeaderLines : 0;
}

absl::string_view PublishState::search_line() const {
  return lines_.size() >= kHeaderLines ? lines_[2] : absl::string_view();
}

absl::flat_hash_map<absl::string_view, absl::string_view> PublishState::Fingerprints(
    absl::string_view options_line) const {
  absl::flat_hash_map<absl::string_view, absl::string_view> out;
  if (lines_.empty() || lines_[0] != options_line) return out;
  out.reserve(lines_.size());
  for (size_t i = kHeaderLines; i < lines_.size(); ++i) {
    size_t space = lines_[i].find(' ');
    if (space == absl::string_view::npos) continue;
    out.emplace(lines_[i].substr(0, space), lines_[i].substr(space + 1));
  }
  return out;
}

std::string StateText(
    absl::string_view options_line, absl::string_view store_line,
    absl::string_view search_line,
    const std::vector<std::pair<absl::string_view, absl::string_view>>& fingerprints) {
  std::string out = absl::StrCat(options_line, "\n", store_line, "\n", search_line, "\n");
  size_t size = out.size();
  for (const auto& [repo, fp] : fingerprints) size += repo.size() + fp.size() + 2;
  out.reserve(size);
  for (const auto& [repo, fp] : fingerprints) absl::StrAppend(&out, repo, " ", fp, "\n");
  return out;
}

absl::Status InvalidateState(const std::string& out_root) {
  std::string path = JoinPath(out_root, kStateFile);
  if (!Exists(path)) return absl::OkStatus();
  RETURN_IF_ERROR(RemoveFile(path));
  return SyncDir(out_root);
}

absl::Status CommitState(const std::string& out_root, absl::string_view text) {
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(out_root));
  RETURN_IF_ERROR(tmp.Write(text));
  return tmp.Commit(JoinPath(out_root, kStateFile), /*replace=*/true, /*sync=*/true);
}

}  // namespace stowage::publish
