// End-to-end: the docker:// transport and `stowage sync` against the
// reference registry (Debian's docker-registry, the CNCF distribution):
// plain HTTP on loopback, TLS with a private CA in a certs.d folder, and
// htpasswd Basic auth. skopeo fills and reads the registry, so every digest
// stowage reports is checked against another client's.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/daemon.h"
#include "tests/harness/process.h"
#include "tests/harness/store_fixture.h"

namespace stowage {
namespace {

using ::stowage::testing::Daemon;
using ::stowage::testing::FreePort;
using ::stowage::testing::MakeImages;
using ::stowage::testing::MakeLayoutWithLayer;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::RefDigest;
using ::stowage::testing::Result;
using ::stowage::testing::Runfile;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::Trim;
using ::stowage::testing::WaitForPort;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Skopeo(const std::string& args) { return "skopeo --insecure-policy " + args; }

// A reference registry on 127.0.0.1 with its storage under `dir`.
struct Registry {
  enum class Mode { kPlain, kTlsBasic, kToken };

  Registry(const std::string& dir, Mode mode) : dir(dir), port(FreePort()) {
    host = absl::StrCat("127.0.0.1:", port);
    std::string config = absl::StrCat(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ", dir,
        "/data\n  delete:\n    enabled: true\nhttp:\n  addr: ", host, "\n");
    if (mode == Mode::kTlsBasic) {
      // A private CA's certificate for 127.0.0.1, as certs.d holds it.
      Result cert = Shell(absl::StrCat(
          "set -e; mkdir -p ", dir, "/certs; cd ", dir, "; openssl req -x509 -newkey ec "
          "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out certs/ca.crt -days 2 "
          "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null; "
          "htpasswd -Bbn alice 's3cret-Pa55' > htpasswd"));
      EXPECT_EQ(cert.exit_code, 0) << cert.err;
      absl::StrAppend(&config, "  tls:\n    certificate: ", dir, "/certs/ca.crt\n    key: ", dir,
                      "/key.pem\nauth:\n  htpasswd:\n    realm: stowage-test\n    path: ", dir,
                      "/htpasswd\n");
    }
    if (mode == Mode::kToken) {
      // Bearer tokens from a token service that knows alice (and her
      // refresh token, for identity-token logins).
      int token_port = FreePort();
      EXPECT_EQ(Shell("mkdir -p " + dir + "/token").exit_code, 0);
      token = std::make_unique<Daemon>(
          std::vector<std::string>{"/usr/bin/python3", Runfile("tests/registry/token_server.py"),
                                   dir + "/token", std::to_string(token_port), "alice",
                                   "s3cret-Pa55", "refresh-abc"},
          dir + "/token.log");
      EXPECT_TRUE(WaitForPort(token_port, 20)) << token->LogText();
      absl::StrAppend(&config, "auth:\n  token:\n    realm: http://127.0.0.1:", token_port,
                      "/token\n    service: stowage-registry\n    issuer: stowage-test-issuer\n"
                      "    rootcertbundle: ", dir, "/token/cert.pem\n");
    }
    EXPECT_EQ(Shell("mkdir -p " + dir + " && cat > " + dir + "/config.yml <<'EOF'\n" + config +
                    "EOF\n")
                  .exit_code,
              0);
    daemon = std::make_unique<Daemon>(
        std::vector<std::string>{"docker-registry", "serve", dir + "/config.yml"},
        dir + "/registry.log");
    EXPECT_TRUE(WaitForPort(port, 20)) << daemon->LogText();
  }

  // skopeo copy of an OCI layout ref into REPOSITORY:TAG here, digests kept.
  void Push(const std::string& layout_ref, const std::string& target,
            const std::string& auth = "--dest-tls-verify=false",
            const std::string& how = "--all --preserve-digests") const {
    Result r = Shell(Skopeo(absl::StrCat("copy -q ", how, " ", auth, " oci:",
                                         layout_ref, " docker://", host, "/", target)));
    ASSERT_EQ(r.exit_code, 0) << target << ": " << r.err;
  }

  // The digest of REF's manifest bytes as skopeo fetches them.
  std::string Digest(const std::string& ref, const std::string& auth = "--tls-verify=false") const {
    return "sha256:" + Trim(Shell(Skopeo(absl::StrCat("inspect --raw ", auth, " docker://", host,
                                                      "/", ref, " | sha256sum | cut -c1-64")))
                                .out);
  }

  // The registry's file holding blob `digest`.
  std::string BlobFile(const std::string& digest) const {
    std::string hex = digest.substr(7);
    return absl::StrCat(dir, "/data/docker/registry/v2/blobs/sha256/", hex.substr(0, 2), "/", hex,
                        "/data");
  }

  std::string dir;
  int port;
  std::string host;
  std::unique_ptr<Daemon> token;
  std::unique_ptr<Daemon> daemon;

  // The token service's requests, one "METHOD SCOPE USER" line each.
  std::string TokenRequests() const { return Shell("cat " + dir + "/token/requests.log").out; }
};

class RegistryTest : public ::stowage::testing::StoreFixture {
 protected:
  // The store's tags as "NAME DIGEST" lines.
  std::string Tags() const {
    return Shell("jq -r '.manifests[] | .annotations[\"org.opencontainers.image.ref.name\"] + \" \" "
                 "+ .digest' " + store_ + "/index.json | sort")
        .out;
  }

