// Helpers every stowage subcommand shares: the --store option, error lines,
// sizes for people, and the progress line.

#ifndef STOWAGE_CMD_STOWAGE_COMMON_H_
#define STOWAGE_CMD_STOWAGE_COMMON_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <map>
#include <mutex>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "lib/base/progress.h"

namespace stowage {

// Adds --store DIR, defaulting to $STOWAGE_STORE, then
// $XDG_DATA_HOME/stowage, then ~/.local/share/stowage.
void AddStoreOption(CLI::App* app, std::string* store);

// Prints "stowage COMMAND: MESSAGE" on stderr; returns kExitFailure.
int Fail(absl::string_view command, const absl::Status& status);

// 1234567 -> "1.23 MB" (decimal units, as docker prints them).
std::string HumanSize(uint64_t bytes);

// Count(1, "tag", "tags") -> "1 tag"; Count(3, ...) -> "3 tags".
std::string Count(uint64_t n, absl::string_view one, absl::string_view many);

// A progress line on stderr, redrawn a few times a second while work runs,
// and only when stderr is a terminal and not `quiet`.
class TerminalProgress : public Progress {
 public:
  TerminalProgress(std::string verb, bool quiet);
  ~TerminalProgress() override;  // stops and clears the line

  void Start(uint64_t blobs, uint64_t bytes) override;
  void AddBytes(uint64_t bytes) override;
  void BlobDone() override;
  // A line per blob in flight under the totals, as docker pull shows them.
  void BlobStarted(const std::string& digest, uint64_t size) override;
  void BlobBytes(const std::string& digest, uint64_t bytes) override;
  void BlobFinished(const std::string& digest) override;

 private:
  struct Transfer {
    uint64_t order = 0, size = 0, done = 0;
  };
  void Draw(bool final);
  std::string Lines();

  std::string verb_;
  bool enabled_;
  std::atomic<uint64_t> blobs_total_{0}, bytes_total_{0}, blobs_done_{0},
      bytes_done_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, Transfer> transfers_;  // by digest; guarded by mu_
  uint64_t started_ = 0;                       // guarded by mu_
  int drawn_ = 0;                              // lines below the first; Draw's thread only
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
};

}  // namespace stowage

#endif  // STOWAGE_CMD_STOWAGE_COMMON_H_
