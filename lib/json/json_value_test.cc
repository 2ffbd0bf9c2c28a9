#include "lib/json/json_value.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/json/json_writer.h"

namespace stowage {
namespace {

using ::testing::HasSubstr;

// Keys deliberately out of alphabetical order, to show that order survives.
constexpr char kOciIndex[] =
    R"({"schemaVersion":2,)"
    R"("mediaType":"application/vnd.oci.image.index.v1+json",)"
    R"("manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
    R"("size":1043,"digest":"sha256:)"
    R"(2b7412e6465c3c7fc5bb21d3e6f1917c167358449fecac8176c6e496e5c1f05f",)"
    R"("platform":{"os":"linux","architecture":"amd64"},"annotations":)"
    R"({"org.opencontainers.image.ref.name":"22.04"}},)"
    R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1043,)"
    R"("digest":"sha256:)"
    R"(5c0b1a2ef4f6e3b3d5f7a1c2b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6",)"
    R"("platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]})";

constexpr char kOciManifest[] =
    R"({"schemaVersion":2,)"
    R"("mediaType":"application/vnd.oci.image.manifest.v1+json",)"
    R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
    R"("digest":"sha256:)"
    R"(174c8c134b2a94b5bb0b37d9a2b6ba0663d82d23ebf62bd51f74a2fd457333da",)"
    R"("size":2297},"layers":[{"mediaType":)"
    R"("application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:)"
    R"(a48641193673a25d2e7b6e0e0c4e6bf8a5b1f3e0e2ac0d6e1f9bdd1e0f0c4d5a",)"
    R"("size":29533422}],"annotations":{"org.opencontainers.image.created":)"
    R"("2024-03-01T12:00:00Z","com.example.ratio":1.50E+2}})";

std::string Nested(int depth, absl::string_view open, absl::string_view close,
                   absl::string_view inner = "") {
  std::string s;
  for (int i = 0; i < depth; ++i) absl::StrAppend(&s, open);
  absl::StrAppend(&s, inner);
  for (int i = 0; i < depth; ++i) absl::StrAppend(&s, close);
  return s;
}

TEST(JsonValueTest, RoundTripsOciIndexByteForByte) {
  absl::StatusOr<JsonValue> v = JsonValue::Parse(kOciIndex);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->Serialize(), kOciIndex);
  ASSERT_EQ(v->Find("manifests")->items().size(), 2u);
  const JsonValue& second = v->Find("manifests")->items()[1];
  EXPECT_EQ(second.GetInt64("size").value(), 1043);
  EXPECT_EQ(second.Find("platform")->GetString("variant").value(), "v8");
}

TEST(JsonValueTest, RoundTripsOciManifestByteForByte) {
  absl::StatusOr<JsonValue> v = JsonValue::Parse(kOciManifest);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->Serialize(), kOciManifest);
  EXPECT_EQ(v->GetInt64("schemaVersion").value(), 2);
  EXPECT_EQ(v->Find("layers")->items()[0].GetInt64("size").value(), 29533422);
  EXPECT_EQ(v->Find("annotations")->Find("com.example.ratio")->number_text(),
            "1.50E+2");
}

TEST(JsonValueTest, PreservesUnknownFieldsThroughEdits) {
  absl::StatusOr<JsonValue> v = JsonValue::Parse(
      R"({"x-first":{"deep":[1,{"k":null}]},"schemaVersion":2,)"
      R"("annotations":{"a":"b"},"x-last":-0.0})");
  ASSERT_TRUE(v.ok()) << v.status();
  v->Set("schemaVersion", JsonValue::Int(3));
  EXPECT_TRUE(v->Erase("annotations"));
  EXPECT_FALSE(v->Erase("annotations"));
  v->Set("subject", JsonValue::String("sha256:00"));
  EXPECT_EQ(v->Serialize(),
            R"({"x-first":{"deep":[1,{"k":null}]},"schemaVersion":3,)"
            R"("x-last":-0.0,"subject":"sha256:00"})");
}

struct AcceptCase {
  std::string input;
  std::string compact;  // expected Serialize() output
};