  // Every file of the store with its size and modification time: equal
  // listings mean nothing was written.
  std::string Tree() const {
    return Shell("cd " + store_ + " && find . -printf '%p %s %T@\\n' | sort").out;
  }

};


TEST_F(RegistryTest, PullKeepsTheRegistrysDigests) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  reg.Push(Images("multi:latest"), "team/multi:latest");
  // skopeo cannot read the docker layout back; it converts instead.
  reg.Push(Images("single:v1"), "team/docker:v1", "--dest-tls-verify=false", "--format v2s2");
  for (std::string ref : {"team/multi:latest", "team/docker:v1"}) {
    Result pull = S("import", {"docker://" + reg.host + "/" + ref});
    ASSERT_EQ(pull.exit_code, 0) << pull.err;
    EXPECT_EQ(pull.out, ref + " " + reg.Digest(ref) + "\n");
    // Plain HTTP is said, once.
    EXPECT_THAT(pull.err, HasSubstr("using plain HTTP"));
  }
  EXPECT_EQ(RefDigest(Images("multi"), "latest"), reg.Digest("team/multi:latest"));
  Result check = S("check", {});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  // A second pull downloads nothing and writes nothing.
  const std::string before = Tree();
  Result again = S("import", {"docker://" + reg.host + "/team/multi:latest"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.err, HasSubstr("0 blobs copied"));
  EXPECT_EQ(Tree(), before);

  // One platform of the index, tagged in place of it.
  Result arm = S("import", {"--platform", "linux/arm64", "docker://" + reg.host + "/team/multi:latest",
                            "arm/multi:v1"});
  ASSERT_EQ(arm.exit_code, 0) << arm.err;
  std::string child = Trim(Shell("jq -r '.manifests[] | select(.platform.architecture == \"arm64\") "
                                 "| .digest' " + reg.BlobFile(reg.Digest("team/multi:latest")))
                               .out);
  EXPECT_EQ(arm.out, "arm/multi:v1 " + child + "\n");
}

// --keep-index: the index byte for byte, one platform's image, and every
// walk of the store (check, gc, inspect, export, bundle, publish) agrees.
TEST_F(RegistryTest, APartialIndexKeepsTheIndexDigest) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  reg.Push(Images("multi:latest"), "team/multi:latest");
  const std::string index = RefDigest(Images("multi"), "latest");
  auto child = [&](const std::string& arch) {
    return Trim(Shell("jq -r '.manifests[] | select(.platform.architecture == \"" + arch +
                      "\") | .digest' " + reg.BlobFile(index))
                    .out);
  };
  const std::string arm = child("arm64"), amd = child("amd64");
  auto in_store = [&](const std::string& store, const std::string& digest) {
    return Shell("test -e " + store + "/blobs/sha256/" + digest.substr(7)).exit_code == 0;
  };

  Result pull = S("import", {"--keep-index", "--platform", "linux/arm64",
                             "docker://" + reg.host + "/team/multi:latest"});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_EQ(pull.out, "team/multi:latest " + index + "\n");
  EXPECT_TRUE(in_store(store_, index));
  EXPECT_TRUE(in_store(store_, arm));
  EXPECT_FALSE(in_store(store_, amd));
  Result check = S("check", {});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  ASSERT_EQ(S("gc", {}).exit_code, 0);
  EXPECT_TRUE(in_store(store_, arm));
  EXPECT_THAT(S("inspect", {"team/multi:latest"}).out,
              HasSubstr(amd + "  (not pulled: a partial index)"));

