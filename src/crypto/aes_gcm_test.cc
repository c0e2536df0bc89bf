#include "crypto/aes_gcm.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/errors.h"
#include "crypto/format_vectors_for_testing.h"

namespace sealpost::crypto::internal {
namespace {

// Known answer made by python3-cryptography (tests/data/format/vectors.txt).
TEST(AesGcmTest, MatchesPythonCryptography) {
  auto v = testing::LoadFormatVectors();
  ASSERT_FALSE(v.empty());
  std::string out;
  ASSERT_TRUE(AesGcmSeal(AsBytes(v["gcm_key"]), AsBytes(v["gcm_nonce"]),
                         v["gcm_plaintext"], v["gcm_ad"], &out)
                  .ok());
  EXPECT_EQ(HexEncode(AsBytes(out)), HexEncode(AsBytes(v["gcm_ciphertext"])));
  std::string plain;
  ASSERT_TRUE(AesGcmOpen(AsBytes(v["gcm_key"]), AsBytes(v["gcm_nonce"]),
                         v["gcm_ciphertext"], v["gcm_ad"], &plain)
                  .ok());
  EXPECT_EQ(plain, v["gcm_plaintext"]);
}

// NIST GCM spec (McGrew & Viega), Test Case 13: AES-256, zero key and IV,
// empty plaintext.
TEST(AesGcmTest, NistTestCase13) {
  std::string key(32, '\0'), nonce(12, '\0'), out;
  ASSERT_TRUE(AesGcmSeal(AsBytes(key), AsBytes(nonce), "", "", &out).ok());
  EXPECT_EQ(HexEncode(AsBytes(out)), "530f8afbc74536b9a963b4f1c4cb738b");
}

TEST(AesGcmTest, TamperedCiphertextFailsAndLeavesOutputAlone) {
  auto v = testing::LoadFormatVectors();
  std::string ct = v["gcm_ciphertext"];
  for (size_t i = 0; i < ct.size(); ++i) {
    std::string bad = ct;
    bad[i] ^= 0x01;
    std::string out = "keep";
    Status s = AesGcmOpen(AsBytes(v["gcm_key"]), AsBytes(v["gcm_nonce"]), bad,
                          v["gcm_ad"], &out);
    EXPECT_TRUE(IsDecryptionFailed(s)) << i;
    EXPECT_EQ(out, "keep");
  }
  std::string out;
  EXPECT_TRUE(IsDecryptionFailed(AesGcmOpen(
      AsBytes(v["gcm_key"]), AsBytes(v["gcm_nonce"]), ct, "other ad", &out)));
  EXPECT_TRUE(IsDecryptionFailed(AesGcmOpen(
      AsBytes(v["gcm_key"]), AsBytes(v["gcm_nonce"]), "short", "", &out)));
}

}  // namespace
}  // namespace sealpost::crypto::internal
