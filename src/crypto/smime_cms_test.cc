#include "crypto/smime_cms.h"
#include "base/failing_source_for_testing.h"

#include <gtest/gtest.h>

#include <utility>

#include "base/string_source.h"
#include "crypto/errors.h"
#include "crypto/smime_cms_stream.h"
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

std::string LargeEntity() {
  std::string entity = "Content-Type: text/plain\r\n\r\n";
  for (int i = 0; entity.size() < (2 << 20) + 3; ++i) {
    entity += "line " + std::to_string(i) + " of the large signed text\r\n";
  }
  return entity;
}

// Alice's certificate with its key on file, and the 2 MiB entity she signs
// (also content.txt in the PKI's directory, for openssl).
class AliceSignsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki.MakeLeaf("alice", "alice@example.com");
    pki.MakePkcs12("alice", "pw");
    auto file = ReadCertificateFile(pki.Read("alice.p12"),
                                    SecretBytes::FromStringInsecure("pw"));
    ASSERT_TRUE(file.ok());
    key = std::move(file->private_key);
    cert = pki.Read("alice.der");
    pki.Write("content.txt", entity);
  }

  TestPki pki;
  SecretBytes key;
  std::string cert;
  const std::string entity = LargeEntity();
};

// A detached signature made a slice at a time is CmsSign's: the same
// content digest, verified by CmsVerifySignature and by openssl, for each
// digest; and an opaque SignedData streamed (BER) carries the content back
// byte for byte.
TEST_F(AliceSignsTest, StreamedSignatureVerifiesAsInMemory) {
  for (CmsDigest digest : {CmsDigest::kSha256, CmsDigest::kSha512}) {
    CmsSignOptions options{digest, /*capabilities=*/true};
    StringSource source(entity, 64 << 10);
    auto streamed = CmsSignStream(source, cert, key, {}, options);
    ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
    auto whole = CmsSign(entity, cert, key, {}, true, options);
    ASSERT_TRUE(whole.ok());
    for (const std::string* der : {&*streamed, &*whole}) {
      CmsSignature sig = CmsVerifySignature(*der, entity);
      EXPECT_TRUE(sig.verified) << sig.reason;
      EXPECT_EQ(sig.signer, cert);
      EXPECT_FALSE(CmsVerifySignature(*der, entity + "x").verified);
    }
    pki.Write("sig.der", *streamed);
    EXPECT_TRUE(
        pki.Run("openssl cms -verify -binary -noverify -inform DER -in sig.der "
                "-content content.txt -out /dev/null 2>/dev/null"));
    // The signed attributes say the same digest of the same content.
    pki.Write("whole.der", *whole);
    ASSERT_TRUE(
        pki.Run("openssl cms -cmsout -print -inform DER -in sig.der | "
                "grep -A3 messageDigest | grep -v 'set:' > a.txt && "
                "openssl cms -cmsout -print -inform DER -in whole.der | "
                "grep -A3 messageDigest | grep -v 'set:' > b.txt"));
    EXPECT_FALSE(pki.Read("a.txt").empty());
    EXPECT_EQ(pki.Read("a.txt"), pki.Read("b.txt"));
  }
  auto opaque = CmsStreamWriter::Sign(cert, key, {}, false, {});
  ASSERT_TRUE(opaque.ok());
  std::string ber;
  size_t largest = 0;
  for (size_t at = 0; at < entity.size(); at += 100 << 10) {
    std::string made;
    ASSERT_TRUE((*opaque)->Write(entity.substr(at, 100 << 10), &made).ok());
    largest = std::max(largest, made.size());
    ber += made;
  }
  ASSERT_TRUE((*opaque)->Finish(&ber).ok());
  EXPECT_LT(largest, size_t{1} << 20);
  CmsSignature sig = CmsVerifySignature(ber, "");
  ASSERT_TRUE(sig.verified) << sig.reason;
  EXPECT_TRUE(sig.content == entity);
  pki.Write("opaque.ber", ber);
  ASSERT_TRUE(
      pki.Run("openssl cms -verify -binary -noverify -inform DER -in "
              "opaque.ber -out opaque.out 2>/dev/null"));
  EXPECT_TRUE(pki.Read("opaque.out") == entity);
}

