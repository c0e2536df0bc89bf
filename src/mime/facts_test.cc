#include "mime/facts.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/string_source.h"
#include "mime/gmime_util.h"
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
  // The HTML in its three forms (base/markup.h): as laid out, each tag a
  // space, each nothing.
  EXPECT_EQ(f->body_text,
            "see the HTML\n"
            " confidential & caf\xc3\xa9 \n"
            " con fid ential & caf\xc3\xa9 \n"
            "confidential & caf\xc3\xa9\n"
            "caf\xc3\xa9 again\n"
            "hi");
  // The inline picture is a file a reader sees too.
  ASSERT_EQ(f->attachments.size(), 2u);
  EXPECT_EQ(f->attachments[0].name, "");
  EXPECT_EQ(f->attachments[1].name, "notes.txt");
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
  auto f = ExtractFacts(
      testing::MultipartMail("Subject: x\r\n", "mixed", "b",
                             {"Content-Type: text/plain\r\n\r\n" + big,
                              "Content-Type: text/plain\r\n\r\nneedle", part,
                              part, part, part, part, part, part, part}));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->body_text.size(), kMaxMessageBodyText);
  EXPECT_EQ(f->body_text.find("needle"), kMaxBodyText + 1);
  EXPECT_EQ(f->body_text.find_first_not_of('x'), kMaxBodyText);
}

// The attachment rules see every file a reader is shown: a part marked
// "attachment", and one named or not text whatever its disposition (Apple
// Mail's inline PDF, a file with no disposition, an inline picture), and
// an attached message (sized as GMime writes it; one inside another is
// listed, unsized: the outer one holds it). Only the first counted before.
TEST(FactsTest, AttachmentsAreEveryFileAReaderSees) {
  const std::string inner =
      "Subject: in\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"
      "--i\r\nContent-Type: message/rfc822\r\n\r\nSubject: deep\r\n\r\nx\r\n"
      "--i\r\nContent-Type: text/plain\r\n\r\nforwarded words\r\n--i--";
  auto f = ExtractFacts(testing::MultipartMail(
      "Subject: x\r\n", "mixed", "b",
      {"Content-Type: text/plain\r\n\r\nbody",
       "Content-Type: application/pdf\r\nContent-Disposition: inline; "
       "filename=report.pdf\r\n\r\nPDF",
       "Content-Type: application/pdf; name=\"plan.pdf\"\r\n\r\nPDF2",
       "Content-Type: image/png\r\n\r\nPNG",
       "Content-Type: text/plain; name=notes.txt\r\n\r\ninline notes",
       "Content-Type: message/rfc822; name=fwd.eml\r\n\r\n" + inner,
       "Content-Type: text/plain\r\n\r\nlast"}));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->attachments.size(), 6u);
  EXPECT_EQ(f->attachments[0].name, "report.pdf");
  EXPECT_EQ(f->attachments[0].size, 3);
  EXPECT_EQ(f->attachments[1].name, "plan.pdf");
  EXPECT_EQ(f->attachments[1].size, 4);
  EXPECT_EQ(f->attachments[2].name, "");
  EXPECT_EQ(f->attachments[3].name, "notes.txt");
  EXPECT_EQ(f->attachments[4].name, "fwd.eml");
  // As GMime writes it: its lines end in LF.
  std::string lf = inner;
  std::erase(lf, '\r');
  EXPECT_NEAR(f->attachments[4].size, static_cast<int64_t>(lf.size()), 4);
  EXPECT_EQ(f->attachments[5].size, 0);  // inside fwd.eml
  // A named text part shown inline is read as text too, and so is the
  // text of the forwarded message.
  EXPECT_EQ(f->body_text, "body\ninline notes\nx\nforwarded words\nlast");
}

