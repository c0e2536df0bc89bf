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
  files = FilesIn("(This file must be converted with BinHex 4.0)\n:~~~\n");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].name, "");
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
  auto files = FilesIn(text, 4, 7);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[3].name, "f3.exe");
}

}  // namespace
}  // namespace sealpost::mime::internal
