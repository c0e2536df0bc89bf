#include "crypto/random.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "base/encoding.h"

namespace sealpost::crypto {

SecretBytes RandomBytes(size_t n) {
  SecretBytes out(n);
  if (n > 0 &&
      RAND_bytes(out.InsecureMutableBytes().data(), static_cast<int>(n)) != 1) {
    // The DRBG failing means the process cannot do cryptography safely.
    std::abort();
  }
  return out;
}

std::string RandomToken(size_t n) {
  SecretBytes b = RandomBytes(n);
  return Base64UrlEncode(b.InsecureBytes());
}

std::string RandomDigits(size_t digits) {
  std::string out;
  while (out.size() < digits) {
    SecretBytes b = RandomBytes(1);
    uint8_t v = b.InsecureBytes()[0];
    if (v >= 250) continue;  // reject to keep the digits uniform
    out += static_cast<char>('0' + v % 10);
  }
  return out;
}

}  // namespace sealpost::crypto
