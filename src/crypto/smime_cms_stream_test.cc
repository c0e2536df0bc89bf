#include "crypto/smime_cms_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "base/string_source.h"
#include "crypto/cms.h"
#include "crypto/digest.h"
#include "crypto/errors.h"
#include "crypto/smime_cms.h"
#include "crypto/smime_cms_internal.h"
#include "crypto/test_pki_for_testing.h"
#include "crypto/x509.h"

namespace sealpost::crypto {
namespace {

using testing::TestPki;

// Bob's and Eve's certificates and keys, from their PKCS#12 files.
struct Keys {
  TestPki pki;
  std::string bob_der, eve_der;
  SecretBytes bob_key, eve_key;
  Keys() {
    pki.MakeLeaf("bob", "bob@partner.example");
    pki.MakeLeaf("eve", "eve@partner.example");
    for (const std::string who : {"bob", "eve"}) {
      pki.MakePkcs12(who, "pw");
      auto f = ReadCertificateFile(pki.Read(who + ".p12"),
                                   SecretBytes::FromStringInsecure("pw"));
      EXPECT_TRUE(f.ok());
      (who == "bob" ? bob_key : eve_key) = std::move(f->private_key);
    }
    bob_der = pki.Read("bob.der");
    eve_der = pki.Read("eve.der");
  }
  std::vector<CmsKeyRef> Bob() const { return {{bob_der, &bob_key}}; }
};

// What CmsDecryptStream gives for `cms` read `slice` bytes at a time.
Result<std::optional<size_t>> Open(std::string_view cms,
                                   std::span<const CmsKeyRef> keys,
                                   size_t slice, std::string* out) {
  StringSource in(cms, slice);
  out->clear();
  return CmsDecryptStream(in, keys, [out](std::string_view b) {
    out->append(b);
    return Status::Ok();
  });
}

std::string Content(size_t n) {
  std::string s = "Content-Type: application/octet-stream\r\n\r\n";
  for (size_t i = 0; s.size() < n; ++i) {
    s.push_back(static_cast<char>((i * 131) ^ (i >> 9)));
  }
  return s;
}

// The BER of CmsEncryptStream for `content`.
std::string StreamEncrypt(std::string_view content, const std::string& der,
                          CmsCipher cipher = CmsCipher::kAes256Cbc) {
  StringSource rest(content, 10000);
  std::string ber;
  EXPECT_TRUE(
      CmsEncryptStream({}, rest, {der}, cipher, [&ber](std::string_view b) {
        ber.append(b);
        return Status::Ok();
      }).ok());
  return ber;
}

// A DER element at `pos`: where its content starts and how long it is.
std::pair<size_t, size_t> Element(std::string_view der, size_t pos) {
  auto first = static_cast<uint8_t>(der[pos + 1]);
  if (first < 0x80) return {pos + 2, first};
  size_t n = first & 0x7f, len = 0;
  for (size_t i = 0; i < n; ++i) {
    len = (len << 8) | static_cast<uint8_t>(der[pos + 2 + i]);
  }
  return {pos + 2 + n, len};
}

// Where the parts of the DER ContentInfo `der` ((Auth)EnvelopedData, no
// originatorInfo) are: each a position in `der`, what ToNestedBer,
// Detached and WithTail rebuild around.
struct EnvelopedAt {
  size_t ci = 0;  // the ContentInfo's fields: contentType first
  size_t x0 = 0;  // its content, [0] EXPLICIT
  size_t ed_in = 0, ed_in_len = 0;  // the EnvelopedData's fields
  size_t eci = 0;                   // its EncryptedContentInfo
  size_t eci_in = 0, eci_len = 0;   // whose fields are these
  size_t content = 0;  // encryptedContent [0], after contentEncryptionAlg
};

EnvelopedAt Walk(std::string_view der) {
  EnvelopedAt e;
  e.ci = Element(der, 0).first;
  auto [oid_at, oid_len] = Element(der, e.ci);
  e.x0 = oid_at + oid_len;
  const size_t ed = Element(der, e.x0).first;
  std::tie(e.ed_in, e.ed_in_len) = Element(der, ed);
  auto [v_at, v_len] = Element(der, e.ed_in);
  auto [ri_at, ri_len] = Element(der, v_at + v_len);
  e.eci = ri_at + ri_len;
  std::tie(e.eci_in, e.eci_len) = Element(der, e.eci);
  auto [t_at, t_len] = Element(der, e.eci_in);
  auto [a_at, a_len] = Element(der, t_at + t_len);
  e.content = a_at + a_len;
  return e;
}

// The DER ContentInfo `der` (EnvelopedData, no originatorInfo nor
// unprotectedAttrs) again in BER: every construction indefinite, the
// ciphertext in chunks of `chunk` bytes, every other one nested in a
// second and third indefinite OCTET STRING.
std::string ToNestedBer(std::string_view der, size_t chunk) {
  const EnvelopedAt e = Walk(der);
  auto [c_at, c_len] = Element(der, e.content);
  const std::string eoc(2, '\0');
  std::string ber =
      "\x30\x80" + std::string(der.substr(e.ci, e.x0 - e.ci)) +
      "\xa0\x80\x30\x80" + std::string(der.substr(e.ed_in, e.eci - e.ed_in)) +
      "\x30\x80" + std::string(der.substr(e.eci_in, e.content - e.eci_in)) +
      "\xa0\x80";
  for (size_t at = 0, i = 0; at < c_len; at += chunk, ++i) {
    size_t n = std::min(chunk, c_len - at);
    std::string octets = "\x04" + std::string(1, static_cast<char>(n)) +
                         std::string(der.substr(c_at + at, n));
    ber += i % 2 == 0 ? octets : "\x24\x80\x24\x80" + octets + eoc + eoc;
  }
  return ber + eoc + eoc + eoc + eoc + eoc;
}

TEST(SmimeCmsStreamTest, OpensDerAndBerAtEverySlice) {
  Keys k;
  const std::string content = Content(70000);
  k.pki.Write("in.bin", content);
  ASSERT_TRUE(k.pki.Run(
      "openssl cms -encrypt -binary -aes256 -in in.bin -outform DER "
      "-out der.p7m bob.pem && "
      "openssl cms -encrypt -binary -aes128 -stream -in in.bin -outform DER "
      "-out ber.p7m bob.pem"));
  auto ours = CmsEncrypt(content, {k.bob_der});
  ASSERT_TRUE(ours.ok());
  const std::string ber = k.pki.Read("ber.p7m");
  ASSERT_EQ(ber.substr(0, 2), std::string("\x30\x80"));  // really BER
  const std::string inputs[] = {k.pki.Read("der.p7m"), ber,
                                StreamEncrypt(content, k.bob_der), *ours,
                                ToNestedBer(*ours, 100)};
  for (const auto& cms : inputs) {
    for (size_t slice : {size_t{1}, size_t{3}, size_t{16}, size_t{4097},
                         StringSource::kWhole}) {
      if (slice == 1 && cms.size() > 80000) continue;  // slow, not different
      std::string got;
      auto r = Open(cms, k.Bob(), slice, &got);
      ASSERT_TRUE(r.ok()) << r.status().ToString() << " slice " << slice;
      ASSERT_TRUE(r->has_value());
      EXPECT_EQ(**r, 0u);
      EXPECT_EQ(got, content) << "slice " << slice;
    }
  }
}

TEST(SmimeCmsStreamTest, EveryTruncationFails) {
  Keys k;
  const std::string content = Content(300);
  auto der = CmsEncrypt(content, {k.bob_der});
  ASSERT_TRUE(der.ok());
  for (const auto& cms :
       {*der, StreamEncrypt(content, k.bob_der), ToNestedBer(*der, 40)}) {
    for (size_t n = 0; n < cms.size(); ++n) {
      std::string got;
      auto r = Open(cms.substr(0, n), k.Bob(), 7, &got);
      ASSERT_FALSE(r.ok()) << "prefix " << n << " of " << cms.size();
      EXPECT_TRUE(IsDecryptionFailed(r.status())) << r.status().ToString();
    }
    // Anything after the end is refused too.
    std::string got;
    EXPECT_FALSE(Open(cms + "x", k.Bob(), 7, &got).ok());
    EXPECT_TRUE(Open(cms, k.Bob(), 7, &got).ok());
  }
}

TEST(SmimeCmsStreamTest, TamperedPaddingFails) {
  Keys k;
  auto der = CmsEncrypt(Content(1000), {k.bob_der});
  ASSERT_TRUE(der.ok());
  // The last byte of the next-to-last block: the padding length the last
  // block decrypts to gets its top bit set, never valid.
  std::string bad = *der;
  bad[bad.size() - 17] ^= 0x80;
  std::string got;
  auto r = Open(bad, k.Bob(), 100, &got);
  EXPECT_TRUE(IsDecryptionFailed(r.status())) << r.status().ToString();
}

TEST(SmimeCmsStreamTest, AnotherKeyOpensNothing) {
  Keys k;
  auto der = CmsEncrypt(Content(5000), {k.bob_der});
  ASSERT_TRUE(der.ok());
  std::string got;
  const std::vector<CmsKeyRef> eve = {{k.eve_der, &k.eve_key}};
  auto r = Open(*der, eve, 100, &got);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->has_value());
  EXPECT_TRUE(got.empty());
  // Eve's certificate with Bob's key is no recipient either.
  const std::vector<CmsKeyRef> mixed = {{k.eve_der, &k.bob_key}};
  r = Open(*der, mixed, 100, &got);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_TRUE(got.empty());
  // The first key that is a recipient is used, and said.
  const std::vector<CmsKeyRef> both = {{k.eve_der, &k.eve_key},
                                       {k.bob_der, &k.bob_key}};
  r = Open(*der, both, 100, &got);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value_or(9), 1u);
  EXPECT_EQ(got, Content(5000));
  // A wrapped key is asked for only when its certificate is a recipient,
  // and an error unwrapping it is returned when no other key opens.
  int asked_eve = 0, asked_bob = 0;
  const std::vector<CmsKeyRef> lazy = {
      {k.eve_der, nullptr,
       [&]() -> Result<SecretBytes> {
         ++asked_eve;
         return InternalError("eve's key");
       }},
      {k.bob_der, nullptr, [&]() -> Result<SecretBytes> {
         ++asked_bob;
         return k.bob_key;
       }}};
  got.clear();
  r = Open(*der, lazy, 100, &got);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->value_or(9), 1u);
  EXPECT_EQ(got, Content(5000));
  EXPECT_EQ(asked_eve, 0);
  EXPECT_EQ(asked_bob, 1);
  const std::vector<CmsKeyRef> failing = {
      {k.bob_der, nullptr,
       []() -> Result<SecretBytes> { return InternalError("no master key"); }}};
  got.clear();
  r = Open(*der, failing, 100, &got);
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_TRUE(got.empty());
}