// One detached signature made once (CmsSignStream) carried by copies:
// detached, it is given as it is; opaque, the SignedData with the content
// in it verifies (ours and openssl) and gives the content back; the same
// signature in both. A content other than the one signed does not verify;
// what is not a detached SignedData is refused.
TEST_F(AliceSignsTest, ASignatureMadeOnceIsCarriedDetachedOrOpaque) {
  StringSource source(entity, 64 << 10);
  auto der = CmsSignStream(source, cert, key, {});
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto clear = CmsStreamWriter::Signed(*der, /*detached=*/true);
  ASSERT_TRUE(clear.ok());
  std::string made;
  ASSERT_TRUE((*clear)->Write(entity, &made).ok());
  EXPECT_TRUE(made.empty());
  ASSERT_TRUE((*clear)->Finish(&made).ok());
  EXPECT_TRUE(made == *der);
  auto opaque_of = [&](std::string_view content) {
    auto w = CmsStreamWriter::Signed(*der, /*detached=*/false);
    EXPECT_TRUE(w.ok());
    std::string ber;
    if (!w.ok()) return ber;
    for (size_t at = 0; at < content.size(); at += 100 << 10) {
      EXPECT_TRUE((*w)->Write(content.substr(at, 100 << 10), &ber).ok());
    }
    EXPECT_TRUE((*w)->Finish(&ber).ok());
    return ber;
  };
  const std::string ber = opaque_of(entity);
  CmsSignature sig = CmsVerifySignature(ber, "");
  ASSERT_TRUE(sig.verified) << sig.reason;
  EXPECT_TRUE(sig.content == entity);
  EXPECT_EQ(sig.signer, cert);
  pki.Write("once.ber", ber);
  ASSERT_TRUE(
      pki.Run("openssl cms -verify -binary -noverify -inform DER -in "
              "once.ber -out once.out 2>/dev/null"));
  EXPECT_TRUE(pki.Read("once.out") == entity);
  // The signer info is the detached one's, byte for byte.
  StringSource in(ber);
  auto split =
      CmsSignedDataSplit(in, [](std::string_view) { return Status::Ok(); });
  ASSERT_TRUE(split.ok());
  EXPECT_TRUE(CmsVerifySignature(*split, entity).verified);
  EXPECT_FALSE(CmsVerifySignature(opaque_of(entity + "x"), "").verified);
  // Chunks of every length form (short below 128, long of one, two and
  // three bytes) give the same content, which verifies.
  auto w = CmsStreamWriter::Signed(*der, /*detached=*/false);
  ASSERT_TRUE(w.ok());
  std::string mixed;
  const size_t sizes[] = {1, 127, 128, 255, 256, 65535, 65536};
  for (size_t at = 0, i = 0; at < entity.size(); at += sizes[i++ % 7]) {
    ASSERT_TRUE(
        (*w)->Write(std::string_view(entity).substr(at, sizes[i % 7]), &mixed)
            .ok());
  }
  ASSERT_TRUE((*w)->Finish(&mixed).ok());
  CmsSignature mixed_sig = CmsVerifySignature(mixed, "");
  ASSERT_TRUE(mixed_sig.verified) << mixed_sig.reason;
  EXPECT_TRUE(mixed_sig.content == entity);
  EXPECT_EQ(CmsStreamWriter::Signed("junk", false).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CmsStreamWriter::Signed(ber, false).status().code(),
            StatusCode::kInvalidArgument);
}

// A source failing half way: no signature, its error back; bad keys are
// refused before a byte is read.
TEST_F(AliceSignsTest, StreamedSignatureFailsWithItsSource) {
  FailingSource cut(entity, 1 << 20);
  auto der = CmsSignStream(cut, cert, key, {});
  EXPECT_EQ(der.status().code(), StatusCode::kInternal);
  StringSource source(entity);
  EXPECT_EQ(CmsSignStream(source, "junk", key, {}).status().code(),
            StatusCode::kInvalidArgument);
}

// A detached signature checked over content read a slice at a time says
// what the in-memory check says, for openssl's signature and ours, whole
// or changed; a source failing half way is its error, not a verdict.
TEST_F(AliceSignsTest, DetachedStreamVerifiesAsInMemory) {
  ASSERT_TRUE(
      pki.Run("openssl cms -sign -binary -outform DER -in content.txt -signer "
              "alice.pem -inkey alice.key -out ossl.der 2>/dev/null"));
  auto ours = CmsSign(entity, cert, key, {}, true, {});
  ASSERT_TRUE(ours.ok());
  std::string changed = entity;
  changed[changed.size() / 2] ^= 1;
  for (const std::string& der : {pki.Read("ossl.der"), *ours}) {
    for (const std::string* content : {&entity, &std::as_const(changed)}) {
      CmsSignature whole = CmsVerifySignature(der, *content);
      for (size_t slice : {size_t{1000}, size_t{64 << 10}}) {
        StringSource source(*content, slice);
        auto streamed = CmsVerifyDetachedStream(der, source);
        ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
        EXPECT_EQ(streamed->verified, whole.verified);
        EXPECT_EQ(streamed->verified, content == &entity);
        EXPECT_EQ(streamed->reason, whole.reason);
        EXPECT_EQ(streamed->signer, whole.signer);
        EXPECT_EQ(streamed->certificates, whole.certificates);
        EXPECT_TRUE(streamed->content.empty());
      }
    }
  }
  FailingSource cut(entity, 1 << 20);
  EXPECT_EQ(CmsVerifyDetachedStream(*ours, cut).status().code(),
            StatusCode::kInternal);
  StringSource empty(std::string_view(""));
  auto none = CmsVerifyDetachedStream("junk", empty);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->verified);
}

TEST(SmimeCmsTest, NeedsRecipients) {
  EXPECT_FALSE(CmsEncrypt("x", {}).ok());
  EXPECT_FALSE(CmsEncrypt("x", {"not a certificate"}).ok());
}

}  // namespace
}  // namespace sealpost::crypto
