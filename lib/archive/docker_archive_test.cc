#include "lib/archive/docker_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/archive/layout_archive.h"
#include "lib/crypto/sha256.h"
#include "lib/fs/file.h"
#include "lib/json/json_value.h"
#include "lib/oci/layout.h"
#include "lib/oci/media_types.h"

namespace stowage::archive {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

std::string NewDir() {
  std::string tmpl = ::testing::TempDir() + "/docker-archive-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

std::string Fixture(const std::string& name) {
  return absl::StrCat(getenv("TEST_SRCDIR"), "/", getenv("TEST_WORKSPACE"),
                      "/testdata/docker-archive/", name);
}

// The fixtures' digests. testdata/docker-archive/make_fixtures.py made the
// archives; `skopeo inspect --raw docker-archive:FILE:REF | sha256sum`
// (skopeo 1.9.3) printed these, except kClassicApp: see ClassicFixture.
constexpr char kClassicBusybox[] =
    "sha256:4c2fd39d6e66551d01650d7a2e24b68b08db286980b5f121c488db0f2f8c1bcb";
constexpr char kClassicApp[] =
    "sha256:16894794bb59027ece37efbb422135e11bba5c993fefa3e7227f2cdb37166743";
constexpr char kDocker25App[] =
    "sha256:d5a56eedd74c321a22414dda2b202abb2bfe5c5330e7a781eb60ab574c1a35c2";
// Layers one, two and three of the fixtures (their diff_ids).
constexpr char kOne[] =
    "sha256:f267ba0271fac29940a133a065a2926bb97eed6e6a9c2064571ac26b8c96592f";
constexpr char kTwo[] =
    "sha256:0148a0525f4e2513e36fc0fc8157e3d8c52231adf525fa44b2bc8775cde8b621";
constexpr char kThree[] =
    "sha256:511c1f2e0541c977b7e563eae2efb5f57893488dad80290e48c5a58ef437f93d";

// Unpacks a fixture as the docker-archive transport does.
std::string Unpack(const std::string& archive) {
  std::string dir = JoinPath(NewDir(), "unpacked");
  EXPECT_TRUE(MakeDirs(dir).ok());
  ExtractOptions options;
  options.resolve_symlinks = true;
  absl::Status s = ExtractArchive(archive, dir, options);
  EXPECT_TRUE(s.ok()) << s;
  return dir;
}

// (ref name, digest) of every index.json entry.
std::vector<std::pair<std::string, std::string>> Entries(const oci::Layout& layout) {
  std::vector<std::pair<std::string, std::string>> out;
  absl::StatusOr<oci::Index> index = layout.ReadIndex();
  EXPECT_TRUE(index.ok()) << index.status();
  if (!index.ok()) return out;
  for (const oci::Descriptor& d : index->manifests) {
    out.emplace_back(d.Annotation(oci::kRefNameAnnotation), d.digest());
  }
  return out;
}

std::string Blob(const oci::Layout& layout, const std::string& digest) {
  absl::StatusOr<std::string> bytes = ReadFile(layout.BlobPath(digest));
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : "";
}

// The manifest skopeo synthesizes, as Go's encoding/json writes it.
std::string SkopeoManifest(const std::string& config_digest, int config_size,
                           const std::vector<std::pair<std::string, int>>& layers) {
  std::string out = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution."
      "manifest.v2+json\",\"config\":{\"mediaType\":\"application/vnd.docker."
      "container.image.v1+json\",\"size\":",
      config_size, ",\"digest\":\"", config_digest, "\"},\"layers\":[");
  for (size_t i = 0; i < layers.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "",
                    "{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar."
                    "gzip\",\"size\":",
                    layers[i].second, ",\"digest\":\"", layers[i].first, "\"}");
  }
  return out + "]}";
}