  // Out of the store, one platform at a time, and never the missing one.
  Result whole = S("export", {"team/multi:latest", "oci:" + work_ + "/out"});
  EXPECT_EQ(whole.exit_code, 1);
  EXPECT_THAT(whole.err, HasSubstr("is a partial index"));
  Result missing = S("export", {"--platform", "linux/amd64", "team/multi:latest", "oci:" + work_ + "/out"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("platform linux/amd64 of the index " + index + " was not pulled"));
  Result one = S("export", {"--platform", "linux/arm64", "team/multi:latest", "oci:" + work_ + "/out"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(RefDigest(work_ + "/out", "latest"), arm);

  // Across a bundle, still partial, still whole where it claims to be.
  const std::string bundle = work_ + "/partial.tar";
  Result created = Stowage({"bundle", "create", "--store", store_, bundle, "--all"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string other = work_ + "/other";
  ASSERT_EQ(Stowage({"init", other}).exit_code, 0);
  Result imported = Stowage({"bundle", "import", "--store", other, bundle});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  Result other_check = Stowage({"check", "--store", other});
  EXPECT_EQ(other_check.exit_code, 0) << other_check.out << other_check.err;
  EXPECT_FALSE(in_store(other, amd));

  // A published tree serves the index and the platform it has.
  Result pub = S("publish", {"--server", "apache", work_ + "/site"});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  const std::string manifests = work_ + "/site/www/v2/team/multi/manifests/";
  EXPECT_EQ(Shell("test -e " + manifests + index + " && test -e " + manifests + arm).exit_code, 0);
  EXPECT_NE(Shell("test -e " + manifests + amd).exit_code, 0);

  // A pull without --platform completes it.
  Result full = S("import", {"docker://" + reg.host + "/team/multi:latest"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_TRUE(in_store(store_, amd));
  EXPECT_THAT(S("inspect", {"team/multi:latest"}).out, Not(HasSubstr("not pulled")));
  EXPECT_EQ(S("export", {"team/multi:latest", "oci:" + work_ + "/all"}).exit_code, 0);
}

TEST_F(RegistryTest, AllTagsAndMissingNames) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  reg.Push(Images("multiref:a"), "team/app:a");
  reg.Push(Images("multiref:b"), "team/app:b");
  reg.Push(Images("single:v1"), "team/app:v1");
  Result all = S("import", {"--all-tags", "docker://" + reg.host + "/team/app"});  // docker pull -a
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(Tags(), absl::StrCat("team/app:a ", reg.Digest("team/app:a"), "\nteam/app:b ",
                                 reg.Digest("team/app:b"), "\nteam/app:v1 ",
                                 reg.Digest("team/app:v1"), "\n"));

  Result missing = S("import", {"docker://" + reg.host + "/team/app:nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("team/app:nope"));
  Result no_repo = S("import", {"docker://" + reg.host + "/team/ghost:v1"});
  EXPECT_EQ(no_repo.exit_code, 1);
  EXPECT_THAT(no_repo.err, HasSubstr("team/ghost"));
  // Nothing listens here.
  Result down = S("import", {"docker://127.0.0.1:1/team/app:v1"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(down.err, HasSubstr("127.0.0.1:1"));
}

TEST_F(RegistryTest, PushIsWhatSkopeoPullsByteForByte) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  ASSERT_EQ(S("import", {"oci:" + Images("multi:latest"), "team/multi:latest"}).exit_code, 0);
  ASSERT_EQ(S("import", {"oci:" + Images("docker:v1"), "team/docker:v1"}).exit_code, 0);
  for (std::string ref : {"team/multi:latest", "team/docker:v1"}) {
    Result push = S("export", {ref, "docker://" + reg.host + "/pushed/" + ref.substr(5)});
    ASSERT_EQ(push.exit_code, 0) << push.err;
  }
  EXPECT_EQ(reg.Digest("pushed/multi:latest"), RefDigest(Images("multi"), "latest"));
  EXPECT_EQ(reg.Digest("pushed/docker:v1"), RefDigest(Images("docker"), "v1"));
  // skopeo fetches every blob (checking each digest) into a layout.
  Result back = Shell(Skopeo("copy -q --all --preserve-digests --src-tls-verify=false docker://" +
                             reg.host + "/pushed/multi:latest oci:" + work_ + "/back:latest"));
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(RefDigest(work_ + "/back", "latest"), RefDigest(Images("multi"), "latest"));

  // Pushing again finds every blob there and uploads none.
  Result again = S("export", {"team/multi:latest", "docker://" + reg.host + "/pushed/multi:latest"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(RegistryTest, SignatureTagsComeAlongWhenAsked) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  reg.Push(Images("single:v1"), "team/app:v1");
  const std::string digest = reg.Digest("team/app:v1");
  // A cosign-style signature image beside it, under sha256-<hex>.sig.
  const std::string sig = "sha256-" + digest.substr(7) + ".sig";
  reg.Push(Images("multiref:a"), "team/app:" + sig);
  const std::string ref = "docker://" + reg.host + "/team/app:v1";

  Result plain = S("import", {ref});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(Tags(), "team/app:v1 " + digest + "\n");  // off by default, as docker and skopeo
  Result with = S("import", {"--referrers", ref});
  ASSERT_EQ(with.exit_code, 0) << with.err;
  EXPECT_EQ(Tags(), "team/app:" + sig + " " + reg.Digest("team/app:" + sig) + "\nteam/app:v1 " +
                        digest + "\n");

  // And across to another registry, with every tag.
  Registry other(work_ + "/other", Registry::Mode::kPlain);
  Result push = S("export", {"--all-tags", "team/app", "docker://" + other.host + "/team/app"});
  ASSERT_EQ(push.exit_code, 0) << push.err;
  EXPECT_EQ(other.Digest("team/app:" + sig), reg.Digest("team/app:" + sig));
  EXPECT_EQ(other.Digest("team/app:v1"), digest);
}

TEST_F(RegistryTest, PodmanPullsWhatStowagePushed) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  ASSERT_EQ(S("import", {"oci:" + Images("multi:latest"), "team/multi:latest"}).exit_code, 0);
  Result push = S("export", {"team/multi:latest", "docker://" + reg.host + "/team/multi:latest"});
  ASSERT_EQ(push.exit_code, 0) << push.err;
  // Under /tmp: podman wants a short runroot.
  const std::string root = Trim(Shell("mktemp -d /tmp/stowage-podman-XXXXXX").out);
  const std::string podman = "podman --root " + root + "/root --runroot " + root +
                             "/run --storage-driver vfs ";
  Result pull = Shell(podman + "pull -q --tls-verify=false " + reg.host + "/team/multi:latest");
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  Result digests = Shell(podman + "images --digests --format '{{.Repository}}:{{.Tag}} {{.Digest}}'");
  EXPECT_THAT(digests.out, HasSubstr(reg.host + "/team/multi:latest " +
                                     RefDigest(Images("multi"), "latest")));
  Shell(podman + "rmi -af >/dev/null 2>&1; chmod -R u+rwX " + root + "; rm -rf " + root);
}

TEST_F(RegistryTest, ADamagedBlobTagsNothing) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  reg.Push(Images("single:v1"), "team/app:v1");
  // Flip one byte of the biggest layer in the registry's own storage: same
  // size, another digest.
  std::string layer = Trim(Shell("jq -r '.layers | max_by(.size) | .digest' " +
                                 reg.BlobFile(reg.Digest("team/app:v1")))
                               .out);
  std::string file = reg.BlobFile(layer);
  ASSERT_EQ(Shell("printf 'X' | dd of=" + file + " bs=1 seek=100 conv=notrunc status=none").exit_code, 0);
  Result pull = S("import", {"docker://" + reg.host + "/team/app:v1"});
  EXPECT_EQ(pull.exit_code, 1);
  EXPECT_THAT(pull.err, HasSubstr(layer));
  EXPECT_EQ(Tags(), "");
  Result check = S("check", {});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(RegistryTest, AKilledPullTagsNothingAndTheNextOneFinishes) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  ASSERT_EQ(MakeLayoutWithLayer(work_ + "/big", 64 << 20).exit_code, 0);
  reg.Push(work_ + "/big:v1", "team/big:v1");
  const std::string want = reg.Digest("team/big:v1");
  int kills = 0;
  for (int delay_ms : {20, 60, 150}) {
    Result killed = Shell(absl::StrCat(
        "timeout -s KILL ", delay_ms / 1000.0, " ", ::stowage::testing::StowageBinary(),
        " import -q -j 1 --store ", store_, " docker://", reg.host, "/team/big:v1"));
    if (killed.exit_code == 137) ++kills;  // timeout(1)'s status for a KILL
    std::string tags = Tags();
    // Either the pull finished (tagged, whole) or nothing is tagged, and
    // the index is whole JSON.
    EXPECT_TRUE(tags.empty() || tags == "team/big:v1 " + want + "\n") << tags;
    EXPECT_EQ(Shell("jq -e .manifests " + store_ + "/index.json >/dev/null").exit_code, 0);
    if (!tags.empty()) {
      ASSERT_EQ(S("untag", {"team/big:v1"}).exit_code, 0);
    }
  }
  EXPECT_GE(kills, 1) << "every pull finished before its kill: the test proved nothing";
  Result pull = S("import", {"docker://" + reg.host + "/team/big:v1"});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_EQ(pull.out, "team/big:v1 " + want + "\n");
  Result check = S("check", {});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(RegistryTest, TlsWithACertDirAndBasicAuth) {
  Registry reg(work_ + "/reg", Registry::Mode::kTlsBasic);
  const std::string skopeo_auth = "--dest-cert-dir " + reg.dir + "/certs --dest-creds alice:s3cret-Pa55";
  reg.Push(Images("single:v1"), "team/app:v1", skopeo_auth);
  const std::string ref = "docker://" + reg.host + "/team/app:v1";
  const std::string certs = reg.dir + "/certs";

  // The private CA is not trusted without its certs.d folder.
  Result untrusted = S("import", {"--creds", "alice:s3cret-Pa55", ref});
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_THAT(untrusted.err, HasSubstr("certificate"));
  EXPECT_THAT(untrusted.err, Not(HasSubstr("s3cret")));
  // No credentials, then wrong ones.
  Result anonymous = S("import", {"--cert-dir", certs, ref});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_THAT(anonymous.err, HasSubstr("refused anonymous access"));
  Result wrong = S("import", {"--cert-dir", certs, "--creds", "alice:wrong-pass", ref});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.err, Not(HasSubstr("wrong-pass")));
  EXPECT_EQ(Tags(), "");

  Result pull = S("import", {"--cert-dir", certs, "--creds", "alice:s3cret-Pa55", ref});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_EQ(pull.out, "team/app:v1 " + reg.Digest("team/app:v1", "--cert-dir " + certs +
                                                                     " --creds alice:s3cret-Pa55") +
                          "\n");
  EXPECT_THAT(pull.err, Not(HasSubstr("plain HTTP")));
  EXPECT_THAT(pull.out + pull.err, Not(HasSubstr("s3cret")));

  // The password from stdin, for a push.
  Result push = Stowage({"export", "--store", store_, "--cert-dir", certs, "--creds", "alice",
                         "--password-stdin", "team/app:v1",
                         "docker://" + reg.host + "/copy/app:v1"},
                        "s3cret-Pa55\n");
  ASSERT_EQ(push.exit_code, 0) << push.err;
  EXPECT_EQ(reg.Digest("copy/app:v1", "--cert-dir " + certs + " --creds alice:s3cret-Pa55"),
            reg.Digest("team/app:v1", "--cert-dir " + certs + " --creds alice:s3cret-Pa55"));
}

TEST_F(RegistryTest, LoginKeepsWhatSkopeoReads) {
  Registry reg(work_ + "/reg", Registry::Mode::kTlsBasic);
  const std::string certs = reg.dir + "/certs";
  reg.Push(Images("single:v1"), "team/app:v1",
           "--dest-cert-dir " + certs + " --dest-creds alice:s3cret-Pa55");
  const std::string auth = work_ + "/auth/auth.json";
  const std::string bin = ::stowage::testing::StowageBinary();
  auto login = [&](const std::string& password) {
    return Shell("printf '%s\\n' '" + password + "' | " + bin + " login --authfile " + auth +
                 " --cert-dir " + certs + " -u alice --password-stdin " + reg.host);
  };

  // Refused credentials are not kept.
  Result wrong = login("wrong-pass");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.err, HasSubstr("refused the credentials of user alice"));
  EXPECT_THAT(wrong.out + wrong.err, Not(HasSubstr("wrong-pass")));
  EXPECT_NE(Shell("test -e " + auth).exit_code, 0);

  Result ok = login("s3cret-Pa55");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "Login Succeeded\n");
  EXPECT_THAT(ok.out + ok.err, Not(HasSubstr("s3cret")));
  EXPECT_EQ(Trim(Shell("stat -c %a " + auth).out), "600");
  EXPECT_EQ(Trim(Shell("stat -c %a " + work_ + "/auth").out), "700");
  Result who = Stowage({"login", "--authfile", auth, "--get-login", reg.host});
  EXPECT_EQ(who.out, "alice\n");
  // skopeo reads the file stowage wrote, and stowage pulls with it.
  std::string want = reg.Digest("team/app:v1", "--cert-dir " + certs + " --authfile " + auth);
  EXPECT_THAT(want, Not(HasSubstr("e3b0c44298fc1c14")));  // not the digest of nothing
  Result pull = S("import", {"--cert-dir", certs, "--authfile", auth,
                             "docker://" + reg.host + "/team/app:v1"});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_EQ(pull.out, "team/app:v1 " + want + "\n");

  // Docker's config.json, found from HOME as docker finds it.
  ASSERT_EQ(Shell("mkdir -p " + work_ + "/home/.docker && printf '{\"auths\": {\"https://" + reg.host +
                  "/v1/\": {\"auth\": \"%s\"}}}' $(printf alice:s3cret-Pa55 | base64) > " + work_ +
                  "/home/.docker/config.json")
                .exit_code,
            0);
  Result docker_cfg = Shell("env -u REGISTRY_AUTH_FILE -u XDG_RUNTIME_DIR HOME=" + work_ + "/home " +
                            bin + " export --store " + store_ + " --cert-dir " + certs +
                            " team/app:v1 docker://" + reg.host + "/from/docker-config:v1");
  ASSERT_EQ(docker_cfg.exit_code, 0) << docker_cfg.err;

  Result out = Stowage({"logout", "--authfile", auth, reg.host});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  Result again = Stowage({"logout", "--authfile", auth, reg.host});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("not logged in to " + reg.host));
  Result anonymous = S("import", {"--cert-dir", certs, "--authfile", auth,
                                  "docker://" + reg.host + "/team/app:v1"});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_THAT(anonymous.err, HasSubstr("refused anonymous access"));
}

TEST_F(RegistryTest, BearerTokensPerScopeAndIdentityTokens) {
  Registry reg(work_ + "/reg", Registry::Mode::kToken);
  reg.Push(Images("multi:latest"), "team/app:v1",
           "--dest-tls-verify=false --dest-creds alice:s3cret-Pa55");
  const std::string ref = "docker://" + reg.host + "/team/app:v1";
  ASSERT_EQ(Shell("rm -f " + reg.dir + "/token/requests.log").exit_code, 0);

  // An anonymous token grants nothing here.
  Result anonymous = S("import", {ref});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_THAT(anonymous.err, HasSubstr("refused anonymous access"));
  ASSERT_EQ(Shell("rm -f " + reg.dir + "/token/requests.log").exit_code, 0);

  // One token for the pull's scope serves every request of it (an index,
  // two manifests, their configs and layers).
  Result pull = S("import", {"--creds", "alice:s3cret-Pa55", ref});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_EQ(pull.out, "team/app:v1 " + RefDigest(Images("multi"), "latest") + "\n");
  EXPECT_EQ(reg.TokenRequests(), "GET repository:team/app:pull alice\n");

  // A push asks for pull and push on its own repository.
  Result push = S("export", {"--creds", "alice:s3cret-Pa55", "team/app:v1",
                             "docker://" + reg.host + "/team/copy:v1"});
  ASSERT_EQ(push.exit_code, 0) << push.err;
  EXPECT_THAT(reg.TokenRequests(), HasSubstr("repository:team/copy:pull,push alice"));

  // An identity token (a refresh token) is traded by OAuth2 POST.
  const std::string auth = work_ + "/auth.json";
  ASSERT_EQ(Shell("echo '{\"auths\": {\"" + reg.host + "\": {\"identitytoken\": \"refresh-abc\"}}}' > " + auth)
                .exit_code,
            0);
  ASSERT_EQ(S("untag", {"team/app:v1"}).exit_code, 0);
  ASSERT_EQ(Shell("rm -f " + reg.dir + "/token/requests.log").exit_code, 0);
  Result by_token = S("import", {"--authfile", auth, ref});
  ASSERT_EQ(by_token.exit_code, 0) << by_token.err;
  EXPECT_EQ(reg.TokenRequests(), "POST repository:team/app:pull alice\n");
  EXPECT_THAT(by_token.out + by_token.err, Not(HasSubstr("refresh-abc")));

  // login checks with the token service before writing anything.
  Result login = Shell("printf 's3cret-Pa55\\n' | " + ::stowage::testing::StowageBinary() +
                       " login --authfile " + work_ + "/login.json -u alice --password-stdin " +
                       reg.host);
  ASSERT_EQ(login.exit_code, 0) << login.err;
  EXPECT_THAT(reg.TokenRequests(), HasSubstr("GET - alice"));
}

// The fault proxy in front of a registry: rules in a file, a log of every
// request it passed.
struct FaultProxy {
  FaultProxy(const std::string& dir, const Registry& upstream) : port(FreePort()) {
    host = absl::StrCat("127.0.0.1:", port);
    rules = dir + "/rules.json";
    log = dir + "/requests.log";
    daemon = std::make_unique<Daemon>(
        std::vector<std::string>{"/usr/bin/python3", Runfile("tests/registry/fault_proxy.py"),
                                 std::to_string(port), std::to_string(upstream.port), rules, log},
        dir + "/proxy.log");
    EXPECT_TRUE(WaitForPort(port, 20)) << daemon->LogText();
  }
  void Rules(const std::string& json) const {
    ASSERT_EQ(Shell("rm -f " + log + " && cat > " + rules + " <<'EOF'\n" + json + "\nEOF\n").exit_code, 0);
  }
  std::string Log() const { return Shell("cat " + log).out; }

  int port;
  std::string host, rules, log;
  std::unique_ptr<Daemon> daemon;
};

TEST_F(RegistryTest, FaultsAreRetriedResumedOrRefused) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  ASSERT_EQ(MakeLayoutWithLayer(work_ + "/big", 4 << 20).exit_code, 0);
  reg.Push(work_ + "/big:v1", "team/big:v1");
  const std::string want = reg.Digest("team/big:v1");
  const std::string layer = Trim(Shell("jq -r '.layers[0].digest' " + reg.BlobFile(want)).out);
  FaultProxy proxy(work_, reg);
  const std::string ref = "docker://" + proxy.host + "/team/big:v1";
  int stores = 0;
  // A pull through the proxy into a new store: its result and its tags.
  auto pull = [&](const std::string& rules) {
    proxy.Rules(rules);
    store_ = absl::StrCat(work_, "/store", ++stores);
    EXPECT_EQ(Stowage({"init", store_}).exit_code, 0);
    return S("import", {ref});
  };

  // A connection cut twice mid-layer: resumed with Range, whole in the end.
  Result cut = pull(R"([{"match": "GET /v2/team/big/blobs/)" + layer +
                    R"(", "times": 2, "action": "cut", "bytes": 1000000}])");
  ASSERT_EQ(cut.exit_code, 0) << cut.err << proxy.Log();
  EXPECT_EQ(cut.out, "team/big:v1 " + want + "\n");
  EXPECT_THAT(proxy.Log(), HasSubstr(" bytes=1000000- -> 206"));
  EXPECT_EQ(S("check", {}).exit_code, 0);

  // 500s and a 429 with Retry-After are tried again.
  Result flaky = pull(R"([{"match": "manifests/v1", "times": 2, "action": "status", "status": 500},
                          {"match": "blobs/", "times": 1, "action": "status", "status": 429}])");
  ASSERT_EQ(flaky.exit_code, 0) << flaky.err;
  EXPECT_THAT(proxy.Log(), HasSubstr("-> 500 status"));
  EXPECT_THAT(proxy.Log(), HasSubstr("-> 429 status"));

  // A registry that keeps refusing: the error shows its rate limit.
  Result limited = pull(R"([{"match": "manifests/v1", "action": "status", "status": 429}])");
  EXPECT_EQ(limited.exit_code, 1);
  EXPECT_THAT(limited.err, HasSubstr("429"));
  EXPECT_THAT(limited.err, HasSubstr("ratelimit-remaining: 0"));
  EXPECT_EQ(Tags(), "");

  // Bytes that are not what their digest says, in a layer or a manifest.
  Result bad_layer = pull(R"([{"match": "GET /v2/team/big/blobs/)" + layer +
                          R"(", "action": "corrupt"}])");
  EXPECT_EQ(bad_layer.exit_code, 1);
  EXPECT_THAT(bad_layer.err, HasSubstr(layer));
  EXPECT_EQ(Tags(), "");
  Result bad_digest = pull(R"([{"match": "GET .*/manifests/v1", "action": "digest"}])");
  EXPECT_EQ(bad_digest.exit_code, 1);
  EXPECT_THAT(bad_digest.err, HasSubstr("sha256:0000000000"));
  EXPECT_EQ(Tags(), "");
  Result bad_manifest = pull(R"([{"match": "GET .*/manifests/", "action": "corrupt"}])");
  EXPECT_EQ(bad_manifest.exit_code, 1);
  EXPECT_EQ(Tags(), "");
  Result by_digest = S("import", {"docker://" + proxy.host + "/team/big@" + want, "team/big:v1"});
  EXPECT_EQ(by_digest.exit_code, 1);
  EXPECT_THAT(by_digest.err, HasSubstr(want));
  EXPECT_EQ(Tags(), "");

  // Docker schema 1 is refused, by name.
  Result schema1 = pull(R"([{"match": "GET .*/manifests/", "action": "schema1"}])");
  EXPECT_EQ(schema1.exit_code, 1);
  EXPECT_THAT(schema1.err, HasSubstr("schema 1"));
  EXPECT_EQ(Tags(), "");
}

