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

// The body the rules read is every text a reader may be shown (it was
// the first text/plain part only: the same words in HTML, in a second
// text part or in another charset escaped every "body contains" rule).
TEST(FactsTest, BodyTextIsEveryTextPartAReaderSees) {
  auto f = ExtractFacts(testing::MultipartMail(
      "Subject: x\r\n", "mixed", "m",
      {"Content-Type: multipart/alternative; boundary=a\r\n\r\n"
       "--a\r\nContent-Type: text/plain\r\n\r\nsee the HTML\r\n"
       "--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
       "<p>con<b>fid</b>ential &amp; caf&eacute;</p>\r\n--a--",
       "Content-Type: image/png\r\nContent-Disposition: inline\r\n\r\nPNG",
       "Content-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9 again",
       "Content-Type: text/plain\r\n"
       "Content-Disposition: attachment; filename=notes.txt\r\n\r\n"
       "attached words",
       "Content-Type: text/plain; charset=utf-16\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\n"
       "//5oAGkA"}));  // "hi", UTF-16 with its byte order mark
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->body_text,
            "see the HTML\n"
            " confidential & caf\xc3\xa9 \n"
            "caf\xc3\xa9 again\n"
            "hi");
  ASSERT_EQ(f->attachments.size(), 1u);
  EXPECT_EQ(f->attachments[0].name, "notes.txt");
  // A reader asked for no body gets none.
  auto none =
      ExtractFacts(testing::SinglePartMail("text/html", "7bit", "x"), 0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->body_text, "");
}

// A multipart whose boundary never comes has no part: GMime keeps its body
// as the prologue, and readers show it as text.
TEST(FactsTest, BodyTextOfAMultipartWithNoPartIsItsPrologue) {
  for (const char* ct :
       {"multipart/mixed; boundary=never", "multipart/mixed"}) {
    auto f = ExtractFacts(std::string("Subject: x\r\nContent-Type: ") + ct +
                          "\r\n\r\nthe hidden words\r\n");
    ASSERT_TRUE(f.ok()) << ct;
    EXPECT_NE(f->body_text.find("the hidden words"), std::string::npos) << ct;
  }
  // So in a part of a multipart.
  auto nested = ExtractFacts(testing::MultipartMail(
      "Subject: x\r\n", "mixed", "a",
      {"Content-Type: text/plain\r\n\r\none",
       "Content-Type: multipart/mixed; boundary=never\r\n\r\ntwo"}));
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->body_text, "one\ntwo");
  // With parts, the prologue is no text a reader sees.
  auto f = ExtractFacts(testing::MultipartMail(
      "Subject: x\r\n", "mixed", "b", {"Content-Type: text/plain\r\n\r\nhi"}));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->body_text, "hi");
}

// kMaxBodyText of each part, kMaxMessageBodyText in all: a large first part
// no longer hides the next one.
TEST(FactsTest, BodyTextIsCappedByPartAndInAll) {
  const std::string big(kMaxBodyText + 1000, 'x');
  const std::string part = "Content-Type: text/plain\r\n\r\n" + big;
  auto f = ExtractFacts(testing::MultipartMail(
      "Subject: x\r\n", "mixed", "b",
      {"Content-Type: text/plain\r\n\r\n" + big,
       "Content-Type: text/plain\r\n\r\nneedle", part, part, part, part}));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->body_text.size(), kMaxMessageBodyText);
  EXPECT_EQ(f->body_text.find("needle"), kMaxBodyText + 1);
  EXPECT_EQ(f->body_text.find_first_not_of('x'), kMaxBodyText);
}

TEST(FactsTest, EncodeSubject) {
  EXPECT_EQ(EncodeSubject("plain"), "plain");
  EXPECT_EQ(EncodeSubject("\xc3\xa9t\xc3\xa9"), "=?UTF-8?B?w6l0w6k=?=");
}

}  // namespace
}  // namespace sealpost::mime
