// Where bundle bytes go and come from: one file, standard input or output,
// or a set of numbered parts (FILE.001, FILE.002, ... and FILE.parts.json;
// see format.h).

#ifndef STOWAGE_LIB_BUNDLE_PARTS_H_
#define STOWAGE_LIB_BUNDLE_PARTS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/archive/tar_stream.h"
#include "lib/bundle/format.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"

namespace stowage::bundle {

// "FILE.001" for part 1 (at least three digits).
std::string PartPath(const std::string& file, size_t number);
// "FILE.parts.json".
std::string PartIndexPath(const std::string& file);

// Cuts a stream into parts of at most `max_size` bytes, each written to a
// temporary file beside FILE and hashed as it is written. Nothing is
// visible until Commit().
class PartWriter : public archive::ByteSink {
 public:
  PartWriter(std::string file, uint64_t max_size)
      : file_(std::move(file)), max_size_(max_size) {}
  absl::Status Write(absl::string_view data) override;
  // Makes the parts durable and renames them into place, removes parts
  // FILE.NNN of an earlier, longer set that follow the last one and an
  // earlier unsplit FILE, then writes FILE.parts.json (atomically, last).
  // Returns the index written.
  absl::StatusOr<PartIndex> Commit(const std::string& bundle_id);

 private:
  absl::Status FinishPart();
  std::string file_;
  uint64_t max_size_;
  std::vector<TempFile> done_;
  std::vector<PartInfo> parts_;
  std::optional<TempFile> current_;
  uint64_t current_size_ = 0;
  Sha256 hasher_;
};

// Reads the parts of a split bundle in order, as one stream, checking each
// part's size and SHA-256 against the index as it goes. A part read only in
// part (the reader skipped some of it by seeking) cannot be hashed; its
// size is still checked.
class PartReader : public archive::ByteSource {
 public:
  // `dir` is the folder of the part index.
  PartReader(std::string dir, PartIndex index)
      : dir_(std::move(dir)), index_(std::move(index)) {}

  // Every part that is missing or has the wrong size, one line each,
  // without reading any: "FILE.003: missing (part 3 of 5)".
  std::vector<std::string> CheckPresence() const;

  // Errors: NotFound for a missing part, DataLoss for a part of the wrong
  // size or hash ("damaged, or a part of another bundle"), each naming the
  // part.
  absl::StatusOr<size_t> Read(char* buf, size_t size) override;
  absl::StatusOr<uint64_t> Skip(uint64_t size) override;

  // Reads (and so checks) whatever is left of the parts. For verify, after
  // the archive's end.
  absl::Status Drain();

  // After the stream broke: checks the part being read and every later one
  // in full (present, size, sha256), so that the report names each bad
  // part, not only the first. One line per bad part.
  std::vector<std::string> CheckRest();

  // The path of part `i` (0-based), for messages.
  std::string Path(size_t i) const;
  const PartIndex& index() const { return index_; }
  // How many parts were hashed in full and matched.
  size_t parts_checked() const { return parts_checked_; }

 private:
  // Finishes the current part (checks its hash when it was read whole) and
  // opens the next; false after the last.
  absl::StatusOr<bool> Advance();
  // The problem with part `i` (missing, size, sha256), or OK.
  absl::Status CheckPart(size_t i) const;
  absl::Status Mismatch(size_t i, const std::string& digest) const;

  std::string dir_;
  PartIndex index_;
  size_t next_ = 0;  // the part Advance() opens next
  std::optional<Fd> fd_;
  size_t current_ = 0;
  bool current_done_ = false;  // the current part was read and matched
  uint64_t pos_ = 0;  // in the current part
  bool whole_ = true;  // the current part is read, not skipped
  Sha256 hasher_;
  size_t parts_checked_ = 0;
};

// A bundle opened for reading.
struct Input {
  std::string name;  // the file, "standard input", or the part index
  std::unique_ptr<archive::ByteSource> source;
  PartReader* parts = nullptr;  // the source, when the bundle is split
};

// Opens `file`: "-" is standard input; a part index (FILE.parts.json, or
// FILE or FILE.NNN when FILE.parts.json is beside it) opens the parts;
// anything else is read as one stream. NotFound naming the file when there
// is nothing to read.
absl::StatusOr<Input> OpenInput(const std::string& file);

}  // namespace stowage::bundle

#endif  // STOWAGE_LIB_BUNDLE_PARTS_H_
