// The S/MIME rung of the ladder through the whole protection stage: a real
// SQLite store, real keys, certificates made by the openssl command line.
#include "protect/smime_treatment.h"

#include <gtest/gtest.h>

#include "base/counting_source_for_testing.h"
#include "base/string_source.h"
#include "crypto/password.h"
#include "crypto/smime_cms.h"
#include "crypto/test_pki_for_testing.h"
#include "policy/rule_json.h"
#include "protect/protector.h"
#include "protect/test_gateway_for_testing.h"

namespace sealpost::protect {
namespace {

class SmimeLadderTest : public testing::SmimeGatewayTest {
 protected:
  SmimeLadderTest() : SmimeGatewayTest("ladder") {}
  void SetUp() override {
    SmimeGatewayTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(smime::testing::ImportPartner(*gw_.certs, pki_, "old",
                                              "old@partner.test", -1)
                    .ok());
  }
  void AddRule(std::string_view json) { gw_.AddRule(json); }
  Result<Outcome> Send(std::vector<std::string> to, std::string subject) {
    return gw_.Send("alice@example.com", std::move(to),
                    "From: alice@example.com\r\nSubject: " + subject +
                        "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                        "secret-7c1d\r\n");
  }
};

TEST_F(SmimeLadderTest, CertificateHoldersGetSmimeTheOthersThePortal) {
  auto out = Send({"bob@partner.test", "old@partner.test", "carol@gmail.test"},
                  "Q3 [encrypt]");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 2u);
  const queue::IncomingMessage& smime = out->messages[0];
  ASSERT_EQ(smime.recipients.size(), 1u);
  EXPECT_EQ(smime.recipients[0].address, "bob@partner.test");
  EXPECT_TRUE(smime.treatment.starts_with("smime certificate="));
  EXPECT_NE(smime.content.find("application/pkcs7-mime"), std::string::npos);
  EXPECT_NE(smime.content.find("Subject: Q3\r\n"), std::string::npos);
  EXPECT_EQ(smime.content.find("secret-7c1d"), std::string::npos);
  const queue::IncomingMessage& wrapper = out->messages[1];
  ASSERT_EQ(wrapper.recipients.size(), 2u);
  EXPECT_NE(wrapper.content.find("X-Sealpost-Protected"), std::string::npos);
  EXPECT_EQ(wrapper.content.find("secret-7c1d"), std::string::npos);

  // The sender reads her copy: her certificate is a recipient too.
  auto alice = gw_.org.store.ListSmimeCerts("user", "alice@example.com");
  ASSERT_TRUE(alice.ok() && alice->size() == 1);
  auto key = gw_.certs->PrivateKeyOf((*alice)[0]);
  ASSERT_TRUE(key.ok());
  auto inner = crypto::CmsDecrypt(testing::SmimeDer(smime.content),
                                  (*alice)[0].der, *key);
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(*inner,
            "Content-Type: text/plain; charset=utf-8\r\n\r\nsecret-7c1d\r\n");

