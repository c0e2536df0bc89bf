// S/MIME made a slice at a time (issue 14) against the in-memory makers:
// the same MIME bytes around the CMS, and what they make opens and
// verifies the same way, by our reader and by `openssl cms`.
#include "smime/streamed_mail.h"
#include "base/counting_source_for_testing.h"
#include "base/failing_source_for_testing.h"

#include <gtest/gtest.h>

#include "base/string_source.h"
#include "crypto/x509.h"
#include "smime/client_mail.h"
#include "smime/directory_test_for_testing.h"
#include "smime/signed_mail.h"

namespace sealpost::smime {
namespace {

TEST(SevenBitCheckTest, SlicedAsWhole) {
  const std::string cases[] = {"a\r\nb\r\n",
                               "a\r\n",
                               "a\r",
                               "a\nb",
                               "a\r\rb",
                               std::string("a\0b", 3),
                               "caf\xc3\xa9\r\n",
                               std::string(998, 'x') + "\r\n",
                               std::string(999, 'x') + "\r\n",
                               "\r\n\r\n",
                               ""};
  for (const std::string& c : cases) {
    SevenBitCheck whole;
    whole.Add(c);
    for (size_t cut = 0; cut <= c.size(); ++cut) {
      SevenBitCheck check;
      check.Add(std::string_view(c).substr(0, cut));
      check.Add(std::string_view(c).substr(cut));
      EXPECT_EQ(check.Finish(), whole.Finish()) << c.size() << " " << cut;
    }
  }
}

TEST(ClearSignableTest, ReadsAcrossSlices) {
  SmimeOptions options;
  std::string text = "Content-Type: text/plain\r\n\r\n";
  while (text.size() < 300000) text += std::string(900, 'a') + "\r\n";
  text += "=_b1\r\n";
  StringSource with_boundary(text, 1000);
  EXPECT_FALSE(*ClearSignable(with_boundary, "=_b1", options));
  StringSource clean(text, 1001);
  EXPECT_TRUE(*ClearSignable(clean, "=_b2", options));
  const std::string eight_bit = "Content-Type: text/plain\r\n\r\n\xe9\r\n";
  StringSource eight(eight_bit, 3);
  EXPECT_FALSE(*ClearSignable(eight, "=_b2", options));
  options.clear_sign = false;
  EXPECT_FALSE(*ClearSignable(clean, "=_b2", options));
  // One rule for the whole and the streamed: an empty boundary never
  // clear-signs (SignEntity's find("") was 0; the stream's check skipped it).
  ClearSignCheck empty("");
  empty.Add("Content-Type: text/plain\r\n\r\nx\r\n");
  EXPECT_FALSE(empty.Finish());
  ClearSignCheck whole("=_b2");
  whole.Add(text);
  EXPECT_TRUE(whole.Finish());
}

class StreamedMailTest : public testing::DirectoryTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::TrustTestCa(*certs_, pki_).ok());
    ASSERT_TRUE(
        testing::ImportOwnKey(*certs_, pki_, "alice", "alice@example.com")
            .ok());
    ASSERT_TRUE(
        testing::ImportPartner(*certs_, pki_, "bob", "bob@partner.test").ok());
  }

  static std::string Message(bool eight_bit) {
    std::string m =
        "From: alice@example.com\r\nTo: bob@partner.test\r\nSubject: big\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n";
    m += eight_bit ? "Content-Transfer-Encoding: 8bit\r\n\r\n" : "\r\n";
    for (int i = 0; m.size() < (1 << 20) + 77; ++i) {
      m += "line " + std::to_string(i) +
           (eight_bit ? " gr\xc3\xbc\xc3\x9f" : "") + " of the signed text\r\n";
    }
    return m;
  }

  Result<std::string> Stream(ByteSource& source, const SmimeOptions& options) {
    std::string made;
    auto r = ProtectMailStream(*certs_, source, "alice@example.com",
                               {"bob@partner.test"}, true, options,
                               [&made](std::string_view bytes) {
                                 made += bytes;
                                 return Status::Ok();
                               });
    if (!r.ok()) return r.status();
    return made;
  }
};

// PresignEntity reads the entity once and answers as ClearSignable and
// CmsSignStream do: a boundary found wherever it is cut by the slices, an
// 8-bit byte or OWAClearSign off make it opaque; the signature verifies
// over the entity whatever the form.
TEST_F(StreamedMailTest, PresignEntityReadsOnceAndDecidesAsClearSignable) {
  auto signer = certs_->SigningIdentityFor("alice@example.com");
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  const std::string boundary = "=_sp_signed_0123456789";
  const size_t slice = 4096;
  std::string clean = "Content-Type: text/plain\r\n\r\n";
  while (clean.size() < 3 * slice) clean += std::string(900, 'a') + "\r\n";
  std::vector<std::pair<std::string, bool>> cases = {{clean, true}};
  // The boundary across the first seam, cut after each of its bytes.
  for (size_t k = 1; k < boundary.size(); ++k) {
    std::string e = clean;
    e.replace(slice - k, boundary.size(), boundary);
    cases.push_back({e, false});
  }
  cases.push_back({clean + "\xe9\r\n", false});
  cases.push_back({clean + "a\r", false});
  // Slices shorter than the boundary too: the check carries a tail.
  for (size_t size :
       {size_t{1}, size_t{2}, boundary.size() - 1, boundary.size(), slice}) {
    for (bool clear_sign : {true, false}) {
      SmimeOptions options;
      options.clear_sign = clear_sign;
      for (size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE(std::to_string(size) + " " + std::to_string(i) + " " +
                     std::to_string(clear_sign));
        const auto& [entity, clear] = cases[i];
        size_t read = 0;
        CountingSource source(entity, size, &read);
        auto p = PresignEntity(source, *signer, boundary, options);
        ASSERT_TRUE(p.ok()) << p.status().ToString();
        EXPECT_EQ(read, entity.size());
        EXPECT_EQ(p->form.boundary, boundary);
        EXPECT_EQ(p->form.clear, clear && clear_sign);
        StringSource again(entity, size);
        auto signable = ClearSignable(again, boundary, options);
        ASSERT_TRUE(signable.ok()) << signable.status().ToString();
        EXPECT_EQ(*signable, p->form.clear);
        crypto::CmsSignature sig =
            crypto::CmsVerifySignature(p->signature, entity);
        EXPECT_TRUE(sig.verified) << sig.reason;
      }
    }
  }
  // A spool that fails part-way: its error, as it is, and no signature.
  FailingSource cut(clean, 5000);
  auto failed = PresignEntity(cut, *signer, boundary, SmimeOptions{});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
  EXPECT_NE(failed.status().ToString().find("spool file: cut"),
            std::string::npos)
      << failed.status().ToString();
}

