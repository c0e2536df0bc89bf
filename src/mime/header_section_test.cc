#include "mime/header_section.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sealpost::mime
