// Time-based one-time passwords (RFC 6238 over HOTP, RFC 4226), as the
// authenticator apps compute them: HMAC-SHA-1, 6 digits, 30-second steps
// from the Unix epoch. The portal's second factor (docs/portal.md) keeps
// the shared secret sealed in the store and checks a code for the step
// before, the current one and the one after (clock drift of a phone).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_TOTP_H_
#define SEALPOST_CRYPTO_TOTP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"

namespace sealpost::crypto {

inline constexpr int64_t kTotpStepSeconds = 30;  // RFC 6238 §4.1 X
inline constexpr int kTotpDigits = 6;
inline constexpr size_t kTotpSecretBytes = 20;  // 160 bits (RFC 4226 §4)

// The step (RFC 6238 §4.2 T) of Unix time `unix_seconds`.
int64_t TotpStep(int64_t unix_seconds);

// The HOTP value (RFC 4226 §5.3, dynamic truncation) of `counter` under
// `secret` with HMAC-SHA-1, as `digits` decimal digits (6 to 8).
std::string HotpSha1(const SecretBytes& secret, uint64_t counter,
                     int digits = kTotpDigits);

// The step among now-1, now, now+1 whose code is `code` (compared in
// constant time, every candidate computed), or nullopt.
std::optional<int64_t> MatchTotp(const SecretBytes& secret,
                                 std::string_view code, int64_t unix_seconds);

// RFC 4648 §6 base32 (A-Z, 2-7), without padding: how authenticator apps
// take a secret typed in or read from an otpauth:// URI.
std::string Base32Encode(const SecretBytes& bytes);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_TOTP_H_