// DerHeader, which Wrap and CmsStreamWriter::Signed's OCTET STRINGs share:
// the short form below 128, else the long form's fewest octets.
TEST(SmimeCmsStreamTest, DerHeaderEncodesEveryLengthForm) {
  using cms_internal::DerHeader;
  EXPECT_EQ(DerHeader(0x04, 0), std::string("\x04\x00", 2));
  EXPECT_EQ(DerHeader(0x30, 127), "\x30\x7f");
  EXPECT_EQ(DerHeader(0x04, 128), "\x04\x81\x80");
  EXPECT_EQ(DerHeader(0x04, 255), "\x04\x81\xff");
  EXPECT_EQ(DerHeader(0xa0, 256), std::string("\xa0\x82\x01\x00", 4));
  EXPECT_EQ(DerHeader(0x04, 65535), "\x04\x82\xff\xff");
  EXPECT_EQ(DerHeader(0x04, 65536), std::string("\x04\x83\x01\x00\x00", 5));
  EXPECT_EQ(DerHeader(0x04, 0x1234567), "\x04\x84\x01\x23\x45\x67");
}

// The in-memory CmsDecrypt over keys chooses by the same rule as the
// stream: only a named certificate's key is unwrapped, one that does not
// unwrap is passed over and its error answered only when no other opens.
// Held whole, it also passes over a named key that does not open (a GCM
// tag that fails), which the stream, already writing, cannot.
TEST(SmimeCmsStreamTest, WholeAndStreamedChooseTheSameKey) {
  Keys k;
  auto der =
      CmsEncrypt(Content(5000), {k.eve_der, k.bob_der}, CmsCipher::kAes256Gcm);
  auto bob_only = CmsEncrypt(Content(5000), {k.bob_der});
  ASSERT_TRUE(der.ok() && bob_only.ok());
  int asked = 0;
  auto fails = [&]() -> Result<SecretBytes> {
    ++asked;
    return InternalError("no master key");
  };
  auto bob = [&]() -> Result<SecretBytes> {
    ++asked;
    return k.bob_key;
  };
  struct Case {
    std::string_view cms;
    std::vector<CmsKeyRef> keys;
    StatusCode code;
    std::optional<size_t> which;
    int asked;
  };
  const std::vector<Case> cases = {
      {*der,
       {{k.eve_der, nullptr, fails}, {k.bob_der, nullptr, bob}},
       StatusCode::kOk,
       1,
       2},
      {*bob_only,
       {{k.eve_der, nullptr, fails}, {k.bob_der, nullptr, bob}},
       StatusCode::kOk,
       1,
       1},
      {*bob_only,
       {{k.eve_der, nullptr, fails}},
       StatusCode::kOk,
       std::nullopt,
       0},
      {*der,
       {{k.eve_der, nullptr, fails}},
       StatusCode::kInternal,
       std::nullopt,
       1},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    for (bool whole : {true, false}) {
      asked = 0;
      std::string got;
      auto r = whole ? CmsDecrypt(c.cms, c.keys, &got)
                     : Open(c.cms, c.keys, 100, &got);
      ASSERT_EQ(r.status().code(), c.code) << i << whole;
      EXPECT_EQ(asked, c.asked) << i << whole;
      if (!r.ok()) continue;
      EXPECT_EQ(*r, c.which) << i << whole;
      EXPECT_EQ(got, c.which ? Content(5000) : "") << i << whole;
    }
  }
  // Eve's certificate with Bob's key first: not its certificate's key
  // (X509_check_private_key), passed over by both as a key that does not
  // unwrap, never given to OpenSSL (it would open with a random content
  // key, CBC's padding passing about 1 in 255: garbage as content); the
  // next key opens. Alone: INTERNAL (the row on file is damaged).
  const std::vector<CmsKeyRef> wrong_first = {{k.eve_der, &k.bob_key},
                                              {k.bob_der, &k.bob_key}};
  auto cbc = CmsEncrypt(Content(5000), {k.eve_der, k.bob_der});
  ASSERT_TRUE(cbc.ok());
  std::string got;
  for (const std::string* cms : {&*der, &*cbc}) {
    for (bool whole : {true, false}) {
      SCOPED_TRACE(whole);
      got.clear();
      auto r = whole ? CmsDecrypt(*cms, wrong_first, &got)
                     : Open(*cms, wrong_first, 100, &got);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(*r, std::optional<size_t>(1));
      EXPECT_EQ(got, Content(5000));
      got.clear();
      r = whole ? CmsDecrypt(*cms, std::span(wrong_first).first(1), &got)
                : Open(*cms, std::span(wrong_first).first(1), 100, &got);
      EXPECT_EQ(r.status().code(), StatusCode::kInternal);
      // Naming the certificate (its id) and what to do about it.
      const std::string m(r.status().message());
      EXPECT_NE(m.find("certificate " + Sha256Hex(k.eve_der)),
                std::string::npos)
          << m;
      EXPECT_NE(m.find("sealpost cert import"), std::string::npos) << m;
      EXPECT_EQ(got, "");
    }
  }
  // What does not parse is sent to none of them, whole (streamed, it is
  // malformed: AnotherKeyOpensNothing, GarbageIsRefused).
  asked = 0;
  const std::vector<CmsKeyRef> lazy_bob = {{k.bob_der, nullptr, bob}};
  auto r = CmsDecrypt("junk", lazy_bob, &got);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(asked, 0);
}

