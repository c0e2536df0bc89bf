#include "mime/compose.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "base/encoding.h"
#include "mime/view.h"
#include "mime/view_check_for_testing.h"

namespace sealpost::mime {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ComposeRequest Basic() {
  ComposeRequest r;
  r.from = "Alice Example <alice@example.com>";
  r.to = {"bob@example.org"};
  r.subject = "Hello";
  r.text = "Hi Bob,\nsee you.\n";
  r.message_id_domain = "mail.example.com";
  r.date_unix = 1704106800;
  return r;
}

// Every line ends in CRLF and no header line is longer than RFC 5322 allows.
void ExpectWellFormed(const std::string& m) {
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      ASSERT_TRUE(i > 0 && m[i - 1] == '\r') << "bare LF at " << i;
    }
    if (m[i] == '\r') {
      ASSERT_TRUE(i + 1 < m.size() && m[i + 1] == '\n');
    }
  }
  size_t start = 0;
  while (start < m.size()) {
    size_t end = m.find("\r\n", start);
    if (end == std::string::npos) end = m.size();
    EXPECT_LE(end - start, 998u);
    start = end + 2;
  }
}

std::string Headers(const std::string& m) {
  return m.substr(0, m.find("\r\n\r\n") + 2);
}

TEST(ComposeTest, PlainMessage) {
  auto m = ComposeMessage(Basic());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  std::string h = Headers(*m);
  for (std::string_view line :
       {"From: Alice Example <alice@example.com>\r\n",
        "To: bob@example.org\r\n", "Subject: Hello\r\n",
        "Date: Mon, 01 Jan 2024 11:00:00 +0000\r\n", "MIME-Version: 1.0\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n"}) {
    EXPECT_THAT(h, HasSubstr(line));
  }
  for (std::string_view absent : {"multipart", "Cc:", "In-Reply-To:"}) {
    EXPECT_THAT(h, Not(HasSubstr(absent)));
  }

  auto v = testing::CheckedParse(*m);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->subject, "Hello");
  EXPECT_EQ(v->from_address, "alice@example.com");
  EXPECT_EQ(v->to_addresses, std::vector<std::string>{"bob@example.org"});
  EXPECT_EQ(v->text, "Hi Bob,\nsee you.\n");
  EXPECT_EQ(v->date_unix, 1704106800);
  ASSERT_GT(v->message_id.size(), 20u);
  EXPECT_EQ(v->message_id.substr(v->message_id.size() - 18),
            "@mail.example.com>");
  // A second message gets another id.
  auto v2 = testing::CheckedParse(*ComposeMessage(Basic()));
  EXPECT_NE(v2->message_id, v->message_id);
}

TEST(ComposeTest, Utf8HeadersAndReplyFields) {
  ComposeRequest r = Basic();
  r.from = "Ren\xc3\xa9\x65 \"Zo\xc3\xab\" <renee@example.com>";
  r.to = {"\"Smith, Bob\" <bob@example.org>", "carol@example.net"};
  r.cc = {"\xe5\xb1\xb1\xe7\x94\xb0 <yamada@example.jp>"};
  r.subject =
      "R\xc3\xa9union \xe2\x82\xac =?not-encoded?= " + std::string(200, 'x') +
      " \xf0\x9f\x98\x80 end";
  r.in_reply_to = "<orig@example.org>";
  r.references = "<a@x> <orig@example.org>";
  r.text = "\xc3\xa9t\xc3\xa9 = summer\r\nFrom here\n" + std::string(300, 'y') +
           "\ntrailing space \n";
  r.message_id_domain = "";  // falls back to the From domain
  auto m = ComposeMessage(r);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  std::string h = Headers(*m);
  EXPECT_THAT(h, HasSubstr("In-Reply-To: <orig@example.org>\r\n"));
  EXPECT_THAT(h, HasSubstr("References: <a@x> <orig@example.org>\r\n"));
  EXPECT_THAT(h, HasSubstr("@example.com>\r\n"));
  // Header values are ASCII.
  for (unsigned char c : h) EXPECT_LT(c, 0x80);

  auto v = testing::CheckedParse(*m);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->subject, r.subject);
  EXPECT_EQ(v->from, "Ren\xc3\xa9\x65 \"Zo\xc3\xab\" <renee@example.com>");
  EXPECT_EQ(v->to, (std::vector<std::string>{"Smith, Bob <bob@example.org>",
                                             "carol@example.net"}));
  EXPECT_EQ(v->cc, std::vector<std::string>{
                       "\xe5\xb1\xb1\xe7\x94\xb0 <yamada@example.jp>"});
  EXPECT_EQ(v->references, "<a@x> <orig@example.org>");
  EXPECT_EQ(v->text, "\xc3\xa9t\xc3\xa9 = summer\nFrom here\n" +
                         std::string(300, 'y') + "\ntrailing space \n");
}

