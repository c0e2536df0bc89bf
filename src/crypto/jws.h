// JSON Web Signature checks (RFC 7515) with public keys from JSON Web Keys
// (RFC 7517; RFC 7518 §6.2, §6.3): the part of an OpenID Connect ID token
// check that needs libcrypto. Verification only, of the compact
// serialisation only, for RS256 and ES256 (RFC 7518 §3.3, §3.4). "none",
// the HMACs (a public key used as an HMAC secret) and every other "alg" are
// refused before a key is looked at. What the payload claims is the
// caller's business.
//
// Thread-safety: CompactJws and JwsPublicKey are values, immutable once made
// and safe to share across threads; the free functions are pure.
#ifndef SEALPOST_CRYPTO_JWS_H_
#define SEALPOST_CRYPTO_JWS_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header.

namespace sealpost::crypto {

// The allow-list of signature algorithms.
enum class JwsAlgorithm { kRs256, kEs256 };

// The algorithm an "alg" header value names; nullopt for anything not on the
// allow-list.
std::optional<JwsAlgorithm> JwsAlgorithmNamed(std::string_view name);
// The JWK "kty" of the keys that verify `alg`: "RSA" or "EC".
std::string_view JwkKeyType(JwsAlgorithm alg);

// A compact JWS split and decoded (RFC 7515 §5.2 steps 1 to 7); its
// signature is not checked yet.
struct CompactJws {
  JwsAlgorithm alg = JwsAlgorithm::kRs256;
  std::optional<std::string> kid;  // the header's "kid", when a string
  std::string payload;             // decoded, not parsed
  // ASCII(BASE64URL(header) || '.' || BASE64URL(payload)) and the decoded
  // signature over it.
  std::string signing_input;
  std::string signature;
};

// INVALID_ARGUMENT, with a reason fit for a debug log (no token material),
// when `jws` is not three parts (a JWE has five), a part is not unpadded
// base64url (RFC 7515 §2), the header is not a JSON object or has no "alg",
// the alg is not on the allow-list, or the header has "crit" (§4.1.11: an
// extension we do not understand must not be ignored).
Result<CompactJws> ParseCompactJws(std::string_view jws);

class JwsPublicKey {
 public:
  // From one JWK (a JSON object): "kty" RSA with "n" and "e", at least 2048
  // bits, or "kty" EC with "crv" P-256, "x" and "y". The key must pass
  // OpenSSL's public key check. INVALID_ARGUMENT says what is wrong.
  static Result<JwsPublicKey> FromJwk(std::string_view jwk_json);

  // "RSA" or "EC".
  std::string_view key_type() const { return key_type_; }

  // OK when `jws.signature` is a valid jws.alg signature by this key over
  // jws.signing_input; otherwise INVALID_ARGUMENT, "bad signature" or, when
  // jws.alg needs another type of key, "the alg needs another type of key".
  Status Verify(const CompactJws& jws) const;

 private:
  JwsPublicKey() = default;
  std::shared_ptr<evp_pkey_st> key_;
  std::string key_type_;
};

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_JWS_H_
