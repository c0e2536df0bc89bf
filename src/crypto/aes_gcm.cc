#include "crypto/aes_gcm.h"

#include <openssl/evp.h>

#include <climits>
#include <memory>

#include "crypto/errors.h"

namespace sealpost::crypto::internal {
namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

// EVP takes int lengths: feed big inputs in pieces.
constexpr size_t kMaxChunk = 1u << 30;

uint8_t* WritePtr(std::string* out, size_t offset) {
  return reinterpret_cast<uint8_t*>(out->data()) + offset;
}
const uint8_t* ReadPtr(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

bool FeedAad(EVP_CIPHER_CTX* ctx, std::string_view ad, bool encrypt) {
  while (!ad.empty()) {
    size_t n = std::min(ad.size(), kMaxChunk);
    int outl = 0;
    int ok = encrypt ? EVP_EncryptUpdate(ctx, nullptr, &outl, ReadPtr(ad),
                                         static_cast<int>(n))
                     : EVP_DecryptUpdate(ctx, nullptr, &outl, ReadPtr(ad),
                                         static_cast<int>(n));
    if (ok != 1) return false;
    ad.remove_prefix(n);
  }
  return true;
}

// AES-256-GCM fetched once: EVP_aes_256_gcm() in an Init is looked up
// by name again on every call (a locked lookup; every message opened makes
// at least one). The provider keeps it for the process's life.
const EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* const cipher =
      EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

}  // namespace

Status AesGcmSeal(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                  std::string_view plaintext, std::string_view associated_data,
                  std::string* out) {
  if (key.size() != kAesGcmKeySize || nonce.size() != kAesGcmNonceSize) {
    return InternalError("AES-GCM: bad key or nonce size");
  }
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  const EVP_CIPHER* cipher = Aes256Gcm();
  if (!ctx || cipher == nullptr ||
      EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(),
                         nonce.data()) != 1 ||
      !FeedAad(ctx.get(), associated_data, /*encrypt=*/true)) {
    return InternalError("AES-GCM: encryption setup failed");
  }
  size_t start = out->size();
  out->resize(start + plaintext.size() + kAesGcmTagSize);
  size_t pos = start;
  while (!plaintext.empty()) {
    size_t n = std::min(plaintext.size(), kMaxChunk);
    int outl = 0;
    if (EVP_EncryptUpdate(ctx.get(), WritePtr(out, pos), &outl,
                          ReadPtr(plaintext), static_cast<int>(n)) != 1) {
      out->resize(start);
      return InternalError("AES-GCM: encryption failed");
    }
    pos += static_cast<size_t>(outl);
    plaintext.remove_prefix(n);
  }
  int outl = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), WritePtr(out, pos), &outl) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAesGcmTagSize,
                          WritePtr(out, pos + outl)) != 1) {
    out->resize(start);
    return InternalError("AES-GCM: encryption failed");
  }
  return Status::Ok();
}

Status AesGcmOpen(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                  std::string_view ciphertext_and_tag,
                  std::string_view associated_data, std::string* out) {
  if (key.size() != kAesGcmKeySize || nonce.size() != kAesGcmNonceSize ||
      ciphertext_and_tag.size() < kAesGcmTagSize) {
    return DecryptionFailedError();
  }
  std::string_view ciphertext =
      ciphertext_and_tag.substr(0, ciphertext_and_tag.size() - kAesGcmTagSize);
  std::string_view tag = ciphertext_and_tag.substr(ciphertext.size());
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  const EVP_CIPHER* cipher = Aes256Gcm();
  if (!ctx || cipher == nullptr ||
      EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key.data(),
                         nonce.data()) != 1 ||
      !FeedAad(ctx.get(), associated_data, /*encrypt=*/false)) {
    return DecryptionFailedError();
  }
  size_t start = out->size();
  out->resize(start + ciphertext.size());
  size_t pos = start;
  bool ok = true;
  while (ok && !ciphertext.empty()) {
    size_t n = std::min(ciphertext.size(), kMaxChunk);
    int outl = 0;
    ok = EVP_DecryptUpdate(ctx.get(), WritePtr(out, pos), &outl,
                           ReadPtr(ciphertext), static_cast<int>(n)) == 1;
    pos += static_cast<size_t>(outl);
    ciphertext.remove_prefix(n);
  }
  int outl = 0;
  ok = ok &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagSize,
                           const_cast<char*>(tag.data())) == 1 &&
       EVP_DecryptFinal_ex(ctx.get(), WritePtr(out, pos), &outl) == 1;
  if (!ok) {
    // Wipe the unauthenticated plaintext before dropping it.
    std::fill(out->begin() + static_cast<std::ptrdiff_t>(start), out->end(),
              '\0');
    out->resize(start);
    return DecryptionFailedError();
  }
  return Status::Ok();
}

}  // namespace sealpost::crypto::internal
