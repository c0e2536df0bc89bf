#include "mime/view.h"

#include <gtest/gtest.h>

#include <string>

#include "mime/sample_mail_for_testing.h"
#include "mime/view_check_for_testing.h"

namespace sealpost::mime {
namespace {

TEST(ViewTest, PlainTextHeaders) {
  std::string mail =
      std::string(testing::kRichHeaderFields) + "\r\nHello,\r\nworld\r\n";
  auto v = testing::CheckedParse(mail);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->subject, "\xc3\xa9t\xc3\xa9  plans");
  EXPECT_EQ(v->from, "Ren\xc3\xa9\x65 Dupont <renee@example.com>");
  EXPECT_EQ(v->from_address, "renee@example.com");
  EXPECT_EQ(v->to, (std::vector<std::string>{"Bob <bob@example.org>",
                                             "carol@example.net"}));
  EXPECT_EQ(v->to_addresses,
            (std::vector<std::string>{"bob@example.org", "carol@example.net"}));
  EXPECT_EQ(v->cc_addresses,
            (std::vector<std::string>{"dave@example.org", "erin@example.org"}));
  EXPECT_EQ(v->reply_to_addresses,
            std::vector<std::string>{"replies@example.com"});
  EXPECT_EQ(v->date, "Mon, 01 Jan 2024 12:00:00 +0100");
  EXPECT_EQ(v->date_unix, 1704106800);
  EXPECT_EQ(v->message_id, "<abc.123@example.com>");
  EXPECT_EQ(v->references, "<a@x> <b@y>");
  EXPECT_EQ(v->text, "Hello,\nworld\n");
  EXPECT_EQ(v->html, "");
  EXPECT_TRUE(v->parts.empty());
  EXPECT_FALSE(v->body_truncated);
}

// A From field GMime makes no mailbox of is shown as written: unfolded,
// RFC 2047 decoded, control characters out. Read by the fast path (a
// single part) and by GMime's parse (multipart) alike.
TEST(ViewTest, FromWithoutAMailboxIsShownAsWritten) {
  struct Case {
    const char* from;
    const char* shown;
  };
  for (const Case& c : {
           Case{"undisclosed-recipients:;", "undisclosed-recipients:;"},
           Case{"=?utf-8?q?Caf=C3=A9?= list:;", "Caf\xc3\xa9 list:;"},
           Case{"  Team:\r\n\t;  ", "Team: ;"},
           Case{"=?utf-8?q?a=09b=0Ac?= x:;", "a bc x:;"},
           Case{"", ""},
       }) {
    const std::string fields =
        std::string("From: ") + c.from + "\r\nReferences: <a@x>\r\n\t<b@y>\r\n";
    const std::string single = fields + "Subject: one part\r\n\r\nbody\r\n";
    // The single part is the fast path's to read, or this tests GMime twice.
    EXPECT_TRUE(testing::ExpectFastMatchesGmime(single)) << single;
    for (const std::string& mail :
         {single,
          testing::MultipartMail(fields, "mixed", "b",
                                 {"Content-Type: text/plain\r\n\r\nx"})}) {
      auto v = testing::CheckedParse(mail);
      ASSERT_TRUE(v.ok()) << v.status().ToString();
      EXPECT_EQ(v->from, c.shown) << mail;
      EXPECT_EQ(v->from_address, "") << mail;
      EXPECT_EQ(v->references, "<a@x> <b@y>") << mail;
    }
  }
}

TEST(ViewTest, TextLineEndsBecomeLf) {
  // CRLF, a lone CR (also doubled, and last) and LF all end a line once.
  auto v = testing::CheckedParse(
      std::string("Subject: x\n\na\r\nb\rc\nd\r\re\r\n\r\nf\r"));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->text, "a\nb\nc\nd\n\ne\n\nf\n");
  auto none = testing::CheckedParse(std::string("Subject: x\r\n\r\nno end"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->text, "no end");
}

TEST(ViewTest, MissingAndBadDate) {
  auto none = testing::CheckedParse("Subject: x\r\n\r\nbody\r\n");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->date, "");
  EXPECT_EQ(none->date_unix, 0);
  EXPECT_EQ(none->message_id, "");
  auto bad =
      testing::CheckedParse("Date: yesterday-ish\r\nSubject: x\r\n\r\nb\r\n");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->date, "yesterday-ish");
  EXPECT_EQ(bad->date_unix, 0);
}

