#include "lib/registry/credentials.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fs/file.h"

namespace stowage::registry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string base = std::getenv("TEST_TMPDIR") != nullptr ? std::getenv("TEST_TMPDIR") : "/tmp";
    std::string tmpl = base + "/creds.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    home_ = tmpl;
    ASSERT_TRUE(MakeDirs(home_ + "/bin").ok());
    files_.env = {{"HOME", home_}, {"PATH", home_ + "/bin:/usr/bin:/bin"}};
  }

  void Write(const std::string& path, const std::string& text) {
    ASSERT_TRUE(MakeDirs(Dirname(path)).ok());
    ASSERT_TRUE(WriteFileAtomic(path, text).ok()) << path;
  }

  // A docker-credential-NAME helper: a shell script, run as any helper is.
  void Helper(const std::string& name, const std::string& script) {
    std::string path = home_ + "/bin/docker-credential-" + name;
    Write(path, "#!/bin/sh\n" + script);
    ASSERT_EQ(chmod(path.c_str(), 0755), 0);
  }

  static std::string Auth(const std::string& user_pass) {
    return absl::Base64Escape(user_pass);
  }

  std::optional<Credential> Lookup(const std::string& host) {
    absl::StatusOr<std::optional<Credential>> c = LookupCredential(host, files_);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : std::nullopt;
  }

  std::string home_;
  CredentialFiles files_;
};

TEST_F(CredentialsTest, NothingKeptIsNoCredential) {
  EXPECT_FALSE(Lookup("r.io").has_value());
}

TEST_F(CredentialsTest, ContainersFilesComeBeforeDockers) {
  Write(home_ + "/.docker/config.json",
        R"({"auths": {"https://index.docker.io/v1/": {"auth": ")" + Auth("hub:docker-pw") +
            R"("}, "r.io": {"auth": ")" + Auth("docker:pw") + R"("}}})");
  Write(home_ + "/.config/containers/auth.json",
        R"({"auths": {"r.io": {"auth": ")" + Auth("containers:pw2") + R"("}}})");
  EXPECT_EQ(Lookup("r.io")->username, "containers");
  EXPECT_EQ(Lookup("r.io")->password, "pw2");
  // Docker Hub under any of its names.
  for (std::string hub : {"docker.io", "registry-1.docker.io", "index.docker.io"}) {
    ASSERT_TRUE(Lookup(hub).has_value()) << hub;
    EXPECT_EQ(Lookup(hub)->username, "hub");
  }
  // XDG_RUNTIME_DIR's auth.json first, as podman reads it.
  files_.env["XDG_RUNTIME_DIR"] = home_ + "/run";
  Write(home_ + "/run/containers/auth.json",
        R"({"auths": {"http://r.io/v2/": {"auth": ")" + Auth("runtime:pw3") + R"("}}})");
  EXPECT_EQ(Lookup("r.io")->username, "runtime");
  // A named file is read alone.
  files_.env["REGISTRY_AUTH_FILE"] = home_ + "/only.json";
  EXPECT_FALSE(Lookup("r.io").has_value());
  files_.auth_file = home_ + "/flag.json";
  Write(files_.auth_file, R"({"auths": {"r.io": {"auth": ")" + Auth("flag:pw4") + R"("}}})");
  EXPECT_EQ(Lookup("r.io")->username, "flag");
  // Ports are part of the host.
  EXPECT_FALSE(Lookup("r.io:5000").has_value());
}