// AuthEnvelopedData (AES-GCM): opened as read, the tag after the content
// checked before OK; any changed byte of the ciphertext or the tag, and
// every truncation, fails.
TEST(SmimeCmsStreamTest, AuthEnvelopedOpensOnlyWhenItsTagVerifies) {
  Keys k;
  const std::string content = Content(40000);
  k.pki.Write("in.bin", content);
  ASSERT_TRUE(
      k.pki.Run("openssl cms -encrypt -binary -aes-256-gcm -stream -in in.bin "
                "-outform DER -out gcm.p7m bob.pem"));
  auto ours = CmsEncrypt(content, {k.bob_der}, CmsCipher::kAes256Gcm);
  ASSERT_TRUE(ours.ok());
  const std::string openssl = k.pki.Read("gcm.p7m");
  ASSERT_FALSE(openssl.empty());
  const std::string inputs[] = {
      openssl, *ours, StreamEncrypt(content, k.bob_der, CmsCipher::kAes256Gcm)};
  for (const auto& cms : inputs) {
    std::string got;
    for (size_t slice : {size_t{5}, size_t{4097}, StringSource::kWhole}) {
      auto r = Open(cms, k.Bob(), slice, &got);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(got, content);
    }
  }
  // Our DER: the mac is its last 16 bytes, the ciphertext before it (after
  // its OCTET STRING header).
  const std::string& der = *ours;
  for (size_t at :
       {der.size() - 1, der.size() - 16, der.size() - 20, der.size() - 30000}) {
    std::string bad = der;
    bad[at] ^= 0x01;
    std::string got;
    auto r = Open(bad, k.Bob(), 1000, &got);
    EXPECT_TRUE(IsDecryptionFailed(r.status())) << "byte " << at;
  }
  const std::string small =
      *CmsEncrypt(Content(100), {k.bob_der}, CmsCipher::kAes256Gcm);
  for (size_t n = 0; n < small.size(); ++n) {
    std::string got;
    auto r = Open(small.substr(0, n), k.Bob(), 7, &got);
    ASSERT_TRUE(IsDecryptionFailed(r.status())) << "prefix " << n;
  }
  const std::vector<CmsKeyRef> eve = {{k.eve_der, &k.eve_key}};
  std::string got;
  auto r = Open(der, eve, 100, &got);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_TRUE(got.empty());
}