TEST(JsonValueTest, AcceptsValidDocuments) {
  const AcceptCase kCases[] = {
      {"null", "null"},
      {" \t\r\n true \n", "true"},
      {"false", "false"},
      {"0", "0"},
      {"-0", "-0"},
      {"1.50", "1.50"},
      {"1E+2", "1E+2"},
      {"-1e-7", "-1e-7"},
      {"123456789012345678901234567890", "123456789012345678901234567890"},
      {R"("")", R"("")"},
      {R"("a\"b\\c\n")", R"("a\"b\\c\n")"},
      // Other escapes are decoded and written back minimally.
      {R"("\/\u00e9\ud83d\ude00")", "\"/\xc3\xa9\xf0\x9f\x98\x80\""},
      {R"("nul\u0000byte")", R"("nul\u0000byte")"},
      {"[ ]", "[]"},
      {"{ }", "{}"},
      {R"({ "b" : [ 1 , 2 ] , "a" : { } })", R"({"b":[1,2],"a":{}})"},
      // The same key in different objects is fine.
      {R"({"a":{"a":1},"b":{"a":2}})", R"({"a":{"a":1},"b":{"a":2}})"},
      {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
       "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""},
  };
  for (const AcceptCase& c : kCases) {
    absl::StatusOr<JsonValue> v = JsonValue::Parse(c.input);
    ASSERT_TRUE(v.ok()) << c.input << ": " << v.status();
    EXPECT_EQ(v->Serialize(), c.compact) << c.input;
  }
}

struct RejectCase {
  std::string input;
  std::string message;  // the full InvalidArgument message
};

TEST(JsonValueTest, RejectsInvalidDocuments) {
  const RejectCase kCases[] = {
      {"", "invalid JSON at offset 0: The document is empty."},
      {"  ", "invalid JSON at offset 2: The document is empty."},
      {"{", "invalid JSON at offset 1: Missing a name for object member."},
      {"[1,]", "invalid JSON at offset 3: Invalid value."},
      {R"({"a" 1})",
       "invalid JSON at offset 5: Missing a colon after a name of object "
       "member."},
      {"'a'", "invalid JSON at offset 0: Invalid value."},
      {"NaN", "invalid JSON at offset 0: Invalid value."},
      {"[1.]", "invalid JSON at offset 3: Miss fraction part in number."},
      {"1e400", "invalid JSON at offset 0: Number too big to be stored in "
                "double."},
      {R"("abc)",
       "invalid JSON at offset 4: Missing a closing quotation mark in "
       "string."},
      {"\"a\tb\"", "invalid JSON at offset 2: Invalid escape character in "
                   "string."},
      // Trailing garbage, including after a NUL byte.
      {"{} x", "invalid JSON at offset 3: The document root must not be "
               "followed by other values."},
      {"1 2", "invalid JSON at offset 2: The document root must not be "
              "followed by other values."},
      {"01", "invalid JSON at offset 1: The document root must not be "
             "followed by other values."},
      {std::string("{}\0junk", 7),
       "invalid JSON at offset 2: The document root must not be followed by "
       "other values."},
      // Invalid UTF-8: a stray byte, an overlong '/', a raw surrogate, a
      // truncated sequence, and the same in a key.
      {"\"\xff\"", "invalid JSON at offset 1: Invalid encoding in string."},
      {"\"\xc0\xaf\"", "invalid JSON at offset 1: Invalid encoding in string."},
      {"\"\xed\xa0\x80\"",
       "invalid JSON at offset 1: Invalid encoding in string."},
      {"\"\xe2\x82\"", "invalid JSON at offset 1: Invalid encoding in string."},
      {"{\"k\xff\":1}",
       "invalid JSON at offset 3: Invalid encoding in string."},
      // Lone surrogates in escapes.
      {R"("\ud800")",
       "invalid JSON at offset 1: The surrogate pair in string is invalid."},
      {R"(["ok","\udc00"])",
       "invalid JSON at offset 6: The surrogate pair in string is invalid."},
      {R"({"\udfff":1})",
       "invalid JSON at offset 1: The surrogate pair in string is invalid."},
      // Duplicate keys: the offset is the repeated key's opening quote.
      {R"({"a":1,"a":2})", R"(duplicate key "a" at offset 7)"},
      {R"({"x":{"b":[],"c":0,"b":{}}})", R"(duplicate key "b" at offset 19)"},
      {R"({"q\"\\":1, "q\"\\":2})", R"(duplicate key "q\"\\" at offset 12)"},
      {R"({"\u0041":1,"A":2})", R"(duplicate key "A" at offset 12)"},
      {R"({"\n":1,"\n":2})", R"(duplicate key "\n" at offset 8)"},
  };
  for (const RejectCase& c : kCases) {
    absl::StatusOr<JsonValue> v = JsonValue::Parse(c.input);
    ASSERT_FALSE(v.ok()) << c.input;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument)
        << c.input;
    EXPECT_EQ(std::string(v.status().message()), c.message) << c.input;
  }
}

TEST(JsonValueTest, NestingUpToMaxDepthIsAccepted) {
  ASSERT_EQ(JsonValue::kMaxDepth, 256);
  for (const std::string& input :
       {Nested(256, "[", "]"), Nested(256, R"({"a":)", "}", "1"),
        Nested(128, R"([{"k":)", "}]", "null")}) {
    absl::StatusOr<JsonValue> v = JsonValue::Parse(input);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->Serialize(), input);
  }
}

