// JSON as JOSE reads it (RFC 7515 headers, RFC 7517 keys, RFC 7519
// claims, and the OpenID documents around them): one object, its string
// members. Part of `crypto_jws`, the only crypto library that links
// Boost.JSON.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_JOSE_JSON_H_
#define SEALPOST_CRYPTO_JOSE_JSON_H_

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sealpost::crypto::jose {

// `text` as a JSON object; INVALID_ARGUMENT "malformed JSON" or "JSON is not
// an object".
Result<boost::json::object> ParseObject(std::string_view text);
// The string member `key`, or null when it is missing or not a string.
const boost::json::string* GetString(const boost::json::object& o,
                                     std::string_view key);
// The string member `key`, or "".
std::string StringOr(const boost::json::object& o, std::string_view key);

}  // namespace sealpost::crypto::jose

#endif  // SEALPOST_CRYPTO_JOSE_JSON_H_
