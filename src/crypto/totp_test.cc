#include "crypto/totp.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace sealpost::crypto {
namespace {

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII "12345678901234567890".
SecretBytes Rfc6238Seed() {
  return SecretBytes::FromStringInsecure("12345678901234567890");
}

TEST(TotpTest, Rfc6238AppendixBVectorsSha1) {
  struct Vector {
    int64_t time;
    const char* totp;  // 8 digits in the RFC's table
  };
  const Vector vectors[] = {
      {59, "94287082"},         {1111111109, "07081804"},
      {1111111111, "14050471"}, {1234567890, "89005924"},
      {2000000000, "69279037"}, {20000000000, "65353130"},
  };
  for (const auto& v : vectors) {
    EXPECT_EQ(
        HotpSha1(Rfc6238Seed(), static_cast<uint64_t>(TotpStep(v.time)), 8),
        v.totp)
        << v.time;
    // The 6-digit code the apps show is the same value modulo 10^6.
    EXPECT_EQ(HotpSha1(Rfc6238Seed(), static_cast<uint64_t>(TotpStep(v.time))),
              std::string(v.totp).substr(2))
        << v.time;
  }
}

TEST(TotpTest, Rfc4226AppendixDHotpValues) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t c = 0; c < 10; ++c) {
    EXPECT_EQ(HotpSha1(Rfc6238Seed(), c), expected[c]) << c;
  }
}

TEST(TotpTest, StepsAreThirtySecondsFromTheEpoch) {
  EXPECT_EQ(TotpStep(0), 0);
  EXPECT_EQ(TotpStep(29), 0);
  EXPECT_EQ(TotpStep(30), 1);
  EXPECT_EQ(TotpStep(59), 1);
  EXPECT_EQ(TotpStep(1111111109), 37037036);
  EXPECT_EQ(TotpStep(-1), -1);
}

TEST(TotpTest, MatchesOneStepEitherSideAndNoFurther) {
  SecretBytes s = Rfc6238Seed();
  int64_t t = 1234567890;
  int64_t now = TotpStep(t);
  for (int64_t d = -1; d <= 1; ++d) {
    auto code = HotpSha1(s, static_cast<uint64_t>(now + d));
    auto m = MatchTotp(s, code, t);
    ASSERT_TRUE(m.has_value()) << d;
    EXPECT_EQ(*m, now + d);
  }
  EXPECT_FALSE(MatchTotp(s, HotpSha1(s, static_cast<uint64_t>(now + 2)), t));
  EXPECT_FALSE(MatchTotp(s, HotpSha1(s, static_cast<uint64_t>(now - 2)), t));
  EXPECT_FALSE(MatchTotp(s, "", t));
  EXPECT_FALSE(MatchTotp(s, "1234567", t));
  EXPECT_FALSE(MatchTotp(s, "abcdef", t));
}

TEST(TotpTest, Base32IsRfc4648WithoutPadding) {
  // RFC 4648 §10 test vectors (padding removed).
  EXPECT_EQ(Base32Encode(SecretBytes::FromStringInsecure("")), "");
  EXPECT_EQ(Base32Encode(SecretBytes::FromStringInsecure("f")), "MY");
  EXPECT_EQ(Base32Encode(SecretBytes::FromStringInsecure("fo")), "MZXQ");
  EXPECT_EQ(Base32Encode(SecretBytes::FromStringInsecure("foo")), "MZXW6");
  EXPECT_EQ(Base32Encode(SecretBytes::FromStringInsecure("foob")), "MZXW6YQ");
  EXPECT_EQ(Base32Encode(SecretBytes::FromStringInsecure("fooba")), "MZXW6YTB");
  EXPECT_EQ(Base32Encode(SecretBytes::FromStringInsecure("foobar")),
            "MZXW6YTBOI");
  // 160 bits: 32 characters, no padding.
  EXPECT_EQ(Base32Encode(Rfc6238Seed()), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

}  // namespace
}  // namespace sealpost::crypto