TEST(ComposeTest, AttachmentsAreExact) {
  ComposeRequest r = Basic();
  std::string binary("\0\r\n\x01\xff\r\nbinary\0\n\r--=_", 20);
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  std::string eml = "From: x@example.com\r\nSubject: inner\r\n\r\nhello\r\n";
  r.attachments = {
      {"r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac.bin", "Application/Octet-Stream",
       binary},
      {"C:\\Users\\me\\notes \"v2\".txt", "text/plain;charset=UTF-8",
       "line1\r\nline2"},
      {"", "bad type", ""},
      {"fwd.eml", "message/rfc822", eml},
  };
  auto m = ComposeMessage(r);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  EXPECT_THAT(
      *m, HasSubstr("Content-Type: multipart/mixed; boundary=\"=_sealpost_"));
  EXPECT_THAT(*m,
              HasSubstr("filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.bin"));

  auto v = testing::CheckedParse(*m);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text, "Hi Bob,\nsee you.\n");
  ASSERT_EQ(v->parts.size(), 4u);
  EXPECT_EQ(v->parts[0].filename, "r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac.bin");
  EXPECT_EQ(v->parts[0].content_type, "application/octet-stream");
  EXPECT_EQ(v->parts[0].size, static_cast<int64_t>(binary.size()));
  EXPECT_EQ(v->parts[1].filename, "notes \"v2\".txt");
  EXPECT_EQ(v->parts[1].content_type, "text/plain");
  EXPECT_EQ(v->parts[2].filename, "attachment-3");
  EXPECT_EQ(v->parts[2].content_type, "application/octet-stream");
  EXPECT_EQ(v->parts[2].size, 0);
  EXPECT_EQ(v->parts[3].filename, "fwd.eml");
  EXPECT_EQ(v->parts[3].content_type, "message/rfc822");

  auto a = PartContent(*m, v->parts[0].index);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->bytes, binary);
  auto b = PartContent(*m, v->parts[1].index);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->bytes, "line1\r\nline2");
  auto e = PartContent(*m, v->parts[3].index);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->bytes, eml);
}

TEST(ComposeTest, MessageAttachmentThatCannotTravel8BitBecomesOctetStream) {
  ComposeRequest r = Basic();
  r.attachments = {{"bare-lf.eml", "message/rfc822", "Subject: x\n\nbody\n"}};
  auto m = ComposeMessage(r);
  ASSERT_TRUE(m.ok());
  auto v = testing::CheckedParse(*m);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->parts.size(), 1u);
  EXPECT_EQ(v->parts[0].content_type, "application/octet-stream");
  EXPECT_EQ(PartContent(*m, v->parts[0].index)->bytes, "Subject: x\n\nbody\n");
}

// The Message-ID domain is an ASCII host name of at most 253 octets.
TEST(ComposeTest, MessageIdDomainIsAnAsciiHostName) {
  const std::string l63(63, 'a');
  ComposeRequest r = Basic();
  r.message_id_domain =
      l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
  ASSERT_EQ(r.message_id_domain.size(), 253u);
  EXPECT_TRUE(ComposeMessage(r).ok());
  r.message_id_domain += "b";
  EXPECT_EQ(ComposeMessage(r).status().message(),
            "Message-ID domain: not a host name");
  for (const char* bad :
       {"b\xC3\xBC"
        "cher.example",
        "a_b.example", "example.com.", "-a.example", "[127.0.0.1]"}) {
    r.message_id_domain = bad;
    EXPECT_EQ(ComposeMessage(r).status().message(),
              "Message-ID domain: not a host name")
        << bad;
  }
}