TEST_F(RegistryTest, APushMountsWhatTheRegistryHoldsElsewhere) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  reg.Push(Images("single:v1"), "team/app:v1");
  FaultProxy proxy(work_, reg);  // no rules: a log of the requests
  proxy.Rules("[]");
  const std::string env = "XDG_CACHE_HOME=" + work_ + "/cache " + ::stowage::testing::StowageBinary();
  // A pull in one run, a push to another repository in the next.
  Result pull = Shell(env + " import --store " + store_ + " docker://" + proxy.host + "/team/app:v1");
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  proxy.Rules("[]");
  Result push = Shell(env + " export --store " + store_ + " team/app:v1 docker://" + proxy.host +
                      "/mirror/app:v1");
  ASSERT_EQ(push.exit_code, 0) << push.err;
  const std::string log = proxy.Log();
  EXPECT_THAT(log, HasSubstr("POST /v2/mirror/app/blobs/uploads/?mount=sha256:"));
  EXPECT_THAT(log, HasSubstr("&from=team/app - -> 201"));
  EXPECT_THAT(log, Not(HasSubstr("PATCH")));
  EXPECT_EQ(reg.Digest("mirror/app:v1"), reg.Digest("team/app:v1"));

  // A location that is wrong (the repository is gone): the refused mount's
  // upload session carries the upload, one POST per blob.
  Registry fresh(work_ + "/fresh", Registry::Mode::kPlain);
  ASSERT_EQ(Shell("mkdir -p " + work_ + "/p2").exit_code, 0);
  FaultProxy logged(work_ + "/p2", fresh);
  logged.Rules("[]");
  ASSERT_EQ(Shell("cd " + store_ + "/blobs/sha256 && for b in *; do echo \"" + logged.host +
                  " sha256:$b ghost/repo\"; done >> " + work_ + "/cache/stowage/blob-locations")
                .exit_code,
            0);
  Result upload = Shell(env + " export --store " + store_ + " team/app:v1 docker://" +
                        logged.host + "/team/app:v1");
  ASSERT_EQ(upload.exit_code, 0) << upload.err;
  const std::string uploads = logged.Log();
  EXPECT_THAT(uploads, HasSubstr("&from=ghost/repo - -> 202"));
  // Every upload went through a session a refused mount opened: no POST
  // without ?mount= (one per blob before, then one more for each upload).
  EXPECT_EQ(Trim(Shell("grep '^POST ' " + logged.log + " | grep -vc mount=").out), "0");
  EXPECT_EQ(Trim(Shell("grep -c '^PUT .*/blobs/uploads/' " + logged.log).out), "3");
  EXPECT_EQ(fresh.Digest("team/app:v1"), reg.Digest("team/app:v1"));
}