TEST(SmimeCmsStreamTest, GarbageIsRefused) {
  Keys k;
  const std::string eoc(2, '\0');
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "\x30\x80";
  std::string deep_octets = "\x30\x80";
  const std::string inputs[] = {
      "",
      "junk",
      std::string("\x30", 1),
      std::string("\x30\x80", 2),
      std::string("\x30\x80\x00\x00", 4),
      std::string("\x30\x88\xff\xff\xff\xff\xff\xff\xff\xff", 10),
      std::string("\x30\x87\x7f\xff\xff\xff\xff\xff\xff", 9),
      std::string("\x3f\x80\x00\x00", 4),
      std::string("\x30\x03\x06\x80\x00", 5),  // indefinite primitive
      deep,
      // id-data, not enveloped.
      std::string("\x30\x0f\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"
                  "\xa0\x02\x04\x00",
                  17),
      // EnvelopedData that says more than it holds.
      std::string("\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03"
                  "\xa0\x80\x30\x84\x7f\xff\xff\xff\x02\x01\x00",
                  23),
  };
  for (const auto& in : inputs) {
    std::string got;
    auto r = Open(in, k.Bob(), 5, &got);
    EXPECT_TRUE(IsDecryptionFailed(r.status()))
        << r.status().ToString() << " for " << in.size() << " bytes";
    EXPECT_TRUE(got.empty());
  }
  // A header nested deeper than allowed, inside the recipient infos.
  auto der = CmsEncrypt(Content(100), {k.bob_der});
  ASSERT_TRUE(der.ok());
  std::string nested = ToNestedBer(*der, 16);
  size_t ri = nested.find('\x31');
  ASSERT_NE(ri, std::string::npos);
  std::string bomb = nested.substr(0, ri) + "\x31\x80";
  for (int i = 0; i < 40; ++i) bomb += "\x30\x80";
  std::string got;
  auto r = Open(bomb + std::string(82, '\0'), k.Bob(), 5, &got);
  EXPECT_TRUE(IsDecryptionFailed(r.status())) << r.status().ToString();
}

