#include "crypto/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>

namespace sealpost::crypto {

int64_t TotpStep(int64_t unix_seconds) {
  // Floor division: a clock before 1970 is not a case to round toward 0.
  int64_t q = unix_seconds / kTotpStepSeconds;
  if (unix_seconds % kTotpStepSeconds < 0) --q;
  return q;
}

std::string HotpSha1(const SecretBytes& secret, uint64_t counter, int digits) {
  std::array<unsigned char, 8> message;
  for (int i = 7; i >= 0; --i) {
    message[static_cast<size_t>(i)] = static_cast<unsigned char>(counter);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  auto key = secret.InsecureBytes();
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message.data(),
           message.size(), mac, &mac_size) == nullptr ||
      mac_size != 20) {
    return std::string();  // matches no code (MatchTotp needs digits)
  }
  // RFC 4226 §5.3: the low 4 bits of the last byte pick 4 bytes; the top
  // bit is dropped so the value reads the same signed or unsigned.
  size_t offset = mac[19] & 0x0f;
  uint32_t binary = (uint32_t{mac[offset]} & 0x7f) << 24 |
                    uint32_t{mac[offset + 1]} << 16 |
                    uint32_t{mac[offset + 2]} << 8 | uint32_t{mac[offset + 3]};
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  code.insert(0, static_cast<size_t>(digits) - code.size(), '0');
  OPENSSL_cleanse(mac, sizeof mac);
  return code;
}

std::optional<int64_t> MatchTotp(const SecretBytes& secret,
                                 std::string_view code, int64_t unix_seconds) {
  if (code.size() != static_cast<size_t>(kTotpDigits)) return std::nullopt;
  int64_t now = TotpStep(unix_seconds);
  std::optional<int64_t> found;
  // All three are computed and compared, so the time taken does not say
  // which step (if any) matched.
  for (int64_t step = now - 1; step <= now + 1; ++step) {
    std::string expected = HotpSha1(secret, static_cast<uint64_t>(step));
    bool same = ConstantTimeEquals(expected, code);
    if (same && !found.has_value()) found = step;
  }
  return found;
}

std::string Base32Encode(const SecretBytes& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : bytes.InsecureBytes()) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 0x1f];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 0x1f];
  return out;
}

}  // namespace sealpost::crypto
