// GMime's readings that the S/MIME signature check compares its own with:
// what GMime 3.2 does with two fields, quoted parameters, comments in an
// address and delimiter lines that only start with the boundary.
#include "mime/signed_reading.h"

#include <gtest/gtest.h>

#include <string>

namespace sealpost::mime {
namespace {

TEST(ReadTopFieldsAsGmimeTest, CountsFieldsAndTakesTheLastContentType) {
  TopFieldsReading one = ReadTopFieldsAsGmime(
      "From: Bob <bob@x.test>\r\nSubject: s\r\nContent-Type: multipart/signed;"
      " protocol=\"application/pkcs7-signature\"; boundary=abc\r\n");
  ASSERT_TRUE(one.ok);
  EXPECT_EQ(one.content_type_fields, 1);
  EXPECT_EQ(one.from_fields, 1);
  EXPECT_EQ(one.media_type, "multipart/signed");
  ASSERT_EQ(one.parameters.size(), 2u);
  EXPECT_EQ(one.parameters[1].first, "boundary");
  EXPECT_EQ(one.parameters[1].second, "abc");
  ASSERT_EQ(one.from.size(), 1u);
  EXPECT_EQ(one.from[0], "bob@x.test");

  TopFieldsReading two = ReadTopFieldsAsGmime(
      "From: eve@evil.test\r\nFrom: Bob <bob@x.test>\r\n"
      "Content-Type: multipart/signed; boundary=AAA\r\n"
      "content-type : Multipart/Signed; boundary=BBB\r\n");
  ASSERT_TRUE(two.ok);
  EXPECT_EQ(two.content_type_fields, 2);
  EXPECT_EQ(two.from_fields, 2);
  EXPECT_EQ(two.media_type, "multipart/signed");
  ASSERT_EQ(two.parameters.size(), 1u);
  EXPECT_EQ(two.parameters[0].second, "BBB");  // the last field's
  EXPECT_EQ(two.from.size(), 2u);

  TopFieldsReading none = ReadTopFieldsAsGmime("Subject: s\r\n");
  ASSERT_TRUE(none.ok);
  EXPECT_EQ(none.content_type_fields, 0);
  EXPECT_EQ(none.from_fields, 0);
  EXPECT_TRUE(none.from.empty());
}

TEST(ReadTopFieldsAsGmimeTest, ParametersAsGmimeDecodesThem) {
  TopFieldsReading quoted = ReadTopFieldsAsGmime(
      "Content-Type: multipart/signed; micalg=\"sha-256; boundary=AAA;\"; "
      "boundary=\"BBB\"\r\n");
  ASSERT_EQ(quoted.parameters.size(), 2u);
  EXPECT_EQ(quoted.parameters[0].second, "sha-256; boundary=AAA;");
  EXPECT_EQ(quoted.parameters[1].first, "boundary");
  EXPECT_EQ(quoted.parameters[1].second, "BBB");
  // RFC 2231 sections joined; a name twice kept twice.
  TopFieldsReading sections = ReadTopFieldsAsGmime(
      "Content-Type: multipart/signed; boundary*0=a; boundary*1=b\r\n");
  ASSERT_EQ(sections.parameters.size(), 1u);
  EXPECT_EQ(sections.parameters[0].second, "ab");
  TopFieldsReading twice = ReadTopFieldsAsGmime(
      "Content-Type: multipart/signed; BOUNDARY=a; boundary=b\r\n");
  ASSERT_EQ(twice.parameters.size(), 2u);
  EXPECT_EQ(twice.parameters[0].first, "boundary");
}

TEST(SoleMailboxAsGmimeTest, Forms) {
  EXPECT_EQ(SoleMailboxAsGmime("Bob <bob@x.test>"), "bob@x.test");
  EXPECT_EQ(SoleMailboxAsGmime(" bob@x.test "), "bob@x.test");
  EXPECT_EQ(SoleMailboxAsGmime("bob@x.test (<eve@evil.test>)"), "bob@x.test");
  EXPECT_EQ(SoleMailboxAsGmime("\"Bob\" <bob@x.test> (<eve@evil.test>)"),
            "bob@x.test");
  EXPECT_EQ(SoleMailboxAsGmime("a@x.test, b@y.test"), std::nullopt);
  EXPECT_EQ(SoleMailboxAsGmime("Bob <bob@x.test> eve@evil.test"), std::nullopt);
  EXPECT_EQ(SoleMailboxAsGmime("friends: bob@x.test;"), std::nullopt);
  EXPECT_EQ(SoleMailboxAsGmime("(open comment"), std::nullopt);
  EXPECT_EQ(SoleMailboxAsGmime(""), std::nullopt);
}

TEST(ReadTopMultipartAsGmimeTest, WhereEachPartBegins) {
  const std::string head =
      "From: a@x.test\r\nContent-Type: multipart/signed; boundary=abc\r\n\r\n";
  const std::string body =
      "preamble\r\n--abc \t\r\nContent-Type: text/plain\r\n\r\none\r\n"
      "--abcX\r\nstill one\r\n--abc\r\n\r\nno fields\r\n--abc--\r\n";
  const std::string mail = head + body;
  auto got = ReadTopMultipartAsGmime(mail);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->boundary, "abc");
  ASSERT_EQ(got->parts.size(), 2u);
  const auto first = static_cast<int64_t>(mail.find("Content-Type: text"));
  EXPECT_EQ(got->parts[0].first_field, first);
  EXPECT_EQ(got->parts[0].content_begin,
            static_cast<int64_t>(mail.find("one\r\n")));
  EXPECT_EQ(got->parts[0].content_end,
            static_cast<int64_t>(mail.find("\r\n--abc\r\n")));
  EXPECT_EQ(got->parts[1].first_field, -1);
  EXPECT_EQ(got->parts[1].content_begin,
            static_cast<int64_t>(mail.find("no fields")));

  EXPECT_EQ(ReadTopMultipartAsGmime("From: a@x.test\r\n\r\nhi\r\n"),
            std::nullopt);
}

}  // namespace
}  // namespace sealpost::mime
