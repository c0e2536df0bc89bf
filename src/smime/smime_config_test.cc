// The S/MIME settings: Microsoft's names and values, our defaults, what we
// refuse, and the round trip through a real store.
#include "smime/smime_config.h"

#include <gtest/gtest.h>

#include "license/test_org_for_testing.h"

namespace sealpost::smime {
namespace {

TEST(SmimeConfigTest, DefaultsAreTheSaferOnes) {
  SmimeConfig c;
  SmimeOptions o = c.Options();
  EXPECT_EQ(o.cipher, crypto::CmsCipher::kAes256Cbc);
  EXPECT_EQ(o.sign.digest, crypto::CmsDigest::kSha256);  // not SHA-1
  EXPECT_FALSE(o.sign.capabilities);
  EXPECT_TRUE(o.clear_sign);
  EXPECT_FALSE(o.always_sign);
  EXPECT_FALSE(o.triple_wrap);
  EXPECT_EQ(o.chain, ChainInclusion::kWithoutRoot);
  EXPECT_EQ(c.GetText("OWAEncryptionAlgorithms"), "6610");
  EXPECT_EQ(c.GetText("OWASigningAlgorithms"), "800C");
  EXPECT_EQ(c.GetText("OWABCCEncryptedEmailForking"), "0");
}

TEST(SmimeConfigTest, MicrosoftValuesChangeTheOptions) {
  SmimeConfig c;
  ASSERT_TRUE(c.Set("owaencryptionalgorithms", "660e").ok());
  ASSERT_TRUE(c.Set("OWASigningAlgorithms", "800E").ok());
  ASSERT_TRUE(c.Set("OWAClearSign", "$false").ok());
  ASSERT_TRUE(c.Set("OWAAlwaysSign", "True").ok());
  ASSERT_TRUE(c.Set("OWATripleWrapSignedEncryptedMail", "1").ok());
  ASSERT_TRUE(
      c.Set("OWAIncludeCertificateChainAndRootCertificate", "True").ok());
  ASSERT_TRUE(c.Set("OWAIncludeSMIMECapabilitiesInMessage", "True").ok());
  SmimeOptions o = c.Options();
  EXPECT_EQ(o.cipher, crypto::CmsCipher::kAes128Cbc);
  EXPECT_EQ(o.sign.digest, crypto::CmsDigest::kSha512);
  EXPECT_TRUE(o.sign.capabilities);
  EXPECT_FALSE(o.clear_sign);
  EXPECT_TRUE(o.always_sign);
  EXPECT_TRUE(o.triple_wrap);
  EXPECT_EQ(o.chain, ChainInclusion::kWithRoot);
  ASSERT_TRUE(c.Set("OWAEncryptionAlgorithms", "AES256-GCM").ok());
  EXPECT_EQ(c.Options().cipher, crypto::CmsCipher::kAes256Gcm);
  ASSERT_TRUE(
      c.Set("OWAIncludeCertificateChainAndRootCertificate", "False").ok());
  ASSERT_TRUE(
      c.Set("OWAIncludeCertificateChainWithoutRootCertificate", "False").ok());
  EXPECT_EQ(c.Options().chain, ChainInclusion::kNone);
}

TEST(SmimeConfigTest, UnsupportedValuesAreRefusedNamingWhatIsSupported) {
  SmimeConfig c;
  Status s = c.Set("OWAEncryptionAlgorithms", "6603");  // 3DES
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("6610, 660F, 660E, AES256-GCM"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("weak"), std::string::npos);
  s = c.Set("OWASigningAlgorithms", "8004");  // SHA-1, Microsoft's default
  EXPECT_NE(s.message().find("800C, 800D, 800E"), std::string::npos);
  s = c.Set("OWAAlwaysEncrypt", "True");
  EXPECT_NE(s.message().find("only False"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("mail flow rule"), std::string::npos);
  // Revocation switches are implemented (docs/smime.md).
  EXPECT_TRUE(c.Set("OWACheckCRLOnSend", "True").ok());
  EXPECT_TRUE(c.Options().fail_closed_on_send);
  EXPECT_TRUE(c.Options().check_revocation);
  EXPECT_TRUE(c.Set("OWADisableCRLCheck", "True").ok());
  EXPECT_FALSE(c.Options().check_revocation);
  EXPECT_FALSE(c.Set("OWABCCEncryptedEmailForking", "1").ok());
  s = c.Set("OWAUseKeyIdentifier", "True");
  EXPECT_NE(s.message().find("unknown S/MIME property 'OWAUseKeyIdentifier'"),
            std::string::npos);
  EXPECT_TRUE(c.Set("OWAAlwaysEncrypt", "False").ok());     // the one we do
  EXPECT_EQ(c.GetText("OWAEncryptionAlgorithms"), "6610");  // unchanged
}

TEST(SmimeConfigTest, StoredInTheStore) {
  SystemClock clock;
  license::testing::TestOrg org{clock, "smimecfg"};
  auto fresh = SmimeConfig::Load(org.store);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_TRUE(fresh->Options().clear_sign);
  ASSERT_TRUE(fresh->Set("OWAClearSign", "False").ok());
  ASSERT_TRUE(fresh->Set("OWAEncryptionAlgorithms", "AES256-GCM").ok());
  ASSERT_TRUE(fresh->Save(org.store).ok());
  auto back = SmimeConfig::Load(org.store);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_FALSE(back->Options().clear_sign);
  EXPECT_EQ(back->Options().cipher, crypto::CmsCipher::kAes256Gcm);
}

}  // namespace
}  // namespace sealpost::smime