TEST(JsonValueTest, NestingBeyondMaxDepthIsRejected) {
  struct Case {
    std::string input;
    size_t offset;  // of the first bracket beyond the limit
  };
  const Case kCases[] = {
      {Nested(257, "[", "]"), 256},
      {Nested(300, "[", "]"), 256},
      {Nested(257, R"({"a":)", "}", "1"), 256 * 5},
      {Nested(100000, "[", "]"), 256},
      {Nested(150, R"([{"k":)", "}]", "null"), 128 * 6},
  };
  for (const Case& c : kCases) {
    absl::StatusOr<JsonValue> v = JsonValue::Parse(c.input);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(v.status().message()),
              absl::StrCat("invalid JSON at offset ", c.offset,
                           ": nesting deeper than 256 levels"));
  }
}

TEST(JsonValueTest, AsInt64) {
  struct Case {
    std::string text;
    int64_t value;        // when `error` is empty
    std::string error;    // expected message
  };
  const Case kCases[] = {
      {"12", 12, ""},
      {"-3", -3, ""},
      {"0", 0, ""},
      {"-0", 0, ""},
      {"9223372036854775807", INT64_MAX, ""},
      {"-9223372036854775808", INT64_MIN, ""},
      {"1.5", 0, "expected an integer, got 1.5"},
      {"1.0", 0, "expected an integer, got 1.0"},
      {"1e3", 0, "expected an integer, got 1e3"},
      {"9223372036854775808", 0,
       "expected an integer in int64 range, got 9223372036854775808"},
      {"-9223372036854775809", 0,
       "expected an integer in int64 range, got -9223372036854775809"},
  };
  for (const Case& c : kCases) {
    absl::StatusOr<int64_t> n = JsonValue::NumberText(c.text).AsInt64();
    if (c.error.empty()) {
      ASSERT_TRUE(n.ok()) << c.text << ": " << n.status();
      EXPECT_EQ(*n, c.value) << c.text;
    } else {
      ASSERT_FALSE(n.ok()) << c.text;
      EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(std::string(n.status().message()), c.error);
    }
  }
  absl::StatusOr<int64_t> n = JsonValue::String("12").AsInt64();
  EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(n.status().message()),
            "expected an integer, got string");
}

TEST(JsonValueTest, GetStringAndGetInt64) {
  absl::StatusOr<JsonValue> v = JsonValue::Parse(
      R"({"name":"ubuntu","size":42,"half":0.5,"big":18446744073709551615,)"
      R"("list":[],"flag":true,"none":null})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->GetString("name").value(), "ubuntu");
  EXPECT_EQ(v->GetInt64("size").value(), 42);

  struct Case {
    absl::StatusOr<std::string> (*get)(const JsonValue&, absl::string_view);
    std::string key;
    std::string error;
  };
  auto get_string = [](const JsonValue& j, absl::string_view k) {
    return j.GetString(k);
  };
  auto get_int = [](const JsonValue& j,
                    absl::string_view k) -> absl::StatusOr<std::string> {
    absl::StatusOr<int64_t> n = j.GetInt64(k);
    if (!n.ok()) return n.status();
    return absl::StrCat(*n);
  };
  const Case kCases[] = {
      {get_string, "missing", R"(missing "missing")"},
      {get_string, "size", R"("size" must be a string, got number)"},
      {get_string, "list", R"("list" must be a string, got array)"},
      {get_string, "none", R"("none" must be a string, got null)"},
      {get_int, "missing", R"(missing "missing")"},
      {get_int, "name", R"("name" must be an integer, got string)"},
      {get_int, "flag", R"("flag" must be an integer, got bool)"},
      {get_int, "half", R"("half" must be an integer, got 0.5)"},
      {get_int, "big",
       R"("big" must be an integer in int64 range, got 18446744073709551615)"},
      {get_int, "bad\"key\n", R"(missing "bad\"key\n")"},
  };
  for (const Case& c : kCases) {
    absl::StatusOr<std::string> got = c.get(*v, c.key);
    ASSERT_FALSE(got.ok()) << c.key;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(got.status().message()), c.error);
  }

  // A non-object has no members.
  absl::StatusOr<std::string> s = JsonValue::Array().GetString("name");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr(R"(missing "name")"));
}

