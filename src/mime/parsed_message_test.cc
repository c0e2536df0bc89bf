#include "mime/parsed_message.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "mime/facts.h"
#include "mime/view.h"

namespace sealpost::mime {
namespace {

const std::string kMail =
    "From: a@example.com\r\nTo: b@example.org\r\n"
    "Subject: =?UTF-8?B?w6l0w6k=?= plans\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n"
    "--a\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\nsecret =E9 plans\r\n"
    "--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>secret</p>\r\n"
    "--a--\r\n"
    "--b\r\nContent-Type: application/pdf\r\n"
    "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--b--\r\n";

// Every reader gives from one shared parse what it gives from the bytes,
// in any order and however often it is asked (issue 14: the protection
// stage reads the facts, then the indexer the words, from one parse).
TEST(ParsedMessageTest, ReadersShareOneParse) {
  ParsedMessage parsed(kMail);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.bytes().data(), kMail.data());
  for (int round = 0; round < 2; ++round) {
    auto facts = ExtractFacts(parsed);
    auto alone = ExtractFacts(kMail);
    ASSERT_TRUE(facts.ok() && alone.ok());
    EXPECT_EQ(facts->subject, alone->subject);
    EXPECT_EQ(facts->body_text, alone->body_text);
    EXPECT_EQ(facts->body_text, "secret \xe9 plans");  // decoded, not converted
    EXPECT_EQ(facts->headers, alone->headers);
    ASSERT_EQ(facts->attachments.size(), 1u);
    EXPECT_EQ(facts->attachments[0].size, 6);

    auto view = ParseForReading(parsed);
    auto view_alone = ParseForReading(kMail);
    ASSERT_TRUE(view.ok() && view_alone.ok());
    EXPECT_EQ(view->subject, "\xc3\xa9t\xc3\xa9 plans");
    EXPECT_EQ(view->text, view_alone->text);
    EXPECT_EQ(view->text, "secret \xc3\xa9 plans");
    EXPECT_EQ(view->html, "<p>secret</p>");
    ASSERT_EQ(view->parts.size(), 1u);
    EXPECT_EQ(view->parts[0].filename, "report.pdf");
    EXPECT_EQ(view->parts[0].size, 6);

    auto part = PartContent(parsed, view->parts[0].index);
    ASSERT_TRUE(part.ok());
    EXPECT_EQ(part->bytes, std::string("\0\1\2\3\4\5", 6));
    EXPECT_EQ(PartContent(parsed, 99).status().code(), StatusCode::kNotFound);
  }
}

TEST(ParsedMessageTest, MovedParseStillReads) {
  ParsedMessage first(kMail);
  ParsedMessage moved(std::move(first));
  ParsedMessage assigned("Subject: other\r\n\r\nx\r\n");
  assigned = std::move(moved);
  auto view = ParseForReading(assigned);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->text, "secret \xc3\xa9 plans");
  auto part = PartContent(assigned, view->parts[0].index);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->bytes.size(), 6u);
  // What was moved from holds no message, and every reader says so.
  const ParsedMessage& gone = first;  // NOLINT(bugprone-use-after-move)
  EXPECT_FALSE(gone.ok());
  EXPECT_EQ(ExtractFacts(gone).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseForReading(gone).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PartContent(gone, 0).status().code(), StatusCode::kInvalidArgument);
}

// Bytes GMime makes nothing of (or little): the shared parse and the
// readers' own agree on it.
TEST(ParsedMessageTest, OddInputReadsAsFromTheBytes) {
  for (std::string in : {std::string(), std::string("not a header at all"),
                         std::string("\r\n\r\n"), std::string("\0\0", 2)}) {
    ParsedMessage parsed(in);
    EXPECT_EQ(ExtractFacts(parsed).ok(), ExtractFacts(in).ok());
    auto view = ParseForReading(parsed);
    auto alone = ParseForReading(in);
    ASSERT_EQ(view.ok(), alone.ok());
    EXPECT_EQ(parsed.ok(), view.ok());
    if (view.ok()) {
      EXPECT_EQ(view->text, alone->text);
    }
  }
}

}  // namespace
}  // namespace sealpost::mime
