// Set-SmimeConfig through the whole protection stage, and harvesting:
// what we send is decrypted and verified by the openssl command line (a
// tool we did not write); inbound signatures are made by it.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "base/encoding.h"
#include "crypto/smime_cms.h"
#include "crypto/test_pki_for_testing.h"
#include "protect/protector.h"
#include "protect/test_gateway_for_testing.h"
#include "smime/smime_config.h"

namespace sealpost::protect {
namespace {

class SmimeSettingsTest : public testing::SmimeGatewayTest {
 protected:
  SmimeSettingsTest() : SmimeGatewayTest("smimecfg") {}
  void Set(const std::string& name, const std::string& value) {
    auto c = smime::SmimeConfig::Load(gw_.org.store);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->Set(name, value).ok()) << name;
    // As `sealpost smime set` does: through the directory, which drops the
    // verdicts and settings it caches.
    ASSERT_TRUE(gw_.certs->SaveConfig(*c).ok());
  }
  // Alice's mail to `to`, the one outgoing message.
  std::string SendOne(const std::string& to, const std::string& subject) {
    auto out = gw_.Send("alice@example.com", {to},
                        "From: alice@example.com\r\nTo: " + to +
                            "\r\nSubject: " + subject +
                            "\r\nContent-Type: text/plain\r\n\r\n"
                            "secret-7c1d\r\n");
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    if (!out.ok() || out->messages.size() != 1) return "";
    treatment_ = out->messages[0].treatment;
    return out->messages[0].content;
  }
  // A message from outside signed by `who` with openssl, CRLF line ends.
  std::string SignedByOpenssl(const std::string& who, const std::string& from) {
    pki_.Write("in.txt", "Content-Type: text/plain\r\n\r\nhello\r\n");
    EXPECT_TRUE(pki_.Run("openssl cms -sign -in in.txt -signer " + who +
                         ".pem -inkey " + who + ".key -from " + from +
                         " -to alice@example.com -subject hi -out out.eml"));
    return pki_.ReadCrlf("out.eml");
  }

  // `openssl cms -decrypt` of pki_'s file `in` with the key of `who` (its
  // who.pem and who.key) into `out`; false when openssl fails.
  bool OpensslDecrypt(const std::string& in, const std::string& who,
                      const std::string& out) {
    return pki_.Run("openssl cms -decrypt -in " + in + " -recip " + who +
                    ".pem -inkey " + who + ".key -out " + out);
  }
  // `openssl cms -verify` of pki_'s file `in` against the test CA, the
  // content into `out`; false when it does not verify.
  bool OpensslVerify(const std::string& in, const std::string& out) {
    return pki_.Run("openssl cms -verify -in " + in + " -CAfile ca.pem -out " +
                    out);
  }

  // A message of `fields` (each line ending in CRLF) and a text/plain body
  // of `line`s, at least `size` bytes of them: the body in *body.
  static std::string LargeMail(const std::string& fields, std::string_view line,
                               size_t size, std::string* body) {
    body->clear();
    while (body->size() < size) body->append(line);
    return fields + "Content-Type: text/plain\r\n\r\n" + *body;
  }
  // Whether openssl's plain.txt is that text/plain entity of `body`, line
  // ends aside (openssl's text mode writes LF).
  bool PlainIsTextEntity(const std::string& body) {
    std::string plain = pki_.Read("plain.txt");
    std::erase(plain, '\r');
    std::string want = "Content-Type: text/plain\r\n\r\n" + body;
    std::erase(want, '\r');
    return plain == want;
  }

  // `mail` from Alice to `to` put in a spool file (issue 14) and protected:
  // each S/MIME copy made from the spool as the stager reads it (size
  // unknown until made) into *staged, `pause` between two copies.
  Result<Outcome> ApplySpooled(const std::string& mail,
                               const std::vector<std::string>& to,
                               std::vector<std::string>* staged,
                               std::chrono::milliseconds pause = {}) {
    queue::IncomingMessage in;
    in.id = queue::NewQueueId();
    in.trusted_sender = true;
    in.mail_from = "alice@example.com";
    for (const auto& r : to) in.recipients.push_back({r, 0, ""});
    SP_ASSIGN_OR_RETURN(in.spool,
                        testing::SpoolOf(gw_.org.temp.dir.path(), mail));
    Protector::Stager stage = [&](queue::IncomingMessage& m) -> Status {
      EXPECT_TRUE(m.content.empty());
      EXPECT_EQ(m.content_size, queue::IncomingMessage::kUnknownSize);
      if (!staged->empty() && m.content_source != nullptr) {
        std::this_thread::sleep_for(pause);
      }
      SP_ASSIGN_OR_RETURN(std::string bytes, testing::ReadStreamedCopy(m));
      staged->push_back(std::move(bytes));
      return Status::Ok();
    };
    return gw_.protector->Apply(in, stage);
  }