// A DER ContentInfo whose (Auth)EnvelopedData has `tail` appended after
// its last field (unprotectedAttrs [1], unauthAttrs [2]).
std::string WithTail(const std::string& der, const std::string& tail) {
  const EnvelopedAt e = Walk(der);
  std::string fields = der.substr(e.ed_in, e.ed_in_len) + tail;
  std::string inner = cms_internal::DerHeader(0x30, fields.size()) + fields;
  inner = cms_internal::DerHeader(0xa0, inner.size()) + inner;
  inner = der.substr(e.ci, e.x0 - e.ci) + inner;
  return cms_internal::DerHeader(0x30, inner.size()) + inner;
}

// The gateway's check of a large message that claims S/MIME encryption:
// the streamed IsCmsEnvelopedData agrees with the whole one on DER and
// BER, CBC and GCM, at every slice size; every cut, a byte after the end,
// garbage and another content type are not EnvelopedData; an error of
// the input is an error, not a verdict. unprotectedAttrs [1] and
// unauthAttrs [2] are what OpenSSL reads them as (SET OF Attribute): a
// valid attribute is EnvelopedData, an INTEGER there is not, either way.
// Where they differ, the streamed check is the stricter (the message is
// protected rather than delivered as it came): an AuthEnvelopedData with
// authAttrs, or a mac outside 12 to 16 bytes, is not EnvelopedData
// streamed (it cannot be decrypted streamed either) but is in memory.
TEST(SmimeCmsStreamTest, IsEnvelopedDataStreamAgreesWithTheWholeCheck) {
  Keys k;
  auto whole = [](const std::string& in, size_t slice) {
    StringSource source(in, slice);
    Result<bool> got = IsCmsEnvelopedDataStream(source);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got.ok() && *got, IsCmsEnvelopedData(in)) << in.size();
    return got.ok() && *got;
  };
  const std::string content = Content(70000);
  auto cbc = CmsEncrypt(content, {k.bob_der});
  auto gcm = CmsEncrypt(content, {k.bob_der}, CmsCipher::kAes256Gcm);
  auto small = CmsEncrypt(Content(5000), {k.bob_der});
  ASSERT_TRUE(cbc.ok() && gcm.ok() && small.ok());
  const std::string goods[] = {
      *cbc, *gcm, StreamEncrypt(content, k.bob_der),
      StreamEncrypt(content, k.bob_der, CmsCipher::kAes256Gcm),
      ToNestedBer(*small, 100)};
  for (const std::string& good : goods) {
    SCOPED_TRACE(&good - goods);
    for (size_t slice : {size_t{1}, size_t{5}, size_t{4099}}) {
      EXPECT_TRUE(whole(good, slice)) << slice;
    }
    for (size_t cut :
         {size_t{0}, size_t{1}, size_t{40}, good.size() / 2, good.size() - 1}) {
      EXPECT_FALSE(whole(good.substr(0, cut), 4099)) << cut;
    }
    EXPECT_FALSE(whole(good + "x", 4099));
  }
  // An attribute (1.2.3.4, one UTF8String "x") and an INTEGER.
  const std::string attribute(
      "\x30\x0a\x06\x03\x2a\x03\x04\x31\x03\x0c\x01\x78", 12);
  const std::string integer("\x02\x01\x05", 3);
  // An AuthEnvelopedData's unauthAttrs: OpenSSL refuses this attribute
  // there (its template does not read them as SET OF Attribute); the
  // streamed check, parsing them with OpenSSL, agrees.
  for (const auto& [cms, tag, valid] :
       {std::tuple{*cbc, '\xa1', true}, std::tuple{*gcm, '\xa2', false}}) {
    SCOPED_TRACE(static_cast<int>(static_cast<uint8_t>(tag)));
    for (size_t slice : {size_t{1}, size_t{4099}}) {
      EXPECT_EQ(
          whole(WithTail(cms, tag + std::string("\x0c") + attribute), slice),
          valid);
      EXPECT_FALSE(
          whole(WithTail(cms, tag + std::string("\x03") + integer), slice));
      EXPECT_FALSE(
          whole(WithTail(cms, tag + std::string("\x0f") + attribute + integer),
                slice));
      whole(WithTail(cms, tag + std::string("\x00", 1)), slice);  // agree
    }
  }
  // A [1] after the mac: refused by both.
  EXPECT_FALSE(whole(WithTail(*gcm, "\xa1\x0c" + attribute), 4099));
  auto signed_data = CmsSign(content, k.bob_der, k.bob_key, {}, false);
  ASSERT_TRUE(signed_data.ok()) << signed_data.status().ToString();
  EXPECT_FALSE(whole(*signed_data, 4099));
  EXPECT_FALSE(whole("junk", 1));
  EXPECT_FALSE(whole(std::string("\x30\x80\x00\x00", 4), 1));
  struct Failing final : ByteSource {
    Status Restart() override { return Status::Ok(); }
    Result<size_t> Read(size_t, std::string*) override {
      return InternalError("spool: cut");
    }
  } failing;
  Result<bool> r = IsCmsEnvelopedDataStream(failing);
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

