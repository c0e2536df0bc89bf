// Signatures made by `openssl cms -sign` (a tool we did not write),
// checked against the CAs on file.
#include "smime/signature_check.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "smime/directory_test_for_testing.h"

namespace sealpost::smime {
namespace {

class SignatureCheckTest : public testing::DirectoryTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::TrustTestCa(*certs_, pki_).ok());
    pki_.MakeLeaf("bob", "bob@partner.test");
    pki_.MakeCa("other", "Other CA");
    pki_.MakeLeaf("eve", "eve@partner.test", 365, "other");
  }

  // A message from `from`, signed by `who` with openssl (clear or opaque).
  std::string Signed(const std::string& who, const std::string& from,
                     bool opaque = false) {
    pki_.Write("in.txt", "Content-Type: text/plain\r\n\r\nhello\r\n");
    EXPECT_TRUE(pki_.Run("openssl cms -sign -in in.txt -signer " + who +
                         ".pem -inkey " + who + ".key -from '" + from + "'" +
                         " -to alice@example.com -subject hi " +
                         (opaque ? "-nodetach " : "") + "-out out.eml"));
    return pki_.ReadCrlf("out.eml");
  }
  SignatureCheck Check(const std::string& message) {
    auto r = CheckSignature(*certs_, message);
    EXPECT_TRUE(r.ok() && r->has_value());
    return r.ok() && r->has_value() ? **r : SignatureCheck{};
  }
};

TEST_F(SignatureCheckTest, ClearAndOpaqueSignaturesVerify) {
  SignatureCheck clear = Check(Signed("bob", "Bob <bob@partner.test>"));
  EXPECT_TRUE(clear.verified) << clear.reason;
  EXPECT_EQ(clear.signer, "bob@partner.test");
  EXPECT_EQ(clear.StampValue(),
            "signed; verified=yes; signer=bob@partner.test");
  SignatureCheck opaque = Check(Signed("bob", "bob@partner.test", true));
  EXPECT_TRUE(opaque.verified) << opaque.reason;
}

TEST_F(SignatureCheckTest, WhatDoesNotVerifySaysWhy) {
  std::string msg = Signed("bob", "bob@partner.test");
  std::string tampered = msg;
  tampered.replace(tampered.find("hello"), 5, "jello");
  SignatureCheck t = Check(tampered);
  EXPECT_FALSE(t.verified);
  EXPECT_FALSE(t.reason.empty());
  EXPECT_NE(t.StampValue().find("verified=no"), std::string::npos);

  SignatureCheck untrusted = Check(Signed("eve", "eve@partner.test"));
  EXPECT_FALSE(untrusted.verified);
  EXPECT_NE(untrusted.reason.find("untrusted"), std::string::npos);

  SignatureCheck other_from = Check(Signed("bob", "ceo@partner.test"));
  EXPECT_FALSE(other_from.verified);
  EXPECT_NE(other_from.reason.find("From"), std::string::npos);

  auto unsigned_mail =
      CheckSignature(*certs_, "From: a@b\r\nSubject: x\r\n\r\nhi\r\n");
  ASSERT_TRUE(unsigned_mail.ok());
  EXPECT_FALSE(unsigned_mail->has_value());
}

TEST_F(SignatureCheckTest, AVerifiedSignerIsHarvestedOnceNeverOverANewerOne) {
  SignatureCheck tampered = Check([&] {
    std::string m = Signed("bob", "bob@partner.test");
    return m.replace(m.find("hello"), 5, "jello");
  }());
  EXPECT_TRUE(tampered.signer_certificate.empty());  // nothing to harvest

  SignatureCheck ok = Check(Signed("bob", "bob@partner.test"));
  ASSERT_TRUE(ok.verified) << ok.reason;
  ASSERT_FALSE(ok.signer_certificate.empty());
  auto first = certs_->Harvest(ok.signer_certificate);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  auto list = certs_->List("bob@partner.test");
  ASSERT_TRUE(list.ok() && list->size() == 1u);
  EXPECT_EQ((*list)[0].record.source, "harvest");
  EXPECT_EQ((*list)[0].status, CertStatus::kValid);
  EXPECT_FALSE((*list)[0].has_private_key);
  auto lookup = certs_->ForRecipients({"bob@partner.test"});
  ASSERT_TRUE(lookup.ok() && lookup->front().certificate);
  EXPECT_FALSE(*certs_->Harvest(ok.signer_certificate));  // on file already

  // A newer certificate on file for the address is never displaced.
  pki_.MakeLeaf("dan_old", "dan@partner.test");
  sleep(1);  // notBefore has one-second resolution
  pki_.MakeLeaf("dan_new", "dan@partner.test");
  ASSERT_TRUE(certs_->Import(pki_.Read("dan_new.pem"), {}).ok());
  SignatureCheck dan = Check(Signed("dan_old", "dan@partner.test"));
  ASSERT_TRUE(dan.verified) << dan.reason;
  EXPECT_FALSE(*certs_->Harvest(dan.signer_certificate));
  auto dans = certs_->List("dan@partner.test");
  ASSERT_TRUE(dans.ok());
  EXPECT_EQ(dans->size(), 1u);

  // Our own domains' certificates are the admin's to import.
  pki_.MakeLeaf("mallory", "ceo@example.com");
  EXPECT_FALSE(*certs_->Harvest(pki_.Read("mallory.der")));
}

TEST(FromAddressTest, Forms) {
  EXPECT_EQ(FromAddress("Bob <bob@x.test>"), "bob@x.test");
  EXPECT_EQ(FromAddress(" bob@x.test "), "bob@x.test");
  EXPECT_EQ(FromAddress("a@x, b@y"), "");
  EXPECT_EQ(FromAddress("nobody"), "");
}

}  // namespace
}  // namespace sealpost::smime