TEST_F(RegistryTest, ALargeBlobIsPushedInChunks) {
  ASSERT_EQ(MakeLayoutWithLayer(work_ + "/big", 40 << 20).exit_code, 0);
  ASSERT_EQ(S("import", {"oci:" + work_ + "/big:v1", "team/big:v1"}).exit_code, 0);
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  FaultProxy proxy(work_, reg);
  // The third chunk fails once with a 503 and is sent again.
  proxy.Rules(R"([{"match": "PATCH ", "times": 2, "action": "pass"},
                  {"match": "PATCH ", "times": 1, "action": "status", "status": 503}])");
  Result push = Shell("XDG_CACHE_HOME=" + work_ + "/cache " + ::stowage::testing::StowageBinary() +
                      " export --store " + store_ + " team/big:v1 docker://" + proxy.host +
                      "/team/big:v1");
  ASSERT_EQ(push.exit_code, 0) << push.err;
  // 40 MiB in 16 MiB chunks: three PATCHes, one of them twice.
  EXPECT_EQ(Trim(Shell("grep -c '^PATCH .* -> 202' " + proxy.log).out), "3");
  EXPECT_EQ(Trim(Shell("grep -c '^PATCH .* -> 503' " + proxy.log).out), "1");
  EXPECT_EQ(reg.Digest("team/big:v1"), RefDigest(work_ + "/big", "v1"));
  Result back = Shell(Skopeo("copy -q --src-tls-verify=false docker://" + reg.host +
                             "/team/big:v1 oci:" + work_ + "/back:v1"));
  EXPECT_EQ(back.exit_code, 0) << back.err;
}

