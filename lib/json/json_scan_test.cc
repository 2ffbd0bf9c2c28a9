#include "lib/json/json_scan.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/json/json_value.h"

namespace stowage {
namespace {

using ::testing::ElementsAre;

constexpr char kRefName[] = "org.opencontainers.image.ref.name";

const std::vector<std::vector<std::string>>& IndexPaths() {
  static const auto* const kPaths = new std::vector<std::vector<std::string>>{
      {"mediaType"}, {"digest"}, {"size"}, {"annotations", kRefName}};
  return *kPaths;
}

// Whitespace and newlines around and inside elements, keys in an unusual
// order, escapes, a platform and an entry without annotations.
constexpr char kIndex[] =
    "{\n  \"schemaVersion\": 2,\n  \"manifests\": [\n"
    "    {\"size\": 1043, \"mediaType\": \"application/vnd.oci.image.manifest"
    ".v1+json\",\n     \"digest\": \"sha256:2b74\",\n"
    "     \"platform\": {\"os\": \"linux\", \"architecture\": \"amd64\"},\n"
    "     \"annotations\": {\"a\": [1, {\"b\": null}],\n"
    "       \"org.opencontainers.image.ref.name\": \"caf\\u00e9\\/x:1\"}}\n"
    "  ,\t{ \"mediaType\":\"m\",\"digest\":\"sha256:5c0b\",\"size\":1.50 }\r\n"
    "  ],\n  \"annotations\": {\"org.opencontainers.image.ref.name\": \"no\"}\n"
    "}\n";

TEST(ScanArrayElementsTest, ExtractsFieldsAndExactSpans) {
  absl::StatusOr<std::vector<ScannedElement>> scan =
      ScanArrayElements(kIndex, "manifests", IndexPaths());
  ASSERT_TRUE(scan.ok()) << scan.status();
  ASSERT_EQ(scan->size(), 2u);

  const ScannedElement& a = (*scan)[0];
  EXPECT_THAT(a.fields,
              ElementsAre("application/vnd.oci.image.manifest.v1+json",
                          "sha256:2b74", "1043", "caf\xc3\xa9/x:1"));
  EXPECT_THAT(a.present, ElementsAre(true, true, true, true));
  EXPECT_THAT(a.is_number, ElementsAre(false, false, true, false));

  const ScannedElement& b = (*scan)[1];
  EXPECT_THAT(b.fields, ElementsAre("m", "sha256:5c0b", "1.50", ""));
  EXPECT_THAT(b.present, ElementsAre(true, true, true, false));
  EXPECT_THAT(b.is_number, ElementsAre(false, false, true, false));

  // Each span is exactly the element: from '{' to '}', and it parses to the
  // same value as the DOM's element.
  absl::string_view text(kIndex);
  JsonValue doc = JsonValue::Parse(text).value();
  const std::vector<JsonValue>& items = doc.Find("manifests")->items();
  for (size_t i = 0; i < scan->size(); ++i) {
    const ScannedElement& e = (*scan)[i];
    ASSERT_LT(e.begin, e.end);
    ASSERT_LE(e.end, text.size());
    absl::string_view raw = text.substr(e.begin, e.end - e.begin);
    EXPECT_EQ(raw.front(), '{');
    EXPECT_EQ(raw.back(), '}');
    absl::StatusOr<JsonValue> element = JsonValue::Parse(raw);
    ASSERT_TRUE(element.ok()) << element.status();
    EXPECT_EQ(*element, items[i]) << raw;
  }
}

// A text with bytes beyond ASCII takes another way through RapidJSON (with
// its UTF-8 check); the results are the same.
TEST(ScanArrayElementsTest, NonAsciiTextGivesTheSameResults) {
  std::string ascii = kIndex;
  std::string utf8 = ascii;
  utf8.insert(utf8.rfind('}'), ",\"x\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
  absl::StatusOr<std::vector<ScannedElement>> a =
      ScanArrayElements(ascii, "manifests", IndexPaths());
  absl::StatusOr<std::vector<ScannedElement>> b =
      ScanArrayElements(utf8, "manifests", IndexPaths());
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].begin, (*b)[i].begin);
    EXPECT_EQ((*a)[i].end, (*b)[i].end);
    EXPECT_EQ((*a)[i].fields, (*b)[i].fields);
    EXPECT_EQ((*a)[i].present, (*b)[i].present);
    EXPECT_EQ((*a)[i].is_number, (*b)[i].is_number);
  }
  // And a non-ASCII value is read as it is.
  absl::StatusOr<std::vector<ScannedElement>> c = ScanArrayElements(
      "{\"manifests\":[{\"v\":\"\xc3\xa9\"}]}", "manifests", {{"v"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)[0].fields[0], "\xc3\xa9");
}

TEST(ScanArrayElementsTest, AbsentAndEmptyArrays) {
  struct Case {
    std::string input;
    size_t elements;
  };
  const Case kCases[] = {
      {"{}", 0},
      {R"({"schemaVersion":2})", 0},
      {R"({"manifests":[]})", 0},
      {R"({"manifests":[{}]})", 1},
      {R"({"manifests":[{},{}]})", 2},
      // Only the top-level member counts.
      {R"({"x":{"manifests":[{}]}})", 0},
      {R"({"x":{"manifests":7},"manifests":[{}]})", 1},
      {R"({"x":[{"manifests":[1]}]})", 0},
  };
  for (const Case& c : kCases) {
    absl::StatusOr<std::vector<ScannedElement>> scan =
        ScanArrayElements(c.input, "manifests", IndexPaths());
    ASSERT_TRUE(scan.ok()) << c.input << ": " << scan.status();
    EXPECT_EQ(scan->size(), c.elements) << c.input;
    for (const ScannedElement& e : *scan) {
      EXPECT_THAT(e.present, ElementsAre(false, false, false, false));
      EXPECT_THAT(e.fields, ElementsAre("", "", "", ""));
    }
  }
}

TEST(ScanArrayElementsTest, PathsFollowOnlyNestedObjects) {
  const std::vector<std::vector<std::string>> paths = {
      {"a", "b"}, {"a", "b", "c"}, {"a", "b"}, {"a", "x"}, {"n"}};
  struct Case {
    std::string element;
    std::vector<bool> present;
    std::vector<std::string> fields;
  };
  const Case kCases[] = {
      {R"({"a":{"b":"s","x":-0.0e1},"n":1})",
       {true, false, true, true, true},
       {"s", "", "s", "-0.0e1", "1"}},
      {R"({"a":{"b":{"c":"deep"}}})",  // "b" requested and an object
       {},
       {}},
      {R"({"a":"b"})",
       {false, false, false, false, false},
       {"", "", "", "", ""}},
      {R"({"a":[{"b":"no"}]})",
       {false, false, false, false, false},
       {"", "", "", "", ""}},
      {R"({"z":{"a":{"b":"no"}},"b":"no"})",
       {false, false, false, false, false},
       {"", "", "", "", ""}},
      {R"({"a":{"y":{"b":"no"}},"n":"\"q\\\n"})",
       {false, false, false, false, true},
       {"", "", "", "", "\"q\\\n"}},
  };
  for (const Case& c : kCases) {
    std::string input = absl::StrCat(R"({"manifests":[)", c.element, "]}");
    absl::StatusOr<std::vector<ScannedElement>> scan =
        ScanArrayElements(input, "manifests", paths);
    if (c.present.empty()) {
      EXPECT_EQ(scan.status().code(), absl::StatusCode::kInvalidArgument);
      continue;
    }
    ASSERT_TRUE(scan.ok()) << input << ": " << scan.status();
    ASSERT_EQ(scan->size(), 1u);
    EXPECT_EQ((*scan)[0].present, c.present) << input;
    EXPECT_EQ((*scan)[0].fields, c.fields) << input;
  }
}

