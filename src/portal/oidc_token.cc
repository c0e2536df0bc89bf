// The ID token checks of the OpenID Connect client (OpenID Connect Core
// §3.1.3.7): the key from the provider's JWK Set, the signature (crypto/jws),
// then the claims. And the JSON readers the client shares with them.
#include "portal/oidc_token.h"

#include <boost/json.hpp>
#include <exception>
#include <optional>
#include <utility>

#include "base/log.h"
#include "base/secret_bytes.h"
#include "crypto/jose_json.h"
#include "crypto/jws.h"
#include "portal/oidc.h"

namespace sealpost::portal {

namespace json = boost::json;

namespace oidc_internal {

// email_verified is a boolean (OIDC Core §5.1); a few providers send the
// strings "true"/"false", which mean the same.
std::optional<bool> GetVerifiedFlag(const json::object& o) {
  const json::value* v = o.if_contains("email_verified");
  if (v == nullptr) return std::nullopt;
  if (const bool* b = v->if_bool()) return *b;
  if (const json::string* s = v->if_string()) {
    if (*s == "true") return true;
    if (*s == "false") return false;
  }
  return std::nullopt;
}

}  // namespace oidc_internal

using crypto::jose::GetString;
using crypto::jose::ParseObject;
using crypto::jose::StringOr;
using oidc_internal::GetVerifiedFlag;
using oidc_internal::Rejection;
using oidc_internal::VerifiedToken;

namespace {

constexpr int64_t kExpiryLeewaySeconds = 60;
constexpr int64_t kMaxIatAheadSeconds = 300;
constexpr size_t kMaxJwtBytes = 64 * 1024;

// JWT NumericDate (RFC 7519 §2): integer or not, in seconds.
std::optional<int64_t> GetNumericDate(const json::object& o,
                                      std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (const int64_t* i = v->if_int64()) return *i;
  if (const uint64_t* u = v->if_uint64()) {
    if (*u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  if (const double* d = v->if_double()) {
    if (!(*d > -9e15 && *d < 9e15)) return std::nullopt;
    return static_cast<int64_t>(*d);
  }
  return std::nullopt;
}

Result<VerifiedToken> Reject(Rejection* why, std::string reason,
                             bool unknown_kid = false) {
  why->reason = std::move(reason);
  why->unknown_kid = unknown_kid;
  return PermissionDeniedError("sign-in token rejected");
}

// Picks the JWK for `kid` (or the only key of the right type when the token
// names none) that may be used to verify `alg`.
Result<crypto::JwsPublicKey> FindKey(const json::object& jwks,
                                     std::string_view kid, bool has_kid,
                                     crypto::JwsAlgorithm alg,
                                     bool* unknown_kid) {
  *unknown_kid = false;
  const json::value* keys = jwks.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return InvalidArgumentError("JWKS without keys");
  }
  const json::object* chosen = nullptr;
  int candidates = 0;
  for (const json::value& k : keys->as_array()) {
    const json::object* jwk = k.if_object();
    if (jwk == nullptr) continue;
    if (StringOr(*jwk, "kty") != crypto::JwkKeyType(alg)) continue;
    if (const json::string* use = GetString(*jwk, "use");
        use != nullptr && *use != "sig") {
      continue;
    }
    if (const json::string* key_alg = GetString(*jwk, "alg");
        key_alg != nullptr && crypto::JwsAlgorithmNamed(*key_alg) != alg) {
      continue;
    }
    if (has_kid) {
      if (StringOr(*jwk, "kid") == kid) {
        chosen = jwk;
        break;
      }
    } else {
      ++candidates;
      chosen = jwk;
    }
  }
  if (chosen == nullptr || (!has_kid && candidates != 1)) {
    *unknown_kid = has_kid;
    return NotFoundError(has_kid ? "no JWK for the token's kid"
                                 : "no single JWK fits a token without kid");
  }
  return crypto::JwsPublicKey::FromJwk(json::serialize(*chosen));
}

}  // namespace

Result<VerifiedToken> oidc_internal::VerifyToken(
    std::string_view jwt, std::string_view jwks_json,
    const IdTokenExpectations& expected, Rejection* why) {
  if (jwt.size() > kMaxJwtBytes) return Reject(why, "token too large");
  auto jws = crypto::ParseCompactJws(jwt);
  if (!jws.ok()) return Reject(why, jws.status().message());

  auto jwks = ParseObject(jwks_json);
  if (!jwks.ok()) return Reject(why, "JWKS is not a JSON object");
  bool unknown_kid = false;
  auto key = FindKey(*jwks, jws->kid.value_or(""), jws->kid.has_value(),
                     jws->alg, &unknown_kid);
  if (!key.ok()) return Reject(why, key.status().message(), unknown_kid);
  if (Status s = key->Verify(*jws); !s.ok()) {
    return Reject(why, s.message());
  }

  // OpenID Connect Core §3.1.3.7: the claims.
  auto claims = ParseObject(jws->payload);
  if (!claims.ok()) return Reject(why, "payload is not a JSON object");
  if (expected.issuer.empty() || StringOr(*claims, "iss") != expected.issuer) {
    return Reject(why, "iss mismatch");
  }
  const json::value* aud = claims->if_contains("aud");
  bool aud_ok = false;
  size_t aud_count = 0;
  if (aud != nullptr && aud->is_string()) {
    aud_count = 1;
    aud_ok = aud->as_string() == expected.client_id;
  } else if (aud != nullptr && aud->is_array()) {
    for (const json::value& a : aud->as_array()) {
      ++aud_count;
      if (a.is_string() && a.as_string() == expected.client_id) aud_ok = true;
    }
  }
  if (expected.client_id.empty() || !aud_ok) {
    return Reject(why, "aud does not contain our client_id");
  }
  const json::string* azp = GetString(*claims, "azp");
  if (claims->contains("azp") &&
      (azp == nullptr || *azp != expected.client_id)) {
    return Reject(why, "azp is not our client_id");
  }
  if (aud_count > 1 && azp == nullptr) {
    return Reject(why, "several audiences and no azp");
  }
  std::optional<int64_t> exp = GetNumericDate(*claims, "exp");
  if (!exp) return Reject(why, "no exp");
  if (*exp + kExpiryLeewaySeconds <= expected.now_unix) {
    return Reject(why, "expired");
  }
  std::optional<int64_t> iat = GetNumericDate(*claims, "iat");
  if (!iat) return Reject(why, "no iat");
  if (*iat > expected.now_unix + kMaxIatAheadSeconds) {
    return Reject(why, "iat in the future");
  }
  const json::string* nonce = GetString(*claims, "nonce");
  if (expected.nonce.empty() || nonce == nullptr ||
      !ConstantTimeEquals(*nonce, expected.nonce)) {
    return Reject(why, "nonce mismatch");
  }
  const json::string* sub = GetString(*claims, "sub");
  if (sub == nullptr || sub->empty() || sub->size() > 255) {
    return Reject(why, "no usable sub");
  }

  VerifiedToken out;
  out.identity.subject = std::string(*sub);
  out.identity.issuer = expected.issuer;
  if (const json::string* email = GetString(*claims, "email")) {
    out.identity.email = std::string(*email);
    out.has_email = true;
  }
  if (std::optional<bool> verified = GetVerifiedFlag(*claims)) {
    out.identity.email_verified = *verified;
    out.has_email_verified = true;
  }
  return out;
}

Result<OidcIdentity> VerifyIdToken(std::string_view jwt,
                                   std::string_view jwks_json,
                                   const IdTokenExpectations& expected) {
  Rejection why;
  auto verified = VerifyToken(jwt, jwks_json, expected, &why);
  if (!verified.ok()) {
    log::Debug("oidc: ID token from {} rejected: {}", expected.issuer,
               why.reason);
    return verified.status();
  }
  return std::move(verified->identity);
}

}  // namespace sealpost::portal