// What a review found still hidden from the rules while readers show it.
TEST(FactsTest, BodyTextIsTheTextAsShown) {
  auto text = [](const std::string& mail) {
    auto f = ExtractFacts(mail);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? f->body_text : std::string();
  };
  // Characters that show nothing split no word; NUL neither.
  EXPECT_NE(text("Content-Type: text/plain; charset=utf-8\r\n\r\n"
                 "con\xe2\x80\x8b"
                 "fi\xc2\xad"
                 "den\xef\xbb\xbftial" +
                 std::string(1, '\0') + "ly")
                .find("confidentially"),
            std::string::npos);
  EXPECT_NE(text("Content-Type: text/html\r\n\r\ncon&#8203;fi&shy;dential")
                .find("confidential"),
            std::string::npos);
  // A tag styled as a block: its word, in the form with tags as spaces.
  EXPECT_NE(text("Content-Type: text/html\r\n\r\nconfidential<span "
                 "style=\"display:block\"></span>x")
                .find("confidential "),
            std::string::npos);
  // Markup does not count toward the text's cap: a megabyte attribute.
  EXPECT_NE(text("Content-Type: text/html\r\n\r\n<div title=\"" +
                 std::string(1 << 20, 'x') + "\">confidential</div>")
                .find("confidential"),
            std::string::npos);
  // Direction marks and the rest of Unicode's default-ignorable
  // characters show nothing either.
  EXPECT_NE(text("Content-Type: text/html\r\n\r\ncon&lrm;fi\xcd\x8f"
                 "den\xe2\x81\xa2tial")
                .find("confidential"),
            std::string::npos);
  // format=flowed: kept as it came too (Outlook does not join lines), and
  // never joined across a change of quote depth (the space after quote
  // marks is stuffing).
  EXPECT_EQ(text("Content-Type: text/plain; format=flowed; delsp=yes\r\n\r\n"
                 "> keep this SECRET \r\nreport\r\n"),
            "> keep this SECRET \r\nreport\r\n\n"
            ">keep this SECRET \r\nreport\r\n");
  EXPECT_EQ(text("Content-Type: text/plain; format=flowed\r\n\r\n"
                 ">> quoted \r\n>> on\r\nnew\r\n"),
            ">> quoted \r\n>> on\r\nnew\r\n\n>>quoted on\r\nnew\r\n");
  // format=flowed: a word broken over a soft line break (DelSp=yes), a
  // phrase over one without.
  EXPECT_NE(text("Content-Type: text/plain; format=flowed; delsp=yes\r\n\r\n"
                 "confi \r\ndential\r\n")
                .find("confidential"),
            std::string::npos);
  EXPECT_NE(text("Content-Type: text/plain; format=flowed\r\n\r\n"
                 "secret \r\n plans\r\n-- \r\nsig\r\n")
                .find("secret plans\r\n-- \r\nsig"),
            std::string::npos);
  // A Content-Type GMime cannot read: text all the same (RFC 2045 §5.2).
  EXPECT_EQ(text("Content-Type: text\r\n\r\nconfidential"), "confidential");
  // A multipart with no part inside an attached message.
  EXPECT_NE(text(testing::MultipartMail(
                     "Subject: x\r\n", "mixed", "b",
                     {"Content-Type: message/rfc822\r\n\r\nSubject: in\r\n"
                      "Content-Type: multipart/mixed; boundary=never\r\n\r\n"
                      "hidden words"}))
                .find("hidden words"),
            std::string::npos);
  auto top = ExtractFacts(
      "Content-Type: message/rfc822\r\n\r\nSubject: in\r\n"
      "Content-Type: multipart/mixed\r\n\r\nhidden words");
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->body_text, "hidden words");
  // The top-level attached message is a file too; one inside it is not
  // sized again.
  ASSERT_EQ(top->attachments.size(), 1u);
  EXPECT_GT(top->attachments[0].size, 0);
  auto nested = ExtractFacts(
      "Content-Type: message/rfc822\r\n\r\nSubject: in\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
      "Content-Type: message/rfc822\r\n\r\nSubject: deep\r\n\r\nx\r\n"
      "--b--\r\n");
  ASSERT_TRUE(nested.ok());
  ASSERT_EQ(nested->attachments.size(), 2u);
  EXPECT_GT(nested->attachments[0].size, 0);
  EXPECT_EQ(nested->attachments[1].size, 0);
}

// A text part that is also a file (named, shown inline) is read once for
// its text and its size: a parse over a spool then goes back no more than
// for any other part (read twice, eight such parts of 70 KB sent it back
// past its limit and the facts came from the message read whole).
TEST(FactsTest, NamedTextPartsAreReadOnceFromASpool) {
  std::vector<std::string> parts;
  for (int i = 0; i < 10; ++i) {
    std::string body;
    while (body.size() < 70000) body += "line " + std::to_string(i) + "\r\n";
    parts.push_back("Content-Type: text/plain; name=n" + std::to_string(i) +
                    ".txt\r\n\r\n" + body);
  }
  std::string mail =
      "Subject: x\r\nContent-Type: multipart/mixed; "
      "boundary=b\r\n\r\n";
  for (const std::string& p : parts) mail += "--b\r\n" + p + "\r\n";
  mail += "--b--\r\n";
  auto in_memory = ExtractFacts(mail);
  ParsedMessage parsed(std::make_unique<StringSource>(mail, 64 * 1024));
  auto spooled = ExtractFacts(parsed);
  ASSERT_TRUE(in_memory.ok() && spooled.ok());
  EXPECT_TRUE(parsed.source_status().ok()) << parsed.source_status().ToString();
  EXPECT_EQ(spooled->body_text, in_memory->body_text);
  ASSERT_EQ(spooled->attachments.size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(spooled->attachments[i].size, in_memory->attachments[i].size);
    EXPECT_GE(spooled->attachments[i].size, 70000);
  }
}