TEST(ScanArrayElementsTest, NumbersKeepTheirTextAndStringsAreDecoded) {
  const std::vector<std::vector<std::string>> paths = {{"v"}};
  struct Case {
    std::string value;
    std::string field;
    bool is_number;
    bool in_text;  // VisitArrayElements gives a view into the text
  };
  const Case kCases[] = {
      {"0", "0", true, true},
      {"-12", "-12", true, true},
      {"1.50E+2", "1.50E+2", true, true},
      {"123456789012345678901234567890", "123456789012345678901234567890",
       true, true},
      {R"("12")", "12", false, true},
      {R"("")", "", false, true},
      {"\"caf\xc3\xa9\"", "caf\xc3\xa9", false, true},
      {R"("\u00e9")", "\xc3\xa9", false, false},
      {R"("a\/b")", "a/b", false, false},
      {R"("\ud83d\ude00\t\"")", "\xf0\x9f\x98\x80\t\"", false, false},
      {R"("nul\u0000byte")", std::string("nul\0byte", 8), false, false},
      // Escapes that leave a quote, or the decoded value, just before the
      // closing quote: still decoded, not taken from the text.
      {R"("\"\"x")", "\"\"x", false, false},
      {R"("\"x")", "\"x", false, false},
      {R"("x\"")", "x\"", false, false},
      {R"("a\\")", "a\\", false, false},
      {R"("\\\"ab")", "\\\"ab", false, false},
  };
  for (const Case& c : kCases) {
    std::string input = absl::StrCat(R"({"manifests":[{"v":)", c.value, "}]}");
    absl::StatusOr<std::vector<ScannedElement>> scan =
        ScanArrayElements(input, "manifests", paths);
    ASSERT_TRUE(scan.ok()) << input << ": " << scan.status();
    ASSERT_EQ(scan->size(), 1u);
    EXPECT_TRUE((*scan)[0].present[0]);
    EXPECT_EQ((*scan)[0].fields[0], c.field) << input;
    EXPECT_EQ((*scan)[0].is_number[0], c.is_number) << input;

    int visits = 0;
    absl::Status visited = VisitArrayElements(
        input, "manifests", paths, [&](const ScannedElementView& e) {
          ++visits;
          ASSERT_EQ(e.fields.size(), 1u);
          const ScannedField& f = e.fields[0];
          EXPECT_EQ(f.kind, c.is_number ? ScannedField::Kind::kNumber
                                        : ScannedField::Kind::kString);
          EXPECT_EQ(f.value, c.field) << input;
          EXPECT_EQ(f.in_text, c.in_text) << input;
          bool inside = f.value.data() >= input.data() &&
                        f.value.data() + f.value.size() <=
                            input.data() + input.size();
          EXPECT_EQ(inside, c.in_text) << input;
        });
    ASSERT_TRUE(visited.ok()) << visited;
    EXPECT_EQ(visits, 1);
  }
}