TEST(DockerArchiveToLayout, ClassicFixtureAsSkopeoSynthesizesIt) {
  std::string unpacked = Unpack(Fixture("classic.tar"));
  std::string out = JoinPath(NewDir(), "layout");
  ASSERT_TRUE(DockerArchiveToLayout("classic.tar", unpacked, "", out).ok());
  oci::Layout layout = *oci::Layout::Open(out);
  // RepoTags of @0 without host; @1 named by `repositories` alone.
  EXPECT_THAT(Entries(layout),
              ElementsAre(Pair("library/busybox:latest", kClassicBusybox),
                          Pair("team/tool:1.0", kClassicBusybox),
                          Pair("team/app:v2", kClassicApp)));
  EXPECT_EQ(Blob(layout, kClassicBusybox),
            SkopeoManifest("sha256:38e92b3cc4e5c269a8c661f66e0e878a26b5ea0f35b1ad8d9628927e59fd49be",
                           518, {{kOne, 2048}, {kTwo, 2560}}));
  EXPECT_EQ(Sha256::DigestOf(Blob(layout, kClassicBusybox)), kClassicBusybox);
  // @1's first layer is a symbolic link in the archive: its real size here,
  // where skopeo 1.9 writes 0 (and then fails to copy the image).
  EXPECT_EQ(Blob(layout, kClassicApp),
            SkopeoManifest("sha256:291ce60ebc4b3b57341c4c38af5f59ab79cd97258f6bca16952ec2f74d66c8d6",
                           514, {{kOne, 2048}, {kThree, 2048}}));
  // Plain layers are the unpacked files, linked.
  EXPECT_EQ(Stat(layout.BlobPath(kThree))->inode,
            Stat(JoinPath(unpacked,
                          "a5b8a70a58e4b20547c5a963d17086a103d9be374a41276e7779c7b93ee4feab/"
                          "layer.tar"))->inode);
  EXPECT_EQ(Sha256::DigestOf(Blob(layout, kOne)), kOne);
  EXPECT_EQ(Sha256::DigestOf(Blob(layout, kThree)), kThree);
}

TEST(DockerArchiveToLayout, Docker25FixtureWithCompressedLayers) {
  // An OCI layout inside, layers plain, gzip and zstd: decompressed here.
  std::string unpacked = Unpack(Fixture("docker25.tar"));
  std::string out = JoinPath(NewDir(), "layout");
  ASSERT_TRUE(DockerArchiveToLayout("docker25.tar", unpacked, "", out).ok());
  oci::Layout layout = *oci::Layout::Open(out);
  EXPECT_THAT(Entries(layout), ElementsAre(Pair("team/app:v1", kDocker25App)));
  EXPECT_EQ(Blob(layout, kDocker25App),
            SkopeoManifest("sha256:4cf3f286775f9ab23290a56aba9f944aa8ab59a5bf82f832d7c71f4f5eafb887",
                           663, {{kOne, 2048}, {kTwo, 2560}, {kThree, 2048}}));
  for (const char* d : {kOne, kTwo, kThree}) {
    EXPECT_EQ(Sha256::DigestOf(Blob(layout, d)), d);
  }
}

