#include "crypto/aead.h"

#include <utility>

#include "crypto/aes_gcm.h"
#include "crypto/errors.h"
#include "crypto/random.h"

namespace sealpost::crypto {

using internal::kAesGcmNonceSize;

Aead Aead::Generate(uint32_t key_id) {
  return Aead(key_id, RandomBytes(kKeySize));
}

Result<Aead> Aead::FromKey(uint32_t key_id, SecretBytes key) {
  if (key.size() != kKeySize) {
    return InvalidArgumentError("AEAD key must be 32 bytes");
  }
  return Aead(key_id, std::move(key));
}

Result<std::string> Aead::Encrypt(std::string_view plaintext,
                                  std::string_view associated_data) const {
  std::string out;
  out.reserve(plaintext.size() + kOverhead);
  out += static_cast<char>(kVersion);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((key_id_ >> shift) & 0xff);
  }
  SecretBytes nonce = RandomBytes(kAesGcmNonceSize);
  out.append(nonce.InsecureStringView());
  SP_RETURN_IF_ERROR(internal::AesGcmSeal(key_.InsecureBytes(),
                                          nonce.InsecureBytes(), plaintext,
                                          associated_data, &out));
  return out;
}

Result<uint32_t> Aead::CiphertextKeyId(std::string_view ciphertext) {
  if (ciphertext.size() < kOverhead ||
      static_cast<uint8_t>(ciphertext[0]) != kVersion) {
    return DecryptionFailedError();
  }
  uint32_t id = 0;
  for (size_t i = 1; i < kPrefixSize; ++i) {
    id = (id << 8) | static_cast<uint8_t>(ciphertext[i]);
  }
  return id;
}

Result<std::string> Aead::Decrypt(std::string_view ciphertext,
                                  std::string_view associated_data) const {
  auto id = CiphertextKeyId(ciphertext);
  if (!id.ok() || *id != key_id_) return DecryptionFailedError();
  auto nonce = std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(ciphertext.data()) + kPrefixSize,
      kAesGcmNonceSize);
  std::string out;
  SP_RETURN_IF_ERROR(
      internal::AesGcmOpen(key_.InsecureBytes(), nonce,
                           ciphertext.substr(kPrefixSize + kAesGcmNonceSize),
                           associated_data, &out));
  return out;
}

}  // namespace sealpost::crypto
