// The certificate directory against a real SQLite store, real keys and
// certificates made by the openssl command line.
#include "smime/certificate_directory.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "crypto/smime_cms.h"
#include "smime/directory_test_for_testing.h"

namespace sealpost::smime {
namespace {

class CertificateDirectoryTest : public testing::DirectoryTest {
 protected:
  CertView Import(const std::string& name) {
    auto r = certs_->Import(pki_.Read(name), {});
    EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    return r.ok() ? r->certificates.front() : CertView{};
  }
  Lookup For(const std::string& address) {
    auto r = certs_->ForRecipients({address});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->front() : Lookup{};
  }
};

TEST_F(CertificateDirectoryTest, StatusSaysWhyACertificateCannotBeUsed) {
  pki_.MakeLeaf("bob", "bob@partner.example");
  pki_.MakeLeaf("old", "old@partner.example", -1);
  pki_.MakeLeaf("sig", "sig@partner.example", 365, "ca", "signonly");
  pki_.MakeLeaf("carol", "carol@partner.example");
  pki_.MakeCa("other", "Other CA");
  pki_.MakeLeaf("eve", "eve@partner.example", 365, "other");
  // Nothing is trusted before a CA is.
  EXPECT_EQ(Import("bob.pem").status, CertStatus::kUntrusted);
  EXPECT_FALSE(For("bob@partner.example").certificate);

  auto trusted = certs_->TrustImport(pki_.Read("ca.pem"));
  ASSERT_TRUE(trusted.ok()) << trusted.status().ToString();
  EXPECT_EQ(trusted->certificates[0].status, CertStatus::kValid);
  EXPECT_EQ(Import("old.pem").status, CertStatus::kExpired);
  EXPECT_EQ(Import("sig.pem").status, CertStatus::kWrongKeyUsage);
  EXPECT_EQ(Import("eve.pem").status, CertStatus::kUntrusted);
  EXPECT_EQ(Import("carol.pem").status, CertStatus::kValid);
  pki_.MakeCrl({"carol"});
  auto crl = certs_->CrlImport(pki_.Read("crl.pem"));
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();

  auto list = certs_->List("");
  ASSERT_TRUE(list.ok());
  std::map<std::string, CertView> by_email;
  for (auto& v : *list) by_email[v.record.emails.at(0)] = v;
  EXPECT_EQ(by_email["bob@partner.example"].status, CertStatus::kValid);
  EXPECT_EQ(by_email["carol@partner.example"].status, CertStatus::kRevoked);
  EXPECT_EQ(by_email["old@partner.example"].status, CertStatus::kExpired);
  EXPECT_NE(by_email["old@partner.example"].reason.find("expired on"),
            std::string::npos);

  EXPECT_TRUE(For("bob@partner.example").certificate);
  EXPECT_TRUE(For("bob@PARTNER.example").certificate);  // domain: any case
  for (const char* a :
       {"carol@partner.example", "old@partner.example", "sig@partner.example",
        "eve@partner.example", "nobody@partner.example"}) {
    Lookup l = For(a);
    EXPECT_FALSE(l.certificate) << a;
    EXPECT_FALSE(l.reason.empty()) << a;
  }
  EXPECT_NE(For("carol@partner.example").reason.find("revoked"),
            std::string::npos);
  EXPECT_NE(For("nobody@partner.example").reason.find("no certificate"),
            std::string::npos);
}

TEST_F(CertificateDirectoryTest, LocalPartIsExact) {
  EXPECT_TRUE(EmailMatches("bob@Partner.Example", "bob@partner.example"));
  EXPECT_FALSE(EmailMatches("Bob@partner.example", "bob@partner.example"));
  EXPECT_FALSE(EmailMatches("bob@partner.example", "bob@partner.example.evil"));
  EXPECT_FALSE(EmailMatches("bob", "bob@partner.example"));
}

TEST_F(CertificateDirectoryTest, PrivateKeysOnlyForOurUsersAndNeverInClear) {
  ASSERT_TRUE(certs_->TrustImport(pki_.Read("ca.pem")).ok());
  pki_.MakeLeaf("alice", "alice@example.com");
  pki_.MakePkcs12("alice", "pw");
  pki_.MakeLeaf("bob", "bob@partner.example");
  pki_.MakePkcs12("bob", "pw");
  auto pw = SecretBytes::FromStringInsecure("pw");
  auto partner = certs_->Import(pki_.Read("bob.p12"), pw);
  ASSERT_FALSE(partner.ok());
  EXPECT_NE(partner.status().message().find("only for this organisation"),
            std::string::npos);
  auto ours = certs_->Import(pki_.Read("alice.p12"), pw);
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  const CertView& alice = ours->certificates[0];
  EXPECT_TRUE(alice.has_private_key);
  EXPECT_EQ(alice.status, CertStatus::kValid);
  EXPECT_TRUE(alice.record.wrapped_key.empty());  // never shown

  auto record = org_.store.GetSmimeCert(alice.record.id);
  ASSERT_TRUE(record.ok() && record->has_value());
  // The key at rest is not the key.
  std::string key_der;
  ASSERT_TRUE(pki_.Run("openssl pkey -in alice.key -outform DER -out k.der"));
  key_der = pki_.Read("k.der");
  EXPECT_EQ((*record)->wrapped_key.find(key_der.substr(40, 64)),
            std::string::npos);
  auto key = certs_->PrivateKeyOf(**record);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  // It opens mail encrypted to alice.
  auto enc = crypto::CmsEncrypt("hi", {(*record)->der});
  ASSERT_TRUE(enc.ok());
  auto dec = crypto::CmsDecrypt(*enc, (*record)->der, *key);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(*dec, "hi");
  // Importing the certificate alone again keeps the key.
  Import("alice.pem");
  auto again = certs_->Get(alice.record.id.substr(0, 12));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->has_private_key);
}

TEST_F(CertificateDirectoryTest, IdsTrustAndRemoval) {
  pki_.MakeLeaf("bob", "bob@partner.example");
  EXPECT_FALSE(certs_->TrustImport(pki_.Read("bob.pem")).ok());  // not a CA
  ASSERT_TRUE(certs_->TrustImport(pki_.Read("ca.pem")).ok());
  CertView bob = Import("bob.pem");
  EXPECT_FALSE(certs_->Get("abc").ok());  // too short
  EXPECT_FALSE(certs_->Get("zzzzzzzzzz").ok());
  auto got = certs_->Get(bob.record.id.substr(0, 8));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->record.id, bob.record.id);
  auto trust = certs_->TrustList();
  ASSERT_TRUE(trust.ok());
  ASSERT_EQ(trust->size(), 1u);
  // `cert remove` does not remove a trusted CA.
  EXPECT_FALSE(certs_->Remove((*trust)[0].record.id).ok());
  ASSERT_TRUE(certs_->TrustRemove((*trust)[0].record.id).ok());
  EXPECT_EQ(certs_->Get(bob.record.id)->status, CertStatus::kUntrusted);
  ASSERT_TRUE(certs_->Remove(bob.record.id).ok());
  EXPECT_EQ(certs_->Get(bob.record.id).status().code(), StatusCode::kNotFound);
  // A CRL from nobody we know is refused.
  pki_.MakeCrl({});
  EXPECT_FALSE(certs_->CrlImport(pki_.Read("crl.pem")).ok());
}