  // The audit says who got what, in records that travel with the first
  // copy to the queue's group commit: none is written before the mail is.
  const std::string id = smime.id.substr(0, smime.id.find('-'));
  EXPECT_TRUE(gw_.org.store.ListAudit(id, 10)->empty());
  EXPECT_TRUE(wrapper.audit.empty());
  std::string actions;
  for (const auto& a : smime.audit) {
    EXPECT_EQ(a.object, id);
    actions += a.action + ":" + a.detail + "\n";
  }
  EXPECT_NE(actions.find("smime.encrypt:bob@partner.test"), std::string::npos)
      << actions;
  EXPECT_NE(actions.find("smime.fallback:old@partner.test"), std::string::npos)
      << actions;
}

// A spooled group's signed entity is read once before any copy is made
// (signed and its clear or opaque form decided on the same bytes), then
// once per copy as it is staged; the form is the one SignEntity chooses.
TEST_F(SmimeLadderTest, ASpooledGroupReadsTheEntityOnceToSign) {
  auto signer = gw_.certs->SigningIdentityFor("alice@example.com");
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  std::string body;
  while (body.size() < (1 << 20)) body += "secret-7c1d line\r\n";
  for (bool eight_bit : {false, true}) {
    for (bool clear_sign : {true, false}) {
      SCOPED_TRACE(std::to_string(eight_bit) + std::to_string(clear_sign));
      const std::string entity = "Content-Type: text/plain\r\n\r\n" + body +
                                 (eight_bit ? "gr\xc3\xbc\xc3\x9f\r\n" : "");
      size_t read = 0;
      auto open = [&]() -> Result<std::unique_ptr<ByteSource>> {
        return std::unique_ptr<ByteSource>(
            std::make_unique<CountingSource>(entity, 64 << 10, &read));
      };
      smime::SmimeOptions options;
      options.clear_sign = clear_sign;
      auto plan = PlanSmimeGroupStream(
          *gw_.certs, open, "MIME-Version: 1.0\r\n", {"bob@partner.test"},
          "alice@example.com", false, &*signer, options);
      ASSERT_TRUE(plan.ok()) << plan.status().ToString();
      ASSERT_EQ(plan->copies.size(), 1u);
      EXPECT_EQ(read, entity.size());  // was twice: form, then signature
      std::string mail;
      for (;;) {
        auto n = plan->copies[0].source->Read(1 << 16, &mail);
        ASSERT_TRUE(n.ok()) << n.status().ToString();
        if (*n == 0) break;
      }
      EXPECT_EQ(read, 2 * entity.size());
      // Alice's certificate is a recipient too: the form inside is
      // SignEntity's.
      auto opened =
          gw_.certs->DecryptFor("alice@example.com", testing::SmimeDer(mail));
      ASSERT_TRUE(opened.ok() && opened->has_value());
      const std::string& inner = (*opened)->content;
      const bool clear = clear_sign && !eight_bit;
      EXPECT_EQ(inner.starts_with("Content-Type: multipart/signed"), clear)
          << inner.substr(0, 200);
      EXPECT_EQ(inner.find("signed-data") != std::string::npos, !clear);
    }
  }
}

TEST_F(SmimeLadderTest, RequireSmimeRefusesInsteadOfThePortal) {
  AddRule(R"({"name": "strict", "conditions": [{"kind":
    "recipient_domain_is", "values": ["partner.test"]}], "actions":
    [{"kind": "require_smime"}]})");
  auto out = Send({"bob@partner.test", "old@partner.test"}, "hello");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 2u);  // bob's S/MIME copy, the DSN
  EXPECT_EQ(out->messages[0].recipients[0].address, "bob@partner.test");
  EXPECT_NE(out->messages[0].content.find("application/pkcs7-mime"),
            std::string::npos);
  const std::string& dsn = out->messages[1].content;
  EXPECT_NE(dsn.find("old@partner.test"), std::string::npos);
  EXPECT_NE(dsn.find("S/MIME required"), std::string::npos);
  EXPECT_EQ(dsn.find("secret-7c1d"), std::string::npos);
  // Nobody with a certificate: refused outright (550), nothing queued.
  auto refused = Send({"old@partner.test"}, "hello");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("expired"), std::string::npos);
  // With nothing queued to carry it, the refusal's record is written at once.
  auto audit = gw_.org.store.ListAudit("", 20);
  ASSERT_TRUE(audit.ok());
  std::string actions;
  for (const auto& a : *audit) {
    actions += a.action + ":" + a.result + ":" + a.detail + "\n";
  }
  EXPECT_NE(actions.find("smime.required:refused:old@partner.test"),
            std::string::npos)
      << actions;
}

TEST_F(SmimeLadderTest, PreferenceOffKeepsThePortal) {
  ProtectorOptions options = gw_.DefaultOptions();
  options.smime_prefer_when_certificate = false;
  gw_.Rebuild(options);
  auto out = Send({"bob@partner.test"}, "Q3 [encrypt]");
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->messages.size(), 1u);
  EXPECT_NE(out->messages[0].content.find("X-Sealpost-Protected"),
            std::string::npos);
}

