#include "lib/oci/descriptor.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/json/json_value.h"

namespace stowage::oci {
namespace {

using ::testing::HasSubstr;

// sha256 of "" and sha512 of "".
constexpr char kDigest[] =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kSha512[] =
    "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
constexpr char kLayer[] = "application/vnd.oci.image.layer.v1.tar+gzip";

JsonValue ParseOrDie(const std::string& text) {
  absl::StatusOr<JsonValue> v = JsonValue::Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : JsonValue();
}

// A descriptor object from "key":value members.
std::string Obj(const std::string& members) { return "{" + members + "}"; }
std::string MediaType() { return absl::StrCat("\"mediaType\":\"", kLayer, "\""); }
std::string Digest(const std::string& d = kDigest) {
  return absl::StrCat("\"digest\":\"", d, "\"");
}

struct FromJsonCase {
  std::string name;
  std::string json;
  absl::StatusCode code;
  std::string message;  // a part of the error message
};

TEST(DescriptorTest, FromJsonTable) {
  const std::string upper = absl::StrCat(
      "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
  const std::vector<FromJsonCase> cases = {
      {"minimal", Obj(MediaType() + "," + Digest() + ",\"size\":0"),
       absl::StatusCode::kOk, ""},
      {"big size",
       Obj(MediaType() + "," + Digest() + ",\"size\":9223372036854775807"),
       absl::StatusCode::kOk, ""},
      {"any order", Obj("\"size\":12," + Digest() + "," + MediaType()),
       absl::StatusCode::kOk, ""},
      {"not an object", "[]", absl::StatusCode::kInvalidArgument, "JSON object"},
      {"string", "\"x\"", absl::StatusCode::kInvalidArgument, "JSON object"},
      {"missing mediaType", Obj(Digest() + ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "missing \"mediaType\""},
      {"mediaType number", Obj("\"mediaType\":1," + Digest() + ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "\"mediaType\" must be a string"},
      {"mediaType null", Obj("\"mediaType\":null," + Digest() + ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "\"mediaType\" must be a string"},
      {"mediaType empty", Obj("\"mediaType\":\"\"," + Digest() + ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "\"mediaType\" is empty"},
      {"missing digest", Obj(MediaType() + ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "missing \"digest\""},
      {"digest number", Obj(MediaType() + ",\"digest\":5,\"size\":1"),
       absl::StatusCode::kInvalidArgument, "\"digest\" must be a string"},
      {"digest without algorithm",
       Obj(MediaType() + "," + Digest(std::string(kDigest).substr(7)) +
           ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "\"digest\" is not a valid sha256"},
      {"digest empty", Obj(MediaType() + "," + Digest("") + ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "\"digest\""},
      {"digest too short",
       Obj(MediaType() + "," + Digest("sha256:abc") + ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "it needs 64"},
      {"digest too long",
       Obj(MediaType() + "," + Digest(std::string(kDigest) + "0") + ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "it needs 64"},
      {"digest not hex",
       Obj(MediaType() + "," + Digest("sha256:" + std::string(64, 'g')) +
           ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "lowercase hex"},
      {"digest uppercase hex", Obj(MediaType() + "," + Digest(upper) + ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "uppercase"},
      {"digest unknown algorithm",
       Obj(MediaType() + "," + Digest("md5:d41d8cd98f00b204e9800998ecf8427e") +
           ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "md5"},
      {"sha512 digest", Obj(MediaType() + "," + Digest(kSha512) + ",\"size\":1"),
       absl::StatusCode::kUnimplemented, "only sha256"},
      {"malformed sha512 digest",
       Obj(MediaType() + "," + Digest("sha512:abcd") + ",\"size\":1"),
       absl::StatusCode::kInvalidArgument, "it needs 128"},
      {"missing size", Obj(MediaType() + "," + Digest()),
       absl::StatusCode::kInvalidArgument, "missing \"size\""},
      {"size string", Obj(MediaType() + "," + Digest() + ",\"size\":\"1\""),
       absl::StatusCode::kInvalidArgument, "\"size\" must be an integer"},
      {"size fraction", Obj(MediaType() + "," + Digest() + ",\"size\":1.5"),
       absl::StatusCode::kInvalidArgument, "got 1.5"},
      {"size exponent", Obj(MediaType() + "," + Digest() + ",\"size\":1e3"),
       absl::StatusCode::kInvalidArgument, "\"size\" must be an integer"},
      {"size negative", Obj(MediaType() + "," + Digest() + ",\"size\":-1"),
       absl::StatusCode::kInvalidArgument, "\"size\" is negative: -1"},
      {"size beyond int64",
       Obj(MediaType() + "," + Digest() + ",\"size\":9223372036854775808"),
       absl::StatusCode::kInvalidArgument, "int64 range"},
  };
  for (const FromJsonCase& c : cases) {
    SCOPED_TRACE(c.name + ": " + c.json);
    absl::StatusOr<Descriptor> d = Descriptor::FromJson(ParseOrDie(c.json));
    EXPECT_EQ(d.status().code(), c.code) << d.status();
    if (c.code == absl::StatusCode::kOk) {
      if (!d.ok()) continue;
      EXPECT_EQ(d->media_type(), kLayer);
      EXPECT_EQ(d->digest(), kDigest);
    } else {
      EXPECT_THAT(std::string(d.status().message()), HasSubstr(c.message));
    }
  }
}

TEST(DescriptorTest, FieldsAreRead) {
  absl::StatusOr<Descriptor> d = Descriptor::FromJson(ParseOrDie(Obj(
      MediaType() + "," + Digest() +
      ",\"size\":1234,\"artifactType\":\"application/vnd.example+json\"")));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->media_type(), kLayer);
  EXPECT_EQ(d->digest(), kDigest);
  EXPECT_EQ(d->size(), 1234);
  EXPECT_EQ(d->artifact_type(), "application/vnd.example+json");
  EXPECT_FALSE(d->platform().has_value());
  EXPECT_EQ(d->Annotation("anything"), "");
}

TEST(DescriptorTest, UnknownFieldsArePreserved) {
  const std::string text = Obj(
      MediaType() + "," + Digest() +
      ",\"size\":3,\"urls\":[\"https://example.com/a\"],\"data\":\"AAA=\","
      "\"x-custom\":{\"n\":1.50,\"big\":123456789012345678901234567890},"
      "\"annotations\":{\"b\":\"2\",\"a\":\"1\"}");
  absl::StatusOr<Descriptor> d = Descriptor::FromJson(ParseOrDie(text));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->json().Serialize(), text);
  EXPECT_EQ(d->Annotation("a"), "1");

  // An annotation edit keeps everything else, in order.
  Descriptor edited = *d;
  edited.SetAnnotation("c", "3");
  EXPECT_EQ(edited.json().Serialize(),
            Obj(MediaType() + "," + Digest() +
                ",\"size\":3,\"urls\":[\"https://example.com/a\"],"
                "\"data\":\"AAA=\",\"x-custom\":{\"n\":1.50,"
                "\"big\":123456789012345678901234567890},"
                "\"annotations\":{\"b\":\"2\",\"a\":\"1\",\"c\":\"3\"}"));
  // The copy was edited, not the original.
  EXPECT_EQ(d->json().Serialize(), text);
}

TEST(DescriptorTest, PlatformIsParsed) {
  absl::StatusOr<Descriptor> d = Descriptor::FromJson(ParseOrDie(Obj(
      MediaType() + "," + Digest() +
      ",\"size\":1,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\","
      "\"variant\":\"v8\",\"os.version\":\"10.0.17763\","
      "\"os.features\":[\"win32k\"]}")));
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(d->platform().has_value());
  EXPECT_EQ(d->platform()->os, "linux");
  EXPECT_EQ(d->platform()->architecture, "arm64");
  EXPECT_EQ(d->platform()->variant, "v8");
  EXPECT_EQ(d->platform()->os_version, "10.0.17763");
  EXPECT_EQ(d->platform()->String(), "linux/arm64/v8");
  // Unknown platform fields stay in the JSON.
  EXPECT_THAT(d->json().Serialize(), HasSubstr("\"os.features\":[\"win32k\"]"));

  absl::StatusOr<Descriptor> no_variant = Descriptor::FromJson(ParseOrDie(Obj(
      MediaType() + "," + Digest() +
      ",\"size\":1,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}")));
  ASSERT_TRUE(no_variant.ok()) << no_variant.status();
  ASSERT_TRUE(no_variant->platform().has_value());
  EXPECT_EQ(no_variant->platform()->String(), "linux/amd64");
  EXPECT_EQ(no_variant->platform()->variant, "");
}

TEST(DescriptorTest, MakeHasTheThreeFields) {
  Descriptor d = Descriptor::Make(kLayer, kDigest, 42);
  EXPECT_EQ(d.media_type(), kLayer);
  EXPECT_EQ(d.digest(), kDigest);
  EXPECT_EQ(d.size(), 42);
  EXPECT_FALSE(d.platform().has_value());
  EXPECT_EQ(d.json().Serialize(),
            Obj(MediaType() + "," + Digest() + ",\"size\":42"));
  // What Make writes, FromJson reads back.
  absl::StatusOr<Descriptor> again = Descriptor::FromJson(d.json());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->json(), d.json());
}

TEST(DescriptorTest, SetAndRemoveAnnotations) {
  Descriptor d = Descriptor::Make(kLayer, kDigest, 1);
  const std::string bare = d.json().Serialize();

  d.SetAnnotation("org.opencontainers.image.ref.name", "v1");
  EXPECT_EQ(d.Annotation("org.opencontainers.image.ref.name"), "v1");
  EXPECT_EQ(d.json().Serialize(),
            Obj(MediaType() + "," + Digest() +
                ",\"size\":1,\"annotations\":{"
                "\"org.opencontainers.image.ref.name\":\"v1\"}"));

  // Replacing keeps the position; a second key is appended.
  d.SetAnnotation("z", "last");
  d.SetAnnotation("org.opencontainers.image.ref.name", "v2");
  EXPECT_EQ(d.json().Find("annotations")->Serialize(),
            "{\"org.opencontainers.image.ref.name\":\"v2\",\"z\":\"last\"}");

  // Removing an absent key changes nothing.
  d.RemoveAnnotation("absent");
  EXPECT_EQ(d.json().Find("annotations")->members().size(), 2u);

  d.RemoveAnnotation("org.opencontainers.image.ref.name");
  EXPECT_EQ(d.Annotation("org.opencontainers.image.ref.name"), "");
  EXPECT_EQ(d.Annotation("z"), "last");

  // Removing the last annotation drops the "annotations" key.
  d.RemoveAnnotation("z");
  EXPECT_EQ(d.json().Find("annotations"), nullptr);
  EXPECT_EQ(d.json().Serialize(), bare);

  // And removing from a descriptor without annotations is harmless.
  d.RemoveAnnotation("z");
  EXPECT_EQ(d.json().Serialize(), bare);
}

TEST(DescriptorTest, SetAnnotationReplacesANonObject) {
  absl::StatusOr<Descriptor> d = Descriptor::FromJson(ParseOrDie(
      Obj(MediaType() + "," + Digest() + ",\"size\":1,\"annotations\":null")));
  ASSERT_TRUE(d.ok()) << d.status();
  d->SetAnnotation("k", "v");
  EXPECT_EQ(d->Annotation("k"), "v");
  EXPECT_EQ(d->json().Find("annotations")->Serialize(), "{\"k\":\"v\"}");
}

TEST(DescriptorTest, DigestHex) {
  EXPECT_EQ(DigestHex(kDigest), std::string(kDigest).substr(7));
  EXPECT_EQ(DigestHex("sha512:ab"), "ab");
  EXPECT_EQ(DigestHex("nocolon"), "nocolon");
}

struct PlatformParseCase {
  std::string text;
  bool ok;
  std::string os{}, architecture{}, variant{};  // "" for a case that fails
};

TEST(PlatformTest, ParseTable) {
  const std::vector<PlatformParseCase> cases = {
      {"linux/amd64", true, "linux", "amd64", ""},
      {"linux/arm64/v8", true, "linux", "arm64", "v8"},
      {"windows/amd64", true, "windows", "amd64", ""},
      {"linux/arm/v7", true, "linux", "arm", "v7"},
      {"", false},
      {"linux", false},
      {"linux/", false},
      {"/amd64", false},
      {"/", false},
      {"linux//v8", false},
      {"linux/arm64/", false},
      {"linux/arm64/v8/extra", false},
  };
  for (const PlatformParseCase& c : cases) {
    SCOPED_TRACE("\"" + c.text + "\"");
    absl::StatusOr<Platform> p = Platform::Parse(c.text);
    if (!c.ok) {
      EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(p.status().message()),
                  HasSubstr("\"" + c.text + "\" is not OS/ARCH[/VARIANT]"));
      continue;
    }
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->os, c.os);
    EXPECT_EQ(p->architecture, c.architecture);
    EXPECT_EQ(p->variant, c.variant);
    // String() gives back what was parsed.
    EXPECT_EQ(p->String(), c.text);
  }
}

TEST(PlatformTest, StringOmitsOsVersion) {
  Platform p{"windows", "amd64", "", "10.0.17763"};
  EXPECT_EQ(p.String(), "windows/amd64");
}

struct MatchesCase {
  std::string have;
  std::string want;
  bool matches;
};

TEST(PlatformTest, MatchesTable) {
  const std::vector<MatchesCase> cases = {
      {"linux/amd64", "linux/amd64", true},
      {"linux/arm64/v8", "linux/arm64", true},  // no variant wanted: any
      {"linux/arm64/v8", "linux/arm64/v8", true},
      {"linux/arm64", "linux/arm64/v8", false},  // variant wanted, none there
      {"linux/arm/v7", "linux/arm/v6", false},
      {"linux/amd64", "linux/arm64", false},
      {"windows/amd64", "linux/amd64", false},
      {"linux/amd64", "windows/amd64", false},
  };
  for (const MatchesCase& c : cases) {
    SCOPED_TRACE(c.have + " vs " + c.want);
    absl::StatusOr<Platform> have = Platform::Parse(c.have);
    absl::StatusOr<Platform> want = Platform::Parse(c.want);
    ASSERT_TRUE(have.ok() && want.ok());
    EXPECT_EQ(have->Matches(*want), c.matches);
  }
  // os.version plays no part.
  Platform with_version{"windows", "amd64", "", "10.0.17763"};
  EXPECT_TRUE(with_version.Matches(Platform{"windows", "amd64", "", ""}));
}

}  // namespace
}  // namespace stowage::oci
