// Aead: keyless authenticated encryption (AES-256-GCM), Tink-style. Callers
// never see keys or nonces: Encrypt(plaintext, associated_data) picks a fresh
// random nonce and writes a self-describing ciphertext (docs/format.md §1):
//
//   version (1 byte, 0x01) | key id (4 bytes, big-endian) |
//   nonce (12 bytes) | AES-256-GCM ciphertext | tag (16 bytes)
//
// The GCM associated data is the caller's associated data only; the version
// and key id are bound implicitly (another version is refused, another key id
// selects another key, and the tag then fails).
//
// Thread-safety: immutable after construction; safe to share across threads.
#ifndef SEALPOST_CRYPTO_AEAD_H_
#define SEALPOST_CRYPTO_AEAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"

namespace sealpost::crypto {

class Aead {
 public:
  static constexpr uint8_t kVersion = 0x01;
  static constexpr size_t kKeySize = 32;
  static constexpr size_t kPrefixSize = 1 + 4;  // version + key id
  static constexpr size_t kOverhead = kPrefixSize + 12 + 16;  // + nonce, tag

  // A new random key.
  static Aead Generate(uint32_t key_id);
  // Wraps existing key material (32 bytes), e.g. unwrapped from storage.
  static Result<Aead> FromKey(uint32_t key_id, SecretBytes key);

  uint32_t key_id() const { return key_id_; }

  Result<std::string> Encrypt(std::string_view plaintext,
                              std::string_view associated_data) const;
  // Any failure is DecryptionFailedError(), whatever the cause.
  Result<std::string> Decrypt(std::string_view ciphertext,
                              std::string_view associated_data) const;

  // The key id a ciphertext names; DecryptionFailedError() if it is too short
  // or of another version. Keysets use it to pick the key.
  static Result<uint32_t> CiphertextKeyId(std::string_view ciphertext);

  // The raw key, for wrapping it under another key.
  const SecretBytes& KeyInsecure() const { return key_; }

 private:
  Aead(uint32_t key_id, SecretBytes key)
      : key_id_(key_id), key_(std::move(key)) {}

  uint32_t key_id_;
  SecretBytes key_;
};

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_AEAD_H_