TEST(DockerArchiveToLayout, RefPicksOneImage) {
  std::string unpacked = Unpack(Fixture("classic.tar"));
  struct Case {
    std::string ref;
    absl::StatusCode code;
    std::string want;  // the digest, or part of the message
  } cases[] = {
      {"busybox", absl::StatusCode::kOk, kClassicBusybox},
      {"busybox:latest", absl::StatusCode::kOk, kClassicBusybox},
      {"docker.io/library/busybox:latest", absl::StatusCode::kOk, kClassicBusybox},
      {"index.docker.io/library/busybox", absl::StatusCode::kOk, kClassicBusybox},
      {"example.com:5000/team/tool:1.0", absl::StatusCode::kOk, kClassicBusybox},
      {"@0", absl::StatusCode::kOk, kClassicBusybox},
      {"@1", absl::StatusCode::kOk, kClassicApp},
      // RepoTags are what a name matches, as in skopeo; `repositories` and a
      // host-less spelling of a registry's name are not.
      {"team/app:v2", absl::StatusCode::kNotFound,
       "no image tagged \"team/app:v2\" (it has: @0 busybox:latest "
       "example.com:5000/team/tool:1.0, @1 (no RepoTags))"},
      {"team/tool:1.0", absl::StatusCode::kNotFound, "no image tagged"},
      {"busybox:1.36", absl::StatusCode::kNotFound, "no image tagged"},
      {"@2", absl::StatusCode::kNotFound, "no image @2; it holds 2"},
      {"@x", absl::StatusCode::kInvalidArgument, "is no image index"},
      {"@", absl::StatusCode::kInvalidArgument, "is no image index"},
      {"@-1", absl::StatusCode::kInvalidArgument, "is no image index"},
      {"Busybox", absl::StatusCode::kInvalidArgument, "is neither NAME[:TAG] nor @N"},
      {"busybox@sha256:" + std::string(64, 'a'), absl::StatusCode::kInvalidArgument,
       "not digest"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.ref);
    std::string out = JoinPath(NewDir(), "layout");
    absl::Status s = DockerArchiveToLayout("classic.tar", unpacked, c.ref, out);
    ASSERT_EQ(s.code(), c.code) << s;
    if (!s.ok()) {
      EXPECT_THAT(Msg(s), StartsWith("classic.tar: "));
      EXPECT_THAT(Msg(s), HasSubstr(c.want));
      continue;
    }
    std::vector<std::pair<std::string, std::string>> entries =
        Entries(*oci::Layout::Open(out));
    ASSERT_FALSE(entries.empty());
    for (const auto& [name, digest] : entries) EXPECT_EQ(digest, c.want) << name;
  }
}

// A small docker archive tree written by hand, to break in one way at a time.
class HandMadeArchive {
 public:
  HandMadeArchive() : dir_(JoinPath(NewDir(), "unpacked")) {
    layers_ = {"first layer", "second layer"};
    layer_names_ = {"l1.tar", "sub/l2.tar"};
    repo_tags_ = "[\"team/hand:1\"]";
  }

  std::string Config() const {
    std::string ids;
    for (const std::string& l : layers_) {
      absl::StrAppend(&ids, ids.empty() ? "" : ",", "\"", Sha256::DigestOf(l), "\"");
    }
    return absl::StrCat("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{",
                        "\"type\":\"layers\",\"diff_ids\":[", diff_ids_.empty() ? ids : diff_ids_,
                        "]}}");
  }

  std::string ManifestJson() const {
    std::string layers;
    for (const std::string& n : layer_names_) {
      absl::StrAppend(&layers, layers.empty() ? "" : ",", "\"", n, "\"");
    }
    return absl::StrCat("[{\"Config\":\"", config_name_, "\",\"RepoTags\":", repo_tags_,
                        ",\"Layers\":[", layers, "]}]");
  }

  // Writes the tree; returns its folder.
  std::string Write() const {
    EXPECT_TRUE(MakeDirs(JoinPath(dir_, "sub")).ok());
    EXPECT_TRUE(WriteFileAtomic(JoinPath(dir_, "config.json"), Config()).ok());
    for (size_t i = 0; i < layers_.size() && i < layer_names_.size(); ++i) {
      if (layer_files_.count(i) != 0) {
        EXPECT_TRUE(WriteFileAtomic(JoinPath(dir_, layer_names_[i]), layer_files_.at(i)).ok());
      } else if (layer_names_[i][0] != '/' && layer_names_[i].find("..") == std::string::npos &&
                 skip_.count(layer_names_[i]) == 0) {
        EXPECT_TRUE(WriteFileAtomic(JoinPath(dir_, layer_names_[i]), layers_[i]).ok());
      }
    }
    if (write_manifest_) {
      EXPECT_TRUE(WriteFileAtomic(JoinPath(dir_, "manifest.json"),
                                  manifest_override_.empty() ? ManifestJson()
                                                             : manifest_override_)
                      .ok());
    }
    return dir_;
  }

  std::string dir_;
  std::vector<std::string> layers_;       // uncompressed contents
  std::vector<std::string> layer_names_;  // paths in manifest.json
  std::map<size_t, std::string> layer_files_;  // file contents, when not the layer
  std::string diff_ids_;                  // overrides the config's diff_ids
  std::string config_name_ = "config.json";
  std::string repo_tags_;
  std::string manifest_override_;
  std::set<std::string> skip_;  // layer files not to write
  bool write_manifest_ = true;
};