// A portal forward is written by the forwarder: the rules see them as its
// sender, and only their key could sign it, never the original's owner's
// (a review found Bob's forward of Alice's message signed with Alice's key).
TEST_F(SmimeLadderTest, ForwardIsSignedByTheForwarderNotTheOwner) {
  gw_.org.AddUser("bob@example.com");  // licensed, no key on file
  AddRule(R"({"name": "sign", "conditions": [{"kind": "recipient_domain_is",
    "values": ["partner.test"]}], "actions": [{"kind": "sign"}]})");
  AddRule(R"({"name": "bob's", "conditions": [{"kind": "sender_address_is",
    "values": ["bob@example.com"]}], "actions": [{"kind": "add_header",
    "header": "X-Sender-Rule", "value": "bob"}]})");
  ComposedMail mail;  // as the portal makes Bob's forward of Alice's mail
  mail.owner = "alice@example.com";
  mail.writer = "bob@example.com";
  mail.envelope_from = "bob@example.com";
  mail.writer_internal = true;
  mail.template_name = "Encrypt";
  mail.parent_id = "0123456789abcdef0123456789abcdef";
  mail.recipients = {"bob@partner.test"};
  mail.message =
      "From: bob@example.com\r\nTo: bob@partner.test\r\nSubject: fw\r\n"
      "Content-Type: text/plain\r\n\r\nforwarded secret-7c1d\r\n";
  auto sent = gw_.protector->ProtectComposed(mail);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_EQ(sent->size(), 1u);
  EXPECT_TRUE((*sent)[0].content.starts_with("X-Sender-Rule: bob\r\n"));
  EXPECT_EQ((*sent)[0].treatment.find("signed"), std::string::npos)
      << (*sent)[0].treatment;
  ASSERT_EQ((*sent)[0].protected_records.size(), 1u);
  EXPECT_EQ((*sent)[0].protected_records[0].record.owner, "alice@example.com");

  // The same mail on the ladder's S/MIME rung (not a forward) is still
  // Bob's: unsigned, as he has no key, and not encrypted to Alice's
  // certificate (was: signed with her key, and she could open it).
  mail.parent_id.clear();
  sent = gw_.protector->ProtectComposed(mail);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_EQ(sent->size(), 1u);
  const queue::IncomingMessage& smime = (*sent)[0];
  EXPECT_TRUE(smime.treatment.starts_with("smime certificate="))
      << smime.treatment;
  auto alice = gw_.certs->DecryptFor("alice@example.com",
                                     testing::SmimeDer(smime.content));
  EXPECT_FALSE(alice.ok() && alice->has_value());
  std::string actions;
  for (const auto& a : smime.audit) {
    actions += a.action + ":" + a.result + ":" + a.detail + "\n";
  }
  EXPECT_NE(actions.find("smime.sign:skipped:"), std::string::npos) << actions;
  EXPECT_EQ(actions.find("smime.sign:ok:"), std::string::npos) << actions;
}

// A reader's forward to someone with a certificate on file stays in the
// portal, linked to the original: as S/MIME its attachments would leave
// decrypted, past the original's expiry and revocation. Under
// --require-smime it is refused, never sent either way.
TEST_F(SmimeLadderTest, ForwardToACertificateHolderStaysInThePortal) {
  auto original = Send({"carol@gmail.test"}, "Q3 [encrypt]");
  ASSERT_TRUE(original.ok()) << original.status().ToString();
  ASSERT_EQ(original->messages.size(), 1u);
  ASSERT_EQ(original->messages[0].protected_records.size(), 1u);
  const store::NewProtectedMessage& parent =
      original->messages[0].protected_records[0];
  ASSERT_TRUE(gw_.org.store.AddProtectedMessage(parent).ok());
  ComposedMail fwd;  // as the portal makes Carol's forward of it
  fwd.owner = "alice@example.com";
  fwd.writer = "carol@gmail.test";
  fwd.envelope_from = "noreply@example.com";
  fwd.template_name = "Encrypt";
  fwd.parent_id = parent.record.id;
  fwd.recipients = {"bob@partner.test"};  // a valid certificate on file
  fwd.message =
      "From: carol@gmail.test\r\nTo: bob@partner.test\r\nSubject: fw\r\n"
      "Content-Type: text/plain\r\n\r\nforwarded secret-7c1d\r\n";
  auto sent = gw_.protector->ProtectComposed(fwd);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_EQ(sent->size(), 1u);
  const queue::IncomingMessage& m = (*sent)[0];
  EXPECT_TRUE(m.treatment.starts_with("portal Encrypt as ")) << m.treatment;
  EXPECT_NE(m.content.find("X-Sealpost-Protected"), std::string::npos);
  EXPECT_EQ(m.content.find("application/pkcs7-mime"), std::string::npos);
  EXPECT_EQ(m.content.find("secret-7c1d"), std::string::npos);
  ASSERT_EQ(m.protected_records.size(), 1u);
  const store::NewProtectedMessage& rec = m.protected_records[0];
  EXPECT_EQ(rec.record.parent_id, parent.record.id);
  ASSERT_TRUE(gw_.org.store.AddProtectedMessage(rec).ok());
  // Bob reads it until the original is revoked.
  auto container = gw_.org.store.GetPortalCopy(rec.record.id);
  ASSERT_TRUE(container.ok() && container->has_value());
  EXPECT_TRUE(
      gw_.org.licenses.Acquire("bob@partner.test", **container, "test").ok());
  ASSERT_TRUE(
      gw_.org.licenses.Revoke(parent.record.id, "alice@example.com", false)
          .ok());
  auto after =
      gw_.org.licenses.Acquire("bob@partner.test", **container, "test");
  EXPECT_EQ(after.status().Reason<license::Refusal>(),
            license::Refusal::kRevoked);

  AddRule(R"({"name": "strict", "conditions": [{"kind":
    "recipient_domain_is", "values": ["partner.test"]}], "actions":
    [{"kind": "require_smime"}]})");
  auto refused = gw_.protector->ProtectComposed(fwd);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message(),
            "S/MIME required: a forward stays in the portal");
}

}  // namespace
}  // namespace sealpost::protect
