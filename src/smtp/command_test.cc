#include "smtp/command.h"

#include <gtest/gtest.h>

#include <string>

#include "base/strings.h"

namespace sealpost::smtp {
namespace {

TEST(SplitCommandTest, VerbAndArgs) {
  auto c = SplitCommand("mail FROM:<a@b.c> SIZE=10");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->verb, "MAIL");
  EXPECT_EQ(c->args, "FROM:<a@b.c> SIZE=10");
  auto q = SplitCommand("QUIT");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->verb, "QUIT");
  EXPECT_EQ(q->args, "");
  EXPECT_FALSE(SplitCommand("MA1L x").has_value());
  EXPECT_FALSE(SplitCommand("\x80\x81").has_value());
  EXPECT_EQ(SplitCommand("")->verb, "");
}

TEST(MailboxTest, Grammar) {
  for (const char* ok :
       {"a@b.c", "first.last+tag@example.com", "\"john doe\"@example.com",
        "\"a\\\"b\"@x.org", "u@[127.0.0.1]", "u@[IPv6:::1]", "x@localhost",
        "j\xC3\xB6rg@b\xC3\xBC"
        "cher.de"}) {
    EXPECT_TRUE(IsValidMailbox(ok)) << ok;
  }
  for (const char* bad : {"", "a", "@b.c", "a@", "a..b@c.d", ".a@b.c", "a.@b.c",
                          "a b@c.d", "a@-b.c", "a@b-.c", "a@b..c", "a@[1.2.3.4",
                          "\"unterminated@x.y", "a@b c", "a<b@c.d"}) {
    EXPECT_FALSE(IsValidMailbox(bad)) << bad;
  }
}

// RFC 5321 §4.5.3.1.2: a domain of up to 255 octets; 8-bit octets are
// taken as they come (U-labels, RFC 6531 §3.3; not checked to be UTF-8).
TEST(MailboxTest, DomainLengthAndOctets) {
  const std::string l63(63, 'a');
  const std::string d255 = l63 + "." + l63 + "." + l63 + "." + l63;
  const std::string d256 =
      l63 + "." + l63 + "." + l63 + "." + std::string(62, 'a') + ".a";
  ASSERT_EQ(d255.size(), 255u);
  ASSERT_EQ(d256.size(), 256u);
  EXPECT_TRUE(IsValidMailbox("u@" + d255));
  EXPECT_FALSE(IsValidMailbox("u@" + d256));
  EXPECT_TRUE(IsValidMailbox("u@" + l63 + ".example"));
  EXPECT_FALSE(IsValidMailbox("u@" + l63 + "a.example"));
  EXPECT_TRUE(IsValidMailbox("u@\xFF.example"));
  EXPECT_TRUE(IsValidMailbox("u@123"));
  EXPECT_FALSE(IsValidMailbox("u@a_b.example"));
  EXPECT_FALSE(IsValidMailbox("u@example.com."));
}

TEST(XtextTest, Grammar) {
  EXPECT_TRUE(IsXtext("rfc822;a+2Bb@c.d"));
  EXPECT_TRUE(IsXtext(""));
  EXPECT_FALSE(IsXtext("a+2"));
  EXPECT_FALSE(IsXtext("a+ZZ"));
  EXPECT_FALSE(IsXtext("a=b"));
  EXPECT_FALSE(IsXtext("a b"));
}

TEST(PathArgumentTest, ParsesPathAndParams) {
  auto p = ParsePathArgument("FROM:<a@b.c> SIZE=100 BODY=8BITMIME SMTPUTF8",
                             "FROM:");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->address, "a@b.c");
  ASSERT_EQ(p->params.size(), 3u);
  EXPECT_EQ(p->params[0].keyword, "SIZE");
  EXPECT_EQ(p->params[0].value, "100");
  EXPECT_EQ(p->params[2].keyword, "SMTPUTF8");
  EXPECT_FALSE(p->params[2].value.has_value());
}

TEST(PathArgumentTest, TolerantForms) {
  struct Case {
    const char* argument;
    const char* prefix;
    const char* address;
    size_t params;
  };
  for (const Case& c : {
           Case{"from:<>", "FROM:", "", 0},         // null path
           Case{"TO: <a@b.c>", "TO:", "a@b.c", 0},  // a space
           Case{"TO:<@relay.x,@relay.y:a@b.c>", "TO:", "a@b.c", 0},  // route
           Case{"TO:<\"a>b\"@c.d> NOTIFY=NEVER", "TO:", "\"a>b\"@c.d", 1},
       }) {
    auto p = ParsePathArgument(c.argument, c.prefix);
    ASSERT_TRUE(p.ok()) << c.argument;
    EXPECT_EQ(p->address, c.address) << c.argument;
    EXPECT_EQ(p->params.size(), c.params) << c.argument;
  }
}

