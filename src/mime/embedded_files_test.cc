#include "mime/embedded_files.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace sealpost::mime::internal {
namespace {

std::vector<EmbeddedFiles::File> FilesIn(std::string_view text,
                                         size_t max_files = 100,
                                         size_t slice = 1) {
  EmbeddedFiles files(max_files);
  for (size_t i = 0; i < text.size(); i += slice) {
    files.Feed(text.substr(i, slice));
  }
  return files.Finish();
}

// BinHex 4.0's header run-length coded (RFC 1741: "aaaa" is 'a', 0x90, 4;
// a 0x90 byte is 0x90, 0): the name and the data fork's length (0x90) as
// they decode. Made with a BinHex encoder written from RFC 1741 in Python.
TEST(EmbeddedFilesTest, BinHexHeaderIsRunLengthDecoded) {
  auto files = FilesIn(
      "(This file must be converted with BinHex 4.0)\r\n\r\n"
      ":#''3\"#jPH'8!39\"36$mr2cm!!!!!!*!!!!!!!!!!:\r\n");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].name, "aaaa.exe");
  EXPECT_EQ(files[0].size, 0x90);
  // Not BinHex after the marker: a file all the same, unnamed.
  EmbeddedFiles broken(100);
  broken.Feed("(This file must be converted with BinHex 4.0)\n:~~~\n");
  files = broken.Finish();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].name, "");
  EXPECT_TRUE(broken.incomplete());  // a file no name rule can see
}

// A BinHex header whose name is empty (length 0; made as above): a file
// no name rule matches, so the list is incomplete (fail closed).
TEST(EmbeddedFilesTest, BinHexWithAnEmptyNameIsIncomplete) {
  EmbeddedFiles files(100);
  files.Feed(
      "(This file must be converted with BinHex 4.0)\r\n"
      ":!!\"849K8G(4iG!!!!!!!!`!!!!$KS`:\r\n");
  auto found = files.Finish();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].name, "");
  EXPECT_EQ(found[0].size, 3);
  EXPECT_TRUE(files.incomplete());
}

// A block without its end line does not hide the next one; a last line
// without a line break counts; each slice size reads the same.
TEST(EmbeddedFilesTest, BlocksWithoutTheirEnd) {
  const std::string text =
      "begin 644 a.txt\nM86)C\nbegin 0755 b.exe\n#86)C\n`\nend\n"
      "=ybegin line=128 size=3 name=c.exe\nab=}";
  for (size_t slice : {1, 3, 1000}) {
    auto files = FilesIn(text, 100, slice);
    ASSERT_EQ(files.size(), 3u) << slice;
    EXPECT_EQ(files[0].name, "a.txt");
    EXPECT_EQ(files[0].size, 45);  // 'M': what the line says
    EXPECT_EQ(files[1].name, "b.exe");
    EXPECT_EQ(files[1].size, 3);
    EXPECT_EQ(files[2].name, "c.exe");
    EXPECT_EQ(files[2].size, 3);  // "=}" is one byte
  }
}

// No more files than the caller's budget.
TEST(EmbeddedFilesTest, KeepsNoMoreThanItsBudget) {
  std::string text;
  for (int i = 0; i < 10; ++i) {
    text += "begin 644 f" + std::to_string(i) + ".exe\n`\nend\n";
  }
  EmbeddedFiles over(4);
  over.Feed(text);
  auto files = over.Finish();
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[3].name, "f3.exe");
  // Past the budget the list says it is incomplete: the rules fail closed.
  EXPECT_TRUE(over.incomplete());
  EmbeddedFiles enough(10);
  enough.Feed(text);
  EXPECT_EQ(enough.Finish().size(), 10u);
  EXPECT_FALSE(enough.incomplete());
}

// A line longer than kMaxLine keeps its end too: yEnc's name= after 4 KB
// of parameters, a uuencoded name of 5000 characters keeps its extension,
// and a yEnc name= lost in the middle still ends as the line does.
TEST(EmbeddedFilesTest, ALongLineKeepsItsEnd) {
  const std::string junk(5000, 'A');
  const std::string text =
      "=ybegin line=128 x=" + junk + " name=evil.exe\r\nab\r\n=yend\r\n" +
      "begin 644 " + junk + ".exe\r\n`\r\nend\r\n" +
      "=ybegin line=128 name=" + junk + ".scr\r\nab\r\n=yend\r\n";
  for (size_t slice : {1, 7, 1000}) {
    auto files = FilesIn(text, 100, slice);
    ASSERT_EQ(files.size(), 3u) << slice;
    EXPECT_EQ(files[0].name, "evil.exe");
    EXPECT_EQ(files[0].size, 2);
    EXPECT_TRUE(files[1].name.starts_with("AAAA")) << files[1].name;
    EXPECT_TRUE(files[1].name.ends_with("A.exe")) << files[1].name;
    EXPECT_TRUE(files[2].name.ends_with("A.scr")) << files[2].name;
  }
}

// A bare CR ends a line, as readers take it (old Mac text); CRLF is one
// line end, not two. A name's leading blanks are not part of it.
TEST(EmbeddedFilesTest, BareCrEndsALineAndNamesLoseLeadingBlanks) {
  for (size_t slice : {1, 1000}) {
    auto files = FilesIn(
        "see\rbegin 644 evil.exe\r#86)C\r`\rend\r"
        "begin 644  \t spaced.exe\r\n#86)C\r\n`\r\nend\r\n"
        "begin 644 \t \r\n",
        100, slice);
    ASSERT_EQ(files.size(), 2u) << slice;
    EXPECT_EQ(files[0].name, "evil.exe");
    EXPECT_EQ(files[0].size, 3);
    EXPECT_EQ(files[1].name, "spaced.exe");
    EXPECT_EQ(files[1].size, 3);
  }
}

}  // namespace
}  // namespace sealpost::mime::internal
