// Internal to the OIDC client (oidc.cc): the ID token checks
// (oidc_token.cc), and the JSON readers both files use.
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

// `text` as a JSON object; INVALID_ARGUMENT "malformed JSON" or "JSON is not
// an object".
Result<boost::json::object> ParseObject(std::string_view text);
// The string member `key`, or null when it is missing or not a string.
const boost::json::string* GetString(const boost::json::object& o,
                                     std::string_view key);
// The string member `key`, or "".
std::string StringOr(const boost::json::object& o, std::string_view key);
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
