// Large S/MIME mail from outside through the protection stage from its
// spool (issue 14): a signature checked from the spool gives the stamp the
// in-memory check gives for the same bytes (verified, a changed byte, a
// From the signer does not own; clear and opaque), and a message that
// claims S/MIME encryption is decided from the spool: really
// EnvelopedData, delivered as it came; a header that claims it over a body
// that is not (junk, a cut EnvelopedData, another CMS type) is protected
// as before. Every copy is read from the spool by the stager (never made
// from the message read whole: the stager refuses such a copy).
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/test_pki_for_testing.h"
#include "protect/protector.h"
#include "protect/test_gateway_for_testing.h"

namespace sealpost::protect {
namespace {

class InboundSpooledTest : public testing::SmimeGatewayTest {
 protected:
  InboundSpooledTest() : SmimeGatewayTest("inbound") {}

  void SetUp() override {
    SmimeGatewayTest::SetUp();
    pki_.MakeLeaf("dan", "dan@partner.test");
    std::string body = "Content-Type: text/plain\r\n\r\nsigned by dan\r\n";
    while (body.size() < (1 << 20)) body += "dan's large line of text\r\n";
    pki_.Write("entity.txt", body);
  }

  // openssl's `cms ARGS` over entity.txt from `from` (to the
  // certificate file `recipient`, if any), CRLF line ends.
  std::string Openssl(const std::string& args, const std::string& from,
                      const std::string& recipient = "") {
    EXPECT_TRUE(pki_.Run("openssl cms " + args +
                         " -binary -in entity.txt "
                         "-from " +
                         from +
                         " -to alice@example.com "
                         "-subject inbound -out out.eml " +
                         recipient));
    return pki_.ReadCrlf("out.eml");
  }

  // `mail` from `from` to `to` through a spool file; each copy read from
  // the spool by the stager into *staged (a copy made from the message
  // read whole is refused unless `whole_ok`).
  Result<Outcome> ApplySpooled(const std::string& from,
                               const std::vector<std::string>& to,
                               const std::string& mail, bool trusted,
                               std::vector<std::string>* staged,
                               bool whole_ok = false) {
    queue::IncomingMessage in;
    in.id = queue::NewQueueId();
    in.trusted_sender = trusted;
    in.mail_from = from;
    for (const auto& r : to) in.recipients.push_back({r, 0, ""});
    SP_ASSIGN_OR_RETURN(in.spool,
                        testing::SpoolOf(gw_.org.temp.dir.path(), mail));
    Protector::Stager stage = [staged,
                               whole_ok](queue::IncomingMessage& m) -> Status {
      if (m.content_source == nullptr && whole_ok) {
        staged->push_back(m.content);
        return Status::Ok();
      }
      SP_ASSIGN_OR_RETURN(std::string bytes, testing::ReadStreamedCopy(m));
      staged->push_back(std::move(bytes));
      return Status::Ok();
    };
    return gw_.protector->Apply(in, stage);
  }

  // The note that starts with `prefix`, or "".
  static std::string Note(const Outcome& out, std::string_view prefix) {
    for (const auto& n : out.notes) {
      if (n.starts_with(prefix)) return n;
    }
    return "";
  }

