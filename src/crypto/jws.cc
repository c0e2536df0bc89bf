#include "crypto/jws.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <boost/json.hpp>
#include <exception>
#include <utility>

#include "base/encoding.h"
#include "crypto/jose_json.h"
#include "crypto/openssl_ptr.h"

namespace sealpost::crypto {
namespace {

namespace json = boost::json;
using jose::GetString;
using jose::ParseObject;
using jose::StringOr;

using BnPtr = OpenSslPtr<BIGNUM, BN_free>;

// RFC 7515 §2: base64url without padding, nothing else.
std::optional<std::string> DecodeBase64Url(std::string_view text) {
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return std::nullopt;
  }
  auto decoded = Base64Decode(text);
  if (!decoded.ok()) return std::nullopt;
  return std::move(decoded).value();
}

PkeyPtr KeyFromParams(const char* type, OSSL_PARAM_BLD* bld) {
  PkeyPtr out;
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  if (params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1) {
    out.reset(pkey);
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (out != nullptr) {
    EVP_PKEY_CTX* check =
        EVP_PKEY_CTX_new_from_pkey(nullptr, out.get(), nullptr);
    if (check == nullptr || EVP_PKEY_public_check(check) != 1) out.reset();
    EVP_PKEY_CTX_free(check);
  }
  return out;
}

// RFC 7518 §6.3.1.
Result<PkeyPtr> RsaKeyFromJwk(const json::object& jwk) {
  auto n = DecodeBase64Url(StringOr(jwk, "n"));
  auto e = DecodeBase64Url(StringOr(jwk, "e"));
  if (!n || !e || n->empty() || e->empty()) {
    return InvalidArgumentError("RSA JWK without n/e");
  }
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                       static_cast<int>(n->size()), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                       static_cast<int>(e->size()), nullptr));
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  PkeyPtr key;
  if (bn_n && bn_e && bld != nullptr &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1) {
    key = KeyFromParams("RSA", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  if (key == nullptr) return InvalidArgumentError("unusable RSA JWK");
  if (EVP_PKEY_get_bits(key.get()) < 2048) {
    return InvalidArgumentError("RSA JWK shorter than 2048 bits");
  }
  return key;
}

// RFC 7518 §6.2.1, P-256 only.
Result<PkeyPtr> EcKeyFromJwk(const json::object& jwk) {
  if (StringOr(jwk, "crv") != "P-256") {
    return InvalidArgumentError("EC JWK not on P-256");
  }
  auto x = DecodeBase64Url(StringOr(jwk, "x"));
  auto y = DecodeBase64Url(StringOr(jwk, "y"));
  if (!x || !y || x->size() != 32 || y->size() != 32) {
    return InvalidArgumentError("EC JWK without 32-byte x/y");
  }
  std::string point = "\x04" + *x + *y;  // SEC 1 §2.3.3 uncompressed
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  PkeyPtr key;
  if (bld != nullptr &&
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                      "prime256v1", 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) == 1) {
    key = KeyFromParams("EC", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  if (key == nullptr) return InvalidArgumentError("unusable EC JWK");
  return key;
}

// JWS ES256 signatures are R || S, 32 bytes each (RFC 7518 §3.4); OpenSSL
// wants DER.
std::optional<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (sig == nullptr) return std::nullopt;
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32,
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32,
                        32, nullptr);
  std::optional<std::string> out;
  if (r != nullptr && s != nullptr && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = nullptr;  // owned by sig now
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(sig, &der);
    if (len > 0) out.emplace(reinterpret_cast<char*>(der), len);
    OPENSSL_free(der);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace

std::optional<JwsAlgorithm> JwsAlgorithmNamed(std::string_view name) {
  if (name == "RS256") return JwsAlgorithm::kRs256;
  if (name == "ES256") return JwsAlgorithm::kEs256;
  return std::nullopt;
}

std::string_view JwkKeyType(JwsAlgorithm alg) {
  return alg == JwsAlgorithm::kRs256 ? "RSA" : "EC";
}

Result<CompactJws> ParseCompactJws(std::string_view jws) {
  size_t dot1 = jws.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : jws.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos ||
      jws.find('.', dot2 + 1) != std::string_view::npos) {
    return InvalidArgumentError("not a compact JWS");  // JWE has 5 parts
  }
  auto header_json = DecodeBase64Url(jws.substr(0, dot1));
  auto payload = DecodeBase64Url(jws.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = DecodeBase64Url(jws.substr(dot2 + 1));
  if (!header_json || !payload || !signature) {
    return InvalidArgumentError("bad base64url");
  }
  auto header = ParseObject(*header_json);
  if (!header.ok()) return InvalidArgumentError("header is not a JSON object");
  const json::string* alg_name = GetString(*header, "alg");
  if (alg_name == nullptr) return InvalidArgumentError("header without alg");
  std::optional<JwsAlgorithm> alg = JwsAlgorithmNamed(*alg_name);
  if (!alg) {
    std::string shown(alg_name->data(), std::min<size_t>(alg_name->size(), 16));
    return InvalidArgumentError("alg not allowed: " + shown);
  }
  if (header->contains("crit")) {
    return InvalidArgumentError("crit header present");
  }
  CompactJws out;
  out.alg = *alg;
  if (const json::string* kid = GetString(*header, "kid")) {
    out.kid = std::string(*kid);
  }
  out.payload = std::move(*payload);
  out.signing_input = std::string(jws.substr(0, dot2));
  out.signature = std::move(*signature);
  return out;
}

Result<JwsPublicKey> JwsPublicKey::FromJwk(std::string_view jwk_json) {
  auto jwk = ParseObject(jwk_json);
  if (!jwk.ok()) return InvalidArgumentError("JWK is not a JSON object");
  std::string kty = StringOr(*jwk, "kty");
  Result<PkeyPtr> key = InvalidArgumentError("JWK kty is neither RSA nor EC");
  if (kty == "RSA") key = RsaKeyFromJwk(*jwk);
  if (kty == "EC") key = EcKeyFromJwk(*jwk);
  if (!key.ok()) return key.status();
  JwsPublicKey out;
  out.key_ = std::shared_ptr<EVP_PKEY>(key->release(), EVP_PKEY_free);
  out.key_type_ = std::move(kty);
  return out;
}

Status JwsPublicKey::Verify(const CompactJws& jws) const {
  if (JwkKeyType(jws.alg) != key_type_) {
    return InvalidArgumentError("the alg needs another type of key");
  }
  std::string_view signature = jws.signature;
  std::string der;
  if (jws.alg == JwsAlgorithm::kEs256) {
    auto converted = EcdsaRawToDer(signature);
    if (!converted) return InvalidArgumentError("bad signature");
    der = std::move(*converted);
    signature = der;
  }
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok =
      md != nullptr &&
      EVP_DigestVerifyInit_ex(md, nullptr, "SHA256", nullptr, nullptr,
                              key_.get(), nullptr) == 1 &&
      EVP_DigestVerify(
          md, reinterpret_cast<const unsigned char*>(signature.data()),
          signature.size(),
          reinterpret_cast<const unsigned char*>(jws.signing_input.data()),
          jws.signing_input.size()) == 1;
  EVP_MD_CTX_free(md);
  ERR_clear_error();
  if (!ok) return InvalidArgumentError("bad signature");
  return Status::Ok();
}

}  // namespace sealpost::crypto
