#include "cmd/stowage/common.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cmd/stowage/command.h"
#include "lib/base/terminal_text.h"
#include "lib/store/store.h"

namespace stowage {

void AddStoreOption(CLI::App* app, std::string* store) {
  *store = store::DefaultStorePath();
  app->add_option("--store", *store,
                  "The store (an OCI image layout); default $STOWAGE_STORE, "
                  "else $XDG_DATA_HOME/stowage, else ~/.local/share/stowage")
      ->capture_default_str();
}

int Fail(absl::string_view command, const absl::Status& status) {
  // Messages quote what the store, a bundle or a site said: escaped.
  std::string message = SafeForTerminal(status.message());
  std::fprintf(stderr, "stowage %.*s: %s\n", static_cast<int>(command.size()),
               command.data(), message.c_str());
  return kExitFailure;
}

std::string Count(uint64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

std::string HumanSize(uint64_t bytes) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1000 && unit < 5) {
    v /= 1000;
    ++unit;
  }
  if (unit == 0) return absl::StrFormat("%d B", bytes);
  return absl::StrFormat("%.3g %s", v, kUnits[unit]);
}

TerminalProgress::TerminalProgress(std::string verb, bool quiet)
    : verb_(std::move(verb)), enabled_(!quiet && isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {
  if (!enabled_) return;
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      Draw(false);
      for (int i = 0; i < 5 && !stop_.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
}

TerminalProgress::~TerminalProgress() {
  if (!enabled_) return;
  stop_.store(true);
  thread_.join();
  // Back over the lines drawn, and clear them.
  if (drawn_ > 0) std::fprintf(stderr, "\033[%dA", drawn_);
  std::fprintf(stderr, "\r\033[J");
  std::fflush(stderr);
}

void TerminalProgress::Start(uint64_t blobs, uint64_t bytes) {
  blobs_total_ += blobs;
  bytes_total_ += bytes;
}
void TerminalProgress::AddBytes(uint64_t bytes) { bytes_done_ += bytes; }
void TerminalProgress::BlobDone() { ++blobs_done_; }

void TerminalProgress::BlobStarted(const std::string& digest, uint64_t size) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  transfers_[digest] = Transfer{++started_, size, 0};
}

void TerminalProgress::BlobBytes(const std::string& digest, uint64_t bytes) {
  AddBytes(bytes);
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = transfers_.find(digest);
  if (it != transfers_.end()) it->second.done += bytes;
}

void TerminalProgress::BlobFinished(const std::string& digest) {
  BlobDone();
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  transfers_.erase(digest);
}

// "  sha256:0123456789ab  12.3 MB / 128 MB" for each blob in flight, in
// the order they started, at most eight.
std::string TerminalProgress::Lines() {
  std::vector<std::pair<uint64_t, std::string>> lines;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [digest, t] : transfers_) {
      lines.emplace_back(t.order, absl::StrCat("\n  ", digest.substr(0, 19), "  ", HumanSize(t.done),
                                               " / ", HumanSize(t.size)));
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (size_t i = 0; i < lines.size() && i < 8; ++i) out += lines[i].second;
  if (lines.size() > 8) absl::StrAppend(&out, "\n  and ", lines.size() - 8, " more");
  return out;
}

void TerminalProgress::Draw(bool final) {
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start_).count();
  uint64_t done = bytes_done_.load();
  std::string rate =
      seconds > 0.2 ? HumanSize(static_cast<uint64_t>(done / seconds)) + "/s" : "";
  const std::string blobs = Lines();
  // Back to the first line drawn last time, clear to the end, draw again.
  if (drawn_ > 0) std::fprintf(stderr, "\033[%dA", drawn_);
  std::fprintf(stderr, "\r\033[J%s: %llu/%llu blobs, %s / %s  %s%s%s",
               verb_.c_str(),
               static_cast<unsigned long long>(blobs_done_.load()),
               static_cast<unsigned long long>(blobs_total_.load()),
               HumanSize(done).c_str(), HumanSize(bytes_total_.load()).c_str(),
               rate.c_str(), blobs.c_str(), final ? "\n" : "");
  drawn_ = static_cast<int>(std::count(blobs.begin(), blobs.end(), '\n'));
  std::fflush(stderr);
}

}  // namespace stowage
