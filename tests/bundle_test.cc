// End-to-end: stowage bundle create/verify/import with real images built by
// umoci, skopeo and buildah (tests/images/make_images.sh), and skopeo
// reading bundles as oci-archive:.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::CountLines;
using ::stowage::testing::MakeImages;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::RefDigest;
using ::stowage::testing::Result;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::StowageBinary;
using ::stowage::testing::Trim;
using ::testing::HasSubstr;
using ::testing::Not;

class BundleTest : public ::testing::Test {
 protected:
  // One source store for every test: five repositories, seven tags, that
  // share layers (team/docker:v1 and team/art:v1 reuse team/app:v1's).
  static void SetUpTestSuite() {
    std::string root = MakeTempDir();
    images_ = new std::string(root + "/images");
    Result r = MakeImages(*images_);
    ASSERT_EQ(r.exit_code, 0) << "make_images.sh failed: " << r.err;
    source_ = new std::string(root + "/source");
    ASSERT_EQ(Stowage({"init", *source_}).exit_code, 0);
    const std::vector<std::vector<std::string>> imports = {
        {"oci:" + Images("single") + ":v1", "team/app:v1"},
        {"oci:" + Images("docker") + ":v1", "team/docker:v1"},
        {"oci:" + Images("multi"), "library/multi:latest"},
        {"--all", "oci:" + Images("multiref"), "team/mr"},
        {"--all", "oci:" + Images("artifact"), "team/art"},
    };
    for (std::vector<std::string> args : imports) {
      args.insert(args.begin(), {"import", "--store", *source_});
      Result imp = Stowage(args);
      ASSERT_EQ(imp.exit_code, 0) << imp.err;
    }
    Result meta = Stowage({"repo", "set", "--store", *source_, "team/app", "--short",
                           "The app", "--stars", "7", "--automated",
                           "--namespace-title", "Team Platform"});
    ASSERT_EQ(meta.exit_code, 0) << meta.err;
    meta = Stowage({"repo", "set", "--store", *source_, "library/multi", "--official"});
    ASSERT_EQ(meta.exit_code, 0) << meta.err;
  }

  void SetUp() override { work_ = MakeTempDir(); }

  static std::string Images(const std::string& name) { return *images_ + "/" + name; }

  // A fresh empty store under the test's folder.
  std::string NewStore(const std::string& name) {
    std::string dir = work_ + "/" + name;
    EXPECT_EQ(Stowage({"init", dir}).exit_code, 0);
    return dir;
  }

  // stowage bundle SUB ARGS... --store STORE
  static Result Bundle(const std::string& sub, const std::string& store,
                       std::vector<std::string> args) {
    args.insert(args.begin(), {"bundle", sub, "--store", store});
    return Stowage(args);
  }
  static Result Verify(const std::string& file) {
    return Stowage({"bundle", "verify", file});
  }

  // "REPOSITORY:TAG DIGEST" lines of a store, sorted.
  static std::string Tags(const std::string& store) {
    return Shell("jq -r '.manifests[] | .annotations[\"org.opencontainers.image.ref.name\"] + "
                 "\" \" + .digest' " + store + "/index.json | sort")
        .out;
  }
  static size_t FileSize(const std::string& path) {
    return std::stoul(Trim(Shell("stat -c %s " + path).out));
  }
  static std::string Sha(const std::string& path) {
    return Trim(Shell("sha256sum < " + path + " | cut -c1-64").out);
  }

  static std::string* images_;
  static std::string* source_;
  std::string work_;
};

std::string* BundleTest::images_ = nullptr;
std::string* BundleTest::source_ = nullptr;

