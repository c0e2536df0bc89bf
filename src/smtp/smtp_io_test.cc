// Pure helpers of the SMTP I/O layer: dot-stuffing for DATA (RFC 5321
// §4.5.2), Received counting for loop detection, client network syntax.
#include <gtest/gtest.h>

#include "smtp/client.h"
#include "smtp/server.h"

namespace sealpost::smtp {
namespace {

TEST(DotStuffTest, DoublesLeadingDotsAndTerminates) {
  EXPECT_EQ(DotStuff("a\r\n.b\r\n..c\r\n"), "a\r\n..b\r\n...c\r\n.\r\n");
  EXPECT_EQ(DotStuff(".\r\n"), "..\r\n.\r\n");
  EXPECT_EQ(DotStuff("no final newline"), "no final newline\r\n.\r\n");
  EXPECT_EQ(DotStuff(""), ".\r\n");
}

TEST(ReceivedTest, CountsOnlyHeaderSection) {
  EXPECT_EQ(CountReceivedHeaders("Received: a\r\nreceived: b\r\n\tcont\r\n"
                                 "Subject: x\r\n\r\nReceived: body\r\n"),
            2);
  EXPECT_EQ(CountReceivedHeaders("\r\nReceived: x\r\n"), 0);
  EXPECT_EQ(CountReceivedHeaders("X-Received: y\r\n\r\n"), 0);
}

TEST(NetworksTest, Validates) {
  EXPECT_TRUE(ValidateNetworks("127.0.0.0/8, ::1/128,192.0.2.7").ok());
  EXPECT_FALSE(ValidateNetworks("10.0.0.0/33").ok());
  EXPECT_FALSE(ValidateNetworks("example.com").ok());
}

}  // namespace
}  // namespace sealpost::smtp