  std::string treatment_;
};

TEST_F(SmimeSettingsTest, AlwaysSignAndTripleWrapOpenWithOpenssl) {
  Set("OWAAlwaysSign", "True");
  std::string mail = SendOne("bob@partner.test", "Q3 [encrypt]");
  EXPECT_TRUE(treatment_.starts_with("smime-signed-encrypted")) << treatment_;
  pki_.Write("mail.eml", mail);
  ASSERT_TRUE(OpensslDecrypt("mail.eml", "bob", "inner.eml"));
  ASSERT_TRUE(OpensslVerify("inner.eml", "plain.txt"));
  EXPECT_NE(pki_.Read("plain.txt").find("secret-7c1d"), std::string::npos);

  // Sign, encrypt, sign again: the outer signature verifies without the
  // key, and inside are the two layers as before.
  Set("OWATripleWrapSignedEncryptedMail", "True");
  mail = SendOne("bob@partner.test", "Q4 [encrypt]");
  EXPECT_NE(mail.find("Content-Type: multipart/signed"), std::string::npos);
  EXPECT_EQ(mail.find("secret-7c1d"), std::string::npos);
  pki_.Write("triple.eml", mail);
  ASSERT_TRUE(OpensslVerify("triple.eml", "enc.eml"));
  EXPECT_NE(pki_.Read("enc.eml").find("smime-type=enveloped-data"),
            std::string::npos);
  ASSERT_TRUE(OpensslDecrypt("enc.eml", "bob", "inner2.eml"));
  ASSERT_TRUE(OpensslVerify("inner2.eml", "plain2.txt"));
  EXPECT_NE(pki_.Read("plain2.txt").find("secret-7c1d"), std::string::npos);
}

// A message in a spool file (issue 14) gets its S/MIME copy made from the
// spool as the stager reads it (size unknown until made), signed,
// encrypted and signed again: openssl verifies both signatures and
// decrypts it to the original's body.
TEST_F(SmimeSettingsTest, SpooledMailIsSignedAndEncryptedFromItsSpool) {
  Set("OWAAlwaysSign", "True");
  Set("OWATripleWrapSignedEncryptedMail", "True");
  std::string body;
  const std::string mail = LargeMail(
      "From: alice@example.com\r\nTo: bob@partner.test\r\n"
      "Subject: [encrypt] large\r\n",
      "secret-7c1d line\r\n", 3 << 20, &body);
  std::vector<std::string> staged;
  auto out = ApplySpooled(mail, {"bob@partner.test"}, &staged);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 1u);
  ASSERT_EQ(staged.size(), 1u);
  EXPECT_TRUE(out->messages[0].treatment.starts_with("smime-signed-encrypted"))
      << out->messages[0].treatment;
  EXPECT_EQ(staged[0].find("secret-7c1d"), std::string::npos);
  // The original's outer fields and MIME-Version in front; the entity's
  // own field inside only.
  const std::string outer = staged[0].substr(0, staged[0].find("\r\n\r\n"));
  EXPECT_TRUE(outer.starts_with("From: alice@example.com\r\n")) << outer;
  EXPECT_NE(outer.find("\r\nTo: bob@partner.test\r\n"), std::string::npos);
  EXPECT_NE(outer.find("\r\nMIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_EQ(outer.find("text/plain"), std::string::npos);
  pki_.Write("spooled.eml", staged[0]);
  ASSERT_TRUE(OpensslVerify("spooled.eml", "enc.eml"));
  ASSERT_TRUE(OpensslDecrypt("enc.eml", "bob", "inner.eml"));
  ASSERT_TRUE(OpensslVerify("inner.eml", "plain.txt"));
  EXPECT_TRUE(PlainIsTextEntity(body));
}

// A spooled message to several recipients is signed once: every copy
// carries the same signature (the copies are read a second apart, and a
// signature made as each is read would say another signingTime), clear-
// and opaque-signed, and each copy decrypts and verifies with openssl.
TEST_F(SmimeSettingsTest, SpooledCopiesCarryOneSignature) {
  ASSERT_TRUE(
      smime::testing::ImportPartner(*gw_.certs, pki_, "dan", "dan@partner.test")
          .ok());
  Set("OWAAlwaysSign", "True");
  std::string body;
  const std::string mail = LargeMail(
      "From: alice@example.com\r\nTo: bob@partner.test, dan@partner.test\r\n"
      "Subject: [encrypt] large\r\n",
      "secret-7c1d line\r\n", 1 << 20, &body);
  for (bool clear : {true, false}) {
    Set("OWAClearSign", clear ? "True" : "False");
    std::vector<std::string> staged;
    auto out = ApplySpooled(mail, {"bob@partner.test", "dan@partner.test"},
                            &staged, std::chrono::milliseconds(1100));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(staged.size(), 2u);
    std::string inner[2];
    for (int i = 0; i < 2; ++i) {
      const std::string who =
          out->messages[i].recipients[0].address == "bob@partner.test" ? "bob"
                                                                       : "dan";
      pki_.Write("copy.eml", staged[i]);
      ASSERT_TRUE(OpensslDecrypt("copy.eml", who, "inner.eml")) << clear;
      ASSERT_TRUE(OpensslVerify("inner.eml", "plain.txt")) << clear;
      EXPECT_NE(pki_.Read("plain.txt").find("secret-7c1d"), std::string::npos);
      inner[i] = pki_.Read("inner.eml");
    }
    EXPECT_NE(inner[0].find(clear ? "multipart/signed" : "signed-data"),
              std::string::npos);
    // The signed entity, signature and all, is the same in both.
    EXPECT_TRUE(inner[0] == inner[1]) << clear;
  }
}

// Under a `sign` rule, a spooled message's copy for a recipient without
// a certificate is signed from the spool as the stager reads it (never
// whole in memory), clear or opaque, and openssl verifies it over the
// original's entity; the rule's added field is in front.
TEST_F(SmimeSettingsTest, SpooledSignedOnlyCopyIsMadeFromItsSpool) {
  gw_.AddRule(R"({"name": "sign all", "conditions": [{"kind":
    "recipient_domain_is", "values": ["gmail.test"]}], "actions":
    [{"kind": "sign"}, {"kind": "add_header", "header": "X-Rule",
    "value": "signed"}]})");
  std::string body;
  const std::string mail = LargeMail(
      "From: alice@example.com\r\nTo: carol@gmail.test\r\n"
      "Subject: large\r\n",
      "hello-7c1d line\r\n", 1 << 20, &body);
  for (bool clear : {true, false}) {
    Set("OWAClearSign", clear ? "True" : "False");
    std::vector<std::string> staged;
    auto out = ApplySpooled(mail, {"carol@gmail.test"}, &staged);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(staged.size(), 1u);
    EXPECT_TRUE(out->messages[0].treatment.starts_with("smime-signed"))
        << out->messages[0].treatment;
    EXPECT_TRUE(staged[0].starts_with("X-Rule: signed\r\n")) << clear;
    EXPECT_NE(staged[0].find(clear ? "multipart/signed" : "signed-data"),
              std::string::npos);
    pki_.Write("signed.eml", staged[0]);
    ASSERT_TRUE(OpensslVerify("signed.eml", "plain.txt")) << clear;
    EXPECT_TRUE(PlainIsTextEntity(body)) << clear;
  }
}

