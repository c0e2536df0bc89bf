#include "mime/facts.h"

#include <gtest/gtest.h>

#include <string>

#include "mime/sample_mail_for_testing.h"

namespace sealpost::mime {
namespace {

TEST(FactsTest, SubjectAttachmentsBody) {
  std::string mail = testing::MultipartMail(
      "From: a@example.com\r\nTo: b@example.org\r\n"
      "Subject: =?UTF-8?B?w6l0w6k=?= [encrypt]\r\n"
      "Sensitivity: Company-Confidential\r\n",
      "mixed", "b",
      {"Content-Type: text/plain; charset=utf-8\r\n"
       "Content-Transfer-Encoding: quoted-printable\r\n\r\nsecret =C3=A9 plans",
       "Content-Type: application/pdf\r\n"
       "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQF"});
  auto f = ExtractFacts(mail);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->subject, "\xc3\xa9t\xc3\xa9 [encrypt]");
  EXPECT_EQ(f->raw_subject, "=?UTF-8?B?w6l0w6k=?= [encrypt]");
  // The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1).
  EXPECT_EQ(f->body_text, "secret \xc3\xa9 plans");
  ASSERT_EQ(f->attachments.size(), 1u);
  EXPECT_EQ(f->attachments[0].name, "report.pdf");
  EXPECT_EQ(f->attachments[0].size, 6);
  EXPECT_TRUE(f->protected_header.empty());
  bool sensitivity = false;
  for (const auto& [k, v] : f->headers) {
    sensitivity |= k == "Sensitivity" && v == "Company-Confidential";
  }
  EXPECT_TRUE(sensitivity);
}

TEST(FactsTest, ProtectedAndSmime) {
  auto p = ExtractFacts(
      "X-Sealpost-Protected: v1; id=abc; template=\"Do Not Forward\"\r\n"
      "Subject: x\r\n\r\nbody\r\n");
  ASSERT_TRUE(p.ok());
  // Only the claim: the protection stage checks its seal.
  EXPECT_EQ(p->protected_header, "v1; id=abc; template=\"Do Not Forward\"");
  auto s = ExtractFacts(testing::SinglePartMail(
      "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
      "base64", "AAAA\r\n"));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->claims_smime_encrypted);
  EXPECT_EQ(s->smime_content, std::string(3, '\0'));
  // Two transfer encodings: GMime's is the last.
  auto twice = ExtractFacts(
      "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\nAAAA\r\n");
  ASSERT_TRUE(twice.ok());
  EXPECT_TRUE(twice->claims_smime_encrypted);
  EXPECT_EQ(twice->smime_content, "AAAA\r\n");
  auto signed_mail = ExtractFacts(testing::MultipartMail(
      "Subject: x\r\n", "signed; protocol=\"application/pkcs7-signature\"", "s",
      {"Content-Type: text/plain\r\n\r\nhi"}));
  ASSERT_TRUE(signed_mail.ok());
  EXPECT_TRUE(signed_mail->is_signed);
}

// A run of line breaks in a base64 body (longer than what GMime's filter
// reads at a time, decoded to nothing): the content goes on after it
// (was: cut there, a valid EnvelopedData taken for a truncated one).
TEST(FactsTest, SmimeContentGoesOnAfterARunOfLineBreaks) {
  auto s = ExtractFacts(
      "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n" +
      std::string(200000, '\n') + "QUJD\r\n");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->smime_content, std::string(3, '\0') + "ABC");
}

// The first text/plain part (what "body contains" rules read) after a run
// that GMime's decoder turns into nothing, longer than two of its filter's
// 4 KiB reads (so one gives nothing): the text goes on after it (was: cut
// there, a keyword after it hidden from every rule).
TEST(FactsTest, BodyTextGoesOnAfterARunDecodedToNothing) {
  const std::string head =
      "From: a@example.com\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain\r\n";
  // base64: line breaks (and characters outside the alphabet) between
  // two halves of the text.
  auto b64 = ExtractFacts(head +
                          "Content-Transfer-Encoding: base64\r\n\r\n"
                          "aGVsbG8g\r\n" +  // "hello "
                          std::string(8000, '\n') +
                          std::string(5000, '!') +
                          "c2VjcmV0IG5lZWRsZQ==\r\n");  // "secret needle"
  ASSERT_TRUE(b64.ok());
  EXPECT_EQ(b64->body_text, "hello secret needle");
  // quoted-printable: soft line breaks.
  std::string soft;
  for (int i = 0; i < 5000; ++i) soft += "=\r\n";
  auto qp = ExtractFacts(head +
                         "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                         "hello " +
                         soft + "secret needle\r\n");
  ASSERT_TRUE(qp.ok());
  EXPECT_EQ(qp->body_text, "hello secret needle\r\n");
}

TEST(FactsTest, EncodeSubject) {
  EXPECT_EQ(EncodeSubject("plain"), "plain");
  EXPECT_EQ(EncodeSubject("\xc3\xa9t\xc3\xa9"), "=?UTF-8?B?w6l0w6k=?=");
}

}  // namespace
}  // namespace sealpost::mime
