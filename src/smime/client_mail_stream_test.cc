// OpenMailStream: the same message as OpenMail, read a slice at a time,
// streamed when it is a base64 EnvelopedData and held whole otherwise;
// another user's key opens nothing, damage is an error.
#include <gtest/gtest.h>

#include "base/string_source.h"
#include "smime/client_mail.h"
#include "smime/directory_test_for_testing.h"
#include "smime/enveloped_mail.h"
#include "smime/mail_stream.h"
#include "smime/signed_mail.h"

namespace sealpost::smime {
namespace {

class ClientMailStreamTest : public testing::PeopleTest {
 protected:
  // Alice's message to Bob (and herself), `sign`ed or not, with `cipher`.
  std::string Made(bool sign, crypto::CmsCipher cipher) {
    SmimeOptions options;
    options.cipher = cipher;
    auto made = ProtectMail(*certs_, original_, "alice@example.com",
                            {"bob@partner.test"}, sign, options);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? made->message : "";
  }

  // OpenMailStream of `mail` read `slice` bytes at a time, into *out.
  Result<OpenedMail> Stream(std::string_view mail, std::string_view who,
                            std::string* out, size_t slice = 37) {
    StringSource source(mail, slice);
    out->clear();
    return OpenMailStream(*certs_, source, who, [out](std::string_view b) {
      out->append(b);
      return Status::Ok();
    });
  }

  // original_ encrypted (AES-256-CBC) to the certificates `ders`, as mail.
  std::string MailTo(const std::vector<std::string>& ders) {
    const EntitySplit split = SplitEntity(original_);
    auto entity =
        EncryptToEntity(split.entity, ders, crypto::CmsCipher::kAes256Cbc);
    EXPECT_TRUE(entity.ok()) << entity.status().ToString();
    return entity.ok() ? split.outer_fields + "MIME-Version: 1.0\r\n" + *entity
                       : std::string();
  }

  // OpenMail and OpenMailStream open `mail` for Alice alike, with the key of
  // the certificate `certificate_id`.
  void ExpectBothOpen(std::string_view mail,
                      const std::string& certificate_id) {
    auto whole = OpenMail(*certs_, mail, "alice@example.com");
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    EXPECT_EQ(whole->certificate_id, certificate_id);
    std::string got;
    auto streamed = Stream(mail, "alice@example.com", &got);
    ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
    EXPECT_TRUE(got == whole->message);
    EXPECT_EQ(streamed->certificate_id, certificate_id);
  }

  // OpenMail and OpenMailStream both refuse `mail` for Alice with `code`,
  // the stream giving nothing.
  void ExpectBothFail(std::string_view mail, StatusCode code) {
    EXPECT_EQ(OpenMail(*certs_, mail, "alice@example.com").status().code(),
              code);
    std::string got;
    EXPECT_EQ(Stream(mail, "alice@example.com", &got).status().code(), code);
    EXPECT_TRUE(got.empty());
  }

  // A second certificate and key of Alice's; then the wrapped key of
  // *records (both, in the directory's order) [damaged] no longer unwraps.
  void SecondKeyWithOneDamaged(size_t damaged,
                               std::vector<store::SmimeCertRecord>* records) {
    ASSERT_TRUE(
        testing::ImportOwnKey(*certs_, pki_, "alice2", "alice@example.com")
            .ok());
    auto listed = org_.store.ListSmimeCerts("user", "alice@example.com");
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 2u);
    *records = std::move(*listed);
    store::SmimeCertRecord bad = (*records)[damaged];
    bad.wrapped_key[bad.wrapped_key.size() / 2] ^= 1;
    ASSERT_TRUE(org_.store.PutSmimeCert(bad).ok());
    ASSERT_FALSE(certs_->PrivateKeyOf(bad).ok());
  }