TEST_F(CredentialsTest, HelpersAnswerByTheDockerProtocol) {
  Helper("fake", R"(read host
[ "$1" = get ] || exit 3
case "$host" in
  r.io) echo '{"ServerURL":"r.io","Username":"alice","Secret":"helper-pw"}' ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"<token>","Secret":"refresh-tok"}' ;;
  broken.io) echo 'secret-on-stdout'; echo 'keychain locked' >&2; exit 1 ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
)");
  Write(home_ + "/.docker/config.json", R"({"credsStore": "fake", "auths": {"r.io": {}}})");
  std::optional<Credential> c = Lookup("r.io");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->username, "alice");
  EXPECT_EQ(c->password, "helper-pw");
  c = Lookup("docker.io");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->identity_token, "refresh-tok");
  EXPECT_EQ(c->username, "");
  EXPECT_FALSE(Lookup("other.io").has_value());
  absl::StatusOr<std::optional<Credential>> broken = LookupCredential("broken.io", files_);
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(broken.status().message(), HasSubstr("docker-credential-fake get broken.io: keychain locked"));
  EXPECT_THAT(broken.status().message(), Not(HasSubstr("secret-on-stdout")));

  // credHelpers names a helper per host, ahead of auths and credsStore.
  Helper("other", R"(echo '{"ServerURL":"r.io","Username":"bob","Secret":"pw"}')");
  Write(home_ + "/.docker/config.json",
        R"({"credsStore": "fake", "credHelpers": {"r.io": "other"}, "auths": {"r.io": {"auth": ")" +
            Auth("carol:pw") + R"("}}})");
  EXPECT_EQ(Lookup("r.io")->username, "bob");
  EXPECT_EQ(Lookup("docker.io")->identity_token, "refresh-tok");
}

TEST_F(CredentialsTest, HostileFilesAreRefusedWithoutTheirSecrets) {
  const std::string file = home_ + "/.config/containers/auth.json";
  Write(file, R"({"auths": {"r.io": {"auth": "not base64 !!! hunter2"}}})");
  absl::StatusOr<std::optional<Credential>> c = LookupCredential("r.io", files_);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr(file + ": auths.\"r.io\".auth: not base64"));
  EXPECT_THAT(c.status().message(), Not(HasSubstr("hunter2")));

  Write(file, R"({"auths": {"r.io": {"auth": ")" + Auth("no-colon") + R"("}}})");
  EXPECT_FALSE(LookupCredential("r.io", files_).ok());

  // A helper name cannot leave PATH.
  Write(file, R"({"credHelpers": {"r.io": "../../../bin/sh"}})");
  c = LookupCredential("r.io", files_);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("not a helper name"));

  Write(file, R"({"credsStore": "missing"})");
  c = LookupCredential("r.io", files_);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("docker-credential-missing: not found in PATH"));

  Write(file, "{not json");
  c = LookupCredential("r.io", files_);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr(file + ": invalid JSON"));
}

TEST_F(CredentialsTest, StoreWritesAPrivateFileAndKeepsTheRest) {
  const std::string file = home_ + "/.config/containers/auth.json";
  EXPECT_EQ(LoginFile(files_), file);
  Write(file, R"({"auths": {"https://r.io/v1/": {"auth": ")" + Auth("old:pw") +
                  R"("}, "q.io": {"auth": ")" + Auth("q:pw") + R"("}}, "credHelpers": {"z.io": "x"}})");
  absl::StatusOr<std::string> path = StoreCredential("r.io", {"alice", "new pw:with colon", ""}, files_);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, file);
  struct stat st;
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::optional<Credential> c = Lookup("r.io");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->username, "alice");
  EXPECT_EQ(c->password, "new pw:with colon");
  absl::StatusOr<std::string> text = ReadFile(file);
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, Not(HasSubstr("https://r.io/v1/")));  // one entry per host
  EXPECT_THAT(*text, HasSubstr("\"q.io\""));
  EXPECT_THAT(*text, HasSubstr("\"credHelpers\""));
  EXPECT_THAT(*text, Not(HasSubstr("new pw")));  // base64, as everyone writes it

  ASSERT_TRUE(EraseCredential("r.io", files_).ok());
  EXPECT_FALSE(Lookup("r.io").has_value());
  EXPECT_EQ(Lookup("q.io")->username, "q");
  absl::StatusOr<std::string> again = EraseCredential("r.io", files_);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kNotFound);

  // A fresh file, in a folder only its owner may enter.
  files_.env["XDG_RUNTIME_DIR"] = home_ + "/run";
  ASSERT_TRUE(StoreCredential("docker.io", {"hub", "pw", ""}, files_).ok());
  ASSERT_EQ(stat((home_ + "/run/containers").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  text = ReadFile(home_ + "/run/containers/auth.json");
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("\"docker.io\""));

  // A file that is not JSON is not overwritten.
  Write(file, "{broken");
  EXPECT_FALSE(StoreCredential("r.io", {"a", "b", ""}, CredentialFiles{file, files_.env}).ok());
  EXPECT_EQ(*ReadFile(file), "{broken");
}

}  // namespace
}  // namespace stowage::registry
