#include "crypto/jws.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "base/encoding.h"

namespace sealpost::crypto {
namespace {

// RFC 7515 Appendix A: every example signs this payload (Figure 7 ff.); its
// base64url form, and the bytes it decodes to.
constexpr std::string_view kPayloadB64 =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ";
constexpr std::string_view kPayload =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n"
    " \"http://example.com/is_root\":true}";

// RFC 7515 A.2: RS256. The public half of the key of A.2.1 (RFC 7517 A.1's
// "2011-04-29"), and the JWS Compact Serialization of A.2.1.
constexpr std::string_view kRsaJwk =
    R"({"kty":"RSA","e":"AQAB",)"
    R"("n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-)"
    R"(Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b326)"
    R"(90r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-)"
    R"(UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyx)"
    R"(XFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"})";
constexpr std::string_view kRs256Header = "eyJhbGciOiJSUzI1NiJ9";  // RS256
constexpr std::string_view kRs256Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4B"
    "h-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZ"
    "LgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_d"
    "O--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6"
    "LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// RFC 7515 A.3: ES256, the public half of the key of A.3.1 and the JWS of
// A.3.1 (ECDSA signatures are randomised: this one verifies, a fresh one
// would differ).
constexpr std::string_view kEcJwk =
    R"({"kty":"EC","crv":"P-256",)"
    R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr std::string_view kEs256Header = "eyJhbGciOiJFUzI1NiJ9";  // ES256
constexpr std::string_view kEs256Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKT"
    "UJqPP3-Kg6NU1Q";

std::string Jws(std::string_view header, std::string_view payload,
                std::string_view signature) {
  return std::string(header) + "." + std::string(payload) + "." +
         std::string(signature);
}

std::string B64(std::string_view text) {
  return Base64UrlEncode(AsBytes(text));
}

std::string ParseError(std::string_view jws) {
  auto parsed = ParseCompactJws(jws);
  return parsed.ok() ? "parsed" : parsed.status().message();
}

// RFC 7515 appendix A.2 (RS256) and A.3 (ES256), with their keys.
TEST(JwsTest, Rfc7515A2Rs256AndA3Es256Verify) {
  struct Case {
    std::string_view header, signature, jwk;
    JwsAlgorithm alg;
    std::string_view key_type;
  };
  for (const Case& c : {Case{kRs256Header, kRs256Signature, kRsaJwk,
                             JwsAlgorithm::kRs256, "RSA"},
                        Case{kEs256Header, kEs256Signature, kEcJwk,
                             JwsAlgorithm::kEs256, "EC"}}) {
    SCOPED_TRACE(c.key_type);
    auto jws = ParseCompactJws(Jws(c.header, kPayloadB64, c.signature));
    ASSERT_TRUE(jws.ok()) << jws.status().ToString();
    EXPECT_EQ(jws->alg, c.alg);
    EXPECT_FALSE(jws->kid.has_value());
    EXPECT_EQ(jws->payload, kPayload);
    auto key = JwsPublicKey::FromJwk(c.jwk);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(key->key_type(), c.key_type);
    EXPECT_TRUE(key->Verify(*jws).ok());
  }
}

TEST(JwsTest, TamperedSignatureOrPayloadIsRefused) {
  struct Case {
    std::string_view header, signature, jwk;
  };
  for (const Case& c : {Case{kRs256Header, kRs256Signature, kRsaJwk},
                        Case{kEs256Header, kEs256Signature, kEcJwk}}) {
    auto key = JwsPublicKey::FromJwk(c.jwk);
    ASSERT_TRUE(key.ok());
    auto good = ParseCompactJws(Jws(c.header, kPayloadB64, c.signature));
    ASSERT_TRUE(good.ok());
    for (size_t i :
         {size_t{0}, good->signature.size() / 2, good->signature.size() - 1}) {
      CompactJws bad = *good;
      bad.signature[i] ^= 0x01;
      Status s = key->Verify(bad);
      EXPECT_FALSE(s.ok()) << c.header << " byte " << i;
      EXPECT_EQ(s.message(), "bad signature");
    }
    CompactJws truncated = *good;
    truncated.signature.pop_back();
    EXPECT_FALSE(key->Verify(truncated).ok()) << c.header;

    // The same signature over other claims ("iss":"eve").
    std::string other =
        B64("{\"iss\":\"eve\",\r\n \"exp\":1300819380,\r\n"
            " \"http://example.com/is_root\":true}");
    auto forged = ParseCompactJws(Jws(c.header, other, c.signature));
    ASSERT_TRUE(forged.ok());
    EXPECT_FALSE(key->Verify(*forged).ok()) << c.header;
  }
}