// A delivery report's fields are text, not a file: a bounce has no
// attachment but the message it returns.
TEST(FactsTest, DeliveryReportsAreText) {
  auto f = ExtractFacts(testing::MultipartMail(
      "Subject: bounce\r\n", "report; report-type=delivery-status", "r",
      {"Content-Type: text/plain\r\n\r\nundeliverable",
       "Content-Type: message/delivery-status\r\n\r\nStatus: 5.1.1",
       "Content-Type: message/rfc822\r\n\r\nSubject: orig\r\n\r\nhi"}));
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->attachments.size(), 1u);
  EXPECT_NE(f->body_text.find("Status: 5.1.1"), std::string::npos);
}

// A part read to its cap with a character cut there is still UTF-8 (was:
// read as windows-1252 whole, and a rule's "café" no longer matched).
TEST(FactsTest, ACharacterCutAtTheCapKeepsThePartUtf8) {
  std::string body =
      "caf\xc3\xa9 " + std::string(kMaxBodyText - 7, 'x') + "\xc3\xa9 more";
  ASSERT_EQ(body[kMaxBodyText - 1], '\xc3');
  auto f = ExtractFacts("Content-Type: text/plain\r\n\r\n" + body);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->body_text.starts_with("caf\xc3\xa9 xx"));
  EXPECT_EQ(f->body_text.size(), kMaxBodyText - 1);
}

// A parse over a spool reads as one over memory whatever the source's
// slices: its stream gives GMime as much as it asks for. A short read
// that split a field name followed by blanks before its ':' made GMime
// give up over a source only, and the rules read raw bytes (mime_fuzz).
TEST(FactsTest, FactsOverASourceDoNotDependOnItsSlices) {
  const std::string mail = "kidkk=" + std::string(20, '\t') + ":" +
                           std::string(4, '\t') +
                           "\r\nContent-Type: text/html\r\n\r\n<p>body</p>";
  auto in_memory = ExtractFacts(mail);
  ASSERT_TRUE(in_memory.ok());
  for (size_t slice = 1; slice <= mail.size(); ++slice) {
    ParsedMessage parsed(std::make_unique<StringSource>(mail, slice));
    auto spooled = ExtractFacts(parsed);
    ASSERT_TRUE(spooled.ok()) << slice << ": " << spooled.status().ToString();
    EXPECT_EQ(spooled->body_text, in_memory->body_text) << slice;
  }
}