// A line that is no field in the header section, fields after it: the
// spooled copy's signed entity is the one made in memory (InspectBytes'
// split: the lines from the junk one on are the entity's body), none of
// those lines dropped.
TEST_F(SmimeSettingsTest, SpooledCopyKeepsTheLinesAfterALineThatIsNoField) {
  gw_.AddRule(R"({"name": "sign all", "conditions": [{"kind":
    "recipient_domain_is", "values": ["gmail.test"]}], "actions":
    [{"kind": "sign"}]})");
  Set("OWAClearSign", "True");
  std::string body;
  const std::string mail = LargeMail(
      "From: alice@example.com\r\nTo: carol@gmail.test\r\n"
      "Subject: large\r\njunk line\r\nX-After: kept-7c1d\r\n",
      "hello-7c1d line\r\n", 1 << 20, &body);
  std::vector<std::string> staged;
  auto out = ApplySpooled(mail, {"carol@gmail.test"}, &staged);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(staged.size(), 1u);
  pki_.Write("spooled.eml", staged[0]);
  ASSERT_TRUE(OpensslVerify("spooled.eml", "plain.txt"));
  const std::string spooled = pki_.Read("plain.txt");
  auto whole = gw_.Send("alice@example.com", {"carol@gmail.test"}, mail);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  ASSERT_EQ(whole->messages.size(), 1u);
  pki_.Write("whole.eml", whole->messages[0].content);
  ASSERT_TRUE(OpensslVerify("whole.eml", "plain.txt"));
  const std::string in_memory = pki_.Read("plain.txt");
  EXPECT_NE(in_memory.find("X-After: kept-7c1d"), std::string::npos);
  EXPECT_TRUE(spooled == in_memory);
}

