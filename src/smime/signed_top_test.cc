// The top of a signed message as the signature check reads it: RFC 2045's
// grammar for Content-Type (quoted strings, escapes, comments, RFC 2231),
// every field of a name, the From address, and SignedTopOf's refusals
// where GMime or another reader would read the header otherwise.
#include "smime/signed_top.h"

#include <gtest/gtest.h>

#include <string>

namespace sealpost::smime {
namespace {

TEST(ParseContentTypeTest, ReadsQuotedStringsEscapesAndComments) {
  auto t = ParseContentType(
      "Multipart/Signed (a comment; boundary=no) ; micalg=\"sha-256; "
      "boundary=AAA;\";\r\n\tprotocol = \"application/pkcs7-signature\" ;"
      " boundary=\"B\\\"B\\\\B\" (trailing (nested) comment);");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->media_type, "multipart/signed");
  EXPECT_EQ(t->Param("micalg"), "sha-256; boundary=AAA;");
  EXPECT_EQ(t->Param("protocol"), "application/pkcs7-signature");
  EXPECT_EQ(t->Param("boundary"), "B\"B\\B");
  EXPECT_EQ(t->Param("smime-type"), std::nullopt);
  // Names in lower case; RFC 2231 sections of another parameter kept.
  auto sections = ParseContentType(
      "application/pkcs7-mime; Name*0=a; name*1*=b; SMIME-Type=signed-data");
  ASSERT_TRUE(sections.ok()) << sections.status().ToString();
  EXPECT_EQ(sections->Param("smime-type"), "signed-data");
  EXPECT_EQ(sections->Param("name*0"), "a");
  EXPECT_EQ(SignedFormOf(*sections), SignedForm::kOpaque);
}

TEST(ParseContentTypeTest, RefusesWhatReadersReadTwoWays) {
  const std::pair<std::string, std::string> bad[] = {
      {"", "no type/subtype"},
      {"multipart", "no type/subtype"},
      {"multipart/signed boundary=a", "text after the media type"},
      {"multipart/signed; boundary=a b", "text after the value"},
      {"multipart/signed; boundary=a;; foo", "foo has no value"},
      {"multipart/signed; boundary=\"a", "unclosed quoted string"},
      {"multipart/signed; (boundary=a", "unclosed comment"},
      {"multipart/signed; boundary=a; BOUNDARY=b", "boundary given twice"},
      {"multipart/signed; boundary=a; boundary*0=b", "boundary"},
      {"multipart/signed; boundary*0=a; boundary*1=b", "RFC 2231 form"},
      {"multipart/signed; boundary*=us-ascii''a", "RFC 2231 form"},
      {"application/pkcs7-mime; name=a; name*=utf-8''b", "name given twice"},
      {"application/pkcs7-mime; name*0=a; name*0=b", "name given twice"},
      {"multipart/signed; =a", "without a name"},
  };
  for (const auto& [value, why] : bad) {
    auto t = ParseContentType(value);
    ASSERT_FALSE(t.ok()) << value;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find(why), std::string::npos)
        << value << ": " << t.status().message();
  }
}

TEST(HeaderFieldValuesTest, EveryFieldOfTheNameUnfolded) {
  const std::string header =
      "From: a@x.test\r\nSubject: s\r\n folded\r\nfrom : b@y.test\r\n";
  EXPECT_EQ(HeaderFieldValues(header, "From"),
            (std::vector<std::string>{"a@x.test", "b@y.test"}));
  EXPECT_EQ(HeaderFieldValues(header, "subject"),
            (std::vector<std::string>{"s folded"}));
  EXPECT_TRUE(HeaderFieldValues(header, "To").empty());
}

constexpr std::string_view kSignedType =
    "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; "
    "boundary=abc\r\n";

