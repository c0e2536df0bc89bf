#include "smtp/server_protocol.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/disk_space.h"
#include "mime/header_section.h"

namespace sealpost::smtp {
namespace {

using Kind = Action::Kind;

// Rejects recipients outside example.com (the relay decision the I/O layer
// owns) and one blocked sender.
class TestPolicy : public SessionPolicy {
 public:
  std::optional<Reply> CheckSender(const Envelope& e) override {
    if (e.mail_from == "spammer@bad.example") {
      return Reply::Make(550, "5.7.1", "Sender rejected");
    }
    return std::nullopt;
  }
  std::optional<Reply> CheckRecipient(const Envelope& e,
                                      const Recipient& r) override {
    ++calls;
    last_sender = e.mail_from;
    if (r.address.size() < 12 ||
        r.address.compare(r.address.size() - 12, 12, "@example.com") != 0) {
      return Reply::Make(554, "5.7.1", "Relay access denied");
    }
    return std::nullopt;
  }
  int calls = 0;
  std::string last_sender;
};

class ServerProtocolTest : public ::testing::Test {
 protected:
  void Make(ProtocolOptions o = {}, bool with_policy = true) {
    o.hostname = "mx.example.com";
    p_ = std::make_unique<ServerProtocol>(o, with_policy ? &policy_ : nullptr);
    std::vector<Action> a = p_->Start();
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].reply.Wire(), "220 mx.example.com ESMTP Sealpost\r\n");
  }

  // Feeds `bytes`, collects non-reply actions, returns the reply bytes.
  std::string Feed(std::string_view bytes) { return Collect(p_->Feed(bytes)); }
  std::string Commit(Reply r) { return Collect(p_->Committed(std::move(r))); }
  std::string Checked(const Result<std::string>& r) {
    return Collect(p_->AuthChecked(r));
  }

  // A submission session (RFC 6409) under TLS, after EHLO.
  void MakeSubmission(ProtocolOptions o = {}) {
    o.tls_available = true;
    o.tls_active = true;
    o.auth_available = true;
    o.require_auth = true;
    Make(o);
    Ehlo();
  }

  std::string Collect(std::vector<Action> actions) {
    std::string wire;
    for (Action& a : actions) {
      switch (a.kind) {
        case Kind::kReply:
          CheckEnhancedCode(a.reply);
          wire += a.reply.Wire();
          codes_.push_back(a.reply.code);
          break;
        case Kind::kMessage:
          messages_.push_back(std::move(a));
          break;
        case Kind::kStartTls:
          ++start_tls_;
          wire += "<STARTTLS>";
          break;
        case Kind::kAuth:
          logins_.push_back(std::move(a.login));
          wire += "<AUTH>";
          break;
        case Kind::kClose:
          ++closes_;
          wire += "<CLOSE>";
          break;
      }
    }
    return wire;
  }

  // RFC 2034 §3: every 2xx/4xx/5xx reply carries a matching enhanced code,
  // except the replies to EHLO and HELO.
  static void CheckEnhancedCode(const Reply& r) {
    if (r.code / 100 == 3) {
      EXPECT_TRUE(r.enhanced.empty());
      return;
    }
    if (r.code == 250 && r.enhanced.empty() && !r.lines.empty() &&
        r.lines[0] == "mx.example.com") {
      return;  // EHLO/HELO
    }
    // "class.subject.detail", detail up to three digits (RFC 3463 §2;
    // RFC 4954 §6 uses 5.7.11).
    ASSERT_GE(r.enhanced.size(), 5u) << r.Wire();
    ASSERT_LE(r.enhanced.size(), 7u) << r.Wire();
    EXPECT_EQ(r.enhanced[0] - '0', r.code / 100) << r.Wire();
  }

  std::string Ehlo() { return Feed("EHLO client.example.org\r\n"); }

  TestPolicy policy_;
  std::unique_ptr<ServerProtocol> p_;
  std::vector<Action> messages_;
  std::vector<SaslLogin> logins_;
  std::vector<int> codes_;
  int start_tls_ = 0;
  int closes_ = 0;
};

constexpr std::string_view kEhloReply =
    "250-mx.example.com\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 36700160\r\n"
    "250-8BITMIME\r\n"
    "250-SMTPUTF8\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250 DSN\r\n";

TEST_F(ServerProtocolTest, EhloAdvertisesExtensions) {
  Make();
  EXPECT_EQ(Ehlo(), kEhloReply);
  EXPECT_EQ(p_->envelope().helo, "client.example.org");
  EXPECT_TRUE(p_->envelope().esmtp);
}

TEST_F(ServerProtocolTest, EhloOffersStartTlsOnlyWhenAvailableAndInactive) {
  ProtocolOptions o;
  o.tls_available = true;
  Make(o);
  EXPECT_NE(Ehlo().find("250-STARTTLS\r\n"), std::string::npos);
  o.tls_active = true;
  Make(o);
  EXPECT_EQ(Ehlo().find("STARTTLS"), std::string::npos);
}

TEST_F(ServerProtocolTest, HeloIsPlainSmtp) {
  Make();
  EXPECT_EQ(Feed("HELO client\r\n"), "250 mx.example.com\r\n");
  EXPECT_FALSE(p_->envelope().esmtp);
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> SIZE=10\r\n"),
            "555 5.5.4 Parameters require EHLO\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com>\r\n"), "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(Feed("HELO\r\n"), "501 5.5.4 Syntax: HELO hostname\r\n");
  EXPECT_EQ(Feed("EHLO   \r\n"), "501 5.5.4 Syntax: EHLO hostname\r\n");
}

