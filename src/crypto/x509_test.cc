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

// CRLs are kept one per issuer as its full CRL: a delta CRL (openssl ca
// adds the Delta CRL Indicator, 2.5.29.27) or one with an Issuing
// Distribution Point is refused, not taken for the full one.
TEST(X509Test, RefusesDeltaAndPartitionedCrls) {
  TestPki pki;
  pki.Write("ca.cnf", pki.Read("ca.cnf") +
                          "[delta]\n2.5.29.27=critical,DER:02:01:01\n"
                          "[idp]\nissuingDistributionPoint=critical,"
                          "onlysomereasons:keyCompromise\n");
  ASSERT_TRUE(pki.Run(
      "openssl ca -config ca.cnf -name crl -keyfile ca.key -cert ca.pem "
      "-gencrl -crlexts delta -out delta.pem"));
  auto delta = ReadCrl(pki.Read("delta.pem"));
  ASSERT_FALSE(delta.ok());
  EXPECT_EQ(delta.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(delta.status().message().find(
                "a delta CRL (Delta CRL Indicator, RFC 5280 §5.2.4) is not "
                "supported: import the full CRL"),
            std::string::npos)
      << delta.status().message();
  ASSERT_TRUE(pki.Run(
      "openssl ca -config ca.cnf -name crl -keyfile ca.key -cert ca.pem "
      "-gencrl -crlexts idp -out idp.pem"));
  auto idp = ReadCrl(pki.Read("idp.pem"));
  ASSERT_FALSE(idp.ok());
  EXPECT_NE(idp.status().message().find("Issuing Distribution Point"),
            std::string::npos)
      << idp.status().message();
  pki.MakeCrl({});
  EXPECT_TRUE(ReadCrl(pki.Read("crl.pem")).ok());
}

// RFC 5280 §5.2.3: a CRL Number is at most 20 octets; a longer one is
// malformed and the CRL refused (it could not be ordered by the CA's).
TEST(X509Test, RefusesACrlNumberLongerThan20Octets) {
  TestPki pki;
  pki.Write("crlnumber", "ff" + std::string(38, 'f') + "\n");  // 20 octets
  pki.MakeCrl({});
  auto twenty = ReadCrl(pki.Read("crl.der"));
  ASSERT_TRUE(twenty.ok()) << twenty.status().ToString();
  EXPECT_EQ(twenty->number, std::string(40, 'f'));
  pki.Write("crlnumber", "01" + std::string(40, '0') + "\n");  // 21 octets
  pki.MakeCrl({});
  auto longer = ReadCrl(pki.Read("crl.der"));
  ASSERT_FALSE(longer.ok());
  EXPECT_NE(longer.status().message().find("longer than 20 octets"),
            std::string::npos)
      << longer.status().message();
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

// A sub CA NAME.pem (NAME.key, NAME.der) named `cn` under the test CA,
// with `ext` beside its CA extensions.
void MakeSubCa(TestPki& pki, const std::string& name, const std::string& cn,
               const std::string& ext) {
  pki.Write(
      name + ".ext",
      "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n" +
          ext + "\n");
  ASSERT_TRUE(
      pki.Run("openssl req -new -newkey rsa:2048 -nodes -keyout " + name +
              ".key -out " + name + ".csr -subj '/CN=" + cn +
              "' && openssl x509 -req -in " + name +
              ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -out " +
              name + ".pem -extfile " + name + ".ext && openssl x509 -in " +
              name + ".pem -outform DER -out " + name + ".der"))
      << name;
}

// An attack: a CA whose extendedKeyUsage limits it to TLS (serverAuth)
// issues a certificate for e-mail, itself fit for mail. The chain is
// refused, the CA named; the same leaf under a CA for e-mail, one without
// extendedKeyUsage or one with anyExtendedKeyUsage (RFC 5280 §4.2.1.12:
// no restriction) chains, and a sign-only leaf too: the leaf's own usage
// is the caller's to judge.
TEST(X509Test, ACaLimitedToTlsVouchesForNoMailCertificate) {
  TestPki pki;
  MakeSubCa(pki, "tls", "TLS Sub CA", "extendedKeyUsage=serverAuth");
  MakeSubCa(pki, "mail", "Mail Sub CA", "extendedKeyUsage=emailProtection");
  MakeSubCa(pki, "plain", "Plain Sub CA", "");
  MakeSubCa(pki, "any", "Any Sub CA", "extendedKeyUsage=anyExtendedKeyUsage");
  pki.MakeLeaf("mallory", "ceo@partner.example", 365, "tls");
  pki.MakeLeaf("bob", "bob@partner.example", 365, "mail");
  pki.MakeLeaf("sig", "sig@partner.example", 365, "mail", "signonly");
  pki.MakeLeaf("carol", "carol@partner.example", 365, "plain");
  pki.MakeLeaf("dan", "dan@partner.example", 365, "any");
  std::vector<std::string> anchors = {
      ReadCertificateFile(pki.Read("ca.pem"), {})->certificates[0].der};
  std::vector<std::string> cas = {pki.Read("tls.der"), pki.Read("mail.der"),
                                  pki.Read("plain.der"), pki.Read("any.der")};
  std::string mallory = pki.Read("mallory.der");
  auto info = InspectCertificate(mallory);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->can_encrypt) << info->usage_problem;
  EXPECT_TRUE(info->can_sign);

  std::vector<ChainLink> links;
  ChainVerdict v =
      VerifyCertificateChain(mallory, cas, anchors, {}, Now(), &links);
  EXPECT_EQ(v.kind, Kind::kUntrusted);
  EXPECT_NE(v.reason.find("not for e-mail"), std::string::npos) << v.reason;
  EXPECT_NE(v.reason.find("CN=TLS Sub CA"), std::string::npos) << v.reason;
  EXPECT_TRUE(links.empty());
  // Trusted itself, the TLS CA is no anchor for mail either.
  EXPECT_EQ(VerifyCertificateChain(mallory, {}, {cas[0]}, {}, Now()).kind,
            Kind::kUntrusted);
  for (const char* name : {"bob", "sig", "carol", "dan"}) {
    ChainVerdict ok = VerifyCertificateChain(
        pki.Read(std::string(name) + ".der"), cas, anchors, {}, Now());
    EXPECT_EQ(ok.kind, Kind::kValid) << name << ": " << ok.reason;
  }
  // The TLS CA's own chain (the root has no extendedKeyUsage) is sound.
  EXPECT_EQ(VerifyCertificateChain(cas[0], {}, anchors, {}, Now()).kind,
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