TEST(JsonValueTest, SetKeepsPositionOrAppends) {
  JsonValue v = JsonValue::Parse(R"({"a":1,"b":2,"c":3})").value();
  v.Set("b", JsonValue::String("x"));
  EXPECT_EQ(v.Serialize(), R"({"a":1,"b":"x","c":3})");
  v.Set("d", JsonValue::Bool(false));
  EXPECT_EQ(v.Serialize(), R"({"a":1,"b":"x","c":3,"d":false})");
  EXPECT_TRUE(v.Erase("a"));
  v.Set("a", JsonValue::Null());
  EXPECT_EQ(v.Serialize(), R"({"b":"x","c":3,"d":false,"a":null})");
}

TEST(JsonValueTest, FindAndFindMutable) {
  JsonValue v = JsonValue::Parse(R"({"a":{"n":1}})").value();
  EXPECT_EQ(v.Find("b"), nullptr);
  EXPECT_EQ(JsonValue::String("a").Find("a"), nullptr);
  ASSERT_NE(v.FindMutable("a"), nullptr);
  v.FindMutable("a")->Set("n", JsonValue::Uint(18446744073709551615u));
  EXPECT_EQ(v.Serialize(), R"({"a":{"n":18446744073709551615}})");
}

TEST(JsonValueTest, MutatorsConvertTheType) {
  JsonValue v = JsonValue::String("s");
  v.Set("k", JsonValue::Int(INT64_MIN));
  EXPECT_TRUE(v.is_object());
  EXPECT_EQ(v.string_value(), "");
  EXPECT_EQ(v.Serialize(), R"({"k":-9223372036854775808})");

  v.Append(JsonValue::Null());
  EXPECT_TRUE(v.is_array());
  EXPECT_TRUE(v.members().empty());
  v.mutable_items().push_back(JsonValue::Object());
  EXPECT_EQ(v.Serialize(), "[null,{}]");

  JsonValue n = JsonValue::Int(1);
  EXPECT_FALSE(n.Erase("k"));
  EXPECT_TRUE(n.is_number());
}

TEST(JsonValueTest, AccessorsOfOtherTypesAreEmpty) {
  JsonValue num = JsonValue::NumberText("7");
  EXPECT_EQ(num.type(), JsonValue::Type::kNumber);
  EXPECT_EQ(num.number_text(), "7");
  EXPECT_EQ(num.string_value(), "");
  EXPECT_FALSE(num.bool_value());
  EXPECT_TRUE(num.items().empty());
  EXPECT_TRUE(num.members().empty());

  JsonValue str = JsonValue::String("7");
  EXPECT_EQ(str.number_text(), "");
  EXPECT_EQ(str.string_value(), "7");

  EXPECT_TRUE(JsonValue().is_null());
  EXPECT_TRUE(JsonValue::Bool(true).bool_value());
}

TEST(JsonValueTest, Equality) {
  auto parse = [](absl::string_view text) {
    return JsonValue::Parse(text).value();
  };
  EXPECT_EQ(parse(R"({"a":[1,"x"],"b":null})"),
            parse(R"( { "a" : [ 1 , "x" ] , "b" : null } )"));
  EXPECT_NE(parse(R"({"a":1,"b":2})"), parse(R"({"b":2,"a":1})"));
  EXPECT_NE(parse("1.0"), parse("1"));
  EXPECT_NE(parse(R"("1")"), parse("1"));
  EXPECT_NE(parse("[]"), parse("{}"));
  EXPECT_NE(parse("[[]]"), parse("[[1]]"));
  EXPECT_EQ(JsonValue::Int(5), parse("5"));
  EXPECT_EQ(JsonValue::Null(), JsonValue());
}

TEST(JsonValueTest, SerializesPretty) {
  JsonValue v = JsonValue::Parse(
                    R"({"schemaVersion":2,"layers":[{"size":1.50,"x":[]}],)"
                    R"("annotations":{}})")
                    .value();
  EXPECT_EQ(v.Serialize(JsonWriter::Style::kPretty),
            "{\n"
            "  \"schemaVersion\": 2,\n"
            "  \"layers\": [\n"
            "    {\n"
            "      \"size\": 1.50,\n"
            "      \"x\": []\n"
            "    }\n"
            "  ],\n"
            "  \"annotations\": {}\n"
            "}");
  EXPECT_EQ(JsonValue::Parse(v.Serialize(JsonWriter::Style::kPretty)).value(),
            v);
}

TEST(JsonValueTest, WriteToContinuesAnOpenWriter) {
  JsonWriter w;
  w.StartArray();
  JsonValue::Parse(R"({"a":1e3})").value().WriteTo(w);
  JsonValue::String("b").WriteTo(w);
  w.EndArray();
  EXPECT_EQ(w.Take(), R"([{"a":1e3},"b"])");
}

}  // namespace
}  // namespace stowage