TEST(VisitArrayElementsTest, SeesWhatScanArrayElementsReturns) {
  absl::string_view text(kIndex);
  std::vector<ScannedElementView> views;
  std::vector<std::vector<std::string>> values;
  absl::Status status = VisitArrayElements(
      text, "manifests", IndexPaths(), [&](const ScannedElementView& e) {
        views.push_back(e);
        std::vector<std::string>& v = values.emplace_back();
        for (const ScannedField& f : e.fields) {
          v.emplace_back(f.value);
          if (f.in_text) {
            // A view into the text itself, which outlives the call.
            EXPECT_GE(f.value.data(), text.data());
            EXPECT_LE(f.value.data() + f.value.size(),
                      text.data() + text.size());
          }
        }
      });
  ASSERT_TRUE(status.ok()) << status;
  absl::StatusOr<std::vector<ScannedElement>> scan =
      ScanArrayElements(text, "manifests", IndexPaths());
  ASSERT_TRUE(scan.ok());
  ASSERT_EQ(views.size(), scan->size());
  for (size_t i = 0; i < views.size(); ++i) {
    EXPECT_EQ(views[i].index, i);
    EXPECT_EQ(views[i].begin, (*scan)[i].begin);
    EXPECT_EQ(views[i].end, (*scan)[i].end);
    EXPECT_EQ(values[i], (*scan)[i].fields);
  }
  // The escaped ref name was decoded into the scanner's buffer; the rest
  // are in the text.
  EXPECT_EQ(values[0][3], "caf\xc3\xa9/x:1");

  // Errors are ScanArrayElements' errors; the visitor is not called after
  // a structural error, and may have been called before a syntax error.
  int visits = 0;
  auto count = [&](const ScannedElementView&) { ++visits; };
  EXPECT_EQ(VisitArrayElements(R"({"manifests":[{},1,{}]})", "manifests", {},
                               count),
            absl::InvalidArgumentError("manifests[1] is not an object"));
  EXPECT_EQ(visits, 1);
  visits = 0;
  absl::Status syntax =
      VisitArrayElements(R"({"manifests":[{},{}],})", "manifests", {}, count);
  EXPECT_EQ(syntax, JsonValue::Parse(R"({"manifests":[{},{}],})").status());
  EXPECT_EQ(visits, 2);
  EXPECT_EQ(VisitArrayElements("{}", "manifests", {{}}, count),
            absl::InvalidArgumentError("empty path"));
}

