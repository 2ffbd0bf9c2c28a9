// End-to-end: the S3 upload plan. The tree is uploaded with the generated
// s3/upload.sh (the real AWS CLI, Debian's awscli) to s3rver, an S3
// *emulator* from npm (tests/s3/package.json), not to AWS. Then:
//   - every object comes back from the emulator with the Content-Type the
//     plan gave it (path-style requests, straight to the emulator);
//   - skopeo pulls by tag and by digest through nginx configured as a plain
//     path-mapping front (proxy_pass to the bucket, adding no header), the
//     way a CDN maps a host's root to a bucket.
//
// scripts/test.sh installs s3rver and sets STOWAGE_S3RVER; without it the
// test is skipped and says so.

#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/daemon.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::Daemon;
using ::stowage::testing::FreePort;
using ::stowage::testing::MakeImages;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::RefDigest;
using ::stowage::testing::Result;
using ::stowage::testing::Shell;
using ::stowage::testing::Stowage;
using ::stowage::testing::Trim;
using ::stowage::testing::WaitForPort;
using ::testing::HasSubstr;

TEST(S3Test, UploadPlanServesRealClients) {
  const char* s3rver = getenv("STOWAGE_S3RVER");
  if (s3rver == nullptr || *s3rver == '\0') {
    GTEST_SKIP() << "STOWAGE_S3RVER is not set (scripts/test.sh installs the "
                    "s3rver emulator and sets it)";
  }
  std::string dir = MakeTempDir();
  std::string images = dir + "/images";
  ASSERT_EQ(MakeImages(images).exit_code, 0);
  std::string store = dir + "/store";
  ASSERT_EQ(Stowage({"init", store}).exit_code, 0);
  ASSERT_EQ(Stowage({"import", "--store", store, "oci:" + images + "/single:v1",
                     "team/app:v1"})
                .exit_code,
            0);
  ASSERT_EQ(Stowage({"import", "--store", store, "oci:" + images + "/multi:latest",
                     "library/multi:latest"})
                .exit_code,
            0);
  std::string out = dir + "/out";
  Result pub = Stowage({"publish", "--store", store, out, "--server", "s3"});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;

  int s3_port = FreePort();
  Daemon emulator({s3rver, "-d", dir + "/s3data", "-a", "127.0.0.1", "-p",
                   std::to_string(s3_port), "--configure-bucket", "registry"},
                  dir + "/s3rver.log");
  ASSERT_TRUE(WaitForPort(s3_port, 30)) << emulator.LogText();
  std::string aws_env =
      "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 "
      "HOME=" + dir + " ";
  std::string endpoint = absl::StrCat("http://127.0.0.1:", s3_port);
  Result up = Shell(aws_env + out + "/s3/upload.sh registry --endpoint-url " + endpoint);
  ASSERT_EQ(up.exit_code, 0) << up.err << up.out;

  // Every object's Content-Type, as the plan decided it.
  std::string app = Trim(Shell("jq -r '.manifests[0].digest' " + images + "/single/index.json").out);
  std::string multi = Trim(Shell("jq -r '.manifests[0].digest' " + images + "/multi/index.json").out);
  struct Want {
    std::string key, type;
  } wants[] = {
      {"v2/", "application/json"},
      {"v2/team/app/manifests/v1", "application/vnd.oci.image.manifest.v1+json"},
      {"v2/team/app/manifests/" + app, "application/vnd.oci.image.manifest.v1+json"},
      {"v2/library/multi/manifests/latest", "application/vnd.oci.image.index.v1+json"},
      {"v2/team/app/blobs/" + app, "application/octet-stream"},
      {"v2/team/app/tags/list", "application/json"},
      {"v2/_catalog", "application/json"},
  };
  for (const Want& w : wants) {
    Result r = Shell("curl -s -o /dev/null -w '%{http_code} %{content_type}' " + endpoint +
                     "/registry/" + w.key);
    EXPECT_EQ(r.out, "200 " + w.type) << w.key;
  }

  // nginx as a front that maps the host's root to the bucket, adding nothing.
  int front_port = FreePort();
  std::string conf = dir + "/front.conf";
  ASSERT_EQ(Shell(absl::StrCat(
                      "mkdir -p ", dir, "/front && printf '%s' 'daemon off; pid ", dir,
                      "/front/pid; error_log ", dir, "/front/error.log; events {} http { access_log off; "
                      "client_body_temp_path ", dir, "/front; proxy_temp_path ", dir, "/front; ",
                      "server { listen 127.0.0.1:", front_port, "; location / { proxy_pass ",
                      endpoint, "/registry/; } } }' > ", conf))
                .exit_code,
            0);
  Daemon front({"nginx", "-p", dir + "/front", "-c", conf}, dir + "/front.log");
  ASSERT_TRUE(WaitForPort(front_port, 10)) << front.LogText();
  std::string host = absl::StrCat("127.0.0.1:", front_port);
  for (const std::string& ref : std::vector<std::string>{"team/app:v1", "team/app@" + app, "library/multi:latest"}) {
    std::string dest = dir + "/pulled";
    Result copy = Shell("skopeo --insecure-policy copy -q --all --preserve-digests "
                        "--src-tls-verify=false docker://" + host + "/" + ref + " oci:" +
                        dest + ":x");
    ASSERT_EQ(copy.exit_code, 0) << ref << ": " << copy.err;
    std::string want = absl::StrContains(ref, "multi") ? multi : app;
    EXPECT_EQ(RefDigest(dest, "x"), want) << ref;
  }
  // What S3 cannot send, as the plan's README says.
  Result headers = Shell("curl -sI " + endpoint + "/registry/v2/team/app/manifests/v1");
  EXPECT_THAT(absl::AsciiStrToLower(headers.out), ::testing::Not(HasSubstr("docker-content-digest")));
  EXPECT_THAT(Shell("cat " + out + "/s3/README.txt").out, HasSubstr("No Docker-Content-Digest"));
}

}  // namespace
}  // namespace stowage
