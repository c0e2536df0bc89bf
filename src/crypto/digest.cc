#include "crypto/digest.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "base/encoding.h"

namespace sealpost::crypto {

std::string Sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

std::string Sha256Hex(std::string_view data) {
  return HexEncode(AsBytes(Sha256(data)));
}

struct Sha256Hasher::State {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256Hasher::Sha256Hasher() : state_(std::make_unique<State>()) {
  // Allocation failure of a digest context is not recoverable here; a
  // null context makes the EVP calls fail and Finish() return a digest of
  // zeros, which matches no signature.
  EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr);
}

Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Update(std::string_view data) {
  EVP_DigestUpdate(state_->ctx, data.data(), data.size());
}

std::string Sha256Hasher::Finish() {
  unsigned char digest[SHA256_DIGEST_LENGTH] = {};
  unsigned int n = 0;
  EVP_DigestFinal_ex(state_->ctx, digest, &n);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

}  // namespace sealpost::crypto