TEST(DockerArchiveToLayout, HandMadeArchiveConverts) {
  HandMadeArchive h;
  std::string out = JoinPath(NewDir(), "layout");
  ASSERT_TRUE(DockerArchiveToLayout("hand.tar", h.Write(), "", out).ok());
  oci::Layout layout = *oci::Layout::Open(out);
  std::string config = h.Config();
  std::string manifest = SkopeoManifest(
      Sha256::DigestOf(config), static_cast<int>(config.size()),
      {{Sha256::DigestOf("first layer"), 11}, {Sha256::DigestOf("second layer"), 12}});
  EXPECT_THAT(Entries(layout), ElementsAre(Pair("team/hand:1", Sha256::DigestOf(manifest))));
  EXPECT_EQ(Blob(layout, Sha256::DigestOf(manifest)), manifest);
  EXPECT_EQ(Blob(layout, Sha256::DigestOf(config)), config);
}

TEST(DockerArchiveToLayout, DuplicateLayersAreListedTwiceAsInTheConfig) {
  HandMadeArchive h;
  h.layers_ = {"same", "same"};
  h.layer_names_ = {"l1.tar", "l1.tar"};
  std::string out = JoinPath(NewDir(), "layout");
  ASSERT_TRUE(DockerArchiveToLayout("hand.tar", h.Write(), "", out).ok());
  std::string config = h.Config();
  std::string manifest = SkopeoManifest(
      Sha256::DigestOf(config), static_cast<int>(config.size()),
      {{Sha256::DigestOf("same"), 4}, {Sha256::DigestOf("same"), 4}});
  EXPECT_THAT(Entries(*oci::Layout::Open(out)),
              ElementsAre(Pair("team/hand:1", Sha256::DigestOf(manifest))));
}

TEST(DockerArchiveToLayout, NamesFromRepositoriesByChainIdAsSkopeoWritesThem) {
  HandMadeArchive h;
  h.repo_tags_ = "null";
  std::string chain = Sha256::DigestOf(absl::StrCat(Sha256::DigestOf("first layer"), " ",
                                                    Sha256::DigestOf("second layer")));
  std::string dir = h.Write();
  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, "repositories"),
                              absl::StrCat("{\"quay.io/team/x\":{\"7\":\"", chain.substr(7),
                                           "\"},\"other\":{\"1\":\"abc\"}}"))
                  .ok());
  std::string out = JoinPath(NewDir(), "layout");
  ASSERT_TRUE(DockerArchiveToLayout("hand.tar", dir, "", out).ok());
  std::vector<std::pair<std::string, std::string>> entries =
      Entries(*oci::Layout::Open(out));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].first, "team/x:7");
}

TEST(DockerArchiveToLayout, UnnamedImageHasAnUnnamedEntry) {
  HandMadeArchive h;
  h.repo_tags_ = "[]";
  std::string out = JoinPath(NewDir(), "layout");
  ASSERT_TRUE(DockerArchiveToLayout("hand.tar", h.Write(), "", out).ok());
  std::vector<std::pair<std::string, std::string>> entries =
      Entries(*oci::Layout::Open(out));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].first, "");
}

