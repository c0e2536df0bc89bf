// `smime test --recipient`: each step against a real store and
// certificates made by the openssl command line.
#include "smime/recipient_check.h"

#include <gtest/gtest.h>

#include "smime/directory_test_for_testing.h"

namespace sealpost::smime {
namespace {

class RecipientCheckTest : public testing::DirectoryTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::ImportTestCast(*certs_, pki_).ok());
    ASSERT_TRUE(
        testing::ImportPartner(*certs_, pki_, "carol", "carol@partner.test")
            .ok());
  }
  std::vector<TestStep> Run(const std::string& address,
                            SmimeOptions options = {}) {
    auto r = TestRecipient(*certs_, address, options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<TestStep>{};
  }
};

TEST_F(RecipientCheckTest, OurUserIsEncryptedToAndDecrypted) {
  SmimeOptions gcm;
  gcm.cipher = crypto::CmsCipher::kAes256Gcm;
  for (const SmimeOptions& o : {SmimeOptions{}, gcm}) {
    auto steps = Run("alice@example.com", o);
    ASSERT_EQ(steps.size(), 4u);
    for (const auto& s : steps) EXPECT_TRUE(s.pass) << s.step << s.detail;
    EXPECT_FALSE(steps[3].skipped);
    EXPECT_NE(steps[3].detail.find("matches"), std::string::npos);
    EXPECT_NE(steps[1].detail.find("no CRL on file"), std::string::npos);
  }
}

TEST_F(RecipientCheckTest, PartnerDecryptionIsSkippedAndSaysWhy) {
  auto steps = Run("bob@partner.test");
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_TRUE(steps[2].pass);
  EXPECT_TRUE(steps[3].skipped);
  EXPECT_NE(steps[3].detail.find("no private key on file"), std::string::npos);
}

TEST_F(RecipientCheckTest, MissingAndRevokedCertificatesFail) {
  auto none = Run("nobody@partner.test");
  ASSERT_EQ(none.size(), 1u);
  EXPECT_FALSE(none[0].pass);
  EXPECT_NE(none[0].detail.find("no certificate on file"), std::string::npos);

  pki_.MakeCrl({"carol"});
  ASSERT_TRUE(certs_->CrlImport(pki_.Read("crl.pem")).ok());
  auto revoked = Run("carol@partner.test");
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_FALSE(revoked[0].pass);
  EXPECT_NE(revoked[0].detail.find("revoked"), std::string::npos);
  // Bob's issuer has a CRL now, and Bob is not in it.
  auto bob = Run("bob@partner.test");
  ASSERT_GE(bob.size(), 2u);
  EXPECT_TRUE(bob[1].pass);
  EXPECT_NE(bob[1].detail.find("not revoked in the CRL"), std::string::npos);
}

}  // namespace
}  // namespace sealpost::smime