TEST_F(RegistryTest, ATerminalShowsEachLayerInFlight) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  ASSERT_EQ(MakeLayoutWithLayer(work_ + "/big", 4 << 20).exit_code, 0);
  reg.Push(work_ + "/big:v1", "team/big:v1");
  const std::string layer =
      Trim(Shell("jq -r '.layers[0].digest' " + reg.BlobFile(reg.Digest("team/big:v1"))).out);
  // Three cuts mid-layer: the retries' waits (1.4 s) keep it in flight
  // across several redraws.
  FaultProxy proxy(work_, reg);
  proxy.Rules(R"([{"match": "GET /v2/team/big/blobs/)" + layer +
              R"(", "times": 3, "action": "cut", "bytes": 1000000}])");
  // script(1) gives the pull a terminal.
  Result tty = Shell("script -qfec '" + ::stowage::testing::StowageBinary() + " import --store " +
                     store_ + " docker://" + proxy.host + "/team/big:v1' /dev/null");
  ASSERT_EQ(tty.exit_code, 0) << tty.out;
  EXPECT_THAT(tty.out, HasSubstr("importing: 0/"));
  EXPECT_THAT(tty.out, HasSubstr("\n  " + layer.substr(0, 19) + "  1 MB / 4.19 MB"));
  // Without a terminal, no progress at all.
  ASSERT_EQ(S("untag", {"team/big:v1"}).exit_code, 0);
  Result plain = S("import", {"docker://" + reg.host + "/team/big:v1"});
  EXPECT_THAT(plain.err, Not(HasSubstr("importing:")));
}

