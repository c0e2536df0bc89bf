// Keyset: versioned Aead keys with one primary (Tink keysets, Vault transit
// keys). The primary encrypts; any version decrypts, chosen by the key id in
// the ciphertext; Rotate() adds a new primary and keeps the old versions.
// Key ids are version numbers 1, 2, 3, ...
//
// Thread-safety: thread-compatible: const members may run concurrently;
// Rotate() needs exclusive access.
#ifndef SEALPOST_CRYPTO_KEYSET_H_
#define SEALPOST_CRYPTO_KEYSET_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/aead.h"

namespace sealpost::crypto {

class Keyset {
 public:
  // A keyset with one fresh key, version 1.
  static Keyset Generate();

  // Adds a new random key as the primary; returns its version.
  uint32_t Rotate();

  uint32_t primary_key_id() const { return primary_; }
  std::vector<uint32_t> key_ids() const;
  // The Aead of one version, or NotFound.
  Result<Aead> GetAead(uint32_t key_id) const;

  Result<std::string> Encrypt(std::string_view plaintext,
                              std::string_view associated_data) const;
  // DecryptionFailedError() for any failure, including an unknown key id.
  Result<std::string> Decrypt(std::string_view ciphertext,
                              std::string_view associated_data) const;

  // Plaintext key material (docs/format.md §2): only to be stored wrapped
  // under another key, e.g. Aead::Encrypt of the master key.
  std::string SerializeInsecure() const;
  static Result<Keyset> ParseInsecure(std::string_view serialized);

 private:
  Keyset() = default;
  uint32_t primary_ = 0;
  std::map<uint32_t, Aead> keys_;
};

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_KEYSET_H_