// Signed, encrypted (and signed again with triple wrap) a slice at a time:
// our reader opens it to ProtectMail's message, every signature verified;
// openssl decrypts it with Bob's key and verifies what is inside.
TEST_F(StreamedMailTest, SignedStreamOpensAsTheWholeOne) {
  for (bool eight_bit : {false, true}) {
    for (bool triple : {false, true}) {
      SCOPED_TRACE(std::to_string(eight_bit) + std::to_string(triple));
      const std::string original = Message(eight_bit);
      SmimeOptions options;
      options.triple_wrap = triple;
      StringSource source(original, 64 << 10);
      auto made = Stream(source, options);
      ASSERT_TRUE(made.ok()) << made.status().ToString();
      auto whole = ProtectMail(*certs_, original, "alice@example.com",
                               {"bob@partner.test"}, true, options);
      ASSERT_TRUE(whole.ok());
      auto a = OpenMail(*certs_, *made, "alice@example.com");
      auto b = OpenMail(*certs_, whole->message, "alice@example.com");
      ASSERT_TRUE(a.ok()) << a.status().ToString();
      ASSERT_TRUE(b.ok());
      EXPECT_TRUE(a->message == b->message);
      const size_t ct = original.find("Content-Type");
      EXPECT_TRUE(a->message == original.substr(0, ct) +
                                    "MIME-Version: 1.0\r\n" +
                                    original.substr(ct));
      ASSERT_EQ(a->signatures.size(), triple ? 2u : 1u);
      for (const auto& s : a->signatures) EXPECT_TRUE(s.verified) << s.reason;
      if (triple) continue;
      pki_.Write("made.eml", *made);
      ASSERT_TRUE(
          pki_.Run("openssl cms -decrypt -binary -in made.eml -recip bob.pem "
                   "-inkey bob.key -out inner.eml"));
      // The clear-signed part is read in text mode (OpenSSL 3.0's
      // multipart reader), the opaque one in binary.
      ASSERT_TRUE(pki_.Run(std::string("openssl cms -verify ") +
                           (eight_bit ? "-binary " : "") +
                           "-in inner.eml -CAfile ca.pem -out content.txt "
                           "2>/dev/null"));
      std::string content = pki_.Read("content.txt");
      std::string entity = original.substr(original.find("Content-Type"));
      if (!eight_bit) {
        std::erase(content, '\r');
        std::erase(entity, '\r');
      }
      EXPECT_TRUE(content == entity);
    }
  }
}

// The streamed clear-signed entity is SignEntity's byte for byte up to the
// signature (which differs only by its signing time).
TEST_F(StreamedMailTest, ClearSignedBytesAreSignEntitys) {
  const std::string original = Message(false);
  const std::string entity = original.substr(original.find("Content-Type"));
  auto id = certs_->SigningIdentityFor("alice@example.com",
                                       ChainInclusion::kWithoutRoot);
  ASSERT_TRUE(id.ok());
  auto source = SignedEntityStream(StringSource::Holding(entity, 10000), *id,
                                   "=_b1", true, {});
  ASSERT_TRUE(source.ok());
  std::string streamed;
  ASSERT_TRUE(CopySource(**source, [&](std::string_view b) {
                streamed += b;
                return Status::Ok();
              }).ok());
  auto whole = SignEntity(entity, *id, "=_b1");
  ASSERT_TRUE(whole.ok());
  const size_t sig = whole->find("Content-Type: application/pkcs7-signature");
  ASSERT_NE(sig, std::string::npos);
  EXPECT_TRUE(streamed.substr(0, sig) == whole->substr(0, sig));
  EXPECT_TRUE(streamed.ends_with("\r\n--=_b1--\r\n"));
}

// A source failing half way: the error comes back, whatever was written
// before is not a message (the caller drops it).
TEST_F(StreamedMailTest, AFailingSourceFailsTheMessage) {
  const std::string original = Message(false);
  for (size_t good : {size_t{100}, size_t{700} << 10}) {
    FailingSource source(original, good);
    EXPECT_EQ(Stream(source, SmimeOptions{}).status().code(),
              StatusCode::kInternal);
  }
}

}  // namespace
}  // namespace sealpost::smime
