// The one error every failed decryption or verification returns. It says
// nothing about why (wrong key, flipped bit, truncation, swapped header), so
// it cannot be used as an oracle (STYLE.md §2, as in Tink).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_ERRORS_H_
#define SEALPOST_CRYPTO_ERRORS_H_

#include "base/status.h"

namespace sealpost::crypto {

inline constexpr char kDecryptionFailedMessage[] = "decryption failed";

// InvalidArgument("decryption failed").
Status DecryptionFailedError();
bool IsDecryptionFailed(const Status& status);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_ERRORS_H_
