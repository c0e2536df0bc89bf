#include "smime/enveloped_mail.h"

#include <gtest/gtest.h>

namespace sealpost::smime {
namespace {

TEST(EnvelopedMailTest, ContentFieldsGoInsideTheRestStaysOutside) {
  std::string msg =
      "From: a@example.com\r\n"
      "To: b@partner.example\r\n"
      "Subject: hello\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed;\r\n"
      " boundary=\"b1\"\r\n"
      "Message-ID: <1@example.com>\r\n"
      "Content-Transfer-Encoding: 8bit\r\n"
      "\r\n"
      "--b1\r\nbody\r\n--b1--\r\n";
  EntitySplit s = SplitEntity(msg);
  EXPECT_EQ(s.outer_fields,
            "From: a@example.com\r\nTo: b@partner.example\r\n"
            "Subject: hello\r\nMessage-ID: <1@example.com>\r\n");
  EXPECT_EQ(
      s.entity,
      "Content-Type: multipart/mixed;\r\n boundary=\"b1\"\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n--b1\r\nbody\r\n--b1--\r\n");
}

TEST(EnvelopedMailTest, SubjectCanBeReplaced) {
  EntitySplit s = SplitEntity(
      "Subject: Q3 [encrypt]\r\n continued\r\nTo: b@x\r\n\r\nhi\r\n",
      std::string("Q3 \xc3\xa9"));
  EXPECT_EQ(s.outer_fields, "Subject: =?UTF-8?B?UTMgw6k=?=\r\nTo: b@x\r\n");
}

TEST(EnvelopedMailTest, NoContentTypeIsTextPlain) {
  EntitySplit s = SplitEntity("Subject: x\r\n\r\nhi\r\n");
  EXPECT_EQ(s.outer_fields, "Subject: x\r\n");
  EXPECT_EQ(s.entity,
            "Content-Type: text/plain; charset=us-ascii\r\n\r\nhi\r\n");
}

TEST(EnvelopedMailTest, OuterMessageIsPkcs7Mime) {
  std::string out = BuildEnvelopedMail("Subject: x\r\n", std::string(100, 'A'));
  EXPECT_TRUE(out.starts_with("Subject: x\r\nMIME-Version: 1.0\r\n"));
  EXPECT_NE(out.find("Content-Type: application/pkcs7-mime; "
                     "smime-type=enveloped-data;\r\n name=smime.p7m\r\n"),
            std::string::npos);
  EXPECT_NE(out.find("Content-Transfer-Encoding: base64\r\n"),
            std::string::npos);
  size_t body = out.find("\r\n\r\n") + 4;
  std::string first_line = out.substr(body, out.find("\r\n", body) - body);
  EXPECT_EQ(first_line.size(), 76u);
}

}  // namespace
}  // namespace sealpost::smime
