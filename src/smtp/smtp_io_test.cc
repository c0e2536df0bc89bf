// Pure helpers of the SMTP I/O layer: dot-stuffing for DATA (RFC 5321
// §4.5.2), Received counting for loop detection, client network syntax, and
// the gateway's sender and relay policy.
#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "base/temp_dir_for_testing.h"
#include "queue/spool_file.h"
#include "smtp/client.h"
#include "smtp/gateway_policy.h"
#include "smtp/server.h"
#include "smtp/server_protocol.h"

namespace sealpost::smtp {
namespace {

// Each text as DotStuff gives it for DATA.
void ExpectDotStuffed(
    std::initializer_list<std::pair<std::string_view, std::string_view>>
        cases) {
  for (const auto& [text, stuffed] : cases) {
    EXPECT_EQ(DotStuff(text), stuffed) << text;
  }
}

TEST(DotStuffTest, DoublesLeadingDotsAndTerminates) {
  ExpectDotStuffed({{"a\r\n.b\r\n..c\r\n", "a\r\n..b\r\n...c\r\n.\r\n"},
                    {".\r\n", "..\r\n.\r\n"},
                    {"no final newline", "no final newline\r\n.\r\n"},
                    {"", ".\r\n"}});
}

// Defence in depth against SMTP smuggling (RFC 5321 §2.3.8): a next hop
// that takes a bare CR or LF for a line end must still never see a lone
// "." there, whatever a stored message holds.
TEST(DotStuffTest, StuffsAfterBareCrAndLf) {
  ExpectDotStuffed({{"a\n.\nb\r\n", "a\n..\nb\r\n.\r\n"},
                    {"a\r.\r\nb\r\n", "a\r..\r\nb\r\n.\r\n"},
                    {"a\r\n.\rb\r\n", "a\r\n..\rb\r\n.\r\n"},
                    // The terminator always follows a CRLF.
                    {"a\n", "a\n\r\n.\r\n"},
                    {"a\r", "a\r\r\n.\r\n"}});
}

// Slices given as they are, then an optional error.
class PiecesReader final : public queue::ContentReader {
 public:
  explicit PiecesReader(std::vector<std::string> pieces, bool fail = false)
      : pieces_(std::move(pieces)), fail_(fail) {}
  Result<bool> Next(std::string* out) override {
    if (at_ == pieces_.size()) {
      if (fail_) return InternalError("disk gone");
      return false;
    }
    *out += pieces_[at_++];
    return true;
  }

