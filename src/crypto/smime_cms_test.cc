#include "crypto/smime_cms.h"

#include <gtest/gtest.h>

#include "base/string_source.h"
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

// The streamed form (BER with indefinite lengths, written a slice at a
// time): openssl and CmsDecrypt open it byte for byte, for both kinds of
// content encryption, and the whole is never handed over in one piece.
TEST(SmimeCmsTest, StreamedEncryptionOpensByteForByte) {
  TestPki pki;
  pki.MakeLeaf("bob", "bob@partner.example");
  pki.MakePkcs12("bob", "pw");
  auto file = ReadCertificateFile(pki.Read("bob.p12"),
                                  SecretBytes::FromStringInsecure("pw"));
  ASSERT_TRUE(file.ok());
  const std::string head = "Content-Type: application/octet-stream\r\n\r\n";
  std::string body;
  for (int i = 0; i < (3 << 20) + 7; ++i) {
    body.push_back(static_cast<char>((i * 131) ^ (i >> 9)));
  }
  for (CmsCipher cipher : {CmsCipher::kAes256Cbc, CmsCipher::kAes256Gcm}) {
    StringSource rest(std::string_view(body).substr(5), 100 << 10);
    const std::string_view parts[] = {head,
                                      std::string_view(body).substr(0, 5)};
    std::string ber;
    size_t largest = 0;
    Status st = CmsEncryptStream(parts, rest, {pki.Read("bob.der")}, cipher,
                                 [&](std::string_view bytes) {
                                   largest = std::max(largest, bytes.size());
                                   ber += bytes;
                                   return Status::Ok();
                                 });
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_LT(largest, size_t{1} << 20);
    auto plain = CmsDecrypt(ber, pki.Read("bob.der"), file->private_key);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    EXPECT_TRUE(*plain == head + body);
    pki.Write("stream.ber", ber);
    ASSERT_TRUE(
        pki.Run("openssl cms -decrypt -binary -inform DER -in stream.ber "
                "-recip bob.pem -inkey bob.key -out stream.out"));
    EXPECT_TRUE(pki.Read("stream.out") == head + body);
  }
  // A failure of the sink stops it and is what comes back.
  StringSource rest(body, 100 << 10);
  const std::string_view none[] = {head};
  Status st = CmsEncryptStream(
      none, rest, {pki.Read("bob.der")}, CmsCipher::kAes256Cbc,
      [](std::string_view) { return ResourceExhaustedError("disk full"); });
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
}

TEST(SmimeCmsTest, NeedsRecipients) {
  EXPECT_FALSE(CmsEncrypt("x", {}).ok());
  EXPECT_FALSE(CmsEncrypt("x", {"not a certificate"}).ok());
}

}  // namespace
}  // namespace sealpost::crypto
