// MasterKey: the root of the key hierarchy (SPEC §3). 32 bytes from a file or
// the environment; it only wraps and unwraps org keys, and its holder (the key
// service) is the only process that needs it. Wrapped blobs are Aead
// ciphertexts (docs/format.md §1) whose key id is a fingerprint of the master
// key, so a blob names the master key that made it.
//
// Thread-safety: immutable after construction; safe to share across threads.
#ifndef SEALPOST_CRYPTO_MASTER_KEY_H_
#define SEALPOST_CRYPTO_MASTER_KEY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/aead.h"

namespace sealpost::crypto {

class MasterKey {
 public:
  static constexpr size_t kSize = 32;

  static MasterKey Generate();
  // A key file: exactly 32 raw bytes, or the text accepted by FromEncoded.
  static Result<MasterKey> FromFileContents(std::string_view contents);
  // 64 hex digits or base64 (either alphabet) of 32 bytes; surrounding
  // whitespace is ignored. Errors never echo the value.
  static Result<MasterKey> FromEncoded(std::string_view text);

  // Base64 text (with padding, no newline), for writing a new key file.
  std::string EncodeInsecure() const;
  // The 32 raw bytes, for a passphrase-protected backup (key_backup.h).
  const SecretBytes& KeyInsecure() const { return aead_.KeyInsecure(); }
  // First 4 bytes of HKDF-SHA256(key, info "sealpost master key id"):
  // identifies the key without revealing it.
  uint32_t fingerprint() const { return aead_.key_id(); }

  Result<std::string> Wrap(const SecretBytes& secret,
                           std::string_view associated_data) const;
  // DecryptionFailedError() on any failure, including another master key.
  Result<SecretBytes> Unwrap(std::string_view wrapped,
                             std::string_view associated_data) const;

 private:
  explicit MasterKey(Aead aead) : aead_(std::move(aead)) {}
  static Result<MasterKey> FromBytes(SecretBytes key);

  Aead aead_;
};

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_MASTER_KEY_H_
