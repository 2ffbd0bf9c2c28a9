#include "lib/json/json_writer.h"

#include "gtest/gtest.h"

namespace stowage {
namespace {

TEST(JsonWriterTest, KeepsKeyOrderCompact) {
  JsonWriter w;
  w.StartObject().Key("z").Int(-1).Key("a").StartArray().Bool(true).Null()
      .Uint(18446744073709551615u).EndArray().Key("s").String("x\"\n").EndObject();
  EXPECT_EQ(w.Take(),
            R"({"z":-1,"a":[true,null,18446744073709551615],"s":"x\"\n"})");
}

TEST(JsonWriterTest, Pretty) {
  JsonWriter w(JsonWriter::Style::kPretty);
  w.StartObject().Key("a").Int(1).EndObject();
  EXPECT_EQ(w.Take(), "{\n  \"a\": 1\n}");
}

TEST(JsonWriterTest, RawNumberIsWrittenVerbatim) {
  JsonWriter w;
  w.StartObject().Key("a").RawNumber("1.50").Key("b").StartArray()
      .RawNumber("-0").RawNumber("1E+2")
      .RawNumber("123456789012345678901234567890").EndArray().EndObject();
  EXPECT_EQ(w.Take(),
            R"({"a":1.50,"b":[-0,1E+2,123456789012345678901234567890]})");
}

TEST(JsonWriterTest, RawNumberPretty) {
  JsonWriter w(JsonWriter::Style::kPretty);
  w.StartObject().Key("a").RawNumber("1e-7").Key("b").StartArray()
      .RawNumber("2.0").EndArray().EndObject();
  EXPECT_EQ(w.Take(), "{\n  \"a\": 1e-7,\n  \"b\": [\n    2.0\n  ]\n}");
}

TEST(JsonWriterTest, RawNumberAsRoot) {
  JsonWriter w;
  w.RawNumber("3.25");
  EXPECT_EQ(w.Take(), "3.25");
}

TEST(JsonWriterTest, ReplacesInvalidUtf8) {
  JsonWriter w;
  w.String("a\xc3\xa1" "b\xff" "c\xe2\x82");
  EXPECT_EQ(w.Take(), "\"a\xc3\xa1" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\"");
}

TEST(JsonWriterTest, TakeEmptiesTheWriter) {
  JsonWriter w;
  w.StartArray().EndArray();
  EXPECT_EQ(w.Take(), "[]");
  w.StartObject().EndObject();
  EXPECT_EQ(w.Take(), "{}");
}

}  // namespace
}  // namespace stowage
