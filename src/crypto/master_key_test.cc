#include "crypto/master_key.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/errors.h"
#include "crypto/format_vectors_for_testing.h"

namespace sealpost::crypto {
namespace {

TEST(MasterKeyTest, AcceptsRawHexAndBase64) {
  std::string raw(32, '\x5a');
  auto from_raw = MasterKey::FromFileContents(raw);
  ASSERT_TRUE(from_raw.ok());
  auto from_hex = MasterKey::FromEncoded(HexEncode(AsBytes(raw)) + "\n");
  ASSERT_TRUE(from_hex.ok());
  auto from_b64 =
      MasterKey::FromFileContents("  " + Base64Encode(AsBytes(raw)) + "\r\n");
  ASSERT_TRUE(from_b64.ok());
  auto from_b64url = MasterKey::FromEncoded(Base64UrlEncode(AsBytes(raw)));
  ASSERT_TRUE(from_b64url.ok());
  EXPECT_EQ(from_raw->fingerprint(), from_hex->fingerprint());
  EXPECT_EQ(from_raw->fingerprint(), from_b64->fingerprint());
  EXPECT_EQ(from_raw->fingerprint(), from_b64url->fingerprint());
  // Wrapped by one form, unwrapped by another.
  std::string w = *from_hex->Wrap(SecretBytes::FromStringInsecure("k"), "ad");
  EXPECT_EQ(from_b64->Unwrap(w, "ad")->InsecureStringView(), "k");
}

TEST(MasterKeyTest, RejectsWrongSizesWithoutEchoingTheValue) {
  for (std::string bad :
       {std::string(""), std::string(31, 'a'), std::string("00112233"),
        std::string("!!not-key!!"), HexEncode(AsBytes(std::string(33, 'a')))}) {
    auto r = MasterKey::FromEncoded(bad);
    ASSERT_FALSE(r.ok());
    if (!bad.empty()) {
      EXPECT_EQ(r.status().message().find(bad), std::string::npos);
    }
  }
}

TEST(MasterKeyTest, EncodeRoundTrip) {
  MasterKey k = MasterKey::Generate();
  auto back = MasterKey::FromEncoded(k.EncodeInsecure());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->fingerprint(), k.fingerprint());
}

TEST(MasterKeyTest, FingerprintMatchesPython) {
  auto v = testing::LoadFormatVectors();
  ASSERT_FALSE(v.empty());
  auto k = MasterKey::FromFileContents(v["master_key"]);
  ASSERT_TRUE(k.ok());
  auto fp = v["master_fingerprint"];
  uint32_t want = (uint32_t{static_cast<uint8_t>(fp[0])} << 24) |
                  (uint32_t{static_cast<uint8_t>(fp[1])} << 16) |
                  (uint32_t{static_cast<uint8_t>(fp[2])} << 8) |
                  uint32_t{static_cast<uint8_t>(fp[3])};
  EXPECT_EQ(k->fingerprint(), want);
}

TEST(MasterKeyTest, WrongMasterKeyOrAdIsGenericError) {
  MasterKey a = MasterKey::Generate(), b = MasterKey::Generate();
  std::string w = *a.Wrap(SecretBytes::FromStringInsecure("secret"), "v1");
  EXPECT_EQ(b.Unwrap(w, "v1").status(), DecryptionFailedError());
  EXPECT_EQ(a.Unwrap(w, "v2").status(), DecryptionFailedError());
}

}  // namespace
}  // namespace sealpost::crypto