TEST(ViewTest, AlternativeTakesEachBody) {
  std::string mail = testing::MultipartMail(
      "Subject: alt\r\n", "alternative", "alt",
      {"Content-Type: text/plain; charset=utf-8\r\n"
       "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
       "caf=C3=A9 with a soft=\r\n break",
       "Content-Type: text/html; charset=\"UTF-8\"\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\nPHA+Y2Fmw6k8L3A+"});
  auto v = testing::CheckedParse(mail);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->text, "caf\xc3\xa9 with a soft break");
  EXPECT_EQ(v->html, "<p>caf\xc3\xa9</p>");
  EXPECT_TRUE(v->parts.empty());
}

// A typical Apple/Outlook layout: mixed(alternative(text, related(html,
// image)), attachment).
std::string RelatedMail() {
  return "Subject: related\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=mix\r\n\r\n"
         "--mix\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n"
         "--alt\r\nContent-Type: text/plain\r\n\r\nsee the logo\r\n"
         "--alt\r\nContent-Type: multipart/related; type=\"text/html\"; "
         "boundary=rel\r\n\r\n"
         "--rel\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n"
         "<img src=\"cid:logo@x\">\r\n"
         "--rel\r\nContent-Type: image/PNG\r\nContent-ID: <logo@x>\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
         "--rel--\r\n"
         "--alt--\r\n"
         "--mix\r\nContent-Type: application/pdf\r\n"
         "Content-Disposition: attachment;\r\n"
         " filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.pdf\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
         "--mix--\r\n";
}

TEST(ViewTest, RelatedInlineImageAndRfc2231Attachment) {
  std::string mail = RelatedMail();
  auto v = testing::CheckedParse(mail);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->text, "see the logo");
  EXPECT_EQ(v->html, "<img src=\"cid:logo@x\">");
  ASSERT_EQ(v->parts.size(), 2u);
  const ViewPart& logo = v->parts[0];
  EXPECT_EQ(logo.index, 2);  // text 0, html 1
  EXPECT_EQ(logo.content_type, "image/png");
  EXPECT_EQ(logo.content_id, "logo@x");
  EXPECT_TRUE(logo.is_inline);
  EXPECT_EQ(logo.filename, "attachment-1.png");
  EXPECT_EQ(logo.size, 8);
  const ViewPart& pdf = v->parts[1];
  EXPECT_EQ(pdf.index, 3);
  EXPECT_EQ(pdf.filename, "r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac.pdf");
  EXPECT_EQ(pdf.content_type, "application/pdf");
  EXPECT_FALSE(pdf.is_inline);
  EXPECT_EQ(pdf.content_id, "");
  EXPECT_EQ(pdf.size, 9);

  auto png = PartContent(mail, logo.index);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_EQ(png->bytes, std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png->filename, "attachment-1.png");
  EXPECT_EQ(png->content_type, "image/png");
  auto data = PartContent(mail, pdf.index);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->bytes, "%PDF-1.4\n");
  EXPECT_EQ(data->filename, pdf.filename);

  EXPECT_EQ(PartContent(mail, 4).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(PartContent(mail, -1).status().code(), StatusCode::kNotFound);
}

TEST(ViewTest, Rfc2047FilenameAndAttachmentDispositionOnText) {
  std::string mail = testing::MultipartMail(
      "Subject: x\r\n", "mixed", "b",
      {"Content-Type: text/plain\r\n\r\nbody",
       "Content-Type: text/plain; name=\"=?ISO-8859-1?Q?r=E9sum=E9.txt?=\"\r\n"
       "Content-Disposition: attachment\r\n\r\nnot the body"});
  auto v = testing::CheckedParse(mail);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text, "body");
  ASSERT_EQ(v->parts.size(), 1u);
  EXPECT_EQ(v->parts[0].filename, "r\xc3\xa9sum\xc3\xa9.txt");
  EXPECT_EQ(v->parts[0].size, 12);
}