TEST(JwsTest, AlgNoneAndHmacAreRefused) {
  // RFC 7515 A.5: an Unsecured JWS ("alg":"none", empty signature).
  EXPECT_EQ(ParseError(Jws("eyJhbGciOiJub25lIn0", kPayloadB64, "")),
            "alg not allowed: none");
  // RFC 7515 A.1: HS256, as published.
  EXPECT_EQ(ParseError("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." +
                       std::string(kPayloadB64) +
                       ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "alg not allowed: HS256");
  // HS256 over the RSA key's own JWK as the HMAC secret (the key confusion
  // attack): refused by the header alone, whatever the signature.
  EXPECT_EQ(
      ParseError(Jws(B64(R"({"alg":"HS256"})"), kPayloadB64, kRs256Signature)),
      "alg not allowed: HS256");
  for (std::string_view alg : {"rs256", "RS384", "PS256", "ES512", "EdDSA"}) {
    EXPECT_EQ(ParseError(Jws(B64(R"({"alg":")" + std::string(alg) + R"("})"),
                             kPayloadB64, kRs256Signature)),
              "alg not allowed: " + std::string(alg));
  }
  EXPECT_EQ(ParseError(
                Jws(B64(R"({"alg":"HS256HS256HS256HS256"})"), kPayloadB64, "")),
            "alg not allowed: HS256HS256HS256H");  // 16 characters shown
}

TEST(JwsTest, AlgMustFitTheKeyType) {
  auto rsa = JwsPublicKey::FromJwk(kRsaJwk);
  auto ec = JwsPublicKey::FromJwk(kEcJwk);
  ASSERT_TRUE(rsa.ok());
  ASSERT_TRUE(ec.ok());
  auto es256 = ParseCompactJws(Jws(kEs256Header, kPayloadB64, kEs256Signature));
  auto rs256 = ParseCompactJws(Jws(kRs256Header, kPayloadB64, kRs256Signature));
  ASSERT_TRUE(es256.ok());
  ASSERT_TRUE(rs256.ok());
  EXPECT_EQ(rsa->Verify(*es256).message(), "the alg needs another type of key");
  EXPECT_EQ(ec->Verify(*rs256).message(), "the alg needs another type of key");
}

TEST(JwsTest, MalformedCompactJwsIsRefused) {
  EXPECT_EQ(ParseError(""), "not a compact JWS");
  EXPECT_EQ(
      ParseError(std::string(kRs256Header) + "." + std::string(kPayloadB64)),
      "not a compact JWS");
  // A JWE has five parts.
  EXPECT_EQ(ParseError("a.b.c.d.e"), "not a compact JWS");
  // Padding and the other base64 alphabet are not base64url (RFC 7515 §2).
  EXPECT_EQ(ParseError(Jws(kRs256Header,
                           std::string(kPayloadB64) + "==", kRs256Signature)),
            "bad base64url");
  EXPECT_EQ(ParseError(Jws(kRs256Header, kPayloadB64, "ab+/")),
            "bad base64url");
  EXPECT_EQ(ParseError(Jws(B64("[1]"), kPayloadB64, "")),
            "header is not a JSON object");
  EXPECT_EQ(ParseError(Jws(B64("{\"typ\":\"JWT\"}"), kPayloadB64, "")),
            "header without alg");
  EXPECT_EQ(ParseError(Jws(B64(R"({"alg":"RS256","crit":["exp"]})"),
                           kPayloadB64, kRs256Signature)),
            "crit header present");
}

TEST(JwsTest, KidComesFromTheHeader) {
  auto jws = ParseCompactJws(Jws(B64(R"({"alg":"RS256","kid":"2011-04-29"})"),
                                 kPayloadB64, kRs256Signature));
  ASSERT_TRUE(jws.ok());
  EXPECT_EQ(jws->kid, "2011-04-29");
  // A kid that is not a string is no kid.
  jws = ParseCompactJws(
      Jws(B64(R"({"alg":"RS256","kid":7})"), kPayloadB64, kRs256Signature));
  ASSERT_TRUE(jws.ok());
  EXPECT_FALSE(jws->kid.has_value());
}

TEST(JwsTest, UnfitJwksAreRefused) {
  auto error = [](std::string_view jwk) {
    auto key = JwsPublicKey::FromJwk(jwk);
    return key.ok() ? "accepted" : key.status().message();
  };
  EXPECT_EQ(error("not json"), "JWK is not a JSON object");
  EXPECT_EQ(error(R"({"kty":"oct","k":"c2VjcmV0"})"),
            "JWK kty is neither RSA nor EC");
  EXPECT_EQ(error(R"({"kty":"RSA","e":"AQAB"})"), "RSA JWK without n/e");
  // A 1024-bit modulus (made by python3-cryptography).
  EXPECT_EQ(error(R"({"kty":"RSA","e":"AQAB","n":"wYku0CsaYZxGv8NFMTeD7nUNnZ)"
                  R"(V2pp9AVi4x2rd1soZ_L884L4oNKyWfbZJxq_NQ78zNWu8gBsB3PQ12jmW)"
                  R"(iaghceS2Q454PM0U7ghESXQwmHgBdTxUEFf91wpUkm6uwrVzDCQnlKKbN)"
                  R"(RkGR1fPZB_FJ7tL_3XETXgn5SkhANCk"})"),
            "RSA JWK shorter than 2048 bits");
  EXPECT_EQ(error(R"({"kty":"EC","crv":"P-384",)"
                  R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                  R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})"),
            "EC JWK not on P-256");
  EXPECT_EQ(error(R"({"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"})"),
            "EC JWK without 32-byte x/y");
  // A point that is not on the curve (y changed).
  EXPECT_EQ(error(R"({"kty":"EC","crv":"P-256",)"
                  R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                  R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5b0"})"),
            "unusable EC JWK");
}

}  // namespace
}  // namespace sealpost::crypto
