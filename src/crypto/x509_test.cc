#include "crypto/x509.h"

#include <gtest/gtest.h>

#include <ctime>

#include "crypto/test_pki_for_testing.h"

namespace sealpost::crypto {
namespace {

using Kind = ChainVerdict::Kind;
using testing::TestPki;

SecretBytes Pass(std::string_view s) {
  return SecretBytes::FromStringInsecure(s);
}

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

TEST(X509Test, ReadsPemDerPkcs7AndPkcs12) {
  TestPki pki;
  pki.MakeLeaf("bob", "Bob@Partner.Example");
  auto pem = ReadCertificateFile(pki.Read("bob.pem"), {});
  ASSERT_TRUE(pem.ok()) << pem.status().ToString();
  EXPECT_EQ(pem->format, "PEM");
  ASSERT_EQ(pem->certificates.size(), 1u);
  const CertificateInfo& bob = pem->certificates[0];
  EXPECT_EQ(bob.emails, std::vector<std::string>{"Bob@Partner.Example"});
  EXPECT_TRUE(bob.can_encrypt) << bob.usage_problem;
  EXPECT_FALSE(bob.is_ca);
  EXPECT_EQ(bob.subject, "CN=bob");
  EXPECT_EQ(bob.issuer, "CN=Test CA");
  EXPECT_EQ(bob.key_type, "RSA 2048");
  EXPECT_EQ(bob.fingerprint.size(), 64u);

  auto der = ReadCertificateFile(pki.Read("bob.der"), {});
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(der->format, "DER");
  EXPECT_EQ(der->certificates[0].der, bob.der);

  ASSERT_TRUE(
      pki.Run("openssl crl2pkcs7 -nocrl -certfile bob.pem -certfile ca.pem "
              "-outform DER -out bundle.p7b"));
  auto p7 = ReadCertificateFile(pki.Read("bundle.p7b"), {});
  ASSERT_TRUE(p7.ok()) << p7.status().ToString();
  EXPECT_EQ(p7->format, "PKCS#7");
  ASSERT_EQ(p7->certificates.size(), 2u);

  pki.MakePkcs12("bob", "s3cret");
  auto p12 = ReadCertificateFile(pki.Read("bob.p12"), Pass("s3cret"));
  ASSERT_TRUE(p12.ok()) << p12.status().ToString();
  EXPECT_EQ(p12->format, "PKCS#12");
  ASSERT_GE(p12->key_certificate, 0);
  EXPECT_EQ(p12->certificates[p12->key_certificate].der, bob.der);
  EXPECT_TRUE(KeyMatchesCertificate(bob.der, p12->private_key));
  EXPECT_EQ(p12->certificates.size(), 2u);  // the CA came with it
}

TEST(X509Test, RefusesBadInputClearly) {
  TestPki pki;
  pki.MakeLeaf("bob", "bob@partner.example");
  pki.MakePkcs12("bob", "s3cret");
  auto wrong = ReadCertificateFile(pki.Read("bob.p12"), Pass("nope"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("password"), std::string::npos);
  EXPECT_FALSE(ReadCertificateFile("", {}).ok());
  EXPECT_FALSE(ReadCertificateFile("hello", {}).ok());
  EXPECT_FALSE(ReadCertificateFile(std::string(2 << 20, 'a'), {}).ok());
  std::string der = pki.Read("bob.der");
  EXPECT_FALSE(ReadCertificateFile(der + "x", {}).ok());  // trailing bytes
  EXPECT_FALSE(ReadCertificateFile(der.substr(0, der.size() - 1), {}).ok());
  // A MAC that would take a handler thread minutes is not computed.
  ASSERT_TRUE(pki.Run(
      "openssl pkcs12 -export -in bob.pem -inkey bob.key -nocerts -iter "
      "1100000 -maciter -out slow.p12 -passout pass:x -keypbe "
      "PBE-SHA1-3DES"));
  auto slow = ReadCertificateFile(pki.Read("slow.p12"), Pass("x"));
  ASSERT_FALSE(slow.ok());
  EXPECT_NE(slow.status().message().find("iterations"), std::string::npos);
  auto key = ReadCertificateFile(pki.Read("bob.key"), {});
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.status().message().find("PKCS#12"), std::string::npos);
}

// The CRL Number as openssl ca writes it (its crlnumber file, hex): lower
// case without leading zeros, for comparing CRLs of one issuer.
TEST(X509Test, ReadsTheCrlNumber) {
  TestPki pki;
  pki.Write("crlnumber", "00A10F\n");
  pki.MakeCrl({});
  auto crl = ReadCrl(pki.Read("crl.der"));
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  EXPECT_EQ(crl->number, "a10f");
}

TEST(X509Test, ChainVerdicts) {
  TestPki pki;
  pki.MakeLeaf("bob", "bob@partner.example");
  pki.MakeLeaf("old", "old@partner.example", -1);
  pki.MakeCa("other", "Other CA");
  pki.MakeLeaf("eve", "eve@partner.example", 365, "other");
  pki.MakeLeaf("carol", "carol@partner.example");
  pki.MakeCrl({"carol"});
  std::vector<std::string> anchors = {
      ReadCertificateFile(pki.Read("ca.pem"), {})->certificates[0].der};
  auto crl = ReadCrl(pki.Read("crl.pem"));
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  EXPECT_EQ(crl->issuer, "CN=Test CA");
  EXPECT_EQ(crl->revoked, 1u);
  EXPECT_EQ(crl->number, "1");  // openssl ca's crlnumber file said 01
  EXPECT_TRUE(CrlIssuedBy(crl->der, anchors[0]));
  auto der_crl = ReadCrl(pki.Read("crl.der"));
  ASSERT_TRUE(der_crl.ok());
  EXPECT_EQ(der_crl->der, crl->der);
  std::vector<std::string> crls = {crl->der};

  auto verdict = [&](const std::string& name) {
    return VerifyCertificateChain(pki.Read(name + ".der"), {}, anchors, crls,
                                  Now());
  };
  EXPECT_EQ(verdict("bob").kind, Kind::kValid);
  EXPECT_EQ(verdict("old").kind, Kind::kExpired);
  EXPECT_EQ(verdict("eve").kind, Kind::kUntrusted);
  EXPECT_NE(verdict("eve").reason.find("Other CA"), std::string::npos);
  EXPECT_EQ(verdict("carol").kind, Kind::kRevoked);
  // Without the CRL, carol's revocation is unknown to us.
  EXPECT_EQ(
      VerifyCertificateChain(pki.Read("carol.der"), {}, anchors, {}, Now())
          .kind,
      Kind::kValid);
  // Before its notBefore.
  EXPECT_EQ(VerifyCertificateChain(pki.Read("bob.der"), {}, anchors, {},
                                   Now() - 10 * 86400)
                .kind,
            Kind::kNotYetValid);
  EXPECT_EQ(VerifyCertificateChain(pki.Read("bob.der"), {}, {}, {}, Now()).kind,
            Kind::kUntrusted);
}

TEST(X509Test, RevokedIntermediateMakesTheChainUntrusted) {
  TestPki pki;
  ASSERT_TRUE(pki.Run(
      "openssl req -new -newkey rsa:2048 -nodes -keyout sub.key -out sub.csr "
      "-subj '/CN=Sub CA' && printf 'basicConstraints=critical,CA:TRUE\\n"
      "keyUsage=keyCertSign,cRLSign\\n' > sub.ext && openssl x509 -req -in "
      "sub.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -out "
      "sub.pem -extfile sub.ext && openssl x509 -in sub.pem -outform DER "
      "-out sub.der"));
  pki.MakeLeaf("dan", "dan@partner.example", 365, "sub");
  std::vector<std::string> anchors = {
      ReadCertificateFile(pki.Read("ca.pem"), {})->certificates[0].der};
  std::vector<std::string> chain = {pki.Read("sub.der")};
  std::string dan = pki.Read("dan.der");
  // Without a CRL: valid, and the chain below the anchor is given.
  std::vector<ChainLink> links;
  EXPECT_EQ(VerifyCertificateChain(dan, chain, anchors, {}, Now(), &links).kind,
            Kind::kValid);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].der, dan);
  EXPECT_EQ(links[0].issuer_name, "CN=Sub CA");
  EXPECT_EQ(links[1].der, chain[0]);
  EXPECT_EQ(links[1].issuer_der, anchors[0]);
  EXPECT_EQ(links[1].issuer_name, "CN=Test CA");
  // The root's CRL that lists nothing: still valid (the sub CA has no CRL
  // on file, which is not an error).
  pki.MakeCrl({});
  std::vector<std::string> crls = {ReadCrl(pki.Read("crl.pem"))->der};
  EXPECT_EQ(VerifyCertificateChain(dan, chain, anchors, crls, Now()).kind,
            Kind::kValid);
  // The root's CRL revokes the sub CA: every certificate below it is
  // untrusted, and says why.
  pki.MakeCrl({"sub"});
  crls = {ReadCrl(pki.Read("crl.pem"))->der};
  ChainVerdict v = VerifyCertificateChain(dan, chain, anchors, crls, Now());
  EXPECT_EQ(v.kind, Kind::kUntrusted);
  EXPECT_NE(v.reason.find("a CA certificate of its chain is revoked (CN=Sub "
                          "CA)"),
            std::string::npos)
      << v.reason;
  // A CA the admin trusts itself is trusted whatever a CRL above it says.
  EXPECT_EQ(VerifyCertificateChain(dan, {}, chain, crls, Now()).kind,
            Kind::kValid);
}

TEST(X509Test, KeyUsageDecidesEncryption) {
  TestPki pki;
  pki.MakeLeaf("sig", "sig@partner.example", 365, "ca", "signonly");
  auto info = InspectCertificate(pki.Read("sig.der"));
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->can_encrypt);
  EXPECT_NE(info->usage_problem.find("keyEncipherment"), std::string::npos);
  auto ca = ReadCertificateFile(pki.Read("ca.pem"), {});
  ASSERT_TRUE(ca.ok());
  EXPECT_TRUE(ca->certificates[0].is_ca);
  EXPECT_FALSE(ca->certificates[0].can_encrypt);
}

}  // namespace
}  // namespace sealpost::crypto
