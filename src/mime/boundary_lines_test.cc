#include "mime/boundary_lines.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace sealpost::mime::internal {
namespace {

// The boundary lines of `text` read in slices of `slice` bytes, "b"
// declared first.
int64_t Count(std::string_view text, size_t slice, std::string_view b = "b") {
  BoundaryLines lines;
  int64_t n = lines.Declare(b);
  for (size_t at = 0; at < text.size(); at += slice) {
    n += lines.Read(text.substr(at, slice));
  }
  return n;
}

// Lines GMime 3.2 takes for a boundary, and lines it does not.
TEST(BoundaryLinesTest, LinesAsGmimeReadsThem) {
  struct Case {
    std::string_view text;
    int64_t lines;
  };
  const Case cases[] = {
      {"--b\n", 1},      {"--b\r\n", 1},    {"--b--\r\n", 1},
      {"--b \t\r\n", 1}, {"--b--   \n", 1}, {"--b\n--b\n\n--b--\n", 3},
      {"--b", 0},  // not ended yet
      {"--bx\n", 0},     {"--b x\n", 0},    {"--b---\n", 0},
      {"--b-- --\n", 0}, {" --b\n", 0},     {"-b\n", 0},
      {"--B\n", 0},  // case matters
      {"x--b\n", 0},     {"--c\n", 0},      {"text\n--b\ntext\n", 1},
  };
  for (const Case& c : cases) {
    for (size_t slice : {size_t{1}, size_t{2}, size_t{3}, size_t{4096}}) {
      EXPECT_EQ(Count(c.text, slice), c.lines) << c.text << " / " << slice;
    }
  }
}

// A boundary may end in blanks (boundary="b "): GMime takes "--b \r\n"
// (its boundary, then blanks) and "--b --"; so does the count, and "--b"
// too (a line more than GMime, never one fewer).
TEST(BoundaryLinesTest, BoundaryEndingInBlanksCounts) {
  for (std::string_view b : {"b ", "b\t", "b\r", "b \t "}) {
    const std::string dashed = "--" + std::string(b);
    const std::string text = dashed + "\r\n" + dashed + "  \n" + dashed +
                             "--\r\n" + "--b\n" + "--bb\n";
    for (size_t slice : {size_t{1}, size_t{5}, size_t{4096}}) {
      EXPECT_EQ(Count(text, slice, b), 4) << b << " / " << slice;
    }
    BoundaryLines late;
    EXPECT_EQ(late.Read(text), 0);
    EXPECT_EQ(late.Declare(b), 4) << b;
  }
}

// Any slicing gives the same count: a line split anywhere, blanks past
// what is kept looked at too.
TEST(BoundaryLinesTest, EverySplitCountsTheSame) {
  const std::string text = "preamble\r\n--b\r\n\r\n--b" +
                           std::string(300, ' ') +
                           "\r\n--b  x\r\n--other\r\n--b--\r\n--\r\n--b" +
                           std::string(300, ' ') + "y\r\nepilogue";
  ASSERT_EQ(Count(text, text.size()), 3);
  for (size_t at = 0; at <= text.size(); ++at) {
    BoundaryLines lines;
    lines.Declare("b");
    const int64_t n = lines.Read(std::string_view(text).substr(0, at)) +
                      lines.Read(std::string_view(text).substr(at));
    EXPECT_EQ(n, 3) << at;
  }
}

// Every boundary declared counts, and so does an empty one ("--" alone),
// as GMime pushes it.
TEST(BoundaryLinesTest, EveryDeclaredBoundaryCounts) {
  BoundaryLines lines;
  EXPECT_EQ(lines.Declare("outer"), 0);
  EXPECT_EQ(lines.Declare("inner=_x"), 0);
  EXPECT_EQ(lines.Read("--outer\n--inner=_x\n--inner=_x--\n--outer--\n"), 4);
  EXPECT_EQ(lines.Declare(""), 0);
  EXPECT_EQ(lines.Read("--\n----\n-- \n"), 3);
  // Declared again: nothing counted twice.
  EXPECT_EQ(lines.Declare("outer"), 0);
}

// A boundary declared after its first lines were read (GMime's read-ahead)
// finds them in the window; lines read longer ago are not looked at again.
TEST(BoundaryLinesTest, LateBoundaryFindsTheLinesReadAhead) {
  BoundaryLines lines;
  std::string ahead;
  for (int i = 0; i < 1000; ++i) ahead += "--late\n\n";
  ASSERT_LT(ahead.size(), BoundaryLines::kWindow);
  EXPECT_EQ(lines.Read(ahead), 0);
  EXPECT_EQ(lines.Declare("late"), 1000);
  EXPECT_EQ(lines.Read("--late\n"), 1);

  BoundaryLines old;
  EXPECT_EQ(old.Read("--gone\n" + std::string(4 * BoundaryLines::kWindow, 'x') +
                     "\n--gone\n"),
            0);
  EXPECT_EQ(old.Declare("gone"), 1);
}

// A line of megabytes (kept only as far as the longest boundary needs) is
// no boundary, and the count goes on after it.
TEST(BoundaryLinesTest, AnEightMegabyteLineStillCounts) {
  BoundaryLines lines;
  lines.Declare("b");
  const std::string dashes(8 << 20, '-');
  EXPECT_EQ(lines.Read(dashes), 0);
  EXPECT_EQ(lines.Read("\n--b\n"), 1);
}

}  // namespace
}  // namespace sealpost::mime::internal
