#include "mime/header_section.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace sealpost::mime {
namespace {

TEST(HeaderSectionTest, SplitsAtTheFirstEmptyLine) {
  auto hs = SplitHeaderSection("A: 1\r\nB: 2\r\n folded\r\n\r\nbody\r\n\r\nx");
  EXPECT_EQ(hs.header, "A: 1\r\nB: 2\r\n folded\r\n");
  EXPECT_EQ(hs.body, "body\r\n\r\nx");
  auto lf = SplitHeaderSection("A: 1\n\nbody\n");
  EXPECT_EQ(lf.header, "A: 1\n");
  EXPECT_EQ(lf.body, "body\n");
}

TEST(HeaderSectionTest, NoHeaderSection) {
  // A mailing-list digest's body: its first line is no header field.
  std::string_view digest = "-----------\r\nMessage: 1\r\n\r\ntext\r\n";
  auto hs = SplitHeaderSection(digest);
  EXPECT_EQ(hs.header, "");
  EXPECT_EQ(hs.body, digest);
  EXPECT_EQ(SplitHeaderSection("").body, "");
  EXPECT_EQ(SplitHeaderSection("\r\nonly body").body, "only body");
  // Headers and no body at all.
  EXPECT_EQ(SplitHeaderSection("A: 1\r\n").header, "A: 1\r\n");
}

TEST(HeaderSectionTest, RemovesReservedFieldsOnly) {
  std::string_view in =
      "From: a@example.com\r\n"
      "X-Sealpost-Protected: v1; id=1;\r\n template=Encrypt\r\n"
      "x-sealpost-queue-id: Q\r\n"
      "X-Sealpost-Template: Do Not Forward\r\n"
      "Subject: s\r\n\r\n"
      "X-Sealpost-Protected: in the body stays\r\n";
  EXPECT_EQ(*RemoveReservedFields(in, false),
            "From: a@example.com\r\n"
            "X-Sealpost-Template: Do Not Forward\r\n"
            "Subject: s\r\n\r\n"
            "X-Sealpost-Protected: in the body stays\r\n");
  EXPECT_EQ(*RemoveReservedFields(in, true),
            "From: a@example.com\r\n"
            "X-Sealpost-Protected: v1; id=1;\r\n template=Encrypt\r\n"
            "X-Sealpost-Template: Do Not Forward\r\n"
            "Subject: s\r\n\r\n"
            "X-Sealpost-Protected: in the body stays\r\n");
}

TEST(HeaderSectionTest, ReservedFieldNames) {
  EXPECT_TRUE(IsReservedField("X-SEALPOST-Queue-ID", false));
  EXPECT_TRUE(IsReservedField("x-sealpost-protected", false));
  EXPECT_FALSE(IsReservedField("X-Sealpost-Protected", true));
  EXPECT_FALSE(IsReservedField("X-Sealpost-Template", false));
  EXPECT_FALSE(IsReservedField("X-Sealpostish", false));
  EXPECT_FALSE(IsReservedField("Subject", false));
}

TEST(HeaderSectionTest, UnchangedBytesWhenNothingIsReserved) {
  std::string_view in = "From: a\r\nSubject: b\r\n\r\n\x80\x81 8-bit\r\n";
  EXPECT_FALSE(RemoveReservedFields(in, false).has_value());
  std::string_view no_header = "X-Sealpost-Protected is just text\r\n";
  EXPECT_FALSE(RemoveReservedFields(no_header, false).has_value());
}

// Feeds `message` to a HeaderEnd `slice` bytes at a time.
HeaderEnd FeedInSlices(std::string_view message, size_t slice,
                       size_t limit = 1 << 20) {
  HeaderEnd end(limit);
  for (size_t i = 0; i < message.size() && !end.done(); i += slice) {
    end.Feed(message.substr(i, slice));
  }
  return end;
}

TEST(HeaderEndTest, FindsTheEmptyLineAcrossEverySliceBoundary) {
  struct Case {
    std::string_view message;
    size_t end;  // just past the empty line
    // SplitHeaderSection also ends the header at a line that is no field.
    bool well_formed = true;
  };
  const Case cases[] = {
      {"A: 1\r\nB: 2\r\n folded\r\n\r\nbody\r\n\r\nx", 23},
      {"A: 1\nB: 2\n\nbody\n\nx", 11},
      // A field's CRLF then a bare LF, and a field's LF then CRLF.
      {"A: 1\r\nB: 2\r\n\nbody", 13},
      {"A: 1\nB: 2\n\r\nbody", 12},
      // An empty line first: no header section.
      {"\r\nbody\r\n\r\n", 2},
      {"\nbody", 1},
      // A CR that is not the empty line's does not end it.
      {"A: 1\r\n\r\rB\r\n\r\nbody", 13, false},
  };
  for (const Case& c : cases) {
    for (size_t slice = 1; slice <= c.message.size(); ++slice) {
      HeaderEnd end = FeedInSlices(c.message, slice);
      EXPECT_TRUE(end.found()) << c.message << " slice " << slice;
      EXPECT_EQ(end.end(), c.end) << c.message << " slice " << slice;
    }
    if (c.well_formed) {
      EXPECT_EQ(SplitHeaderSection(c.message).body, c.message.substr(c.end));
    }
  }
}

TEST(HeaderEndTest, NoEndAndTheLimit) {
  for (std::string_view open :
       {"A: 1\r\nB: 2\r\n", "A: 1\nB: 2\n", "A: 1\r\n\r", "", "A: 1"}) {
    for (size_t slice = 1; slice <= std::max<size_t>(open.size(), 1); ++slice) {
      HeaderEnd end = FeedInSlices(open, slice);
      EXPECT_FALSE(end.found()) << open;
      EXPECT_FALSE(end.done()) << open;
    }
  }
  // The limit ends it without an empty line, at the slice that reaches it.
  const std::string fields(100, 'x');
  HeaderEnd end = FeedInSlices(fields, 7, 50);
  EXPECT_TRUE(end.done());
  EXPECT_FALSE(end.found());
  EXPECT_EQ(end.examined(), 56u);
  // Once done, nothing more is looked at.
  EXPECT_TRUE(end.Feed("\r\n\r\n"));
  EXPECT_FALSE(end.found());
  EXPECT_EQ(end.examined(), 56u);
  // An empty line in the slice that reaches the limit is still found.
  HeaderEnd at = FeedInSlices("A: 1\r\n\r\nbody", 64, 4);
  EXPECT_TRUE(at.found());
  EXPECT_EQ(at.end(), 8u);
}

TEST(HeaderEndTest, OneByteSlicesAreLinear) {
  // A header of 1 MiB less a little, fed one byte at a time as a sender
  // may: each byte is looked at once (the old search of all held bytes at
  // each slice looked at ~N^2/2).
  std::string message;
  while (message.size() < (1 << 20) - 100) message += "X-Filler: abcdefgh\r\n";
  const size_t header = message.size();
  message += "\r\nbody";
  HeaderEnd end(1 << 20);
  size_t slices = 0;
  for (char c : message) {
    ++slices;
    if (end.Feed(std::string_view(&c, 1))) break;
  }
  EXPECT_TRUE(end.found());
  EXPECT_EQ(end.end(), header + 2);
  EXPECT_EQ(slices, header + 2);
  EXPECT_EQ(end.examined(), header + 2);
}

// What SplitHeaderSection counts as the header section: its fields and
// the empty line that ends them.
size_t SplitSize(std::string_view message) {
  return message.size() - SplitHeaderSection(message).body.size();
}

HeaderSectionSize MeasureInSlices(std::string_view message, size_t slice) {
  HeaderSectionSize size;
  for (size_t i = 0; i < message.size(); i += slice) {
    size.Feed(message.substr(i, slice));
  }
  return size;
}

TEST(HeaderSectionSizeTest, AgreesWithSplitHeaderSectionOnEveryShape) {
  struct Case {
    std::string_view message;
    size_t size;
  };
  const Case cases[] = {
      {"A: 1\r\nB: 2\r\n folded\r\n\r\nbody\r\n\r\nx", 23},
      // Bare LF lines, and the two mixed.
      {"A: 1\nB: 2\n\nbody\n\nx", 11},
      {"A: 1\r\nB: 2\r\n\nbody", 13},
      {"A: 1\nB: 2\n\r\nbody", 12},
      // An empty line first: a header section of that line alone.
      {"\r\nbody\r\n", 2},
      {"\nbody", 1},
      // A line that is no field ends it, not counted (no empty line).
      {"A: 1\r\nstray line\r\nB: 2\r\n\r\nbody", 6},
      {"A: 1\r\n\r\rB\r\n\r\nbody", 6},
      {"A: 1\r\n:no name\r\n\r\n", 6},
      {"A: 1\r\nName\r\n\r\n", 6},
      {"A: 1\r\nName  \r\n\r\n", 6},
      {"A: 1\r\nN\x80me: 2\r\n\r\n", 6},
      // Blanks before the colon are obsolete syntax, still a field.
      {"A: 1\r\nName \t: 2\r\n\r\nbody", 19},
      // No header section: a first line that is no field, or folded.
      {"From alice Mon Jan  1\r\nA: 1\r\n\r\n", 0},
      {" A: 1\r\n\r\n", 0},
      {"", 0},
      // All header: no empty line, the last line without its LF too.
      {"A: 1\r\nB: 2\r\n", 12},
      {"A: 1\r\nB: 2", 10},
      {"A: 1\r\n folded", 13},
      // A last line that never showed its colon is no field.
      {"A: 1\r\nName", 6},
      {"A: 1\r\n\r", 6},
  };
  for (const Case& c : cases) {
    ASSERT_EQ(SplitSize(c.message), c.size) << c.message;
    for (size_t slice = 1; slice <= std::max<size_t>(c.message.size(), 1);
         ++slice) {
      EXPECT_EQ(MeasureInSlices(c.message, slice).size(), c.size)
          << c.message << " slice " << slice;
    }
  }
}

TEST(HeaderSectionSizeTest, AgreesWithSplitHeaderSectionOnEveryShortMessage) {
  // Every message of up to 7 bytes over the characters that decide where
  // a header section ends, whole and a byte at a time.
  constexpr std::string_view kChars = "A: \r\n\x80";
  std::string message;
  size_t checked = 0;
  auto check = [&](auto&& self, size_t length) -> void {
    if (message.size() == length) {
      ++checked;
      ASSERT_EQ(MeasureInSlices(message, message.size() + 1).size(),
                SplitSize(message))
          << testing::PrintToString(message);
      ASSERT_EQ(MeasureInSlices(message, 1).size(), SplitSize(message))
          << testing::PrintToString(message);
      return;
    }
    for (char c : kChars) {
      message.push_back(c);
      self(self, length);
      message.pop_back();
      if (testing::Test::HasFatalFailure()) return;
    }
  };
  for (size_t length = 0; length <= 7; ++length) check(check, length);
  EXPECT_EQ(checked, 335923u);  // 6^0 + ... + 6^7
}

TEST(HeaderSectionSizeTest, CountsAFieldAsItArrivesAndStopsAtTheEnd) {
  HeaderSectionSize size;
  size.Feed("Subject: ");
  EXPECT_EQ(size.size(), 9u);  // a field from its colon on
  size.Feed(std::string(1000, 'x'));
  EXPECT_EQ(size.size(), 1009u);
  size.Feed("\r\n");
  EXPECT_FALSE(size.ended());
  // A name not yet known to be a field's is not counted until its colon.
  size.Feed("X-Long-Name");
  EXPECT_EQ(size.size(), 1011u);
  size.Feed(":\r\n\r\nbody: not a field");
  EXPECT_TRUE(size.ended());
  EXPECT_EQ(size.size(), 1011u + 14 + 2);
  size.Feed("More: 1\r\n");
  EXPECT_EQ(size.size(), 1011u + 14 + 2);
}

}  // namespace
}  // namespace sealpost::mime