TEST(DockerArchiveToLayout, DamagedArchivesAreOneClearError) {
  struct Case {
    std::string name;
    std::function<void(HandMadeArchive&)> damage;
    absl::StatusCode code;
    std::string message;
  };
  const std::string one = Sha256::DigestOf("first layer");
  const std::vector<Case> cases = {
      {"no manifest.json", [](HandMadeArchive& h) { h.write_manifest_ = false; },
       absl::StatusCode::kInvalidArgument,
       "hand.tar: no entry \"manifest.json\" at the archive's top"},
      {"manifest.json not JSON",
       [](HandMadeArchive& h) { h.manifest_override_ = "[{"; },
       absl::StatusCode::kDataLoss, "hand.tar: entry \"manifest.json\": invalid JSON"},
      {"manifest.json not an array",
       [](HandMadeArchive& h) { h.manifest_override_ = "{}"; },
       absl::StatusCode::kDataLoss, "is not a JSON array"},
      {"no Config",
       [](HandMadeArchive& h) { h.manifest_override_ = "[{\"Layers\":[]}]"; },
       absl::StatusCode::kDataLoss, "manifest.json item @0: missing \"Config\""},
      {"no Layers",
       [](HandMadeArchive& h) { h.manifest_override_ = "[{\"Config\":\"config.json\"}]"; },
       absl::StatusCode::kDataLoss, "manifest.json item @0 has no \"Layers\" array"},
      {"layer path climbs out",
       [](HandMadeArchive& h) { h.layer_names_[1] = "../outside.tar"; },
       absl::StatusCode::kDataLoss,
       "manifest.json item @0: layer \"../outside.tar\" climbs out of the archive"},
      {"layer path absolute",
       [](HandMadeArchive& h) { h.layer_names_[1] = "/etc/passwd"; },
       absl::StatusCode::kDataLoss, "layer \"/etc/passwd\" is an absolute name"},
      {"config path climbs out",
       [](HandMadeArchive& h) { h.config_name_ = "sub/../../config.json"; },
       absl::StatusCode::kDataLoss, "Config \"sub/../../config.json\" climbs out"},
      {"layer missing",
       [](HandMadeArchive& h) {
         h.layer_names_[1] = "gone.tar";
         h.skip_.insert("gone.tar");
       },
       absl::StatusCode::kDataLoss,
       "manifest.json item @0 names layer 1 \"gone.tar\", which is no file"},
      {"layer names a folder",
       [](HandMadeArchive& h) {
         h.layer_names_[1] = "sub";
         h.skip_.insert("sub");
       },
       absl::StatusCode::kDataLoss,
       "manifest.json item @0 names layer 1 \"sub\", which is no file of the archive"},
      {"layer does not match its diff_id",
       [](HandMadeArchive& h) { h.layer_files_[1] = "tampered layer"; },
       absl::StatusCode::kDataLoss,
       "hand.tar: entry \"sub/l2.tar\" (layer 1 of manifest.json item @0) hashes to " +
           Sha256::DigestOf("tampered layer") + ", but its config lists diff_id " +
           Sha256::DigestOf("second layer")},
      {"damaged gzip layer",
       [](HandMadeArchive& h) { h.layer_files_[0] = std::string("\x1f\x8b\x08\x00garbage", 11); },
       absl::StatusCode::kDataLoss,
       "entry \"l1.tar\" (layer 0 of manifest.json item @0) is gzip-compressed and "
       "cannot be decompressed"},
      {"fewer diff_ids than layers",
       [one](HandMadeArchive& h) { h.diff_ids_ = "\"" + one + "\""; },
       absl::StatusCode::kDataLoss,
       "manifest.json item @0 lists 2 layers, but its config \"config.json\" has 1 diff_ids"},
      {"diff_id not a digest",
       [](HandMadeArchive& h) { h.diff_ids_ = "\"sha256:abc\",\"x\""; },
       absl::StatusCode::kDataLoss, "diff_id \"sha256:abc\" is not a sha256 digest"},
      {"config not JSON",
       [](HandMadeArchive& h) { h.layer_files_[0] = "first layer"; h.config_name_ = "sub/l2.tar"; },
       absl::StatusCode::kDataLoss,
       "entry \"sub/l2.tar\" (the config of manifest.json item @0): invalid JSON"},
      {"RepoTags not a name",
       [](HandMadeArchive& h) { h.repo_tags_ = "[\"Team/Hand:1\"]"; },
       absl::StatusCode::kDataLoss, "RepoTags \"Team/Hand:1\" is no valid name"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HandMadeArchive h;
    c.damage(h);
    std::string dir = h.Write();
    std::string out = JoinPath(NewDir(), "layout");
    absl::Status s = DockerArchiveToLayout("hand.tar", dir, "", out);
    EXPECT_EQ(s.code(), c.code) << s;
    EXPECT_THAT(Msg(s), StartsWith("hand.tar: "));
    EXPECT_THAT(Msg(s), HasSubstr(c.message));
    EXPECT_EQ(Msg(s).find('\n'), std::string::npos);
  }
}

TEST(FamiliarName, AsDockerSaveWritesIt) {
  EXPECT_EQ(FamiliarName("library/busybox", "latest"), "busybox:latest");
  EXPECT_EQ(FamiliarName("team/app", "v1"), "team/app:v1");
  EXPECT_EQ(FamiliarName("library/a/b", "1"), "library/a/b:1");
  struct Case {
    std::string in, want;
  } cases[] = {
      {"busybox", "busybox:latest"},
      {"docker.io/library/busybox:1.36", "busybox:1.36"},
      {"library/busybox:1", "busybox:1"},
      {"team/app:v1", "team/app:v1"},
      {"localhost:5000/app:v1", "localhost:5000/app:v1"},
      {"example.com/team/app", "example.com/team/app:latest"},
  };
  for (const Case& c : cases) EXPECT_EQ(*DockerArchiveName(c.in), c.want) << c.in;
  EXPECT_EQ(DockerArchiveName("UPPER:1").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(DockerArchiveName("app@sha256:" + std::string(64, 'a')).status()),
              HasSubstr("by tag, not digest"));
}

// Names the images of `layout` (all entries of `digest`) for export.
void Rename(const oci::Layout& layout,
            const std::vector<std::pair<std::string, std::string>>& names) {
  oci::Index index = *layout.ReadIndex();
  std::vector<oci::Descriptor> out;
  for (const auto& [name, digest] : names) {
    for (const oci::Descriptor& d : index.manifests) {
      if (d.digest() != digest) continue;
      oci::Descriptor e = d;
      e.SetAnnotation(oci::kRefNameAnnotation, name);
      out.push_back(e);
      break;
    }
  }
  index.manifests = out;
  ASSERT_TRUE(layout.WriteIndex(index).ok());
}

TEST(LayoutToDockerArchive, WritesWhatItReadsBackDeterministically) {
  std::string base = NewDir();
  std::string out = JoinPath(base, "layout");
  ASSERT_TRUE(
      DockerArchiveToLayout("classic.tar", Unpack(Fixture("classic.tar")), "", out).ok());
  oci::Layout layout = *oci::Layout::Open(out);
  Rename(layout, {{"busybox:latest", kClassicBusybox},
                  {"example.com:5000/team/tool:1.0", kClassicBusybox},
                  {"team/app:v2", kClassicApp}});
  unsetenv("SOURCE_DATE_EPOCH");
  std::string tar = JoinPath(base, "out.tar");
  std::string work = JoinPath(base, "work");
  ASSERT_TRUE(MakeDirs(work).ok());
  absl::Status s = LayoutToDockerArchive(layout, work, tar);
  ASSERT_TRUE(s.ok()) << s;

  std::string unpacked = Unpack(tar);
  EXPECT_THAT(*ListDir(unpacked),
              ElementsAre(std::string(oci::DigestHex(kTwo)) + ".tar",
                          "291ce60ebc4b3b57341c4c38af5f59ab79cd97258f6bca16952ec2f74d66c8d6.json",
                          "38e92b3cc4e5c269a8c661f66e0e878a26b5ea0f35b1ad8d9628927e59fd49be.json",
                          std::string(oci::DigestHex(kThree)) + ".tar",
                          std::string(oci::DigestHex(kOne)) + ".tar", "manifest.json",
                          "repositories"));
  std::string hex1(oci::DigestHex(kOne)), hex2(oci::DigestHex(kTwo)),
      hex3(oci::DigestHex(kThree));
  EXPECT_EQ(*ReadFile(JoinPath(unpacked, "manifest.json")),
            absl::StrCat("[{\"Config\":\"38e92b3cc4e5c269a8c661f66e0e878a26b5ea0f35b1ad8d9628927e59fd49be.json\","
                         "\"RepoTags\":[\"busybox:latest\",\"example.com:5000/team/tool:1.0\"],"
                         "\"Layers\":[\"", hex1, ".tar\",\"", hex2, ".tar\"]},"
                         "{\"Config\":\"291ce60ebc4b3b57341c4c38af5f59ab79cd97258f6bca16952ec2f74d66c8d6.json\","
                         "\"RepoTags\":[\"team/app:v2\"],\"Layers\":[\"", hex1, ".tar\",\"", hex3,
                         ".tar\"]}]"));
  std::string top0 = Sha256::DigestOf(absl::StrCat(kOne, " ", kTwo)).substr(7);
  std::string top1 = Sha256::DigestOf(absl::StrCat(kOne, " ", kThree)).substr(7);
  EXPECT_EQ(*ReadFile(JoinPath(unpacked, "repositories")),
            absl::StrCat("{\"busybox\":{\"latest\":\"", top0,
                         "\"},\"example.com:5000/team/tool\":{\"1.0\":\"", top0,
                         "\"},\"team/app\":{\"v2\":\"", top1, "\"}}"));
  // Read back, the same images.
  std::string again = JoinPath(base, "again");
  ASSERT_TRUE(DockerArchiveToLayout("out.tar", unpacked, "", again).ok());
  EXPECT_THAT(Entries(*oci::Layout::Open(again)),
              ElementsAre(Pair("library/busybox:latest", kClassicBusybox),
                          Pair("team/tool:1.0", kClassicBusybox),
                          Pair("team/app:v2", kClassicApp)));
  // Deterministic: the same bytes a second time.
  std::string tar2 = JoinPath(base, "out2.tar");
  std::string work2 = JoinPath(base, "work2");
  ASSERT_TRUE(MakeDirs(work2).ok());
  ASSERT_TRUE(LayoutToDockerArchive(layout, work2, tar2).ok());
  EXPECT_TRUE(*ReadFile(tar) == *ReadFile(tar2));
}

struct WriteDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

std::string Gzip(const std::string& data) {
  std::string path = JoinPath(NewDir(), "x.gz");
  std::unique_ptr<struct archive, WriteDeleter> a(archive_write_new());
  EXPECT_EQ(archive_write_add_filter_gzip(a.get()), ARCHIVE_OK);
  EXPECT_EQ(archive_write_set_format_raw(a.get()), ARCHIVE_OK);
  EXPECT_EQ(archive_write_open_filename(a.get(), path.c_str()), ARCHIVE_OK);
  std::unique_ptr<struct archive_entry, EntryDeleter> e(archive_entry_new());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
  EXPECT_EQ(archive_write_header(a.get(), e.get()), ARCHIVE_OK);
  EXPECT_EQ(archive_write_data(a.get(), data.data(), data.size()),
            static_cast<la_ssize_t>(data.size()));
  EXPECT_EQ(archive_write_close(a.get()), ARCHIVE_OK);
  return *ReadFile(path);
}

// An OCI layout with one image whose layer is gzip-compressed, named `name`;
// `diff_id` overrides the config's.
oci::Layout GzipImageLayout(const std::string& name, const std::string& layer,
                            std::string diff_id = "") {
  oci::Layout layout = *oci::Layout::OpenOrCreate(JoinPath(NewDir(), "layout"));
  if (diff_id.empty()) diff_id = Sha256::DigestOf(layer);
  std::string gz = Gzip(layer);
  std::string config = absl::StrCat(
      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
      "\"diff_ids\":[\"", diff_id, "\"]}}");
  std::string manifest = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"", oci::kOciManifest,
      "\",\"config\":{\"mediaType\":\"", oci::kOciConfig, "\",\"digest\":\"",
      *layout.WriteBlob(config), "\",\"size\":", config.size(),
      "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
      "\"digest\":\"", *layout.WriteBlob(gz), "\",\"size\":", gz.size(), "}]}");
  std::string digest = *layout.WriteBlob(manifest);
  oci::Index index = *layout.ReadIndex();
  oci::Descriptor d = oci::Descriptor::Make(oci::kOciManifest, digest,
                                            static_cast<int64_t>(manifest.size()));
  d.SetAnnotation(oci::kRefNameAnnotation, name);
  index.manifests.push_back(d);
  EXPECT_TRUE(layout.WriteIndex(index).ok());
  return layout;
}

