// End-to-end: stowage and skopeo writing into one store at the same time.
//
// skopeo 1.9 takes none of stowage's locks: `skopeo copy ... oci:STORE:REF`
// reads index.json when it starts and, when it ends, rewrites it in place
// (O_TRUNC, then one write) as what it read plus its own entry. So a tag
// stowage writes in between is dropped by skopeo, which stowage cannot
// prevent; what stowage does guarantee, and this test checks over many
// trials, is that it never drops an entry skopeo wrote (it reads index.json
// again before it replaces it, and starts over when it changed), that its
// own tags written before skopeo started or after it ended are all there,
// and that none of its commands fails on a half-written index.json.

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"

namespace stowage {
namespace {

using ::stowage::testing::MakeLayoutWithLayer;
using ::stowage::testing::MakeTempDir;
using ::stowage::testing::Result;
using ::stowage::testing::Shell;
using ::stowage::testing::StowageBinary;
using ::stowage::testing::Trim;

// One program run of a trial: "NAME EXIT START END" (seconds since the epoch).
struct ProgramRun {
  std::string name;  // the tag it writes
  int exit_code = -1;
  double start = 0, end = 0;
};

std::vector<ProgramRun> ReadProgramRuns(const std::string& path) {
  std::ifstream in(path);
  std::vector<ProgramRun> runs;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() != 4) continue;
    runs.push_back(ProgramRun{f[0], std::stoi(f[1]), std::stod(f[2]), std::stod(f[3])});
  }
  return runs;
}

// The ref names of the entries of the layout's index.json.
std::vector<std::string> EntryNames(const std::string& layout) {
  Result r = Shell("jq -r '.manifests[].annotations[\"org.opencontainers.image.ref.name\"]' " +
                   layout + "/index.json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return absl::StrSplit(Trim(r.out), '\n');
}

// A trial: in a new store, twelve stowage commands one after another (tag,
// tag, import, ...), with one skopeo copy into the store started `delay_ms`
// after the first. Writes their runs to LOG.stowage and LOG.skopeo.
std::string TrialScript(const std::string& work, const std::string& store, int n,
                        int delay_ms, const std::string& log) {
  const std::string stowage = StowageBinary();
  return absl::StrCat(
      "now() { date +%s.%N; }\n",
      "( sleep ", delay_ms / 1000.0, "; s=$(now); skopeo copy -q oci:", work,
      "/big:v1 oci:", store, ":team/skopeo:t", n, " 2>", log, ".skopeo-err; rc=$?; ",
      "echo \"team/skopeo:t", n, " $rc $s $(now)\" > ", log, ".skopeo ) &\n",
      "for k in 1 2 3 4 5 6 7 8 9 10 11 12; do\n",
      "  s=$(now)\n",
      "  if [ $((k % 3)) = 0 ]; then name=team/imp:k$k; ", stowage,
      " import -q --store ", store, " oci:", work, "/tiny:v1 $name\n",
      "  else name=team/tag:k$k; ", stowage, " tag --store ", store,
      " team/base:v1 $name >/dev/null; fi\n",
      "  echo \"$name $? $s $(now)\"\n",
      "done > ", log, ".stowage 2> ", log, ".stowage-err\n",
      "wait\n");
}

class StoreRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = MakeTempDir();
    Result big = MakeLayoutWithLayer(work_ + "/big", 8 << 20);
    ASSERT_EQ(big.exit_code, 0) << big.err;
    Result tiny = MakeLayoutWithLayer(work_ + "/tiny", 100);
    ASSERT_EQ(tiny.exit_code, 0) << tiny.err;
  }

  // Runs trial `n`; returns how many stowage commands overlapped skopeo.
  int Trial(int n) {
    const std::string store = absl::StrCat(work_, "/store-", n);
    const std::string log = absl::StrCat(work_, "/log-", n);
    Result init = Shell(absl::StrCat(StowageBinary(), " init ", store, " && ",
                                     StowageBinary(), " import -q --store ", store,
                                     " oci:", work_, "/tiny:v1 team/base:v1"));
    EXPECT_EQ(init.exit_code, 0) << init.err;
    Shell(TrialScript(work_, store, n, (n % 10) * 10, log));
    int raced = Check(store, log);
    Shell("rm -rf " + store);
    return raced;
  }

  int Check(const std::string& store, const std::string& log) {
    std::vector<ProgramRun> skopeo = ReadProgramRuns(log + ".skopeo");
    std::vector<ProgramRun> stowage = ReadProgramRuns(log + ".stowage");
    std::string errors = Shell("cat " + log + ".skopeo-err " + log + ".stowage-err").out;
    EXPECT_EQ(skopeo.size(), 1u) << errors;
    EXPECT_EQ(stowage.size(), 12u) << errors;
    if (skopeo.size() != 1) return 0;
    const ProgramRun& copy = skopeo[0];
    EXPECT_EQ(copy.exit_code, 0) << errors;
    std::vector<std::string> names = EntryNames(store);
    // Whatever else ran, the tag skopeo wrote is there.
    if (copy.exit_code == 0) {
      EXPECT_THAT(names, ::testing::Contains(copy.name)) << errors;
    }
    int raced = 0;
    for (const ProgramRun& r : stowage) {
      EXPECT_EQ(r.exit_code, 0) << r.name << ": " << errors;
      if (r.end < copy.start || r.start > copy.end) {
        EXPECT_THAT(names, ::testing::Contains(r.name)) << "written outside skopeo's copy";
      } else {
        ++raced;  // may be dropped by skopeo's stale copy of index.json
      }
    }
    Result ls = Shell(absl::StrCat(StowageBinary(), " ls --store ", store));
    EXPECT_EQ(ls.exit_code, 0) << ls.err;
    return raced;
  }

  std::string work_;
};

