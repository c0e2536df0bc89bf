#include "base/markup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sealpost {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MarkupTest, HtmlLosesTagsScriptsAndStylesKeepsEntities) {
  std::string text = HtmlToText(
      "<html><head><style>p{color:red}</style><script>var secret=1;"
      "</script></head><body><p>Caf&eacute; <b>bold</b>word&amp;more&#33;"
      "<!-- hidden --></p></body></html>",
      1 << 20);
  EXPECT_THAT(text, HasSubstr("Caf\xc3\xa9"));
  EXPECT_THAT(text, HasSubstr("boldword&more!"));
  EXPECT_THAT(text, Not(HasSubstr("color")));
  EXPECT_THAT(text, Not(HasSubstr("secret")));
  EXPECT_THAT(text, Not(HasSubstr("hidden")));
}

// What a browser shows as one word is one word: inline tags, comments and
// character references inside it split nothing (a rule's keyword written
// "con<b>fid</b>ential" was two words to the mail flow rules).
TEST(MarkupTest, InlineTagsAndCommentsSplitNoWord) {
  EXPECT_EQ(HtmlToText("con<b>fid</b><SPAN class=x>en</SPAN><a href='#'>ti"
                       "</a><font color=red>al</font><!-- x -->ly",
                       1 << 20),
            "confidentially");
  EXPECT_EQ(HtmlToText("con&#102;&#x69;dential", 1 << 20), "confidential");
  EXPECT_EQ(HtmlToText("<o:p>x</o:p><w:Sdt>y", 1 << 20), " x  y");
}

// A tag that breaks the line is a space: words in two paragraphs or cells
// stay two words.
TEST(MarkupTest, BlockTagsSeparateWords) {
  EXPECT_EQ(HtmlToText("<p>secret</p><p>plans</p>", 1 << 20),
            " secret  plans ");
  EXPECT_EQ(HtmlToText("a<br>b<td>c</td><div>d", 1 << 20), "a b c  d");
  EXPECT_EQ(HtmlToText("a<unknown>b", 1 << 20), "a b");
}

TEST(MarkupTest, TextIsCappedAndUnclosedMarkupEnds) {
  EXPECT_EQ(HtmlToText(std::string(100, 'x'), 10), std::string(10, 'x'));
  EXPECT_EQ(HtmlToText("a<b", 1 << 20), "a");
  EXPECT_EQ(HtmlToText("a<!-- never closed", 1 << 20), "a");
  EXPECT_EQ(HtmlToText("a<script>b", 1 << 20), "a ");
  EXPECT_EQ(HtmlToText("a&unknown;b&", 1 << 20), "a&unknown;b&");
}

}  // namespace
}  // namespace sealpost
