// OUTDIR is publish's own: claimed, locked and marked before anything in it
// is read or written.
//
// A folder is publish's when it is new, empty, or carries the marker file
// (kMarkerFile) an earlier publish wrote; trees published before the marker
// existed are recognised by their state file. Everything else is refused,
// and so are the store itself, a folder inside the store, a folder holding
// the store, and an empty path: a slip of the command line must not let
// publish rewrite a store's index.json or prune a user's files.
//
// One publisher at a time: the claim holds an exclusive flock(2) on
// OUTDIR/stowage-publish.lock for its lifetime, with the holder's pid
// written in the file so a second publish can say who is busy.

#ifndef STOWAGE_LIB_PUBLISH_OUT_DIR_H_
#define STOWAGE_LIB_PUBLISH_OUT_DIR_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/fs/file.h"

namespace stowage::publish {

inline constexpr char kMarkerFile[] = "stowage-publish.marker";
inline constexpr char kLockFile[] = "stowage-publish.lock";
// The state file (state.h), named here because trees published before the
// marker existed are recognised by it.
inline constexpr char kStateFile[] = "stowage-publish.state";

class OutDirClaim {
 public:
  // Claims `out_dir` for a publish of the store at `store_dir`, creating it
  // if missing. `wait`: wait for another publisher instead of failing.
  // Errors: InvalidArgument (empty path; the store, inside it, or holding
  // it), FailedPrecondition (a folder that is not publish's), Unavailable
  // (another publish holds the lock; the message names its pid).
  static absl::StatusOr<OutDirClaim> Claim(const std::string& out_dir,
                                           const std::string& store_dir, bool wait = false);

  OutDirClaim(OutDirClaim&&) = default;
  OutDirClaim& operator=(OutDirClaim&&) = delete;
  // Empties the lock file (the pid is only for while it is held: a
  // finished publish leaves the same bytes every time) and releases it.
  ~OutDirClaim();

  // After a publish that failed: when OUTDIR holds nothing but the claim's
  // own files, removes them (and OUTDIR, if the claim created it), so a
  // publish refused before it wrote anything leaves nothing behind.
  void Abandon();

  // The absolute, resolved path of OUTDIR.
  const std::string& root() const { return root_; }
  // OUTDIR held nothing but the claim's own files when it was claimed.
  bool fresh() const { return fresh_; }

 private:
  OutDirClaim() = default;
  std::string root_;
  bool fresh_ = false;
  bool created_ = false;
  Fd lock_;
};

}  // namespace stowage::publish

#endif  // STOWAGE_LIB_PUBLISH_OUT_DIR_H_