// The DER ContentInfo `der` ((Auth)EnvelopedData, no originatorInfo)
// without its encryptedContent: detached.
std::string Detached(std::string_view der) {
  const EnvelopedAt e = Walk(der);
  const size_t after = e.eci_in + e.eci_len;
  std::string fields =
      std::string(der.substr(e.ed_in, e.eci - e.ed_in)) +
      cms_internal::DerHeader(0x30, e.content - e.eci_in) +
      std::string(der.substr(e.eci_in, e.content - e.eci_in)) +
      std::string(der.substr(after, e.ed_in + e.ed_in_len - after));
  std::string inner = cms_internal::DerHeader(0x30, fields.size()) + fields;
  inner = cms_internal::DerHeader(0xa0, inner.size()) + inner;
  inner = std::string(der.substr(e.ci, e.x0 - e.ci)) + inner;
  return cms_internal::DerHeader(0x30, inner.size()) + inner;
}

// Without its encryptedContent (detached), an EnvelopedData is one for
// the gateway's check, but there is nothing to decrypt: refused, nothing
// written. (PassContent refuses it first; with no ciphertext the cipher's
// last step would refuse it too, so this pins the outcome, not which of
// the two checks gives it.)
TEST(SmimeCmsStreamTest, DetachedIsEnvelopedDataButDoesNotOpen) {
  Keys k;
  auto cbc = CmsEncrypt(Content(5000), {k.bob_der});
  auto gcm = CmsEncrypt(Content(5000), {k.bob_der}, CmsCipher::kAes256Gcm);
  ASSERT_TRUE(cbc.ok() && gcm.ok());
  for (const std::string& whole : {*cbc, *gcm}) {
    const std::string detached = Detached(whole);
    ASSERT_LT(detached.size(), whole.size());
    for (size_t slice : {size_t{1}, size_t{4099}}) {
      StringSource source(detached, slice);
      Result<bool> is = IsCmsEnvelopedDataStream(source);
      ASSERT_TRUE(is.ok()) << is.status().ToString();
      EXPECT_TRUE(*is) << slice;
      std::string got;
      auto r = Open(detached, k.Bob(), slice, &got);
      EXPECT_TRUE(IsDecryptionFailed(r.status())) << r.status().ToString();
      EXPECT_TRUE(got.empty());
    }
  }
}

}  // namespace
}  // namespace sealpost::crypto