TEST_F(BundleTest, ManyRepositoriesEachBlobOnceAndSkopeoReadsIt) {
  std::string file = work_ + "/all.tar";
  Result c = Bundle("create", *source_, {file, "--all"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_THAT(c.err, HasSubstr("7 tags of 5 repositories"));

  // Each blob once: the entries are the store's blobs, and the bundle is
  // hardly bigger than they are, although the repositories together name
  // far more bytes (shared layers counted once per repository).
  Result listing = Shell("tar -tf " + file);
  ASSERT_EQ(listing.exit_code, 0);
  std::vector<std::string> entries = absl::StrSplit(Trim(listing.out), '\n');
  ASSERT_GE(entries.size(), 5u);
  EXPECT_EQ(entries[0], "stowage-bundle.json");
  EXPECT_EQ(entries[1], "oci-layout");
  EXPECT_EQ(entries[2], "index.json");
  Result blobs = Shell("tar -tf " + file + " | grep -c '^blobs/sha256/.'");
  Result store_blobs = Shell("ls " + *source_ + "/blobs/sha256 | wc -l");
  EXPECT_EQ(Trim(blobs.out), Trim(store_blobs.out));
  Result dup = Shell("tar -tf " + file + " | sort | uniq -d");
  EXPECT_EQ(dup.out, "");
  size_t store_bytes = std::stoul(Trim(Shell("cat " + *source_ + "/blobs/sha256/* | wc -c").out));
  size_t bundle_bytes = FileSize(file);
  EXPECT_GE(bundle_bytes, store_bytes);
  EXPECT_LT(bundle_bytes, store_bytes + 64 * 1024);
  // What per-repository archives would hold: every tag's blobs again.
  size_t per_repo = 0;
  for (const char* repo : {"team/app", "team/docker", "library/multi", "team/mr", "team/art"}) {
    std::string out = work_ + "/per-" + std::to_string(per_repo);
    Result e = Stowage({"export", "--store", *source_, "--all-tags", repo, "oci-archive:" + out});
    ASSERT_EQ(e.exit_code, 0) << e.err;
    per_repo += FileSize(out);
  }
  EXPECT_GT(per_repo, bundle_bytes + 2 * 1000 * 1000) << "shared layers were not shared";

  // The manifest lists what the store holds, with the catalog.
  Result m = Shell("tar -xOf " + file + " stowage-bundle.json | jq -r "
                   "'(.images | length), (.blobs | length), .catalog.repositories[\"team/app\"].stars, "
                   ".catalog.namespaces.team.title'");
  EXPECT_EQ(m.out, "7\n" + Trim(store_blobs.out) + "\n7\nTeam Platform\n") << m.err;

  // skopeo reads it as an OCI archive, by the store's names.
  for (const char* ref : {"team/app:v1", "team/mr:b"}) {
    Result copy = Shell("skopeo copy -q --preserve-digests oci-archive:" + file + ":" + ref +
                        " oci:" + work_ + "/copied:x");
    ASSERT_EQ(copy.exit_code, 0) << ref << ": " << copy.err;
    EXPECT_EQ(RefDigest(work_ + "/copied", "x"),
              RefDigest(*source_, ref)) << ref;
  }
  Result all = Shell("skopeo copy -q --all --preserve-digests oci-archive:" + file +
                     ":library/multi:latest oci:" + work_ + "/multi:m");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(RefDigest(work_ + "/multi", "m"), RefDigest(*source_, "library/multi:latest"));

  Result v = Verify(file);
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_THAT(v.out, HasSubstr(file + ": OK: 7 tags, " + Trim(store_blobs.out) + " blobs"));

  // Imported: the same tags, blobs and catalog.
  std::string target = NewStore("target");
  Result imp = Bundle("import", target, {file});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_EQ(CountLines(imp.out), 7u);
  EXPECT_EQ(Tags(target), Tags(*source_));
  EXPECT_EQ(Shell("ls " + target + "/blobs/sha256").out, Shell("ls " + *source_ + "/blobs/sha256").out);
  Result show = Stowage({"repo", "show", "--store", target, "team/app", "--json"});
  EXPECT_EQ(Trim(Shell("echo '" + show.out + "' | jq -c '[.short, .stars, .automated]'").out),
            "[\"The app\",7,true]");
  Result ns = Shell("jq -r '.namespaces.team.title, .repositories[\"library/multi\"].official' " +
                    target + "/stowage/catalog.json");
  EXPECT_EQ(ns.out, "Team Platform\ntrue\n");
  // skopeo reads the imported store too.
  Result sk = Shell("skopeo inspect oci:" + target + ":team/mr:a | jq -r .Digest");
  EXPECT_EQ(Trim(sk.out), RefDigest(*source_, "team/mr:a")) << sk.err;

  // Again: every blob is skipped.
  imp = Bundle("import", target, {file});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_THAT(imp.err, HasSubstr("0 blobs written"));
}

TEST_F(BundleTest, SameInputsSameBytes) {
  for (const char* compress : {"none", "gzip", "zstd"}) {
    std::string a = work_ + "/a-" + compress, b = work_ + "/b-" + compress;
    ASSERT_EQ(Bundle("create", *source_, {a, "--all", "--compress", compress}).exit_code, 0);
    ASSERT_EQ(Bundle("create", *source_, {b, "--all", "--compress", compress}).exit_code, 0);
    EXPECT_EQ(Shell("cmp " + a + " " + b).exit_code, 0) << compress;
    // skopeo reads every compression.
    Result copy = Shell("skopeo copy -q oci-archive:" + a + ":team/app:v1 oci:" + work_ +
                        "/c-" + compress + ":x");
    EXPECT_EQ(copy.exit_code, 0) << compress << ": " << copy.err;
    Result v = Verify(a);
    EXPECT_EQ(v.exit_code, 0) << compress << ": " << v.err;
  }
  // Compressed whole: zstd's and gzip's magic numbers open the files.
  EXPECT_EQ(Trim(Shell("od -An -tx1 -N4 " + work_ + "/a-zstd").out), "28 b5 2f fd");
  EXPECT_EQ(Trim(Shell("od -An -tx1 -N2 " + work_ + "/a-gzip").out), "1f 8b");
  // Fixed owner and time: 0:0, $SOURCE_DATE_EPOCH or 0.
  Result listing = Shell("tar --numeric-owner -tvf " + work_ + "/a-none | awk '{print $2, $4, $5}' | sort -u");
  EXPECT_EQ(listing.out, "0/0 1970-01-01 00:00\n");
  std::string epoch = work_ + "/epoch.tar";
  Result c = Shell("SOURCE_DATE_EPOCH=1704067200 " + StowageBinary() + " bundle create -q --store " +
                   *source_ + " " + epoch + " team/app");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  listing = Shell("TZ=UTC tar -tvf " + epoch + " | awk '{print $4}' | sort -u");
  EXPECT_EQ(listing.out, "2024-01-01\n");

  // A store filled from the bundle gives the same bundle again.
  std::string copy = NewStore("copy");
  ASSERT_EQ(Bundle("import", copy, {work_ + "/a-none"}).exit_code, 0);
  std::string again = work_ + "/again.tar";
  ASSERT_EQ(Bundle("create", copy, {again, "--all"}).exit_code, 0);
  EXPECT_EQ(Shell("cmp " + again + " " + work_ + "/a-none").exit_code, 0);
}

TEST_F(BundleTest, SplitPartsResumeAfterAMissingMiddlePart) {
  std::string file = work_ + "/usb/all.tar";
  Shell("mkdir -p " + work_ + "/usb");
  Result c = Bundle("create", *source_, {file, "--all", "--max-size", "1500k"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  Result ls = Shell("cd " + work_ + "/usb && ls");
  EXPECT_EQ(ls.out, "all.tar.001\nall.tar.002\nall.tar.003\nall.tar.004\nall.tar.parts.json\n");
  EXPECT_EQ(FileSize(file + ".001"), 1500000u);
  // The parts are the stream cut in pieces, each listed with its sha256.
  std::string whole = work_ + "/whole.tar";
  ASSERT_EQ(Bundle("create", *source_, {whole, "--all"}).exit_code, 0);
  EXPECT_EQ(Shell("cat " + file + ".0* | cmp - " + whole).exit_code, 0);
  Result listed = Shell("jq -r '.parts[1] | .name + \" \" + (.size|tostring) + \" \" + .digest' " +
                        file + ".parts.json");
  EXPECT_EQ(Trim(listed.out), "all.tar.002 1500000 sha256:" + Sha(file + ".002"));
  EXPECT_EQ(Verify(file).exit_code, 0);

  // The middle part is lost on the way.
  ASSERT_EQ(Shell("mv " + file + ".002 " + work_ + "/held").exit_code, 0);
  Result v = Verify(file);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_THAT(v.err, HasSubstr(file + ".002: missing (part 2 of 4)"));
  std::string target = NewStore("target");
  Result imp = Bundle("import", target, {file + ".parts.json"});
  EXPECT_EQ(imp.exit_code, 1);
  EXPECT_THAT(imp.err, HasSubstr(file + ".002: missing (part 2 of 4)"));
  EXPECT_THAT(imp.err, HasSubstr("nothing was tagged"));
  EXPECT_EQ(Tags(target), "");
  size_t kept = std::stoul(Trim(Shell("ls " + target + "/blobs/sha256 | wc -l").out));
  EXPECT_GT(kept, 0u) << "the blobs of part 1 should stay for the next run";

  // Back in place: import resumes, skipping what part 1 gave.
  ASSERT_EQ(Shell("mv " + work_ + "/held " + file + ".002").exit_code, 0);
  imp = Bundle("import", target, {file});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_THAT(imp.err, HasSubstr(absl::StrCat(kept, " already in the store")));
  EXPECT_EQ(Tags(target), Tags(*source_));

  // A part of another bundle, and a damaged part, are named.
  std::string other = work_ + "/other/all.tar";
  Shell("mkdir -p " + work_ + "/other");
  ASSERT_EQ(Bundle("create", *source_, {other, "team/app", "team/mr", "--max-size", "1500k"}).exit_code, 0);
  Shell("cp " + file + ".002 " + work_ + "/good002 && cp " + other + ".002 " + file + ".002");
  v = Verify(file);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_THAT(v.err, HasSubstr(file + ".002: damaged, or a part of another bundle: its sha256 is sha256:" +
                               Sha(other + ".002")));
  Shell("cp " + work_ + "/good002 " + file + ".002");
  Shell("printf X | dd of=" + file + ".003 bs=1 seek=700000 conv=notrunc status=none");
  v = Verify(file);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_THAT(v.err, HasSubstr(file + ".003: damaged, or a part of another bundle"));
  EXPECT_THAT(v.err, HasSubstr("content hashes to sha256:"));
  EXPECT_THAT(v.err, Not(HasSubstr(".002")));
}

TEST_F(BundleTest, DifferentialOnTopOfTheFirst) {
  std::string source = NewStore("source");
  ASSERT_EQ(Stowage({"import", "--store", source, "oci:" + Images("multi"), "library/multi:1"}).exit_code, 0);
  ASSERT_EQ(Stowage({"import", "--store", source, "oci:" + Images("single") + ":v1", "team/app:v1"}).exit_code, 0);
  std::string week1 = work_ + "/week1.tar";
  ASSERT_EQ(Bundle("create", source, {week1, "--all"}).exit_code, 0);

  // Week 2: one new tag whose index wraps week 1's (one new blob), and one
  // new image (new layers).
  ASSERT_EQ(Stowage({"import", "--store", source, "oci:" + Images("nested"), "library/nested:1"}).exit_code, 0);
  ASSERT_EQ(Stowage({"import", "--store", source, "oci:" + Images("multiref") + ":a", "team/mr:a"}).exit_code, 0);
  std::string week2 = work_ + "/week2.tar";
  Result c = Bundle("create", source, {week2, "--all", "--since", week1});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_THAT(c.err, HasSubstr("differential: left out"));
  Result m = Shell("tar -xOf " + week2 + " stowage-bundle.json | jq -r "
                   "'.since.bundle, (.blobs | length), (.omitted | length)'");
  Result week1_id = Shell("tar -xOf " + week1 + " stowage-bundle.json | sha256sum | cut -c1-64");
  Result week1_blobs = Shell("tar -xOf " + week1 + " stowage-bundle.json | jq '.blobs | length'");
  std::vector<std::string> fields = absl::StrSplit(Trim(m.out), '\n');
  ASSERT_EQ(fields.size(), 3u) << m.out << m.err;
  EXPECT_EQ(fields[0], "sha256:" + Trim(week1_id.out));
  EXPECT_EQ(fields[1], "5");  // nested's index, mr:a's manifest, config, 2 layers
  EXPECT_EQ(fields[2], Trim(week1_blobs.out));
  EXPECT_LT(FileSize(week2), FileSize(week1) + 1024 * 1024 + 64 * 1024);
  Result v = Verify(week2);
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_THAT(v.out, HasSubstr("differential"));

  // Without week 1, import refuses at once, naming each missing blob.
  std::string empty = NewStore("empty");
  Result imp = Bundle("import", empty, {week2});
  EXPECT_EQ(imp.exit_code, 1);
  EXPECT_EQ(CountLines(imp.err), std::stoul(Trim(week1_blobs.out)) + 1) << imp.err;
  std::string first_missing = Trim(Shell("tar -xOf " + week1 + " stowage-bundle.json | jq -r '.blobs[0].digest'").out);
  EXPECT_THAT(imp.err, HasSubstr(week2 + ": the store lacks blob " + first_missing));
  EXPECT_THAT(imp.err, HasSubstr("import that first"));
  EXPECT_EQ(Tags(empty), "");

  // On top of week 1, it completes.
  std::string target = NewStore("target");
  ASSERT_EQ(Bundle("import", target, {week1}).exit_code, 0);
  imp = Bundle("import", target, {week2});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_THAT(imp.err, HasSubstr("5 blobs written"));
  EXPECT_EQ(Tags(target), Tags(source));

  // A list of digests works as the base too (what the other side has).
  std::string have = work_ + "/have.txt";
  Shell("(echo '# blobs of the air-gapped store'; ls " + target + "/blobs/sha256) > " + have);
  ASSERT_EQ(Stowage({"import", "--store", source, "oci:" + Images("multiref") + ":b", "team/mr:b"}).exit_code, 0);
  std::string week3 = work_ + "/week3.tar";
  ASSERT_EQ(Bundle("create", source, {week3, "--all", "--since", have}).exit_code, 0);
  Result m3 = Shell("tar -xOf " + week3 + " stowage-bundle.json | jq -r '(.since | keys[0]), (.blobs | length)'");
  EXPECT_EQ(m3.out, "list\n4\n");
  imp = Bundle("import", target, {week3});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_EQ(Tags(target), Tags(source));
}

TEST_F(BundleTest, PipelineFromStandardOutputToStandardInput) {
  std::string target = NewStore("target");
  Result pipe = Shell(StowageBinary() + " bundle create -q --store " + *source_ +
                      " - team/app team/mr:a --compress zstd | " + StowageBinary() +
                      " bundle import --store " + target + " -");
  ASSERT_EQ(pipe.exit_code, 0) << pipe.err;
  EXPECT_EQ(pipe.out, "team/app:v1 " + RefDigest(*source_, "team/app:v1") + "\nteam/mr:a " +
                          RefDigest(*source_, "team/mr:a") + "\n");
  Result v = Shell(StowageBinary() + " bundle create -q --store " + *source_ +
                   " - --all | " + StowageBinary() + " bundle verify -");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_THAT(v.out, HasSubstr("standard input: OK: 7 tags"));
  // Not onto a terminal, and not split.
  Result split = Bundle("create", *source_, {"-", "--all", "--max-size", "1M"});
  EXPECT_EQ(split.exit_code, 1);
  EXPECT_THAT(split.err, HasSubstr("cannot split standard output"));
}

TEST_F(BundleTest, DamagedBundlesAreCleanOneLineErrors) {
  std::string file = work_ + "/b.tar";
  ASSERT_EQ(Bundle("create", *source_, {file, "team/app", "team/mr"}).exit_code, 0);
  std::string target = NewStore("target");

  // Cut short inside a blob.
  std::string cut = work_ + "/cut.tar";
  Shell("head -c 2000000 " + file + " > " + cut);
  Result v = Verify(cut);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_THAT(v.err, ::testing::MatchesRegex(
                         "stowage bundle verify: " + cut +
                         ": entry \"blobs/sha256/[0-9a-f]{64}\": damaged or truncated "
                         "\\(Truncated tar archive\\)\nstowage bundle verify: " + cut +
                         ": 1 problem\n"));
  Result imp = Bundle("import", target, {cut});
  EXPECT_EQ(imp.exit_code, 1);
  EXPECT_THAT(imp.err, HasSubstr("Truncated tar archive"));
  EXPECT_EQ(Tags(target), "");
  // Cut short between entries: the missing blobs are named.
  Result offset = Shell("python3 -c \"import tarfile; t=tarfile.open('" + file +
                        "'); m=t.getmembers(); print(m[-2].offset)\"");
  Shell("head -c " + Trim(offset.out) + " " + file + " > " + cut);
  v = Verify(cut);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_THAT(v.err, HasSubstr("is listed in stowage-bundle.json but not in the bundle (cut short?)"));

  // A wrong checksum: one byte of a layer changed.
  std::string bad = work_ + "/bad.tar";
  Result layer = Shell("python3 -c \"import tarfile; t=tarfile.open('" + file +
                       "'); m=max(t.getmembers(), key=lambda m: m.size); print(m.offset_data, m.name[13:])\"");
  std::vector<std::string> where = absl::StrSplit(Trim(layer.out), ' ');
  ASSERT_EQ(where.size(), 2u) << layer.err;
  Shell("cp " + file + " " + bad + " && printf X | dd of=" + bad + " bs=1 seek=" +
        std::to_string(std::stoul(where[0]) + 1000) + " conv=notrunc status=none");
  v = Verify(bad);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_THAT(v.err, HasSubstr(bad + ": blob sha256:" + where[1] + " (entry blobs/sha256/" +
                               where[1] + "): content hashes to sha256:"));
  imp = Bundle("import", target, {bad});
  EXPECT_EQ(imp.exit_code, 1);
  EXPECT_THAT(imp.err, HasSubstr("damaged (a wrong checksum)"));
  EXPECT_EQ(Tags(target), "");
  EXPECT_EQ(Shell("test -e " + target + "/blobs/sha256/" + where[1]).exit_code, 1);

  // An entry that climbs out of the layout.
  std::string evil = work_ + "/evil.tar";
  Shell("cp " + file + " " + evil + " && python3 -c \"import io, tarfile; t=tarfile.open('" + evil +
        "', 'a'); i=tarfile.TarInfo('../evil'); i.size=1; t.addfile(i, io.BytesIO(b'x')); t.close()\"");
  v = Verify(evil);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_THAT(v.err, HasSubstr(evil + ": entry \"../evil\" climbs out of the archive with '..'"));
  imp = Bundle("import", target, {evil});
  EXPECT_EQ(imp.exit_code, 1);
  EXPECT_THAT(imp.err, HasSubstr("entry \"../evil\" climbs out"));
  EXPECT_EQ(Tags(target), "");

  // Not a bundle: an OCI archive of another tool.
  std::string plain = work_ + "/plain.tar";
  Shell("skopeo copy -q oci:" + Images("single") + ":v1 oci-archive:" + plain + ":v1");
  v = Verify(plain);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_THAT(v.err, HasSubstr(plain + ": not a stowage bundle"));
  v = Verify(work_ + "/none.tar");
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_THAT(v.err, HasSubstr("none.tar: no such file"));
}

TEST_F(BundleTest, ConflictingTagsNeedForce) {
  std::string file = work_ + "/b.tar";
  ASSERT_EQ(Bundle("create", *source_, {file, "team/app:v1", "team/mr"}).exit_code, 0);
  std::string target = NewStore("target");
  // team/app:v1 is another image there.
  ASSERT_EQ(Stowage({"import", "--store", target, "oci:" + Images("multiref") + ":b", "team/app:v1"}).exit_code, 0);
  std::string before = Tags(target);
  std::string blobs_before = Shell("ls " + target + "/blobs/sha256").out;
  Result imp = Bundle("import", target, {file});
  EXPECT_EQ(imp.exit_code, 1);
  EXPECT_THAT(imp.err, HasSubstr("tag team/app:v1 is " + RefDigest(Images("multiref"), "b") +
                                 " in the store, " + RefDigest(*source_, "team/app:v1") +
                                 " in the bundle"));
  EXPECT_THAT(imp.err, HasSubstr("--force"));
  EXPECT_EQ(Tags(target), before);
  // Refused before any blob was read.
  EXPECT_EQ(Shell("ls " + target + "/blobs/sha256").out, blobs_before);
  imp = Bundle("import", target, {file, "--force"});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_THAT(imp.err, HasSubstr("moved team/app:v1 "));
  EXPECT_EQ(RefDigest(target, "team/app:v1"), RefDigest(*source_, "team/app:v1"));
}

TEST_F(BundleTest, SelectionAndHelp) {
  std::string file = work_ + "/b.tar";
  Result c = Bundle("create", *source_, {file, "team/nope"});
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_THAT(c.err, HasSubstr("no repository team/nope in the store"));
  c = Bundle("create", *source_, {file, "team/app:v9"});
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_THAT(c.err, HasSubstr("no tag team/app:v9"));
  c = Bundle("create", *source_, {file});
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_THAT(c.err, HasSubstr("or --all"));
  c = Bundle("create", *source_, {file, "--all", "--compress", "xz"});
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_THAT(c.err, HasSubstr("use zstd, gzip or none"));
  c = Bundle("create", *source_, {file, "--all", "--max-size", "lots"});
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_THAT(c.err, HasSubstr("--max-size \"lots\""));
  EXPECT_EQ(Shell("test -e " + file).exit_code, 1) << "a failed create leaves no file";

  // --platform: the arm64 image of the index alone, under the same tag.
  c = Bundle("create", *source_, {file, "library/multi", "--platform", "linux/arm64"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  Result arch = Shell("skopeo inspect oci-archive:" + file + ":library/multi:latest | jq -r .Architecture");
  EXPECT_EQ(Trim(arch.out), "arm64") << arch.err;

  Result help = Stowage({"bundle", "create", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Examples:"));
  EXPECT_THAT(help.out, HasSubstr("--max-size 4G"));
  help = Stowage({"bundle", "--help"});
  EXPECT_THAT(help.out, HasSubstr("Exit status: 0 success, 1 failure"));
  help = Stowage({"bundle", "import", "--help"});
  EXPECT_THAT(help.out, HasSubstr("--force"));
  EXPECT_THAT(help.out, HasSubstr("resumes"));
}

}  // namespace
}  // namespace stowage
