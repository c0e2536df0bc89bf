#include "rights/principal.h"

#include <gtest/gtest.h>

namespace sealpost::rights {
namespace {

TEST(PrincipalTest, StringFormRoundTrips) {
  for (const Principal& p :
       {Principal::User("Alice@Example.COM"), Principal::Group("Finance"),
        Principal::Domain("Example.com"), Principal::AllInOrg(),
        Principal::Recipients()}) {
    auto parsed = Principal::Parse(p.ToString());
    ASSERT_TRUE(parsed.ok()) << p.ToString();
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(Principal::User("Alice@Example.COM").ToString(),
            "user:alice@example.com");
  EXPECT_EQ(Principal::AllInOrg().ToString(), "all-in-org");
}

TEST(PrincipalTest, RejectsMalformed) {
  for (const char* bad :
       {"", "user:", "user:alice", "user:@x", "user:a@",
        "group:", "domain:", "domain:a@b", "everyone", "User:a@b"}) {
    EXPECT_FALSE(Principal::Parse(bad).ok()) << bad;
  }
}

TEST(PrincipalTest, EmailDomain) {
  EXPECT_EQ(EmailDomain("a@Example.COM"), "example.com");
  EXPECT_EQ(EmailDomain("\"a@b\"@c.org"), "c.org");
  EXPECT_EQ(EmailDomain("nodomain"), "");
}

}  // namespace
}  // namespace sealpost::rights
