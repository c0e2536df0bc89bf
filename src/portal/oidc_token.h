// Internal to the OIDC client (oidc.cc): the ID token checks
// (oidc_token.cc), and the "email_verified" reader both files use (the
// other JSON readers are crypto/jose_json.h).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_PORTAL_OIDC_TOKEN_H_
#define SEALPOST_PORTAL_OIDC_TOKEN_H_

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "portal/oidc.h"

namespace sealpost::portal::oidc_internal {

// "email_verified", when present and a boolean (or "true"/"false").
std::optional<bool> GetVerifiedFlag(const boost::json::object& o);

struct VerifiedToken {
  OidcIdentity identity;
  bool has_email = false;
  bool has_email_verified = false;
};

struct Rejection {
  std::string reason;  // for the debug log; no token material
  bool unknown_kid = false;
};

// VerifyIdToken (oidc.h) with the reason of a refusal in `why`, and whether
// it was a kid the JWK Set lacks (worth one refetch of the set).
Result<VerifiedToken> VerifyToken(std::string_view jwt,
                                  std::string_view jwks_json,
                                  const IdTokenExpectations& expected,
                                  Rejection* why);

}  // namespace sealpost::portal::oidc_internal

#endif  // SEALPOST_PORTAL_OIDC_TOKEN_H_