// A trusted CA limited to TLS by its extendedKeyUsage vouches for no mail
// certificate: `cert trust import` and `cert trust list` say so (it listed
// as valid while every certificate under it was untrusted).
TEST_F(CertificateDirectoryTest, ATrustedCaNotForMailSaysSo) {
  pki_.Write("tls.cnf",
             "[req]\ndistinguished_name=dn\nx509_extensions=v3\n[dn]\n[v3]\n"
             "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n"
             "extendedKeyUsage=serverAuth,clientAuth\n");
  ASSERT_TRUE(pki_.Run(
      "openssl req -x509 -config tls.cnf -newkey rsa:2048 -nodes -keyout "
      "tls.key -out tls.pem -subj '/CN=TLS Root' -days 365 2>/dev/null"));
  auto imported = certs_->TrustImport(pki_.Read("tls.pem"));
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  ASSERT_EQ(imported->certificates.size(), 1u);
  EXPECT_EQ(imported->certificates[0].status, CertStatus::kWrongKeyUsage);
  EXPECT_NE(imported->certificates[0].reason.find("vouches for no mail"),
            std::string::npos)
      << imported->certificates[0].reason;
  ASSERT_TRUE(certs_->TrustImport(pki_.Read("ca.pem")).ok());
  auto trust = certs_->TrustList();
  ASSERT_TRUE(trust.ok());
  ASSERT_EQ(trust->size(), 2u);
  for (const auto& t : *trust) {
    const bool tls = t.record.subject.find("TLS Root") != std::string::npos;
    EXPECT_EQ(t.status, tls ? CertStatus::kWrongKeyUsage : CertStatus::kValid)
        << t.record.subject << ": " << t.reason;
  }
}

// An attack: a certificate for a partner's address, newer than the one
// the admin imported, arrives on signed mail (any signer whose chain
// reaches any trusted CA is harvested). Mail to the partner stays
// encrypted to the imported one while it is usable.
TEST_F(CertificateDirectoryTest, ImportedBeatsANewerHarvestedCertificate) {
  ASSERT_TRUE(testing::TrustTestCa(*certs_, pki_).ok());
  pki_.MakeLeaf("bob", "bob@partner.example");
  CertView imported = Import("bob.pem");
  ASSERT_EQ(imported.status, CertStatus::kValid) << imported.reason;
  sleep(1);  // notBefore has one-second resolution
  pki_.MakeLeaf("bob_new", "bob@partner.example");
  auto harvested = certs_->Harvest(pki_.Read("bob_new.der"));
  ASSERT_TRUE(harvested.ok()) << harvested.status().ToString();
  ASSERT_TRUE(*harvested);  // newer: kept
  auto list = certs_->List("bob@partner.example");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  for (const CertView& v : *list) {
    EXPECT_EQ(v.status, CertStatus::kValid) << v.record.source;
  }
  Lookup l = For("bob@partner.example");
  ASSERT_TRUE(l.certificate) << l.reason;
  EXPECT_EQ(l.certificate->id, imported.record.id);
}

