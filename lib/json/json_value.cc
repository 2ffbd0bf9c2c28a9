#include "lib/json/json_value.h"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/json/internal/reader_support.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/reader.h"

namespace stowage {

namespace {

using json_internal::HandlerFailure;
using json_internal::HasSurrogate;
using json_internal::QuoteKey;

static_assert(JsonValue::kMaxDepth == json_internal::kMaxDepth,
              "JsonValue::Parse and ScanArrayElements share one depth limit");

const std::string& EmptyString() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}

const char* TypeName(JsonValue::Type type) {
  switch (type) {
    case JsonValue::Type::kNull:
      return "null";
    case JsonValue::Type::kBool:
      return "bool";
    case JsonValue::Type::kNumber:
      return "number";
    case JsonValue::Type::kString:
      return "string";
    case JsonValue::Type::kArray:
      return "array";
    case JsonValue::Type::kObject:
      return "object";
  }
  return "unknown";
}

enum class IntParse { kOk, kNotInteger, kOutOfRange };

// Parses JSON number text with integer syntax (-?[0-9]+) into an int64.
IntParse ParseInt64(absl::string_view text, int64_t* out) {
  absl::string_view digits = text;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (digits.empty()) return IntParse::kNotInteger;
  for (char c : digits) {
    if (c < '0' || c > '9') return IntParse::kNotInteger;
  }
  return absl::SimpleAtoi(text, out) ? IntParse::kOk : IntParse::kOutOfRange;
}

}  // namespace

// A RapidJSON SAX handler that builds the tree with an explicit stack of
// open containers, so the depth is bounded by kMaxDepth and not by the C++
// stack. Returning false from an event stops the reader; failure() then
// says why, and Parse turns it into a message.
class JsonValue::Builder
    : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Builder> {
 public:
  using Failure = HandlerFailure;

  // Events that kParseNumbersAsStringsFlag never produces (Int, Double, ...)
  // land here; failing loudly beats silently dropping a value.
  bool Default() { return false; }

  bool Null() { return Add(JsonValue::Null()); }
  bool Bool(bool b) { return Add(JsonValue::Bool(b)); }
  bool RawNumber(const char* str, rapidjson::SizeType len, bool /*copy*/) {
    return Add(JsonValue::NumberText(std::string(str, len)));
  }
  bool String(const char* str, rapidjson::SizeType len, bool /*copy*/) {
    std::string s(str, len);
    if (HasSurrogate(s)) return Fail(Failure::kSurrogate);
    return Add(JsonValue::String(std::move(s)));
  }
  bool StartObject() { return Open(Type::kObject); }
  bool StartArray() { return Open(Type::kArray); }
  bool Key(const char* str, rapidjson::SizeType len, bool /*copy*/) {
    Frame& top = stack_.back();
    top.key.assign(str, len);
    if (HasSurrogate(top.key)) return Fail(Failure::kSurrogate);
    if (!top.keys.insert(top.key).second) {
      duplicate_key_ = top.key;
      return Fail(Failure::kDuplicateKey);
    }
    return true;
  }
  bool EndObject(rapidjson::SizeType /*count*/) { return Close(); }
  bool EndArray(rapidjson::SizeType /*count*/) { return Close(); }

  Failure failure() const { return failure_; }
  const std::string& duplicate_key() const { return duplicate_key_; }
  JsonValue TakeRoot() { return std::move(root_); }

 private:
  struct Frame {
    JsonValue value;
    std::string key;                          // objects: the pending key
    absl::flat_hash_set<std::string> keys;    // objects: keys seen so far
  };

  bool Fail(Failure failure) {
    failure_ = failure;
    return false;
  }

  bool Open(Type type) {
    if (stack_.size() >= static_cast<size_t>(kMaxDepth)) {
      return Fail(Failure::kDepth);
    }
    stack_.emplace_back();
    stack_.back().value = JsonValue(type);
    return true;
  }

  bool Close() {
    JsonValue done = std::move(stack_.back().value);
    stack_.pop_back();
    return Add(std::move(done));
  }

  bool Add(JsonValue v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return true;
    }
    Frame& top = stack_.back();
    if (top.value.is_array()) {
      top.value.items_.push_back(std::move(v));
    } else {
      // Set() would search for the key again; Key() already ruled out
      // duplicates, so append directly.
      top.value.members_.emplace_back(std::move(top.key), std::move(v));
    }
    return true;
  }

  std::vector<Frame> stack_;
  JsonValue root_;
  Failure failure_ = Failure::kNone;
  std::string duplicate_key_;
};

absl::StatusOr<JsonValue> JsonValue::Parse(absl::string_view text) {
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  Builder builder;
  rapidjson::ParseResult result =
      reader.Parse<json_internal::kReaderFlags>(stream, builder);
  if (result.IsError()) {
    return json_internal::ReaderError(text, result, builder.failure(),
                                      builder.duplicate_key());
  }
  absl::Status trailing = json_internal::CheckTrailing(text, stream.Tell());
  if (!trailing.ok()) return trailing;
  return builder.TakeRoot();
}