// Files carried inside a text part, which Thunderbird, Outlook and others
// show as attachments: uuencode ("begin 644 name" ... "end", and
// uuencode -m's "begin-base64"), BinHex 4.0 (its name inside its encoded
// header) and yEnc ("=ybegin ... name=..."). The attachment rules see
// each file's name and decoded size, in memory and over a spool alike;
// the text stays text (was: body text only, "attachment-name=*.exe" never
// saw them).
TEST(FactsTest, FilesInsideTextAreAttachments) {
  const std::string uu =
      "see file\r\nbegin 644 evil.exe\r\n)35J0 &AE;&QO\r\n`\r\nend\r\n";
  const std::string mail = testing::MultipartMail(
      "Subject: x\r\n", "mixed", "b",
      {"Content-Type: text/plain\r\n\r\n" + uu,
       "Content-Type: text/plain\r\n\r\nbegin-base64 600 b64.scr\r\n"
       "TVqQAGhlbGxv\r\n====\r\n",
       "Content-Type: text/plain\r\n\r\n"
       "(This file must be converted with BinHex 4.0)\r\n"
       ":#'9fD@`ZCAKP!%&38%`r2cmr!!!!!!!*!!!!!!!!69U3!!\"SC@aXE`!!:\r\n",
       "Content-Type: text/plain\r\n\r\n"
       "=ybegin line=128 size=9 name=y enc.exe\r\n"
       "w\x84\xba*\x92\x8f\x96\x96\x99\r\n=yend size=9\r\n",
       // Marked as an attachment: a file of its own, not read as text.
       "Content-Type: text/plain\r\nContent-Disposition: attachment; "
       "filename=notes.txt\r\n\r\nbegin 644 not-shown.exe\r\n`\r\nend\r\n"});
  auto check = [](const MailFacts& f) {
    ASSERT_EQ(f.attachments.size(), 5u);
    EXPECT_EQ(f.attachments[0].name, "evil.exe");
    EXPECT_EQ(f.attachments[0].size, 9);
    EXPECT_EQ(f.attachments[1].name, "b64.scr");
    EXPECT_EQ(f.attachments[1].size, 9);
    EXPECT_EQ(f.attachments[2].name, "evil.exe");
    EXPECT_EQ(f.attachments[2].size, 9);
    EXPECT_EQ(f.attachments[3].name, "y enc.exe");
    EXPECT_EQ(f.attachments[3].size, 9);
    EXPECT_EQ(f.attachments[4].name, "notes.txt");
    EXPECT_NE(f.body_text.find("see file\r\nbegin 644 evil.exe"),
              std::string::npos);
  };
  auto in_memory = ExtractFacts(mail);
  ASSERT_TRUE(in_memory.ok());
  check(*in_memory);
  ParsedMessage parsed(std::make_unique<StringSource>(mail, 100));
  auto spooled = ExtractFacts(parsed);
  ASSERT_TRUE(spooled.ok());
  EXPECT_TRUE(parsed.source_status().ok()) << parsed.source_status().ToString();
  check(*spooled);
  // Past the text's cap too: the whole part is looked at, not kept.
  auto late = ExtractFacts("Content-Type: text/plain\r\n\r\n" +
                           std::string(kMaxBodyText, 'x') + "\r\n" + uu);
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->attachments.size(), 1u);
  EXPECT_EQ(late->attachments[0].name, "evil.exe");
  EXPECT_EQ(late->body_text.size(), kMaxBodyText);
  // Not a block: "begin" without a mode, or with a name on no line.
  auto prose = ExtractFacts(
      "Content-Type: text/plain\r\n\r\nbegin here\r\nbegin 644\r\n"
      " begin 644 indented.exe\r\n");
  ASSERT_TRUE(prose.ok());
  EXPECT_TRUE(prose->attachments.empty());
}

// A part named one way in Content-Type and another in
// Content-Disposition: readers save it under either (the rules saw the
// filename only, and "evil.exe" passed as "evil.txt").
TEST(FactsTest, AnAttachmentHasBothItsNames) {
  auto f = ExtractFacts(testing::MultipartMail(
      "Subject: x\r\n", "mixed", "b",
      {"Content-Type: application/x-msdownload; name=\"evil.exe\"\r\n"
       "Content-Disposition: attachment; filename=\"evil.txt\"\r\n\r\nMZ",
       "Content-Type: application/pdf; name=\"same.pdf\"\r\n"
       "Content-Disposition: attachment; filename=\"same.pdf\"\r\n\r\nPDF"}));
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->attachments.size(), 2u);
  EXPECT_EQ(f->attachments[0].name, "evil.txt");
  EXPECT_EQ(f->attachments[0].other_name, "evil.exe");
  EXPECT_EQ(f->attachments[1].name, "same.pdf");
  EXPECT_EQ(f->attachments[1].other_name, "");
}

// An attached message in base64 or quoted-printable (RFC 2046 §5.2.1
// allows neither; readers decode it all the same): GMime leaves it a part
// of encoded bytes, and its text and files were hidden from the rules.
TEST(FactsTest, AnEncodedAttachedMessageIsRead) {
  const std::string inner =
      "Subject: inner\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"
      "--i\r\nContent-Type: text/plain\r\n\r\nthis is confidential\r\n"
      "--i\r\nContent-Type: application/octet-stream; name=inner.exe\r\n\r\n"
      "MZ\r\n--i--\r\n";
  const std::string b64 = internal::WrapBase64(inner);
  std::string qp = "Subject: inner\r\n\r\nthis is confi=\r\ndential=3D\r\n";
  for (const std::string& part :
       {"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64"
        "\r\n\r\n" +
            b64,
        "Content-Type: message/rfc822\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
            qp}) {
    const std::string mail = testing::MultipartMail(
        "Subject: x\r\n", "mixed", "b",
        {"Content-Type: text/plain\r\n\r\nsee attached", part});
    for (bool spooled : {false, true}) {
      ParsedMessage parsed =
          spooled ? ParsedMessage(std::make_unique<StringSource>(mail, 100))
                  : ParsedMessage(mail);
      auto f = ExtractFacts(parsed);
      ASSERT_TRUE(f.ok());
      EXPECT_NE(f->body_text.find("this is confidential"), std::string::npos)
          << f->body_text;
      ASSERT_GE(f->attachments.size(), 1u);
      EXPECT_GT(f->attachments[0].size, 0);
      if (part.find("base64") != std::string::npos) {
        ASSERT_EQ(f->attachments.size(), 2u);
        EXPECT_EQ(f->attachments[1].name, "inner.exe");
      }
    }
  }
  // Nested past the bound: read no deeper, and no failure.
  std::string deep = "Subject: bottom\r\n\r\ndeep words\r\n";
  for (int i = 0; i < 20; ++i) {
    deep =
        "Subject: x\r\nContent-Type: message/rfc822\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        internal::WrapBase64(deep);
  }
  auto f = ExtractFacts(deep);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->body_text.find("deep words"), std::string::npos);
}

