#include "lib/publish/state.h"

#include <stdlib.h>

#include <string>

#include "gtest/gtest.h"
#include "lib/fs/file.h"
#include "lib/publish/out_dir.h"

namespace stowage::publish {
namespace {

std::string NewDir() {
  std::string tmpl = ::testing::TempDir() + "/state-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

TEST(StateTest, RoundTrip) {
  std::string dir = NewDir();
  std::string text = StateText("{\"format\":3}", "store a b", "search c",
                               {{"library/x", "f1"}, {"team/app", "f2"}});
  ASSERT_TRUE(CommitState(dir, text).ok());
  absl::StatusOr<PublishState> state = PublishState::Read(dir);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->text(), text);
  EXPECT_TRUE(state->Same("{\"format\":3}", "store a b"));
  EXPECT_FALSE(state->Same("{\"format\":3}", "store a B"));
  EXPECT_FALSE(state->Same("{\"format\":4}", "store a b"));
  EXPECT_EQ(state->repositories(), 2u);
  EXPECT_EQ(state->search_line(), "search c");
  auto fps = state->Fingerprints("{\"format\":3}");
  EXPECT_EQ(fps.size(), 2u);
  EXPECT_EQ(fps["team/app"], "f2");
  EXPECT_TRUE(state->Fingerprints("{\"format\":4}").empty());
}

TEST(StateTest, MovedStateKeepsItsViews) {
  PublishState a(StateText("o", "s", "q", {{"r", "f"}}));
  PublishState b(std::move(a));
  EXPECT_EQ(b.search_line(), "q");
  EXPECT_EQ(b.Fingerprints("o").at("r"), "f");
}

TEST(StateTest, MissingAndInvalidated) {
  std::string dir = NewDir();
  absl::StatusOr<PublishState> none = PublishState::Read(dir);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(none->Same("", ""));
  EXPECT_EQ(none->search_line(), "");
  EXPECT_TRUE(InvalidateState(dir).ok());  // nothing to remove
  ASSERT_TRUE(CommitState(dir, "o\ns\nq\n").ok());
  ASSERT_TRUE(InvalidateState(dir).ok());
  EXPECT_FALSE(Exists(JoinPath(dir, kStateFile)));
  EXPECT_TRUE(PublishState::Read(dir)->empty());
}

TEST(StateTest, DamagedLinesAreIgnored) {
  PublishState s("o\ns\n");  // cut short
  EXPECT_EQ(s.repositories(), 0u);
  EXPECT_EQ(s.search_line(), "");
  PublishState t("o\ns\nq\nno-space-here\nrepo fp\n");
  EXPECT_EQ(t.Fingerprints("o").size(), 1u);
}

}  // namespace
}  // namespace stowage::publish