namespace sealpost::crypto {
namespace {

// What CmsSignedDataSplit gives for `cms` read `slice` bytes at a time.
Result<std::string> Split(std::string_view cms, size_t slice,
                          std::string* content) {
  StringSource in(cms, slice);
  content->clear();
  return CmsSignedDataSplit(in, [content](std::string_view b) {
    content->append(b);
    return Status::Ok();
  });
}

// An opaque SignedData, DER (ours, openssl's) or BER (ours streamed,
// openssl -stream), split at every slice size: its content byte for byte,
// and the detached rest verifies over it as the whole one does; every
// truncation, and anything but a SignedData, fails.
TEST(SmimeCmsSignedSplitTest, SplitsDerAndBerAndVerifiesAsWhole) {
  Keys k;
  const std::string content = Content(70000);
  k.pki.Write("in.bin", content);
  ASSERT_TRUE(k.pki.Run(
      "openssl cms -sign -binary -nodetach -in in.bin -outform DER -signer "
      "bob.pem -inkey bob.key -out der.p7s && "
      "openssl cms -sign -binary -nodetach -stream -in in.bin -outform DER "
      "-signer bob.pem -inkey bob.key -out ber.p7s"));
  auto ours = CmsSign(content, k.bob_der, k.bob_key, {}, /*detached=*/false);
  ASSERT_TRUE(ours.ok());
  auto writer = CmsStreamWriter::Sign(k.bob_der, k.bob_key, {}, false, {});
  ASSERT_TRUE(writer.ok());
  std::string streamed;
  for (size_t at = 0; at < content.size(); at += 9000) {
    ASSERT_TRUE((*writer)->Write(content.substr(at, 9000), &streamed).ok());
  }
  ASSERT_TRUE((*writer)->Finish(&streamed).ok());
  const std::string ber = k.pki.Read("ber.p7s");
  ASSERT_EQ(ber.substr(0, 2), std::string("\x30\x80"));  // really BER
  const std::string inputs[] = {k.pki.Read("der.p7s"), ber, *ours, streamed};
  for (const auto& cms : inputs) {
    CmsSignature whole = CmsVerifySignature(cms, "");
    ASSERT_TRUE(whole.verified) << whole.reason;
    for (size_t slice : {size_t{3}, size_t{4097}, StringSource::kWhole}) {
      std::string got;
      auto der = Split(cms, slice, &got);
      ASSERT_TRUE(der.ok()) << der.status().ToString() << " slice " << slice;
      EXPECT_TRUE(got == content) << "slice " << slice;
      EXPECT_LT(der->size(), size_t{8000});
      StringSource again(got, 5000);
      auto sig = CmsVerifyDetachedStream(*der, again);
      ASSERT_TRUE(sig.ok());
      EXPECT_TRUE(sig->verified) << sig->reason;
      EXPECT_EQ(sig->signer, whole.signer);
      std::string changed = got;
      changed[changed.size() / 2] ^= 1;
      StringSource bad(changed, 5000);
      sig = CmsVerifyDetachedStream(*der, bad);
      ASSERT_TRUE(sig.ok());
      EXPECT_FALSE(sig->verified);
      EXPECT_EQ(sig->reason, [&] {
        std::string opaque = cms;
        opaque[opaque.find(content.substr(35000, 64)) + 64 +
               (changed.size() / 2 - 35064)] ^= 1;
        return CmsVerifySignature(opaque, "").reason;
      }());
    }
    for (size_t cut = 1; cut < cms.size(); cut += cut < 200 ? 7 : 3001) {
      std::string got;
      auto der = Split(cms.substr(0, cut), 4097, &got);
      EXPECT_TRUE(!der.ok() && IsDecryptionFailed(der.status())) << cut;
    }
    std::string got;
    auto trailing = Split(cms + "x", 4097, &got);
    EXPECT_TRUE(!trailing.ok() && IsDecryptionFailed(trailing.status()));
  }
  // An EnvelopedData is not a SignedData.
  std::string got;
  auto enveloped = CmsEncrypt(content, {k.bob_der});
  ASSERT_TRUE(enveloped.ok());
  EXPECT_FALSE(Split(*enveloped, 4097, &got).ok());
}

}  // namespace
}  // namespace sealpost::crypto
