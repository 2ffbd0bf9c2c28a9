// Pieces shared by lib/json's RapidJSON readers (JsonValue::Parse and
// ScanArrayElements), so that both accept exactly the same documents and
// word their errors the same way. Internal to lib/json.

#ifndef STOWAGE_LIB_JSON_INTERNAL_READER_SUPPORT_H_
#define STOWAGE_LIB_JSON_INTERNAL_READER_SUPPORT_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rapidjson/reader.h"

namespace stowage::json_internal {

// The flags of every reader. Numbers arrive as RawNumber text; the input is
// validated as UTF-8. kParseStopWhenDoneFlag: RapidJSON's own trailing check
// stops at a NUL byte (its end-of-stream marker), so "{}\0junk" would pass;
// CheckTrailing() checks the rest instead.
inline constexpr unsigned kReaderFlags = rapidjson::kParseNumbersAsStringsFlag |
                                         rapidjson::kParseValidateEncodingFlag |
                                         rapidjson::kParseStopWhenDoneFlag;

// kReaderFlags without the UTF-8 check, for a text that IsAscii(): RapidJSON
// checks nothing else under that flag, and the check (a call per byte of
// every string) cannot fail on ASCII, so the reader accepts and rejects
// exactly the same, only faster.
inline constexpr unsigned kAsciiReaderFlags =
    kReaderFlags &
    ~static_cast<unsigned>(rapidjson::kParseValidateEncodingFlag);

// Whether every byte of `text` is below 0x80.
bool IsAscii(absl::string_view text);

// Readers reject documents nested deeper than this many arrays/objects
// (JsonValue::kMaxDepth).
inline constexpr int kMaxDepth = 256;

// Why a handler stopped the reader; RapidJSON itself only knows that it did.
enum class HandlerFailure { kNone, kDepth, kDuplicateKey, kSurrogate };

// True when a decoded string holds the UTF-8 form of a lone surrogate, which
// RapidJSON produces for an escape such as "\udc00" (not valid UTF-8).
bool HasSurrogate(absl::string_view s);

// `key` in double quotes, escaped so that a message stays on one line.
std::string QuoteKey(absl::string_view key);

// The InvalidArgument status for a failed parse of `text`: `result` is what
// the reader returned, `failure` why the handler stopped it (kNone if it did
// not), `duplicate_key` the repeated key for kDuplicateKey. Messages:
//   "invalid JSON at offset N: <RapidJSON's error text>", with "nesting
//   deeper than 256 levels" for kDepth, or
//   "duplicate key \"k\" at offset N" (N: the repeated key's opening quote).
absl::Status ReaderError(absl::string_view text,
                         const rapidjson::ParseResult& result,
                         HandlerFailure failure,
                         absl::string_view duplicate_key);

// OK when text[end..] is only JSON whitespace; else the InvalidArgument
// "invalid JSON at offset N: The document root must not be followed by other
// values."
absl::Status CheckTrailing(absl::string_view text, size_t end);

}  // namespace stowage::json_internal

#endif  // STOWAGE_LIB_JSON_INTERNAL_READER_SUPPORT_H_
