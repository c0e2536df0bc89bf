#include "crypto/blind_index_key.h"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>

#include "crypto/random.h"

namespace sealpost::crypto {

// HMAC (RFC 2104 §2) with its two pads hashed once, when the key is made:
// each term then costs two SHA-256 contexts copied and finished, not a
// new HMAC with its key schedule.
struct BlindIndexKey::State {
  SecretBytes key;
  EVP_MD_CTX* inner = nullptr;  // SHA-256 after (key XOR ipad)
  EVP_MD_CTX* outer = nullptr;  // SHA-256 after (key XOR opad)
  ~State() {
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
  }
};

namespace {

constexpr size_t kBlock = 64;  // SHA-256's block size

EVP_MD_CTX* PaddedContext(const SecretBytes& key, unsigned char pad) {
  std::array<unsigned char, kBlock> block{};
  auto bytes = key.InsecureBytes();
  for (size_t i = 0; i < kBlock; ++i) {
    block[i] =
        static_cast<unsigned char>((i < bytes.size() ? bytes[i] : 0) ^ pad);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, block.data(), block.size()) != 1) {
    std::abort();  // out of memory: nothing sensible to go on with
  }
  OPENSSL_cleanse(block.data(), block.size());
  return ctx;
}

}  // namespace

BlindIndexKey::BlindIndexKey(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
BlindIndexKey::~BlindIndexKey() = default;
BlindIndexKey::BlindIndexKey(BlindIndexKey&&) noexcept = default;
BlindIndexKey& BlindIndexKey::operator=(BlindIndexKey&&) noexcept = default;

Result<BlindIndexKey> BlindIndexKey::FromKeyInsecure(SecretBytes key) {
  if (key.size() != kKeySize) {
    return InvalidArgumentError("an index key is 32 bytes");
  }
  auto state = std::make_unique<State>();
  state->inner = PaddedContext(key, 0x36);
  state->outer = PaddedContext(key, 0x5c);
  state->key = std::move(key);
  return BlindIndexKey(std::move(state));
}

BlindIndexKey BlindIndexKey::Generate() {
  auto key = FromKeyInsecure(RandomBytes(kKeySize));  // 32 bytes: never fails
  return std::move(*key);
}

Result<BlindIndexKey> BlindIndexKey::Unwrap(const MasterKey& master,
                                            std::string_view wrapped) {
  SP_ASSIGN_OR_RETURN(SecretBytes key, master.Unwrap(wrapped, kWrapPurpose));
  return FromKeyInsecure(std::move(key));
}

Result<std::string> BlindIndexKey::Wrap(const MasterKey& master) const {
  return master.Wrap(state_->key, kWrapPurpose);
}

std::vector<int64_t> BlindIndexKey::Terms(
    const std::vector<std::string>& words) const {
  std::vector<int64_t> out;
  out.reserve(words.size());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) std::abort();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  for (const std::string& w : words) {
    bool ok = EVP_MD_CTX_copy_ex(ctx, state_->inner) == 1 &&
              EVP_DigestUpdate(ctx, w.data(), w.size()) == 1 &&
              EVP_DigestFinal_ex(ctx, digest, &n) == 1 &&
              EVP_MD_CTX_copy_ex(ctx, state_->outer) == 1 &&
              EVP_DigestUpdate(ctx, digest, n) == 1 &&
              EVP_DigestFinal_ex(ctx, digest, &n) == 1;
    if (!ok) std::abort();
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u = (u << 8) | digest[i];
    out.push_back(static_cast<int64_t>(u));
  }
  EVP_MD_CTX_free(ctx);
  return out;
}

int64_t BlindIndexKey::Term(std::string_view word) const {
  return Terms({std::string(word)}).front();
}

}  // namespace sealpost::crypto
