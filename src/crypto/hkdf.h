// HKDF-SHA256 (RFC 5869): derives per-message stream keys from content keys.
//
// Thread-safety: pure function.
#ifndef SEALPOST_CRYPTO_HKDF_H_
#define SEALPOST_CRYPTO_HKDF_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/secret_bytes.h"
#include "base/status.h"

namespace sealpost::crypto {

// RFC 5869 §2: Extract(salt, ikm) then Expand(prk, info, length).
// `length` is at most 255 * 32 bytes.
Result<SecretBytes> HkdfSha256(std::span<const uint8_t> ikm,
                               std::span<const uint8_t> salt,
                               std::span<const uint8_t> info, size_t length);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_HKDF_H_