struct RejectCase {
  std::string input;
  std::string message;  // the full InvalidArgument message
};

TEST(ScanArrayElementsTest, RejectsWrongStructure) {
  const RejectCase kCases[] = {
      {"[]", "not a JSON object"},
      {"null", "not a JSON object"},
      {R"("manifests")", "not a JSON object"},
      {R"({"manifests":{}})", R"("manifests" must be an array)"},
      {R"({"manifests":null})", R"("manifests" must be an array)"},
      {R"({"manifests":"[]"})", R"("manifests" must be an array)"},
      {R"({"manifests":[{},[],{}]})", "manifests[1] is not an object"},
      {R"({"manifests":[{},{},{},7]})", "manifests[3] is not an object"},
      {R"({"manifests":[null]})", "manifests[0] is not an object"},
      {R"({"manifests":[{"mediaType":{}}]})",
       R"(manifests[0]: "mediaType" must be a string or a number, got object)"},
      {R"({"manifests":[{},{"size":[1]}]})",
       R"(manifests[1]: "size" must be a string or a number, got array)"},
      {R"({"manifests":[{"digest":true}]})",
       R"(manifests[0]: "digest" must be a string or a number, got bool)"},
      {R"({"manifests":[{"annotations":{"org.opencontainers.image.ref.name":null}}]})",
       R"(manifests[0]: "annotations"."org.opencontainers.image.ref.name" )"
       "must be a string or a number, got null"},
      // The first problem in document order.
      {R"({"manifests":[{"size":null},5]})",
       R"(manifests[0]: "size" must be a string or a number, got null)"},
      {R"({"manifests":[5,{"size":null}]})", "manifests[0] is not an object"},
  };
  for (const RejectCase& c : kCases) {
    absl::StatusOr<std::vector<ScannedElement>> scan =
        ScanArrayElements(c.input, "manifests", IndexPaths());
    ASSERT_FALSE(scan.ok()) << c.input;
    EXPECT_EQ(scan.status().code(), absl::StatusCode::kInvalidArgument)
        << c.input;
    EXPECT_EQ(std::string(scan.status().message()), c.message) << c.input;
  }
  absl::StatusOr<std::vector<ScannedElement>> empty =
      ScanArrayElements("{}", "manifests", {{"a"}, {}});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.status().message(), "empty path");
}

std::string Nested(int depth, absl::string_view open, absl::string_view close,
                   absl::string_view inner) {
  std::string s;
  for (int i = 0; i < depth; ++i) absl::StrAppend(&s, open);
  absl::StrAppend(&s, inner);
  for (int i = 0; i < depth; ++i) absl::StrAppend(&s, close);
  return s;
}

// Keys a..z, aa..az, ...: `n` distinct keys, then `extra` appended verbatim.
std::string ManyKeys(int n, absl::string_view extra) {
  std::string s = "{";
  for (int i = 0; i < n; ++i) {
    absl::StrAppend(&s, i == 0 ? "" : ",", "\"k", i, "\":", i);
  }
  absl::StrAppend(&s, extra, "}");
  return s;
}