// The domains of From and To take the same check (IsAddrSpec).
TEST(ComposeTest, AddressDomainsAreAsciiHostNames) {
  const std::string l63(63, 'a');
  const std::string long_domain =
      l63 + "." + l63 + "." + l63 + "." + std::string(62, 'b');
  ASSERT_EQ(long_domain.size(), 254u);
  for (const std::string& bad :
       {std::string("bob@example.org."),
        std::string("bob@b\xC3\xBC"
                    "cher.example"),
        "bob@" + long_domain, std::string("bob@a_b.example")}) {
    ComposeRequest r = Basic();
    r.to = {bad};
    EXPECT_EQ(ComposeMessage(r).status().code(), StatusCode::kInvalidArgument)
        << bad;
    r = Basic();
    r.from = bad;
    EXPECT_EQ(ComposeMessage(r).status().code(), StatusCode::kInvalidArgument)
        << bad;
  }
  ComposeRequest r = Basic();
  r.to = {"bob@" + long_domain.substr(1)};
  EXPECT_TRUE(ComposeMessage(r).ok());
}

TEST(ComposeTest, RefusesInjectionAndBadInput) {
  auto code = [](void (*edit)(ComposeRequest&)) {
    ComposeRequest r = Basic();
    edit(r);
    return ComposeMessage(r).status().code();
  };
  const auto kBad = StatusCode::kInvalidArgument;
  EXPECT_EQ(code([](ComposeRequest& r) { r.subject = "hi\r\nBcc: x@evil"; }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.subject = "hi\nBcc: x@evil"; }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.subject = "hi\rBcc: x@evil"; }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.subject = std::string("a\0b", 3); }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) {
              r.to = {"bob@example.org\r\nBcc: x@evil.com"};
            }),
            kBad);
  EXPECT_EQ(
      code([](ComposeRequest& r) { r.from = "Alice\n <alice@example.com>"; }),
      kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.in_reply_to = "<a@b>\r\nX: y"; }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.in_reply_to = "a@b"; }), kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.in_reply_to = "<a@b> <c@d>"; }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.references = "<a@b> <c d>"; }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) {
              r.attachments = {{"a\r\n.txt", "text/plain", "x"}};
            }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) {
              r.attachments = {{"a.txt", "text/plain\r\nX: y", "x"}};
            }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) {
              r.message_id_domain = "example.com>\r\nX: y";
            }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.message_id_domain = "a b"; }), kBad);
  // Addresses.
  EXPECT_EQ(code([](ComposeRequest& r) { r.to = {"not an address"}; }), kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.to = {"a@b@c"}; }), kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.to = {".a@example.com"}; }), kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.to = {"a@-example.com"}; }), kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.to = {"Bob <bob@example.org"}; }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.to = {"bob@example.org, x@y.z"}; }),
            kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.from = ""; }), kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.to.clear(); }), kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.text = "\xff\xfe"; }), kBad);
  EXPECT_EQ(code([](ComposeRequest& r) { r.subject = "\xc3"; }), kBad);
  // Still fine: Cc only, a tab in the subject, a plus address.
  EXPECT_EQ(code([](ComposeRequest& r) {
              r.to.clear();
              r.cc = {"team+list@example.org"};
              r.subject = "a\tb";
            }),
            StatusCode::kOk);
}

TEST(ComposeTest, QuotedPrintableLines) {
  ComposeRequest r = Basic();
  r.text = std::string(500, '\xc3') + "\n";  // invalid UTF-8
  EXPECT_FALSE(ComposeMessage(r).ok());
  std::string long_line;
  for (int i = 0; i < 200; ++i) long_line += "\xe2\x82\xac=";
  r.text = long_line + "\n\nFrom the start\n.\n";
  auto m = ComposeMessage(r);
  ASSERT_TRUE(m.ok());
  std::string body = m->substr(m->find("\r\n\r\n") + 4);
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find("\r\n", start);
    EXPECT_LE(end - start, 76u);
    start = end + 2;
  }
  EXPECT_THAT(body, Not(HasSubstr("\r\nFrom ")));
  EXPECT_EQ(testing::CheckedParse(*m)->text, r.text);
}

TEST(ComposeTest, EmptyBodyAndSubject) {
  ComposeRequest r = Basic();
  r.text = "";
  r.subject = "";
  auto m = ComposeMessage(r);
  ASSERT_TRUE(m.ok());
  auto v = testing::CheckedParse(*m);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text, "");
  EXPECT_EQ(v->subject, "");
}

