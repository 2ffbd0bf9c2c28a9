#include "cmd/stowage/common.h"

#include "lib/base/terminal_text.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cmd/stowage/command.h"
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
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void TerminalProgress::Start(uint64_t blobs, uint64_t bytes) {
  blobs_total_ += blobs;
  bytes_total_ += bytes;
}
void TerminalProgress::AddBytes(uint64_t bytes) { bytes_done_ += bytes; }
void TerminalProgress::BlobDone() { ++blobs_done_; }

void TerminalProgress::Draw(bool final) {
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start_).count();
  uint64_t done = bytes_done_.load();
  std::string rate =
      seconds > 0.2 ? HumanSize(static_cast<uint64_t>(done / seconds)) + "/s" : "";
  std::fprintf(stderr, "\r\033[K%s: %llu/%llu blobs, %s / %s  %s%s",
               verb_.c_str(),
               static_cast<unsigned long long>(blobs_done_.load()),
               static_cast<unsigned long long>(blobs_total_.load()),
               HumanSize(done).c_str(), HumanSize(bytes_total_.load()).c_str(),
               rate.c_str(), final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace stowage