// Every document JsonValue::Parse rejects is rejected with its message, and
// syntax errors win over structural ones.
TEST(ScanArrayElementsTest, ValidatesExactlyLikeJsonValueParse) {
  const std::string kBad[] = {
      "",
      "  ",
      "{",
      "[1,]",
      R"({"a" 1})",
      "'a'",
      "NaN",
      "1e400",
      R"("abc)",
      "\"a\tb\"",
      "{} x",
      "1 2",
      std::string("{}\0junk", 7),
      "\"\xff\"",
      "\"\xc0\xaf\"",
      "\"\xed\xa0\x80\"",
      "{\"k\xff\":1}",
      R"("\ud800")",
      R"(["ok","\udc00"])",
      R"({"\udfff":1})",
      R"({"a":1,"a":2})",
      R"({"x":{"b":[],"c":0,"b":{}}})",
      R"({"q\"\\":1, "q\"\\":2})",
      R"({"\u0041":1,"A":2})",
      R"({"\n":1,"\n":2})",
      // Inside the scanned array and its requested fields.
      R"({"manifests":[{"digest":"a","digest":"b"}]})",
      R"({"manifests":[{"annotations":{"k":1,"k":2}}]})",
      R"({"manifests":[{"a":{"x":1,"y":{"x":2}},"b":1,"a":2}]})",
      R"({"manifests":[{"mediaType":"\udc00"}]})",
      R"({"manifests":[{"mediaType":"\ud800\u0041"}]})",
      "{\"manifests\":[{\"digest\":\"\xe2\x82\"}]}",
      R"({"manifests":[{"size":01}]})",
      R"({"manifests":[{"size":1.}]})",
      R"({"manifests":[{"size":-}]})",
      R"({"manifests":[{}],"manifests":[]})",
      R"({"manifests":[{},]})",
      R"({"manifests":[{}})",
      R"({"manifests":[{}]}})",
      // Structural problems first, a syntax error later: the syntax error.
      R"({"manifests":5,"x":})",
      R"([{"manifests":[]}, 1,])",
      R"({"manifests":[1,{"size":null}],"a":1,"a":2})",
      // Large objects switch to a hash set.
      ManyKeys(100, R"(,"k42":0)"),
      absl::StrCat(R"({"manifests":[)", ManyKeys(33, R"(,"k0":1)"), "]}"),
      absl::StrCat(R"({"manifests":[)", ManyKeys(32, R"(,"k31":1)"), "]}"),
      absl::StrCat(R"({"manifests":[)", ManyKeys(31, R"(,"k30":1)"), "]}"),
      // Truncated: the fast path reads into its padding, the error does
      // not change.
      R"({"manifests":[{"a":"\u00)",
      R"({"manifests":[{"a":"\ud83d\u)",
      R"({"manifests":[{"a":"x)",
      R"({"manifests":[{"a":tru)",
      R"({"manifests":[{"a":1e)",
      R"({"manifests":[{"a":-)",
      R"({"manifests":[{"a")",
      R"({"manifests":[{"a\)",
      "{\"manifests\":[{\"a\":\"\xf0\x9f\x98",
      "{\"manifests\":[{\"a\":\"\xf0",
      // Depth.
      Nested(257, "[", "]", ""),
      Nested(257, R"({"a":)", "}", "1"),
      Nested(100000, "[", "]", ""),
      absl::StrCat(R"({"manifests":[{"annotations":)",
                   Nested(254, R"({"a":)", "}", "1"), "}]}"),
  };
  for (const std::string& input : kBad) {
    absl::StatusOr<JsonValue> dom = JsonValue::Parse(input);
    ASSERT_FALSE(dom.ok()) << input;
    absl::StatusOr<std::vector<ScannedElement>> scan =
        ScanArrayElements(input, "manifests", IndexPaths());
    ASSERT_FALSE(scan.ok()) << input;
    EXPECT_EQ(scan.status(), dom.status()) << input;
  }
}

TEST(ScanArrayElementsTest, AcceptsWhatJsonValueParseAccepts) {
  const std::string kGood[] = {
      R"({"a":{"a":1},"b":{"a":2}})",
      R"({"manifests":[{"a":{"a":1},"b":{"a":2},"c":[{"a":3},{"a":4}]}]})",
      R"({"manifests":[{"a":{"x":1,"y":{"x":2}},"b":{"x":3},"x":4}]})",
      ManyKeys(100, ""),
      absl::StrCat(R"({"manifests":[)", ManyKeys(40, ""), ",",
                   ManyKeys(40, R"(,"m":{"k0":1,"k1":2})"), "]}"),
      Nested(255, R"({"a":)", "}", "1"),
      absl::StrCat(R"({"manifests":[{"annotations":)",
                   Nested(253, R"({"a":)", "}", "1"), "}]}"),
      "\t{\"manifests\" : [ ] }\r\n ",
  };
  for (const std::string& input : kGood) {
    ASSERT_TRUE(JsonValue::Parse(input).ok()) << input;
    absl::StatusOr<std::vector<ScannedElement>> scan =
        ScanArrayElements(input, "manifests", IndexPaths());
    EXPECT_TRUE(scan.ok()) << input << ": " << scan.status();
  }
}

