// A test fixture for end-to-end tests of a store: the real test images
// (tests/images/make_images.sh) built once per test binary, and a fresh,
// empty store for each test.
//
//   class CopyTest : public stowage::testing::StoreFixture {};
//   TEST_F(CopyTest, X) {
//     Result r = S("import", {"oci:" + Images("single:v1"), "team/app:v1"});
//   }

#ifndef STOWAGE_TESTS_HARNESS_STORE_FIXTURE_H_
#define STOWAGE_TESTS_HARNESS_STORE_FIXTURE_H_

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/harness/process.h"

namespace stowage::testing {

class StoreFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (images_ != nullptr) return;
    images_ = new std::string(MakeTempDir() + "/images");
    Result r = MakeImages(*images_);
    ASSERT_EQ(r.exit_code, 0) << "make_images.sh failed: " << r.err;
  }

  void SetUp() override {
    work_ = MakeTempDir();
    store_ = work_ + "/store";
    ASSERT_EQ(Stowage({"init", store_}).exit_code, 0);
  }

  // "single:v1" -> the layout ref's path, as oci: takes it.
  static std::string Images(const std::string& name) { return *images_ + "/" + name; }

  // stowage SUBCOMMAND --store STORE ARGS...
  Result S(const std::string& sub, std::vector<std::string> args) const {
    args.insert(args.begin(), {sub, "--store", store_});
    return Stowage(args);
  }

  static inline std::string* images_ = nullptr;
  std::string work_;   // a new temporary folder per test
  std::string store_;  // work_/store, initialized
};

}  // namespace stowage::testing

#endif  // STOWAGE_TESTS_HARNESS_STORE_FIXTURE_H_