// Each cap on what is read of a message's files fails closed: past it the
// list says it is incomplete, and why (the rules then take any attachment
// condition as met). Was: 1000 harmless files first, or 4 MiB of harmless
// encoded attached message, hid an evil.exe after them.
TEST(FactsTest, CapsLeaveTheFilesIncomplete) {
  std::string blocks;
  for (int i = 0; i < 1000; ++i) blocks += "begin 644 a\r\n`\r\nend\r\n";
  const std::string evil = "begin 644 evil.exe\r\n`\r\nend\r\n";
  auto many = ExtractFacts("Content-Type: text/plain\r\n\r\n" + blocks + evil);
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->attachments.size(), 1000u);
  EXPECT_NE(many->attachments_incomplete.find("1000"), std::string::npos)
      << many->attachments_incomplete;
  // Spread over parts alike.
  auto parts = ExtractFacts(
      testing::MultipartMail("Subject: x\r\n", "mixed", "b",
                             {"Content-Type: text/plain\r\n\r\n" + blocks,
                              "Content-Type: text/plain\r\n\r\n" + evil}));
  ASSERT_TRUE(parts.ok());
  EXPECT_FALSE(parts->attachments_incomplete.empty());
  // Within the cap: whole.
  auto few = ExtractFacts("Content-Type: text/plain\r\n\r\n" +
                          blocks.substr(0, blocks.size() / 2) + evil);
  ASSERT_TRUE(few.ok());
  EXPECT_EQ(few->attachments.back().name, "evil.exe");
  EXPECT_EQ(few->attachments_incomplete, "");

  auto message = [](const std::string& inner) {
    return "Content-Type: message/rfc822\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n" +
           internal::WrapBase64(inner);
  };
  const std::string harmless =
      "Subject: big\r\n\r\n" + std::string(4 << 20, 'x') + "\r\n";
  const std::string with_exe =
      "Subject: in\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"
      "--i\r\nContent-Type: application/octet-stream; name=evil.exe\r\n"
      "\r\nMZ\r\n--i--\r\n";
  auto budget = ExtractFacts(
      testing::MultipartMail("Subject: x\r\n", "mixed", "b",
                             {"Content-Type: text/plain\r\n\r\nsee",
                              message(harmless), message(with_exe)}));
  ASSERT_TRUE(budget.ok());
  EXPECT_NE(budget->attachments_incomplete.find("4 MiB"), std::string::npos)
      << budget->attachments_incomplete;
  auto one = ExtractFacts(testing::MultipartMail(
      "Subject: x\r\n", "mixed", "b",
      {"Content-Type: text/plain\r\n\r\nsee", message(with_exe)}));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->attachments.back().name, "evil.exe");
  EXPECT_EQ(one->attachments_incomplete, "");
  // Nested past kMaxEncodedDepth: its files are not read either.
  std::string deep = with_exe;
  for (int i = 0; i < 4; ++i) deep = "Subject: x\r\n" + message(deep);
  auto nested = ExtractFacts(deep);
  ASSERT_TRUE(nested.ok());
  EXPECT_NE(nested->attachments_incomplete.find("deeper"), std::string::npos)
      << nested->attachments_incomplete;
}

TEST(FactsTest, EncodeSubject) {
  EXPECT_EQ(EncodeSubject("plain"), "plain");
  EXPECT_EQ(EncodeSubject("\xc3\xa9t\xc3\xa9"), "=?UTF-8?B?w6l0w6k=?=");
}

}  // namespace
}  // namespace sealpost::mime