TEST(ViewTest, FilenamesAreSanitized) {
  std::string mail = testing::MultipartMail(
      "Subject: x\r\n", "mixed", "b",
      {"Content-Type: text/plain\r\n\r\nbody",
       "Content-Type: application/octet-stream\r\n"
       "Content-Disposition: attachment; filename=\"../../etc/passwd\"\r\n\r\n"
       "x",
       "Content-Type: application/octet-stream\r\n"
       "Content-Disposition: attachment; filename=\"C:\\\\temp\\\\a.txt\"\r\n"
       "\r\nx",
       // U+202E RIGHT-TO-LEFT OVERRIDE and a tab: "invoice<RLO>fdp.exe".
       "Content-Type: application/octet-stream\r\n"
       "Content-Disposition: attachment;\r\n"
       " filename*=UTF-8''invoice%E2%80%AEfdp%09.exe\r\n\r\nx",
       "Content-Type: application/pdf\r\n"
       "Content-Disposition: attachment; filename=\"..\"\r\n\r\nx",
       "Content-Type: application/x-unknown-thing\r\n\r\nx"});
  auto v = testing::CheckedParse(mail);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->parts.size(), 5u);
  EXPECT_EQ(v->parts[0].filename, "passwd");
  EXPECT_EQ(v->parts[1].filename, "a.txt");
  EXPECT_EQ(v->parts[2].filename, "invoicefdp.exe");
  EXPECT_EQ(v->parts[3].filename, "attachment-4.pdf");
  EXPECT_EQ(v->parts[4].filename, "attachment-5.bin");
  for (const ViewPart& p : v->parts) {
    for (unsigned char c : p.filename) {
      EXPECT_GE(c, 0x20) << p.filename;
      EXPECT_NE(c, '/');
      EXPECT_NE(c, '\\');
    }
  }
}

