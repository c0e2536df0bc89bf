// PassphraseBox: bytes sealed under a passphrase, for backups of key material
// that must leave the machine (`sealpost rms export-key`). The key comes from
// Argon2id (RFC 9106) over the passphrase and a random salt; the bytes are
// sealed with AES-256-GCM, the whole header (parameters, salt, nonce) as
// associated data. Format: docs/format.md §8.
//
// Thread-safety: free functions.
#ifndef SEALPOST_CRYPTO_PASSPHRASE_BOX_H_
#define SEALPOST_CRYPTO_PASSPHRASE_BOX_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"

namespace sealpost::crypto {

struct Argon2Params {
  uint32_t passes = 3;              // t
  uint32_t memory_kib = 64 * 1024;  // m: 64 MiB
  uint32_t lanes = 1;               // p
};

inline constexpr size_t kPassphraseBoxHeaderSize = 4 + 1 + 12 + 16 + 12;

// Seals `plaintext` with a fresh random salt and nonce.
Result<std::string> SealWithPassphrase(const SecretBytes& plaintext,
                                       std::string_view passphrase,
                                       const Argon2Params& params = {});
// The same with the salt (16 bytes) and nonce (12 bytes) given: tests and
// the format's vectors only.
Result<std::string> SealWithPassphraseForTesting(const SecretBytes& plaintext,
                                                 std::string_view passphrase,
                                                 const Argon2Params& params,
                                                 std::string_view salt,
                                                 std::string_view nonce);
// A wrong passphrase, a damaged or truncated box: DecryptionFailedError().
// Not a box, another version, or Argon2 parameters beyond what we accept
// (a crafted file must not make us allocate gigabytes): INVALID_ARGUMENT
// naming the problem.
Result<SecretBytes> OpenWithPassphrase(std::string_view box,
                                       std::string_view passphrase);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_PASSPHRASE_BOX_H_
