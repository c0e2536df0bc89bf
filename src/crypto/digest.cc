#include "crypto/digest.h"

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

}  // namespace sealpost::crypto