TEST(ViewTest, Charsets) {
  auto view = [](const std::string& content_type, const std::string& cte,
                 const std::string& body) {
    auto v =
        testing::CheckedParse(testing::SinglePartMail(content_type, cte, body));
    return v.ok() ? v->text : "ERROR " + v.status().ToString();
  };
  // Declared latin1, 8-bit.
  EXPECT_EQ(view("text/plain; charset=iso-8859-1", "8bit", "caf\xe9"),
            "caf\xc3\xa9");
  // Latin1 in quoted-printable.
  EXPECT_EQ(
      view("text/plain; charset=ISO-8859-1", "quoted-printable", "caf=E9"),
      "caf\xc3\xa9");
  // No charset: valid UTF-8 stays UTF-8 ...
  EXPECT_EQ(view("text/plain", "8bit", "caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(view("", "", "caf\xc3\xa9"), "caf\xc3\xa9");
  // ... anything else is windows-1252 (0x80 is the euro sign).
  EXPECT_EQ(view("text/plain", "8bit", "\x80 5 caf\xe9"),
            "\xe2\x82\xac 5 caf\xc3\xa9");
  // The same past a run of ASCII, where the check takes eight bytes at a
  // time (a character across the eighth byte, a stray byte after it).
  EXPECT_EQ(view("text/plain", "8bit", "1234567\xc3\xa9 and more text"),
            "1234567\xc3\xa9 and more text");
  EXPECT_EQ(view("text/plain", "8bit", "twelve bytes caf\xe9 au lait!"),
            "twelve bytes caf\xc3\xa9 au lait!");
  EXPECT_EQ(view("text/plain", "8bit", "0123456789abcdef\xe9"),
            "0123456789abcdef\xc3\xa9");
  // A charset nobody knows: the same fallback, never a failure.
  EXPECT_EQ(view("text/plain; charset=x-no-such-charset", "8bit", "caf\xe9"),
            "caf\xc3\xa9");
  // us-ascii that is not: fallback.
  EXPECT_EQ(view("text/plain; charset=us-ascii", "", "caf\xe9"), "caf\xc3\xa9");
  // Through iconv: KOI8-R.
  EXPECT_EQ(
      view("text/plain; charset=koi8-r", "8bit", "\xf0\xd2\xc9\xd7\xc5\xd4"),
      "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
  // Stateful ISO-2022-JP; Shift_JIS with an undecodable byte; UTF-16 cut in
  // the middle of a code unit.
  EXPECT_EQ(
      view("text/plain; charset=iso-2022-jp", "7bit", "\x1b$B$3$s$K$A$O\x1b(B"),
      "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf");
  EXPECT_EQ(view("text/plain; charset=shift_jis", "8bit", "\x82\xa0\xff!"),
            "\xe3\x81\x82\xef\xbf\xbd!");
  EXPECT_EQ(
      view("text/plain; charset=utf-16le", "binary", std::string("h\0i\0x", 5)),
      "hi\xef\xbf\xbd");
  // Declared UTF-8 with a stray byte: U+FFFD in its place.
  EXPECT_EQ(view("text/plain; charset=utf-8", "8bit",
                 "a\xff"
                 "b"),
            "a\xef\xbf\xbd"
            "b");
  // After ASCII runs that the check skips eight bytes at a time: a stray
  // byte in the first word, on a word boundary, in the tail, and a valid
  // character cut by the end.
  const std::string run(19, 'x');
  for (const std::string& prefix : {std::string("ab"), run.substr(0, 8), run}) {
    EXPECT_EQ(view("text/plain; charset=utf-8", "8bit", prefix + "\xff" + run),
              prefix + "\xef\xbf\xbd" + run)
        << prefix.size();
    EXPECT_EQ(
        view("text/plain; charset=utf-8", "8bit", prefix + "\xc3\xa9" + run),
        prefix + "\xc3\xa9" + run);
    EXPECT_EQ(view("text/plain; charset=utf-8", "8bit", prefix + "\xc3"),
              prefix + "\xef\xbf\xbd");
  }
  // Unlabelled: valid UTF-8 stays, 8-bit text past an ASCII run is
  // windows-1252.
  EXPECT_EQ(view("text/plain", "8bit", run + "\xc3\xa9"), run + "\xc3\xa9");
  EXPECT_EQ(view("text/plain", "8bit", run + "\xe9"), run + "\xc3\xa9");
  // Base64 UTF-8.
  EXPECT_EQ(view("text/plain; charset=utf-8", "base64", "Y2Fmw6kK\r\n"),
            "caf\xc3\xa9\n");
  // Broken base64 and an unknown encoding: best effort, no error.
  EXPECT_EQ(view("text/plain", "base64", "!!!!\r\n").rfind("ERROR", 0),
            std::string::npos);
  EXPECT_EQ(view("text/plain", "x-foo", "plain\r\n"), "plain\n");
}

TEST(ViewTest, BodyIsCapped) {
  std::string body(1000, 'a');
  body += "\xc3\xa9";  // cut in the middle of this character
  body += std::string(1000, 'b');
  std::string mail =
      testing::SinglePartMail("text/plain; charset=utf-8", "", body);
  auto v = testing::CheckedParse(mail, 1001);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->body_truncated);
  EXPECT_EQ(v->text, std::string(1000, 'a'));
  auto full = testing::CheckedParse(mail);
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE(full->body_truncated);
  EXPECT_EQ(full->text, body);
}

// A cut inside a character at the cap costs that character only, with no
// charset declared as with UTF-8 (was: the whole body read as
// windows-1252, "café" shown as "cafÃ©"), in a text part as in the body
// of a multipart with no part.
TEST(ViewTest, ACharacterCutAtTheCapKeepsTheBodyUtf8) {
  const std::string body = "caf\xc3\xa9 " + std::string(994, 'x') + "\xc3\xa9" +
                           std::string(100, 'y');
  ASSERT_EQ(body[1000], '\xc3');
  const std::string kept = "caf\xc3\xa9 " + std::string(994, 'x');
  for (const char* ct : {"", "text/plain", "text/plain; charset=us-ascii",
                         "text/plain; charset=utf-8"}) {
    auto v = testing::CheckedParse(testing::SinglePartMail(ct, "", body), 1001);
    ASSERT_TRUE(v.ok()) << ct;
    EXPECT_EQ(v->text, kept) << ct;
    EXPECT_TRUE(v->body_truncated);
  }
  auto prologue = testing::CheckedParse(
      "Content-Type: multipart/mixed; boundary=never\r\n\r\n" + body, 1001);
  ASSERT_TRUE(prologue.ok());
  EXPECT_EQ(prologue->text, kept);
  // Latin-1 cut at the cap is still read as Latin-1.
  auto latin1 = testing::CheckedParse(
      testing::SinglePartMail("text/plain", "",
                              "caf\xe9 " + std::string(995, 'x') + "\xe9yy"),
      1001);
  ASSERT_TRUE(latin1.ok());
  EXPECT_EQ(latin1->text, "caf\xc3\xa9 " + std::string(995, 'x'));
}

TEST(ViewTest, NestedMessageIsOneAttachment) {
  std::string inner = testing::MultipartMail(
      "From: inner@example.com\r\nSubject: Quarterly numbers\r\n", "mixed",
      "in",
      {"Content-Type: text/plain\r\n\r\ninner text",
       "Content-Type: text/html\r\n\r\n<b>inner</b>",
       "Content-Type: image/gif\r\nContent-Disposition: attachment; "
       "filename=x.gif\r\n\r\nGIF"});
  std::string mail = testing::MultipartMail(
      "Subject: Fwd: Quarterly numbers\r\n", "mixed", "out",
      {"Content-Type: text/plain\r\n\r\nsee attached",
       "Content-Type: message/rfc822\r\n\r\n" + inner,
       "Content-Type: message/rfc822\r\n"
       "Content-Disposition: attachment; filename=\"saved.msg\"\r\n\r\n"
       "Subject: second\r\n\r\nhi\r\n"});
  auto v = testing::CheckedParse(mail);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->text, "see attached");
  EXPECT_EQ(v->html, "");  // not taken from inside the attached message
  ASSERT_EQ(v->parts.size(), 2u);
  EXPECT_EQ(v->parts[0].filename, "Quarterly numbers.eml");
  EXPECT_EQ(v->parts[0].content_type, "message/rfc822");
  EXPECT_EQ(v->parts[0].index, 1);
  EXPECT_EQ(v->parts[1].filename, "saved.msg.eml");
  EXPECT_EQ(v->parts[1].index, 2);
  auto eml = PartContent(mail, 1);
  ASSERT_TRUE(eml.ok());
  EXPECT_EQ(eml->bytes, inner);
  EXPECT_EQ(v->parts[0].size, static_cast<int64_t>(inner.size()));
  // The attached message reads on its own.
  auto again = testing::CheckedParse(eml->bytes);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->subject, "Quarterly numbers");
  EXPECT_EQ(again->html, "<b>inner</b>");
  ASSERT_EQ(again->parts.size(), 1u);
  EXPECT_EQ(again->parts[0].filename, "x.gif");
}

