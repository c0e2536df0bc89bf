#include "net/client_key.h"

#include <gtest/gtest.h>

namespace sealpost::net {
namespace {

TEST(ClientKeyTest, Ipv4IsTheAddress) {
  EXPECT_EQ(ClientKey("192.0.2.7"), "192.0.2.7");
  EXPECT_NE(ClientKey("192.0.2.7"), ClientKey("192.0.2.8"));
}

TEST(ClientKeyTest, V4MappedIsIpv4) {
  EXPECT_EQ(ClientKey("::ffff:192.0.2.7"), "192.0.2.7");
}

TEST(ClientKeyTest, Ipv6IsItsSlash64) {
  EXPECT_EQ(ClientKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  // Rotating the interface id does not give a fresh key...
  EXPECT_EQ(ClientKey("2001:db8:1:2:ffff:1:2:3"), ClientKey("2001:db8:1:2::1"));
  // ...another /64 does.
  EXPECT_NE(ClientKey("2001:db8:1:3::1"), ClientKey("2001:db8:1:2::1"));
}

TEST(ClientKeyTest, NotAnAddressIsItself) {
  EXPECT_EQ(ClientKey("portal"), "portal");
  EXPECT_EQ(ClientKey(""), "");
}

TEST(IsLoopbackAddressTest, OnlyThisHostsLoopback) {
  for (const char* a : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackAddress(a)) << a;
  }
  // A name, a prefix lookalike and an unknown peer are not.
  for (const char* a :
       {"192.0.2.7", "::ffff:192.0.2.7", "2001:db8::1", "::", "0.0.0.0",
        "localhost", "127.example", "", "::2", "128.0.0.1"}) {
    EXPECT_FALSE(IsLoopbackAddress(a)) << a;
  }
}

}  // namespace
}  // namespace sealpost::net
