#include "tests/harness/process.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

extern char** environ;

namespace stowage::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "harness: %s: %s\n", what.c_str(), std::strerror(errno));
  std::abort();
}

}  // namespace

std::string MakeTempDir() {
  std::string tmpl = ::testing::TempDir() + "/stowage-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp " + tmpl);
  return tmpl;
}

Result RunProgram(const std::vector<std::string>& argv, const std::string& input) {
  std::string dir = MakeTempDir();
  std::string in_path = dir + "/stdin", out_path = dir + "/stdout",
              err_path = dir + "/stderr";
  WriteAll(in_path, input);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    errno = rc;
    Die("cannot start " + argv[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) Die("waitpid");
  }
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadAll(out_path);
  r.err = ReadAll(err_path);
  return r;
}

std::string Runfile(const std::string& path) {
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* workspace = getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) {
    std::fprintf(stderr, "harness: run under 'bazel test' (no TEST_SRCDIR)\n");
    std::abort();
  }
  return std::string(srcdir) + "/" + workspace + "/" + path;
}

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

std::string RefDigest(const std::string& layout, const std::string& ref) {
  return Trim(Shell("jq -r '.manifests[] | select(.annotations[\"org.opencontainers.image.ref.name\"] == \"" +
                    ref + "\") | .digest' " + layout + "/index.json")
                  .out);
}

Result MakeImages(const std::string& dir) {
  return Shell("bash " + Runfile("tests/images/make_images.sh") + " " + dir + " >/dev/null");
}

Result MakeTinyLayout(const std::string& dir) {
  return Shell(
      "set -e; mkdir -p " + dir + "/blobs/sha256; cd " + dir + "; printf '{}' > c; "
      "cd_=$(sha256sum c | cut -c1-64); mv c blobs/sha256/$cd_; "
      "printf '{\"schemaVersion\":2,\"mediaType\":\"application/"
      "vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
      "\"application/vnd.oci.image.config.v1+json\",\"digest\":"
      "\"sha256:%s\",\"size\":2},\"layers\":[]}' $cd_ > m; "
      "md=$(sha256sum m | cut -c1-64); ms=$(stat -c %s m); "
      "mv m blobs/sha256/$md; "
      "printf '{\"imageLayoutVersion\":\"1.0.0\"}' > oci-layout; "
      "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
      "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":"
      "\"sha256:%s\",\"size\":%s,\"annotations\":{"
      "\"org.opencontainers.image.ref.name\":\"v1\"}}]}' $md $ms > index.json");
}

Result MakeLayoutWithLayer(const std::string& dir, int bytes) {
  return Shell(absl::StrCat(
      "set -e; mkdir -p ", dir, "/blobs/sha256; cd ", dir, "; printf '{}' > c; ",
      "c=$(sha256sum c | cut -c1-64); mv c blobs/sha256/$c; ",
      "head -c ", bytes, " /dev/urandom > l; l=$(sha256sum l | cut -c1-64); ",
      "ls=$(stat -c %s l); mv l blobs/sha256/$l; ",
      "printf '{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
      "manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci."
      "image.config.v1+json\",\"digest\":\"sha256:%s\",\"size\":2},\"layers\":"
      "[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":"
      "\"sha256:%s\",\"size\":%s}]}' $c $l $ls > m; ",
      "m=$(sha256sum m | cut -c1-64); ms=$(stat -c %s m); mv m blobs/sha256/$m; ",
      "printf '{\"imageLayoutVersion\":\"1.0.0\"}' > oci-layout; ",
      "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/"
      "vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\",\"size\":%s,"
      "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}' "
      "$m $ms > index.json"));
}

size_t CountLines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::string StowageBinary() { return Runfile("cmd/stowage/stowage"); }

Result Shell(const std::string& script) {
  return RunProgram({"sh", "-c", script});
}

Result Stowage(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv = {StowageBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, input);
}

}  // namespace stowage::testing
