// Ed25519 signatures (RFC 8032, PureEdDSA): the org signs publishing
// licenses; readers verify them with the public key of the named version.
// Keys are raw: a 32-byte private seed, a 32-byte public key; signatures are
// 64 bytes.
//
// Thread-safety: Signer and Verifier are immutable after construction and
// safe to share across threads.
#ifndef SEALPOST_CRYPTO_SIGNATURE_H_
#define SEALPOST_CRYPTO_SIGNATURE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header.

namespace sealpost::crypto {

inline constexpr size_t kEd25519PrivateKeySize = 32;
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

class Verifier;

class Signer {
 public:
  static Signer Generate();
  // From the 32-byte RFC 8032 private key (seed).
  static Result<Signer> FromPrivateKeyInsecure(const SecretBytes& private_key);

  Result<std::string> Sign(std::string_view message) const;
  // 32 raw bytes.
  std::string PublicKey() const { return public_key_; }
  Result<Verifier> GetVerifier() const;
  // The 32-byte seed, for wrapping it under another key.
  SecretBytes PrivateKeyInsecure() const;

 private:
  Signer() = default;
  std::shared_ptr<evp_pkey_st> key_;
  std::string public_key_;
};

class Verifier {
 public:
  // From the 32-byte raw public key.
  static Result<Verifier> FromPublicKey(std::string_view public_key);

  // InvalidArgument("signature verification failed") on any mismatch.
  Status Verify(std::string_view signature, std::string_view message) const;
  std::string PublicKey() const { return public_key_; }

 private:
  Verifier() = default;
  std::shared_ptr<evp_pkey_st> key_;
  std::string public_key_;
};

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_SIGNATURE_H_
