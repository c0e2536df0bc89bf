#include "crypto/hkdf.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "base/encoding.h"

namespace sealpost::crypto {
namespace {

std::string Hex(const SecretBytes& b) { return HexEncode(b.InsecureBytes()); }

// RFC 5869 Appendix A.1.
TEST(HkdfTest, Rfc5869Case1) {
  std::string ikm = *HexDecode("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  std::string salt = *HexDecode("000102030405060708090a0b0c");
  std::string info = *HexDecode("f0f1f2f3f4f5f6f7f8f9");
  auto okm = HkdfSha256(AsBytes(ikm), AsBytes(salt), AsBytes(info), 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(Hex(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865");
}

// RFC 5869 Appendix A.3: empty salt and info.
TEST(HkdfTest, Rfc5869Case3) {
  std::string ikm = *HexDecode("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  auto okm = HkdfSha256(AsBytes(ikm), {}, {}, 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(Hex(*okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
}

// RFC 5869 Appendix A.2: inputs longer than SHA-256's block (the salt, an
// HMAC key, is hashed first) and an output of three blocks.
TEST(HkdfTest, Rfc5869Case2) {
  std::string ikm, salt, info;
  for (int i = 0; i < 80; ++i) {
    ikm.push_back(static_cast<char>(i));
    salt.push_back(static_cast<char>(0x60 + i));
    info.push_back(static_cast<char>(0xb0 + i));
  }
  auto okm = HkdfSha256(AsBytes(ikm), AsBytes(salt), AsBytes(info), 82);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(Hex(*okm),
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
            "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
            "cc30c58179ec3e87c14c01d5c1f3434f1d87");
}

// OpenSSL's own HKDF (EVP_KDF, what this used to call) on random inputs of
// every shape: empty and long salts and infos, lengths across blocks.
std::string OpensslHkdf(const std::string& ikm, const std::string& salt,
                        const std::string& info, size_t length) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] =
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()), ikm.size());
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size());
  }
  if (!info.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  std::string out(length, '\0');
  int rc = EVP_KDF_derive(ctx, reinterpret_cast<unsigned char*>(out.data()),
                          length, params);
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  return rc == 1 ? out : "";
}

TEST(HkdfTest, MatchesOpensslKdf) {
  auto random = [](size_t n) {
    std::string s(n, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(n));
    return s;
  };
  for (size_t round = 0; round < 300; ++round) {
    std::string ikm = random(1 + round % 97);
    std::string salt = random(round % 3 == 0 ? 0 : round % 150);
    std::string info = random(round % 5 == 0 ? 0 : round % 70);
    size_t length = 1 + (round * 7) % 200;
    auto okm = HkdfSha256(AsBytes(ikm), AsBytes(salt), AsBytes(info), length);
    ASSERT_TRUE(okm.ok());
    std::string want = OpensslHkdf(ikm, salt, info, length);
    ASSERT_EQ(want.size(), length);
    EXPECT_EQ(Hex(*okm), HexEncode(AsBytes(want))) << "round " << round;
  }
}

TEST(HkdfTest, RejectsBadLengths) {
  std::string ikm(32, 'k');
  EXPECT_FALSE(HkdfSha256(AsBytes(ikm), {}, {}, 0).ok());
  EXPECT_FALSE(HkdfSha256(AsBytes(ikm), {}, {}, 255 * 32 + 1).ok());
  EXPECT_TRUE(HkdfSha256(AsBytes(ikm), {}, {}, 255 * 32).ok());
}

}  // namespace
}  // namespace sealpost::crypto
