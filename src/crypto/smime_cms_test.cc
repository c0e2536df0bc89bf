#include "crypto/smime_cms.h"

#include <gtest/gtest.h>

#include "crypto/errors.h"
#include "crypto/test_pki_for_testing.h"
#include "crypto/x509.h"

namespace sealpost::crypto {
namespace {

using testing::TestPki;

TEST(SmimeCmsTest, OpensslDecryptsWhatWeEncrypt) {
  TestPki pki;
  pki.MakeLeaf("bob", "bob@partner.example");
  pki.MakeLeaf("alice", "alice@example.com");
  std::string content = "Content-Type: text/plain\r\n\r\nh\xe9llo\r\n";
  content += std::string("\0\x01\x02", 3);
  auto der = CmsEncrypt(content, {pki.Read("bob.der"), pki.Read("alice.der")});
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  pki.Write("msg.der", *der);
  for (const std::string who : {"bob", "alice"}) {
    ASSERT_TRUE(
        pki.Run("openssl cms -decrypt -binary -inform DER -in msg.der "
                "-recip " +
                who + ".pem -inkey " + who + ".key -out " + who + ".out"));
    EXPECT_EQ(pki.Read(who + ".out"), content);
  }
  // AES-256-CBC, as the module promises.
  ASSERT_TRUE(pki.Run(
      "openssl cms -cmsout -print -inform DER -in msg.der > print.txt"));
  EXPECT_NE(pki.Read("print.txt").find("aes-256-cbc"), std::string::npos);
}

TEST(SmimeCmsTest, DecryptsWhatOpensslEncryptsAndFailsOneWay) {
  TestPki pki;
  pki.MakeLeaf("bob", "bob@partner.example");
  pki.MakeLeaf("eve", "eve@partner.example");
  pki.MakePkcs12("bob", "pw");
  pki.Write("in.txt", "Content-Type: text/plain\r\n\r\nhi\r\n");
  ASSERT_TRUE(pki.Run(
      "openssl cms -encrypt -binary -aes256 -in in.txt -outform DER -out "
      "enc.der bob.pem"));
  auto file = ReadCertificateFile(pki.Read("bob.p12"),
                                  SecretBytes::FromStringInsecure("pw"));
  ASSERT_TRUE(file.ok());
  auto plain =
      CmsDecrypt(pki.Read("enc.der"), pki.Read("bob.der"), file->private_key);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, pki.Read("in.txt"));
  auto garbage = CmsDecrypt("junk", pki.Read("bob.der"), file->private_key);
  EXPECT_TRUE(IsDecryptionFailed(garbage.status()));
  auto other =
      CmsDecrypt(pki.Read("enc.der"), pki.Read("eve.der"), file->private_key);
  EXPECT_FALSE(other.ok());
}

TEST(SmimeCmsTest, NeedsRecipients) {
  EXPECT_FALSE(CmsEncrypt("x", {}).ok());
  EXPECT_FALSE(CmsEncrypt("x", {"not a certificate"}).ok());
}

}  // namespace
}  // namespace sealpost::crypto
