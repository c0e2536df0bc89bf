#include "crypto/passphrase_box.h"

#include <argon2.h>

#include "crypto/aes_gcm.h"
#include "crypto/errors.h"
#include "crypto/random.h"

namespace sealpost::crypto {
namespace {

constexpr std::string_view kMagic = "SPBX";
constexpr uint8_t kVersion = 0x01;
constexpr size_t kSaltSize = 16;
// What a reader accepts: the defaults with room to raise them, and a
// ceiling so that a crafted header cannot ask for unbounded memory or time.
constexpr uint32_t kMaxPasses = 16;
constexpr uint32_t kMaxMemoryKiB = 1024 * 1024;  // 1 GiB
constexpr uint32_t kMaxLanes = 16;

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint32_t GetU32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

Status CheckParams(const Argon2Params& p) {
  if (p.passes < 1 || p.passes > kMaxPasses || p.lanes < 1 ||
      p.lanes > kMaxLanes || p.memory_kib < 8 * p.lanes ||
      p.memory_kib > kMaxMemoryKiB) {
    return InvalidArgumentError(
        "Argon2 parameters out of range (passes 1..16, lanes 1..16, memory "
        "8*lanes KiB..1 GiB)");
  }
  return Status::Ok();
}

Result<SecretBytes> DeriveKey(std::string_view passphrase,
                              std::string_view salt, const Argon2Params& p) {
  SecretBytes key(internal::kAesGcmKeySize);
  int rc = argon2id_hash_raw(p.passes, p.memory_kib, p.lanes, passphrase.data(),
                             passphrase.size(), salt.data(), salt.size(),
                             key.InsecureMutableBytes().data(), key.size());
  if (rc != ARGON2_OK) {
    return InternalError(std::string("argon2: ") + argon2_error_message(rc));
  }
  return key;
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

Result<std::string> SealWithPassphraseForTesting(const SecretBytes& plaintext,
                                                 std::string_view passphrase,
                                                 const Argon2Params& params,
                                                 std::string_view salt,
                                                 std::string_view nonce) {
  SP_RETURN_IF_ERROR(CheckParams(params));
  if (salt.size() != kSaltSize || nonce.size() != internal::kAesGcmNonceSize) {
    return InvalidArgumentError("salt must be 16 bytes and nonce 12");
  }
  std::string out(kMagic);
  out.push_back(static_cast<char>(kVersion));
  PutU32(out, params.passes);
  PutU32(out, params.memory_kib);
  PutU32(out, params.lanes);
  out.append(salt);
  out.append(nonce);
  SP_ASSIGN_OR_RETURN(SecretBytes key, DeriveKey(passphrase, salt, params));
  const std::string header = out;
  SP_RETURN_IF_ERROR(internal::AesGcmSeal(key.InsecureBytes(), Bytes(nonce),
                                          plaintext.InsecureStringView(),
                                          header, &out));
  return out;
}

Result<std::string> SealWithPassphrase(const SecretBytes& plaintext,
                                       std::string_view passphrase,
                                       const Argon2Params& params) {
  SecretBytes salt = RandomBytes(kSaltSize);
  SecretBytes nonce = RandomBytes(internal::kAesGcmNonceSize);
  return SealWithPassphraseForTesting(plaintext, passphrase, params,
                                      salt.InsecureStringView(),
                                      nonce.InsecureStringView());
}

Result<SecretBytes> OpenWithPassphrase(std::string_view box,
                                       std::string_view passphrase) {
  if (box.size() < kMagic.size() || box.substr(0, kMagic.size()) != kMagic) {
    return InvalidArgumentError("not a Sealpost passphrase-protected file");
  }
  if (box.size() < kPassphraseBoxHeaderSize + internal::kAesGcmTagSize) {
    return DecryptionFailedError();
  }
  if (static_cast<uint8_t>(box[4]) != kVersion) {
    return InvalidArgumentError("passphrase-protected file of version " +
                                std::to_string(static_cast<uint8_t>(box[4])) +
                                "; this build reads 1");
  }
  Argon2Params p{GetU32(box.substr(5)), GetU32(box.substr(9)),
                 GetU32(box.substr(13))};
  SP_RETURN_IF_ERROR(CheckParams(p));
  std::string_view salt = box.substr(17, kSaltSize);
  std::string_view nonce = box.substr(33, internal::kAesGcmNonceSize);
  SP_ASSIGN_OR_RETURN(SecretBytes key, DeriveKey(passphrase, salt, p));
  std::string plain;
  SP_RETURN_IF_ERROR(internal::AesGcmOpen(
      key.InsecureBytes(), Bytes(nonce), box.substr(kPassphraseBoxHeaderSize),
      box.substr(0, kPassphraseBoxHeaderSize), &plain));
  SecretBytes out = SecretBytes::FromStringInsecure(plain);
  std::fill(plain.begin(), plain.end(), '\0');
  return out;
}

}  // namespace sealpost::crypto