TEST(LayoutToDockerArchive, DecompressesLayersAndChecksTheirDiffIds) {
  std::string base = NewDir();
  oci::Layout layout = GzipImageLayout("team/gz:1", "the uncompressed layer");
  std::string tar = JoinPath(base, "gz.tar");
  std::string work = JoinPath(base, "work");
  ASSERT_TRUE(MakeDirs(work).ok());
  ASSERT_TRUE(LayoutToDockerArchive(layout, work, tar).ok());
  std::string unpacked = Unpack(tar);
  std::string hex(oci::DigestHex(Sha256::DigestOf("the uncompressed layer")));
  EXPECT_EQ(*ReadFile(JoinPath(unpacked, hex + ".tar")), "the uncompressed layer");

  std::string wrong = Sha256::DigestOf("something else");
  oci::Layout bad = GzipImageLayout("team/gz:1", "the uncompressed layer", wrong);
  std::string bad_tar = JoinPath(base, "bad.tar");
  std::string work2 = JoinPath(base, "work2");
  ASSERT_TRUE(MakeDirs(work2).ok());
  absl::Status s = LayoutToDockerArchive(bad, work2, bad_tar);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(Msg(s), StartsWith("team/gz:1: layer 0 (sha256:"));
  EXPECT_THAT(Msg(s), HasSubstr("decompresses (gzip) to sha256:" + hex +
                                ", but the config's diff_id 0 is " + wrong));
  EXPECT_FALSE(Exists(bad_tar));
}

