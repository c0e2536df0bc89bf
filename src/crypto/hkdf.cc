#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <memory>

namespace sealpost::crypto {
namespace {

constexpr size_t kHashLen = 32;

struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

// An HMAC-SHA256 context with its digest already set, made once: HKDF
// through EVP_KDF looked up HMAC and SHA-256 by name on every derivation
// (a locked lookup each, and this runs for every message opened). Each
// HMAC below is a copy of it.
const EVP_MAC_CTX* HmacSha256Template() {
  static const MacCtx tmpl = []() -> MacCtx {
    std::unique_ptr<EVP_MAC, MacFree> mac(
        EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
    if (!mac) return nullptr;
    MacCtx ctx(EVP_MAC_CTX_new(mac.get()));  // holds its own reference
    if (!ctx) return nullptr;
    // OpenSSL takes a non-const pointer but does not write through it.
    char digest[] = "SHA256";
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(ctx.get(), params) != 1) return nullptr;
    return ctx;
  }();
  return tmpl.get();
}

// HMAC-SHA256(key, a || b || c) into out (kHashLen bytes).
bool Hmac(const EVP_MAC_CTX* tmpl, std::span<const uint8_t> key,
          std::span<const uint8_t> a, std::span<const uint8_t> b,
          std::span<const uint8_t> c, uint8_t* out) {
  MacCtx ctx(EVP_MAC_CTX_dup(tmpl));
  size_t n = 0;
  // An empty key: HMAC pads it with zeros, as RFC 5869's empty salt is.
  static const uint8_t kZero[kHashLen] = {};
  if (!ctx || EVP_MAC_init(ctx.get(), key.empty() ? kZero : key.data(),
                           key.empty() ? kHashLen : key.size(), nullptr) != 1) {
    return false;
  }
  for (auto part : {a, b, c}) {
    if (!part.empty() &&
        EVP_MAC_update(ctx.get(), part.data(), part.size()) != 1) {
      return false;
    }
  }
  return EVP_MAC_final(ctx.get(), out, &n, kHashLen) == 1 && n == kHashLen;
}

}  // namespace

Result<SecretBytes> HkdfSha256(std::span<const uint8_t> ikm,
                               std::span<const uint8_t> salt,
                               std::span<const uint8_t> info, size_t length) {
  if (length == 0 || length > 255 * kHashLen) {
    return InvalidArgumentError("HKDF: output length out of range");
  }
  const EVP_MAC_CTX* tmpl = HmacSha256Template();
  if (tmpl == nullptr) return InternalError("HKDF: not available");
  // RFC 5869 §2.2: PRK = HMAC(salt, IKM) (an empty salt is HashLen zeros).
  std::array<uint8_t, kHashLen> prk;
  // T(i) = HMAC(PRK, T(i-1) || info || i), OKM their first `length` bytes.
  std::array<uint8_t, kHashLen> t;
  SecretBytes out(length);
  bool ok = Hmac(tmpl, salt, ikm, {}, {}, prk.data());
  std::span<uint8_t> dst = out.InsecureMutableBytes();
  size_t done = 0;
  for (uint8_t i = 1; ok && done < length; ++i) {
    const uint8_t counter[1] = {i};
    ok = Hmac(tmpl, prk, i == 1 ? std::span<const uint8_t>() : t, info, counter,
              t.data());
    const size_t take = std::min(kHashLen, length - done);
    if (ok) std::copy_n(t.begin(), take, dst.begin() + done);
    done += take;
  }
  OPENSSL_cleanse(prk.data(), prk.size());
  OPENSSL_cleanse(t.data(), t.size());
  if (!ok) return InternalError("HKDF: derivation failed");
  return out;
}

}  // namespace sealpost::crypto