TEST(ViewTest, HtmlOnlyAndAttachmentOnly) {
  auto html = testing::CheckedParse(testing::SinglePartMail(
      "text/html; charset=windows-1252", "", "<p>\x93quoted\x94</p>"));
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->text, "");
  EXPECT_EQ(html->html, "<p>\xe2\x80\x9cquoted\xe2\x80\x9d</p>");
  const std::string pdf_mail =
      testing::SinglePartMail("application/pdf", "base64", "JVBERi0xLjQK\r\n");
  auto pdf = testing::CheckedParse(pdf_mail);
  ASSERT_TRUE(pdf.ok());
  ASSERT_EQ(pdf->parts.size(), 1u);
  EXPECT_EQ(pdf->parts[0].index, 0);
  EXPECT_EQ(pdf->parts[0].filename, "attachment-1.pdf");
  auto bytes = PartContent(pdf_mail, 0);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->bytes, "%PDF-1.4\n");
}

// A multipart whose boundary never comes (or that names none) has no part:
// its body is the text a reader is shown, as mail readers show it (the
// portal showed an empty message).
TEST(ViewTest, MultipartWithNoPartShowsItsBody) {
  for (const char* ct :
       {"multipart/mixed; boundary=never", "multipart/alternative"}) {
    auto v = testing::CheckedParse(std::string("Subject: x\r\nContent-Type: ") +
                                   ct + "\r\n\r\nthe body\r\ncaf\xe9\r\n");
    ASSERT_TRUE(v.ok()) << ct;
    EXPECT_EQ(v->text, "the body\ncaf\xc3\xa9\n") << ct;
    EXPECT_TRUE(v->parts.empty());
    EXPECT_FALSE(v->body_truncated);
  }
  // So in a multipart that holds only it.
  auto nested = testing::CheckedParse(
      "Content-Type: multipart/mixed; boundary=a\r\n\r\nouter preamble\r\n"
      "--a\r\nContent-Type: multipart/alternative; boundary=never\r\n\r\n"
      "the inner body\r\n--a--\r\n");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->text, "the inner body");
  auto cut = testing::CheckedParse(
      "Content-Type: multipart/mixed; boundary=never\r\n\r\n" +
          std::string(100, 'x'),
      10);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->text, std::string(10, 'x'));
  EXPECT_TRUE(cut->body_truncated);
}

