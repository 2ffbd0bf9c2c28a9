// Running programs from end-to-end tests.
//
// RunProgram() starts a program with the given arguments and standard input, waits
// for it, and returns what it printed and how it ended. Output goes through
// temporary files, so a program that prints a lot cannot deadlock the test.

#ifndef STOWAGE_TESTS_HARNESS_PROCESS_H_
#define STOWAGE_TESTS_HARNESS_PROCESS_H_

#include <string>
#include <vector>

namespace stowage::testing {

struct Result {
  int exit_code = -1;  // -1 when the program was killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in PATH when it has no '/') with `input` on
// standard input. Aborts the test binary if the program cannot be started.
Result RunProgram(const std::vector<std::string>& argv, const std::string& input = "");

// The stowage binary built by Bazel, from the test's runfiles.
std::string StowageBinary();

// The absolute path of a file of this workspace in the test's runfiles,
// e.g. Runfile("tests/images/make_images.sh").
std::string Runfile(const std::string& path);

// Runs `script` with sh -c; for pipelines and redirections in tests.
Result Shell(const std::string& script);

// Runs the stowage binary with `args`.
Result Stowage(const std::vector<std::string>& args,
               const std::string& input = "");

// `s` without surrounding white space.
std::string Trim(const std::string& s);

// The digest of the entry named `ref` in the index.json of the OCI layout at
// `layout`, read with jq as a script would; "" when there is none.
std::string RefDigest(const std::string& layout, const std::string& ref);

// Builds the real test images (tests/images/make_images.sh, with umoci,
// skopeo and buildah) into `dir`.
Result MakeImages(const std::string& dir);

// Writes into `dir` (made if missing) the smallest OCI layout: one image
// manifest with an empty config ("{}") and no layers, tagged "v1". Needs
// only sh and coreutils (no umoci), for tests of names and metadata.
Result MakeTinyLayout(const std::string& dir);

// Writes into `dir` (made if missing) an OCI layout with one image, "v1",
// whose one layer is `bytes` random bytes (a tar media type, but not a tar:
// for tests that move blobs and do not unpack them). Needs only sh and
// coreutils.
Result MakeLayoutWithLayer(const std::string& dir, int bytes);

// How many lines `s` holds ('\n' characters).
size_t CountLines(const std::string& s);

// A new empty directory under the test's temporary directory.
std::string MakeTempDir();

}  // namespace stowage::testing

#endif  // STOWAGE_TESTS_HARNESS_PROCESS_H_