  // `mail` from dan (outside) to Alice, spooled and in memory: the same
  // stamp; the spooled copy is `mail` with it in front. The stamp.
  std::string ExpectSameStamp(const std::string& mail,
                              const std::string& from = "dan@partner.test") {
    std::vector<std::string> staged;
    auto spooled =
        ApplySpooled(from, {"alice@example.com"}, mail, false, &staged);
    EXPECT_TRUE(spooled.ok()) << spooled.status().ToString();
    auto whole = gw_.Send(from, {"alice@example.com"}, mail, false);
    EXPECT_TRUE(whole.ok()) << whole.status().ToString();
    if (!spooled.ok() || !whole.ok() || staged.size() != 1) {
      ADD_FAILURE() << "not delivered";
      return "";
    }
    const std::string stamp = Note(*spooled, "s/mime signature: ");
    EXPECT_FALSE(stamp.empty());
    EXPECT_EQ(stamp, Note(*whole, "s/mime signature: "));
    const std::string field = "X-Sealpost-Smime: " + stamp.substr(18) + "\r\n";
    EXPECT_TRUE(staged[0] == field + mail) << staged[0].substr(0, 300);
    EXPECT_TRUE(whole->messages[0].content == field + mail);
    return stamp.substr(18);
  }
};

TEST_F(InboundSpooledTest, SignatureIsCheckedFromTheSpoolAsInMemory) {
  for (const std::string form : {"", "-nodetach"}) {
    SCOPED_TRACE(form);
    const std::string mail =
        Openssl("-sign " + form + " -signer dan.pem -inkey dan.key",
                "dan@partner.test");
    EXPECT_EQ(ExpectSameStamp(mail),
              "signed; verified=yes; signer=dan@partner.test");
    // A forged From: the signature verifies, the judgement refuses it.
    std::string forged = mail;
    forged.replace(forged.find("From: dan@partner.test"), 22,
                   "From: eve@partner.test");
    std::string stamp = ExpectSameStamp(forged, "eve@partner.test");
    EXPECT_NE(stamp.find("verified=no"), std::string::npos) << stamp;
    EXPECT_NE(stamp.find("From address"), std::string::npos) << stamp;
  }
  // One byte changed deep in a clear-signed body (past the first 256 KiB).
  std::string clear =
      Openssl("-sign -signer dan.pem -inkey dan.key", "dan@partner.test");
  const size_t at = clear.find("dan's large line", 600'000);
  ASSERT_NE(at, std::string::npos);
  clear[at] = 'D';
  EXPECT_NE(ExpectSameStamp(clear).find("verified=no"), std::string::npos);
  // The same in an opaque signature's base64 (one character of a line).
  std::string opaque = Openssl("-sign -nodetach -signer dan.pem -inkey dan.key",
                               "dan@partner.test");
  size_t b = opaque.find("\r\n\r\n") + 4 + 700'000;
  b = opaque.find("\r\n", b) + 10;
  opaque[b] = opaque[b] == 'A' ? 'B' : 'A';
  EXPECT_NE(ExpectSameStamp(opaque).find("verified=no"), std::string::npos);
  // A multipart/signed whose signature part never ends: malformed, not
  // verified, never an error.
  std::string cut =
      Openssl("-sign -signer dan.pem -inkey dan.key", "dan@partner.test");
  cut.resize(cut.rfind("\r\n------") + 2);
  std::vector<std::string> staged;
  auto out = ApplySpooled("dan@partner.test", {"alice@example.com"}, cut, false,
                          &staged);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NE(Note(*out, "s/mime signature: signed; verified=no"), "");
}

TEST_F(InboundSpooledTest, ClaimedEncryptionIsDecidedFromTheSpool) {
  const std::string enveloped =
      Openssl("-encrypt -aes256", "alice@example.com", "bob.pem");
  // Alice asks for protection: what is encrypted already goes as it is,
  // from the spool, as in memory.
  auto send = [&](std::string mail, bool whole_ok = false) {
    mail.replace(mail.find("Subject: inbound"), 16, "Subject: [encrypt] x");
    std::vector<std::string> staged;
    auto spooled = ApplySpooled("alice@example.com", {"bob@partner.test"}, mail,
                                true, &staged, whole_ok);
    EXPECT_TRUE(spooled.ok()) << spooled.status().ToString();
    auto whole = gw_.Send("alice@example.com", {"bob@partner.test"}, mail);
    EXPECT_TRUE(whole.ok()) << whole.status().ToString();
    if (!spooled.ok() || !whole.ok() || staged.size() != 1) return false;
    EXPECT_EQ(spooled->messages[0].treatment, whole->messages[0].treatment);
    const bool as_is = Note(*spooled, "deliver (already protected)") != "";
    EXPECT_EQ(as_is, Note(*whole, "deliver (already protected)") != "");
    if (as_is) {
      EXPECT_TRUE(staged[0] == mail);
    }
    return as_is;
  };
  EXPECT_TRUE(send(enveloped));
  // Two Content-Transfer-Encoding fields: the last one is GMime's, in
  // memory and from the spool. base64 then 8bit: the body read as 8bit
  // is not EnvelopedData (protected; read whole, as any pkcs7-mime body
  // not in base64 is); 8bit then base64: it is, from the spool.
  const std::string cte = "Content-Transfer-Encoding: base64\r\n";
  ASSERT_NE(enveloped.find(cte), std::string::npos);
  std::string twice = enveloped;
  twice.replace(twice.find(cte), cte.size(),
                cte + "Content-Transfer-Encoding: 8bit\r\n");
  EXPECT_FALSE(send(twice, /*whole_ok=*/true));
  twice = enveloped;
  twice.replace(twice.find(cte), cte.size(),
                "Content-Transfer-Encoding: 8bit\r\n" + cte);
  EXPECT_TRUE(send(twice));
  // The header claims it; the body is not EnvelopedData: protected.
  const size_t body = enveloped.find("\r\n\r\n") + 4;
  const std::string head = enveloped.substr(0, body);
  auto der = Base64Decode([&] {
    std::string b64;
    for (char c : enveloped.substr(body)) {
      if (c != '\r' && c != '\n') b64 += c;
    }
    return b64;
  }());
  ASSERT_TRUE(der.ok());
  auto lines = [](std::string_view bytes) {
    std::string b64 = Base64Encode(AsBytes(bytes)), out;
    for (size_t i = 0; i < b64.size(); i += 64) {
      out += b64.substr(i, 64) + "\r\n";
    }
    return out;
  };
  // The first base64 line moved up as the header's last line (no field):
  // GMime reads on past it and decodes the rest only, not EnvelopedData,
  // protected in memory; from the spool too (read whole), not as it came.
  const std::string b64 = lines(*der);
  const size_t first = b64.find("\r\n") + 2;
  EXPECT_FALSE(send(head.substr(0, head.size() - 2) + b64.substr(0, first) +
                        "\r\n" + b64.substr(first),
                    /*whole_ok=*/true));
  // Without its padding (GMime drops an unpadded end): protected.
  if (der->size() % 3 != 0) {
    std::string unpadded = b64;
    std::erase(unpadded, '=');
    EXPECT_FALSE(send(head + unpadded));
  }
  EXPECT_FALSE(send(head + lines(std::string(der->size(), 'j'))));
  EXPECT_FALSE(send(head + lines(der->substr(0, der->size() - 1))));  // cut
  EXPECT_FALSE(send(head + lines(*der + "x")));  // trailing
  EXPECT_FALSE(send(head + "not base64 at all: *** \r\n" +
                    lines(std::string(400'000, 'j'))));
  const std::string signed_data = Openssl(
      "-sign -nodetach -signer dan.pem -inkey dan.key", "alice@example.com");
  const size_t sb = signed_data.find("\r\n\r\n") + 4;
  EXPECT_FALSE(send(head + signed_data.substr(sb)));
}

// A large message that says it is our wrapper: its seal checked over the
// body read from the spool, as in memory. Ours: delivered as it came
// (X-Sealpost-Protected kept), from the spool; one byte of its body
// changed, or a forged field naming our key: not ours, the field removed,
// as in memory.
TEST_F(InboundSpooledTest, WrapperSealIsCheckedFromTheSpool) {
  auto irm = gw_.org.licenses.LoadIrm();
  ASSERT_TRUE(irm.ok());
  ASSERT_TRUE(irm->Set("TransportDecryptionSetting", "Disabled").ok());
  ASSERT_TRUE(gw_.org.licenses.SaveIrm(*irm).ok());
  std::string body;
  while (body.size() < (1 << 20)) body += "a large protected line\r\n";
  const std::string plain =
      "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: "
      "[encrypt] big\r\nContent-Type: text/plain\r\n\r\n" +
      body;
  auto made = gw_.Send("alice@example.com", {"bob@example.com"}, plain);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  ASSERT_EQ(made->messages.size(), 1u);
  const std::string wrapper = made->messages[0].content;
  ASSERT_NE(wrapper.find("X-Sealpost-Protected:"), std::string::npos);
  ASSERT_GT(wrapper.size(), 300'000u);
  // `mail` from outside to Alice, spooled and in memory: the same copy;
  // whether the field was kept (the seal verified).
  auto ours = [&](const std::string& mail) {
    std::vector<std::string> staged;
    auto spooled = ApplySpooled("dave@gmail.test", {"alice@example.com"}, mail,
                                false, &staged);
    EXPECT_TRUE(spooled.ok()) << spooled.status().ToString();
    auto whole =
        gw_.Send("dave@gmail.test", {"alice@example.com"}, mail, false);
    EXPECT_TRUE(whole.ok()) << whole.status().ToString();
    if (!spooled.ok() || !whole.ok() || staged.size() != 1) return false;
    EXPECT_TRUE(staged[0] == whole->messages[0].content);
    return staged[0].find("X-Sealpost-Protected:") != std::string::npos;
  };
  EXPECT_TRUE(ours(wrapper));
  std::string changed = wrapper;
  const size_t at = changed.size() - 1000;
  changed[at] = changed[at] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ours(changed));
  std::string forged = plain;
  forged.insert(0,
                "X-Sealpost-Protected: v1; id=x; template=Encrypt; k=1; "
                "seal=QUJDRA==\r\n");
  EXPECT_FALSE(ours(forged));
}

// A large message with a forged X-Sealpost-Protected field (naming our
// key, its seal false) that a rule says to protect: with transport
// decryption Disabled, protected from the spool, as in memory; Mandatory,
// refused (a seal that does not verify cannot be inspected), as in
// memory. The forged field never makes it "already protected".
TEST_F(InboundSpooledTest, ForgedMarkerOnALargeMessageIsStillProtected) {
  std::string body;
  while (body.size() < (1 << 20)) body += "a large secret line\r\n";
  const std::string mail =
      "X-Sealpost-Protected: v1; id=x; template=Encrypt; k=1; "
      "seal=QUJDRA==\r\nFrom: alice@example.com\r\nTo: bob@example.com\r\n"
      "Subject: [encrypt] forged\r\nContent-Type: text/plain\r\n\r\n" +
      body;
  for (const char* mode : {"Disabled", "Mandatory"}) {
    SCOPED_TRACE(mode);
    auto irm = gw_.org.licenses.LoadIrm();
    ASSERT_TRUE(irm.ok());
    ASSERT_TRUE(irm->Set("TransportDecryptionSetting", mode).ok());
    ASSERT_TRUE(gw_.org.licenses.SaveIrm(*irm).ok());
    std::vector<std::string> staged;
    auto spooled = ApplySpooled("alice@example.com", {"bob@example.com"}, mail,
                                true, &staged);
    auto whole = gw_.Send("alice@example.com", {"bob@example.com"}, mail);
    if (std::string_view(mode) == "Mandatory") {
      ASSERT_FALSE(spooled.ok());
      ASSERT_FALSE(whole.ok());
      EXPECT_EQ(spooled.status().code(), StatusCode::kPermissionDenied);
      EXPECT_EQ(spooled.status().ToString(), whole.status().ToString());
      EXPECT_TRUE(staged.empty());
      continue;
    }
    ASSERT_TRUE(spooled.ok()) << spooled.status().ToString();
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    ASSERT_EQ(staged.size(), 1u);
    ASSERT_EQ(whole->messages.size(), 1u);
    for (const auto* out : {&*spooled, &*whole}) {
      EXPECT_TRUE(out->messages[0].treatment.starts_with("sealed Encrypt as "))
          << out->messages[0].treatment;
      EXPECT_EQ(Note(*out, "deliver (already protected)"), "");
    }
    for (const std::string& out : {staged[0], whole->messages[0].content}) {
      EXPECT_EQ(out.find("a large secret line"), std::string::npos);
      EXPECT_EQ(out.find("id=x;"), std::string::npos);
      EXPECT_NE(out.find("X-Sealpost-Protected: v1; id="), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace sealpost::protect