TEST_F(SmimeSettingsTest, GcmIsAuthEnvelopedDataThatOpensslDecrypts) {
  Set("OWAEncryptionAlgorithms", "AES256-GCM");
  std::string mail = SendOne("bob@partner.test", "Q3 [encrypt]");
  EXPECT_NE(mail.find("smime-type=authEnveloped-data"), std::string::npos);
  pki_.Write("mail.eml", mail);
  ASSERT_TRUE(OpensslDecrypt("mail.eml", "bob", "plain.txt"));
  EXPECT_NE(pki_.Read("plain.txt").find("secret-7c1d"), std::string::npos);
  ASSERT_TRUE(pki_.Run("openssl cms -cmsout -print -in mail.eml -out p.txt"));
  EXPECT_NE(pki_.Read("p.txt").find("aes-256-gcm"), std::string::npos);
  // Alice's own copy opens with her key on file.
  auto alice = gw_.org.store.ListSmimeCerts("user", "alice@example.com");
  ASSERT_TRUE(alice.ok() && alice->size() == 1);
  auto plain = gw_.certs->Decrypt((*alice)[0].id, testing::SmimeDer(mail));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_NE(plain->find("secret-7c1d"), std::string::npos);
}

TEST_F(SmimeSettingsTest, ClearSignOffDigestAndChainAreHonoured) {
  gw_.AddRule(R"({"name": "sign all", "conditions": [{"kind":
    "recipient_domain_is", "values": ["gmail.test"]}], "actions":
    [{"kind": "sign"}]})");
  // Defaults: clear-signed, SHA-256, no root, no capabilities.
  std::string mail = SendOne("carol@gmail.test", "hello");
  EXPECT_NE(mail.find("micalg=sha-256"), std::string::npos);
  Set("OWAClearSign", "False");
  Set("OWASigningAlgorithms", "800E");
  mail = SendOne("carol@gmail.test", "hello");
  EXPECT_TRUE(treatment_.starts_with("smime-signed")) << treatment_;
  EXPECT_NE(mail.find("smime-type=signed-data"), std::string::npos);
  pki_.Write("opaque.eml", mail);
  ASSERT_TRUE(OpensslVerify("opaque.eml", "plain.txt"));
  EXPECT_NE(pki_.Read("plain.txt").find("secret-7c1d"), std::string::npos);
  ASSERT_TRUE(pki_.Run("openssl cms -cmsout -print -in opaque.eml -out p.txt"));
  std::string printed = pki_.Read("p.txt");
  EXPECT_NE(printed.find("sha512"), std::string::npos);
  const std::string kCapabilities = "1.2.840.113549.1.9.15";  // RFC 8551
  EXPECT_EQ(printed.find(kCapabilities), std::string::npos);
  crypto::CmsSignature sig =
      crypto::CmsVerifySignature(testing::SmimeDer(mail), "");
  ASSERT_TRUE(sig.verified) << sig.reason;
  EXPECT_EQ(sig.certificates.size(), 1u);  // the signer; the root is not sent

  Set("OWAIncludeCertificateChainAndRootCertificate", "True");
  Set("OWAIncludeSMIMECapabilitiesInMessage", "True");
  mail = SendOne("carol@gmail.test", "hello");
  sig = crypto::CmsVerifySignature(testing::SmimeDer(mail), "");
  ASSERT_TRUE(sig.verified) << sig.reason;
  EXPECT_EQ(sig.certificates.size(), 2u);  // and the root CA
  pki_.Write("caps.eml", mail);
  ASSERT_TRUE(pki_.Run("openssl cms -cmsout -print -in caps.eml -out p2.txt"));
  printed = pki_.Read("p2.txt");
  EXPECT_NE(printed.find(kCapabilities), std::string::npos);
  EXPECT_NE(printed.find("aes-256-cbc"), std::string::npos);
  EXPECT_EQ(printed.find("des-"), std::string::npos);  // no DES, 3DES, RC2
  EXPECT_EQ(printed.find("rc2"), std::string::npos);
}

