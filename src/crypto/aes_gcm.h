// Raw AES-256-GCM with an explicit nonce: the one primitive under Aead and
// StreamingAead. Internal to src/crypto (and its tests): the rest of the
// code uses the keyless Aead API, which picks nonces itself.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_AES_GCM_H_
#define SEALPOST_CRYPTO_AES_GCM_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sealpost::crypto::internal {

inline constexpr size_t kAesGcmKeySize = 32;
inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;

// Appends ciphertext || 16-byte tag to *out.
Status AesGcmSeal(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                  std::string_view plaintext, std::string_view associated_data,
                  std::string* out);

// Verifies and appends the plaintext to *out. On failure *out is left as it
// was and the status is the generic DecryptionFailedError().
Status AesGcmOpen(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                  std::string_view ciphertext_and_tag,
                  std::string_view associated_data, std::string* out);

}  // namespace sealpost::crypto::internal

#endif  // SEALPOST_CRYPTO_AES_GCM_H_