TEST(PathArgumentTest, Rejects) {
  for (const char* bad :
       {"FROM:a@b.c", "TO:<a@b.c>", "FROM:<a@b.c", "FROM:<a@b.c>SIZE=1",
        "FROM:<a@b.c> SIZE=", "FROM:<a@b.c> =1", "FROM:<a@b.c> SIZE=1 size=2",
        "FROM:<@x>", "FROM:  <a@b.c>"}) {
    EXPECT_FALSE(ParsePathArgument(bad, "FROM:").ok()) << bad;
  }
  // RFC 5321 §4.5.3.1.3: 256 octets including the brackets.
  std::string max_path = "FROM:<" + std::string(250, 'a') + "@b.c>";
  EXPECT_TRUE(ParsePathArgument(max_path, "FROM:").ok());
  std::string long_path = "FROM:<" + std::string(251, 'a') + "@b.c>";
  EXPECT_FALSE(ParsePathArgument(long_path, "FROM:").ok());
}

// A quoted local part whose content is a Dot-string names the mailbox of
// that Dot-string (RFC 5322 §3.2.4), and Postfix delivers it there: the
// path is given in that one spelling, the one rules and the journal
// compare (was: kept quoted, so RCPT TO:<"ceo"@partner.test> went out past
// a rule on ceo@partner.test, unprotected and unjournaled).
TEST(PathArgumentTest, QuotedDotStringLocalPartIsUnquoted) {
  struct Case {
    const char* argument;
    const char* prefix;
    const char* address;
  };
  for (const Case& c : {
           Case{"TO:<\"ceo\"@partner.test>", "TO:", "ceo@partner.test"},
           Case{"FROM:<\"ceo\"@partner.test>", "FROM:", "ceo@partner.test"},
           // quoted-pairSMTP: "\e" is "e".
           Case{"TO:<\"c\\eo\"@x.test>", "TO:", "ceo@x.test"},
           Case{"FROM:<\"c\\eo\"@x.test>", "FROM:", "ceo@x.test"},
           Case{"TO:<\"first.last+tag\"@x.test>",
                "TO:", "first.last+tag@x.test"},
           // Case and the domain stay as they came.
           Case{"TO:<\"CEO\"@Partner.TEST>", "TO:", "CEO@Partner.TEST"},
           Case{"TO:<@relay.x:\"ceo\"@partner.test>",
                "TO:", "ceo@partner.test"},
           Case{"TO:<\"j\xC3\xB6rg\"@x.test>", "TO:", "j\xC3\xB6rg@x.test"},
       }) {
    auto p = ParsePathArgument(c.argument, c.prefix);
    ASSERT_TRUE(p.ok()) << c.argument;
    EXPECT_EQ(p->address, c.address) << c.argument;
    EXPECT_TRUE(IsValidMailbox(p->address)) << c.argument;
  }
}

// Any other quoted content names a mailbox no Dot-string names: the path
// is kept as it came, and IsValidMailbox judges it as before.
TEST(PathArgumentTest, OtherQuotedLocalPartsAreKept) {
  for (const char* address :
       {"\"a b\"@x.test", "\"a..b\"@x.test", "\".a\"@x.test", "\"a.\"@x.test",
        "\"a\\\"b\"@x.test", "\"a\\ b\"@x.test", "\"a\\\\b\"@x.test",
        "\"carol@gmail.test\"@example.com"}) {
    auto p = ParsePathArgument("TO:<" + std::string(address) + ">", "TO:");
    ASSERT_TRUE(p.ok()) << address;
    EXPECT_EQ(p->address, address);
    EXPECT_TRUE(IsValidMailbox(p->address)) << address;
  }
  // The empty quoted string is a valid local part and stays one.
  auto empty = ParsePathArgument("TO:<\"\"@x.test>", "TO:");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->address, "\"\"@x.test");
  EXPECT_TRUE(IsValidMailbox(empty->address));
  // No mailbox, quotes or not: still refused by the caller.
  for (const char* address :
       {"\"ceo\"", "\"ceo\"x@x.test", "x\"ceo\"@x.test", "\"ceo\"@"}) {
    auto p = ParsePathArgument("TO:<" + std::string(address) + ">", "TO:");
    ASSERT_TRUE(p.ok()) << address;
    EXPECT_FALSE(IsValidMailbox(p->address)) << address;
  }
}

// Unquoted first, so the routing check (HasRoutingLocalPart, at RCPT for
// our domains) sees what the next hop routes by, quoted or not.
TEST(PathArgumentTest, RoutingLocalPartsStayVisibleToTheRoutingCheck) {
  struct Case {
    const char* quoted;
    const char* address;
  };
  for (const Case& c : {
           Case{"\"carol@gmail.test\"@example.com",
                "\"carol@gmail.test\"@example.com"},
           Case{"\"carol%gmail.test\"@example.com",
                "carol%gmail.test@example.com"},
           Case{"\"gmail.test!carol\"@example.com",
                "gmail.test!carol@example.com"},
       }) {
    auto p = ParsePathArgument("TO:<" + std::string(c.quoted) + ">", "TO:");
    ASSERT_TRUE(p.ok()) << c.quoted;
    EXPECT_EQ(p->address, c.address) << c.quoted;
    EXPECT_TRUE(HasRoutingLocalPart(p->address)) << c.quoted;
  }
}

}  // namespace
}  // namespace sealpost::smtp
