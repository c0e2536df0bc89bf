#include "mime/header_section.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sealpost::mime
