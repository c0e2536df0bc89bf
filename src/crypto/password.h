// Password hashing with Argon2id (RFC 9106), encoded in the PHC string
// format so parameters can be raised later without breaking old hashes.
//
// Thread-safety: free functions.
#ifndef SEALPOST_CRYPTO_PASSWORD_H_
#define SEALPOST_CRYPTO_PASSWORD_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace sealpost::crypto {

Result<std::string> HashPassword(std::string_view password);
// Constant-time in the password; false for a malformed hash.
bool VerifyPassword(std::string_view password, const std::string& encoded);
// A random password for generated accounts (dev users); never starts with
// '-', so it can follow an option on a command line.
std::string GeneratePassword();

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_PASSWORD_H_