TEST(LayoutToDockerArchive, RefusesWhatADockerArchiveCannotHold) {
  std::string base = NewDir();
  // An index.
  oci::Layout layout = *oci::Layout::OpenOrCreate(JoinPath(base, "layout"));
  std::string index_json = "{\"schemaVersion\":2,\"manifests\":[]}";
  oci::Descriptor d = oci::Descriptor::Make(oci::kOciIndex, *layout.WriteBlob(index_json),
                                            static_cast<int64_t>(index_json.size()));
  d.SetAnnotation(oci::kRefNameAnnotation, "team/multi:1");
  oci::Index index = *layout.ReadIndex();
  index.manifests = {d};
  ASSERT_TRUE(layout.WriteIndex(index).ok());
  std::string work = JoinPath(base, "work");
  ASSERT_TRUE(MakeDirs(work).ok());
  absl::Status s = LayoutToDockerArchive(layout, work, JoinPath(base, "x.tar"));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(Msg(s), HasSubstr("team/multi:1 is a multi-platform image index"));
  EXPECT_THAT(Msg(s), HasSubstr("--platform"));
  // An artifact.
  std::string config = "{}";
  std::string manifest = absl::StrCat(
      "{\"schemaVersion\":2,\"mediaType\":\"", oci::kOciManifest,
      "\",\"config\":{\"mediaType\":\"application/vnd.example.sbom.v1+json\",\"digest\":\"",
      *layout.WriteBlob(config), "\",\"size\":2},\"layers\":[]}");
  d = oci::Descriptor::Make(oci::kOciManifest, *layout.WriteBlob(manifest),
                            static_cast<int64_t>(manifest.size()));
  d.SetAnnotation(oci::kRefNameAnnotation, "team/sbom:1");
  index.manifests = {d};
  ASSERT_TRUE(layout.WriteIndex(index).ok());
  s = LayoutToDockerArchive(layout, work, JoinPath(base, "x.tar"));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(Msg(s), HasSubstr("team/sbom:1 is not a container image (its config is "
                                "application/vnd.example.sbom.v1+json)"));
  // No name.
  d.RemoveAnnotation(oci::kRefNameAnnotation);
  index.manifests = {d};
  ASSERT_TRUE(layout.WriteIndex(index).ok());
  s = LayoutToDockerArchive(layout, work, JoinPath(base, "x.tar"));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_FALSE(Exists(JoinPath(base, "x.tar")));
}

}  // namespace
}  // namespace stowage::archive
