#include "crypto/signature.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/format_vectors_for_testing.h"

namespace sealpost::crypto {
namespace {

// RFC 8032 §7.1, TEST 1 (empty message).
TEST(SignatureTest, Rfc8032Test1) {
  auto seed = HexDecode(
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto signer =
      Signer::FromPrivateKeyInsecure(SecretBytes::FromStringInsecure(*seed));
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ(HexEncode(AsBytes(signer->PublicKey())),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = signer->Sign("");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(HexEncode(AsBytes(*sig)),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  auto verifier = Verifier::FromPublicKey(signer->PublicKey());
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE(verifier->Verify(*sig, "").ok());
}

// RFC 8032 TEST 2, as reproduced by python3-cryptography in vectors.txt.
TEST(SignatureTest, PythonVector) {
  auto v = testing::LoadFormatVectors();
  ASSERT_FALSE(v.empty());
  auto signer = Signer::FromPrivateKeyInsecure(
      SecretBytes::FromStringInsecure(v["ed25519_private"]));
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ(signer->PublicKey(), v["ed25519_public"]);
  EXPECT_EQ(*signer->Sign(v["ed25519_message"]), v["ed25519_signature"]);
  auto verifier = Verifier::FromPublicKey(v["ed25519_public"]);
  EXPECT_TRUE(
      verifier->Verify(v["ed25519_signature"], v["ed25519_message"]).ok());
}

TEST(SignatureTest, GeneratedKeysRoundTripAndTamperFails) {
  Signer signer = Signer::Generate();
  std::string sig = *signer.Sign("license bytes");
  Verifier verifier = *signer.GetVerifier();
  EXPECT_TRUE(verifier.Verify(sig, "license bytes").ok());
  EXPECT_FALSE(verifier.Verify(sig, "license bytez").ok());
  for (size_t i = 0; i < sig.size(); ++i) {
    std::string bad = sig;
    bad[i] ^= 0x04;
    EXPECT_FALSE(verifier.Verify(bad, "license bytes").ok()) << i;
  }
  EXPECT_FALSE(verifier.Verify(sig.substr(1), "license bytes").ok());
  EXPECT_FALSE(
      Signer::Generate().GetVerifier()->Verify(sig, "license bytes").ok());

  auto reloaded = Signer::FromPrivateKeyInsecure(signer.PrivateKeyInsecure());
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->PublicKey(), signer.PublicKey());
  EXPECT_EQ(*reloaded->Sign("m"), *signer.Sign("m"));  // deterministic
}

TEST(SignatureTest, RejectsBadKeySizes) {
  EXPECT_FALSE(Signer::FromPrivateKeyInsecure(SecretBytes(31)).ok());
  EXPECT_FALSE(Verifier::FromPublicKey(std::string(33, 'x')).ok());
}

}  // namespace
}  // namespace sealpost::crypto
