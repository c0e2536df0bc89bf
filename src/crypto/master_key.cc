#include "crypto/master_key.h"

#include <cstdlib>
#include <utility>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"

namespace sealpost::crypto {
namespace {

constexpr std::string_view kFingerprintInfo = "sealpost master key id";

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
          (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

Status BadKey() {
  return InvalidArgumentError(
      "master key must be 32 bytes: raw, 64 hex digits or base64");
}

}  // namespace

Result<MasterKey> MasterKey::FromBytes(SecretBytes key) {
  if (key.size() != kSize) return BadKey();
  SP_ASSIGN_OR_RETURN(SecretBytes id, HkdfSha256(key.InsecureBytes(), {},
                                                 AsBytes(kFingerprintInfo), 4));
  auto b = id.InsecureBytes();
  uint32_t fingerprint = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
                         (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  SP_ASSIGN_OR_RETURN(Aead aead, Aead::FromKey(fingerprint, std::move(key)));
  return MasterKey(std::move(aead));
}

MasterKey MasterKey::Generate() {
  auto key = FromBytes(RandomBytes(kSize));
  if (!key.ok()) std::abort();  // Only fails if HKDF is missing.
  return std::move(key).value();
}

Result<MasterKey> MasterKey::FromFileContents(std::string_view contents) {
  if (contents.size() == kSize) {
    return FromBytes(SecretBytes::FromStringInsecure(contents));
  }
  return FromEncoded(contents);
}

Result<MasterKey> MasterKey::FromEncoded(std::string_view text) {
  text = Trim(text);
  Result<std::string> decoded = (text.size() == 2 * kSize && IsHex(text))
                                    ? HexDecode(text)
                                    : Base64Decode(text);
  if (!decoded.ok()) return BadKey();
  SecretBytes key = SecretBytes::FromStringInsecure(*decoded);
  std::fill(decoded->begin(), decoded->end(), '\0');
  return FromBytes(std::move(key));
}

std::string MasterKey::EncodeInsecure() const {
  return Base64Encode(aead_.KeyInsecure().InsecureBytes());
}

Result<std::string> MasterKey::Wrap(const SecretBytes& secret,
                                    std::string_view associated_data) const {
  return aead_.Encrypt(secret.InsecureStringView(), associated_data);
}

Result<SecretBytes> MasterKey::Unwrap(std::string_view wrapped,
                                      std::string_view associated_data) const {
  SP_ASSIGN_OR_RETURN(std::string plain,
                      aead_.Decrypt(wrapped, associated_data));
  SecretBytes out = SecretBytes::FromStringInsecure(plain);
  std::fill(plain.begin(), plain.end(), '\0');
  return out;
}

}  // namespace sealpost::crypto