TEST_F(RegistryTest, SyncSeesANewSignatureOfAnUnchangedImage) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  reg.Push(Images("single:v1"), "team/app:v1");
  const std::string digest = reg.Digest("team/app:v1");
  const std::string file = work_ + "/sync.json";
  ASSERT_EQ(Shell("echo '{\"registries\": {\"" + reg.host + "\": {\"images\": [{\"repository\": "
                  "\"team/app\", \"tags\": [\"v1\"], \"referrers\": true}]}}}' > " + file)
                .exit_code,
            0);
  Result first = S("sync", {file});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("added team/app:v1 " + digest));
  // The image is signed afterwards: the tag is updated for its signature.
  const std::string sig = "sha256-" + digest.substr(7) + ".sig";
  reg.Push(Images("multiref:a"), "team/app:" + sig);
  Result second = S("sync", {file});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("updated team/app:v1 " + digest));
  EXPECT_THAT(Tags(), HasSubstr("team/app:" + sig + " " + reg.Digest("team/app:" + sig)));
  Result third = S("sync", {file});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_THAT(third.out, HasSubstr("unchanged team/app:v1 " + digest));
}

TEST_F(RegistryTest, SyncCopiesOnlyWhatChanged) {
  Registry reg(work_ + "/reg", Registry::Mode::kPlain);
  reg.Push(Images("multiref:a"), "team/app:1.0");
  reg.Push(Images("multiref:b"), "team/app:1.1");
  reg.Push(Images("single:v1"), "team/app:2.0");
  reg.Push(Images("multi:latest"), "team/multi:latest");
  const std::string file = work_ + "/sync.json";
  ASSERT_EQ(Shell("cat > " + file + " <<'EOF'\n{\"registries\": {\"" + reg.host +
                  "\": {\"images\": [\n"
                  "  {\"repository\": \"team/app\", \"tags\": [\"1.*\"], \"target\": \"mirror/app\"},\n"
                  "  {\"repository\": \"team/multi\", \"tags\": [\"latest\"], \"platform\": \"linux/arm64\"},\n"
                  "  {\"repository\": \"team/multi\", \"target\": \"partial/multi\", \"platforms\": [\"linux/amd64\"]}\n"
                  "]}}}\nEOF\n")
                .exit_code,
            0);

  Result dry = S("sync", {"--dry-run", file});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("would add mirror/app:1.0 " + reg.Digest("team/app:1.0")));
  EXPECT_EQ(Tags(), "");

  Result first = S("sync", {file});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.err, HasSubstr("4 added, 0 updated, 0 unchanged, 0 failed"));
  // The partial index: the index's digest, one platform's image.
  EXPECT_THAT(Tags(), HasSubstr("partial/multi:latest " + RefDigest(Images("multi"), "latest")));
  EXPECT_THAT(S("inspect", {"partial/multi:latest"}).out, HasSubstr("not pulled"));
  EXPECT_THAT(Tags(), HasSubstr("mirror/app:1.0 " + reg.Digest("team/app:1.0")));
  EXPECT_THAT(Tags(), HasSubstr("mirror/app:1.1 " + reg.Digest("team/app:1.1")));
  EXPECT_THAT(Tags(), Not(HasSubstr("2.0")));

  // Nothing changed upstream: nothing is written, and the check costs a
  // handful of requests (ping, tag list, one HEAD per tag, an index GET for each platform entry).
  const std::string before = Tree();
  Result second = S("sync", {file});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.err, HasSubstr("0 added, 0 updated, 4 unchanged, 0 failed"));
  EXPECT_EQ(Tree(), before);
  int requests = 0;
  std::vector<std::string> words = absl::StrSplit(second.err.substr(second.err.rfind('(') + 1), ' ');
  ASSERT_TRUE(absl::SimpleAtoi(words[0], &requests)) << second.err;
  EXPECT_LE(requests, 10) << second.err;

  // A tag moved and a new one matching the pattern: one update, one add.
  reg.Push(Images("single:v1"), "team/app:1.0");
  reg.Push(Images("multiref:a"), "team/app:1.2");
  Result third = S("sync", {file});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_THAT(third.out, HasSubstr("updated mirror/app:1.0 " + reg.Digest("team/app:1.0")));
  EXPECT_THAT(third.out, HasSubstr("added mirror/app:1.2 "));
  EXPECT_THAT(third.err, HasSubstr("1 added, 1 updated, 3 unchanged, 0 failed"));

  // A tag the registry lacks fails alone; the exit status says so.
  ASSERT_EQ(Shell("sed -i 's/\"1.\\*\"/\"1.*\", \"9.9\"/' " + file).exit_code, 0);
  Result missing = S("sync", {file});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.out, HasSubstr("FAILED mirror/app:9.9"));
  EXPECT_THAT(missing.err, HasSubstr("team/app:9.9: no such tag"));

  // A bad file is refused before any request, naming the field.
  ASSERT_EQ(Shell("echo '{\"registries\": {\"" + reg.host +
                  "\": {\"images\": [{\"repository\": \"Team/App\"}]}}}' > " + file)
                .exit_code,
            0);
  Result bad = S("sync", {file});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr(file + ": registries.\"" + reg.host + "\".images[0].repository"));
}

}  // namespace
}  // namespace stowage