// What the scan should give for `text`, computed from the DOM; false when
// the scan should fail.
bool ExpectedScan(const JsonValue& doc,
                  const std::vector<std::vector<std::string>>& paths,
                  std::vector<ScannedElement>* out) {
  if (!doc.is_object()) return false;
  const JsonValue* list = doc.Find("manifests");
  if (list == nullptr) return true;
  if (!list->is_array()) return false;
  for (const JsonValue& item : list->items()) {
    if (!item.is_object()) return false;
    ScannedElement e;
    for (const std::vector<std::string>& path : paths) {
      const JsonValue* v = &item;
      for (const std::string& key : path) {
        v = v->is_object() ? v->Find(key) : nullptr;
        if (v == nullptr) break;
      }
      if (v != nullptr && !v->is_string() && !v->is_number()) return false;
      e.present.push_back(v != nullptr);
      e.is_number.push_back(v != nullptr && v->is_number());
      e.fields.push_back(v == nullptr     ? ""
                         : v->is_number() ? v->number_text()
                                          : v->string_value());
    }
    out->push_back(std::move(e));
  }
  return true;
}

// Random single-byte edits of a small index: the scan agrees with
// JsonValue::Parse on every one, errors included.
TEST(ScanArrayElementsTest, AgreesWithTheDomOnRandomEdits) {
  const std::string base =
      R"({"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":)"
      R"("sha256:00","size":12,"annotations":{"org.opencontainers.image.)"
      R"(ref.name":"r/x:1","k":[true,null,{"n":-1.5e3}]}},{"size":"7",)"
      R"("digest":"\u00e9\/"}, {"mediaType" : "m" }]})";
  const std::string kBytes = "{}[]\":,0123456789-+.eE \\/untrsfal\xc3\xa9\xff";
  std::mt19937 rng(1234);
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text = base;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int j = 0; j < edits; ++j) {
      size_t pos = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[pos] = kBytes[rng() % kBytes.size()];
          break;
        case 1:
          text.erase(pos, 1);
          break;
        case 2:
          text.insert(pos, 1, kBytes[rng() % kBytes.size()]);
          break;
      }
    }
    absl::StatusOr<JsonValue> dom = JsonValue::Parse(text);
    absl::StatusOr<std::vector<ScannedElement>> scan =
        ScanArrayElements(text, "manifests", IndexPaths());
    // Views into the text are exactly the decoded values.
    absl::Status visited = VisitArrayElements(
        text, "manifests", IndexPaths(), [&](const ScannedElementView& e) {
          for (const ScannedField& f : e.fields) {
            if (!f.in_text) continue;
            ASSERT_GE(f.value.data(), text.data()) << text;
            ASSERT_LE(f.value.data() + f.value.size(),
                      text.data() + text.size())
                << text;
          }
        });
    EXPECT_EQ(visited, scan.status()) << text;
    if (!dom.ok()) {
      ASSERT_FALSE(scan.ok()) << text;
      ASSERT_EQ(scan.status(), dom.status()) << text;
      continue;
    }
    std::vector<ScannedElement> want;
    if (!ExpectedScan(*dom, IndexPaths(), &want)) {
      ASSERT_FALSE(scan.ok()) << text;
      ASSERT_EQ(scan.status().code(), absl::StatusCode::kInvalidArgument);
      continue;
    }
    ASSERT_TRUE(scan.ok()) << text << ": " << scan.status();
    ++accepted;
    ASSERT_EQ(scan->size(), want.size()) << text;
    // "manifests" may be absent (no elements): no items() on a null pointer.
    const JsonValue* manifests = dom->Find("manifests");
    if (want.empty()) continue;
    ASSERT_NE(manifests, nullptr) << text;
    const std::vector<JsonValue>& items = manifests->items();
    for (size_t k = 0; k < want.size(); ++k) {
      const ScannedElement& e = (*scan)[k];
      EXPECT_EQ(e.fields, want[k].fields) << text;
      EXPECT_EQ(e.present, want[k].present) << text;
      EXPECT_EQ(e.is_number, want[k].is_number) << text;
      EXPECT_EQ(JsonValue::Parse(text.substr(e.begin, e.end - e.begin)).value(),
                items[k])
          << text;
    }
  }
  EXPECT_GT(accepted, 100);  // the edits do not only break the document
}

}  // namespace
}  // namespace stowage
