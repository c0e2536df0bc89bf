#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "crypto/errors.h"
#include "crypto/format_vectors_for_testing.h"

namespace sealpost::crypto {
namespace {

TEST(AeadTest, RoundTripAndLayout) {
  Aead aead = Aead::Generate(0x01020304);
  auto ct = aead.Encrypt("secret", "ad");
  ASSERT_TRUE(ct.ok());
  ASSERT_EQ(ct->size(), 6 + Aead::kOverhead);
  EXPECT_EQ(ct->substr(0, 5), std::string("\x01\x01\x02\x03\x04", 5));
  auto pt = aead.Decrypt(*ct, "ad");
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(*pt, "secret");
}

TEST(AeadTest, FreshNonceEachTime) {
  Aead aead = Aead::Generate(1);
  EXPECT_NE(*aead.Encrypt("x", ""), *aead.Encrypt("x", ""));
}

TEST(AeadTest, EmptyPlaintext) {
  Aead aead = Aead::Generate(1);
  auto ct = aead.Encrypt("", "");
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(*aead.Decrypt(*ct, ""), "");
}

// The ciphertext made by python3-cryptography decrypts (docs/format.md §1).
TEST(AeadTest, DecryptsPythonVector) {
  auto v = testing::LoadFormatVectors();
  ASSERT_FALSE(v.empty());
  auto aead = Aead::FromKey(7, SecretBytes::FromStringInsecure(v["aead_key"]));
  ASSERT_TRUE(aead.ok());
  auto pt = aead->Decrypt(v["aead_ciphertext"], v["aead_ad"]);
  ASSERT_TRUE(pt.ok()) << pt.status().ToString();
  EXPECT_EQ(*pt, v["aead_plaintext"]);
}

TEST(AeadTest, EveryTamperGivesTheSameGenericError) {
  Aead aead = Aead::Generate(9);
  std::string ct = *aead.Encrypt("attack at dawn", "ad");
  for (size_t i = 0; i < ct.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = ct;
      bad[i] ^= static_cast<char>(1 << bit);
      auto r = aead.Decrypt(bad, "ad");
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status(), DecryptionFailedError());
    }
  }
  EXPECT_EQ(aead.Decrypt(ct, "other").status(), DecryptionFailedError());
  EXPECT_EQ(aead.Decrypt(ct.substr(0, ct.size() - 1), "ad").status(),
            DecryptionFailedError());
  EXPECT_EQ(aead.Decrypt(ct + "x", "ad").status(), DecryptionFailedError());
  EXPECT_EQ(aead.Decrypt("", "ad").status(), DecryptionFailedError());
  EXPECT_EQ(Aead::Generate(9).Decrypt(ct, "ad").status(),
            DecryptionFailedError());
  EXPECT_EQ(DecryptionFailedError().message(), "decryption failed");
}

TEST(AeadTest, RejectsBadKeySize) {
  EXPECT_FALSE(Aead::FromKey(1, SecretBytes(16)).ok());
}

}  // namespace
}  // namespace sealpost::crypto