 private:
  std::vector<std::string> pieces_;
  size_t at_ = 0;
  bool fail_;
};

Result<std::string> Payload(std::vector<std::string> pieces,
                            bool fail = false) {
  DataPayload payload(std::make_unique<PiecesReader>(std::move(pieces), fail));
  std::string out;
  for (;;) {
    SP_ASSIGN_OR_RETURN(bool more, payload.Next(&out));
    if (!more) return out;
  }
}

// Slice boundaries anywhere (inside a CRLF, before a dot) change nothing:
// the payload is DotStuff of the whole message.
TEST(DataPayloadTest, SlicedEqualsWhole) {
  const std::string msg = "a\r\n.b\r\n..\r\n.\r\nend\r\n";
  for (size_t cut = 0; cut <= msg.size(); ++cut) {
    for (size_t cut2 = cut; cut2 <= msg.size(); cut2 += 3) {
      auto p = Payload({msg.substr(0, cut), msg.substr(cut, cut2 - cut), "",
                        msg.substr(cut2)});
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(*p, DotStuff(msg)) << cut << " " << cut2;
    }
  }
  EXPECT_EQ(*Payload({}), ".\r\n");
  EXPECT_EQ(*Payload({"x\r", "\n"}), "x\r\n.\r\n");
  EXPECT_EQ(*Payload({"x\r\n", "y"}), "x\r\ny\r\n.\r\n");
  EXPECT_EQ(*Payload({"x\r\n", "\r"}), "x\r\n\r\r\n.\r\n");
}

// A message that cannot be read to its end never gets its terminator.
TEST(DataPayloadTest, ReadErrorIsAnErrorNotAnEnd) {
  EXPECT_FALSE(Payload({"Subject: x\r\n\r\n", "part"}, true).ok());
}

TEST(ReceivedTest, CountsOnlyHeaderSection) {
  EXPECT_EQ(CountReceivedHeaders("Received: a\r\nreceived: b\r\n\tcont\r\n"
                                 "Subject: x\r\n\r\nReceived: body\r\n"),
            2);
  EXPECT_EQ(CountReceivedHeaders("\r\nReceived: x\r\n"), 0);
  EXPECT_EQ(CountReceivedHeaders("X-Received: y\r\n\r\n"), 0);
  // Any case of the name; a line shorter than it is no match.
  EXPECT_EQ(CountReceivedHeaders("RECEIVED:x\r\nReceived\r\nrec\r\n\r\n"), 1);
}

TEST(NetworksTest, Validates) {
  EXPECT_TRUE(ValidateNetworks("127.0.0.0/8, ::1/128,192.0.2.7").ok());
  EXPECT_FALSE(ValidateNetworks("10.0.0.0/33").ok());
  EXPECT_FALSE(ValidateNetworks("example.com").ok());
}

class GatewayPolicyTest : public ::testing::Test {
 protected:
  Envelope Mail(std::string from, std::string auth_user = "") {
    Envelope e;
    e.mail_from = std::move(from);
    e.auth_user = std::move(auth_user);
    return e;
  }
  static std::string Text(const std::optional<Reply>& r) {
    return r ? r->Wire() : "accept";
  }
  const std::vector<std::string> domains_ = {"example.com", "example.org"};
};

TEST_F(GatewayPolicyTest, ForgedInternalSenderFromOutsideIsRefused) {
  GatewayPolicy outside(false, domains_, ForgedSender::kReject);
  for (const char* forged :
       {"ceo@example.com", "CEO@Example.COM", "x@example.org"}) {
    auto r = outside.CheckSender(Mail(forged));
    ASSERT_TRUE(r.has_value()) << forged;
    EXPECT_EQ(r->code, 550);
    EXPECT_EQ(r->enhanced, "5.7.1");
  }
  // Mail from elsewhere, and bounces, come in as before, as outside mail.
  EXPECT_EQ(Text(outside.CheckSender(Mail("partner@partner.example"))),
            "accept");
  EXPECT_EQ(Text(outside.CheckSender(Mail(""))), "accept");
  EXPECT_EQ(Text(outside.CheckSender(Mail("ceo@sub.example.com"))), "accept");
  EXPECT_FALSE(outside.SenderTrusted(Mail("partner@partner.example")));
}

TEST_F(GatewayPolicyTest, ForgedInternalSenderCanBeTakenAsExternal) {
  GatewayPolicy outside(false, domains_, ForgedSender::kExternal);
  Envelope e = Mail("ceo@example.com");
  EXPECT_EQ(Text(outside.CheckSender(e)), "accept");
  EXPECT_FALSE(outside.SenderTrusted(e));
  Recipient away{"x@gmail.example", 0, ""};
  EXPECT_EQ(outside.CheckRecipient(e, away)->code, 554);
}

TEST_F(GatewayPolicyTest, ClientNetworksAreTrusted) {
  GatewayPolicy inside(true, domains_, ForgedSender::kReject);
  Envelope e = Mail("ceo@example.com");
  EXPECT_EQ(Text(inside.CheckSender(e)), "accept");
  EXPECT_TRUE(inside.SenderTrusted(e));
  EXPECT_EQ(Text(inside.CheckRecipient(e, {"x@gmail.example", 0, ""})),
            "accept");
}

// An address of ours whose local part routes elsewhere ("x@y"@, %, !)
// is refused from any client: a next hop with Postfix's defaults sent
// "carol@gmail.test"@example.com to gmail.test, unprotected (was: taken
// as internal, and relayed for anyone).
TEST_F(GatewayPolicyTest, RoutingLocalPartsOfOurDomainsAreRefused) {
  for (bool network : {false, true}) {
    GatewayPolicy p(network, domains_, ForgedSender::kReject);
    Envelope e = Mail(network ? "ceo@example.com" : "x@gmail.example");
    for (const char* to :
         {"\"carol@gmail.test\"@example.com", "carol%gmail.test@example.com",
          "gmail.test!carol@example.com", "carol%gmail.test@EXAMPLE.com"}) {
      auto r = p.CheckRecipient(e, {to, 0, ""});
      ASSERT_TRUE(r.has_value()) << to;
      EXPECT_EQ(r->code, 553) << to;
      EXPECT_EQ(r->enhanced, "5.1.3") << to;
    }
    EXPECT_EQ(Text(p.CheckRecipient(e, {"carol@example.com", 0, ""})),
              "accept");
  }
  // Elsewhere, the domain's own MTA decides; ours takes it as outside.
  GatewayPolicy inside(true, domains_, ForgedSender::kReject);
  EXPECT_EQ(Text(inside.CheckRecipient(Mail("ceo@example.com"),
                                       {"a%b@gmail.example", 0, ""})),
            "accept");
  EXPECT_TRUE(sealpost::HasRoutingLocalPart("\"a@b\"@c"));
  EXPECT_FALSE(sealpost::HasRoutingLocalPart("a.b+c@d%e"));
}

// The replies `p` writes to one command line.
std::string RepliesTo(ServerProtocol& p, const std::string& line) {
  std::string wire;
  for (const Action& a : p.Feed(line + "\r\n")) {
    if (a.kind == Action::Kind::kReply) wire += a.reply.Wire();
  }
  return wire;
}

// The protocol gives the policy, and the envelope the rules and the
// journal read, the mailbox a quoted local part names; one that routes
// elsewhere is refused, quoted or not (was: "bob"@example.com reached the
// rules as such, and no rule on bob@example.com matched it).
TEST_F(GatewayPolicyTest, QuotedLocalPartsAreJudgedAsTheMailboxTheyName) {
  GatewayPolicy policy(false, domains_, ForgedSender::kReject);
  ProtocolOptions o;
  o.hostname = "mx.example.com";
  ServerProtocol p(o, &policy);
  const auto replies = [&p](const std::string& line) {
    return RepliesTo(p, line);
  };
  p.Start();
  replies("EHLO client.partner.example");
  EXPECT_EQ(replies("MAIL FROM:<\"partner\"@partner.example>"),
            "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(p.envelope().mail_from, "partner@partner.example");
  for (const char* to :
       {"\"carol@gmail.test\"@example.com", "\"carol%gmail.test\"@example.com",
        "\"gmail.test!carol\"@example.com"}) {
    EXPECT_EQ(replies("RCPT TO:<" + std::string(to) + ">").substr(0, 10),
              "553 5.1.3 ")
        << to;
  }
  EXPECT_EQ(replies("RCPT TO:<\"bob\"@example.com>"),
            "250 2.1.5 Recipient OK\r\n");
  ASSERT_EQ(p.envelope().recipients.size(), 1u);
  EXPECT_EQ(p.envelope().recipients[0].address, "bob@example.com");
}

// An address literal names no domain a rule, a journal rule or a TLS policy
// could name: it would leave past all of them (was: relayed for a trusted
// client, unprotected).
TEST_F(GatewayPolicyTest, AddressLiteralsAreRefused) {
  for (bool network : {false, true}) {
    GatewayPolicy policy(network, domains_, ForgedSender::kReject);
    ProtocolOptions o;
    o.hostname = "mx.example.com";
    ServerProtocol p(o, &policy);
    const auto replies = [&p](const std::string& line) {
      return RepliesTo(p, line);
    };
    p.Start();
    replies("EHLO client.example.com");
    ASSERT_EQ(replies("MAIL FROM:<partner@partner.example>").substr(0, 3),
              "250");
    for (const char* to : {"ceo@[192.0.2.1]", "ceo@[IPv6:2001:db8::1]"}) {
      EXPECT_EQ(replies("RCPT TO:<" + std::string(to) + ">").substr(0, 10),
                "553 5.1.2 ")
          << to << " network=" << network;
    }
    EXPECT_EQ(replies("RCPT TO:<ceo@partner.test>").substr(0, 3),
              network ? "250" : "554");
  }
}

// Postfix's reject_sender_login_mismatch, whatever network the client is in.
TEST_F(GatewayPolicyTest, SenderIsBoundToTheLogin) {
  for (bool network : {false, true}) {
    GatewayPolicy p(network, domains_, ForgedSender::kExternal);
    EXPECT_EQ(
        Text(p.CheckSender(Mail("Alice@example.com", "alice@example.com"))),
        "accept");
    EXPECT_EQ(Text(p.CheckSender(Mail("ceo@example.com", "alice@example.com"))),
              "553 5.7.1 Sender address rejected: not owned by user "
              "alice@example.com\r\n");
    EXPECT_EQ(
        Text(p.CheckSender(Mail("alice@gmail.example", "alice@example.com")))
            .substr(0, 9),
        "553 5.7.1");
    Envelope ok = Mail("alice@example.com", "alice@example.com");
    EXPECT_TRUE(p.SenderTrusted(ok));
    // An authenticated user may send anywhere (RFC 6409).
    EXPECT_EQ(Text(p.CheckRecipient(ok, {"x@gmail.example", 0, ""})), "accept");
  }
}

// Behind Postfix every session comes from 127.0.0.1 (client_networks): the
// client Postfix forwards decides whether a sender of ours is internal.
TEST_F(GatewayPolicyTest, ForwardedClientDecidesTheSendersTrust) {
  GatewayPolicy proxy(true, domains_, ForgedSender::kReject,
                      [](std::string_view a) { return a == "10.1.2.3"; });
  Envelope forged = Mail("ceo@example.com");
  forged.forwarded.addr = "203.0.113.5";
  forged.forwarded.proto = "ESMTP";
  forged.forwarded.source = "LOCAL";  // Postfix's rewrite context, not trust
  // Already accepted by the proxy: taken as external, never refused (a
  // refusal would become a bounce), relayed as the proxy decided.
  EXPECT_EQ(Text(proxy.CheckSender(forged)), "accept");
  EXPECT_FALSE(proxy.SenderTrusted(forged));
  EXPECT_EQ(Text(proxy.CheckRecipient(forged, {"x@gmail.example", 0, ""})),
            "accept");

  Envelope inside = forged;
  inside.forwarded.addr = "10.1.2.3";
  EXPECT_TRUE(proxy.SenderTrusted(inside));
  Envelope authenticated = forged;
  for (const char* proto : {"ESMTPA", "esmtpsa", "UTF8SMTPSA", "LMTPA"}) {
    authenticated.forwarded.proto = proto;
    EXPECT_TRUE(proxy.SenderTrusted(authenticated)) << proto;
  }
  for (const char* proto : {"ESMTPS", "SMTP", "ESMTPAX", "A"}) {
    authenticated.forwarded.proto = proto;
    EXPECT_FALSE(proxy.SenderTrusted(authenticated)) << proto;
  }
  // Postfix's pickup (sendmail on the proxy host): no ADDR, SOURCE=LOCAL.
  Envelope pickup = Mail("ceo@example.com");
  pickup.forwarded.source = "LOCAL";
  EXPECT_TRUE(proxy.SenderTrusted(pickup));
  // A client the proxy could not name is no member of ours.
  Envelope unnamed = Mail("ceo@example.com");
  unnamed.forwarded.source = "REMOTE";
  EXPECT_FALSE(proxy.SenderTrusted(unnamed));
  unnamed.forwarded = {};
  unnamed.forwarded.helo = "ceo.example.com";
  EXPECT_FALSE(proxy.SenderTrusted(unnamed));
  // No XFORWARD: the connection decides, as before.
  EXPECT_TRUE(proxy.SenderTrusted(Mail("ceo@example.com")));
  // Without an address check, no forwarded address is trusted.
  GatewayPolicy blind(true, domains_, ForgedSender::kReject);
  EXPECT_FALSE(blind.SenderTrusted(inside));
}

// Issue 14: past the threshold the protocol writes the message to a real
// spool file as it arrives; the memory budget counts only what stays in
// memory (the first bytes while they are held, nothing once the data has
// ended), and a spool that cannot be written gets 452 4.3.1 at the end.
class SpooledDataTest : public ::testing::Test {
 protected:
  std::vector<Action> Run(ProtocolOptions o, const std::string& data,
                          std::vector<Action>* replies) {
    o.hostname = "mx.example.com";
    o.memory_budget = &budget_;
    o.spool_threshold = 256 * 1024;
    ServerProtocol p(o);
    std::vector<Action> messages;
    auto collect = [&](std::vector<Action> actions) {
      for (Action& a : actions) {
        (a.kind == Action::Kind::kMessage ? messages : *replies)
            .push_back(std::move(a));
      }
    };
    collect(p.Start());
    collect(
        p.Feed("EHLO c\r\nMAIL FROM:<a@example.com> SIZE=4000000\r\n"
               "RCPT TO:<b@example.com>\r\nDATA\r\n"));
    // The declared 4 MB is not reserved: at most the threshold and a step.
    max_used_ = budget_.used();
    for (size_t at = 0; at < data.size(); at += 10'000) {
      collect(p.Feed(std::string_view(data).substr(at, 10'000)));
      max_used_ = std::max(max_used_, budget_.used());
    }
    collect(p.Feed(".\r\n"));
    return messages;
  }
  MemoryBudget budget_{0};
  int64_t max_used_ = 0;
};

std::string Lines(size_t size) {
  std::string m;
  for (int i = 0; m.size() < size; ++i) {
    m += "Line " + std::to_string(i) + " of a large message\r\n";
  }
  return m;
}

TEST_F(SpooledDataTest, LargeMessageGoesToTheSpoolAndOutOfTheBudget) {
  testing::TempDir dir("spool");
  ProtocolOptions o;
  o.open_spool = [&]() -> Result<std::unique_ptr<ByteSpool>> {
    SP_ASSIGN_OR_RETURN(auto f, queue::SpoolFile::Create(dir.path()));
    return std::unique_ptr<ByteSpool>(std::move(f));
  };
  const std::string data = "Subject: big\r\n\r\n" + Lines(3'000'000);
  std::vector<Action> replies;
  std::vector<Action> messages = Run(o, data, &replies);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_LE(max_used_, 768 * 1024);
  EXPECT_GE(max_used_, 256 * 1024);
  Action& m = messages[0];
  EXPECT_TRUE(m.message.empty());
  EXPECT_EQ(m.reservation.bytes(), 0);
  EXPECT_EQ(budget_.used(), 0);
  ASSERT_NE(m.spool, nullptr);
  EXPECT_EQ(m.spool->size(), static_cast<int64_t>(data.size()));
  queue::IncomingMessage in;
  in.spool = std::move(m.spool);
  ASSERT_TRUE(queue::LoadSpooled(in).ok());
  EXPECT_EQ(in.spool, nullptr);
  EXPECT_TRUE(in.content == data);
}

TEST_F(SpooledDataTest, SmallMessageStaysInMemory) {
  ProtocolOptions o;
  bool opened = false;
  o.open_spool = [&]() -> Result<std::unique_ptr<ByteSpool>> {
    opened = true;
    return InternalError("not expected");
  };
  const std::string data = "Subject: small\r\n\r\n" + Lines(200'000);
  std::vector<Action> replies;
  std::vector<Action> messages = Run(o, data, &replies);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_FALSE(opened);
  EXPECT_EQ(messages[0].spool, nullptr);
  EXPECT_TRUE(messages[0].message == data);
  EXPECT_GT(messages[0].reservation.bytes(), 0);
}

TEST_F(SpooledDataTest, SpoolThatCannotBeWrittenGets452) {
  testing::TempDir dir("spool");
  ProtocolOptions o;
  o.open_spool = [&]() -> Result<std::unique_ptr<ByteSpool>> {
    SP_ASSIGN_OR_RETURN(auto f, queue::SpoolFile::Create(dir.File("gone")));
    return std::unique_ptr<ByteSpool>(std::move(f));
  };
  std::vector<Action> replies;
  std::vector<Action> messages = Run(o, Lines(1'000'000), &replies);
  EXPECT_TRUE(messages.empty());
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back().reply.Wire(),
            "452 4.3.1 Insufficient system storage, try again later\r\n");
  EXPECT_EQ(budget_.used(), 0);
}

}  // namespace
}  // namespace sealpost::smtp
