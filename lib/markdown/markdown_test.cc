#include "lib/markdown/markdown.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stowage::markdown {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MarkdownTest, GithubFlavour) {
  std::string html = ToHtml(
      "# Title\n\n"
      "| tag | size |\n|-----|-----:|\n| v1 | 10 MB |\n\n"
      "```sh\ndocker pull example/app\n```\n\n"
      "See https://example.com/docs and ~~old~~ new.\n\n"
      "- [x] done\n- [ ] to do\n");
  EXPECT_THAT(html, HasSubstr("<h1>Title</h1>"));
  EXPECT_THAT(html, HasSubstr("<table>"));
  EXPECT_THAT(html, HasSubstr("<th>tag</th>"));
  EXPECT_THAT(html, HasSubstr("<td align=\"right\">10 MB</td>"));
  EXPECT_THAT(html, HasSubstr("<pre lang=\"sh\"><code>docker pull example/app\n</code></pre>"));
  EXPECT_THAT(html, HasSubstr("<a href=\"https://example.com/docs\">https://example.com/docs</a>"));
  EXPECT_THAT(html, HasSubstr("<del>old</del>"));
  EXPECT_THAT(html, HasSubstr("type=\"checkbox\""));
}

TEST(MarkdownTest, RawHtmlIsEscaped) {
  struct Case {
    const char* markdown;
    const char* escaped;  // what the reader sees instead
  } cases[] = {
      {"<script>alert(1)</script>\n", "&lt;script&gt;alert(1)&lt;/script&gt;"},
      {"Hello <img src=x onerror=alert(1)> there\n", "&lt;img src=x onerror=alert(1)&gt;"},
      {"<div onclick=\"steal()\">\n\n*x*\n\n</div>\n", "&lt;div onclick=&quot;steal()&quot;&gt;"},
      {"a <b>bold</b> word\n", "&lt;b&gt;bold&lt;/b&gt;"},
  };
  for (const Case& c : cases) {
    std::string html = ToHtml(c.markdown);
    EXPECT_THAT(html, HasSubstr(c.escaped)) << c.markdown;
    EXPECT_THAT(html, Not(HasSubstr("<script"))) << c.markdown;
    EXPECT_THAT(html, Not(HasSubstr("<img"))) << c.markdown;
    EXPECT_THAT(html, Not(HasSubstr("<div"))) << c.markdown;
    EXPECT_THAT(html, Not(HasSubstr("<b>"))) << c.markdown;
  }
}

TEST(MarkdownTest, DangerousLinksAreEmptied) {
  std::string html = ToHtml("[click](javascript:alert(1)) ![i](vbscript:x)\n");
  EXPECT_THAT(html, Not(HasSubstr("javascript:")));
  EXPECT_THAT(html, Not(HasSubstr("vbscript:")));
  EXPECT_THAT(html, HasSubstr("<a href=\"\">click</a>"));
}

TEST(MarkdownTest, EmptyAndDeterministic) {
  EXPECT_EQ(ToHtml(""), "");
  std::string text = "# A\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
  EXPECT_EQ(ToHtml(text), ToHtml(text));
}

}  // namespace
}  // namespace stowage::markdown