TEST_F(SmimeSettingsTest, AVerifiedSignerIsHarvestedATamperedOneIsNot) {
  pki_.MakeLeaf("dan", "dan@partner.test");
  std::string tampered = SignedByOpenssl("dan", "dan@partner.test");
  tampered.replace(tampered.find("hello"), 5, "jello");
  auto out =
      gw_.Send("dan@partner.test", {"alice@example.com"}, tampered, false);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto dan = gw_.certs->List("dan@partner.test");
  ASSERT_TRUE(dan.ok());
  EXPECT_TRUE(dan->empty());

  out = gw_.Send("dan@partner.test", {"alice@example.com"},
                 SignedByOpenssl("dan", "dan@partner.test"), false);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  dan = gw_.certs->List("dan@partner.test");
  ASSERT_TRUE(dan.ok());
  ASSERT_EQ(dan->size(), 1u);
  EXPECT_EQ((*dan)[0].record.source, "harvest");
  auto audit = gw_.org.store.ListAudit(out->messages[0].id, 10);
  ASSERT_TRUE(audit.ok());
  std::string actions;
  for (const auto& a : *audit) actions += a.action + ":" + a.detail + "\n";
  EXPECT_NE(actions.find("smime.harvest:dan@partner.test"), std::string::npos)
      << actions;
  // And the next protected mail to Dan goes as S/MIME.
  SendOne("dan@partner.test", "hi [encrypt]");
  EXPECT_TRUE(treatment_.starts_with("smime certificate=")) << treatment_;
}

TEST_F(SmimeSettingsTest, InboundDecryptionOpensOnlyForTheKeyHolder) {
  pki_.Write("entity.txt",
             "Content-Type: text/plain\r\n\r\nsecret-inbound\r\n");
  ASSERT_TRUE(pki_.Run(
      "openssl cms -encrypt -binary -aes256 -in entity.txt -from "
      "bob@partner.test -to alice@example.com -subject hi -out enc.eml "
      "alice.pem"));
  std::string mail = pki_.ReadCrlf("enc.eml");
  // The rules read what the key holder's copy says (docs/compliance.md).
  gw_.AddRule(R"({"name": "flag", "conditions": [{"kind":
    "subject_or_body_contains_words", "values": ["secret-inbound"]}],
    "actions": [{"kind": "add_header", "header": "X-Flag", "value":
    "hit"}]})");
  auto send = [&] {
    return gw_.Send("bob@partner.test",
                    {"alice@example.com", "carol@example.com"}, mail, false);
  };
  // Off by default: delivered as it came.
  auto out = send();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 1u);
  EXPECT_EQ(out->messages[0].content.find("secret-inbound"), std::string::npos);
  EXPECT_FALSE(out->messages[0].content.starts_with("X-Flag: hit\r\n"));

  ProtectorOptions options = gw_.DefaultOptions();
  options.smime_decrypt_inbound = true;
  gw_.Rebuild(options);
  out = send();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 2u);
  const queue::IncomingMessage& alice = out->messages[0];
  ASSERT_EQ(alice.recipients.size(), 1u);
  EXPECT_EQ(alice.recipients[0].address, "alice@example.com");
  EXPECT_NE(alice.content.find("Subject: hi"), std::string::npos);
  EXPECT_NE(alice.content.find("\r\n\r\nsecret-inbound\r\n"),
            std::string::npos);
  EXPECT_EQ(alice.content.find("pkcs7-mime"), std::string::npos);
  EXPECT_EQ(alice.params.ret, "HDRS");
  EXPECT_TRUE(alice.content.starts_with("X-Flag: hit\r\n"));
  // Carol has no key on file: hers stays encrypted.
  const queue::IncomingMessage& carol = out->messages[1];
  EXPECT_EQ(carol.recipients[0].address, "carol@example.com");
  EXPECT_EQ(carol.content.find("secret-inbound"), std::string::npos);
  EXPECT_NE(carol.content.find("application/pkcs7-mime"), std::string::npos);
  EXPECT_FALSE(carol.content.starts_with("X-Flag: hit\r\n"));
  // Audited with the message (committed with it by the queue).
  std::string actions;
  for (const auto& a : alice.audit) actions += a.action + ":" + a.detail + "\n";
  EXPECT_NE(actions.find("smime.decrypt:alice@example.com: private key"),
            std::string::npos)
      << actions;

  // Encrypted to Bob only: Alice's key does not open it, nothing changes.
  ASSERT_TRUE(pki_.Run(
      "openssl cms -encrypt -binary -aes256 -in entity.txt -subject hi "
      "-out bob.eml bob.pem"));
  mail = pki_.ReadCrlf("bob.eml");
  out = send();
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->messages.size(), 1u);
  EXPECT_EQ(out->messages[0].recipients.size(), 2u);
  EXPECT_EQ(out->messages[0].content.find("secret-inbound"), std::string::npos);

  // To Alice, its content damaged (a ciphertext byte changed: the GCM tag
  // fails): delivered as it came to both, not refused, nothing lost.
  ASSERT_TRUE(pki_.Run(
      "openssl cms -encrypt -binary -aes-256-gcm -in entity.txt -outform DER "
      "-out enc.der alice.pem"));
  std::string der = pki_.Read("enc.der");
  ASSERT_GT(der.size(), 60u);
  der[der.size() - 18 - 5] ^= 0x01;  // before the 18-byte MAC OCTET STRING
  mail =
      "From: bob@partner.test\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
      "Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data; "
      "name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
      Base64Encode(
          std::span(reinterpret_cast<const uint8_t*>(der.data()), der.size())) +
      "\r\n";
  out = send();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 1u);
  EXPECT_EQ(out->messages[0].recipients.size(), 2u);
  EXPECT_NE(out->messages[0].content.find("authEnveloped-data"),
            std::string::npos);
}

