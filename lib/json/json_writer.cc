#include "lib/json/json_writer.h"

#include <utility>

#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace stowage {

namespace {

// Replaces every byte sequence that is not valid UTF-8 with U+FFFD, so that
// RapidJSON (which would otherwise stop writing) always gets valid input.
std::string ValidUtf8(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3
                 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len > 0 && i + len <= in.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
    }
    if (ok) {
      out.append(in.data() + i, len);
      i += len;
    } else {
      out.append("\xef\xbf\xbd");
      ++i;
    }
  }
  return out;
}

}  // namespace

class JsonWriter::Impl {
 public:
  explicit Impl(Style style) : style_(style), compact_(buffer_), pretty_(buffer_) {
    pretty_.SetIndent(' ', 2);
  }

  template <typename F>
  void Do(F f) {
    if (style_ == Style::kPretty) {
      f(pretty_);
    } else {
      f(compact_);
    }
  }

  std::string Take() {
    std::string out(buffer_.GetString(), buffer_.GetSize());
    buffer_.Clear();
    compact_.Reset(buffer_);
    pretty_.Reset(buffer_);
    return out;
  }

 private:
  Style style_;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> compact_;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> pretty_;
};

JsonWriter::JsonWriter(Style style) : impl_(std::make_unique<Impl>(style)) {}
JsonWriter::~JsonWriter() = default;

JsonWriter& JsonWriter::StartObject() {
  impl_->Do([](auto& w) { w.StartObject(); });
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  impl_->Do([](auto& w) { w.EndObject(); });
  return *this;
}
JsonWriter& JsonWriter::StartArray() {
  impl_->Do([](auto& w) { w.StartArray(); });
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  impl_->Do([](auto& w) { w.EndArray(); });
  return *this;
}
JsonWriter& JsonWriter::Key(absl::string_view key) {
  std::string k = ValidUtf8(key);
  impl_->Do([&](auto& w) { w.Key(k.data(), k.size()); });
  return *this;
}
JsonWriter& JsonWriter::String(absl::string_view value) {
  std::string v = ValidUtf8(value);
  impl_->Do([&](auto& w) { w.String(v.data(), v.size()); });
  return *this;
}
JsonWriter& JsonWriter::Int(int64_t value) {
  impl_->Do([&](auto& w) { w.Int64(value); });
  return *this;
}
JsonWriter& JsonWriter::Uint(uint64_t value) {
  impl_->Do([&](auto& w) { w.Uint64(value); });
  return *this;
}
JsonWriter& JsonWriter::RawNumber(absl::string_view text) {
  impl_->Do([&](auto& w) {
    w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
  });
  return *this;
}
JsonWriter& JsonWriter::Bool(bool value) {
  impl_->Do([&](auto& w) { w.Bool(value); });
  return *this;
}
JsonWriter& JsonWriter::Null() {
  impl_->Do([](auto& w) { w.Null(); });
  return *this;
}

std::string JsonWriter::Take() { return impl_->Take(); }

}  // namespace stowage