  std::string original_ = [] {
    std::string body;
    for (int i = 0; i < 200000; ++i) body += static_cast<char>('a' + i % 26);
    return "From: alice@example.com\r\nTo: bob@partner.test\r\nSubject: s\r\n"
           "Content-Type: text/plain; charset=us-ascii\r\n\r\nsecret 42 " +
           body + "\r\n";
  }();
};

TEST_F(ClientMailStreamTest, OpensAsOpenMailDoesEveryKind) {
  using crypto::CmsCipher;
  for (auto [sign, cipher] : {std::pair{false, CmsCipher::kAes256Cbc},
                              std::pair{true, CmsCipher::kAes256Cbc},
                              std::pair{false, CmsCipher::kAes128Cbc},
                              std::pair{false, CmsCipher::kAes256Gcm},
                              std::pair{true, CmsCipher::kAes256Gcm}}) {
    const std::string mail = Made(sign, cipher);
    auto whole = OpenMail(*certs_, mail, "alice@example.com");
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    for (size_t slice : {size_t{37}, size_t{65536}, StringSource::kWhole}) {
      std::string got;
      auto streamed = Stream(mail, "alice@example.com", &got, slice);
      ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
      EXPECT_TRUE(got == whole->message) << sign << " slice " << slice;
      EXPECT_TRUE(streamed->message.empty());
      EXPECT_EQ(streamed->certificate_id, whole->certificate_id);
      ASSERT_EQ(streamed->signatures.size(), sign ? 1u : 0u);
      if (sign) {
        EXPECT_TRUE(streamed->signatures[0].verified);
      }
    }
  }
  // Signed only: opened whole, its signature checked.
  SmimeOptions options;
  auto id = certs_->SigningIdentityFor("alice@example.com", options.chain);
  ASSERT_TRUE(id.ok());
  auto split = SplitEntity(original_);
  auto signed_entity = SignEntity(split.entity, *id, "b0und", options);
  ASSERT_TRUE(signed_entity.ok());
  const std::string signed_mail =
      split.outer_fields + "MIME-Version: 1.0\r\n" + *signed_entity;
  std::string got;
  auto opened = Stream(signed_mail, "alice@example.com", &got);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ASSERT_EQ(opened->signatures.size(), 1u);
  EXPECT_TRUE(opened->signatures[0].verified);
  EXPECT_TRUE(opened->certificate_id.empty());
}

TEST_F(ClientMailStreamTest, AnotherUsersKeyOpensNothing) {
  const std::string mail = Made(false, crypto::CmsCipher::kAes256Cbc);
  std::string got;
  auto zoe = Stream(mail, "zoe@example.com", &got);
  EXPECT_EQ(zoe.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(got.empty());
  auto bob = Stream(mail, "bob@partner.test", &got);  // no key on file
  EXPECT_EQ(bob.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(got.empty());
  auto gcm = Stream(Made(false, crypto::CmsCipher::kAes256Gcm),
                    "zoe@example.com", &got);
  EXPECT_EQ(gcm.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(got.empty());
}

// Only the key of the certificate a RecipientInfo names is unwrapped: a
// second certificate of Alice's whose wrapped key no longer opens (its
// master key gone, its row damaged) does not stop the mail sent to the
// first from opening, streamed or whole.
TEST_F(ClientMailStreamTest, OnlyTheRecipientsKeyIsUnwrapped) {
  std::vector<store::SmimeCertRecord> records;
  ASSERT_NO_FATAL_FAILURE(SecondKeyWithOneDamaged(1, &records));
  const std::string mail = MailTo({records[0].der});
  ASSERT_NO_FATAL_FAILURE(ExpectBothOpen(mail, records[0].id));
  // Zoe still opens nothing, and is told so as before.
  std::string got;
  auto zoe = Stream(mail, "zoe@example.com", &got);
  EXPECT_EQ(zoe.status().code(), StatusCode::kPermissionDenied);
}

// A key of Alice's that no longer unwraps, listed first, is passed over,
// whole and streamed alike: mail sent to her other certificate, or to both
// (as Outlook encrypts to every certificate published), opens with it.
TEST_F(ClientMailStreamTest, AKeyThatNoLongerUnwrapsIsPassedOver) {
  std::vector<store::SmimeCertRecord> records;
  ASSERT_NO_FATAL_FAILURE(SecondKeyWithOneDamaged(0, &records));
  ASSERT_NO_FATAL_FAILURE(
      ExpectBothOpen(MailTo({records[1].der}), records[1].id));
  ASSERT_NO_FATAL_FAILURE(
      ExpectBothOpen(MailTo({records[0].der, records[1].der}), records[1].id));
  // Mail to that certificate alone: the server's key is at fault, not the
  // message (INTERNAL, not "damaged" nor "not S/MIME"), and nothing given.
  ASSERT_NO_FATAL_FAILURE(
      ExpectBothFail(MailTo({records[0].der}), StatusCode::kInternal));
  // Mail to Zoe: the damaged key, which it does not name, is not even
  // tried: no key of Alice's opens it (403), whole and streamed alike.
  auto zoes = org_.store.ListSmimeCerts("user", "zoe@example.com");
  ASSERT_TRUE(zoes.ok());
  ASSERT_FALSE(zoes->empty());
  ASSERT_NO_FATAL_FAILURE(
      ExpectBothFail(MailTo({(*zoes)[0].der}), StatusCode::kPermissionDenied));
}

TEST_F(ClientMailStreamTest, DamageIsAnError) {
  const std::string mail = Made(false, crypto::CmsCipher::kAes256Cbc);
  const size_t body = mail.find("\r\n\r\n") + 4;
  std::string got;
  // Cut anywhere in the base64 (a line end kept or not).
  for (size_t cut : {body + 100, mail.size() / 2, mail.size() - 80,
                     mail.size() - 30, mail.size() - 4}) {
    auto r = Stream(mail.substr(0, cut), "alice@example.com", &got);
    EXPECT_FALSE(r.ok()) << "cut at " << cut << " of " << mail.size();
  }
  // A character outside base64, and data after the padding.
  std::string junk = mail;
  junk[mail.size() / 2] = '*';
  auto r = Stream(junk, "alice@example.com", &got);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  r = Stream(mail + "==\r\nAAAA\r\n", "alice@example.com", &got);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  // (A change inside the ciphertext that keeps the padding opens to
  // changed text: CBC EnvelopedData has no integrity, as in OpenMail; a
  // signature inside, or AES-GCM, gives it. crypto's test changes the
  // padding.)
}

TEST(Base64BodySourceTest, DecodesAcrossSlicesAndSkipsTheHeader) {
  const std::string text = "Subject: x\r\n\r\naGVs\r\nbG8g\r\n d29y bGQ=\r\n";
  for (size_t slice : {size_t{1}, size_t{5}, StringSource::kWhole}) {
    StringSource in(text, slice);
    Base64BodySource b(in, text.find("aGVs"));
    std::string out;
    for (;;) {
      auto n = b.Read(3, &out);
      ASSERT_TRUE(n.ok());
      if (*n == 0) break;
    }
    EXPECT_EQ(out, "hello world");
    out.clear();
    ASSERT_TRUE(b.Restart().ok());
    ASSERT_TRUE(b.Read(100, &out).ok());
    EXPECT_EQ(out.substr(0, 5), "hello");
  }
  // One sextet too many, and ends without their padding (GMime drops
  // them: taken, the stream would read bytes the whole message has not).
  for (std::string_view bad : {"QUJDR", "SEVMTE8tQk9EWQ", "QUJDRA"}) {
    StringSource in(bad, 2);
    Base64BodySource b(in, 0);
    std::string out;
    Status st = Status::Ok();
    for (;;) {
      auto n = b.Read(10, &out);
      if (!n.ok()) {
        st = n.status();
        break;
      }
      if (*n == 0) break;
    }
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
  }
}

// Mail saved from an mbox (a "From " line first) opens as the message
// after that line, with its own fields outside, whole and streamed alike.
TEST_F(ClientMailStreamTest, MailSavedFromAnMboxOpensWithItsFields) {
  for (bool sign : {false, true}) {
    const std::string mail = Made(sign, crypto::CmsCipher::kAes256Cbc);
    const std::string mbox =
        "From alice@example.com Mon Jan  1 00:00:00 2024\r\n" + mail;
    auto plain = OpenMail(*certs_, mail, "alice@example.com");
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    auto whole = OpenMail(*certs_, mbox, "alice@example.com");
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    EXPECT_TRUE(whole->message == plain->message);
    EXPECT_NE(whole->message.find("Subject: s\r\n"), std::string::npos);
    for (size_t slice : {size_t{1}, size_t{37}, StringSource::kWhole}) {
      std::string got;
      auto streamed = Stream(mbox, "alice@example.com", &got, slice);
      ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
      EXPECT_TRUE(got == plain->message) << sign << " slice " << slice;
      ASSERT_EQ(streamed->signatures.size(), sign ? 1u : 0u);
      if (sign) {
        EXPECT_TRUE(streamed->signatures[0].verified);
      }
    }
  }
}

// Attack: a line that is no field, then a From the signer matches, then
// the signed layer. The header section ends at that line, whole and
// streamed, so that From is never judged as the message's (a stream that
// read past it reported "verified" with the signed entity's own From, a
// different address, as the only From the reader sees).
TEST_F(ClientMailStreamTest, AFromPastAStrayLineIsNotJudged) {
  SmimeOptions options;
  auto id = certs_->SigningIdentityFor("alice@example.com", options.chain);
  ASSERT_TRUE(id.ok());
  const std::string entity =
      "From: ceo@example.com\r\nContent-Type: text/plain\r\n\r\n"
      "Pay invoice 77\r\n";
  auto signed_entity = SignEntity(entity, *id, "b0und", options);
  ASSERT_TRUE(signed_entity.ok());
  const std::string mail =
      "Received: by relay\r\nstray line\r\nFrom: alice@example.com\r\n"
      "MIME-Version: 1.0\r\n" +
      *signed_entity;
  auto whole = OpenMail(*certs_, mail, "alice@example.com");
  EXPECT_EQ(whole.status().code(), StatusCode::kInvalidArgument);
  std::string got;
  auto streamed = Stream(mail, "alice@example.com", &got);
  EXPECT_EQ(streamed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(got.empty());
}

}  // namespace
}  // namespace sealpost::smime