// With smime.decrypt_inbound, one journal report for the message, made by
// the run that decrypted it: the message as received (Protected), and the
// decrypted copy beside it only when JournalReportDecryptionEnabled, that
// release audited (docs/compliance.md "Journal reports").
TEST_F(SmimeSettingsTest, InboundDecryptedMailIsJournaledAsReceived) {
  ASSERT_TRUE(gw_.org.store
                  .PutJournalRule({"j-all", "all", "Global", "",
                                   "journal@example.com", true, 0})
                  .ok());
  pki_.Write("entity.txt",
             "Content-Type: text/plain\r\n\r\nsecret-journaled\r\n");
  ASSERT_TRUE(pki_.Run(
      "openssl cms -encrypt -binary -aes256 -in entity.txt -from "
      "bob@partner.test -to alice@example.com -subject hi -out enc.eml "
      "alice.pem"));
  const std::string mail = pki_.ReadCrlf("enc.eml");
  ProtectorOptions options = gw_.DefaultOptions();
  options.smime_decrypt_inbound = true;
  gw_.Rebuild(options);
  for (bool enabled : {false, true}) {
    SCOPED_TRACE(enabled ? "decryption enabled" : "decryption disabled");
    gw_.SetJournalReportDecryption(enabled);
    auto out =
        gw_.Send("bob@partner.test", {"alice@example.com", "carol@example.com"},
                 mail, false);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    std::vector<const queue::IncomingMessage*> reports;
    std::string id;
    for (const auto& m : out->messages) {
      if (m.treatment.starts_with("journal report")) {
        reports.push_back(&m);
      } else if (m.content.find("secret-journaled") != std::string::npos) {
        id = m.id.substr(0, m.id.size() - 2);  // "<id>-d": Alice's part
      }
    }
    ASSERT_EQ(reports.size(), 1u) << "one report for the message";
    const std::string& report = reports[0]->content;
    EXPECT_NE(report.find("Protected: yes\r\n"), std::string::npos);
    EXPECT_NE(report.find(mail), std::string::npos) << "as received";
    EXPECT_NE(report.find("To: alice@example.com"), std::string::npos);
    EXPECT_NE(report.find("carol@example.com"), std::string::npos);
    EXPECT_EQ(report.find("secret-journaled") != std::string::npos, enabled);
    EXPECT_NE(report.find(enabled ? "Decrypted-Copy: attached"
                                  : "Decrypted-Copy: no"),
              std::string::npos);
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(gw_.JournalDecryptAudits(id, *reports[0]), enabled ? 1 : 0);
  }
}

}  // namespace
}  // namespace sealpost::protect
