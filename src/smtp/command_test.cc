#include "smtp/command.h"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace sealpost::smtp
