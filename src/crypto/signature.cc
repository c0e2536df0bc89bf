#include "crypto/signature.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

#include "crypto/random.h"

namespace sealpost::crypto {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

const uint8_t* Bytes(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

Status VerificationFailed() {
  return InvalidArgumentError("signature verification failed");
}

}  // namespace

Signer Signer::Generate() {
  // Drawing the seed ourselves keeps one code path for fresh and loaded keys.
  auto signer = FromPrivateKeyInsecure(RandomBytes(kEd25519PrivateKeySize));
  if (!signer.ok()) std::abort();  // OpenSSL without Ed25519: unusable.
  return std::move(signer).value();
}

Result<Signer> Signer::FromPrivateKeyInsecure(const SecretBytes& private_key) {
  if (private_key.size() != kEd25519PrivateKeySize) {
    return InvalidArgumentError("Ed25519 private key must be 32 bytes");
  }
  Signer s;
  s.key_ = Own(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                            private_key.InsecureBytes().data(),
                                            private_key.size()));
  if (!s.key_) return InternalError("Ed25519: cannot load private key");
  s.public_key_.resize(kEd25519PublicKeySize);
  size_t len = s.public_key_.size();
  if (EVP_PKEY_get_raw_public_key(
          s.key_.get(), reinterpret_cast<uint8_t*>(s.public_key_.data()),
          &len) != 1 ||
      len != kEd25519PublicKeySize) {
    return InternalError("Ed25519: cannot derive public key");
  }
  return s;
}

Result<std::string> Signer::Sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(kEd25519SignatureSize, '\0');
  size_t len = sig.size();
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<uint8_t*>(sig.data()), &len,
                     Bytes(message), message.size()) != 1 ||
      len != kEd25519SignatureSize) {
    return InternalError("Ed25519: signing failed");
  }
  return sig;
}

Result<Verifier> Signer::GetVerifier() const {
  return Verifier::FromPublicKey(public_key_);
}

SecretBytes Signer::PrivateKeyInsecure() const {
  SecretBytes out(kEd25519PrivateKeySize);
  size_t len = out.size();
  if (EVP_PKEY_get_raw_private_key(
          key_.get(), out.InsecureMutableBytes().data(), &len) != 1 ||
      len != kEd25519PrivateKeySize) {
    std::abort();  // A loaded Ed25519 key always has a 32-byte seed.
  }
  return out;
}

Result<Verifier> Verifier::FromPublicKey(std::string_view public_key) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return InvalidArgumentError("Ed25519 public key must be 32 bytes");
  }
  Verifier v;
  v.key_ = Own(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size()));
  if (!v.key_) return InvalidArgumentError("invalid Ed25519 public key");
  v.public_key_ = std::string(public_key);
  return v;
}

Status Verifier::Verify(std::string_view signature,
                        std::string_view message) const {
  if (signature.size() != kEd25519SignatureSize) return VerificationFailed();
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) !=
          1 ||
      EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                       Bytes(message), message.size()) != 1) {
    return VerificationFailed();
  }
  return Status::Ok();
}

}  // namespace sealpost::crypto
