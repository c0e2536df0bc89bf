#include "smtp/reply.h"

#include <gtest/gtest.h>

namespace sealpost::smtp {
namespace {

TEST(ReplyTest, OneLineWithEnhancedCode) {
  EXPECT_EQ(Reply::Make(250, "2.1.0", "Sender OK").Wire(),
            "250 2.1.0 Sender OK\r\n");
}

TEST(ReplyTest, MultilineRepeatsTheCodeOnEveryLine) {
  Reply r;
  r.code = 250;
  r.lines = {"mx.example.com", "PIPELINING", "DSN"};
  EXPECT_EQ(r.Wire(), "250-mx.example.com\r\n250-PIPELINING\r\n250 DSN\r\n");
  r.enhanced = "2.0.0";
  r.lines = {"a", "b"};
  EXPECT_EQ(r.Wire(), "250-2.0.0 a\r\n250 2.0.0 b\r\n");
}

TEST(ReplyTest, TextCannotInjectLines) {
  EXPECT_EQ(Reply::Make(451, "4.3.0", "x\r\n250 ok").Wire(),
            "451 4.3.0 x  250 ok\r\n");
}

TEST(ReplyTest, Classes) {
  EXPECT_TRUE(Reply::Make(354, "", "go").IsPositive());
  EXPECT_TRUE(Reply::Make(452, "4.5.3", "x").IsTransient());
  EXPECT_TRUE(Reply::Make(552, "5.3.4", "x").IsPermanent());
}

}  // namespace
}  // namespace sealpost::smtp
