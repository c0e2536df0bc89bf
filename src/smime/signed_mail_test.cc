// Signatures checked by `openssl cms -verify` (a tool we did not write).
#include "smime/signed_mail.h"

#include <gtest/gtest.h>

#include "crypto/test_pki_for_testing.h"
#include "crypto/x509.h"

namespace sealpost::smime {
namespace {

using crypto::testing::TestPki;

bool SevenBitClean(std::string_view entity) {
  SevenBitCheck check;
  check.Add(entity);
  return check.Finish();
}

SigningIdentity Alice(TestPki& pki) {
  pki.MakeLeaf("alice", "alice@example.com");
  pki.MakePkcs12("alice", "pw");
  auto file = crypto::ReadCertificateFile(
      pki.Read("alice.p12"), SecretBytes::FromStringInsecure("pw"));
  EXPECT_TRUE(file.ok());
  SigningIdentity id;
  id.der = file->certificates[file->key_certificate].der;
  id.private_key = file->private_key;
  return id;
}

TEST(SignedMailTest, SevenBitIsClearSignedAndVerifies) {
  TestPki pki;
  SigningIdentity alice = Alice(pki);
  std::string entity =
      "Content-Type: text/plain; charset=us-ascii\r\n\r\nhello\r\n";
  auto signed_entity = SignEntity(entity, alice, "=_b1");
  ASSERT_TRUE(signed_entity.ok()) << signed_entity.status().ToString();
  EXPECT_TRUE(signed_entity->starts_with(
      "Content-Type: multipart/signed; protocol=\"application/"
      "pkcs7-signature\";\r\n micalg=sha-256;"));
  EXPECT_NE(signed_entity->find("--=_b1\r\n" + entity + "\r\n--=_b1\r\n"),
            std::string::npos);
  pki.Write("m.eml", "MIME-Version: 1.0\r\n" + *signed_entity);
  // Without -binary: OpenSSL's multipart reader (3.0) keeps a clear-signed
  // part's lines in canonical CRLF form only in text mode.
  ASSERT_TRUE(
      pki.Run("openssl cms -verify -in m.eml -CAfile ca.pem -out out.txt"));
  std::string out = pki.Read("out.txt");
  std::erase(out, '\r');
  std::string want = entity;
  std::erase(want, '\r');
  EXPECT_EQ(out, want);
  // A changed byte breaks it.
  std::string tampered = *signed_entity;
  tampered.replace(tampered.find("hello"), 5, "jello");
  pki.Write("t.eml", "MIME-Version: 1.0\r\n" + tampered);
  EXPECT_FALSE(pki.Run("openssl cms -verify -in t.eml -CAfile ca.pem"));
}

TEST(SignedMailTest, EightBitIsSignedOpaque) {
  TestPki pki;
  SigningIdentity alice = Alice(pki);
  std::string entity =
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\nGr\xc3\xbc\xc3\x9f"
      "e\r\n";
  EXPECT_FALSE(SevenBitClean(entity));
  auto signed_entity = SignEntity(entity, alice, "=_b1");
  ASSERT_TRUE(signed_entity.ok());
  EXPECT_TRUE(signed_entity->starts_with(
      "Content-Type: application/pkcs7-mime; smime-type=signed-data;"));
  pki.Write("m.eml", "MIME-Version: 1.0\r\n" + *signed_entity);
  ASSERT_TRUE(pki.Run(
      "openssl cms -verify -in m.eml -CAfile ca.pem -binary -out out.txt"));
  EXPECT_EQ(pki.Read("out.txt"), entity);
}

TEST(SignedMailTest, SevenBitClean) {
  EXPECT_TRUE(SevenBitClean("a\r\nb\r\n"));
  EXPECT_FALSE(SevenBitClean("a\nb"));
  EXPECT_FALSE(SevenBitClean("a\rb"));
  EXPECT_FALSE(SevenBitClean(std::string(999, 'a')));
  EXPECT_FALSE(SevenBitClean(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace sealpost::smime