TEST_F(StoreRaceTest, StowageNeverDropsWhatSkopeoWrote) {
  constexpr int kTrials = 30;
  const absl::Time deadline = absl::Now() + absl::Minutes(3);
  int trials = 0, raced = 0;
  while (trials < kTrials && absl::Now() < deadline && !HasFailure()) {
    SCOPED_TRACE(absl::StrCat("trial ", trials));
    raced += Trial(trials++);
  }
  std::cout << trials << " trials, " << raced
            << " stowage commands overlapping a skopeo copy\n";
  // The commands of a trial span more than skopeo's start delay, so some
  // overlap its copy: otherwise nothing raced and nothing was tested.
  EXPECT_GT(raced, 0);
}

// gc while a skopeo copy into the store runs: skopeo writes its blobs
// under their names long before index.json names them, and gc must not
// take them for garbage. Each trial runs gc over and over during the copy;
// afterwards the image skopeo tagged must be whole (export hashes every
// blob).
TEST_F(StoreRaceTest, GcDuringASkopeoCopyKeepsItsBlobs) {
  Result big = MakeLayoutWithLayer(work_ + "/bigger", 96 << 20);
  ASSERT_EQ(big.exit_code, 0) << big.err;
  const std::string stowage = StowageBinary();
  int overlapped = 0;
  for (int n = 0; n < 5 && !HasFailure(); ++n) {
    SCOPED_TRACE(absl::StrCat("trial ", n));
    const std::string store = absl::StrCat(work_, "/gc-store-", n);
    ASSERT_EQ(Shell(stowage + " init " + store).exit_code, 0);
    Result r = Shell(absl::StrCat(
        "skopeo copy -q oci:", work_, "/bigger:v1 oci:", store, ":team/skopeo:v1 & pid=$!; ",
        "runs=0; while kill -0 $pid 2>/dev/null; do ", stowage, " gc --store ", store,
        " >/dev/null || exit 3; runs=$((runs + 1)); done; wait $pid || exit 4; echo $runs"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (std::stoi(Trim(r.out)) > 1) ++overlapped;
    Result exp = Shell(absl::StrCat(stowage, " export -q --store ", store,
                                    " team/skopeo:v1 oci:", work_, "/out-", n));
    EXPECT_EQ(exp.exit_code, 0) << exp.err;
    Shell("rm -rf " + store);
  }
  EXPECT_GT(overlapped, 0) << "no gc ran during a copy";
}

}  // namespace
}  // namespace stowage