// The result read by a parser we did not write: Python's email package.
TEST(ComposeTest, PythonEmailReadsItBack) {
  if (std::system("python3 -c 'import email.policy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 not available";
  }
  ComposeRequest r = Basic();
  r.from = "Ren\xc3\xa9\x65 <renee@example.com>";
  r.subject = "R\xc3\xa9union \xe2\x82\xac " + std::string(80, 'x') +
              " \xf0\x9f\x98\x80";
  r.text = "caf\xc3\xa9 = " + std::string(100, 'z') + "\nFrom me\n";
  std::string binary("\0\r\n\x01\xff\r\n--\n", 10);
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  r.attachments = {{"na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac.bin",
                    "application/octet-stream", binary},
                   {"plain.txt", "text/plain", "a\r\nb\r\n"}};
  auto m = ComposeMessage(r);
  ASSERT_TRUE(m.ok());

  char dir[] = "/tmp/sealpost_compose_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string mail_path = std::string(dir) + "/mail.eml";
  std::string script_path = std::string(dir) + "/read.py";
  std::string out_path = std::string(dir) + "/out.txt";
  std::ofstream(mail_path, std::ios::binary) << *m;
  std::ofstream(script_path) << R"(import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(),
                             policy=email.policy.default)
defects = len(m.defects) + sum(len(v.defects) for v in m.values())
print('defects', defects)
print('subject', m['subject'].encode().hex())
print('from', m['from'].addresses[0].display_name.encode().hex(),
      m['from'].addresses[0].addr_spec)
body = m.get_body(preferencelist=('plain',))
print('text', body.get_content().replace('\r\n', '\n').encode().hex())
for a in m.iter_attachments():
    print('attachment', a.get_filename().encode().hex(),
          a.get_content_type(), a.get_payload(decode=True).hex())
)";
  std::string cmd =
      "python3 " + script_path + " " + mail_path + " > " + out_path;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(out_path);
  std::stringstream got;
  got << in.rdbuf();
  std::string expected =
      "defects 0\n"
      "subject " +
      HexEncode(AsBytes(r.subject)) + "\nfrom " +
      HexEncode(AsBytes("Ren\xc3\xa9\x65")) + " renee@example.com\ntext " +
      HexEncode(AsBytes(r.text)) + "\nattachment " +
      HexEncode(AsBytes(r.attachments[0].filename)) +
      " application/octet-stream " + HexEncode(AsBytes(binary)) +
      "\nattachment " + HexEncode(AsBytes("plain.txt")) + " text/plain " +
      HexEncode(AsBytes("a\r\nb\r\n")) + "\n";
  EXPECT_EQ(got.str(), expected);
  std::string cleanup = "rm -rf " + std::string(dir);
  (void)std::system(cleanup.c_str());
}

TEST(ComposeTest, ReplyAndForwardSubjects) {
  EXPECT_EQ(ReplySubject("Hello"), "Re: Hello");
  EXPECT_EQ(ReplySubject("Re: Hello"), "Re: Hello");
  EXPECT_EQ(ReplySubject("RE:Hello"), "RE:Hello");
  EXPECT_EQ(ReplySubject("  re: x"), "re: x");
  EXPECT_EQ(ReplySubject("Fwd: x"), "Re: Fwd: x");
  EXPECT_EQ(ReplySubject("Regarding"), "Re: Regarding");
  EXPECT_EQ(ReplySubject(""), "Re: ");
  EXPECT_EQ(ForwardSubject("Hello"), "Fwd: Hello");
  EXPECT_EQ(ForwardSubject("fwd: Hello"), "fwd: Hello");
  EXPECT_EQ(ForwardSubject("FW: Hello"), "FW: Hello");
  EXPECT_EQ(ForwardSubject("Re: Hello"), "Fwd: Re: Hello");
}

TEST(ComposeTest, QuoteText) {
  EXPECT_EQ(QuoteText("one\r\n\r\n> two\nthree\n", "Mon, 1 Jan 2024",
                      "Bob <bob@example.org>"),
            "On Mon, 1 Jan 2024, Bob <bob@example.org> wrote:\n"
            "> one\n>\n> > two\n> three\n");
  EXPECT_EQ(QuoteText("x", "", "Bob"), "Bob wrote:\n> x\n");
  EXPECT_EQ(QuoteText("", "d", "Bob"), "On d, Bob wrote:\n");
}

}  // namespace
}  // namespace sealpost::mime