TEST_F(ServerProtocolTest, FullTransaction) {
  Make();
  Ehlo();
  EXPECT_EQ(Feed("MAIL FROM:<alice@example.com>\r\n"),
            "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(Feed("RCPT TO:<bob@example.com>\r\n"),
            "250 2.1.5 Recipient OK\r\n");
  EXPECT_EQ(Feed("DATA\r\n"), "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_TRUE(p_->in_data());
  EXPECT_EQ(Feed("Subject: hi\r\n\r\nHello\r\n"), "");
  EXPECT_EQ(Feed(".\r\n"), "");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_TRUE(p_->awaiting_commit());
  const Action& m = messages_[0];
  EXPECT_EQ(m.message, "Subject: hi\r\n\r\nHello\r\n");
  EXPECT_EQ(m.envelope.mail_from, "alice@example.com");
  ASSERT_EQ(m.envelope.recipients.size(), 1u);
  EXPECT_EQ(m.envelope.recipients[0].address, "bob@example.com");
  EXPECT_EQ(m.envelope.helo, "client.example.org");
  EXPECT_FALSE(m.envelope.tls);
  EXPECT_EQ(Commit(Reply::Make(250, "2.0.0", "OK queued as 42")),
            "250 2.0.0 OK queued as 42\r\n");
  EXPECT_FALSE(p_->awaiting_commit());
  // The transaction is over: RCPT needs a new MAIL.
  EXPECT_EQ(Feed("RCPT TO:<bob@example.com>\r\n"),
            "503 5.5.1 Need MAIL before RCPT\r\n");
  EXPECT_EQ(Feed("QUIT\r\n"),
            "221 2.0.0 mx.example.com closing connection\r\n<CLOSE>");
  EXPECT_TRUE(p_->closed());
}

TEST_F(ServerProtocolTest, PipelinedGroupInOneFeed) {
  Make();
  // RFC 2920 §3.1: a client may send the whole group at once.
  std::string wire = Feed(
      "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
      "RCPT TO:<c@elsewhere.org>\r\nRCPT TO:<d@example.com>\r\nDATA\r\n"
      "line 1\r\n.\r\nMAIL FROM:<x@example.com>\r\nRCPT "
      "TO:<y@example.com>\r\n");
  EXPECT_EQ(wire, std::string(kEhloReply) +
                      "250 2.1.0 Sender OK\r\n"
                      "250 2.1.5 Recipient OK\r\n"
                      "554 5.7.1 Relay access denied\r\n"
                      "250 2.1.5 Recipient OK\r\n"
                      "354 End data with <CR><LF>.<CR><LF>\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].message, "line 1\r\n");
  ASSERT_EQ(messages_[0].envelope.recipients.size(), 2u);
  EXPECT_EQ(messages_[0].envelope.recipients[1].address, "d@example.com");
  // The commands after the message wait for the commit.
  EXPECT_EQ(Feed("DATA\r\n"), "");
  EXPECT_EQ(Commit(Reply::Make(250, "2.0.0", "OK")),
            "250 2.0.0 OK\r\n250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n"
            "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(Feed("second\r\n.\r\n"), "");
  ASSERT_EQ(messages_.size(), 2u);
  EXPECT_EQ(messages_[1].envelope.mail_from, "x@example.com");
  EXPECT_EQ(policy_.last_sender, "x@example.com");
}

TEST_F(ServerProtocolTest, DotUnstuffing) {
  Make();
  Feed("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
  // RFC 5321 §4.5.2: a leading period is removed; "." alone ends the data.
  Feed("..hidden\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].message, ".hidden\r\n");
  EXPECT_EQ(messages_[0].envelope.mail_from, "");
}

// Feeds a transaction split at every possible point (and byte by byte) and
// checks the message comes out the same.
TEST_F(ServerProtocolTest, DataIsIndependentOfChunking) {
  const std::string head =
      "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
      "DATA\r\n";
  const std::string data =
      "From: a\r\n\r\n..\r\n...x\r\n.y\r\nstill\r\n\r\n.\r\n";
  const std::string expected = "From: a\r\n\r\n.\r\n..x\r\ny\r\nstill\r\n\r\n";
  const std::string all = head + data;
  for (size_t split = 0; split <= all.size(); ++split) {
    Make();
    Feed(all.substr(0, split));
    Feed(all.substr(split));
    ASSERT_EQ(messages_.size(), 1u) << split;
    EXPECT_EQ(messages_[0].message, expected) << split;
    messages_.clear();
  }
  Make();
  for (char c : all) Feed(std::string(1, c));
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].message, expected);
}

constexpr std::string_view kHead =
    "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
    "DATA\r\n";
constexpr std::string_view kBareLfReply =
    "550 5.5.2 bare <LF> received; use <CR><LF> line endings\r\n";
constexpr std::string_view kBareCrReply =
    "550 5.5.2 bare <CR> received; use <CR><LF> line endings\r\n";

// RFC 5321 §2.3.8: CR and LF only ever travel together. A stray one in the
// data rejects the message once the data really ends (Postfix's
// smtpd_forbid_bare_newline), and the session goes on.
TEST_F(ServerProtocolTest, BareLfInDataRejectsTheMessage) {
  Make();
  Feed(kHead);
  EXPECT_EQ(Feed("Subject: x\r\n\r\nline one\nline two\r\n"), "");
  EXPECT_TRUE(p_->in_data());
  EXPECT_EQ(Feed(".\r\n"), kBareLfReply);
  EXPECT_TRUE(messages_.empty());
  EXPECT_FALSE(p_->closed());
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com>\r\n"), "250 2.1.0 Sender OK\r\n");
}

TEST_F(ServerProtocolTest, BareCrInDataRejectsTheMessage) {
  Make();
  Feed(kHead);
  EXPECT_EQ(Feed("Subject: x\r\n\r\nold mac\rline\r\n.\r\n"), kBareCrReply);
  EXPECT_TRUE(messages_.empty());
  // A CR at the end of one read and LF at the start of the next is a CRLF.
  Feed("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
  Feed("split\r");
  Feed("\nend\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].message, "split\r\nend\r\n");
}

// SMTP smuggling (RFC 5321 §4.5.2; SEC Consult 2023): a "." alone between
// line breaks that are not both CRLF is where a lenient receiver would end
// the data. It never ends ours; the session is closed there, since the
// client either thinks its message is over or is trying to smuggle one.
TEST_F(ServerProtocolTest, SmugglingDotLinesNeverEndDataAndClose) {
  const std::pair<std::string_view, std::string_view> kCases[] = {
      {"a\n.\n", kBareLfReply},    {"a\n.\r\n", kBareLfReply},
      {"a\r\n.\n", kBareLfReply},  {"a\r.\r", kBareCrReply},
      {"a\r.\n", kBareCrReply},    {"a\r.\r\n", kBareCrReply},
      {"a\r\n.\rX", kBareCrReply}, {"a\n.\rX", kBareLfReply},
  };
  for (auto [smuggle, reply] : kCases) {
    const std::string rest =
        "MAIL FROM:<evil@example.com>\r\nRCPT TO:<b@example.com>\r\n"
        "DATA\r\nsmuggled\r\n.\r\n";
    for (size_t split = 0; split <= smuggle.size(); ++split) {
      Make();
      closes_ = 0;
      Feed(kHead);
      std::string wire = Feed(smuggle.substr(0, split));
      wire += Feed(std::string(smuggle.substr(split)) + rest);
      EXPECT_EQ(wire, std::string(reply) + "<CLOSE>")
          << testing::PrintToString(std::string(smuggle)) << " split " << split;
      EXPECT_TRUE(messages_.empty());
      EXPECT_TRUE(p_->closed());
      messages_.clear();
    }
  }
}

// smtp.bare_newline = normalize: bare CR and LF become CRLF (the message is
// then not byte-faithful), a "." after one is unstuffed like any line's,
// and the smuggling patterns still close the session.
TEST_F(ServerProtocolTest, NormalizeRewritesBareNewlines) {
  ProtocolOptions o;
  o.bare_newline = BareNewline::kNormalize;
  Make(o);
  EXPECT_EQ(Feed("EHLO c\nNOOP\n"),
            std::string(kEhloReply) + "250 2.0.0 OK\r\n");
  Feed("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\n");
  Feed("Subject: x\nA: b\n\nmac\rline\r\n..dot\n..dot2\r\n");
  EXPECT_EQ(Feed(std::string(3000, 'z') + "\n"), "");
  Feed("end\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].message,
            "Subject: x\r\nA: b\r\n\r\nmac\r\nline\r\n.dot\r\n.dot2\r\n" +
                std::string(3000, 'z') + "\r\nend\r\n");
  Make(o);
  Feed(kHead);
  EXPECT_EQ(Feed("a\n.\nMAIL FROM:<evil@example.com>\r\n"),
            std::string(kBareLfReply) + "<CLOSE>");
}

// Runs of bare CRs, LFs after them, and CRs in the middle of lines, in
// one feed and across feeds: each break is found where it is (the LF ahead
// is remembered between lines, so it must not hide a CR before it).
TEST_F(ServerProtocolTest, NormalizeFindsEveryBreakInLongBareCrRuns) {
  ProtocolOptions o;
  o.bare_newline = BareNewline::kNormalize;
  Make(o);
  Feed(kHead);
  Feed("Subject: x\r\n\r\n" + std::string(5000, '\r') + "a\rb\nc\r\n");
  Feed(std::string(3, '\r') + "d");
  Feed("\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  std::string want = "Subject: x\r\n\r\n";
  for (int i = 0; i < 5000; ++i) want += "\r\n";
  want += "a\r\nb\r\nc\r\n\r\n\r\n\r\nd\r\n";
  EXPECT_EQ(messages_[0].message, want);
}

// A command line ends in CRLF too; one that ends in a bare LF is answered
// and the connection closed, so that the rest of a client's bare-LF stream
// (its message too) is never read as commands.
TEST_F(ServerProtocolTest, BareLfCommandIsRefusedAndCloses) {
  Make();
  EXPECT_EQ(Feed("NOOP\nMAIL FROM:<a@example.com>\r\n"),
            "500 5.5.2 bare <LF> received; use <CR><LF> line endings\r\n"
            "<CLOSE>");
  EXPECT_TRUE(p_->closed());
}

TEST_F(ServerProtocolTest, EmptyMessage) {
  Make();
  Feed(
      "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
      "DATA\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].message, "");
}

TEST_F(ServerProtocolTest, DeclaredSizeOverLimit) {
  ProtocolOptions o;
  o.max_message_bytes = 100;
  Make(o);
  EXPECT_NE(Ehlo().find("250-SIZE 100\r\n"), std::string::npos);
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> SIZE=101\r\n"),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> SIZE=99999999999999999999\r\n"),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> SIZE=1x\r\n"),
            "501 5.5.4 Bad SIZE value\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> SIZE=100\r\n"),
            "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(p_->envelope().declared_size, 100u);
}

TEST_F(ServerProtocolTest, DataOverLimit) {
  ProtocolOptions o;
  o.max_message_bytes = 100;
  Make(o);
  Feed(
      "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
      "DATA\r\n");
  EXPECT_EQ(Feed(std::string(98, 'x') + "\r\n"), "");  // exactly 100: fine
  EXPECT_EQ(Feed("y\r\n.\r\n"),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  EXPECT_TRUE(messages_.empty());
  EXPECT_EQ(Feed("RCPT TO:<b@example.com>\r\n"),
            "503 5.5.1 Need MAIL before RCPT\r\n");
  // And exactly at the limit it passes.
  Feed("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
  Feed(std::string(98, 'x') + "\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].message.size(), 100u);
}

// A header section of exactly `size` bytes (at least 20), its empty line
// included: a Subject folded over lines of at most 78, the shape of a
// header section that is all folded field lines.
std::string HeaderOf(size_t size) {
  std::string h = "Subject: x\r\n";
  while (h.size() + 2 < size) {
    const size_t room = size - 2 - h.size();
    size_t n = std::min<size_t>(78, room);
    if (room - n > 0 && room - n < 4) n = room - 4;  // " y\r\n" still fits
    h += " " + std::string(n - 3, 'y') + "\r\n";
  }
  return h + "\r\n";
}

constexpr std::string_view kHeaderTooBig =
    "552 5.3.4 Message header size exceeds fixed maximum size\r\n";

// smtp.max_header_bytes (issue 14): the header section, its empty line
// included, up to the limit passes; one byte more gets 552 5.3.4 once the
// data has ended, in whatever slices it came, and the session goes on.
TEST_F(ServerProtocolTest, HeaderSectionOverTheLimitGets552) {
  ProtocolOptions o;
  o.max_header_bytes = 4096;
  const std::string envelope =
      "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n";
  for (size_t slice : {size_t{1}, size_t{7}, size_t{4096}, size_t{100000}}) {
    Make(o);
    Ehlo();
    for (size_t size : {size_t{4095}, size_t{4096}, size_t{4097}}) {
      const std::string message = HeaderOf(size) + "body\r\n";
      ASSERT_EQ(HeaderOf(size).size(), size);
      Feed(envelope);
      std::vector<Action> actions;
      for (size_t at = 0; at < message.size(); at += slice) {
        for (Action& a :
             p_->Feed(std::string_view(message).substr(at, slice))) {
          actions.push_back(std::move(a));
        }
      }
      for (Action& a : p_->Feed(".\r\n")) actions.push_back(std::move(a));
      ASSERT_EQ(actions.size(), 1u) << size << " slice " << slice;
      if (size <= 4096) {
        ASSERT_EQ(actions[0].kind, Kind::kMessage) << size;
        EXPECT_EQ(actions[0].message, message);
        EXPECT_EQ(Commit(Reply::Make(250, "2.0.0", "Ok")), "250 2.0.0 Ok\r\n");
      } else {
        ASSERT_EQ(actions[0].kind, Kind::kReply) << slice;
        EXPECT_EQ(actions[0].reply.Wire(), kHeaderTooBig);
        EXPECT_TRUE(actions[0].header_too_big);
      }
    }
    // Not queued, and the next transaction in the session is.
    Feed(envelope + HeaderOf(100) + "next\r\n.\r\n");
    ASSERT_EQ(messages_.size(), 1u);
    EXPECT_EQ(messages_[0].message, HeaderOf(100) + "next\r\n");
    messages_.clear();
  }
  // No other refusal is marked as the header's.
  o.max_message_bytes = 100;
  Make(o);
  Ehlo();
  Feed(envelope);
  std::vector<Action> size = p_->Feed(std::string(200, 'x') + "\r\n.\r\n");
  ASSERT_EQ(size.size(), 1u);
  EXPECT_EQ(size[0].reply.code, 552);
  EXPECT_FALSE(size[0].header_too_big);
}

// A line of the header region over mime::kMaxHeaderLine (its CRLF
// included), where GMime reads it cut at its 4 KiB buffer and readers
// after us whole: 552 5.3.4 once the data has ended, nothing kept, and the
// session goes on; a line of kMaxHeaderLine passes, and so does a longer
// one in the body. Each shape the reviewer found: a "From " line, a first
// field name (GMime makes no message of it), a name after a field, blanks
// before a colon.
TEST_F(ServerProtocolTest, HeaderLineOverTheBoundGets552) {
  const std::string envelope =
      "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n";
  const std::string fields = "Subject: confidential\r\n\r\nbody\r\n";
  // The message with a header line of `n` bytes, CRLF included.
  const std::vector<std::string (*)(size_t)> shapes = {
      [](size_t n) { return "From " + std::string(n - 7, 'a') + "\r\n"; },
      [](size_t n) { return std::string(n - 5, 'A') + ": x\r\n"; },
      [](size_t n) { return "A: 1\r\n" + std::string(n - 4, 'A') + ":x\r\n"; },
      [](size_t n) { return std::string(n - 4, ' ') + ":x\r\n"; },
      [](size_t n) { return "A: " + std::string(n - 5, 'v') + "\r\n"; },
  };
  Make(ProtocolOptions{});
  Ehlo();
  for (size_t shape = 0; shape < shapes.size(); ++shape) {
    for (size_t n : {mime::kMaxHeaderLine, mime::kMaxHeaderLine + 1,
                     size_t{5000}, size_t{9000}}) {
      const std::string message = shapes[shape](n) + fields;
      Feed(envelope);
      std::vector<Action> actions = p_->Feed(message + ".\r\n");
      ASSERT_EQ(actions.size(), 1u) << shape << " " << n;
      if (n <= mime::kMaxHeaderLine) {
        ASSERT_EQ(actions[0].kind, Kind::kMessage) << shape << " " << n;
        EXPECT_EQ(actions[0].message, message);
        EXPECT_EQ(Commit(Reply::Make(250, "2.0.0", "Ok")), "250 2.0.0 Ok\r\n");
      } else {
        ASSERT_EQ(actions[0].kind, Kind::kReply) << shape << " " << n;
        EXPECT_EQ(actions[0].reply.Wire(),
                  "552 5.3.4 Message header line exceeds fixed maximum "
                  "length\r\n");
        EXPECT_TRUE(actions[0].data_refused);
        EXPECT_TRUE(actions[0].header_line_too_long);
        EXPECT_FALSE(actions[0].header_too_big);
      }
    }
  }
  // A long line in the body is no header line.
  const std::string body_line =
      "A: 1\r\n\r\n" + std::string(100000, 'b') + "\r\n";
  Feed(envelope);
  std::vector<Action> body = p_->Feed(body_line + ".\r\n");
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0].kind, Kind::kMessage);
}

// Where the header section ends is where GMime ends it (the protection
// stage parses the message with it, a header object per field): at the
// first empty line, read on past lines that are no field (each of the
// shapes that SplitHeaderSection ends a header at, an mbox "From " line
// first), so that field lines after one are counted, not taken as body;
// an empty line of a bare LF ends it too (smtp.bare_newline = normalize
// keeps it as CRLF, and counts what it keeps); no empty line at all, the
// whole message is header. Only a first line that GMime gives the message
// up at (neither a field nor a "From " line: it holds no header) has
// none.
TEST_F(ServerProtocolTest, HeaderSectionEndsWhereGMimeEndsIt) {
  ProtocolOptions o;
  o.max_header_bytes = 4096;
  std::string fields;
  while (fields.size() < 10000) fields += "X-Filler: abcdefghij\r\n";
  auto send = [&](const std::string& message) {
    Make(o);
    Feed(kHead);
    return Feed(message + ".\r\n");
  };
  // Field lines after a line that is no field: header, refused, with an
  // empty line after them or none.
  for (std::string_view stray :
       {"not a field\r\n", "Na me: 1\r\n", "N\x80me: 1\r\n", ":no name\r\n"}) {
    const std::string shape = "From: x\r\n" + std::string(stray) + fields;
    EXPECT_EQ(send(shape + "\r\nbody\r\n"), kHeaderTooBig)
        << testing::PrintToString(stray);
    EXPECT_EQ(send(shape), kHeaderTooBig) << testing::PrintToString(stray);
    EXPECT_TRUE(messages_.empty());
  }
  // A line of a bare CR (CR CR LF, which GMime reads on past) never gets
  // here as such: refused as a bare CR (normalize makes it an empty line).
  EXPECT_EQ(send("From: x\r\n\r\r\n" + fields), kBareCrReply);
  // An mbox "From " line first: GMime reads the fields after it.
  EXPECT_EQ(send("From alice@example.com Mon Jan  1 00:00:00 2024\r\n" +
                 fields + "\r\nbody\r\n"),
            kHeaderTooBig);
  EXPECT_TRUE(messages_.empty());
  // A first line that is neither: GMime makes no message of it, and holds
  // no header section (mime_test HeaderEndTest): passed on.
  EXPECT_EQ(send("no field here\r\n" + fields + "\r\nbody\r\n"), "");
  EXPECT_EQ(messages_.size(), 1u);
  messages_.clear();
  // Over the limit after the empty line: the body.
  EXPECT_EQ(send("From: x\r\njunk\r\n\r\n" + fields), "");
  EXPECT_EQ(messages_.size(), 1u);
  messages_.clear();
  // All header, no empty line: refused.
  EXPECT_EQ(send(fields), kHeaderTooBig);
  EXPECT_TRUE(messages_.empty());
  // One field folded far past the limit: refused.
  std::string folded = "Subject: x\r\n";
  while (folded.size() < 10000) folded += " folded again\r\n";
  EXPECT_EQ(send(folded + "\r\nbody\r\n"), kHeaderTooBig);
  EXPECT_TRUE(messages_.empty());

  o.bare_newline = BareNewline::kNormalize;
  // 330 fields of 12 bytes with a bare LF, 13 as kept: 4,292 bytes.
  std::string bare;
  for (int i = 0; i < 330; ++i) bare += "X: 12345678\n";
  EXPECT_EQ(send(bare + "\nbody\r\n"), kHeaderTooBig);
  EXPECT_TRUE(messages_.empty());
  // A bare LF as the empty line ends it: what follows is body.
  EXPECT_EQ(send("A: 1\n\n" + fields), "");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].message, "A: 1\r\n\r\n" + fields);
}

// The header section is measured as kept: dot-stuffed lines unstuffed
// (RFC 5321 §4.5.2), so a header of exactly the limit as kept passes
// however many dots it came with, and one byte more does not.
TEST_F(ServerProtocolTest, HeaderSectionIsCountedUnstuffed) {
  ProtocolOptions o;
  o.max_header_bytes = 4096;
  // A header section of `size` bytes as kept, each field line starting
  // with a dot (".F: yyy", lines of at most 78).
  auto dotted = [](size_t size) {
    std::string h;
    while (h.size() + 2 < size) {
      const size_t room = size - 2 - h.size();
      size_t n = std::min<size_t>(78, room);
      if (room - n > 0 && room - n < 7) n = room - 7;  // ".F: y\r\n" fits
      h += ".F: " + std::string(n - 6, 'y') + "\r\n";
    }
    return h + "\r\n";
  };
  for (size_t size : {size_t{4096}, size_t{4097}}) {
    const std::string kept = dotted(size) + "body\r\n";
    ASSERT_EQ(dotted(size).size(), size);
    std::string wire;
    for (size_t at = 0; at < kept.size();) {
      const size_t next = kept.find('\n', at) + 1;
      if (kept[at] == '.') wire += '.';
      wire += kept.substr(at, next - at);
      at = next;
    }
    ASSERT_GT(wire.size(), kept.size() + 50);
    Make(o);
    Feed(kHead);
    if (size == 4096) {
      EXPECT_EQ(Feed(wire + ".\r\n"), "");
      ASSERT_EQ(messages_.size(), 1u);
      EXPECT_EQ(messages_[0].message, kept);
      messages_.clear();
    } else {
      EXPECT_EQ(Feed(wire + ".\r\n"), kHeaderTooBig);
      EXPECT_TRUE(messages_.empty());
    }
  }
}

// smtp.bare_newline = reject: a bare LF in an oversized header section is
// answered as a bare LF (550, as before the limit), not 552.
TEST_F(ServerProtocolTest, BareLfInAnOversizedHeaderGets550) {
  ProtocolOptions o;
  o.max_header_bytes = 4096;
  std::string fields;
  while (fields.size() < 10000) fields += "X-Filler: abcdefghij\r\n";
  Make(o);
  Feed(kHead);
  EXPECT_EQ(Feed("A: 1\n" + fields + "\r\nbody\r\n.\r\n"), kBareLfReply);
  EXPECT_TRUE(messages_.empty());
  Make(o);
  Feed(kHead);
  EXPECT_EQ(Feed(fields + "B: 2\n\r\nbody\r\n.\r\n"), kBareLfReply);
  EXPECT_TRUE(messages_.empty());
}

// Every answer at the end of DATA that refuses the message is marked for
// the count (sealpost_smtp_messages_rejected_total): size, header section,
// bare newline (and smuggling), line length, storage; the header's alone
// is marked as such for its log; a message handed on is not a refusal.
TEST_F(ServerProtocolTest, RefusalsAtTheEndOfDataAreMarked) {
  const std::string fields = [] {
    std::string f;
    while (f.size() < 10000) f += "X-Filler: abcdefghij\r\n";
    return f;
  }();
  struct Case {
    std::string name;
    std::function<void(ProtocolOptions&)> set;
    std::string data;
    int code;
    bool header;
  };
  const std::vector<Case> cases = {
      {"size", [](ProtocolOptions& o) { o.max_message_bytes = 100; },
       std::string(200, 'x') + "\r\n", 552, false},
      {"header", [](ProtocolOptions& o) { o.max_header_bytes = 4096; },
       fields + "\r\nbody\r\n", 552, true},
      {"bare LF", [](ProtocolOptions&) {}, "A: 1\nbody\r\n", 550, false},
      {"smuggling", [](ProtocolOptions&) {}, "A: 1\r\n\r\nx\n.\nMAIL\r\n", 550,
       false},
      {"line", [](ProtocolOptions& o) { o.max_data_line = 80; },
       "A: 1\r\n\r\n" + std::string(100, 'x') + "\r\n", 500, false},
      {"storage",
       [](ProtocolOptions& o) {
         o.spool_threshold = 10;
         o.open_spool = []() -> Result<std::unique_ptr<ByteSpool>> {
           return InternalError("no spool");
         };
       },
       "A: 1\r\n\r\n" + std::string(100, 'x') + "\r\n", 452, false},
  };
  for (const Case& c : cases) {
    ProtocolOptions o;
    c.set(o);
    Make(o);
    Feed(kHead);
    std::vector<Action> actions = p_->Feed(c.data + ".\r\n");
    ASSERT_GE(actions.size(), 1u) << c.name;
    ASSERT_EQ(actions[0].kind, Kind::kReply) << c.name;
    EXPECT_EQ(actions[0].reply.code, c.code) << c.name;
    EXPECT_TRUE(actions[0].data_refused) << c.name;
    EXPECT_EQ(actions[0].header_too_big, c.header) << c.name;
  }
  // Handed on, then answered by the queue: not the protocol's refusal.
  Make();
  Feed(kHead);
  std::vector<Action> ok = p_->Feed("A: 1\r\n\r\nbody\r\n.\r\n");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].kind, Kind::kMessage);
  EXPECT_FALSE(ok[0].data_refused);
  // Nor is any other reply in the session.
  for (const Action& a : p_->Committed(Reply::Make(554, "5.7.1", "No"))) {
    EXPECT_FALSE(a.data_refused);
  }
}

// A spool that counts what it was given, and says when it is let go of.
class CountingSpool final : public ByteSpool {
 public:
  CountingSpool(size_t& appended, bool& alive)
      : appended_(appended), alive_(alive) {
    alive_ = true;
  }
  ~CountingSpool() override { alive_ = false; }
  Status Append(std::string_view bytes) override {
    appended_ += bytes.size();
    return Status::Ok();
  }
  Status Finish() override { return Status::Ok(); }
  int64_t size() const override { return static_cast<int64_t>(appended_); }
  Status Restart() override { return Status::Ok(); }
  Result<size_t> Read(size_t, std::string*) override { return size_t{0}; }
  Result<std::unique_ptr<ByteSource>> Open() override {
    return InternalError("not read in this test");
  }

 private:
  size_t& appended_;
  bool& alive_;
};

// Past the limit nothing more of the message is kept: the spool it went
// to is let go of at once, its memory too, and the rest of the data (all
// header, 3 MB) is read and dropped.
TEST_F(ServerProtocolTest, HeaderSectionOverTheLimitKeepsNothingMore) {
  MemoryBudget budget(1 << 30);
  size_t appended = 0;
  bool alive = false;
  ProtocolOptions o;
  o.max_header_bytes = 64 * 1024;
  o.memory_budget = &budget;
  o.spool_threshold = 16 * 1024;
  o.open_spool = [&]() -> Result<std::unique_ptr<ByteSpool>> {
    return std::unique_ptr<ByteSpool>(
        std::make_unique<CountingSpool>(appended, alive));
  };
  Make(o);
  Feed(kHead);
  const std::string field = "X-Filler: " + std::string(60, 'f') + "\r\n";
  size_t sent = 0;
  while (sent < 3'000'000) {
    std::string slice;
    while (slice.size() < 10'000) slice += field;
    EXPECT_EQ(Feed(slice), "");
    sent += slice.size();
    if (sent > 64 * 1024) {
      EXPECT_FALSE(alive) << sent;
      EXPECT_EQ(budget.used(), 0) << sent;
    }
  }
  EXPECT_TRUE(p_->in_data());
  EXPECT_LE(appended, size_t{64 * 1024});
  EXPECT_GT(appended, size_t{16 * 1024});  // it did reach the spool
  EXPECT_EQ(Feed(".\r\n"), kHeaderTooBig);
  EXPECT_TRUE(messages_.empty());
}

// smtp.max_memory_bytes: the message buffer is reserved from DATA until
// the message is committed; no room gets 452 4.3.1, at DATA or at the end.
TEST_F(ServerProtocolTest, MemoryBudgetRefusesDataWithoutRoomAndFreesIt) {
  MemoryBudget budget(1 << 20);  // 1 MiB: four steps of 256 KiB
  ProtocolOptions o;
  o.memory_budget = &budget;
  Make(o);
  const std::string envelope =
      "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n";
  Feed("EHLO c\r\n" + envelope + "DATA\r\n");
  EXPECT_GE(budget.used(), 256 << 10);
  // Another session holds most of the budget meanwhile.
  MemoryReservation other(&budget);
  ASSERT_TRUE(other.GrowTo((1 << 20) - budget.used()));
  // This message outgrows its first step: the rest is read and dropped.
  // (Its long lines in the body: in the header region, a line over
  // mime::kMaxHeaderLine is refused first.)
  Feed("A: 1\r\n\r\n" + std::string(300'000, 'x') + "\r\n");
  EXPECT_EQ(Feed(std::string(300'000, 'y') + "\r\n.\r\n"),
            "452 4.3.1 Insufficient system storage, try again later\r\n");
  EXPECT_TRUE(messages_.empty());
  EXPECT_EQ(budget.used(), other.bytes());
  // A new DATA finds no room at all: 452 instead of 354, no data mode.
  ASSERT_TRUE(other.GrowTo(1 << 20));
  EXPECT_EQ(Feed(envelope + "DATA\r\n"),
            "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n"
            "452 4.3.1 Insufficient system storage, try again later\r\n");
  EXPECT_FALSE(p_->in_data());
  // With room again the message passes; its share travels with it.
  other.Release();
  EXPECT_EQ(budget.used(), 0);
  Feed("RSET\r\n" + envelope + "DATA\r\n");
  Feed("A: 1\r\n\r\n" + std::string(400'000, 'z') + "\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_GE(messages_[0].reservation.bytes(), 400'000);
  EXPECT_EQ(budget.used(), messages_[0].reservation.bytes());
  EXPECT_EQ(Commit(Reply::Make(250, "2.0.0", "Ok")), "250 2.0.0 Ok\r\n");
  messages_.clear();  // committed: the session lets go of it
  EXPECT_EQ(budget.used(), 0);
}

// server.min_free_bytes, against the real file system of the temporary
// directory: a message whose declared SIZE would eat into the floor gets
// 452 4.3.1 at MAIL; one without SIZE is asked again at DATA.
TEST_F(ServerProtocolTest, DiskFloorRefusesMailThatWouldFillTheDisk) {
  const std::string dir = std::filesystem::temp_directory_path();
  const uint64_t free = AvailableBytes(dir).value_or(0);
  ASSERT_GT(free, uint64_t{128} << 20) << "this test needs 128 MiB free";
  // 64 MiB above the floor, the margin for other writers meanwhile.
  uint64_t floor = free - (uint64_t{64} << 20);
  ProtocolOptions o;
  o.max_message_bytes = uint64_t{1} << 30;
  o.disk_has_room = [&](uint64_t bytes) {
    return DiskFloor(dir, floor).HasRoomFor(bytes);
  };
  Make(o);
  Ehlo();
  const std::string full =
      "452 4.3.1 Insufficient system storage, try again later\r\n";
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> SIZE=536870912\r\n"), full);
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> SIZE=1000\r\n"),
            "250 2.1.0 Sender OK\r\n");
  Feed("RCPT TO:<b@example.com>\r\n");
  // The disk fills (here: the floor rises above what is free) before DATA.
  floor = free * 2;
  EXPECT_EQ(Feed("DATA\r\n"), full);
  EXPECT_FALSE(p_->in_data());
  EXPECT_EQ(Feed("RSET\r\nMAIL FROM:<a@example.com>\r\n"),
            "250 2.0.0 OK\r\n" + full);
  floor = 0;
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com>\r\n"), "250 2.1.0 Sender OK\r\n");
}

TEST_F(ServerProtocolTest, BadSequence) {
  Make();
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com>\r\n"),
            "503 5.5.1 Send HELO/EHLO first\r\n");
  EXPECT_EQ(Feed("RCPT TO:<a@example.com>\r\n"),
            "503 5.5.1 Need MAIL before RCPT\r\n");
  EXPECT_EQ(Feed("DATA\r\n"), "503 5.5.1 Need MAIL command\r\n");
  Ehlo();
  Feed("MAIL FROM:<a@example.com>\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com>\r\n"),
            "503 5.5.1 Nested MAIL command\r\n");
  EXPECT_EQ(Feed("DATA\r\n"), "503 5.5.1 No valid recipients\r\n");
  EXPECT_EQ(Feed("RCPT TO:<x@elsewhere.org>\r\n"),
            "554 5.7.1 Relay access denied\r\n");
  EXPECT_EQ(Feed("DATA\r\n"), "503 5.5.1 No valid recipients\r\n");
  EXPECT_FALSE(p_->in_data());
}

TEST_F(ServerProtocolTest, SyntaxErrors) {
  Make();
  EXPECT_EQ(Feed("\r\n"), "500 5.5.2 Syntax error\r\n");
  EXPECT_EQ(Feed("M@IL FROM:<a@b.c>\r\n"), "500 5.5.2 Syntax error\r\n");
  EXPECT_EQ(Feed(std::string_view("NOOP \0x\r\n", 9)),
            "500 5.5.2 Syntax error\r\n");
  EXPECT_EQ(Feed("NOOP a\rb\r\n"), "500 5.5.2 Syntax error\r\n");
  EXPECT_EQ(Feed("FROB\r\n"), "500 5.5.1 Command unrecognized\r\n");
  EXPECT_EQ(Feed("EXPN staff\r\n"), "502 5.5.1 Command not implemented\r\n");
  EXPECT_EQ(Feed("BDAT 10 LAST\r\n"), "502 5.5.1 Command not implemented\r\n");
  Ehlo();
  EXPECT_EQ(Feed("MAIL FROM:a@example.com\r\n"),
            "501 5.5.4 Syntax: address must be in <>\r\n");
  EXPECT_EQ(Feed("MAIL TO:<a@example.com>\r\n"),
            "501 5.5.4 Syntax: expected FROM:<address>\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a..b@example.com>\r\n"),
            "501 5.1.7 Bad sender address syntax\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> FOO=1\r\n"),
            "555 5.5.4 Unsupported parameter FOO\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> BODY=BINARYMIME\r\n"),
            "501 5.5.4 Bad BODY value\r\n");
  Feed("MAIL FROM:<a@example.com>\r\n");
  EXPECT_EQ(Feed("RCPT TO:<>\r\n"),
            "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(Feed("RCPT TO:<b c@example.com>\r\n"),
            "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(Feed("RSET now\r\n"),
            "501 5.5.4 Syntax: RSET takes no arguments\r\n");
  EXPECT_EQ(Feed("RCPT TO:<b@example.com>\r\n"), "250 2.1.5 Recipient OK\r\n");
  EXPECT_EQ(Feed("DATA now\r\n"),
            "501 5.5.4 Syntax: DATA takes no arguments\r\n");
}

TEST_F(ServerProtocolTest, CommandLineLimit) {
  Make();
  // RFC 5321 §4.5.3.1.4: 512 octets including CRLF.
  std::string ok = "NOOP " + std::string(512 - 7, 'x') + "\r\n";
  ASSERT_EQ(ok.size(), 512u);
  EXPECT_EQ(Feed(ok), "250 2.0.0 OK\r\n");
  std::string too_long = "NOOP " + std::string(512 - 6, 'x') + "\r\n";
  EXPECT_EQ(Feed(too_long), "500 5.5.2 Line too long\r\n");
  // A very long line arriving in pieces is dropped as it comes, answered
  // once, and the next command works.
  EXPECT_EQ(Feed("NOOP " + std::string(4000, 'y')), "");
  EXPECT_EQ(Feed(std::string(4000, 'y')), "");
  EXPECT_EQ(Feed("zz\r\nNOOP\r\n"),
            "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n");
}

TEST_F(ServerProtocolTest, DataLineLimitIsConfigurable) {
  ProtocolOptions o;
  o.max_data_line = 1000;  // RFC 5321 §4.5.3.1.6
  Make(o);
  Feed(
      "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
      "DATA\r\n");
  Feed(std::string(998, 'x') + "\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  Commit(Reply::Make(250, "2.0.0", "OK"));
  Feed("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
  EXPECT_EQ(Feed(std::string(999, 'x') + "\r\n.\r\n"),
            "500 5.5.2 Line too long\r\n");
  EXPECT_EQ(messages_.size(), 1u);
}

TEST_F(ServerProtocolTest, MaxRecipients) {
  ProtocolOptions o;
  o.max_recipients = 2;
  Make(o);
  Feed("EHLO c\r\nMAIL FROM:<a@example.com>\r\n");
  EXPECT_EQ(Feed("RCPT TO:<r1@example.com>\r\nRCPT TO:<r2@example.com>\r\n"
                 "RCPT TO:<r3@example.com>\r\n"),
            "250 2.1.5 Recipient OK\r\n250 2.1.5 Recipient OK\r\n"
            "452 4.5.3 Too many recipients\r\n");
  Feed("DATA\r\nx\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].envelope.recipients.size(), 2u);
}

TEST_F(ServerProtocolTest, RequireTlsAndStartTls) {
  ProtocolOptions o;
  o.tls_available = true;
  o.require_tls = true;
  Make(o);
  Ehlo();
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com>\r\n"),
            "530 5.7.0 Must issue a STARTTLS command first\r\n");
  EXPECT_EQ(Feed("STARTTLS x\r\n"),
            "501 5.5.4 Syntax error (no parameters allowed)\r\n");
  // Plaintext pipelined after STARTTLS is dropped (RFC 3207 §6).
  EXPECT_EQ(Feed("STARTTLS\r\nMAIL FROM:<injected@example.com>\r\n"),
            "220 2.0.0 Ready to start TLS\r\n<STARTTLS>");
  EXPECT_TRUE(p_->awaiting_tls());
  EXPECT_EQ(Feed("RCPT TO:<more@example.com>\r\n"), "");
  p_->TlsStarted();
  EXPECT_TRUE(p_->tls_active());
  // RFC 3207 §4.2: the client must say EHLO again.
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com>\r\n"),
            "503 5.5.1 Send HELO/EHLO first\r\n");
  std::string ehlo = Ehlo();
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
  EXPECT_EQ(Feed("STARTTLS\r\n"), "503 5.5.1 TLS already active\r\n");
  Feed(
      "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
      "x\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_TRUE(messages_[0].envelope.tls);
  EXPECT_EQ(messages_[0].envelope.mail_from, "a@example.com");
}

TEST_F(ServerProtocolTest, StartTlsUnavailable) {
  Make();
  Ehlo();
  EXPECT_EQ(Feed("STARTTLS\r\n"), "502 5.5.1 Command not implemented\r\n");
  EXPECT_EQ(start_tls_, 0);
}

TEST_F(ServerProtocolTest, DsnParameters) {
  Make();
  Ehlo();
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> RET=HDRS ENVID=QQ314159+2B1\r\n"),
            "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(p_->envelope().ret, DsnReturn::kHeaders);
  EXPECT_EQ(p_->envelope().envid, "QQ314159+2B1");
  EXPECT_EQ(Feed("RCPT TO:<b@example.com> NOTIFY=success,DELAY "
                 "ORCPT=rfc822;b+40example.com\r\n"),
            "250 2.1.5 Recipient OK\r\n");
  EXPECT_EQ(Feed("RCPT TO:<c@example.com> NOTIFY=NEVER\r\n"),
            "250 2.1.5 Recipient OK\r\n");
  ASSERT_EQ(p_->envelope().recipients.size(), 2u);
  const Recipient& b = p_->envelope().recipients[0];
  EXPECT_EQ(b.notify, kNotifySuccess | kNotifyDelay);
  EXPECT_EQ(b.orcpt, "rfc822;b+40example.com");
  EXPECT_EQ(p_->envelope().recipients[1].notify, kNotifyNever);
  EXPECT_EQ(Feed("RCPT TO:<d@example.com> NOTIFY=NEVER,SUCCESS\r\n"),
            "501 5.5.4 Bad NOTIFY value\r\n");
  EXPECT_EQ(Feed("RCPT TO:<d@example.com> ORCPT=rfc822\r\n"),
            "501 5.5.4 Bad ORCPT value\r\n");
  EXPECT_EQ(Feed("RCPT TO:<d@example.com> XYZ\r\n"),
            "555 5.5.4 Unsupported parameter XYZ\r\n");
  Feed("RSET\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> RET=ALL\r\n"),
            "501 5.5.4 Bad RET value\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> ENVID=a+zz\r\n"),
            "501 5.5.4 Bad ENVID value\r\n");
}

TEST_F(ServerProtocolTest, EightBitAndSmtpUtf8) {
  Make(ProtocolOptions{}, /*with_policy=*/false);
  Ehlo();
  // RFC 6531 §3.6: a non-ASCII address needs SMTPUTF8.
  EXPECT_EQ(Feed("MAIL FROM:<j\xC3\xB6rg@example.com>\r\n"),
            "553 5.6.7 Non-ASCII address requires SMTPUTF8\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<j\xC3\xB6rg@example.com> SMTPUTF8 "
                 "BODY=8BITMIME\r\n"),
            "250 2.1.0 Sender OK\r\n");
  EXPECT_TRUE(p_->envelope().smtputf8);
  EXPECT_EQ(p_->envelope().body, BodyType::k8BitMime);
  EXPECT_EQ(Feed("RCPT TO:<\xE7\x94\xA8\xE6\x88\xB7@\xE4\xBE\x8B.cn>\r\n"),
            "250 2.1.5 Recipient OK\r\n");
  Feed("DATA\r\nSubject: caf\xC3\xA9\r\n\r\n\xFF\xFE\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].message, "Subject: caf\xC3\xA9\r\n\r\n\xFF\xFE\r\n");
  Commit(Reply::Make(250, "2.0.0", "OK"));
  // Without SMTPUTF8 the recipient is refused too.
  Feed("MAIL FROM:<a@example.com> BODY=7BIT\r\n");
  EXPECT_EQ(Feed("RCPT TO:<\xE7\x94\xA8@example.com>\r\n"),
            "553 5.6.7 Non-ASCII address requires SMTPUTF8\r\n");
}

TEST_F(ServerProtocolTest, PolicyDecidesSendersAndRecipients) {
  Make();
  Ehlo();
  EXPECT_EQ(Feed("MAIL FROM:<spammer@bad.example>\r\n"),
            "550 5.7.1 Sender rejected\r\n");
  EXPECT_EQ(Feed("MAIL FROM:<a@partner.org>\r\n"), "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(Feed("RCPT TO:<x@gmail.com>\r\n"),
            "554 5.7.1 Relay access denied\r\n");
  EXPECT_EQ(Feed("RCPT TO:<x@example.com>\r\n"), "250 2.1.5 Recipient OK\r\n");
  EXPECT_EQ(policy_.calls, 2);
  EXPECT_EQ(p_->envelope().recipients.size(), 1u);
}

TEST_F(ServerProtocolTest, PostmasterWithoutDomain) {
  Make(ProtocolOptions{}, /*with_policy=*/false);
  Feed("EHLO c\r\nMAIL FROM:<>\r\n");
  // RFC 5321 §4.5.1.
  EXPECT_EQ(Feed("RCPT TO:<Postmaster>\r\n"), "250 2.1.5 Recipient OK\r\n");
}

TEST_F(ServerProtocolTest, RsetNoopVrfyHelpQuit) {
  Make();
  Ehlo();
  Feed("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n");
  EXPECT_EQ(Feed("RSET\r\n"), "250 2.0.0 OK\r\n");
  EXPECT_TRUE(p_->envelope().recipients.empty());
  EXPECT_EQ(p_->envelope().helo, "client.example.org");  // kept by RSET
  EXPECT_EQ(Feed("DATA\r\n"), "503 5.5.1 Need MAIL command\r\n");
  EXPECT_EQ(Feed("noop anything\r\n"), "250 2.0.0 OK\r\n");
  EXPECT_EQ(Feed("VRFY bob\r\n"),
            "252 2.0.0 Cannot VRFY user, but will accept message and "
            "attempt delivery\r\n");
  EXPECT_EQ(Feed("VRFY\r\n"), "501 5.5.4 Syntax: VRFY address\r\n");
  EXPECT_EQ(Feed("HELP\r\n"),
            "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT "
            "VRFY HELP\r\n");
  EXPECT_EQ(Feed("NOOP\r\nQUIT\r\nNOOP\r\n"),
            "250 2.0.0 OK\r\n221 2.0.0 mx.example.com closing connection\r\n"
            "<CLOSE>");
  EXPECT_EQ(Feed("NOOP\r\n"), "");
  EXPECT_EQ(closes_, 1);
}

TEST_F(ServerProtocolTest, EhloResetsTransaction) {
  Make();
  Feed("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n");
  Feed("EHLO d\r\n");
  EXPECT_EQ(p_->envelope().helo, "d");
  EXPECT_EQ(Feed("DATA\r\n"), "503 5.5.1 Need MAIL command\r\n");
}

TEST_F(ServerProtocolTest, CommitFailureAndShutdown) {
  Make();
  Feed(
      "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
      "DATA\r\nx\r\n.\r\nNOOP\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  // Durable before 250: a failed store answers 4xx, the session goes on.
  EXPECT_EQ(Commit(Reply::Make(451, "4.3.0", "Try again later")),
            "451 4.3.0 Try again later\r\n250 2.0.0 OK\r\n");
  // Committed without a pending message does nothing.
  EXPECT_EQ(Commit(Reply::Make(250, "2.0.0", "OK")), "");
  // A nonsense reply from the I/O layer becomes a temporary failure.
  Feed(
      "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
      "x\r\n.\r\n");
  EXPECT_EQ(Commit(Reply::Make(354, "", "?")), "451 4.3.0 Internal error\r\n");
  Feed(
      "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
      "x\r\n.\r\n");
  EXPECT_EQ(Commit(Reply::Make(421, "4.3.2", "Shutting down")),
            "421 4.3.2 Shutting down\r\n<CLOSE>");
  EXPECT_TRUE(p_->closed());
}

TEST_F(ServerProtocolTest, PendingInputWhileCommittingIsBounded) {
  ProtocolOptions o;
  o.max_pending_input = 100;
  Make(o);
  Feed(
      "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
      "DATA\r\nx\r\n.\r\n");
  EXPECT_EQ(Feed(std::string(60, 'n')), "");
  EXPECT_EQ(Feed(std::string(60, 'n')),
            "421 4.7.0 mx.example.com Too much pipelined input\r\n<CLOSE>");
}

TEST_F(ServerProtocolTest, TooManyErrorsCloses) {
  ProtocolOptions o;
  o.max_errors = 3;
  Make(o);
  EXPECT_EQ(Feed("A\r\nB\r\nC\r\nD\r\n"),
            "500 5.5.1 Command unrecognized\r\n"
            "500 5.5.1 Command unrecognized\r\n"
            "500 5.5.1 Command unrecognized\r\n"
            "421 4.7.0 mx.example.com Error: too many errors\r\n<CLOSE>");
}

TEST_F(ServerProtocolTest, Timeout) {
  Make();
  EXPECT_EQ(Collect(p_->Timeout()),
            "421 4.4.2 mx.example.com Error: timeout exceeded\r\n<CLOSE>");
  EXPECT_EQ(Collect(p_->Timeout()), "");
}

TEST_F(ServerProtocolTest, LargeMessageStreamsInChunks) {
  Make();
  Feed(
      "EHLO c\r\nMAIL FROM:<a@example.com> SIZE=2000000\r\n"
      "RCPT TO:<b@example.com>\r\nDATA\r\n");
  std::string line(78, 'z');
  line += "\r\n";
  std::string expected;
  for (int i = 0; i < 25000; ++i) expected += line;  // 2,000,000 bytes
  for (size_t off = 0; off < expected.size(); off += 4096) {
    Feed(std::string_view(expected).substr(off, 4096));
  }
  Feed(".\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].message, expected);
}

// base64 of "\0alice@example.com\0right" (Python's base64 module).
constexpr std::string_view kPlainAlice = "AGFsaWNlQGV4YW1wbGUuY29tAHJpZ2h0";
constexpr std::string_view kAuthOk = "235 2.7.0 Authentication successful\r\n";
constexpr std::string_view kAuthBad =
    "535 5.7.8 Authentication credentials invalid\r\n";

// RFC 4954 §4: PLAIN and LOGIN send the password in the clear, so AUTH is
// neither offered nor accepted before STARTTLS.
TEST_F(ServerProtocolTest, AuthOnlyUnderTls) {
  ProtocolOptions o;
  o.tls_available = true;
  o.auth_available = true;
  Make(o);
  EXPECT_EQ(Ehlo().find("AUTH"), std::string::npos);
  EXPECT_EQ(Feed("AUTH PLAIN " + std::string(kPlainAlice) + "\r\n"),
            "538 5.7.11 Encryption required for requested authentication "
            "mechanism\r\n");
  EXPECT_TRUE(logins_.empty());
  Feed("STARTTLS\r\n");
  p_->TlsStarted();
  EXPECT_NE(Ehlo().find("250-AUTH PLAIN LOGIN\r\n"), std::string::npos);
  EXPECT_EQ(Feed("AUTH PLAIN " + std::string(kPlainAlice) + "\r\n"), "<AUTH>");
}

TEST_F(ServerProtocolTest, AuthNotOfferedWithoutTheOption) {
  ProtocolOptions o;
  o.tls_active = true;
  Make(o);
  EXPECT_EQ(Ehlo().find("AUTH"), std::string::npos);
  EXPECT_EQ(Feed("AUTH PLAIN " + std::string(kPlainAlice) + "\r\n"),
            "502 5.5.1 Command not implemented\r\n");
  // Nor may a client assert an identity with MAIL FROM AUTH= (RFC 4954 §5).
  EXPECT_EQ(Feed("MAIL FROM:<a@example.com> AUTH=a+40example.com\r\n"),
            "555 5.5.4 Unsupported parameter AUTH\r\n");
}

TEST_F(ServerProtocolTest, SubmissionNeedsAuthBeforeMail) {
  MakeSubmission();
  EXPECT_EQ(Feed("MAIL FROM:<alice@example.com>\r\n"),
            "530 5.7.0 Authentication required\r\n");
  EXPECT_EQ(Feed("AUTH PLAIN " + std::string(kPlainAlice) + "\r\n"), "<AUTH>");
  ASSERT_EQ(logins_.size(), 1u);
  EXPECT_EQ(logins_[0].user, "alice@example.com");
  EXPECT_EQ(logins_[0].password.InsecureStringView(), "right");
  EXPECT_TRUE(p_->awaiting_auth());
  EXPECT_EQ(Checked(std::string("Alice@Example.com")), kAuthOk);
  EXPECT_EQ(p_->auth_user(), "alice@example.com");
  EXPECT_EQ(Feed("MAIL FROM:<alice@example.com> AUTH=<>\r\n"),
            "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(p_->envelope().auth_user, "alice@example.com");
  // RFC 4954 §4: no second AUTH, and none inside a transaction.
  EXPECT_EQ(Feed("AUTH LOGIN\r\n"), "503 5.5.1 Already authenticated\r\n");
  Feed("RCPT TO:<b@example.com>\r\nDATA\r\nx\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].envelope.auth_user, "alice@example.com");
}

TEST_F(ServerProtocolTest, AuthPlainWithoutInitialResponse) {
  MakeSubmission();
  EXPECT_EQ(Feed("AUTH plain\r\n"), "334 \r\n");
  EXPECT_EQ(Feed(std::string(kPlainAlice) + "\r\n"), "<AUTH>");
  ASSERT_EQ(logins_.size(), 1u);
  EXPECT_EQ(logins_[0].user, "alice@example.com");
}

TEST_F(ServerProtocolTest, AuthLogin) {
  MakeSubmission();
  EXPECT_EQ(Feed("AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
  EXPECT_EQ(Feed("YWxpY2VAZXhhbXBsZS5jb20=\r\n"), "334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(Feed("cmlnaHQ=\r\n"), "<AUTH>");
  ASSERT_EQ(logins_.size(), 1u);
  EXPECT_EQ(logins_[0].user, "alice@example.com");
  EXPECT_EQ(logins_[0].password.InsecureStringView(), "right");
  EXPECT_EQ(Checked(std::string("alice@example.com")), kAuthOk);
  // With the user as initial response (swaks, Outlook).
  MakeSubmission();
  EXPECT_EQ(Feed("AUTH LOGIN YWxpY2VAZXhhbXBsZS5jb20=\r\n"),
            "334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(Feed("cmlnaHQ=\r\n"), "<AUTH>");
}

TEST_F(ServerProtocolTest, AuthBadInput) {
  MakeSubmission();
  EXPECT_EQ(Feed("AUTH CRAM-MD5\r\n"),
            "504 5.5.4 Unrecognized authentication type\r\n");
  EXPECT_EQ(Feed("AUTH PLAIN !!!\r\n"), "501 5.5.2 Cannot decode response\r\n");
  EXPECT_EQ(Feed("AUTH LOGIN\r\n*\r\n"),
            "334 VXNlcm5hbWU6\r\n501 5.0.0 Authentication aborted\r\n");
  // A user name with CR LF in it (base64 hides them) never gets as far as
  // a lookup or a log line.
  EXPECT_EQ(Feed("AUTH PLAIN AGENCklOSkVDVABwdw==\r\n"),
            "501 5.5.2 Cannot decode response\r\n");
  // Acting for someone else: RFC 4616 §4's Kurt-as-Ursel.
  EXPECT_EQ(Feed("AUTH PLAIN VXJzZWwAS3VydAB4aXBqM3BsbXE=\r\n"), kAuthBad);
  EXPECT_TRUE(logins_.empty());
  // After all that, a good login still works.
  EXPECT_EQ(Feed("AUTH PLAIN " + std::string(kPlainAlice) + "\r\n"), "<AUTH>");
}

// RFC 4954 §4 lets AUTH lines reach 12288 octets, but only on a listener
// that offers AUTH; everyone else keeps the 512 of RFC 5321 §4.5.3.1.4.
TEST_F(ServerProtocolTest, AuthLineLimit) {
  MakeSubmission();
  const std::string big = std::string(4000, 'A') + "\r\n";
  EXPECT_EQ(Feed("AUTH PLAIN " + big), "501 5.5.2 Cannot decode response\r\n");
  EXPECT_EQ(Feed("AUTH PLAIN " + std::string(13000, 'A') + "\r\n"),
            "500 5.5.2 Line too long\r\n");
  EXPECT_EQ(Feed("NOOP " + big), "500 5.5.2 Line too long\r\n");
  EXPECT_EQ(Feed("AUTH LOGIN\r\n" + big),
            "334 VXNlcm5hbWU6\r\n501 5.5.2 Cannot decode response\r\n");
}

// Per connection: the third failure closes the session (the directory
// limits per client and per user across connections).
TEST_F(ServerProtocolTest, AuthFailuresAreLimited) {
  MakeSubmission();
  const std::string auth = "AUTH PLAIN " + std::string(kPlainAlice) + "\r\n";
  const Status wrong = UnauthenticatedError("wrong");
  EXPECT_EQ(Feed(auth), "<AUTH>");
  EXPECT_EQ(Checked(wrong), kAuthBad);
  EXPECT_EQ(Feed(auth), "<AUTH>");
  EXPECT_EQ(Checked(ResourceExhaustedError("throttled")),
            "454 4.7.0 Too many failed authentication attempts; try again "
            "later\r\n");
  EXPECT_EQ(Feed(auth), "<AUTH>");
  EXPECT_EQ(Checked(wrong),
            std::string(kAuthBad) +
                "421 4.7.0 mx.example.com Too many failed authentication "
                "attempts\r\n<CLOSE>");
  EXPECT_TRUE(p_->closed());
  EXPECT_TRUE(p_->auth_user().empty());
  // A store failure is temporary and no verdict on the password.
  MakeSubmission();
  Feed(auth);
  EXPECT_EQ(Checked(UnavailableError("store down")),
            "454 4.7.0 Temporary authentication failure\r\n");
  EXPECT_TRUE(p_->auth_user().empty());
}

// A client may pipeline MAIL after AUTH (RFC 4954 §4 allows AUTH as the
// last command of a group, some send more): nothing runs before the verdict,
// so a wrong password never lets MAIL through.
TEST_F(ServerProtocolTest, CommandsAfterAuthWaitForTheVerdict) {
  MakeSubmission();
  EXPECT_EQ(Feed("AUTH PLAIN " + std::string(kPlainAlice) +
                 "\r\nMAIL FROM:<alice@example.com>\r\n"),
            "<AUTH>");
  EXPECT_EQ(Feed("RCPT TO:<b@example.com>\r\n"), "");
  EXPECT_EQ(Checked(UnauthenticatedError("wrong")),
            std::string(kAuthBad) +
                "530 5.7.0 Authentication required\r\n"
                "503 5.5.1 Need MAIL before RCPT\r\n");
}

// Postfix's XFORWARD_README: a proxy in front names the original client.
TEST_F(ServerProtocolTest, XforwardOfferedOnlyWhenAllowed) {
  Make();
  EXPECT_EQ(Ehlo(), kEhloReply);
  EXPECT_EQ(Feed("XFORWARD ADDR=192.0.2.7\r\n"),
            "550 5.7.0 Error: insufficient authorization\r\n");
  ProtocolOptions o;
  o.xforward_allowed = true;
  Make(o);
  std::string ehlo = Ehlo();
  EXPECT_NE(ehlo.find("250-DSN\r\n250 XFORWARD NAME ADDR PROTO HELO IDENT "
                      "SOURCE PORT\r\n"),
            std::string::npos)
      << ehlo;
}

TEST_F(ServerProtocolTest, XforwardAttributesReachTheEnvelope) {
  ProtocolOptions o;
  o.xforward_allowed = true;
  Make(o);
  Ehlo();
  // As Postfix sends them: two commands, xtext, one value unavailable.
  EXPECT_EQ(Feed("XFORWARD NAME=mail.sender.example ADDR=IPv6:2001:db8::5 "
                 "PORT=48123\r\n"
                 "XFORWARD PROTO=ESMTP HELO=[192.0.2.1]+2Bx "
                 "IDENT=[UNAVAILABLE] SOURCE=remote\r\n"
                 "MAIL FROM:<a@sender.example>\r\n"
                 "RCPT TO:<b@example.com>\r\nDATA\r\nHi\r\n.\r\n"),
            "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n250 2.1.0 Sender OK\r\n"
            "250 2.1.5 Recipient OK\r\n"
            "354 End data with <CR><LF>.<CR><LF>\r\n");
  ASSERT_EQ(messages_.size(), 1u);
  const ForwardedClient& f = messages_[0].envelope.forwarded;
  EXPECT_EQ(f.name, "mail.sender.example");
  EXPECT_EQ(f.addr, "2001:db8::5");
  EXPECT_EQ(f.port, "48123");
  EXPECT_EQ(f.proto, "ESMTP");
  EXPECT_EQ(f.helo, "[192.0.2.1]+x");
  EXPECT_EQ(f.ident, "");
  EXPECT_EQ(f.source, "REMOTE");
  // The attributes last one transaction: the next MAIL has none.
  EXPECT_EQ(Commit(Reply::Make(250, "2.0.0", "Ok")), "250 2.0.0 Ok\r\n");
  EXPECT_TRUE(p_->envelope().forwarded.empty());
  Feed(
      "MAIL FROM:<a@sender.example>\r\nRCPT TO:<b@example.com>\r\n"
      "DATA\r\nHi\r\n.\r\n");
  ASSERT_EQ(messages_.size(), 2u);
  EXPECT_TRUE(messages_[1].envelope.forwarded.empty());
}

TEST_F(ServerProtocolTest, XforwardRejectsBadInputAndKeepsWhatWasValid) {
  ProtocolOptions o;
  o.xforward_allowed = true;
  Make(o);
  EXPECT_EQ(Feed("XFORWARD ADDR=192.0.2.7\r\n"),
            "503 5.5.1 Send HELO/EHLO first\r\n");
  Ehlo();
  EXPECT_EQ(Feed("XFORWARD ADDR=192.0.2.7\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(Feed("XFORWARD ADDR=not-an-address\r\n"),
            "501 5.5.4 Bad XFORWARD attribute value: ADDR\r\n");
  EXPECT_EQ(Feed("XFORWARD NAME=ok.example ADDR=999.1.1.1\r\n"),
            "501 5.5.4 Bad XFORWARD attribute value: ADDR\r\n");
  EXPECT_EQ(Feed("XFORWARD COLOUR=blue\r\n"),
            "501 5.5.4 Bad XFORWARD attribute name: COLOUR\r\n");
  EXPECT_EQ(Feed("XFORWARD NAME=bad(name)\r\n"),
            "501 5.5.4 Bad XFORWARD attribute value: NAME\r\n");
  EXPECT_EQ(Feed("XFORWARD PORT=70000\r\n"),
            "501 5.5.4 Bad XFORWARD attribute value: PORT\r\n");
  EXPECT_EQ(Feed("XFORWARD SOURCE=ELSEWHERE\r\n"),
            "501 5.5.4 Bad XFORWARD attribute value: SOURCE\r\n");
  EXPECT_EQ(Feed("XFORWARD HELO=a+zz\r\n"),
            "501 5.5.4 Bad XFORWARD attribute value: HELO\r\n");
  EXPECT_EQ(Feed("XFORWARD\r\n"),
            "501 5.5.4 Syntax: XFORWARD attribute=value...\r\n");
  EXPECT_EQ(Feed("XFORWARD =x\r\n"),
            "501 5.5.4 Syntax: XFORWARD attribute=value...\r\n");
  // Control characters in free text are neutered, never passed on.
  EXPECT_EQ(Feed("XFORWARD HELO=evil+0D+0AX-Bad:+20y\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(p_->envelope().forwarded.helo, "evil??X-Bad:?y");
  // Only the valid command took effect.
  EXPECT_EQ(p_->envelope().forwarded.addr, "192.0.2.7");
  EXPECT_EQ(p_->envelope().forwarded.name, "");
  // Not inside a transaction.
  Feed("MAIL FROM:<a@sender.example>\r\n");
  EXPECT_EQ(Feed("XFORWARD ADDR=192.0.2.8\r\n"),
            "503 5.5.1 Error: MAIL transaction in progress\r\n");
  EXPECT_EQ(p_->envelope().forwarded.addr, "192.0.2.7");
  // RSET ends the transaction and the forwarded attributes with it.
  EXPECT_EQ(Feed("RSET\r\n"), "250 2.0.0 OK\r\n");
  EXPECT_TRUE(p_->envelope().forwarded.empty());
}

}  // namespace
}  // namespace sealpost::smtp
