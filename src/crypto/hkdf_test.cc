#include "crypto/hkdf.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace sealpost::crypto {
namespace {

std::string Hex(const SecretBytes& b) { return HexEncode(b.InsecureBytes()); }

// RFC 5869 Appendix A.1.
TEST(HkdfTest, Rfc5869Case1) {
  std::string ikm = *HexDecode("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  std::string salt = *HexDecode("000102030405060708090a0b0c");
  std::string info = *HexDecode("f0f1f2f3f4f5f6f7f8f9");
  auto okm = HkdfSha256(AsBytes(ikm), AsBytes(salt), AsBytes(info), 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(Hex(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865");
}

// RFC 5869 Appendix A.3: empty salt and info.
TEST(HkdfTest, Rfc5869Case3) {
  std::string ikm = *HexDecode("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  auto okm = HkdfSha256(AsBytes(ikm), {}, {}, 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(Hex(*okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
}

TEST(HkdfTest, RejectsBadLengths) {
  std::string ikm(32, 'k');
  EXPECT_FALSE(HkdfSha256(AsBytes(ikm), {}, {}, 0).ok());
  EXPECT_FALSE(HkdfSha256(AsBytes(ikm), {}, {}, 255 * 32 + 1).ok());
  EXPECT_TRUE(HkdfSha256(AsBytes(ikm), {}, {}, 255 * 32).ok());
}

}  // namespace
}  // namespace sealpost::crypto
