#include "lib/json/json_scan.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "lib/json/internal/reader_support.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/reader.h"

namespace stowage {
namespace {

using json_internal::HandlerFailure;
using json_internal::HasSurrogate;
using json_internal::QuoteKey;

// The requested paths as a trie: node 0 is an element, its children the
// elements' keys that begin some path, and so on.
struct PathNode {
  std::string key;
  std::vector<int> children;
  std::vector<size_t> paths;  // indices of the paths that end here
};

using Visitor = absl::FunctionRef<void(const ScannedElementView&)>;

// A RapidJSON SAX handler. It keeps no tree, only a stack of open
// containers, and the requested values of the element being read: as spans
// of the text when they are there verbatim, else decoded into a buffer that
// every element reuses. `Stream` is the reader's input stream over `text`,
// whose position gives the spans; its position must be exact inside the
// String and RawNumber events, which holds for a stream RapidJSON does not
// copy (StreamTraits::copyOptimization 0, as rapidjson::MemoryStream).
// `visit` (null: only validate) sees each element at its '}'.
//
// Errors: a handler failure (depth, duplicate key, surrogate) stops the
// reader, like JsonValue::Parse's. A structural problem (the wrong type
// somewhere) is remembered and the reader goes on, so that a later syntax
// error still wins, as it does when a DOM is parsed first and inspected
// after.
template <typename Stream>
class Scanner
    : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Scanner<Stream>> {
 public:
  Scanner(absl::string_view text, Stream& stream, absl::string_view array_key,
          const std::vector<std::vector<std::string>>& paths,
          const Visitor* visit)
      : text_(text),
        stream_(stream),
        array_key_(array_key),
        paths_(paths),
        visit_(visit),
        slots_(paths.size()),
        fields_(paths.size()) {
    nodes_.emplace_back();
    for (size_t i = 0; i < paths.size(); ++i) {
      int node = 0;
      for (const std::string& key : paths[i]) {
        int child = FindChild(node, key);
        if (child < 0) {
          child = static_cast<int>(nodes_.size());
          nodes_.push_back(PathNode{key, {}, {}});
          nodes_[node].children.push_back(child);
        }
        node = child;
      }
      nodes_[node].paths.push_back(i);
    }
    frames_.reserve(16);
    key_spans_.reserve(64);
    key_bytes_.reserve(1024);
    scratch_.reserve(256);
  }

  // Events that kParseNumbersAsStringsFlag never produces (Int, Double, ...)
  // land here, as in JsonValue::Parse.
  bool Default() { return false; }

  bool Null() { return Scalar(kNull, nullptr, 0); }
  bool Bool(bool /*b*/) { return Scalar(kBool, nullptr, 0); }
  bool RawNumber(const char* str, rapidjson::SizeType len, bool /*copy*/) {
    return Scalar(kNumber, str, len);
  }
  bool String(const char* str, rapidjson::SizeType len, bool /*copy*/) {
    if (HasSurrogate(absl::string_view(str, len))) {
      return Fail(HandlerFailure::kSurrogate);
    }
    return Scalar(kString, str, len);
  }
  bool StartObject() { return Open(kObject); }
  bool StartArray() { return Open(kArray); }
  bool Key(const char* str, rapidjson::SizeType len, bool /*copy*/);
  bool EndObject(rapidjson::SizeType /*count*/) { return Close(); }
  bool EndArray(rapidjson::SizeType /*count*/) { return Close(); }

  HandlerFailure failure() const { return failure_; }
  const std::string& duplicate_key() const { return duplicate_key_; }
  // The first structural error, or OK.
  const absl::Status& status() const { return status_; }

 private:
  enum Kind { kNull, kBool, kNumber, kString, kObject, kArray };

  // What an open container is to the scan.
  enum class Role : uint8_t {
    kRoot,     // the top-level object
    kTarget,   // the top-level member array_key_
    kElement,  // an object in kTarget
    kOther,    // anything else
  };

  // Objects with more keys than this check duplicates with a hash set;
  // smaller ones (nearly all) compare against their earlier keys.
  static constexpr size_t kMaxLinearKeys = 32;

  struct KeySpan {
    size_t offset;  // in key_bytes_
    size_t size;
  };

  // A requested value of the current element: text_ or scratch_ (which
  // may still grow, so no pointer yet) from `offset`, `size` bytes.
  struct Slot {
    ScannedField::Kind kind;
    bool in_scratch;
    size_t offset;
    size_t size;
  };

  struct Frame {
    Role role;
    int node;            // objects: the trie node matched by its keys, or -1
    size_t keys_begin;   // objects: its first key in key_spans_
    size_t bytes_begin;  // objects: its first key's bytes in key_bytes_
    std::unique_ptr<absl::flat_hash_set<std::string>> many_keys;
  };

  static const char* KindName(Kind kind) {
    switch (kind) {
      case kNull:
        return "null";
      case kBool:
        return "bool";
      case kNumber:
        return "number";
      case kString:
        return "string";
      case kObject:
        return "object";
      case kArray:
        return "array";
    }
    return "unknown";
  }

  int FindChild(int node, absl::string_view key) const {
    for (int child : nodes_[node].children) {
      if (nodes_[child].key == key) return child;
    }
    return -1;
  }

  bool Fail(HandlerFailure failure) {
    failure_ = failure;
    return false;
  }

  void Structural(std::string message) {
    if (status_.ok()) status_ = absl::InvalidArgumentError(std::move(message));
  }

  std::string ElementName() const {
    return absl::StrCat(absl::Utf8SafeCHexEscape(array_key_), "[",
                        element_count_ - 1, "]");
  }

  // Called for every value, before it is opened or stored: counts elements
  // and reports values of the wrong kind. Returns the trie node of the
  // requested value this is, or -1.
  int BeginValue(Kind kind) {
    int node = pending_node_;
    bool target = pending_target_;
    pending_node_ = -1;
    pending_target_ = false;
    if (frames_.empty()) {
      if (kind != kObject) Structural("not a JSON object");
      return -1;
    }
    switch (frames_.back().role) {
      case Role::kRoot:
        if (target && kind != kArray) {
          Structural(absl::StrCat(QuoteKey(array_key_), " must be an array"));
        }
        pending_target_ = target;  // read back by Open
        return -1;
      case Role::kTarget:
        ++element_count_;
        if (kind != kObject) {
          Structural(absl::StrCat(ElementName(), " is not an object"));
        }
        return -1;
      case Role::kElement:
      case Role::kOther:
        break;
    }
    if (node >= 0 && !nodes_[node].paths.empty() && kind != kString &&
        kind != kNumber) {
      std::string path;
      for (const std::string& key : paths_[nodes_[node].paths.front()]) {
        absl::StrAppend(&path, path.empty() ? "" : ".", QuoteKey(key));
      }
      Structural(absl::StrCat(ElementName(), ": ", path,
                              " must be a string or a number, got ",
                              KindName(kind)));
    }
    return node;
  }

  bool Scalar(Kind kind, const char* str, size_t len) {
    int node = BeginValue(kind);
    pending_target_ = false;
    if (node < 0 || !status_.ok() || visit_ == nullptr) return true;
    Slot slot = SlotOf(kind, str, len);
    for (size_t i : nodes_[node].paths) slots_[i] = slot;
    return true;
  }

  // Where the value `str` (the reader's decoded copy) just read stands.
  Slot SlotOf(Kind kind, const char* str, size_t len) {
    ScannedField::Kind field_kind = kind == kNumber
                                        ? ScannedField::Kind::kNumber
                                        : ScannedField::Kind::kString;
    // The stream is just past the number, or past the string's closing
    // quote. A string is there verbatim when the `len` bytes before that
    // quote hold no backslash and follow a quote: that quote is then the
    // opening one (were it an escaped one, the decoded string would be
    // longer than `len`). The comparison makes sure of it.
    size_t end = stream_.Tell();
    if (kind == kString) --end;
    if (len < end) {
      size_t begin = end - len;
      const char* raw = text_.data() + begin;
      if ((kind == kNumber ||
           (raw[-1] == '"' && std::memchr(raw, '\\', len) == nullptr)) &&
          std::memcmp(raw, str, len) == 0) {
        return Slot{field_kind, false, begin, len};
      }
    }
    size_t offset = scratch_.size();
    scratch_.append(str, len);
    return Slot{field_kind, true, offset, len};
  }

  bool Open(Kind kind) {
    if (frames_.size() >= static_cast<size_t>(json_internal::kMaxDepth)) {
      return Fail(HandlerFailure::kDepth);
    }
    int node = BeginValue(kind);
    Role role = Role::kOther;
    if (frames_.empty()) {
      role = kind == kObject ? Role::kRoot : Role::kOther;
    } else if (frames_.back().role == Role::kRoot) {
      if (pending_target_ && kind == kArray) role = Role::kTarget;
    } else if (frames_.back().role == Role::kTarget) {
      if (kind == kObject) {
        role = Role::kElement;
        node = 0;
        // The reader has just taken the '{'.
        element_begin_ = stream_.Tell() - 1;
        for (Slot& slot : slots_) slot.kind = ScannedField::Kind::kAbsent;
        scratch_.clear();
      }
    }
    pending_target_ = false;
    // Keys of an object are matched against the node's children; a node
    // that is itself requested was reported by BeginValue.
    if (kind != kObject || node < 0 || nodes_[node].children.empty()) {
      node = -1;
    }
    frames_.push_back(
        Frame{role, node, key_spans_.size(), key_bytes_.size(), nullptr});
    return true;
  }

  // The element whose '}' was just read, to the visitor.
  void Visit() {
    for (size_t i = 0; i < slots_.size(); ++i) {
      const Slot& slot = slots_[i];
      ScannedField& field = fields_[i];
      field.kind = slot.kind;
      field.in_text = !slot.in_scratch;
      if (slot.kind == ScannedField::Kind::kAbsent) {
        field.value = absl::string_view();
        field.in_text = false;
      } else {
        const char* base = slot.in_scratch ? scratch_.data() : text_.data();
        field.value = absl::string_view(base + slot.offset, slot.size);
      }
    }
    ScannedElementView view;
    view.index = element_count_ - 1;
    view.begin = element_begin_;
    view.end = stream_.Tell();  // just past the '}'
    view.fields = fields_;
    (*visit_)(view);
  }

  bool Close() {
    Frame& top = frames_.back();
    if (top.role == Role::kElement && status_.ok() && visit_ != nullptr) {
      Visit();
    }
    key_spans_.resize(top.keys_begin);
    key_bytes_.resize(top.bytes_begin);
    frames_.pop_back();
    return true;
  }

  // Records `key` in the innermost object; false if it is already there.
  bool AddKey(Frame& frame, absl::string_view key);

  const absl::string_view text_;
  Stream& stream_;
  const absl::string_view array_key_;
  const std::vector<std::vector<std::string>>& paths_;
  const Visitor* const visit_;
  std::vector<PathNode> nodes_;

  std::vector<Frame> frames_;
  // The keys of every open object, innermost last: a stack that Close()
  // truncates, so scanning allocates nothing per key once it has warmed up.
  std::vector<KeySpan> key_spans_;
  std::string key_bytes_;

  int pending_node_ = -1;        // the trie node the last key matched
  bool pending_target_ = false;  // the last key was the root's array_key_
  size_t element_count_ = 0;     // values seen in the target array

  // The current element: where it began, its requested values (one slot
  // per path), the decoded ones that are not verbatim in the text.
  size_t element_begin_ = 0;
  std::vector<Slot> slots_;
  std::string scratch_;
  std::vector<ScannedField> fields_;  // what Visit() passes on

  HandlerFailure failure_ = HandlerFailure::kNone;
  std::string duplicate_key_;
  absl::Status status_;
};

template <typename Stream>
bool Scanner<Stream>::AddKey(Frame& frame, absl::string_view key) {
  if (frame.many_keys != nullptr) {
    return frame.many_keys->insert(std::string(key)).second;
  }
  for (size_t i = frame.keys_begin; i < key_spans_.size(); ++i) {
    const KeySpan& k = key_spans_[i];
    if (k.size == key.size() &&
        std::memcmp(key_bytes_.data() + k.offset, key.data(), k.size) == 0) {
      return false;
    }
  }
  if (key_spans_.size() - frame.keys_begin < kMaxLinearKeys) {
    key_spans_.push_back(KeySpan{key_bytes_.size(), key.size()});
    key_bytes_.append(key.data(), key.size());
    return true;
  }
  // A large object: move its keys into a set, out of the shared stack.
  frame.many_keys = std::make_unique<absl::flat_hash_set<std::string>>();
  for (size_t i = frame.keys_begin; i < key_spans_.size(); ++i) {
    frame.many_keys->emplace(key_bytes_.data() + key_spans_[i].offset,
                             key_spans_[i].size);
  }
  key_spans_.resize(frame.keys_begin);
  key_bytes_.resize(frame.bytes_begin);
  frame.many_keys->emplace(key);
  return true;
}

template <typename Stream>
bool Scanner<Stream>::Key(const char* str, rapidjson::SizeType len,
                          bool /*copy*/) {
  absl::string_view key(str, len);
  if (HasSurrogate(key)) return Fail(HandlerFailure::kSurrogate);
  Frame& frame = frames_.back();
  if (!AddKey(frame, key)) {
    duplicate_key_ = std::string(key);
    return Fail(HandlerFailure::kDuplicateKey);
  }
  if (frame.role == Role::kRoot) {
    pending_target_ = key == array_key_;
  } else if (frame.node >= 0) {
    pending_node_ = FindChild(frame.node, key);
  }
  return true;
}

// One pass over `text` with reader flags `kFlags`; `visit` may be null.
template <unsigned kFlags>
absl::Status Scan(absl::string_view text, absl::string_view array_key,
                  const std::vector<std::vector<std::string>>& paths,
                  const Visitor* visit) {
  // Not the in-situ reader, though it decodes strings faster: it needs a
  // writable copy of the text, and that copy of a large document costs
  // more than the decoding saves where fresh memory is slow to touch.
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  Scanner<rapidjson::MemoryStream> scanner(text, stream, array_key, paths,
                                           visit);
  rapidjson::ParseResult result = reader.Parse<kFlags>(stream, scanner);
  if (result.IsError()) {
    return json_internal::ReaderError(text, result, scanner.failure(),
                                      scanner.duplicate_key());
  }
  absl::Status trailing = json_internal::CheckTrailing(text, stream.Tell());
  if (!trailing.ok()) return trailing;
  return scanner.status();
}

}  // namespace

absl::Status VisitArrayElements(
    absl::string_view text, absl::string_view array_key,
    const std::vector<std::vector<std::string>>& paths,
    absl::FunctionRef<void(const ScannedElementView&)> visit) {
  for (const std::vector<std::string>& path : paths) {
    if (path.empty()) return absl::InvalidArgumentError("empty path");
  }
  if (json_internal::IsAscii(text)) {
    // Without the UTF-8 check, which cannot fail on ASCII: the reader
    // accepts and rejects the same, only faster.
    absl::Status status =
        Scan<json_internal::kAsciiReaderFlags>(text, array_key, paths, &visit);
    if (status.ok()) return status;
    // An error is worded by the very reader JsonValue::Parse uses, so that
    // its offset is certainly the one JsonValue::Parse reports.
    return Scan<json_internal::kReaderFlags>(text, array_key, paths, nullptr);
  }
  return Scan<json_internal::kReaderFlags>(text, array_key, paths, &visit);
}

absl::StatusOr<std::vector<ScannedElement>> ScanArrayElements(
    absl::string_view text, absl::string_view array_key,
    const std::vector<std::vector<std::string>>& paths) {
  std::vector<ScannedElement> elements;
  absl::Status status = VisitArrayElements(
      text, array_key, paths, [&](const ScannedElementView& view) {
        ScannedElement& e = elements.emplace_back();
        e.begin = view.begin;
        e.end = view.end;
        e.fields.reserve(view.fields.size());
        e.present.reserve(view.fields.size());
        e.is_number.reserve(view.fields.size());
        for (const ScannedField& f : view.fields) {
          e.fields.emplace_back(f.value);
          e.present.push_back(f.kind != ScannedField::Kind::kAbsent);
          e.is_number.push_back(f.kind == ScannedField::Kind::kNumber);
        }
      });
  if (!status.ok()) return status;
  return elements;
}

}  // namespace stowage