// A harvested certificate stands in when no imported one is usable: the
// imported one expired, or revoked.
TEST_F(CertificateDirectoryTest, HarvestedStandsInWhenNoImportedIsUsable) {
  ASSERT_TRUE(testing::TrustTestCa(*certs_, pki_).ok());
  pki_.MakeLeaf("old", "old@partner.example", -1);
  pki_.MakeLeaf("carol", "carol@partner.example");
  EXPECT_EQ(Import("old.pem").status, CertStatus::kExpired);
  EXPECT_EQ(Import("carol.pem").status, CertStatus::kValid);
  sleep(1);  // notBefore has one-second resolution
  pki_.MakeLeaf("old_new", "old@partner.example");
  pki_.MakeLeaf("carol_new", "carol@partner.example");
  std::string ids[2];
  for (int i = 0; i < 2; ++i) {
    std::string der = pki_.Read(i == 0 ? "old_new.der" : "carol_new.der");
    auto harvested = certs_->Harvest(der);
    ASSERT_TRUE(harvested.ok() && *harvested) << i;
    ids[i] = crypto::InspectCertificate(der)->fingerprint;
  }
  Lookup old = For("old@partner.example");
  ASSERT_TRUE(old.certificate) << old.reason;
  EXPECT_EQ(old.certificate->id, ids[0]);
  // Carol's imported certificate wins until its CA revokes it.
  Lookup carol = For("carol@partner.example");
  ASSERT_TRUE(carol.certificate) << carol.reason;
  EXPECT_NE(carol.certificate->id, ids[1]);
  pki_.MakeCrl({"carol"});
  ASSERT_TRUE(certs_->CrlImport(pki_.Read("crl.pem")).ok());
  carol = For("carol@partner.example");
  ASSERT_TRUE(carol.certificate) << carol.reason;
  EXPECT_EQ(carol.certificate->id, ids[1]);
}

// An attack the admin could not stop: a partner's certificate they removed
// (`cert remove`: lost key, left the company) came back with the
// partner's next signed mail, and mail to the partner was encrypted to it
// again. Refused, it stays out, restart or not, until the admin imports it.
TEST_F(CertificateDirectoryTest, RemovedCertificateIsNotHarvestedAgain) {
  ASSERT_TRUE(testing::TrustTestCa(*certs_, pki_).ok());
  pki_.MakeLeaf("bob", "bob@partner.example");
  const std::string der = pki_.Read("bob.der");
  const std::string id = crypto::InspectCertificate(der)->fingerprint;
  auto harvested = certs_->Harvest(der);
  ASSERT_TRUE(harvested.ok() && *harvested);
  ASSERT_TRUE(certs_->Remove(id.substr(0, 12)).ok());

  harvested = certs_->Harvest(der);  // the partner's next signed mail
  ASSERT_TRUE(harvested.ok()) << harvested.status().ToString();
  EXPECT_FALSE(*harvested);
  EXPECT_FALSE(org_.store.GetSmimeCert(id)->has_value());
  EXPECT_TRUE(certs_->List("bob@partner.example")->empty());
  EXPECT_FALSE(For("bob@partner.example").certificate);
  CertificateDirectory restarted(org_.store, org_.keys, clock_,
                                 {"example.com"});
  EXPECT_FALSE(*restarted.Harvest(der));
  EXPECT_FALSE(org_.store.GetSmimeCert(id)->has_value());

  auto refused = certs_->Refused("Bob@PARTNER.example");
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  ASSERT_EQ(refused->size(), 1u);
  EXPECT_EQ((*refused)[0].record.id, id);
  EXPECT_EQ((*refused)[0].record.emails,
            std::vector<std::string>{"bob@partner.example"});
  EXPECT_GT((*refused)[0].refused_at, 0);
  EXPECT_TRUE(certs_->Refused("eve@partner.example")->empty());

  // The admin's import of that very certificate takes it back.
  auto imported = certs_->Import(der, {});
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(imported->unrefused, std::vector<std::string>{id});
  EXPECT_TRUE(certs_->Refused("")->empty());
  Lookup l = For("bob@partner.example");
  ASSERT_TRUE(l.certificate) << l.reason;
  EXPECT_EQ(l.certificate->id, id);
  // Removed again, imported or not: refused again.
  ASSERT_TRUE(certs_->Remove(id).ok());
  EXPECT_FALSE(*certs_->Harvest(der));

  // The refusal is of that certificate, not of the address: the partner's
  // next certificate is harvested as before.
  sleep(1);  // notBefore has one-second resolution
  pki_.MakeLeaf("bob_new", "bob@partner.example");
  harvested = certs_->Harvest(pki_.Read("bob_new.der"));
  ASSERT_TRUE(harvested.ok() && *harvested);
}

}  // namespace
}  // namespace sealpost::smime
