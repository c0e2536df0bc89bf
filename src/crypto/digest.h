// SHA-256 digests (for token hashes and fingerprints, not for passwords).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_DIGEST_H_
#define SEALPOST_CRYPTO_DIGEST_H_

#include <string>
#include <string_view>

namespace sealpost::crypto {

// 32 raw bytes.
std::string Sha256(std::string_view data);
// 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_DIGEST_H_