JsonValue JsonValue::Null() { return JsonValue(); }

JsonValue JsonValue::Bool(bool value) {
  JsonValue v(Type::kBool);
  v.bool_ = value;
  return v;
}

JsonValue JsonValue::String(std::string value) {
  JsonValue v(Type::kString);
  v.text_ = std::move(value);
  return v;
}

JsonValue JsonValue::Int(int64_t value) {
  return NumberText(absl::StrCat(value));
}

JsonValue JsonValue::Uint(uint64_t value) {
  return NumberText(absl::StrCat(value));
}

JsonValue JsonValue::NumberText(std::string text) {
  JsonValue v(Type::kNumber);
  v.text_ = std::move(text);
  return v;
}

JsonValue JsonValue::Object() { return JsonValue(Type::kObject); }

JsonValue JsonValue::Array() { return JsonValue(Type::kArray); }

void JsonValue::ConvertTo(Type type) {
  if (type_ == type) return;
  *this = JsonValue(type);
}

bool JsonValue::bool_value() const { return bool_; }

const std::string& JsonValue::string_value() const {
  return is_string() ? text_ : EmptyString();
}

const std::string& JsonValue::number_text() const {
  return is_number() ? text_ : EmptyString();
}

absl::StatusOr<int64_t> JsonValue::AsInt64() const {
  if (!is_number()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an integer, got ", TypeName(type_)));
  }
  int64_t n = 0;
  switch (ParseInt64(text_, &n)) {
    case IntParse::kOk:
      return n;
    case IntParse::kNotInteger:
      return absl::InvalidArgumentError(
          absl::StrCat("expected an integer, got ", text_));
    case IntParse::kOutOfRange:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("expected an integer in int64 range, got ", text_));
}

const std::vector<JsonValue>& JsonValue::items() const { return items_; }

std::vector<JsonValue>& JsonValue::mutable_items() {
  ConvertTo(Type::kArray);
  return items_;
}

void JsonValue::Append(JsonValue value) {
  mutable_items().push_back(std::move(value));
}

const std::vector<JsonValue::Member>& JsonValue::members() const {
  return members_;
}

const JsonValue* JsonValue::Find(absl::string_view key) const {
  for (const Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

JsonValue* JsonValue::FindMutable(absl::string_view key) {
  return const_cast<JsonValue*>(static_cast<const JsonValue*>(this)->Find(key));
}

void JsonValue::Set(absl::string_view key, JsonValue value) {
  ConvertTo(Type::kObject);
  if (JsonValue* existing = FindMutable(key)) {
    *existing = std::move(value);
  } else {
    members_.emplace_back(std::string(key), std::move(value));
  }
}

bool JsonValue::Erase(absl::string_view key) {
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->first == key) {
      members_.erase(it);
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::string> JsonValue::GetString(absl::string_view key) const {
  const JsonValue* v = Find(key);
  if (v == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("missing ", QuoteKey(key)));
  }
  if (!v->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(
        QuoteKey(key), " must be a string, got ", TypeName(v->type())));
  }
  return v->string_value();
}

absl::StatusOr<int64_t> JsonValue::GetInt64(absl::string_view key) const {
  const JsonValue* v = Find(key);
  if (v == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("missing ", QuoteKey(key)));
  }
  if (!v->is_number()) {
    return absl::InvalidArgumentError(absl::StrCat(
        QuoteKey(key), " must be an integer, got ", TypeName(v->type())));
  }
  int64_t n = 0;
  switch (ParseInt64(v->number_text(), &n)) {
    case IntParse::kOk:
      return n;
    case IntParse::kNotInteger:
      return absl::InvalidArgumentError(absl::StrCat(
          QuoteKey(key), " must be an integer, got ", v->number_text()));
    case IntParse::kOutOfRange:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(QuoteKey(key), " must be an integer in int64 range, got ",
                   v->number_text()));
}

std::string JsonValue::Serialize(JsonWriter::Style style) const {
  JsonWriter w(style);
  WriteTo(w);
  return w.Take();
}

void JsonValue::WriteTo(JsonWriter& w) const {
  switch (type_) {
    case Type::kNull:
      w.Null();
      return;
    case Type::kBool:
      w.Bool(bool_);
      return;
    case Type::kNumber:
      w.RawNumber(text_);
      return;
    case Type::kString:
      w.String(text_);
      return;
    case Type::kArray:
      w.StartArray();
      for (const JsonValue& item : items_) item.WriteTo(w);
      w.EndArray();
      return;
    case Type::kObject:
      w.StartObject();
      for (const Member& m : members_) {
        w.Key(m.first);
        m.second.WriteTo(w);
      }
      w.EndObject();
      return;
  }
}

bool JsonValue::operator==(const JsonValue& other) const {
  // The invariant (unused fields empty) makes a field-wise comparison exact.
  return type_ == other.type_ && bool_ == other.bool_ &&
         text_ == other.text_ && items_ == other.items_ &&
         members_ == other.members_;
}

}  // namespace stowage
