#include "smtp/sasl.h"

#include <gtest/gtest.h>

namespace sealpost::smtp {
namespace {

// Vectors: RFC 4616 §4's examples, base64 by Python's base64 module.
TEST(SaslTest, PlainFromRfc4616) {
  auto m = DecodeSaslResponse("AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
  ASSERT_TRUE(m.ok());
  auto login = ParseSaslPlain(*m);
  ASSERT_TRUE(login.ok()) << login.status().message();
  EXPECT_EQ(login->user, "tim");
  EXPECT_EQ(login->password.InsecureStringView(), "tanstaaftanstaaf");
}

TEST(SaslTest, PlainActingForSomeoneElseIsRefused) {
  // "Ursel\0Kurt\0xipj3plmq": Kurt asks to act as Ursel.
  auto m = DecodeSaslResponse("VXJzZWwAS3VydAB4aXBqM3BsbXE=");
  ASSERT_TRUE(m.ok());
  auto login = ParseSaslPlain(*m);
  EXPECT_EQ(login.status().code(), StatusCode::kPermissionDenied);
  // The same identity twice (as some clients send it) is fine.
  auto same = ParseSaslPlain(SecretBytes::FromStringInsecure(
      std::string_view("Alice@example.com\0alice@example.com\0pw", 38)));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->user, "alice@example.com");
}

TEST(SaslTest, PlainMalformed) {
  using std::string_view;
  for (string_view bad :
       {string_view("no nuls"), string_view("\0user", 5),
        string_view("\0\0pw", 4), string_view("\0u\0", 3),
        string_view("\0a\0b\0c", 6), string_view("\0a\r\nINJECT\0pw", 13)}) {
    EXPECT_FALSE(ParseSaslPlain(SecretBytes::FromStringInsecure(bad)).ok())
        << testing::PrintToString(std::string(bad));
  }
  std::string long_user = std::string(1, '\0') + std::string(256, 'u') + '\0';
  EXPECT_FALSE(
      ParseSaslPlain(SecretBytes::FromStringInsecure(long_user + "pw")).ok());
  std::string long_pw = std::string("\0u\0", 3) + std::string(1025, 'p');
  EXPECT_FALSE(ParseSaslPlain(SecretBytes::FromStringInsecure(long_pw)).ok());
}

TEST(SaslTest, Responses) {
  // RFC 4954 §4: "=" is an empty response.
  auto empty = DecodeSaslResponse("=");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(DecodeSaslResponse("").ok());
  EXPECT_FALSE(DecodeSaslResponse("not base64!").ok());
  auto user = DecodeSaslResponse("YWxpY2VAZXhhbXBsZS5jb20=");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->InsecureStringView(), "alice@example.com");
}

TEST(SaslTest, LoginUserNames) {
  EXPECT_TRUE(CheckSaslUser("alice@example.com").ok());
  EXPECT_FALSE(CheckSaslUser("").ok());
  EXPECT_FALSE(CheckSaslUser("a\r\nb").ok());
  EXPECT_FALSE(CheckSaslUser(std::string(256, 'a')).ok());
}

}  // namespace
}  // namespace sealpost::smtp