// A message whose first line is no field (CPython's e-mail corpus,
// msg_19: a digest without its header) is all body, as a mail reader
// shows it (was: "not a MIME message", and the portal's page a 500).
TEST(ViewTest, AMessageWithNoFieldFirstIsAllBody) {
  const std::string mail =
      "Send Ppp mailing list submissions to\r\n\tppp@zzz.org\r\n\r\n"
      "Subject: not a field here\r\n\r\ncaf\xc3\xa9\r\n";
  auto v = testing::CheckedParse(mail);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->text,
            "Send Ppp mailing list submissions to\n\tppp@zzz.org\n\n"
            "Subject: not a field here\n\ncaf\xc3\xa9\n");
  EXPECT_EQ(v->subject, "");
  EXPECT_TRUE(v->parts.empty());
  auto cut = testing::CheckedParse(mail, 10);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->text, "Send Ppp m");
  EXPECT_TRUE(cut->body_truncated);
}

TEST(ViewTest, MalformedInputDoesNotCrash) {
  const std::string inputs[] = {
      "",
      "\r\n\r\n",
      std::string("\0\0\0\xff\xfe", 5),
      "not a header at all",
      // No closing boundary, no final CRLF.
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
      "Content-Type: text/plain\r\n\r\nunterminated",
      // Multipart without a boundary parameter.
      "Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
      // message/rfc822 that is empty, and one that is base64 (not allowed).
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
      "Content-Type: message/rfc822\r\n\r\n\r\n--b\r\n"
      "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n"
      "\r\nU3ViamVjdDogeAoKeAo=\r\n--b--\r\n",
      // Broken encoded words and addresses.
      "From: =?utf-8?q?=ZZ?= <<<@>>>\r\nTo: ,,,;;;\r\n"
      "Subject: =?x-bad?b?!!!?=\r\nDate: 99 Foo 99999 99:99\r\n\r\nx",
  };
  for (const std::string& in : inputs) {
    auto v = testing::CheckedParse(in);
    if (!v.ok()) {
      EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    for (const ViewPart& p : v->parts) {
      EXPECT_TRUE(PartContent(in, p.index).ok());
    }
  }
  // Deep nesting is bounded, not a stack overflow.
  std::string deep = "Subject: deep\r\n";
  for (int i = 0; i < 500; ++i) {
    deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) +
            "\r\n\r\n--b" + std::to_string(i) + "\r\n";
  }
  deep += "Content-Type: text/plain\r\n\r\nbottom\r\n";
  auto v = testing::CheckedParse(deep);
  if (v.ok()) {
    EXPECT_EQ(v->text, "");
  }
}

}  // namespace
}  // namespace sealpost::mime
