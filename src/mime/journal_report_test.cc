#include "mime/journal_report.h"

#include <gtest/gtest.h>

#include <vector>

namespace sealpost::mime {
namespace {

constexpr std::string_view kOriginal =
    "From: Alice <alice@example.com>\r\n"
    "To: Bob <bob@example.com>, team: carol@example.com;\r\n"
    "Cc: dan@partner.test\r\n"
    "Subject: =?UTF-8?B?UXVhcnRlcmx5IHLDqXN1bHRz?=\r\n"
    "Message-ID: <q3@example.com>\r\n"
    "\r\n"
    "The numbers.\r\n";

JournalReportRequest Request() {
  JournalReportRequest r;
  r.original = kOriginal;
  r.envelope_from = "Alice@Example.com";
  r.envelope_recipients = {"bob@example.com", "carol@example.com",
                           "DAN@partner.test", "eve@example.com"};
  r.journal_addresses = {"journal@example.com"};
  r.report_from = "postmaster@example.com";
  r.message_id = "j1@mx.example.com";
  r.boundary = "=_journal_abc";
  r.now_unix = 1'800'000'000;
  return r;
}

TEST(ClassifyRecipientsTest, EnvelopeRecipientsNotInToOrCcAreBcc) {
  auto rs =
      ClassifyRecipients(kOriginal, {"bob@example.com", "CAROL@example.com",
                                     "dan@partner.test", "eve@example.com"});
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(rs[0].field, "To");
  EXPECT_EQ(rs[1].field, "To");  // a member of a group in To
  EXPECT_EQ(rs[1].address, "carol@example.com");
  EXPECT_EQ(rs[2].field, "Cc");
  EXPECT_EQ(rs[3].field, "Bcc");
}

TEST(ClassifyRecipientsTest, UnparsableMailMakesEveryoneBcc) {
  auto rs = ClassifyRecipients("no header section", {"bob@example.com"});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].field, "Bcc");
}

TEST(JournalReportTest, ListsFieldsAndAttachesTheOriginalByteForByte) {
  auto report = BuildJournalReport(Request());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const std::string& m = *report;
  EXPECT_NE(m.find("To: journal@example.com\r\n"), std::string::npos);
  EXPECT_NE(m.find("X-Sealpost-Journal-Report: envelope\r\n"),
            std::string::npos);
  // The body is UTF-8 (the decoded subject): base64.
  EXPECT_NE(m.find("Content-Transfer-Encoding: base64"), std::string::npos);
  EXPECT_NE(m.find("Content-Description: Journaled message\r\n"
                   "Content-Disposition: attachment; "
                   "filename=\"journaled.eml\"\r\n\r\n" +
                   std::string(kOriginal) + "\r\n--=_journal_abc--\r\n"),
            std::string::npos);
  EXPECT_EQ(m.find(kDecryptedDescription), std::string::npos);
}

TEST(JournalReportTest, BodyLinesAsciiSubject) {
  std::string original(kOriginal);
  original.replace(original.find("=?UTF-8"),
                   std::string("=?UTF-8?B?UXVhcnRlcmx5IHLDqXN1bHRz?=").size(),
                   "Plain");
  JournalReportRequest r = Request();
  r.original = original;
  auto report = BuildJournalReport(r);
  ASSERT_TRUE(report.ok());
  EXPECT_NE(report->find("Sender: alice@example.com\r\n"
                         "Subject: Plain\r\n"
                         "Message-Id: <q3@example.com>\r\n"
                         "To: bob@example.com\r\n"
                         "To: carol@example.com\r\n"
                         "Cc: dan@partner.test\r\n"
                         "Bcc: eve@example.com\r\n"),
            std::string::npos)
      << *report;
}

TEST(JournalReportTest, ProtectedCopyWithAndWithoutDecryptedOriginal) {
  JournalReportRequest r = Request();
  const std::string wrapper =
      "From: alice@example.com\r\nSubject: x\r\n\r\nsealed\r\n";
  r.journaled = wrapper;
  r.protected_id = "m123";
  auto without = BuildJournalReport(r);
  ASSERT_TRUE(without.ok());
  EXPECT_NE(without->find("\r\n\r\n" + wrapper), std::string::npos);
  EXPECT_EQ(without->find("The numbers."), std::string::npos);
  EXPECT_EQ(without->find(kDecryptedDescription), std::string::npos);

  r.include_decrypted = true;
  auto with = BuildJournalReport(r);
  ASSERT_TRUE(with.ok());
  EXPECT_NE(with->find("\r\n\r\n" + wrapper), std::string::npos);
  EXPECT_NE(with->find(std::string(kDecryptedDescription) +
                       "\r\nContent-Disposition: attachment; "
                       "filename=\"decrypted.eml\"\r\n\r\n" +
                       std::string(kOriginal)),
            std::string::npos);
}

// A decrypted copy of mail that is not protected (a caller's mistake):
// refused, not a report without it; the frame refuses it alike.
TEST(JournalReportTest, RefusesADecryptedCopyOfClearMail) {
  JournalReportRequest r = Request();
  r.include_decrypted = true;
  EXPECT_EQ(BuildJournalReport(r).status().code(), StatusCode::kInternal);
  std::vector<AttachedScan> scans(2, AttachedScan(r.boundary));
  EXPECT_EQ(JournalReportFrame(r, false, true, scans).status().code(),
            StatusCode::kInternal);
  EXPECT_TRUE(JournalReportFrame(r, true, true, scans).ok());
}

TEST(JournalReportTest, RefusesABoundaryThatOccursInTheMail) {
  JournalReportRequest r = Request();
  std::string original = std::string(kOriginal) + "--=_journal_abc\r\n";
  r.original = original;
  EXPECT_EQ(BuildJournalReport(r).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sealpost::mime
