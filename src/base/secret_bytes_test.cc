#include "base/secret_bytes.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace sealpost {
namespace {

TEST(SecretBytesTest, MoveLeavesSourceEmpty) {
  SecretBytes a = SecretBytes::FromStringInsecure("key material");
  SecretBytes b = std::move(a);
  EXPECT_EQ(b.InsecureStringView(), "key material");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBytesTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(EncodingTest, Rfc4648Vectors) {
  // RFC 4648 §10.
  EXPECT_EQ(Base64Encode(AsBytes("")), "");
  EXPECT_EQ(Base64Encode(AsBytes("f")), "Zg==");
  EXPECT_EQ(Base64Encode(AsBytes("fo")), "Zm8=");
  EXPECT_EQ(Base64Encode(AsBytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64UrlEncode(AsBytes("\xfb\xff")), "-_8");
  EXPECT_EQ(*Base64Decode("-_8"), "\xfb\xff");
  EXPECT_FALSE(Base64Decode("Zm9v!").ok());
  EXPECT_EQ(HexEncode(AsBytes("\x01\xab")), "01ab");
  EXPECT_EQ(*HexDecode("01AB"), "\x01\xab");
  EXPECT_FALSE(HexDecode("0g").ok());
  // Appended to what the string holds.
  std::string out = "{\"m\":\"";
  Base64EncodeTo(AsBytes("foob"), &out);
  EXPECT_EQ(out, "{\"m\":\"Zm9vYg==");
}

}  // namespace
}  // namespace sealpost
