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