TEST(SignedTopOfTest, OneFieldOfEachReadAsGmimeReadsIt) {
  SignedTop top =
      SignedTopOf("From: Bob <bob@x.test>\r\n" + std::string(kSignedType));
  EXPECT_EQ(top.form, SignedForm::kClear);
  EXPECT_EQ(top.boundary, "abc");
  EXPECT_FALSE(top.refused);
  // Not S/MIME to any reading: no verdict.
  EXPECT_EQ(SignedTopOf("From: b@x.test\r\nContent-Type: text/plain\r\n"
                        "Content-Type: text/html\r\n")
                .form,
            SignedForm::kNone);
  EXPECT_EQ(SignedTopOf("Content-Type: multipart/signed; boundary=x; "
                        "protocol=\"application/pgp-signature\"\r\n")
                .form,
            SignedForm::kNone);
  const std::pair<std::string, std::string> refused[] = {
      {"From: b@x.test\r\n" + std::string(kSignedType) +
           "Content-Type: text/plain\r\n",
       "two Content-Type fields"},
      {"From: b@x.test\r\nContent-Type: text/plain\r\n" +
           std::string(kSignedType),
       "two Content-Type fields"},
      {"From: b@x.test\r\nFrom: c@x.test\r\n" + std::string(kSignedType),
       "two From fields"},
      {"From: b@x.test, c@x.test\r\n" + std::string(kSignedType),
       "the From field is not one address"},
      {"From: b@x.test\r\nContent-Type: multipart/signed; protocol="
       "\"application/pkcs7-signature\"; boundary=a; boundary=b\r\n",
       "the Content-Type field is malformed: the parameter boundary given "
       "twice"},
      {"From: b@x.test\r\nContent-Type: multipart/signed; protocol="
       "\"application/pkcs7-signature\"\r\n",
       "multipart/signed without a boundary"},
      {"From: b@x.test\r\nContent-Type: multipart/signed; protocol="
       "\"application/pkcs7-signature\"; boundary=\"abc \"\r\n",
       "ends in a blank"},
      // GMime reads a boundary of 8-bit bytes as UTF-8: another boundary.
      {"From: b@x.test\r\nContent-Type: multipart/signed; protocol="
       "\"application/pkcs7-signature\"; boundary=\"ab\xe9\"\r\n",
       "reads otherwise in GMime"},
  };
  for (const auto& [header, why] : refused) {
    SignedTop t = SignedTopOf(header);
    EXPECT_NE(t.form, SignedForm::kNone) << header;
    ASSERT_TRUE(t.refused.has_value()) << header;
    EXPECT_FALSE(t.refused->verified);
    EXPECT_NE(t.refused->reason.find(why), std::string::npos)
        << header << ": " << t.refused->reason;
  }
}

TEST(ReadFromTest, TheOneMailboxAReaderShows) {
  EXPECT_EQ(
      ReadFrom("From: \"Bob\" <bob@x.test> (<eve@evil.test>)\r\n").address,
      "bob@x.test");
  EXPECT_EQ(ReadFrom("From: bob@x.test (<eve@evil.test>)\r\n").address,
            "bob@x.test");
  const FromReading none = ReadFrom("Subject: s\r\n");
  EXPECT_TRUE(none.address.empty() && none.problem.empty());
  EXPECT_EQ(ReadFrom("From: a@x.test\r\nFrom: b@x.test\r\n").problem,
            "two From fields");
  EXPECT_EQ(ReadFrom("From: Bob <a@x.test>\r\nFrom: a@x.test\r\nFrom: "
                     "Eve <eve@evil.test>\r\n")
                .problem,
            "two From fields");
  // The same mailbox twice, as a layer unwrapped from openssl's
  // sign-then-encrypt has it: one address to every reader.
  const FromReading twice =
      ReadFrom("From: a@x.test\r\nTo: b@y.test\r\nFrom: A <a@x.test>\r\n");
  EXPECT_EQ(twice.address, "a@x.test");
  EXPECT_EQ(twice.problem, "");
  EXPECT_EQ(ReadFrom("From: a@x.test\r\nFrom: A@x.test\r\n").problem,
            "two From fields");
  EXPECT_EQ(ReadFrom("From: g: a@x.test;\r\n").problem,
            "the From field is not one address");
  EXPECT_EQ(ReadFrom("From: nobody\r\n").problem,
            "the From field is not one address");
}

}  // namespace
}  // namespace sealpost::smime
