// Cryptographically secure randomness (OpenSSL's DRBG).
//
// Thread-safety: safe from any thread.
#ifndef SEALPOST_CRYPTO_RANDOM_H_
#define SEALPOST_CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>

#include "base/secret_bytes.h"

namespace sealpost::crypto {

SecretBytes RandomBytes(size_t n);
// n random bytes, base64url without padding: for tokens and ids.
std::string RandomToken(size_t n);
// A uniformly random decimal string of `digits` digits (OTPs).
std::string RandomDigits(size_t digits);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_RANDOM_H_
